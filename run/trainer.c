/* trainer.c: the training loop, run folder, progress log and checkpoints (see trainer.h). */
#include "run/trainer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run/checkpoint.h"
#include "run/checkpoint_dist.h"
#include "algo/learner.h"
#include "algo/rollout.h"

#define PROGRESS_HEADER                                                                          \
    "update,global_step,seconds,sps,episodes,return_mean,return_min,return_max,length_mean,"    \
    "policy_loss,value_loss,entropy,approx_kl,clipfrac,explained_variance,learning_rate,"       \
    "grad_norm\n"
#define CONFIG_TEXT_MAX (1 << 16)

typedef struct Trainer {
    TrainConfig cfg;
    Dist *dist;            /* not owned; NULL: one process */
    int rank, ranks;       /* this process's rank and the number of ranks (0 and 1 without MPI) */
    TrainResult *result;
    Policy *policy;
    Rollout *rollout;
    Learner *learner;
    char run_dir[1024], ckpt_dir[1100];
    int progress_fd;
    long global_step, update, num_updates, episodes;
    float recent_returns[CKPT_RECENT]; /* oldest first */
    int32_t recent_lengths[CKPT_RECENT];
    int n_recent;
    double best_return;
    double seconds_before; /* trained before this invocation (from a checkpoint) */
    double seconds;        /* trained so far, this invocation included */
    bool made_dir;         /* this invocation made the run folder (rank 0) */
    bool saved_any;        /* a checkpoint was written by this invocation */
    Episode *finished;     /* [N * T + 16] drained after each rollout */
    int finished_cap;
    Episode *all_finished; /* [ranks * finished_cap] the episodes of every rank, rank by rank */
    char config_yaml[CONFIG_TEXT_MAX];
} Trainer;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Makes a step that may fail on some ranks only (a file on rank 0, memory) fail on every rank.
 * code: 0 done, 1 failed, 2 failed because of the input (bad_input). Returns 0 when every rank
 * has 0; else -1, with result->quiet_error set where another rank reports the error: on ranks
 * that did not fail, and on ranks other than 0 when every rank failed alike. */
static int agree(Trainer *tr, int code, Err *err) {
    int n_failed = 0, worst = dist_agree(tr->dist, code, &n_failed, err);
    if (worst == 0) return 0;
    tr->result->bad_input = worst == 2;
    if (dist_error(tr->dist)) return -1; /* the agreement itself failed: every rank says so */
    if (code == 0) {
        err_set(err, "stopped because another rank failed (its message says why)");
        tr->result->quiet_error = true;
    } else if (n_failed == tr->ranks && tr->rank != 0) {
        tr->result->quiet_error = true;
    }
    return -1;
}

