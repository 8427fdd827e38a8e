/* checkpoint.c: writing and reading checkpoint files (format in checkpoint.h). */
#include "run/checkpoint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/file.h"

static const char MAGIC[8] = {'P', 'P', 'O', '-', 'C', 'K', 'P', 'T'};
#define MAX_FILE (1ull << 34) /* 16 GiB: anything larger is not a checkpoint of ours */

/* ---- writing ------------------------------------------------------------------------------- */

typedef struct Buf {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} Buf;

static void put(Buf *b, const void *src, size_t n) {
    if (b->failed) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + n) cap *= 2;
        uint8_t *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
}
static void put_u8(Buf *b, uint8_t v) { put(b, &v, 1); }
static void put_u16(Buf *b, uint16_t v) { put(b, &v, 2); }
static void put_u32(Buf *b, uint32_t v) { put(b, &v, 4); }
static void put_u64(Buf *b, uint64_t v) { put(b, &v, 8); }
static void put_i32(Buf *b, int32_t v) { put(b, &v, 4); }
static void put_i64(Buf *b, int64_t v) { put(b, &v, 8); }
static void put_f64(Buf *b, double v) { put(b, &v, 8); }
static void put_str(Buf *b, const char *s) {
    uint16_t n = (uint16_t)strlen(s);
    put_u16(b, n);
    put(b, s, n);
}

/* Starts a section; returns the offset of its length field, patched by end_section. */
static size_t begin_section(Buf *b, const char tag[4]) {
    put(b, tag, 4);
    put_u32(b, 0);
    size_t at = b->len;
    put_u64(b, 0);
    return at;
}
static void end_section(Buf *b, size_t at) {
    if (b->failed) return;
    uint64_t len = b->len - at - 8;
    memcpy(b->data + at, &len, 8);
}

static void put_header(Buf *b, const Checkpoint *ck) {
    size_t s = begin_section(b, "HEAD");
    put_str(b, ck->env_name);
    put_str(b, ck->policy_kind);
    put_i32(b, ck->obs_dim);
    put_i32(b, ck->n_actions);
    put_u64(b, ck->state_size);
    put_u64(b, ck->n_params);
    put_i32(b, ck->num_envs);
    put_i64(b, ck->global_step);
    put_i64(b, ck->update);
    put_i64(b, ck->episodes);
    put_f64(b, ck->mean_return);
    put_f64(b, ck->best_return);
    put_f64(b, ck->train_seconds);
    put_i64(b, ck->adam_step);
    end_section(b, s);
}

