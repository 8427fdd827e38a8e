/* learner.c: the PPO update (see learner.h). */
#include "learner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gae.h"
#include "ppo_loss.h"

int learner_create(Learner **out, Policy *policy, int num_steps, int num_envs,
                   int num_minibatches, double adam_eps, uint64_t seed, uint64_t stream, Err *err) {
    *out = NULL;
    if (num_minibatches < 1 || num_envs % num_minibatches != 0)
        return err_set(err, "ppo.num_minibatches: %d does not divide run.num_envs %d",
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
    l->grads = calloc(policy->n_params, sizeof(float));
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

double explained_variance(const float *x, const float *y, size_t n) {
    double my = 0, md = 0;
    for (size_t i = 0; i < n; i++) {
        my += y[i];
        md += (double)y[i] - x[i];
    }
    my /= (double)n;
    md /= (double)n;
    double vy = 0, vd = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)y[i] - x[i];
        vy += (y[i] - my) * (y[i] - my);
        vd += (d - md) * (d - md);
    }
    return vy == 0.0 ? NAN : 1.0 - vd / vy;
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

void learner_update(Learner *l, RolloutBuffer *b, const PPOConfig *ppo, double lr,
                    UpdateStats *stats) {
    const int T = l->T, B = l->Bm, A = b->A, M = l->N / l->Bm;
    const int n = T * B;
    Policy *p = l->policy;
    gae_compute(T, b->N, b->rewards, b->values, b->terminated, b->truncated, b->final_values,
                b->next_values, ppo->gamma, ppo->gae_lambda, b->advantages, b->returns);
    memset(stats, 0, sizeof *stats);
    stats->finite = true;
    stats->learning_rate = lr;
    stats->explained_variance = explained_variance(b->values, b->returns, (size_t)T * b->N);
    PPOLossCoefs coefs = {ppo->clip_coef, ppo->clip_vloss, ppo->ent_coef, ppo->vf_coef};
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
            gather(l, b, l->perm + mb * B);
            policy_forward_sequence(p, l->work, T, B, l->state0, l->obs, l->episode_start,
                                    l->prev_action, l->logits, l->new_values, NULL);
            if (ppo->norm_adv) ppo_normalize_advantages(n, l->advantages);
            double loss = ppo_loss(n, A, l->logits, l->new_values, l->actions, l->logprobs,
                                   l->values, l->advantages, l->returns, &coefs, l->dlogits,
                                   l->dvalues, &ls);
            memset(l->grads, 0, sizeof(float) * p->n_params);
            policy_backward_sequence(p, l->work, l->dlogits, l->dvalues, l->grads);
            double norm = clip_grad_norm(l->grads, p->n_params, ppo->max_grad_norm);
            if (!isfinite(loss) || !isfinite(norm)) {
                stats->finite = false;
                return;
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
        if (ppo->target_kl > 0 && ls.approx_kl > ppo->target_kl) break;
    }
    double k = stats->minibatches_run;
    stats->policy_loss /= k;
    stats->value_loss /= k;
    stats->entropy /= k;
    stats->approx_kl /= k;
    stats->clipfrac /= k;
    stats->grad_norm /= k;
    if (!all_finite(p->params, p->n_params)) stats->finite = false;
}