/* FNV-1a (64 bit) over the parameter bytes: equal on ranks with bit-identical parameters. */
static uint64_t params_hash(const Policy *p) {
    const uint8_t *b = (const uint8_t *)p->params;
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < sizeof(real) * p->n_params; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* ---- run folder ----------------------------------------------------------------------------- */

static int mkdir_p(const char *path, Err *err) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return err_set(err, "%s: cannot create folder: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return err_set(err, "%s: cannot create folder: %s", tmp, strerror(errno));
    return 0;
}

/* The default run name: ENV__CONFIGSTEM__sSEED, '/' in the env name made '-'. */
static void default_run_name(const TrainConfig *cfg, const char *config_path, char *out, size_t cap) {
    char env[ENV_NAME_LEN], stem[256];
    snprintf(env, sizeof env, "%s", cfg->env.name);
    for (char *c = env; *c; c++)
        if (*c == '/') *c = '-';
    const char *base = config_path ? strrchr(config_path, '/') : NULL;
    snprintf(stem, sizeof stem, "%s", base ? base + 1 : config_path ? config_path : "config");
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = '\0';
    snprintf(out, cap, "%s__%s__s%ld", env, stem, cfg->run.seed);
}

/* Makes a new run folder; with a default name, adds -2, -3, ... rather than reuse one.
 * Returns 0, -1 on a failure, -2 when the given run name exists already or run.runs_dir cannot
 * be made. */
static int make_run_dir(Trainer *tr, const char *config_path, Err *err) {
    RunConfig *run = &tr->cfg.run;
    if (mkdir_p(run->runs_dir, err)) return -2; /* run.runs_dir is not usable: the config's fault */
    bool given = run->run_name[0] != '\0';
    char base[CONFIG_NAME_LEN];
    if (given)
        snprintf(base, sizeof base, "%s", run->run_name);
    else
        default_run_name(&tr->cfg, config_path, base, sizeof base);
    for (int k = 1; k < 10000; k++) {
        char name[CONFIG_NAME_LEN + 16];
        if (k == 1)
            snprintf(name, sizeof name, "%s", base);
        else
            snprintf(name, sizeof name, "%.*s-%d", CONFIG_NAME_LEN - 8, base, k);
        snprintf(tr->run_dir, sizeof tr->run_dir, "%s/%s", run->runs_dir, name);
        if (mkdir(tr->run_dir, 0755) == 0) {
            snprintf(run->run_name, sizeof run->run_name, "%s", name);
            tr->made_dir = true;
            return 0;
        }
        if (errno != EEXIST) return err_set(err, "%s: cannot create the run folder: %s", tr->run_dir, strerror(errno));
        if (given) {
            err_set(err, "%s: the run folder already exists; choose another --run-name, or "
                    "continue it with 'ppo resume %s'", tr->run_dir, tr->run_dir);
            return -2;
        }
    }
    return err_set(err, "%s/%s: too many runs with this name", run->runs_dir, base);
}

/* ---- progress log --------------------------------------------------------------------------- */

static void fmt_num(char *buf, size_t cap, double v) {
    if (isfinite(v))
        snprintf(buf, cap, "%.6g", v);
    else
        buf[0] = '\0';
}

static double recent_mean(const Trainer *tr, double *mn, double *mx, double *len) {
    if (tr->n_recent == 0) {
        *mn = *mx = *len = NAN;
        return NAN;
    }
    double s = 0, l = 0;
    *mn = INFINITY;
    *mx = -INFINITY;
    for (int i = 0; i < tr->n_recent; i++) {
        s += tr->recent_returns[i];
        l += tr->recent_lengths[i];
        if (tr->recent_returns[i] < *mn) *mn = tr->recent_returns[i];
        if (tr->recent_returns[i] > *mx) *mx = tr->recent_returns[i];
    }
    *len = l / tr->n_recent;
    return s / tr->n_recent;
}

static int write_progress_row(Trainer *tr, double seconds, double sps, const UpdateStats *st, Err *err) {
    double mn, mx, len, mean = recent_mean(tr, &mn, &mx, &len);
    const double cols[] = {seconds, sps, (double)tr->episodes, mean, mn, mx, len, st->policy_loss,
                           st->value_loss, st->entropy, st->approx_kl, st->clipfrac,
                           st->explained_variance, st->learning_rate, st->grad_norm};
    char row[1024];
    int used = snprintf(row, sizeof row, "%ld,%ld", tr->update, tr->global_step);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        char v[32];
        fmt_num(v, sizeof v, cols[i]);
        used += snprintf(row + used, sizeof row - (size_t)used, ",%s", v);
    }
    used += snprintf(row + used, sizeof row - (size_t)used, "\n");
    /* One write per row on an O_APPEND file: a row lands whole or not at all. */
    if (write(tr->progress_fd, row, (size_t)used) != used)
        return err_set(err, "%s/progress.csv: write failed: %s", tr->run_dir, strerror(errno));
    return 0;
}

/* Opens progress.csv for appending; on resume keeps only the rows up to `keep_update`. */
static int open_progress(Trainer *tr, long keep_update, Err *err) {
    char path[1200];
    snprintf(path, sizeof path, "%s/progress.csv", tr->run_dir);
    if (keep_update >= 0) {
        FILE *f = fopen(path, "r");
        char *kept = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&kept, &len);
        if (!mem) {
            if (f) fclose(f);
            return err_set(err, "out of memory");
        }
        fputs(PROGRESS_HEADER, mem);
        if (f) {
            char line[2048];
            while (fgets(line, sizeof line, f)) {
                char *end;
                long u = strtol(line, &end, 10);
                if (end != line && *end == ',' && u <= keep_update) fputs(line, mem);
            }
            fclose(f);
        }
        fclose(mem);
        int rc = write_file_atomic(path, kept, len, err);
        free(kept);
        if (rc) return -1;
    }
    tr->progress_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (tr->progress_fd < 0) return err_set(err, "%s: cannot open: %s", path, strerror(errno));
    if (keep_update < 0 && write(tr->progress_fd, PROGRESS_HEADER, strlen(PROGRESS_HEADER)) < 0)
        return err_set(err, "%s: write failed: %s", path, strerror(errno));
    return 0;
}

/* ---- checkpoints ---------------------------------------------------------------------------- */

