/* rollout.c: rollout workers stepping envs with the policy's step form (see rollout.h). */
#include "algo/rollout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policies/categorical.h"
#include "policies/gaussian.h"

/* One step of a worker's slice, in memory of its own: the shared buffer's rows [t, n0 .. n0 + n)
 * are written once per step from here (memcpy), so neighbouring workers do not write into a
 * shared cache line element by element (false sharing; with 16 workers on 16 cores this took
 * about 7% off the rollout). */
typedef struct StepRows {
    float *obs, *next_obs;               /* [n, O] this step's observations, and the next ones */
    uint8_t *start, *next_start;         /* [n] */
    int32_t *prev, *next_prev;           /* [n] previous actions */
    int32_t *actions;                    /* [n] */
    float *logprobs, *values, *rewards, *final_values; /* [n] */
    uint8_t *terminated, *truncated;     /* [n] */
    float *box;                          /* [n, D] continuous actions as sampled */
    Rng *rng;                            /* [n] the slice's action samplers, copied in and back */
} StepRows;

struct RolloutWorker {
    Rollout *r;
    int n0, n;            /* slice: envs n0 .. n0 + n - 1 */
    VecEnv *venv;
    PolicyWork *work;     /* max_b = n, max_t = 1 */
    float *logits;        /* [n, A] */
    float *final_obs;     /* [n, O] */
    float *state_copy;    /* [n, S] */
    StepRows rows;        /* carved from one block, rows_mem */
    void *rows_mem;
};

/* The worker's StepRows in one block, each array starting on a 64-byte line. 0 or -1. */
static int rows_alloc(RolloutWorker *wk, int O, int D) {
    const size_t n = (size_t)wk->n, f = sizeof(float), line = 64;
    const size_t sizes[] = {n * O * f, n * O * f, n, n, n * 4, n * 4, n * 4, n * f, n * f, n * f, n * f, n, n,
                            n * sizeof(Rng), n * D * f};
    enum { K = sizeof sizes / sizeof *sizes };
    size_t at[K], total = 0;
    for (int i = 0; i < K; i++) {
        at[i] = total;
        total += (sizes[i] + line - 1) / line * line;
    }
    char *m = aligned_alloc(line, total);
    if (!m) return -1;
    memset(m, 0, total);
    wk->rows_mem = m;
    StepRows *s = &wk->rows;
    s->obs = (float *)(m + at[0]);
    s->next_obs = (float *)(m + at[1]);
    s->start = (uint8_t *)(m + at[2]);
    s->next_start = (uint8_t *)(m + at[3]);
    s->prev = (int32_t *)(m + at[4]);
    s->next_prev = (int32_t *)(m + at[5]);
    s->actions = (int32_t *)(m + at[6]);
    s->logprobs = (float *)(m + at[7]);
    s->values = (float *)(m + at[8]);
    s->rewards = (float *)(m + at[9]);
    s->final_values = (float *)(m + at[10]);
    s->terminated = (uint8_t *)(m + at[11]);
    s->truncated = (uint8_t *)(m + at[12]);
    s->rng = (Rng *)(m + at[13]);
    s->box = (float *)(m + at[14]);
    return 0;
}

