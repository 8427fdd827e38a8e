/* loss.h: the PPO objective on one minibatch and its gradient with respect to the policy's
 * outputs (logits and values), written by hand.
 *
 * Follows Schulman et al. 2017 ("Proximal Policy Optimization Algorithms", eq. 7 for the clipped
 * surrogate, eq. 9 for the combined objective) in the form of CleanRL's ppo.py:
 *   ratio   = exp(logprob_new(a) - logprob_old(a))
 *   pg_loss = mean(max(-A * ratio, -A * clip(ratio, 1 - c, 1 + c)))
 *   v_loss  = 0.5 * mean((V - R)^2), or with clip_vloss
 *             0.5 * mean(max((V - R)^2, (V_old + clip(V - V_old, -c, c) - R)^2));
 *             with vf_huber = delta > 0 each 0.5 e^2 is Huber's loss of e instead: 0.5 e^2 for
 *             |e| <= delta, delta (|e| - delta / 2) beyond, so a row's gradient is at most delta
 *   entropy = mean(-sum_j p_j log p_j)
 *   loss    = pg_loss - ent_coef * entropy + vf_coef * v_loss
 * and logs approx_kl = mean((ratio - 1) - log ratio) (Schulman's k3 estimator, as CleanRL) and
 * clipfrac = mean(|ratio - 1| > c).
 *
 * Shapes: n samples, A actions; logits [n, A], values [n], actions [n], old_logprobs [n],
 * old_values [n], advantages [n], returns [n]; gradients dlogits [n, A], dvalues [n]
 * (overwritten, not accumulated). Built with `real` so the gradient check runs in double. */
#ifndef PPO_LOSS_H
#define PPO_LOSS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/dist.h"
#include "core/real.h"

typedef struct PPOLossCoefs {
    double clip_coef; /* c */
    bool clip_vloss;
    double ent_coef;
    double vf_coef;
    double vf_huber; /* delta of the Huber value loss; 0 = the squared error */
} PPOLossCoefs;

typedef struct PPOLossStats {
    double loss, pg_loss, v_loss, entropy, approx_kl, clipfrac;
} PPOLossStats;

/* Normalizes the advantages adv [n] in place as (A - mean) / (std + 1e-8) with the unbiased std
 * (CleanRL, SB3), the mean and std taken over the whole minibatch: this process's n advantages
 * and those of the other ranks of d, whose sums are all-reduced (d NULL: this process alone).
 * A minibatch of one sample in all is left as it is (its std is undefined). Returns 0, or -1
 * when a collective failed (dist_error(d) says why). */
int ppo_normalize_advantages(Dist *d, int n, real *adv);

/* Computes the loss of the top of this file; writes dlogits [n, A] and dvalues [n], the
 * gradients of `loss` (stats->loss, also returned) with respect to logits and values. */
double ppo_loss(int n, int A, const real *logits, const real *values, const int32_t *actions,
                const real *old_logprobs, const real *old_values, const real *advantages,
                const real *returns, const PPOLossCoefs *coefs, real *dlogits, real *dvalues,
                PPOLossStats *stats);

/* The same loss for a Gaussian policy over a continuous action of D dimensions (gaussian.h;
 * CleanRL's ppo_continuous_action.py): logprob_new(a) is the Gaussian log-density of the stored
 * (unclipped) action, and the entropy is that of the Gaussian, the same for every sample.
 * Shapes: means [n, D], log_std [D], actions [n, D]; the others as ppo_loss. Writes dmeans
 * [n, D], dlog_std [D] and dvalues [n] (overwritten), the gradients of `loss`. */
double ppo_loss_gaussian(int n, int D, const real *means, const real *log_std, const real *values,
                         const real *actions, const real *old_logprobs, const real *old_values,
                         const real *advantages, const real *returns, const PPOLossCoefs *coefs,
                         real *dmeans, real *dlog_std, real *dvalues, PPOLossStats *stats);

#endif