/* Fills ck with views of the trainer's state plus the copies it needs; free with snapshot_free. */
static int snapshot(Trainer *tr, Checkpoint *ck, Err *err) {
    memset(ck, 0, sizeof *ck);
    Policy *p = tr->policy;
    Rollout *r = tr->rollout;
    RolloutBuffer *b = &r->buf;
    const int N = b->N;
    snprintf(ck->env_name, sizeof ck->env_name, "%s", tr->cfg.env.name);
    snprintf(ck->policy_kind, sizeof ck->policy_kind, "%s", tr->cfg.policy.kind);
    ck->obs_dim = b->O;
    ck->n_actions = b->A;
    ck->state_size = b->S;
    ck->n_params = p->n_params;
    ck->num_envs = N;
    ck->global_step = tr->global_step;
    ck->update = tr->update;
    ck->episodes = tr->episodes;
    double mn, mx, len;
    ck->mean_return = recent_mean(tr, &mn, &mx, &len);
    ck->best_return = tr->best_return;
    ck->train_seconds = tr->seconds;
    ck->adam_step = tr->learner->adam->step;
    ck->config_yaml = tr->config_yaml;
    ck->n_tensors = 3 * p->n_tensors;
    ck->tensors = calloc((size_t)ck->n_tensors, sizeof *ck->tensors);
    const char *prefix[3] = {"params", "adam_m", "adam_v"};
    float *base[3] = {p->params, tr->learner->adam->m, tr->learner->adam->v};
    for (int k = 0; ck->tensors && k < 3; k++)
        for (int i = 0; i < p->n_tensors; i++) {
            const ParamTensor *t = &p->tensors[i];
            CkptTensor *c = &ck->tensors[k * p->n_tensors + i];
            snprintf(c->name, sizeof c->name, "%s/%s", prefix[k], t->name);
            c->ndim = t->ndim;
            memcpy(c->shape, t->shape, sizeof c->shape);
            c->size = t->size;
            c->data = base[k] + t->offset;
        }
    ck->learner_rng = tr->learner->rng;
    ck->sample_rngs = r->sample_rng;
    Env *e0 = rollout_vecenv(r, 0)->envs[0];
    ck->env_state_bytes = env_state_size(e0);
    ck->env_states = malloc((size_t)N * ck->env_state_bytes);
    ck->ep_return = malloc(sizeof(float) * (size_t)N);
    ck->ep_length = malloc(sizeof(int32_t) * (size_t)N);
    if (!ck->tensors || !ck->env_states || !ck->ep_return || !ck->ep_length) {
        free(ck->tensors);
        free(ck->env_states);
        free(ck->ep_return);
        free(ck->ep_length);
        return err_set(err, "out of memory saving a checkpoint");
    }
    for (int w = 0; w < r->n_workers; w++) {
        VecEnv *v = rollout_vecenv(r, w);
        int n0 = rollout_worker_first(r, w);
        for (int i = 0; i < v->n; i++) {
            env_state_save(v->envs[i], ck->env_states + (size_t)(n0 + i) * ck->env_state_bytes);
            ck->ep_return[n0 + i] = v->ep_return[i];
            ck->ep_length[n0 + i] = v->ep_length[i];
        }
    }
    int row = rollout_current_row(r);
    ck->state = b->state;
    ck->obs = b->obs + (size_t)row * N * b->O;
    ck->episode_start = b->episode_start + (size_t)row * N;
    ck->prev_action = b->prev_action + (size_t)row * N;
    ck->n_recent = tr->n_recent;
    memcpy(ck->recent_returns, tr->recent_returns, sizeof ck->recent_returns);
    memcpy(ck->recent_lengths, tr->recent_lengths, sizeof ck->recent_lengths);
    return 0;
}

static void snapshot_free(Checkpoint *ck) {
    free(ck->tensors);
    free(ck->env_states);
    free(ck->ep_return);
    free(ck->ep_length);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Deletes the periodic checkpoints but the newest `keep`. */
static void prune_checkpoints(const Trainer *tr, int keep) {
    DIR *d = opendir(tr->ckpt_dir);
    if (!d) return;
    char *names[4096];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096)
        if (strncmp(e->d_name, "update_", 7) == 0 && strstr(e->d_name, ".ckpt") &&
            !strstr(e->d_name, ".tmp"))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n; i++) {
        if (i < n - keep) {
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", tr->ckpt_dir, names[i]);
            unlink(path);
        }
        free(names[i]);
    }
}

/* Saves latest.ckpt (and the periodic copy, and best.ckpt when the mean return improved).
 * Collective: rank 0 gathers every rank's envs (checkpoint_dist.h) and writes; a failure on
 * any rank fails every rank. */