int checkpoint_write(const Checkpoint *ck, const char *path, Err *err) {
    Buf b = {0};
    const size_t N = (size_t)ck->num_envs;
    put(&b, MAGIC, 8);
    put_u32(&b, ck->has_counts ? 4 : ck->has_norm ? 3 : 2); /* the oldest version that holds it */
    put_u32(&b, 0);
    put_header(&b, ck);
    size_t s = begin_section(&b, "CONF");
    put(&b, ck->config_yaml, strlen(ck->config_yaml));
    end_section(&b, s);
    s = begin_section(&b, "TENS");
    put_u32(&b, (uint32_t)ck->n_tensors);
    for (int i = 0; i < ck->n_tensors; i++) {
        const CkptTensor *t = &ck->tensors[i];
        put_str(&b, t->name);
        put_u8(&b, (uint8_t)t->ndim);
        for (int d = 0; d < t->ndim; d++) put_u32(&b, (uint32_t)t->shape[d]);
        put(&b, t->data, t->size * sizeof(float));
    }
    end_section(&b, s);
    s = begin_section(&b, "RNGS");
    put_u64(&b, ck->learner_rng.state);
    put_u64(&b, ck->learner_rng.inc);
    put_u32(&b, (uint32_t)N);
    for (size_t i = 0; i < N; i++) {
        put_u64(&b, ck->sample_rngs[i].state);
        put_u64(&b, ck->sample_rngs[i].inc);
    }
    end_section(&b, s);
    s = begin_section(&b, "ENVS");
    put_u32(&b, (uint32_t)N);
    put_u64(&b, ck->env_state_bytes);
    put(&b, ck->env_states, N * ck->env_state_bytes);
    end_section(&b, s);
    s = begin_section(&b, "ROLL");
    put_u32(&b, (uint32_t)N);
    put_u64(&b, ck->state_size);
    put_u32(&b, (uint32_t)ck->obs_dim);
    put(&b, ck->state, N * ck->state_size * sizeof(float));
    put(&b, ck->obs, N * (size_t)ck->obs_dim * sizeof(float));
    put(&b, ck->episode_start, N);
    put(&b, ck->prev_action, N * sizeof(int32_t));
    put(&b, ck->ep_return, N * sizeof(float));
    put(&b, ck->ep_length, N * sizeof(int32_t));
    end_section(&b, s);
    const char *map_name = ck->map_text && ck->map_name ? ck->map_name : "";
    const char *map_text = ck->map_text ? ck->map_text : "";
    s = begin_section(&b, "EPIS");
    put_u32(&b, (uint32_t)ck->recent.n);
    put(&b, ck->recent.returns, (size_t)ck->recent.n * sizeof(float));
    put(&b, ck->recent.lengths, (size_t)ck->recent.n * sizeof(int32_t));
    end_section(&b, s);
    s = begin_section(&b, "MAPF");
    put_str(&b, map_name);
    put_u32(&b, (uint32_t)strlen(map_text));
    put(&b, map_text, strlen(map_text));
    end_section(&b, s);
    if (ck->has_norm) {
        const size_t O = (size_t)ck->obs_dim;
        s = begin_section(&b, "NORM");
        put_u8(&b, ck->norm_obs_on);
        put_u8(&b, ck->norm_reward_on);
        put_u16(&b, 0);
        put_f64(&b, ck->norm_clip_obs);
        put_f64(&b, ck->norm_clip_reward);
        put_u32(&b, (uint32_t)O);
        put(&b, ck->norm_obs_mean, O * sizeof(double));
        put(&b, ck->norm_obs_var, O * sizeof(double));
        put_f64(&b, ck->norm_obs_count);
        put_f64(&b, ck->norm_ret_mean);
        put_f64(&b, ck->norm_ret_var);
        put_f64(&b, ck->norm_ret_count);
        put_u32(&b, (uint32_t)N);
        put(&b, ck->norm_returns, N * sizeof(double));
        end_section(&b, s);
    }
    if (ck->has_counts) {
        s = begin_section(&b, "CNTS");
        put_u64(&b, ck->n_counts);
        put(&b, ck->count_keys, (size_t)ck->n_counts * sizeof(uint64_t));
        put(&b, ck->count_values, (size_t)ck->n_counts * sizeof(uint32_t));
        end_section(&b, s);
    }
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    if (!b.failed) crc = (uint32_t)crc32_z(crc, b.data, b.len);
    put_u32(&b, crc);
    if (b.failed) {
        free(b.data);
        return err_set(err, "%s: out of memory building the checkpoint", path);
    }
    int rc = file_write_atomic(path, b.data, b.len, err);
    free(b.data);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------------- */

typedef struct Cursor {
    const uint8_t *p, *end;
} Cursor;

static bool take(Cursor *c, void *dst, size_t n) {
    if ((size_t)(c->end - c->p) < n) return false;
    if (dst) memcpy(dst, c->p, n);
    c->p += n;
    return true;
}

/* Copies n elements of size sz into a new array (NULL, with *ok = false, when short). */
static void *take_array(Cursor *c, size_t n, size_t sz, bool *ok) {
    if (!*ok) return NULL;
    if (n && sz > SIZE_MAX / n) {
        *ok = false;
        return NULL;
    }
    if ((size_t)(c->end - c->p) < n * sz) {
        *ok = false;
        return NULL;
    }
    void *a = malloc(n * sz > 0 ? n * sz : 1);
    if (!a) {
        *ok = false;
        return NULL;
    }
    memcpy(a, c->p, n * sz);
    c->p += n * sz;
    return a;
}

static bool take_str(Cursor *c, char *dst, size_t cap) {
    uint16_t n;
    if (!take(c, &n, 2) || n >= cap || !take(c, dst, n)) return false;
    dst[n] = '\0';
    return memchr(dst, '\0', n) == NULL;
}

void checkpoint_free(Checkpoint *ck) {
    if (!ck || !ck->owns) return;
    free(ck->config_yaml);
    for (int i = 0; ck->tensors && i < ck->n_tensors; i++) free(ck->tensors[i].data);
    free(ck->tensors);
    free(ck->sample_rngs);
    free(ck->env_states);
    free(ck->state);
    free(ck->obs);
    free(ck->episode_start);
    free(ck->prev_action);
    free(ck->ep_return);
    free(ck->ep_length);
    free(ck->map_name);
    free(ck->map_text);
    free(ck->norm_obs_mean);
    free(ck->norm_obs_var);
    free(ck->norm_returns);
    free(ck->count_keys);
    free(ck->count_values);
    memset(ck, 0, sizeof *ck);
}

const CkptTensor *checkpoint_tensor(const Checkpoint *ck, const char *name) {
    for (int i = 0; i < ck->n_tensors; i++)
        if (strcmp(ck->tensors[i].name, name) == 0) return &ck->tensors[i];
    return NULL;
}

#define BAD(...) (checkpoint_free(ck), err_input(err, __VA_ARGS__))
#define HINT "the file is damaged or not a ppo checkpoint; use another checkpoint (e.g. latest.ckpt or best.ckpt of the run)"

static int parse_head(Checkpoint *ck, Cursor *c) {
    bool ok = take_str(c, ck->env_name, sizeof ck->env_name) &&
              take_str(c, ck->policy_kind, sizeof ck->policy_kind) && take(c, &ck->obs_dim, 4) &&
              take(c, &ck->n_actions, 4) && take(c, &ck->state_size, 8) &&
              take(c, &ck->n_params, 8) && take(c, &ck->num_envs, 4) &&
              take(c, &ck->global_step, 8) && take(c, &ck->update, 8) &&
              take(c, &ck->episodes, 8) && take(c, &ck->mean_return, 8) &&
              take(c, &ck->best_return, 8) && take(c, &ck->train_seconds, 8) &&
              take(c, &ck->adam_step, 8) && c->p == c->end;
    if (!ok) return -1;
    if (ck->obs_dim < 1 || ck->n_actions < 1 || ck->num_envs < 1 || ck->global_step < 0 ||
        ck->update < 0 || ck->adam_step < 0 || ck->state_size > (1u << 24) ||
        ck->n_params > (1ull << 32) || ck->obs_dim > (1 << 24) || ck->num_envs > (1 << 24))
        return -1;
    return 0;
}

static int parse_tensors(Checkpoint *ck, Cursor *c) {
    uint32_t n;
    if (!take(c, &n, 4) || n > (1u << 16)) return -1;
    ck->tensors = calloc(n ? n : 1, sizeof *ck->tensors);
    if (!ck->tensors) return -1;
    ck->n_tensors = (int)n;
    for (uint32_t i = 0; i < n; i++) {
        CkptTensor *t = &ck->tensors[i];
        uint8_t ndim;
        if (!take_str(c, t->name, sizeof t->name) || !take(c, &ndim, 1) || ndim < 1 ||
            ndim > CKPT_MAX_DIMS)
            return -1;
        t->ndim = ndim;
        size_t size = 1;
        for (int d = 0; d < ndim; d++) {
            uint32_t dim;
            if (!take(c, &dim, 4) || dim < 1 || dim > (1u << 28)) return -1;
            t->shape[d] = (int)dim;
            if (size > (SIZE_MAX / 8) / dim) return -1;
            size *= dim;
        }
        t->size = size;
        bool ok = true;
        t->data = take_array(c, size, sizeof(float), &ok);
        if (!ok) return -1;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(ck->tensors[j].name, t->name) == 0) return -1; /* duplicate name */
    }
    return c->p == c->end ? 0 : -1;
}