/* One rollout of worker wk's slice: every step in wk->rows, each row then copied out once. */
static void worker_collect(RolloutWorker *wk) {
    Rollout *r = wk->r;
    RolloutBuffer *b = &r->buf;
    StepRows *s = &wk->rows;
    const Policy *p = r->policy;
    const int N = b->N, O = b->O, A = b->A, D = b->D, n0 = wk->n0, n = wk->n;
    const size_t S = b->S, row0 = (size_t)n0, rowT = (size_t)b->T * N + n0;
    /* this step's inputs: row T of the last rollout (it is row 0 of this one), or row 0 */
    const size_t from = r->fresh ? row0 : rowT;
    const Normalizer *nz = r->norm && r->norm->obs_on ? r->norm : NULL;
    if (nz && from != row0) /* raw row 0 holds step 0's observations, as obs row 0 will */
        memcpy(b->raw_obs + row0 * O, b->raw_obs + from * O, sizeof(float) * n * O);
    if (nz) /* the carried raw observations, normalized with the statistics of now */
        for (int i = 0; i < n; i++)
            running_stats_normalize(&nz->obs, nz->clip_obs, b->raw_obs + (from + i) * O, s->obs + (size_t)i * O);
    else
        memcpy(s->obs, b->obs + from * O, sizeof(float) * n * O);
    memcpy(s->start, b->episode_start + from, (size_t)n);
    memcpy(s->prev, b->prev_action + from, sizeof(int32_t) * n);
    memcpy(s->rng, r->sample_rng + n0, sizeof(Rng) * n);
    float *state = b->state + n0 * S;
    memcpy(b->state0 + n0 * S, state, sizeof(float) * n * S);
    for (int t = 0; t < b->T; t++) {
        const size_t row = (size_t)t * N + n0;
        policy_step(p, wk->work, n, state, s->obs, s->start, s->prev, wk->logits, s->values);
        if (D > 0) { /* Gaussian: means in logits, the env clips the sample to its box */
            const float *log_std = policy_log_std(p);
            for (int i = 0; i < n; i++)
                gaussian_sample(D, wk->logits + (size_t)i * A, log_std, &s->rng[i], s->box + (size_t)i * D,
                                &s->logprobs[i]);
            vecenv_step_box(wk->venv, s->box, s->next_obs, s->rewards, s->terminated, s->truncated,
                            wk->final_obs);
        } else {
            for (int i = 0; i < n; i++)
                s->actions[i] = categorical_sample(A, wk->logits + (size_t)i * A, &s->rng[i], &s->logprobs[i]);
            vecenv_step(wk->venv, s->actions, s->next_obs, s->rewards, s->terminated, s->truncated,
                        wk->final_obs);
        }
        if (nz) {
            memcpy(b->raw_obs + (row + N) * O, s->next_obs, sizeof(float) * n * O);
            for (int i = 0; i < n; i++) {
                running_stats_normalize(&nz->obs, nz->clip_obs, s->next_obs + (size_t)i * O, s->next_obs + (size_t)i * O);
                if (s->truncated[i] && !s->terminated[i])
                    running_stats_normalize(&nz->obs, nz->clip_obs, wk->final_obs + (size_t)i * O,
                                            wk->final_obs + (size_t)i * O);
            }
        }
        for (int i = 0; i < n; i++) {
            s->next_start[i] = s->terminated[i] || s->truncated[i];
            s->next_prev[i] = s->actions[i];
            s->final_values[i] = 0.0f;
            if (s->truncated[i] && !s->terminated[i]) {
                /* V(final_obs) from the ended episode's own state: one more step, no reset. */
                const uint8_t no_start = 0;
                memcpy(wk->state_copy, state + i * S, sizeof(float) * S);
                policy_step(p, wk->work, 1, wk->state_copy, wk->final_obs + (size_t)i * O,
                            &no_start, &s->actions[i], wk->logits, &s->final_values[i]);
            }
        }
        memcpy(b->obs + row * O, s->obs, sizeof(float) * n * O);
        memcpy(b->episode_start + row, s->start, (size_t)n);
        memcpy(b->prev_action + row, s->prev, sizeof(int32_t) * n);
        memcpy(b->actions + row, s->actions, sizeof(int32_t) * n);
        if (D > 0) memcpy(b->box_actions + row * D, s->box, sizeof(float) * n * D);
        memcpy(b->logprobs + row, s->logprobs, sizeof(float) * n);
        memcpy(b->values + row, s->values, sizeof(float) * n);
        memcpy(b->rewards + row, s->rewards, sizeof(float) * n);
        memcpy(b->final_values + row, s->final_values, sizeof(float) * n);
        memcpy(b->terminated + row, s->terminated, (size_t)n);
        memcpy(b->truncated + row, s->truncated, (size_t)n);
        float *fo = s->obs;
        s->obs = s->next_obs, s->next_obs = fo;
        uint8_t *fs = s->start;
        s->start = s->next_start, s->next_start = fs;
        int32_t *fp = s->prev;
        s->prev = s->next_prev, s->next_prev = fp;
    }
    memcpy(b->obs + rowT * O, s->obs, sizeof(float) * n * O);
    memcpy(b->episode_start + rowT, s->start, (size_t)n);
    memcpy(b->prev_action + rowT, s->prev, sizeof(int32_t) * n);
    memcpy(r->sample_rng + n0, s->rng, sizeof(Rng) * n);
    /* V(obs[T]) from a copy: the carried state must stay the one before obs[T]. */
    memcpy(wk->state_copy, state, sizeof(float) * n * S);
    policy_step(p, wk->work, n, wk->state_copy, s->obs, s->start, s->prev, wk->logits,
                b->next_values + n0);
}