static int save_checkpoint(Trainer *tr, bool periodic, char *saved, size_t saved_cap, Err *err) {
    Checkpoint local, ck;
    int rc = snapshot(tr, &local, err) ? 1 : 0;
    if (agree(tr, rc, err)) {
        if (!rc) snapshot_free(&local);
        return -1;
    }
    if (checkpoint_gather(tr->dist, &local, &ck, err)) {
        snapshot_free(&local);
        return -1;
    }
    bool better = isfinite(local.mean_return) &&
                  (!isfinite(tr->best_return) || local.mean_return > tr->best_return);
    if (better) ck.best_return = tr->best_return = local.mean_return;
    if (tr->rank == 0) {
        char path[1400];
        snprintf(path, sizeof path, "%s/latest.ckpt", tr->ckpt_dir);
        rc = checkpoint_write(&ck, path, err);
        if (!rc && saved) snprintf(saved, saved_cap, "%s", path);
        if (!rc && better) {
            snprintf(path, sizeof path, "%s/best.ckpt", tr->ckpt_dir);
            rc = checkpoint_write(&ck, path, err);
        }
        if (!rc && periodic && tr->cfg.run.keep_checkpoints > 0) {
            snprintf(path, sizeof path, "%s/update_%06ld.ckpt", tr->ckpt_dir, tr->update);
            rc = checkpoint_write(&ck, path, err);
            if (!rc) prune_checkpoints(tr, tr->cfg.run.keep_checkpoints);
        }
        if (!rc) tr->saved_any = true;
    }
    checkpoint_gather_free(&ck);
    snapshot_free(&local);
    return agree(tr, rc ? 1 : 0, err);
}

/* Restores the trainer from a checkpoint made by the same config (with as many ranks: this
 * rank's envs are the slice rank * N .. rank * N + N - 1 of the checkpoint's). */
static int restore(Trainer *tr, const Checkpoint *ck, const char *path, Err *err) {
    Policy *p = tr->policy;
    Rollout *r = tr->rollout;
    RolloutBuffer *b = &r->buf;
    const size_t first = (size_t)tr->rank * b->N; /* this rank's first env in the checkpoint */
    if (ck->obs_dim != b->O || ck->n_actions != b->A || ck->state_size != b->S ||
        ck->n_params != p->n_params || ck->num_envs % b->N != 0)
        return err_set(err, "%s: the checkpoint's sizes (obs %d, actions %d, state %llu, params %llu, "
                       "envs %d) do not fit this config (obs %d, actions %d, state %zu, params %zu, "
                       "envs %d)", path, ck->obs_dim, ck->n_actions,
                       (unsigned long long)ck->state_size, (unsigned long long)ck->n_params,
                       ck->num_envs, b->O, b->A, b->S, p->n_params, b->N);
    if (ck->num_envs != tr->ranks * b->N)
        return err_set(err, "%s: the checkpoint was saved by a run of %d rank%s x %d envs and this run "
                       "has %d rank%s x %d envs; resume it with as many ranks (mpirun -np %d, or "
                       "without mpirun for 1): each rank continues its own envs", path,
                       ck->num_envs / b->N, ck->num_envs / b->N == 1 ? "" : "s", b->N, tr->ranks,
                       tr->ranks == 1 ? "" : "s", b->N, ck->num_envs / b->N);
    const char *prefix[3] = {"params", "adam_m", "adam_v"};
    float *base[3] = {p->params, tr->learner->adam->m, tr->learner->adam->v};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < p->n_tensors; i++) {
            const ParamTensor *t = &p->tensors[i];
            char name[CKPT_NAME_LEN];
            snprintf(name, sizeof name, "%s/%s", prefix[k], t->name);
            const CkptTensor *c = checkpoint_tensor(ck, name);
            if (!c || c->ndim != t->ndim || memcmp(c->shape, t->shape, sizeof(int) * (size_t)t->ndim) != 0)
                return err_set(err, "%s: tensor %s is missing or has another shape", path, name);
            memcpy(base[k] + t->offset, c->data, sizeof(float) * t->size);
        }
    tr->learner->adam->step = ck->adam_step;
    tr->learner->rng = ck->learner_rng;
    memcpy(r->sample_rng, ck->sample_rngs + first, sizeof(Rng) * (size_t)b->N);
    Env *e0 = rollout_vecenv(r, 0)->envs[0];
    if (ck->env_state_bytes != env_state_size(e0))
        return err_set(err, "%s: env states of %llu bytes do not fit env %s (%zu bytes)", path,
                       (unsigned long long)ck->env_state_bytes, tr->cfg.env.name, env_state_size(e0));
    for (int w = 0; w < r->n_workers; w++) {
        VecEnv *v = rollout_vecenv(r, w);
        int n0 = rollout_worker_first(r, w);
        for (int i = 0; i < v->n; i++) {
            size_t e = first + (size_t)(n0 + i);
            if (env_state_load(v->envs[i], ck->env_states + e * ck->env_state_bytes, err))
                return err_prefix(err, "%s: env %zu", path, e);
            v->ep_return[i] = ck->ep_return[e];
            v->ep_length[i] = ck->ep_length[e];
        }
    }
    memcpy(b->state, ck->state + first * b->S, sizeof(float) * b->S * (size_t)b->N);
    memcpy(b->obs, ck->obs + first * (size_t)b->O, sizeof(float) * (size_t)b->O * b->N);
    memcpy(b->episode_start, ck->episode_start + first, (size_t)b->N);
    memcpy(b->prev_action, ck->prev_action + first, sizeof(int32_t) * (size_t)b->N);
    rollout_mark_fresh(r);
    tr->global_step = ck->global_step;
    tr->update = ck->update;
    tr->episodes = ck->episodes;
    tr->best_return = ck->best_return;
    tr->seconds_before = tr->seconds = ck->train_seconds;
    tr->n_recent = ck->n_recent;
    memcpy(tr->recent_returns, ck->recent_returns, sizeof tr->recent_returns);
    memcpy(tr->recent_lengths, ck->recent_lengths, sizeof tr->recent_lengths);
    return 0;
}

