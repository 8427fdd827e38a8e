/* learner.c: the PPO update (see learner.h). */
#include "algo/learner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algo/gae.h"

int learner_create(Learner **out, Policy *policy, int num_steps, int num_envs,
                   int num_minibatches, double adam_eps, uint64_t seed, uint64_t stream, Err *err) {
    *out = NULL;
    if (num_minibatches < 1 || num_envs % num_minibatches != 0)
        return err_set(err, "learner: %d minibatches do not divide %d envs (each holds whole env sequences)",
                       num_minibatches, num_envs);
    Learner *l = calloc(1, sizeof *l);
    if (!l) return err_set(err, "out of memory creating the learner");
    l->policy = policy;
    l->T = num_steps;
    l->N = num_envs;
    l->Bm = num_envs / num_minibatches;
    rng_seed(&l->rng, seed, stream);
    if (adam_create(&l->adam, policy->n_params, adam_eps, err)) {
        learner_destroy(l);
        return -1;
    }
    const size_t T = (size_t)l->T, B = (size_t)l->Bm, O = (size_t)policy->obs_dim,
                 A = (size_t)policy->n_actions, S = policy->state_size;
    l->work = policy_work_create(policy, l->T, l->Bm);
    l->grads = calloc(policy->n_params + 1, sizeof(float));
    l->perm = calloc((size_t)num_envs, sizeof(int));
    l->obs = calloc(T * B * O, sizeof(float));
    l->logprobs = calloc(T * B, sizeof(float));
    l->values = calloc(T * B, sizeof(float));
    l->advantages = calloc(T * B, sizeof(float));
    l->returns = calloc(T * B, sizeof(float));
    l->state0 = calloc(B * S + 1, sizeof(float));
    l->episode_start = calloc(T * B, 1);
    l->prev_action = calloc(T * B, sizeof(int32_t));
    l->actions = calloc(T * B, sizeof(int32_t));
    l->logits = calloc(T * B * A, sizeof(float));
    l->new_values = calloc(T * B, sizeof(float));
    l->dlogits = calloc(T * B * A, sizeof(float));
    l->dvalues = calloc(T * B, sizeof(float));
    if (!l->work || !l->grads || !l->perm || !l->obs || !l->logprobs || !l->values ||
        !l->advantages || !l->returns || !l->state0 || !l->episode_start || !l->prev_action ||
        !l->actions || !l->logits || !l->new_values || !l->dlogits || !l->dvalues) {
        learner_destroy(l);
        return err_set(err, "out of memory for learner buffers (%zu x %zu)", T, B);
    }
    *out = l;
    return 0;
}

void learner_destroy(Learner *l) {
    if (!l) return;
    adam_destroy(l->adam);
    policy_work_destroy(l->work);
    free(l->grads);
    free(l->perm);
    free(l->obs);
    free(l->logprobs);
    free(l->values);
    free(l->advantages);
    free(l->returns);
    free(l->state0);
    free(l->episode_start);
    free(l->prev_action);
    free(l->actions);
    free(l->logits);
    free(l->new_values);
    free(l->dlogits);
    free(l->dvalues);
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

/* Copies the sequences of envs perm[0 .. Bm-1] from the rollout into the minibatch buffers. */
static void gather(Learner *l, const RolloutBuffer *b, const int *envs) {
    const int T = l->T, B = l->Bm, N = b->N, O = b->O;
    const size_t S = b->S;
    for (int j = 0; j < B; j++) {
        int n = envs[j];
        memcpy(l->state0 + j * S, b->state0 + n * S, sizeof(float) * S);
        for (int t = 0; t < T; t++) {
            size_t src = (size_t)t * N + n, dst = (size_t)t * B + j;
            memcpy(l->obs + dst * O, b->obs + src * O, sizeof(float) * O);
            l->episode_start[dst] = b->episode_start[src];
            l->prev_action[dst] = b->prev_action[src];
            l->actions[dst] = b->actions[src];
            l->logprobs[dst] = b->logprobs[src];
            l->values[dst] = b->values[src];
            l->advantages[dst] = b->advantages[src];
            l->returns[dst] = b->returns[src];
        }
    }
}

static bool all_finite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return false;
    return true;
}

int learner_gradient(Learner *l, const RolloutBuffer *b, const int *envs, const PPOConfig *ppo,
                     PPOLossStats *ls, bool *finite) {
    const int T = l->T, B = l->Bm, A = b->A, n = T * B, R = dist_size(l->dist);
    Policy *p = l->policy;
    const size_t P = p->n_params;
    PPOLossCoefs coefs = {ppo->clip_coef, ppo->clip_vloss, ppo->ent_coef, ppo->vf_coef};
    gather(l, b, envs);
    policy_forward_sequence(p, l->work, T, B, l->state0, l->obs, l->episode_start,
                            l->prev_action, l->logits, l->new_values, NULL);
    if (ppo->norm_adv && ppo_normalize_advantages(l->dist, n, l->advantages)) return -1;
    double loss = ppo_loss(n, A, l->logits, l->new_values, l->actions, l->logprobs, l->values,
                           l->advantages, l->returns, &coefs, l->dlogits, l->dvalues, ls);
    memset(l->grads, 0, sizeof(float) * P);
    policy_backward_sequence(p, l->work, l->dlogits, l->dvalues, l->grads);
    /* The one all-reduce of the gradient buffer [P + 1]: the sum of the ranks' gradients of
     * their mean losses, and in the last slot how many ranks had a loss that is not finite. */
    l->grads[P] = isfinite(loss) ? 0.0f : 1.0f;
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
