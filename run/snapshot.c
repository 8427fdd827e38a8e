/* snapshot.c: a training run's state to and from a Checkpoint (see snapshot.h). */
#include "run/snapshot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The three buffers of the policy's layout a checkpoint holds, by tensor-name prefix. */
enum { N_BUFS = 3 };
static const char *const PREFIX[N_BUFS] = {CKPT_PARAMS, CKPT_ADAM_M, CKPT_ADAM_V};

int snapshot_take(Checkpoint *ck, const EnvConfig *env, const char *config_yaml, const Policy *p,
                  const Learner *l, Rollout *r, const RunCounters *c, Err *err) {
    memset(ck, 0, sizeof *ck);
    RolloutBuffer *b = &r->buf;
    const int N = b->N;
    snprintf(ck->env_name, sizeof ck->env_name, "%s", env->name);
    ck->map_name = (char *)env->map;
    ck->map_text = (char *)env->map_text;
    snprintf(ck->policy_kind, sizeof ck->policy_kind, "%s", p->cfg.kind);
    ck->obs_dim = b->O;
    ck->n_actions = b->A;
    ck->state_size = b->S;
    ck->n_params = p->n_params;
    ck->num_envs = N;
    ck->global_step = c->global_step;
    ck->update = c->update;
    ck->episodes = c->episodes;
    ck->mean_return = episodes_stats(&c->recent).mean;
    ck->best_return = c->best_return;
    ck->train_seconds = c->seconds;
    ck->adam_step = l->adam->step;
    ck->config_yaml = (char *)config_yaml;
    const float *bufs[N_BUFS] = {p->params, l->adam->m, l->adam->v};
    for (int k = 0; k < N_BUFS; k++)
        if (checkpoint_put_tensors(ck, PREFIX[k], p, bufs[k], err)) {
            snapshot_free(ck);
            return -1;
        }
    ck->learner_rng = l->rng;
    ck->sample_rngs = r->sample_rng;
    Env *e0 = rollout_vecenv(r, 0)->envs[0];
    ck->env_state_bytes = env_state_size(e0);
    ck->env_states = malloc((size_t)N * ck->env_state_bytes);
    ck->ep_return = malloc(sizeof(float) * (size_t)N);
    ck->ep_length = malloc(sizeof(int32_t) * (size_t)N);
    if (!ck->env_states || !ck->ep_return || !ck->ep_length) {
        snapshot_free(ck);
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
    /* with observation normalization, the env's own observations: a resume normalizes them with
     * the statistics of then, as the next rollout would */
    ck->obs = (b->raw_obs ? b->raw_obs : b->obs) + (size_t)row * N * b->O;
    const Normalizer *nz = r->norm;
    if (nz) {
        ck->has_norm = true;
        ck->norm_obs_on = nz->obs_on;
        ck->norm_reward_on = nz->reward_on;
        ck->norm_clip_obs = nz->clip_obs;
        ck->norm_clip_reward = nz->clip_reward;
        ck->norm_obs_mean = nz->obs.mean;
        ck->norm_obs_var = nz->obs.var;
        ck->norm_obs_count = nz->obs.count;
        ck->norm_ret_mean = nz->ret.mean[0];
        ck->norm_ret_var = nz->ret.var[0];
        ck->norm_ret_count = nz->ret.count;
        ck->norm_returns = nz->returns;
    }
    ck->episode_start = b->episode_start + (size_t)row * N;
    ck->prev_action = b->prev_action + (size_t)row * N;
    ck->recent = c->recent;
    const CountBonus *cb = r->bonus;
    if (cb) { /* the table's entries, in slot order */
        ck->has_counts = true;
        ck->count_keys = malloc(sizeof(uint64_t) * (cb->used ? cb->used : 1));
        ck->count_values = malloc(sizeof(uint32_t) * (cb->used ? cb->used : 1));
        if (!ck->count_keys || !ck->count_values) {
            snapshot_free(ck);
            return err_set(err, "out of memory saving a checkpoint");
        }
        for (size_t i = 0; i < cb->cap; i++)
            if (cb->keys[i]) {
                ck->count_keys[ck->n_counts] = cb->keys[i];
                ck->count_values[ck->n_counts++] = cb->counts[i];
            }
    }
    return 0;
}

static bool all_finite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return false;
    return true;
}