static bool rng_ok(const Rng *r) { return (r->inc & 1u) == 1u; }

static int parse_rngs(Checkpoint *ck, Cursor *c) {
    uint32_t n;
    if (!take(c, &ck->learner_rng.state, 8) || !take(c, &ck->learner_rng.inc, 8) ||
        !take(c, &n, 4) || n != (uint32_t)ck->num_envs || !rng_ok(&ck->learner_rng))
        return -1;
    ck->sample_rngs = calloc(n, sizeof *ck->sample_rngs);
    if (!ck->sample_rngs) return -1;
    for (uint32_t i = 0; i < n; i++)
        if (!take(c, &ck->sample_rngs[i].state, 8) || !take(c, &ck->sample_rngs[i].inc, 8) ||
            !rng_ok(&ck->sample_rngs[i]))
            return -1;
    return c->p == c->end ? 0 : -1;
}

static int parse_envs(Checkpoint *ck, Cursor *c) {
    uint32_t n;
    if (!take(c, &n, 4) || n != (uint32_t)ck->num_envs || !take(c, &ck->env_state_bytes, 8) ||
        ck->env_state_bytes > (1u << 24))
        return -1;
    bool ok = true;
    ck->env_states = take_array(c, n, (size_t)ck->env_state_bytes, &ok);
    return ok && c->p == c->end ? 0 : -1;
}

