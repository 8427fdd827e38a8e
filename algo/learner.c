/* learner.c: the PPO update (see learner.h). */
#include "algo/learner.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "algo/gae.h"

static void part_free(LearnerPart *q) {
    policy_work_destroy(q->work);
    free(q->grads);
    free(q->obs);
    free(q->logprobs);
    free(q->values);
    free(q->advantages);
    free(q->returns);
    free(q->state0);
    free(q->episode_start);
    free(q->prev_action);
    free(q->actions);
    free(q->box_actions);
    free(q->dlog_std);
    free(q->logits);
    free(q->new_values);
    free(q->dlogits);
    free(q->dvalues);
}

/* The buffers of a part of B envs over T steps. */
static int part_alloc(LearnerPart *q, const Policy *p, int T, int B) {
    const size_t t = (size_t)T, b = (size_t)(B ? B : 1), O = (size_t)p->obs_dim,
                 A = (size_t)p->n_actions, S = p->state_size;
    q->work = policy_work_create(p, T, B ? B : 1);
    q->grads = calloc(p->n_params + 1, sizeof(float));
    q->obs = calloc(t * b * O, sizeof(float));
    q->logprobs = calloc(t * b, sizeof(float));
    q->values = calloc(t * b, sizeof(float));
    q->advantages = calloc(t * b, sizeof(float));
    q->returns = calloc(t * b, sizeof(float));
    q->state0 = calloc(b * S + 1, sizeof(float));
    q->episode_start = calloc(t * b, 1);
    q->prev_action = calloc(t * b, sizeof(int32_t));
    q->actions = calloc(t * b, sizeof(int32_t));
    q->box_actions = calloc(p->gaussian ? t * b * A : 1, sizeof(float));
    q->dlog_std = calloc(A, sizeof(float));
    q->logits = calloc(t * b * A, sizeof(float));
    q->new_values = calloc(t * b, sizeof(float));
    q->dlogits = calloc(t * b * A, sizeof(float));
    q->dvalues = calloc(t * b, sizeof(float));
    return q->work && q->grads && q->obs && q->logprobs && q->values && q->advantages && q->returns &&
                   q->state0 && q->episode_start && q->prev_action && q->actions && q->box_actions &&
                   q->dlog_std && q->logits &&
                   q->new_values && q->dlogits && q->dvalues
               ? 0
               : -1;
}

int learner_create(Learner **out, Policy *policy, int num_steps, int num_envs,
                   int num_minibatches, double adam_eps, uint64_t seed, uint64_t stream,
                   Pool *pool, int parts_per_worker, Err *err) {
    *out = NULL;
    if (num_minibatches < 1 || num_envs % num_minibatches != 0)
        return err_set(err, "learner: %d minibatches do not divide %d envs (each holds whole env sequences)",
                       num_minibatches, num_envs);
    if (parts_per_worker < 1)
        return err_set(err, "learner: %d parts per worker (at least 1)", parts_per_worker);
    Learner *l = calloc(1, sizeof *l);
    if (!l) return err_set(err, "out of memory creating the learner");
    l->policy = policy;
    l->pool = pool;
    l->T = num_steps;
    l->N = num_envs;
    l->Bm = num_envs / num_minibatches;
    rng_seed(&l->rng, seed, stream);
    if (adam_create(&l->adam, policy->n_params, adam_eps, err)) {
        learner_destroy(l);
        return -1;
    }
    const long want = (long)pool_size(pool) * parts_per_worker;
    const int W = want < l->Bm ? (int)want : l->Bm; /* every part holds at least one env */
    l->n_parts = W;
    l->grads = calloc(policy->n_params + 1, sizeof(float));
    l->perm = calloc((size_t)num_envs, sizeof(int));
    l->advantages = calloc((size_t)l->T * l->Bm, sizeof(float));
    l->parts = calloc((size_t)W, sizeof *l->parts);
    int rc = l->grads && l->perm && l->advantages && l->parts ? 0 : -1;
    for (int w = 0; !rc && w < W; w++) {
        LearnerPart *q = &l->parts[w];
        q->b0 = (int)((long)l->Bm * w / W);
        q->B = (int)((long)l->Bm * (w + 1) / W) - q->b0;
        rc = part_alloc(q, policy, l->T, q->B);
    }
    if (rc) {
        learner_destroy(l);
        return err_set(err, "out of memory for learner buffers (%d x %d)", l->T, l->Bm);
    }
    *out = l;
    return 0;
}

void learner_destroy(Learner *l) {
    if (!l) return;
    adam_destroy(l->adam);
    for (int w = 0; l->parts && w < l->n_parts; w++) part_free(&l->parts[w]);
    free(l->parts);
    free(l->grads);
    free(l->perm);
    free(l->advantages);
    free(l);
}

void learner_set_dist(Learner *l, Dist *d) { l->dist = d; }

double ppo_learning_rate(const PPOConfig *ppo, long update, long num_updates) {
    double frac = 1.0 - (double)(update - 1) / (double)num_updates;
    return ppo->anneal_lr ? frac * ppo->learning_rate : ppo->learning_rate;
}