bool snapshot_finite(const Checkpoint *ck) {
    const size_t N = (size_t)ck->num_envs;
    for (int i = 0; i < ck->n_tensors; i++)
        if (!all_finite(ck->tensors[i].data, ck->tensors[i].size)) return false;
    return all_finite(ck->state, N * ck->state_size) && all_finite(ck->obs, N * (size_t)ck->obs_dim) &&
           all_finite(ck->ep_return, N);
}

void snapshot_free(Checkpoint *ck) {
    free(ck->tensors);
    free(ck->env_states);
    free(ck->ep_return);
    free(ck->ep_length);
    free(ck->count_keys);
    free(ck->count_values);
    ck->count_keys = NULL;
    ck->count_values = NULL;
    ck->tensors = NULL;
    ck->env_states = NULL;
    ck->ep_return = NULL;
    ck->ep_length = NULL;
}

/* The checkpoint's sizes against this run's; ERR_INPUT naming what differs. */
static int check_sizes(const Checkpoint *ck, const char *path, int ranks, const Policy *p,
                       const RolloutBuffer *b, Err *err) {
    if (ck->obs_dim != b->O || ck->n_actions != b->A || ck->state_size != b->S ||
        ck->n_params != p->n_params || ck->num_envs % b->N != 0)
        return err_input(err, "%s: the checkpoint's sizes (obs %d, actions %d, state %llu, params %llu, "
                         "envs %d) do not fit this config (obs %d, actions %d, state %zu, params %zu, "
                         "envs %d)", path, ck->obs_dim, ck->n_actions,
                         (unsigned long long)ck->state_size, (unsigned long long)ck->n_params,
                         ck->num_envs, b->O, b->A, b->S, p->n_params, b->N);
    if (ck->num_envs != ranks * b->N)
        return err_input(err, "%s: the checkpoint was saved by a run of %d rank%s x %d envs and this run "
                         "has %d rank%s x %d envs; resume it with as many ranks (mpirun -np %d, or "
                         "without mpirun for 1): each rank continues its own envs", path,
                         ck->num_envs / b->N, ck->num_envs / b->N == 1 ? "" : "s", b->N, ranks,
                         ranks == 1 ? "" : "s", b->N, ck->num_envs / b->N);
    return 0;
}

/* Env states, their episodes so far and the carried rollout rows of envs first .. first + N - 1. */
static int restore_envs(const Checkpoint *ck, const char *path, size_t first, Rollout *r, Err *err) {
    RolloutBuffer *b = &r->buf;
    Env *e0 = rollout_vecenv(r, 0)->envs[0];
    if (ck->env_state_bytes != env_state_size(e0))
        return err_input(err, "%s: env states of %llu bytes do not fit env %s (%zu bytes)", path,
                         (unsigned long long)ck->env_state_bytes, e0->name, env_state_size(e0));
    for (int w = 0; w < r->n_workers; w++) {
        VecEnv *v = rollout_vecenv(r, w);
        int n0 = rollout_worker_first(r, w);
        for (int i = 0; i < v->n; i++) {
            size_t e = first + (size_t)(n0 + i);
            if (env_state_load(v->envs[i], ck->env_states + e * ck->env_state_bytes, err)) {
                err_prefix(err, "%s: env %zu", path, e);
                return err_as_input(err);
            }
            v->ep_return[i] = ck->ep_return[e];
            v->ep_length[i] = ck->ep_length[e];
        }
    }
    memcpy(r->sample_rng, ck->sample_rngs + first, sizeof(Rng) * (size_t)b->N);
    memcpy(b->state, ck->state + first * b->S, sizeof(float) * b->S * (size_t)b->N);
    memcpy(b->obs, ck->obs + first * (size_t)b->O, sizeof(float) * (size_t)b->O * b->N);
    if (b->raw_obs) memcpy(b->raw_obs, b->obs, sizeof(float) * (size_t)b->O * b->N);
    memcpy(b->episode_start, ck->episode_start + first, (size_t)b->N);
    memcpy(b->prev_action, ck->prev_action + first, sizeof(int32_t) * (size_t)b->N);
    rollout_mark_fresh(r);
    return 0;
}

