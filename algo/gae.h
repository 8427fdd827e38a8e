/* gae.h: generalized advantage estimation (Schulman et al. 2016, "High-Dimensional Continuous
 * Control Using Generalized Advantage Estimation", eq. 16), as CleanRL's ppo.py computes it, with
 * the truncation bootstrap of SB3 / Gymnasium (Pardo et al. 2018, "Time Limits in RL").
 *
 * Over a rollout of T steps of N envs, all arrays row-major [T, N]: step t of env n took the
 * observation whose value estimate is values[t, n], got rewards[t, n], and ended its episode
 * when terminated[t, n] or truncated[t, n].
 *   - terminated (it wins when both are set): the next value is 0;
 *   - truncated only: the next value is final_values[t, n] = V(final_obs), the value of the true
 *     last observation computed from the episode's own recurrent state; never values[t + 1, n],
 *     which belongs to the next episode's first observation;
 *   - otherwise: values[t + 1, n], or next_values[n] = V(obs after the rollout) at t = T - 1.
 * The recursion A_t = delta_t + gamma * lambda * A_{t+1} is cut at every episode end.
 * returns = advantages + values. */
#ifndef PPO_GAE_H
#define PPO_GAE_H

#include <stdint.h>

/* GAE over a rollout as the top of this file says: reads rewards, values, terminated, truncated,
 * final_values [T, N] and next_values [N]; writes advantages and returns [T, N]. Sums in double. */
void gae_compute(int T, int N, const float *rewards, const float *values,
                 const uint8_t *terminated, const uint8_t *truncated, const float *final_values,
                 const float *next_values, double gamma, double lambda, float *advantages,
                 float *returns);

#endif
