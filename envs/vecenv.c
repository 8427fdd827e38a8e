/* vecenv.c: vectorized envs with same-step autoreset (see vecenv.h). */
#include "envs/vecenv.h"

#include <stdlib.h>
#include <string.h>

int vecenv_create(VecEnv **out, const EnvConfig *cfg, int n, uint64_t seed, uint64_t first_stream,
                  int log_cap, Err *err) {
    *out = NULL;
    if (n < 1) return err_set(err, "vecenv: number of envs must be at least 1 (got %d)", n);
    if (log_cap < 1) log_cap = 1;
    VecEnv *v = calloc(1, sizeof *v);
    if (!v) return err_set(err, "out of memory creating %d envs", n);
    v->n = n;
    v->log_cap = log_cap;
    v->envs = calloc((size_t)n, sizeof *v->envs);
    v->ep_return = calloc((size_t)n, sizeof *v->ep_return);
    v->ep_length = calloc((size_t)n, sizeof *v->ep_length);
    v->log = calloc((size_t)log_cap, sizeof *v->log);
    if (!v->envs || !v->ep_return || !v->ep_length || !v->log) {
        vecenv_destroy(v);
        return err_set(err, "out of memory creating %d envs", n);
    }
    for (int i = 0; i < n; i++) {
        if (env_create(&v->envs[i], cfg, err) != 0) {
            vecenv_destroy(v);
            return -1;
        }
        env_seed(v->envs[i], seed, first_stream + (uint64_t)i);
    }
    v->obs_dim = v->envs[0]->obs_dim;
    v->n_actions = v->envs[0]->n_actions;
    v->action_dim = v->envs[0]->action_dim;
    *out = v;
    return 0;
}

void vecenv_destroy(VecEnv *v) {
    if (!v) return;
    if (v->envs)
        for (int i = 0; i < v->n; i++) env_destroy(v->envs[i]);
    free(v->envs);
    free(v->ep_return);
    free(v->ep_length);
    free(v->log);
    free(v);
}

void vecenv_reset(VecEnv *v, float *obs) {
    for (int i = 0; i < v->n; i++) {
        env_reset(v->envs[i], obs + (size_t)i * v->obs_dim);
        v->ep_return[i] = 0.0f;
        v->ep_length[i] = 0;
    }
}

/* After env i's step: the episode log, and the same-step autoreset. */
static void after_step(VecEnv *v, int i, float *o, float *reward, bool term, bool trunc,
                       uint8_t *terminated, uint8_t *truncated, float *final_obs) {
    const int d = v->obs_dim;
    Env *e = v->envs[i];
    terminated[i] = term;
    truncated[i] = trunc;
    v->ep_return[i] += reward[i];
    v->ep_length[i] += 1;
    if (term || trunc) {
        memcpy(final_obs + (size_t)i * d, o, (size_t)d * sizeof *o);
        if (v->log_len < v->log_cap)
            v->log[v->log_len++] = (Episode){v->ep_return[i], v->ep_length[i], term, i};
        else
            v->dropped++;
        v->ep_return[i] = 0.0f;
        v->ep_length[i] = 0;
        e->cls->reset(e->self, o);
    }
}

void vecenv_step(VecEnv *v, const int32_t *actions, float *obs, float *reward, uint8_t *terminated,
                 uint8_t *truncated, float *final_obs) {
    for (int i = 0; i < v->n; i++) {
        Env *e = v->envs[i];
        float *o = obs + (size_t)i * v->obs_dim;
        bool term, trunc;
        e->cls->step(e->self, actions[i], o, &reward[i], &term, &trunc);
        after_step(v, i, o, reward, term, trunc, terminated, truncated, final_obs);
    }
}

void vecenv_step_box(VecEnv *v, const float *actions, float *obs, float *reward, uint8_t *terminated,
                     uint8_t *truncated, float *final_obs) {
    const int D = v->action_dim;
    for (int i = 0; i < v->n; i++) {
        Env *e = v->envs[i];
        float *o = obs + (size_t)i * v->obs_dim, a[ENV_MAX_ACTION_DIM];
        env_clip_action(e, actions + (size_t)i * D, a);
        bool term, trunc;
        e->cls->step_box(e->self, a, o, &reward[i], &term, &trunc);
        after_step(v, i, o, reward, term, trunc, terminated, truncated, final_obs);
    }
}

int vecenv_drain_episodes(VecEnv *v, Episode *out, int max) {
    int k = v->log_len < max ? v->log_len : max;
    memcpy(out, v->log, (size_t)k * sizeof *out);
    memmove(v->log, v->log + k, (size_t)(v->log_len - k) * sizeof *v->log);
    v->log_len -= k;
    return k;
}