static int parse_roll(Checkpoint *ck, Cursor *c) {
    uint32_t n, o;
    uint64_t s;
    if (!take(c, &n, 4) || !take(c, &s, 8) || !take(c, &o, 4) || n != (uint32_t)ck->num_envs ||
        s != ck->state_size || o != (uint32_t)ck->obs_dim)
        return -1;
    bool ok = true;
    ck->state = take_array(c, n, (size_t)s * sizeof(float), &ok);
    ck->obs = take_array(c, n, (size_t)o * sizeof(float), &ok);
    ck->episode_start = take_array(c, n, 1, &ok);
    ck->prev_action = take_array(c, n, sizeof(int32_t), &ok);
    ck->ep_return = take_array(c, n, sizeof(float), &ok);
    ck->ep_length = take_array(c, n, sizeof(int32_t), &ok);
    if (!ok || c->p != c->end) return -1;
    for (uint32_t i = 0; i < n; i++)
        if (ck->episode_start[i] > 1 || ck->prev_action[i] < 0 ||
            ck->prev_action[i] >= ck->n_actions || ck->ep_length[i] < 0)
            return -1;
    return 0;
}

static int parse_epis(Checkpoint *ck, Cursor *c) {
    uint32_t n;
    if (!take(c, &n, 4) || n > EPISODE_WINDOW) return -1;
    ck->recent.n = (int)n;
    if (!take(c, ck->recent.returns, n * sizeof(float)) ||
        !take(c, ck->recent.lengths, n * sizeof(int32_t)))
        return -1;
    return c->p == c->end ? 0 : -1;
}

static int parse_map(Checkpoint *ck, Cursor *c) {
    uint16_t n;
    uint32_t m;
    if (!take(c, &n, 2) || (size_t)(c->end - c->p) < n) return -1;
    ck->map_name = malloc((size_t)n + 1);
    if (!ck->map_name || !take(c, ck->map_name, n)) return -1;
    ck->map_name[n] = '\0';
    if (!take(c, &m, 4) || (size_t)(c->end - c->p) != m) return -1;
    ck->map_text = malloc((size_t)m + 1);
    if (!ck->map_text || !take(c, ck->map_text, m)) return -1;
    ck->map_text[m] = '\0';
    bool ok = memchr(ck->map_name, '\0', n) == NULL && memchr(ck->map_text, '\0', m) == NULL;
    if (m == 0) { /* no map */
        free(ck->map_name);
        free(ck->map_text);
        ck->map_name = ck->map_text = NULL;
    }
    return ok ? 0 : -1;
}

static bool positive_finite(double x) { return isfinite(x) && x > 0; }