/* ---- the loop ------------------------------------------------------------------------------- */

/* Adds the episodes that ended in the last rollout, of every rank in rank order, to the recent
 * ones (so every rank keeps the same window). Returns -1 when the gathering failed. */
static int record_episodes(Trainer *tr, Err *err) {
    int k = rollout_drain_episodes(tr->rollout, tr->finished, tr->finished_cap);
    const Episode *all = tr->finished;
    if (tr->ranks > 1) {
        size_t cap = sizeof(Episode) * (size_t)tr->ranks * tr->finished_cap, bytes;
        if (dist_allgatherv(tr->dist, tr->finished, sizeof(Episode) * (size_t)k, tr->all_finished,
                            cap, &bytes, err))
            return -1;
        all = tr->all_finished;
        k = (int)(bytes / sizeof(Episode));
    }
    for (int i = 0; i < k; i++) {
        if (tr->n_recent == CKPT_RECENT) {
            memmove(tr->recent_returns, tr->recent_returns + 1, sizeof(float) * (CKPT_RECENT - 1));
            memmove(tr->recent_lengths, tr->recent_lengths + 1, sizeof(int32_t) * (CKPT_RECENT - 1));
            tr->n_recent--;
        }
        tr->recent_returns[tr->n_recent] = all[i].ret;
        tr->recent_lengths[tr->n_recent] = all[i].length;
        tr->n_recent++;
        tr->episodes++;
    }
    return 0;
}

static void status_line(const Trainer *tr, double elapsed, double sps, bool tty, bool last) {
    double mn, mx, len, mean = recent_mean(tr, &mn, &mx, &len);
    long total = tr->num_updates * tr->ranks * (long)tr->cfg.run.num_envs * tr->cfg.run.num_steps;
    double frac = total > 0 ? (double)tr->global_step / total : 1.0;
    if (frac > 1) frac = 1;
    double eta = sps > 0 ? (total - tr->global_step) / sps : 0;
    char ret[32];
    if (isfinite(mean))
        snprintf(ret, sizeof ret, "%.4g", mean);
    else
        snprintf(ret, sizeof ret, "-");
    if (tty) {
        char bar[25];
        int filled = (int)(frac * 24);
        for (int i = 0; i < 24; i++) bar[i] = i < filled ? '#' : '.';
        bar[24] = '\0';
        printf("\r\033[K[%s] %ld/%ld steps  %.0f SPS  ETA %.0fs  return %s (%d eps)%s", bar,
               tr->global_step, total, sps, eta, ret, tr->n_recent, last ? "\n" : "");
    } else {
        printf("update %ld/%ld  step %ld  %.1fs  %.0f SPS  return %s\n", tr->update, tr->num_updates,
               tr->global_step, elapsed, sps, ret);
    }
    fflush(stdout);
}

/* Hands the policy and the figures to opts->on_update, when there is one. */
static void notify_update(const Trainer *tr, const TrainOptions *opts, double elapsed) {
    if (!opts->on_update) return;
    double mn, mx, len;
    const long batch = (long)tr->ranks * tr->cfg.run.num_envs * tr->cfg.run.num_steps;
    TrainProgress p = {tr->update, tr->num_updates, tr->global_step, tr->num_updates * batch,
                       elapsed > 0 ? tr->global_step / (elapsed + tr->seconds_before) : 0,
                       recent_mean(tr, &mn, &mx, &len), tr->episodes};
    opts->on_update(opts->on_update_ctx, tr->policy, &p);
}

/* Removes a run folder this invocation made when it failed before saving any checkpoint: it
 * holds nothing to resume, and would only block its name. */
static void remove_run_dir(Trainer *tr) {
    if (tr->progress_fd >= 0) close(tr->progress_fd);
    tr->progress_fd = -1;
    const char *files[] = {"config.yaml", "progress.csv", "curve.png"};
    char path[1400];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", tr->run_dir, files[i]);
        unlink(path);
    }
    rmdir(tr->ckpt_dir);
    rmdir(tr->run_dir);
}