/* The explained variance 1 - Var(y - x) / Var(y) of predictions x [n] for targets y [n] over the
 * samples of every rank (NaN when Var(y) = 0), as CleanRL logs it: the sums are all-reduced, in
 * two passes. Returns -1 when a collective failed. */
static int explained_variance(Dist *dist, const float *x, const float *y, size_t n, double *out) {
    double s[3] = {0, 0, (double)n}; /* sum y, sum (y - x), count */
    for (size_t i = 0; i < n; i++) {
        s[0] += y[i];
        s[1] += (double)y[i] - x[i];
    }
    if (dist_sum_double(dist, s, 3, NULL)) return -1;
    double my = s[0] / s[2], md = s[1] / s[2];
    double v[2] = {0, 0}; /* sum (y - my)^2, sum (d - md)^2 */
    for (size_t i = 0; i < n; i++) {
        double d = (double)y[i] - x[i];
        v[0] += (y[i] - my) * (y[i] - my);
        v[1] += (d - md) * (d - md);
    }
    if (dist_sum_double(dist, v, 2, NULL)) return -1;
    *out = v[0] == 0.0 ? NAN : 1.0 - v[1] / v[0];
    return 0;
}

/* The minibatch's advantages [T, Bm] of envs [Bm] from the rollout, in the order they are
 * normalized in. */
static void gather_advantages(Learner *l, const RolloutBuffer *b, const int *envs) {
    for (int t = 0; t < l->T; t++)
        for (int j = 0; j < l->Bm; j++) l->advantages[(size_t)t * l->Bm + j] = b->advantages[(size_t)t * b->N + envs[j]];
}

/* Copies part q's sequences (envs[q->b0 ..]) from the rollout, and its normalized advantages. */
static void gather(const Learner *l, LearnerPart *q) {
    const RolloutBuffer *b = l->buf;
    const int T = l->T, B = q->B, N = b->N, O = b->O, D = b->D;
    const size_t S = b->S;
    for (int j = 0; j < B; j++) {
        int n = l->envs[q->b0 + j];
        memcpy(q->state0 + j * S, b->state0 + n * S, sizeof(float) * S);
        for (int t = 0; t < T; t++) {
            size_t src = (size_t)t * N + n, dst = (size_t)t * B + j;
            memcpy(q->obs + dst * O, b->obs + src * O, sizeof(float) * O);
            q->episode_start[dst] = b->episode_start[src];
            q->prev_action[dst] = b->prev_action[src];
            q->actions[dst] = b->actions[src];
            if (D > 0) memcpy(q->box_actions + dst * D, b->box_actions + src * D, sizeof(float) * D);
            q->logprobs[dst] = b->logprobs[src];
            q->values[dst] = b->values[src];
            q->advantages[dst] = l->advantages[(size_t)t * l->Bm + q->b0 + j];
            q->returns[dst] = b->returns[src];
        }
    }
}

/* Part c's forward, loss and backward into its own gradient. */
static void part_gradient(Learner *l, int c) {
    LearnerPart *q = &l->parts[c];
    const PPOConfig *ppo = l->ppo;
    Policy *p = l->policy;
    const int T = l->T, B = q->B;
    PPOLossCoefs coefs = {ppo->clip_coef, ppo->clip_vloss, ppo->ent_coef, ppo->vf_coef,
                          ppo->vf_huber};
    gather(l, q);
    policy_forward_sequence(p, q->work, T, B, q->state0, q->obs, q->episode_start, q->prev_action,
                            q->logits, q->new_values, NULL);
    memset(q->grads, 0, sizeof(float) * p->n_params);
    if (p->gaussian) {
        q->loss = ppo_loss_gaussian(T * B, p->n_actions, q->logits, policy_log_std(p), q->new_values,
                                    q->box_actions, q->logprobs, q->values, q->advantages, q->returns,
                                    &coefs, q->dlogits, q->dlog_std, q->dvalues, &q->ls);
        for (int j = 0; j < p->n_actions; j++) q->grads[p->log_std_offset + j] = q->dlog_std[j];
    } else {
        q->loss = ppo_loss(T * B, p->n_actions, q->logits, q->new_values, q->actions, q->logprobs,
                           q->values, q->advantages, q->returns, &coefs, q->dlogits, q->dvalues, &q->ls);
    }
    policy_backward_sequence(p, q->work, q->dlogits, q->dvalues, q->grads);
}

/* A pool job: worker w takes the next part not yet taken until none is left, so a faster core
 * takes more parts. Which worker ran a part does not change its result (each part has its own
 * buffers), and sum_parts adds them in part order. */
static void take_parts(void *ctx, int w) {
    (void)w;
    Learner *l = ctx;
    int c;
    while ((c = atomic_fetch_add(&l->next_part, 1)) < l->n_parts) part_gradient(l, c);
}

/* The minibatch's gradient and loss terms from its parts': the means over their rows, weighted
 * by their share of the rows, summed in part order (one part: copied as it is). */
