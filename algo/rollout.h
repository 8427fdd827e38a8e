/* rollout.h: the rollout buffer and the rollout workers.
 *
 * Each rollout steps N envs for T steps with the policy's step form. The workers of a pool
 * (core/pool.h) each own a contiguous slice of the envs (their VecEnv, their per-env sampling RNGs, a policy
 * workspace) and write straight into the shared buffer's rows of their slice; no two workers
 * touch the same bytes, and the policy's parameters are only read while a rollout runs.
 *
 * Buffer layout, row-major, letters as in policy.h (T steps, N envs, O obs_dim, S state_size):
 *   obs [T+1, N, O]      obs[t] is what the policy saw at step t; obs[T] the obs after the
 *                        rollout, which becomes obs[0] of the next one
 *   episode_start [T+1, N]  1 where obs[t] is the first obs of an episode
 *   prev_action [T+1, N] the action taken before obs[t] in the same episode (ignored where an
 *                        episode starts)
 *   actions, logprobs, values, rewards, terminated, truncated, final_values [T, N]:
 *                        step t's action, its log-probability and the value estimate under the
 *                        rollout's policy, the reward, how the episode ended, and V(final_obs)
 *                        where the episode was truncated (0 elsewhere)
 *   box_actions [T, N, D] a Gaussian policy's continuous actions as sampled (D = A dimensions;
 *                        before clipping to the env's box, which vecenv_step_box does; empty for
 *                        a categorical policy, whose actions are in `actions`)
 *   next_values [N]      V(obs[T]) for the GAE bootstrap
 *   state0 [N, S]        each env's policy state before step 0 (what the learner replays from)
 *   state [N, S]         the state carried from step to step and across rollouts
 *   advantages, returns [T, N]  filled by GAE after the rollout
 *   raw_obs [T+1, N, O]  with observation normalization (rollout_set_normalizer): the env's own
 *                        observations, of which obs holds the normalized ones. */
#ifndef PPO_ROLLOUT_H
#define PPO_ROLLOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/pool.h"
#include "core/rng.h"
#include "algo/count_bonus.h"
#include "algo/normalize.h"
#include "envs/vecenv.h"
#include "policies/policy.h"

/* The RNG stream of env i's action sampler is ROLLOUT_SAMPLER_STREAM + i (the env's own is i):
 * evaluation and the viewer draw actions from the same streams. */
#define ROLLOUT_SAMPLER_STREAM (1ull << 40)

typedef struct RolloutBuffer {
    int T, N, O, A;
    int D; /* continuous action dimensions (= A) for a Gaussian policy; 0 for a categorical one */
    size_t S;
    float *obs;
    uint8_t *episode_start;
    int32_t *prev_action;
    int32_t *actions;
    float *box_actions;
    float *logprobs, *values, *rewards, *final_values;
    uint8_t *terminated, *truncated;
    float *next_values;
    float *state0, *state;
    float *advantages, *returns;
    float *raw_obs; /* NULL without observation normalization */
} RolloutBuffer;

typedef struct RolloutWorker RolloutWorker;

typedef struct Rollout {
    RolloutBuffer buf;
    int n_workers;
    RolloutWorker *workers; /* [n_workers] */
    Rng *sample_rng;        /* [N] one action-sampling RNG per env */
    const Policy *policy;
    Pool *pool;             /* not owned; NULL: one worker, on the caller */
    bool fresh;      /* row 0 holds the current observations (first rollout, or restored) */
    Normalizer *norm; /* owned; NULL: neither normalization (rollout_set_normalizer) */
    CountBonus *bonus; /* owned; NULL: no count bonus (rollout_set_count_bonus) */
    double bonus_gamma;    /* the discount of the bonus return */
    double bonus_terminal; /* what the last rollout_count_bonus added to a terminated step */
    uint64_t *bonus_own;  /* [T, N] the last rollout's observation hashes */
    uint64_t *bonus_keys; /* [ranks, T, N] every rank's, rank by rank (NULL with one rank) */
    int ranks;         /* the MPI ranks whose rollouts the bonus counts (1 without MPI) */
} Rollout;