/* The normalizations' statistics, and the discounted returns of envs first .. first + N - 1. */
static int restore_norm(const Checkpoint *ck, const char *path, size_t first, Rollout *r, Err *err) {
    Normalizer *nz = r->norm;
    if (!nz && !ck->has_norm) return 0;
    if (!nz || !ck->has_norm || nz->obs_on != ck->norm_obs_on || nz->reward_on != ck->norm_reward_on)
        return err_input(err, "%s: the checkpoint's normalization (observations %s, rewards %s) is not this "
                         "config's (ppo.norm_obs %s, ppo.norm_reward %s)", path,
                         ck->has_norm && ck->norm_obs_on ? "on" : "off", ck->has_norm && ck->norm_reward_on ? "on" : "off",
                         nz && nz->obs_on ? "true" : "false", nz && nz->reward_on ? "true" : "false");
    memcpy(nz->obs.mean, ck->norm_obs_mean, sizeof(double) * (size_t)nz->obs.dim);
    memcpy(nz->obs.var, ck->norm_obs_var, sizeof(double) * (size_t)nz->obs.dim);
    nz->obs.count = ck->norm_obs_count;
    nz->ret.mean[0] = ck->norm_ret_mean;
    nz->ret.var[0] = ck->norm_ret_var;
    nz->ret.count = ck->norm_ret_count;
    memcpy(nz->returns, ck->norm_returns + first, sizeof(double) * (size_t)nz->n_envs);
    return 0;
}

/* The count bonus's table (the same on every rank). */
static int restore_counts(const Checkpoint *ck, const char *path, Rollout *r, Err *err) {
    CountBonus *cb = r->bonus;
    if (!cb && !ck->has_counts) return 0;
    if (!cb || !ck->has_counts)
        return err_input(err, "%s: the checkpoint's count bonus (%s) is not this config's (ppo.count_bonus %s)",
                         path, ck->has_counts ? "on" : "off", cb ? "on" : "off");
    double coef = cb->coef;
    count_bonus_free(cb);
    if (count_bonus_init(cb, coef, err)) return -1;
    for (uint64_t i = 0; i < ck->n_counts; i++)
        if (count_bonus_set(cb, ck->count_keys[i], ck->count_values[i], err)) return -1;
    return 0;
}

int snapshot_restore(const Checkpoint *ck, const char *path, int rank, int ranks, Policy *p,
                     Learner *l, Rollout *r, RunCounters *c, Err *err) {
    if (check_sizes(ck, path, ranks, p, &r->buf, err)) return -1;
    float *bufs[N_BUFS] = {p->params, l->adam->m, l->adam->v};
    for (int k = 0; k < N_BUFS; k++)
        if (checkpoint_get_tensors(ck, PREFIX[k], p, bufs[k], path, err)) return -1;
    l->adam->step = ck->adam_step;
    l->rng = ck->learner_rng;
    if (restore_envs(ck, path, (size_t)rank * r->buf.N, r, err)) return -1;
    if (restore_norm(ck, path, (size_t)rank * r->buf.N, r, err)) return -1;
    if (restore_counts(ck, path, r, err)) return -1;
    c->global_step = ck->global_step;
    c->update = ck->update;
    c->episodes = ck->episodes;
    c->best_return = ck->best_return;
    c->seconds = ck->train_seconds;
    c->recent = ck->recent;
    return 0;
}
