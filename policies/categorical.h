/* categorical.h: the categorical distribution over A discrete actions that a policy's logits
 * define, pi(a) = softmax(logits)_a: log-probabilities, entropy, sampling and the most probable
 * action. The one place that turns logits into actions, for rollouts, the PPO loss, evaluation
 * and the viewer (as torch.distributions.Categorical(logits=...) in CleanRL's ppo.py).
 *
 * Shapes: logits [A] (one row), logp [A]. Sums and exponentials in double whatever `real` is. */
#ifndef PPO_CATEGORICAL_H
#define PPO_CATEGORICAL_H

#include <stdint.h>

#include "core/real.h"
#include "core/rng.h"

/* log softmax of one row: logp [A] = logits - logsumexp(logits), the maximum subtracted before
 * the exponentials. */
void categorical_log_softmax(int A, const real *logits, double *logp);

/* The entropy H = -sum_j p_j log p_j of the distribution with log-probabilities logp [A]. */
double categorical_entropy(int A, const double *logp);

/* An action drawn from softmax(logits [A]) with one uniform draw u = rng_double(rng) by the
 * inverse CDF (categorical_pick). Writes its log-probability into *logprob. */
int32_t categorical_sample(int A, const real *logits, Rng *rng, real *logprob);

/* The inverse CDF of the distribution with log-probabilities logp [A] at u in [0, 1): the first
 * a with u < p_0 + ... + p_a (the sum in double), A - 1 when rounding leaves u above the sum. */
int32_t categorical_pick(int A, const double *logp, double u);

/* The most probable action: the first index of the largest logit. */
int32_t categorical_argmax(int A, const real *logits);

#endif
