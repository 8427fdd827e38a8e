/* rollout.c: rollout workers stepping envs with the policy's step form (see rollout.h). */
#include "algo/rollout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policies/categorical.h"

struct RolloutWorker {
    Rollout *r;
    int n0, n;            /* slice: envs n0 .. n0 + n - 1 */
    VecEnv *venv;
    PolicyWork *work;     /* max_b = n, max_t = 1 */
    float *logits;        /* [n, A] */
    float *final_obs;     /* [n, O] */
    float *state_copy;    /* [n, S] */
};

/* One rollout of worker wk's slice. */
static void worker_collect(RolloutWorker *wk) {
    Rollout *r = wk->r;
    RolloutBuffer *b = &r->buf;
    const Policy *p = r->policy;
    const int N = b->N, O = b->O, A = b->A, n0 = wk->n0, n = wk->n;
    const size_t S = b->S;
    if (!r->fresh) { /* row T of the last rollout is row 0 of this one */
        memcpy(b->obs + (size_t)n0 * O, b->obs + ((size_t)b->T * N + n0) * O, sizeof(float) * n * O);
        memcpy(b->episode_start + n0, b->episode_start + (size_t)b->T * N + n0, (size_t)n);
        memcpy(b->prev_action + n0, b->prev_action + (size_t)b->T * N + n0, sizeof(int32_t) * n);
    }
    float *state = b->state + n0 * S;
    memcpy(b->state0 + n0 * S, state, sizeof(float) * n * S);
    for (int t = 0; t < b->T; t++) {
        size_t row = (size_t)t * N + n0, next = (size_t)(t + 1) * N + n0;
        policy_step(p, wk->work, n, state, b->obs + row * O, b->episode_start + row,
                    b->prev_action + row, wk->logits, b->values + row);
        for (int i = 0; i < n; i++)
            b->actions[row + i] = categorical_sample(A, wk->logits + (size_t)i * A, &r->sample_rng[n0 + i],
                                                     &b->logprobs[row + i]);
        vecenv_step(wk->venv, b->actions + row, b->obs + next * O, b->rewards + row,
                    b->terminated + row, b->truncated + row, wk->final_obs);
        for (int i = 0; i < n; i++) {
            bool ended = b->terminated[row + i] || b->truncated[row + i];
            b->episode_start[next + i] = ended;
            b->prev_action[next + i] = b->actions[row + i];
            b->final_values[row + i] = 0.0f;
            if (b->truncated[row + i] && !b->terminated[row + i]) {
                /* V(final_obs) from the ended episode's own state: one more step, no reset. */
                const uint8_t no_start = 0;
                memcpy(wk->state_copy, state + i * S, sizeof(float) * S);
                policy_step(p, wk->work, 1, wk->state_copy, wk->final_obs + (size_t)i * O,
                            &no_start, &b->actions[row + i], wk->logits, &b->final_values[row + i]);
            }
        }
    }
    /* V(obs[T]) from a copy: the carried state must stay the one before obs[T]. */
    size_t last = (size_t)b->T * N + n0;
    memcpy(wk->state_copy, state, sizeof(float) * n * S);
    policy_step(p, wk->work, n, wk->state_copy, b->obs + last * O, b->episode_start + last,
                b->prev_action + last, wk->logits, b->next_values + n0);
}

/* A pool job: worker w's slice of the rollout. */
static void collect_slice(void *ctx, int w) { worker_collect(&((Rollout *)ctx)->workers[w]); }

static int buffer_alloc(RolloutBuffer *b, Err *err) {
    const size_t T = (size_t)b->T, N = (size_t)b->N, O = (size_t)b->O, S = b->S;
    b->obs = calloc((T + 1) * N * O, sizeof *b->obs);
    b->episode_start = calloc((T + 1) * N, 1);
    b->prev_action = calloc((T + 1) * N, sizeof *b->prev_action);
    b->actions = calloc(T * N, sizeof *b->actions);
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
    if (!b->obs || !b->episode_start || !b->prev_action || !b->actions || !b->logprobs ||
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
        if (wk->venv->obs_dim != b->O || wk->venv->n_actions != b->A) {
            rollout_destroy(r);
            return err_set(err, "env %s has obs_dim %d and %d actions; the policy expects %d and %d",
                           env_cfg->name, wk->venv->obs_dim, wk->venv->n_actions, b->O, b->A);
        }
        wk->work = policy_work_create(policy, 1, wk->n);
        wk->logits = calloc((size_t)wk->n * b->A, sizeof(float));
        wk->final_obs = calloc((size_t)wk->n * b->O, sizeof(float));
        wk->state_copy = calloc((size_t)wk->n * b->S + 1, sizeof(float));
        if (!wk->work || !wk->logits || !wk->final_obs || !wk->state_copy) {
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
        }
    buffer_free(&r->buf);
    free(r->workers);
    free(r->sample_rng);
    free(r);
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
