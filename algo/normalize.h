/* normalize.h: observation normalization and reward scaling (Gymnasium 0.29's
 * NormalizeObservation and NormalizeReward wrappers, which CleanRL's ppo_continuous_action.py
 * applies with clipping to [-10, 10]; SB3's VecNormalize), over all envs of all ranks.
 *
 * RunningStats is gymnasium.wrappers.normalize.RunningMeanStd: a running mean and (population)
 * variance per dimension, starting at mean 0, var 1, count 1e-4, merged with each batch by
 * update_mean_var_count_from_moments (Chan et al. 1979's parallel formula).
 *
 * Observations: the policy sees (obs - mean) / sqrt(var + 1e-8), clipped to [-clip_obs,
 * clip_obs]. The wrapper updates the statistics with every step's observations before
 * normalizing them; here the statistics are frozen for a rollout (the rollout workers run in
 * parallel and read them) and updated after it from the raw observations it returned, rows
 * 1 .. T, so a run is the same for any number of workers. Evaluation and `ppo watch` use the
 * statistics saved with the checkpoint, frozen.
 *
 * Rewards, exactly as the wrapper over the vector of all envs: step by step, each env's
 * discounted return ret = ret * gamma * (1 - terminated) + r (not reset at truncation, as the
 * wrapper), the statistics of the returns updated with that step's returns of all envs, and
 * every reward divided by sqrt(var + 1e-8), clipped to [-clip_reward, clip_reward]. The
 * logged episode returns stay the env's own. */
#ifndef PPO_NORMALIZE_H
#define PPO_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dist.h"
#include "core/err.h"

#define NORM_EPSILON 1e-8 /* added to the variance before the square root */
#define NORM_COUNT0 1e-4  /* RunningMeanStd's initial count */

typedef struct RunningStats {
    int dim;
    double *mean; /* [dim] */
    double *var;  /* [dim] population variance */
    double count;
} RunningStats;

/* Allocates stats of dim dimensions at mean 0, var 1, count NORM_COUNT0. Errors: out of memory. */
int running_stats_init(RunningStats *rs, int dim, Err *err);

/* Frees what running_stats_init allocated (a zeroed RunningStats is fine). */
void running_stats_free(RunningStats *rs);

/* Merges a batch with mean bmean [dim], population variance bvar [dim] and bcount samples into rs
 * (update_mean_var_count_from_moments). */
void running_stats_merge(RunningStats *rs, const double *bmean, const double *bvar, double bcount);

/* out [dim] = clip((x - mean) / sqrt(var + NORM_EPSILON), -clip, clip); x and out may be the same. */
void running_stats_normalize(const RunningStats *rs, double clip, const float *x, float *out);

/* Both normalizations of a run: which are on, their statistics, and each env's discounted return. */
typedef struct Normalizer {
    bool obs_on, reward_on;
    double clip_obs, clip_reward, gamma;
    RunningStats obs;     /* [obs_dim] */
    RunningStats ret;     /* [1] */
    int n_envs;
    double *returns;      /* [n_envs] each env's discounted return so far (reward scaling) */
} Normalizer;

/* Sets up a normalizer for n_envs envs of obs_dim observations. Errors: out of memory. */
int normalizer_init(Normalizer *n, bool obs_on, bool reward_on, double clip_obs, double clip_reward,
                    double gamma, int obs_dim, int n_envs, Err *err);

/* Frees what normalizer_init allocated. */
void normalizer_free(Normalizer *n);

/* After a rollout of T steps of N envs (this rank's): merges the observation statistics with
 * the raw observations raw_obs [T + 1, N, O] rows 1 .. T (when obs_on), and scales rewards
 * [T, N] in place (when reward_on) as the top of this file says, using terminated [T, N]. The
 * batch moments are summed over the ranks of d (NULL: this process alone), in two passes (mean,
 * then squared deviations). Returns 0, or -1 when a collective failed. */
int normalizer_after_rollout(Normalizer *n, Dist *d, int T, int N, const float *raw_obs, float *rewards,
                             const uint8_t *terminated);

#endif