/* A pool job: worker w's slice of the rollout. */
static void collect_slice(void *ctx, int w) { worker_collect(&((Rollout *)ctx)->workers[w]); }

static int buffer_alloc(RolloutBuffer *b, Err *err) {
    const size_t T = (size_t)b->T, N = (size_t)b->N, O = (size_t)b->O, S = b->S;
    b->obs = calloc((T + 1) * N * O, sizeof *b->obs);
    b->episode_start = calloc((T + 1) * N, 1);
    b->prev_action = calloc((T + 1) * N, sizeof *b->prev_action);
    b->actions = calloc(T * N, sizeof *b->actions);
    b->box_actions = calloc(T * N * (size_t)b->D + 1, sizeof(float));
    b->logprobs = calloc(T * N, sizeof(float));
    b->values = calloc(T * N, sizeof(float));
    b->rewards = calloc(T * N, sizeof(float));
    b->final_values = calloc(T * N, sizeof(float));
    b->terminated = calloc(T * N, 1);
    b->truncated = calloc(T * N, 1);
    b->next_values = calloc(N, sizeof(float));
    b->state0 = calloc(N * S + 1, sizeof(float));
    b->state = calloc(N * S + 1, sizeof(float));
    b->advantages = calloc(T * N, sizeof(float));
    b->returns = calloc(T * N, sizeof(float));
    if (!b->obs || !b->episode_start || !b->prev_action || !b->actions || !b->box_actions || !b->logprobs ||
        !b->values || !b->rewards || !b->final_values || !b->terminated || !b->truncated ||
        !b->next_values || !b->state0 || !b->state || !b->advantages || !b->returns)
        return err_set(err, "out of memory for a rollout buffer of %zu x %zu steps", T, N);
    return 0;
}

static void buffer_free(RolloutBuffer *b) {
    free(b->obs);
    free(b->episode_start);
    free(b->prev_action);
    free(b->actions);
    free(b->box_actions);
    free(b->logprobs);
    free(b->values);
    free(b->rewards);
    free(b->final_values);
    free(b->terminated);
    free(b->truncated);
    free(b->next_values);
    free(b->state0);
    free(b->state);
    free(b->advantages);
    free(b->returns);
    free(b->raw_obs);
}