static void trainer_free(Trainer *tr) {
    if (tr->progress_fd >= 0) close(tr->progress_fd);
    rollout_destroy(tr->rollout);
    learner_destroy(tr->learner);
    policy_destroy(tr->policy);
    free(tr->finished);
    free(tr->all_finished);
    free(tr);
}

/* Compares the sections of two resolved configs that must agree for a resume; returns -1 with
 * a message naming the first differing key and both values. Keys of `run` that only say how
 * long or where (RESUME_FREE_KEYS) may differ. */
#define RESUME_FREE_KEYS "run.total_timesteps, run.checkpoint_interval, run.keep_checkpoints, run.stop_return"
static int same_training(const char *a, const char *b, const char *path, Err *err) {
    static const char *const free_keys[] = {"total_timesteps", "run_name", "runs_dir",
                                            "checkpoint_interval", "keep_checkpoints", "stop_return"};
    char section[64] = "";
    const char *pa = a, *pb = b;
    while (*pa || *pb) {
        const char *ea = strchr(pa, '\n'), *eb = strchr(pb, '\n');
        size_t la = ea ? (size_t)(ea - pa) : strlen(pa), lb = eb ? (size_t)(eb - pb) : strlen(pb);
        if (la && pa[0] != ' ') snprintf(section, sizeof section, "%.*s", (int)la - 1, pa);
        if (la != lb || memcmp(pa, pb, la) != 0) {
            char key[64] = "", va[256] = "", vb[256] = "";
            sscanf(pa, " %63[^:]: %255[^\n]", key, va);
            sscanf(pb, " %*[^:]: %255[^\n]", vb);
            bool allowed = false;
            for (size_t i = 0; strcmp(section, "run") == 0 && i < sizeof free_keys / sizeof *free_keys; i++)
                allowed |= strcmp(key, free_keys[i]) == 0;
            if (!allowed)
                return err_set(err, "%s: trained with another config: %s.%s is %s in the checkpoint "
                               "and %s now; when resuming, only " RESUME_FREE_KEYS " may change",
                               path, section, key, va, vb);
        }
        pa = ea ? ea + 1 : pa + la;
        pb = eb ? eb + 1 : pb + lb;
    }
    return 0;
}

/* The run folder a checkpoint file lives in, when its path is RUN_DIR/checkpoints/NAME: writes
 * RUN_DIR into out [cap] and returns 0; -1 otherwise. */
static int run_dir_of(const char *ckpt, char *out, size_t cap) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", ckpt);
    char *slash = strrchr(dir, '/');
    if (!slash) return -1;
    *slash = '\0';
    size_t n = strlen(dir);
    if (n < 11 || strcmp(dir + n - 11, "checkpoints") != 0 || (n > 11 && dir[n - 12] != '/')) return -1;
    if (n == 11) snprintf(out, cap, ".");
    else snprintf(out, cap, "%.*s", (int)(n - 12), dir);
    return 0;
}