static int parse_norm(Checkpoint *ck, Cursor *c) {
    uint8_t obs_on, reward_on;
    uint16_t zero;
    uint32_t o, n;
    if (!take(c, &obs_on, 1) || !take(c, &reward_on, 1) || !take(c, &zero, 2) || obs_on > 1 || reward_on > 1 ||
        zero != 0 || !take(c, &ck->norm_clip_obs, 8) || !take(c, &ck->norm_clip_reward, 8) || !take(c, &o, 4) ||
        o != (uint32_t)ck->obs_dim)
        return -1;
    bool ok = true;
    ck->norm_obs_mean = take_array(c, o, sizeof(double), &ok);
    ck->norm_obs_var = take_array(c, o, sizeof(double), &ok);
    if (!ok || !take(c, &ck->norm_obs_count, 8) || !take(c, &ck->norm_ret_mean, 8) ||
        !take(c, &ck->norm_ret_var, 8) || !take(c, &ck->norm_ret_count, 8) || !take(c, &n, 4) ||
        n != (uint32_t)ck->num_envs)
        return -1;
    ck->norm_returns = take_array(c, n, sizeof(double), &ok);
    if (!ok || c->p != c->end) return -1;
    ck->has_norm = true;
    ck->norm_obs_on = obs_on;
    ck->norm_reward_on = reward_on;
    bool fine = positive_finite(ck->norm_clip_obs) && positive_finite(ck->norm_clip_reward) &&
                positive_finite(ck->norm_obs_count) && positive_finite(ck->norm_ret_count) &&
                isfinite(ck->norm_ret_mean) && isfinite(ck->norm_ret_var) && ck->norm_ret_var >= 0;
    for (uint32_t j = 0; j < o; j++)
        fine = fine && isfinite(ck->norm_obs_mean[j]) && isfinite(ck->norm_obs_var[j]) && ck->norm_obs_var[j] >= 0;
    for (uint32_t i = 0; i < n; i++) fine = fine && isfinite(ck->norm_returns[i]);
    return fine ? 0 : -1;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* CNTS: no key or count 0, no key twice, and the counts add up to the steps taken (HEAD's
 * global_step: every step's observation counted once) unless one of them saturated. */
static int parse_counts(Checkpoint *ck, Cursor *c) {
    uint64_t n;
    if (!take(c, &n, 8) || n > (uint64_t)(c->end - c->p) / 12) return -1;
    bool ok = true;
    ck->count_keys = take_array(c, (size_t)n, sizeof(uint64_t), &ok);
    ck->count_values = take_array(c, (size_t)n, sizeof(uint32_t), &ok);
    if (!ok || c->p != c->end) return -1;
    uint64_t sum = 0;
    bool saturated = false;
    for (uint64_t i = 0; i < n; i++) {
        if (!ck->count_keys[i] || !ck->count_values[i]) return -1;
        sum += ck->count_values[i];
        saturated = saturated || ck->count_values[i] == UINT32_MAX;
    }
    if (!saturated && sum != (uint64_t)ck->global_step) return -1;
    uint64_t *sorted = malloc(sizeof(uint64_t) * (size_t)(n ? n : 1));
    if (!sorted) return -1;
    memcpy(sorted, ck->count_keys, sizeof(uint64_t) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_u64);
    bool distinct = true;
    for (uint64_t i = 1; i < n && distinct; i++) distinct = sorted[i] != sorted[i - 1];
    free(sorted);
    if (!distinct) return -1;
    ck->has_counts = true;
    ck->n_counts = n;
    return 0;
}

int checkpoint_parse(Checkpoint *ck, const uint8_t *data, size_t len, const char *name, Err *err) {
    memset(ck, 0, sizeof *ck);
    ck->owns = true;
    if (len < 8 || memcmp(data, MAGIC, 8) != 0)
        return BAD("%s: not a ppo checkpoint (wrong magic bytes); pass a .ckpt file written by "
                   "ppo train", name);
    if (len < 8 + 8 + 4)
        return BAD("%s: truncated checkpoint (%zu bytes); " HINT, name, len);
    /* The checksum first: a flipped bit anywhere, the version field included, is corruption. */
    uint32_t stored, crc = (uint32_t)crc32(0L, Z_NULL, 0);
    memcpy(&stored, data + len - 4, 4);
    crc = (uint32_t)crc32_z(crc, data, len - 4);
    if (crc != stored)
        return BAD("%s: checksum mismatch (CRC-32 %08x, stored %08x): truncated or corrupt; " HINT,
                   name, crc, stored);
    uint32_t version;
    memcpy(&version, data + 8, 4);
    if (version > CKPT_VERSION)
        return BAD("%s: checkpoint format version %u is newer than this ppo reads (%d); use a "
                   "newer ppo", name, version, CKPT_VERSION);
    if (version < 1) return BAD("%s: checkpoint format version 0 is not valid; " HINT, name);
    ck->version = version;
    Cursor c = {data + 16, data + len - 4};
    const char *order[] = {"HEAD", "CONF", "TENS", "RNGS", "ENVS", "ROLL", "EPIS", "MAPF", "NORM", "CNTS"};
    const int n_sections = version >= 4 ? 10 : version >= 3 ? 9 : version >= 2 ? 8 : 7;
    for (int k = 0; k < n_sections; k++) {
        /* version 4: NORM only where the run normalized */
        if (k == 8 && version >= 4 && !((size_t)(c.end - c.p) >= 4 && memcmp(c.p, "NORM", 4) == 0)) continue;
        char tag[4];
        uint32_t zero;
        uint64_t slen;
        if (!take(&c, tag, 4) || !take(&c, &zero, 4) || !take(&c, &slen, 8))
            return BAD("%s: section %s missing; " HINT, name, order[k]);
        if (memcmp(tag, order[k], 4) != 0 || zero != 0)
            return BAD("%s: expected section %s, found '%.4s'; " HINT, name, order[k], tag);
        if (slen > (uint64_t)(c.end - c.p))
            return BAD("%s: section %s runs past the end of the file; " HINT, name, order[k]);
        Cursor sc = {c.p, c.p + slen};
        c.p += slen;
        int rc = 0;
        switch (k) {
        case 0: rc = parse_head(ck, &sc); break;
        case 1:
            ck->config_yaml = malloc(slen + 1);
            if (!ck->config_yaml) return BAD("%s: out of memory", name);
            memcpy(ck->config_yaml, sc.p, slen);
            ck->config_yaml[slen] = '\0';
            rc = memchr(ck->config_yaml, '\0', slen) ? -1 : 0;
            break;
        case 2: rc = parse_tensors(ck, &sc); break;
        case 3: rc = parse_rngs(ck, &sc); break;
        case 4: rc = parse_envs(ck, &sc); break;
        case 5: rc = parse_roll(ck, &sc); break;
        case 6: rc = parse_epis(ck, &sc); break;
        case 7: rc = parse_map(ck, &sc); break;
        case 8: rc = parse_norm(ck, &sc); break;
        case 9: rc = parse_counts(ck, &sc); break;
        }
        if (rc) return BAD("%s: section %s is malformed; " HINT, name, order[k]);
    }
    if (c.p != c.end) return BAD("%s: unexpected bytes after the last section; " HINT, name);
    return 0;
}

int checkpoint_read_file(const char *path, uint8_t **data, size_t *len, Err *err) {
    char *bytes;
    if (file_read(path, "checkpoint", MAX_FILE, &bytes, len, err)) {
        *data = NULL;
        return -1;
    }
    *data = (uint8_t *)bytes;
    return 0;
}

int checkpoint_read(Checkpoint *ck, const char *path, Err *err) {
    memset(ck, 0, sizeof *ck);
    uint8_t *data;
    size_t len;
    if (checkpoint_read_file(path, &data, &len, err)) return -1;
    int rc = checkpoint_parse(ck, data, len, path, err);
    free(data);
    return rc;
}

/* ---- a policy's tensors -------------------------------------------------------------------- */

int checkpoint_put_tensors(Checkpoint *ck, const char *prefix, const Policy *p, const float *buf,
                           Err *err) {
    CkptTensor *grown = realloc(ck->tensors, sizeof *grown * (size_t)(ck->n_tensors + p->n_tensors));
    if (!grown) return err_set(err, "out of memory for a checkpoint's tensor table");
    ck->tensors = grown;
    for (int i = 0; i < p->n_tensors; i++) {
        const ParamTensor *t = &p->tensors[i];
        CkptTensor *c = &ck->tensors[ck->n_tensors++];
        memset(c, 0, sizeof *c);
        snprintf(c->name, sizeof c->name, "%s/%s", prefix, t->name);
        c->ndim = t->ndim;
        memcpy(c->shape, t->shape, sizeof(int) * (size_t)t->ndim);
        c->size = t->size;
        c->data = (float *)(buf + t->offset); /* a view: ck does not own it */
    }
    return 0;
}

int checkpoint_get_tensors(const Checkpoint *ck, const char *prefix, const Policy *p, float *buf,
                           const char *path, Err *err) {
    for (int i = 0; i < p->n_tensors; i++) {
        const ParamTensor *t = &p->tensors[i];
        char name[CKPT_NAME_LEN];
        snprintf(name, sizeof name, "%s/%s", prefix, t->name);
        const CkptTensor *c = checkpoint_tensor(ck, name);
        if (!c || c->ndim != t->ndim || memcmp(c->shape, t->shape, sizeof(int) * (size_t)t->ndim) != 0)
            return err_input(err, "%s: tensor %s is missing or has another shape", path, name);
        memcpy(buf + t->offset, c->data, sizeof(float) * t->size);
    }
    return 0;
}

const char *checkpoint_param_name(const CkptTensor *t) {
    const size_t n = strlen(CKPT_PARAMS);
    return strncmp(t->name, CKPT_PARAMS, n) == 0 && t->name[n] == '/' ? t->name + n + 1 : NULL;
}

uint32_t checkpoint_params_crc(const Checkpoint *ck, size_t *n_params) {
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t n = 0;
    for (int i = 0; i < ck->n_tensors; i++)
        if (checkpoint_param_name(&ck->tensors[i])) {
            n += ck->tensors[i].size;
            crc = crc32_z(crc, (const Bytef *)ck->tensors[i].data, ck->tensors[i].size * sizeof(float));
        }
    if (n_params) *n_params = n;
    return (uint32_t)crc;
}