int rollout_create(Rollout **out, const EnvConfig *env_cfg, const Policy *policy, int num_envs,
                   int num_steps, Pool *pool, uint64_t seed, uint64_t first_stream, Err *err) {
    *out = NULL;
    const int workers = pool_size(pool);
    if (workers > num_envs)
        return err_set(err, "rollout: %d workers for %d envs (allowed: 1 to the number of envs)",
                       workers, num_envs);
    Rollout *r = calloc(1, sizeof *r);
    if (!r) return err_set(err, "out of memory creating the rollout");
    r->policy = policy;
    r->pool = pool;
    r->n_workers = workers;
    RolloutBuffer *b = &r->buf;
    b->T = num_steps;
    b->N = num_envs;
    b->O = policy->obs_dim;
    b->A = policy->n_actions;
    b->D = policy->gaussian ? policy->n_actions : 0;
    b->S = policy->state_size;
    r->workers = calloc((size_t)workers, sizeof *r->workers);
    r->sample_rng = calloc((size_t)num_envs, sizeof *r->sample_rng);
    if (!r->workers || !r->sample_rng || buffer_alloc(b, err)) {
        rollout_destroy(r);
        return err_set(err, "out of memory creating the rollout of %d envs x %d steps", num_envs,
                       num_steps);
    }
    for (int i = 0; i < num_envs; i++)
        rng_seed(&r->sample_rng[i], seed, ROLLOUT_SAMPLER_STREAM + first_stream + (uint64_t)i);
    for (int w = 0; w < workers; w++) {
        RolloutWorker *wk = &r->workers[w];
        wk->r = r;
        wk->n0 = (int)((long)num_envs * w / workers);
        wk->n = (int)((long)num_envs * (w + 1) / workers) - wk->n0;
        if (vecenv_create(&wk->venv, env_cfg, wk->n, seed, first_stream + (uint64_t)wk->n0,
                          wk->n * num_steps + 16, err)) {
            rollout_destroy(r);
            return -1;
        }
        if (wk->venv->obs_dim != b->O || wk->venv->n_actions != (b->D ? 0 : b->A) ||
            wk->venv->action_dim != b->D) {
            rollout_destroy(r);
            return err_set(err, "env %s has obs_dim %d, %d discrete actions and %d continuous action "
                           "dimensions; the policy expects %d, %d and %d",
                           env_cfg->name, wk->venv->obs_dim, wk->venv->n_actions, wk->venv->action_dim,
                           b->O, b->D ? 0 : b->A, b->D);
        }
        wk->work = policy_work_create(policy, 1, wk->n);
        wk->logits = calloc((size_t)wk->n * b->A, sizeof(float));
        wk->final_obs = calloc((size_t)wk->n * b->O, sizeof(float));
        wk->state_copy = calloc((size_t)wk->n * b->S + 1, sizeof(float));
        if (!wk->work || !wk->logits || !wk->final_obs || !wk->state_copy || rows_alloc(wk, b->O, b->D)) {
            rollout_destroy(r);
            return err_set(err, "out of memory creating rollout worker %d", w);
        }
        vecenv_reset(wk->venv, b->obs + (size_t)wk->n0 * b->O);
    }
    memset(b->episode_start, 1, (size_t)num_envs);
    r->fresh = true;
    *out = r;
    return 0;
}

void rollout_destroy(Rollout *r) {
    if (!r) return;
    if (r->workers)
        for (int w = 0; w < r->n_workers; w++) {
            RolloutWorker *wk = &r->workers[w];
            vecenv_destroy(wk->venv);
            policy_work_destroy(wk->work);
            free(wk->logits);
            free(wk->final_obs);
            free(wk->state_copy);
            free(wk->rows_mem);
        }
    buffer_free(&r->buf);
    if (r->norm) normalizer_free(r->norm);
    free(r->norm);
    if (r->bonus) count_bonus_free(r->bonus);
    free(r->bonus);
    free(r->bonus_own);
    free(r->bonus_keys);
    free(r->workers);
    free(r->sample_rng);
    free(r);
}

int rollout_set_normalizer(Rollout *r, bool obs_on, bool reward_on, double clip_obs, double clip_reward,
                           double gamma, Err *err) {
    RolloutBuffer *b = &r->buf;
    if (!obs_on && !reward_on) return 0;
    r->norm = malloc(sizeof *r->norm);
    if (!r->norm) return err_set(err, "out of memory for the normalizer");
    if (normalizer_init(r->norm, obs_on, reward_on, clip_obs, clip_reward, gamma, b->O, b->N, err)) {
        free(r->norm);
        r->norm = NULL;
        return -1;
    }
    if (obs_on) {
        b->raw_obs = malloc(sizeof(float) * ((size_t)b->T + 1) * b->N * b->O);
        if (!b->raw_obs) return err_set(err, "out of memory for the raw observations");
        memcpy(b->raw_obs, b->obs, sizeof(float) * (size_t)b->N * b->O); /* row 0: the reset */
    }
    return 0;
}

