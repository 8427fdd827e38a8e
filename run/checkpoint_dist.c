/* checkpoint_dist.c: gathering every rank's per-env checkpoint sections to rank 0 (see
 * checkpoint_dist.h). */
#include "run/checkpoint_dist.h"

#include <stdlib.h>
#include <string.h>

/* The per-env arrays of a Checkpoint, in the order they are packed: their address in a
 * Checkpoint and their bytes per env. */
typedef struct Field {
    void **data;
    size_t bytes_per_env;
} Field;

enum { N_FIELDS = 9 };

static void fields(Checkpoint *ck, Field f[N_FIELDS]) {
    f[0] = (Field){(void **)&ck->sample_rngs, sizeof(Rng)};
    f[1] = (Field){(void **)&ck->env_states, (size_t)ck->env_state_bytes};
    f[2] = (Field){(void **)&ck->state, sizeof(float) * (size_t)ck->state_size};
    f[3] = (Field){(void **)&ck->obs, sizeof(float) * (size_t)ck->obs_dim};
    f[4] = (Field){(void **)&ck->episode_start, 1};
    f[5] = (Field){(void **)&ck->prev_action, sizeof(int32_t)};
    f[6] = (Field){(void **)&ck->ep_return, sizeof(float)};
    f[7] = (Field){(void **)&ck->ep_length, sizeof(int32_t)};
    f[8] = (Field){(void **)&ck->norm_returns, ck->has_norm ? sizeof(double) : 0};
}

void checkpoint_gather_free(Checkpoint *all) {
    Field f[N_FIELDS];
    fields(all, f);
    for (int k = 0; k < N_FIELDS; k++) {
        free(*f[k].data);
        *f[k].data = NULL;
    }
}

int checkpoint_gather(Dist *d, const Checkpoint *local, Checkpoint *all, Err *err) {
    const int R = dist_size(d), root = dist_rank(d) == 0;
    const size_t N = (size_t)local->num_envs;
    Checkpoint src = *local; /* the views of this rank's arrays */
    Field fs[N_FIELDS];
    fields(&src, fs);
    size_t blob = 0; /* bytes of one rank's packed arrays */
    for (int k = 0; k < N_FIELDS; k++) blob += N * fs[k].bytes_per_env;
    memset(all, 0, sizeof *all);
    uint8_t *mine = malloc(blob + 1), *every = root ? malloc((size_t)R * blob + 1) : NULL;
    bool ok = mine && (!root || every);
    if (root) {
        *all = *local;
        all->num_envs = (int32_t)((size_t)R * N);
        Field fa[N_FIELDS];
        fields(all, fa);
        for (int k = 0; k < N_FIELDS; k++) *fa[k].data = NULL;
        for (int k = 0; k < N_FIELDS; k++) {
            *fa[k].data = malloc(R * N * fa[k].bytes_per_env + 1);
            ok = ok && *fa[k].data;
        }
    }
    int rc = dist_agree(d, ok ? 0 : 1, NULL, err);
    if (rc) {
        if (!ok) err_set(err, "out of memory gathering a checkpoint of %d x %zu envs", R, N);
        else if (!dist_error(d)) err_set(err, "another rank ran out of memory gathering a checkpoint");
        goto fail;
    }
    size_t at = 0;
    for (int k = 0; k < N_FIELDS; k++) {
        if (fs[k].bytes_per_env) memcpy(mine + at, *fs[k].data, N * fs[k].bytes_per_env);
        at += N * fs[k].bytes_per_env;
    }
    if (dist_gather(d, mine, blob, every, err)) goto fail;
    if (root) {
        Field fa[N_FIELDS];
        fields(all, fa);
        at = 0;
        for (int k = 0; k < N_FIELDS; k++) {
            size_t part = N * fa[k].bytes_per_env;
            for (int r = 0; r < R && part; r++)
                memcpy((uint8_t *)*fa[k].data + (size_t)r * part, every + (size_t)r * blob + at, part);
            at += part;
        }
    }
    free(mine);
    free(every);
    return 0;
fail:
    free(mine);
    free(every);
    if (root) checkpoint_gather_free(all);
    memset(all, 0, sizeof *all);
    return -1;
}
