/* gaussian.h: the diagonal Gaussian over a continuous action of D dimensions that a policy's
 * means and its state-independent log standard deviations define,
 *   pi(a) = prod_j N(a_j; mean_j, exp(log_std_j)^2),
 * as CleanRL's ppo_continuous_action.py (Normal(action_mean, exp(actor_logstd)), log-prob and
 * entropy summed over the dimensions). The one place that turns means into continuous actions,
 * for rollouts, the PPO loss, evaluation and the viewer. Log-probabilities and entropies are of
 * the sample as drawn: clipping to the env's box happens only where the action is applied.
 *
 * Shapes: mean [D], log_std [D], action [D]. Sums and exponentials in double whatever `real` is. */
#ifndef PPO_GAUSSIAN_H
#define PPO_GAUSSIAN_H

#include "core/real.h"
#include "core/rng.h"

#define GAUSSIAN_LOG_SQRT_2PI 0.91893853320467274178 /* log(sqrt(2 pi)) */

/* log pi(action) = sum_j -(a_j - mean_j)^2 / (2 sigma_j^2) - log_std_j - log sqrt(2 pi)
 * (torch.distributions.Normal.log_prob, summed over j). */
double gaussian_logprob(int D, const real *mean, const real *log_std, const real *action);

/* The entropy sum_j (1/2 + log sqrt(2 pi) + log_std_j) (Normal.entropy, summed over j). */
double gaussian_entropy(int D, const real *log_std);

/* Draws action [D] = mean + exp(log_std) * z with z_j = rng_normal(rng) (two uniform draws
 * each), and writes its log-probability into *logprob. */
void gaussian_sample(int D, const real *mean, const real *log_std, Rng *rng, real *action,
                     real *logprob);

#endif