static bool sum_parts(Learner *l, PPOLossStats *ls) {
    const size_t P = l->policy->n_params;
    bool finite = true;
    memset(ls, 0, sizeof *ls);
    for (int w = 0; w < l->n_parts; w++) {
        const LearnerPart *q = &l->parts[w];
        const double share = (double)q->B / l->Bm;
        const float fshare = (float)share;
        finite = finite && isfinite(q->loss);
        if (w == 0) {
            if (q->B == l->Bm) memcpy(l->grads, q->grads, sizeof(float) * P);
            else for (size_t i = 0; i < P; i++) l->grads[i] = fshare * q->grads[i];
        } else {
            for (size_t i = 0; i < P; i++) l->grads[i] += fshare * q->grads[i];
        }
        ls->loss += share * q->ls.loss;
        ls->pg_loss += share * q->ls.pg_loss;
        ls->v_loss += share * q->ls.v_loss;
        ls->entropy += share * q->ls.entropy;
        ls->approx_kl += share * q->ls.approx_kl;
        ls->clipfrac += share * q->ls.clipfrac;
    }
    return finite;
}

static bool all_finite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return false;
    return true;
}

int learner_gradient(Learner *l, const RolloutBuffer *b, const int *envs, const PPOConfig *ppo,
                     PPOLossStats *ls, bool *finite) {
    const int R = dist_size(l->dist);
    const size_t P = l->policy->n_params;
    gather_advantages(l, b, envs);
    if (ppo->norm_adv && ppo_normalize_advantages(l->dist, l->T * l->Bm, l->advantages)) return -1;
    l->buf = b;
    l->envs = envs;
    l->ppo = ppo;
    atomic_store(&l->next_part, 0);
    pool_run(l->n_parts > 1 ? l->pool : NULL, take_parts, l);
    bool ok = sum_parts(l, ls);
    /* The one all-reduce of the gradient buffer [P + 1]: the sum of the ranks' gradients of
     * their mean losses, and in the last slot how many ranks had a loss that is not finite. */
    l->grads[P] = ok ? 0.0f : 1.0f;
    if (dist_sum_float(l->dist, l->grads, P + 1, NULL)) return -1;
    if (R > 1)
        for (size_t i = 0; i < P; i++) l->grads[i] /= (float)R;
    *finite = l->grads[P] == 0.0f;
    return 0;
}

int learner_update(Learner *l, RolloutBuffer *b, const PPOConfig *ppo, double lr,
                   UpdateStats *stats) {
    const int T = l->T, B = l->Bm, M = l->N / l->Bm, R = dist_size(l->dist);
    Policy *p = l->policy;
    gae_compute(T, b->N, b->rewards, b->values, b->terminated, b->truncated, b->final_values,
                b->next_values, ppo->gamma, ppo->gae_lambda, b->advantages, b->returns);
    memset(stats, 0, sizeof *stats);
    stats->finite = true;
    stats->learning_rate = lr;
    if (explained_variance(l->dist, b->values, b->returns, (size_t)T * b->N,
                                &stats->explained_variance))
        return -1;
    for (int i = 0; i < l->N; i++) l->perm[i] = i;
    for (int epoch = 0; epoch < ppo->update_epochs; epoch++) {
        for (int i = l->N - 1; i > 0; i--) { /* Fisher-Yates */
            int j = (int)rng_below(&l->rng, (uint32_t)i + 1);
            int tmp = l->perm[i];
            l->perm[i] = l->perm[j];
            l->perm[j] = tmp;
        }
        PPOLossStats ls = {0};
        for (int mb = 0; mb < M; mb++) {
            bool finite;
            if (learner_gradient(l, b, l->perm + mb * B, ppo, &ls, &finite)) return -1;
            double norm = clip_grad_norm(l->grads, p->n_params, ppo->max_grad_norm);
            if (!finite || !isfinite(norm)) {
                stats->finite = false;
                return 0;
            }
            adam_step(l->adam, p->params, l->grads, lr);
            stats->policy_loss += ls.pg_loss;
            stats->value_loss += ls.v_loss;
            stats->entropy += ls.entropy;
            stats->approx_kl += ls.approx_kl;
            stats->clipfrac += ls.clipfrac;
            stats->grad_norm += norm;
            stats->minibatches_run++;
        }
        stats->epochs_run++;
        if (ppo->target_kl > 0) { /* the same decision on every rank: the mean over the ranks */
            double kl = ls.approx_kl;
            if (dist_sum_double(l->dist, &kl, 1, NULL)) return -1;
            if (kl / R > ppo->target_kl) break;
        }
    }
    /* Means over the minibatches, then over the ranks (equal sample counts: the global means).
     * grad_norm is already the norm of the averaged gradient. */
    double k = stats->minibatches_run;
    double sums[5] = {stats->policy_loss / k, stats->value_loss / k, stats->entropy / k,
                      stats->approx_kl / k, stats->clipfrac / k};
    if (dist_sum_double(l->dist, sums, 5, NULL)) return -1;
    stats->policy_loss = sums[0] / R;
    stats->value_loss = sums[1] / R;
    stats->entropy = sums[2] / R;
    stats->approx_kl = sums[3] / R;
    stats->clipfrac = sums[4] / R;
    stats->grad_norm /= k;
    if (!all_finite(p->params, p->n_params)) stats->finite = false;
    return 0;
}