int trainer_run(const TrainConfig *cfg, const TrainOptions *opts, TrainResult *result, Err *err) {
    memset(result, 0, sizeof *result);
    result->first_solve_step = -1;
    Trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return err_set(err, "out of memory");
    tr->cfg = *cfg;
    tr->dist = opts->dist;
    tr->rank = dist_rank(tr->dist);
    tr->ranks = dist_size(tr->dist);
    tr->result = result;
    tr->best_return = NAN;
    tr->progress_fd = -1;
    const RunConfig *run = &tr->cfg.run;
    const bool root = tr->rank == 0; /* writes the run folder and shows the status */
    /* env steps per update, over every rank */
    const long batch = (long)tr->ranks * run->num_envs * run->num_steps;
    tr->num_updates = run->total_timesteps / batch;
    Checkpoint ck = {0};
    uint8_t *ck_bytes = NULL;
    bool resuming = opts->resume != NULL;
    if (resuming) {
        /* Rank 0 reads the file (the only rank sure to see it); every rank parses the same bytes. */
        size_t len = 0;
        if (agree(tr, root && checkpoint_read_file(opts->resume, &ck_bytes, &len, err) ? 2 : 0, err))
            goto fail;
        uint64_t len64 = len;
        if (dist_bcast(tr->dist, &len64, sizeof len64, err)) goto fail;
        len = (size_t)len64;
        if (!root) ck_bytes = malloc(len ? len : 1);
        if (agree(tr, ck_bytes ? 0 : (err_set(err, "out of memory for a checkpoint of %zu bytes", len), 1), err))
            goto fail;
        if (dist_bcast(tr->dist, ck_bytes, len, err)) goto fail;
        int rc = checkpoint_parse(&ck, ck_bytes, len, opts->resume, err) ? 2 : 0;
        free(ck_bytes);
        ck_bytes = NULL;
        if (agree(tr, rc, err)) goto fail;
        TrainConfig saved;
        if (agree(tr, config_load_string(&saved, ck.config_yaml, strlen(ck.config_yaml), opts->resume, NULL, 0, err) ? 2 : 0, err))
            goto fail;
        char now_yaml[CONFIG_TEXT_MAX];
        TrainConfig probe = tr->cfg;
        snprintf(probe.run.run_name, sizeof probe.run.run_name, "%s", saved.run.run_name);
        rc = config_to_yaml(&probe, now_yaml, sizeof now_yaml, err) < 0 ||
             same_training(ck.config_yaml, now_yaml, opts->resume, err) ? 2 : 0;
        if (agree(tr, rc, err)) goto fail;
        /* Continue in the given run folder, else the one the checkpoint lives in, else the one
         * its config names (relative to the working folder). */
        if (opts->run_dir)
            snprintf(tr->run_dir, sizeof tr->run_dir, "%s", opts->run_dir);
        else if (run_dir_of(opts->resume, tr->run_dir, sizeof tr->run_dir) != 0)
            snprintf(tr->run_dir, sizeof tr->run_dir, "%s/%s", saved.run.runs_dir, saved.run.run_name);
        const char *base = strrchr(tr->run_dir, '/');
        snprintf(tr->cfg.run.run_name, sizeof tr->cfg.run.run_name, "%s", base ? base + 1 : tr->run_dir);
        if (base)
            snprintf(tr->cfg.run.runs_dir, sizeof tr->cfg.run.runs_dir, "%.*s", (int)(base - tr->run_dir),
                     tr->run_dir);
        else
            snprintf(tr->cfg.run.runs_dir, sizeof tr->cfg.run.runs_dir, ".");
        struct stat st;
        rc = 0;
        if (root && (stat(tr->run_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
            rc = mkdir_p(tr->run_dir, err) ? 2 : 0;
        if (agree(tr, rc, err)) goto fail;
    } else {
        int rc = root ? make_run_dir(tr, opts->config_path, err) : 0;
        if (agree(tr, rc == -2 ? 2 : rc ? 1 : 0, err)) goto fail;
    }
    snprintf(tr->ckpt_dir, sizeof tr->ckpt_dir, "%s/checkpoints", tr->run_dir);
    long yaml_len = config_to_yaml(&tr->cfg, tr->config_yaml, sizeof tr->config_yaml, err);
    int rc = yaml_len < 0;
    if (!rc && root) {
        char path[1200];
        snprintf(path, sizeof path, "%s/config.yaml", tr->run_dir);
        rc = mkdir_p(tr->ckpt_dir, err) || write_file_atomic(path, tr->config_yaml, (size_t)yaml_len, err);
    }
    if (agree(tr, rc, err)) goto fail;

    Env *probe_env;
    int obs_dim = 0, n_actions = 0;
    rc = env_create(&probe_env, &tr->cfg.env, err);
    if (!rc) {
        obs_dim = probe_env->obs_dim;
        n_actions = probe_env->n_actions;
        env_destroy(probe_env);
        rc = policy_create(&tr->policy, &tr->cfg.policy, obs_dim, n_actions, err);
    }
    if (agree(tr, rc ? 1 : 0, err)) goto fail;
    /* Streams: envs 0..N-1 of each rank offset by rank * N, and their samplers (rollout.h),
     * init 2^41, shuffles 2^41 + 1 (the same on every rank). */
    Rng init_rng;
    rng_seed(&init_rng, (uint64_t)run->seed, 1ull << 41);
    policy_init(tr->policy, &init_rng);
    rc = rollout_create(&tr->rollout, &tr->cfg.env, tr->policy, run->num_envs, run->num_steps,
                        run->workers, (uint64_t)run->seed, (uint64_t)tr->rank * run->num_envs, err) ||
         learner_create(&tr->learner, tr->policy, run->num_steps, run->num_envs,
                        tr->cfg.ppo.num_minibatches, tr->cfg.ppo.adam_eps, (uint64_t)run->seed,
                        (1ull << 41) + 1, err);
    if (!rc) {
        learner_set_dist(tr->learner, tr->dist);
        tr->finished_cap = run->num_envs * run->num_steps + 16;
        tr->finished = calloc((size_t)tr->finished_cap, sizeof *tr->finished);
        if (tr->ranks > 1)
            tr->all_finished = calloc((size_t)tr->ranks * tr->finished_cap, sizeof *tr->all_finished);
        if (!tr->finished || (tr->ranks > 1 && !tr->all_finished)) rc = err_set(err, "out of memory");
    }
    if (agree(tr, rc ? 1 : 0, err)) goto fail;
    if (resuming) {
        rc = restore(tr, &ck, opts->resume, err) ? 2 : 0;
        checkpoint_free(&ck);
        if (agree(tr, rc, err)) goto fail;
    } else if (dist_bcast(tr->dist, tr->policy->params, sizeof(real) * tr->policy->n_params, err)) {
        goto fail; /* every rank starts from rank 0's parameters */
    }
    if (agree(tr, root && open_progress(tr, resuming ? tr->update : -1, err) ? 1 : 0, err)) goto fail;
    if (root) snprintf(result->run_dir, sizeof result->run_dir, "%s", tr->run_dir);

    const bool tty = isatty(STDOUT_FILENO) && !opts->quiet;
    const bool show = root && !opts->quiet;
    const double t0 = now_seconds();
    double last_print = -1;
    long updates_this_run = 0;
    const PPOConfig *ppo = &tr->cfg.ppo;
    notify_update(tr, opts, 0);
    while (tr->update < tr->num_updates) {
        double tu = now_seconds();
        rollout_collect(tr->rollout);
        if (record_episodes(tr, err)) goto fail;
        tr->update++;
        tr->global_step += batch;
        double frac = 1.0 - (double)(tr->update - 1) / (double)tr->num_updates;
        double lr = ppo->anneal_lr ? frac * ppo->learning_rate : ppo->learning_rate;
        UpdateStats st;
        if (learner_update(tr->learner, &tr->rollout->buf, ppo, lr, &st)) {
            err_set(err, "%s", dist_error(tr->dist) ? dist_error(tr->dist) : "a collective failed");
            goto fail;
        }
        if (!st.finite) { /* the same on every rank: rank 0 reports it */
            char last[1400];
            snprintf(last, sizeof last, "%s/latest.ckpt", tr->ckpt_dir);
            err_set(err, "the loss or the parameters became NaN or Inf at update %ld (step %ld); "
                    "training stopped and this update was not saved; the last good checkpoint is %s "
                    "(if it exists); try a lower ppo.learning_rate or ppo.max_grad_norm",
                    tr->update, tr->global_step, last);
            result->quiet_error = !root;
            goto fail;
        }
        if (opts->check_ranks) {
            char what[64];
            snprintf(what, sizeof what, "the parameters after update %ld", tr->update);
            if (dist_check_same(tr->dist, params_hash(tr->policy), what, err)) {
                result->quiet_error = !root && !dist_error(tr->dist);
                goto fail;
            }
        }
        double now = now_seconds();
        double elapsed = now - t0;
        double sps = (double)batch / (now - tu);
        tr->seconds = tr->seconds_before + elapsed;
        updates_this_run++;
        if (agree(tr, root && write_progress_row(tr, tr->seconds_before + elapsed, sps, &st, err), err))
            goto fail;
        notify_update(tr, opts, elapsed);
        double mn, mx, len, mean = recent_mean(tr, &mn, &mx, &len);
        bool solved = run->stop_return != 0 && tr->n_recent >= CKPT_RECENT && mean >= run->stop_return;
        if (solved && result->first_solve_step < 0) result->first_solve_step = (double)tr->global_step;
        int asked = opts->stop && *opts->stop; /* a stop asked on any rank stops every rank */
        if (dist_max_int(tr->dist, &asked, 1, err)) goto fail;
        bool stop_now = asked || solved ||
                        (opts->max_updates > 0 && updates_this_run >= opts->max_updates);
        if (show && (now - last_print >= (tty ? 0.1 : 1.0) || stop_now || tr->update == tr->num_updates)) {
            status_line(tr, elapsed, tr->global_step / fmax(elapsed + tr->seconds_before, 1e-9), tty,
                        stop_now || tr->update == tr->num_updates);
            last_print = now;
        }
        bool periodic = run->checkpoint_interval > 0 && tr->update % run->checkpoint_interval == 0;
        if (periodic && !stop_now && tr->update < tr->num_updates)
            if (save_checkpoint(tr, true, NULL, 0, err)) goto fail;
        if (stop_now) {
            result->stopped = asked;
            break;
        }
    }
    double elapsed = now_seconds() - t0;
    if (save_checkpoint(tr, run->checkpoint_interval > 0, result->checkpoint, sizeof result->checkpoint, err))
        goto fail;
    rc = root && fsync(tr->progress_fd) != 0;
    if (rc) err_set(err, "%s/progress.csv: fsync failed: %s", tr->run_dir, strerror(errno));
    if (agree(tr, rc, err)) goto fail;
    double mn, mx, len;
    result->global_step = tr->global_step;
    result->steps = updates_this_run * batch;
    result->updates = updates_this_run;
    result->seconds = elapsed;
    result->mean_return = recent_mean(tr, &mn, &mx, &len);
    result->params_hash = params_hash(tr->policy);
    trainer_free(tr);
    return 0;
fail:
    free(ck_bytes);
    checkpoint_free(&ck);
    if (tr->made_dir && !tr->saved_any) remove_run_dir(tr);
    trainer_free(tr);
    return -1;
}