int rollout_normalize(Rollout *r, Dist *d) {
    if (!r->norm) return 0;
    RolloutBuffer *b = &r->buf;
    return normalizer_after_rollout(r->norm, d, b->T, b->N, b->raw_obs, b->rewards, b->terminated);
}

int rollout_set_count_bonus(Rollout *r, double coef, double gamma, int ranks, Err *err) {
    const RolloutBuffer *b = &r->buf;
    const size_t rows = (size_t)b->T * b->N;
    if (!(gamma >= 0.0 && gamma < 1.0))
        return err_set(err, "the count bonus needs a discount gamma in [0, 1), not %g", gamma);
    r->ranks = ranks;
    r->bonus_gamma = gamma;
    r->bonus = calloc(1, sizeof *r->bonus);
    r->bonus_own = malloc(sizeof(uint64_t) * rows);
    if (ranks > 1) r->bonus_keys = malloc(sizeof(uint64_t) * (size_t)ranks * rows);
    if (!r->bonus || !r->bonus_own || (ranks > 1 && !r->bonus_keys))
        return err_set(err, "out of memory for the count bonus");
    return count_bonus_init(r->bonus, coef, err);
}

int rollout_count_bonus(Rollout *r, Dist *d, Err *err) {
    if (!r->bonus) return 0;
    RolloutBuffer *b = &r->buf;
    const long rows = (long)b->T * b->N;
    count_bonus_keys(b->raw_obs ? b->raw_obs : b->obs, b->O, rows, r->bonus_own);
    double sum = 0.0;
    int rc;
    if (r->ranks == 1) {
        rc = count_bonus_add(r->bonus, r->bonus_own, rows, 0, rows, b->rewards, &sum, err);
    } else {
        if (dist_allgather(d, r->bonus_own, sizeof(uint64_t) * (size_t)rows, r->bonus_keys, err)) return -1;
        rc = count_bonus_add(r->bonus, r->bonus_keys, rows * r->ranks, dist_rank(d) * rows, rows,
                             b->rewards, &sum, err);
        rc = dist_agree_err(d, rc, err);
    }
    if (rc) return rc;
    /* the bonuses of the episode a termination starts (count_bonus.h): every rank counted every
     * rank's keys, so every rank has the same mean */
    const double g = r->bonus_gamma, mean = sum / ((double)rows * r->ranks);
    r->bonus_terminal = g * mean / (1.0 - g);
    for (long i = 0; i < rows; i++)
        if (b->terminated[i]) b->rewards[i] += (float)r->bonus_terminal;
    return 0;
}

void rollout_collect(Rollout *r) {
    pool_run(r->pool, collect_slice, r);
    r->fresh = false;
}

int rollout_drain_episodes(Rollout *r, Episode *out, int max) {
    int k = 0;
    for (int w = 0; w < r->n_workers; w++) {
        RolloutWorker *wk = &r->workers[w];
        int got = vecenv_drain_episodes(wk->venv, out + k, max - k);
        for (int i = 0; i < got; i++) out[k + i].env_index += wk->n0;
        k += got;
    }
    return k;
}

VecEnv *rollout_vecenv(Rollout *r, int w) { return r->workers[w].venv; }

int rollout_worker_first(const Rollout *r, int w) { return r->workers[w].n0; }

int rollout_current_row(const Rollout *r) { return r->fresh ? 0 : r->buf.T; }

void rollout_mark_fresh(Rollout *r) { r->fresh = true; }