/* Creates the buffer and one worker per worker of pool (not owned; NULL: one worker) over
 * N = num_envs envs of env_cfg for the policy (read, not owned); worker w steps the contiguous
 * slice of envs N * w / W .. N * (w + 1) / W - 1. Env i (0-based within this process) is seeded
 * with (seed, first_stream + i) and samples actions from the stream (seed, 2^40 + first_stream
 * + i). Resets every env: obs[0] holds first observations, episode_start[0] = 1. Errors: env
 * creation, more workers than envs, out of memory. */
int rollout_create(Rollout **out, const EnvConfig *env_cfg, const Policy *policy, int num_envs,
                   int num_steps, Pool *pool, uint64_t seed, uint64_t first_stream, Err *err);

/* Turns on observation normalization and/or reward scaling (normalize.h) for this rollout: with
 * obs_on the workers hand the policy normalized observations (the buffer's obs) and keep the
 * env's own in raw_obs; rollout_normalize then updates the statistics and scales the rewards.
 * Call once, right after rollout_create (row 0 holds the first raw observations). Errors: out
 * of memory. */
int rollout_set_normalizer(Rollout *r, bool obs_on, bool reward_on, double clip_obs, double clip_reward,
                           double gamma, Err *err);

/* After rollout_collect: normalizer_after_rollout over this rollout (nothing without a
 * normalizer). 0, or -1 when a collective of d failed. */
int rollout_normalize(Rollout *r, Dist *d);

/* Turns on the count-based exploration bonus (count_bonus.h) of coefficient coef > 0 under
 * discount gamma (the run's ppo.gamma, in [0, 1)), counting the observations of `ranks` ranks (1
 * without MPI); rollout_count_bonus applies it. Call once, after rollout_create. Errors: gamma
 * out of [0, 1), out of memory. */
int rollout_set_count_bonus(Rollout *r, double coef, double gamma, int ranks, Err *err);

/* After rollout_collect and rollout_normalize: with a count bonus, hashes this rollout's
 * observations (rows 0 .. T - 1; the env's own where observations are normalized), gathers every
 * rank's from d (NULL or one rank: none), counts them all in rank order and adds this rank's
 * bonuses to the rewards; each terminated step's reward also gains the bonus return of the
 * episode that follows, gamma * m / (1 - gamma), m the mean bonus of every rank's steps of this
 * rollout (count_bonus.h; in bonus_terminal). 0; -1 with err set when the table cannot grow or a
 * collective fails (then every rank fails). Nothing without a count bonus. */
int rollout_count_bonus(Rollout *r, Dist *d, Err *err);

/* Frees everything but the pool (NULL is allowed). */
void rollout_destroy(Rollout *r);

/* Runs one rollout of T steps on the pool's workers and waits for it; first moves the carried row T
 * (obs, episode_start, prev_action) to row 0 unless this is the first rollout after creation
 * or a restore. */
void rollout_collect(Rollout *r);

/* Copies up to max finished episodes of all workers (in env order of the workers) into out;
 * returns how many. */
int rollout_drain_episodes(Rollout *r, Episode *out, int max);

/* The VecEnv of worker w (for saving and restoring env states). */
VecEnv *rollout_vecenv(Rollout *r, int w);

/* Env index of the first env of worker w's slice. */
int rollout_worker_first(const Rollout *r, int w);

/* The row (0 or T) of obs, episode_start and prev_action that holds the envs' current
 * observations between rollouts: row 0 before the first rollout or after rollout_mark_fresh,
 * row T after a rollout. */
int rollout_current_row(const Rollout *r);

/* Marks that row 0 holds the current observations (after restoring a checkpoint into it), so
 * the next rollout_collect does not move row T to row 0. */
void rollout_mark_fresh(Rollout *r);

#endif
