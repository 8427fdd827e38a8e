/* vecenv.h: N envs of one kind stepped together over caller-owned contiguous buffers, with
 * same-step autoreset (Gymnasium's SyncVectorEnv with autoreset_mode SAME_STEP; SB3's VecEnv).
 *
 * Buffers, all row-major and owned by the caller, passed on every call so a rollout can write
 * straight into its storage:
 *   obs [N, obs_dim] float32, reward [N] float32, terminated [N] uint8, truncated [N] uint8,
 *   final_obs [N, obs_dim] float32, actions [N] int32 (discrete envs) or [N, action_dim]
 *   float32 (continuous envs, vecenv_step_box).
 * When env i's episode ends (terminated or truncated) inside vecenv_step, the env resets at once:
 * obs[i] is the first observation of the new episode and final_obs[i] the true last observation
 * of the ended one (final_obs[i] is left untouched for envs that did not end). Finished episodes
 * (return, length, how they ended) are logged and collected with vecenv_drain_episodes. */
#ifndef PPO_VECENV_H
#define PPO_VECENV_H

#include <stdint.h>

#include "envs/env.h"

typedef struct Episode {
    float ret;          /* sum of rewards over the episode */
    int32_t length;     /* steps in the episode */
    uint8_t terminated; /* 1: the task ended it; 0: truncated at max_steps */
    int32_t env_index;  /* which env of the VecEnv (0 .. N-1) */
} Episode;

typedef struct VecEnv {
    int n;         /* number of envs */
    int obs_dim;   /* floats per observation */
    int n_actions; /* discrete actions; 0 for a continuous env */
    int action_dim; /* continuous envs: dimensions of the action box; 0 for a discrete env */
    Env **envs;    /* [n] */
    float *ep_return;  /* [n] return so far of each env's current episode */
    int32_t *ep_length; /* [n] steps so far of each env's current episode */
    Episode *log;  /* [log_cap] finished episodes not yet drained */
    int log_len, log_cap;
    long dropped;  /* finished episodes not logged because the log was full */
} VecEnv;

/* Creates n envs from cfg; env j is seeded with (seed, first_stream + j), so slices of one run
 * (workers, MPI ranks) can be made with distinct streams. log_cap bounds the finished episodes
 * kept between two drains (later ones are counted in `dropped`). Errors: those of env_create,
 * n < 1, out of memory. */
int vecenv_create(VecEnv **out, const EnvConfig *cfg, int n, uint64_t seed, uint64_t first_stream,
                  int log_cap, Err *err);

/* Frees a VecEnv (NULL is allowed). */
void vecenv_destroy(VecEnv *v);

/* Resets every env and writes the first observations into obs [n, obs_dim]. */
void vecenv_reset(VecEnv *v, float *obs);

/* Steps env i with actions[i] for every i, with same-step autoreset (see the top of this file).
 * Writes obs [n, obs_dim], reward [n], terminated [n], truncated [n], and final_obs rows of the
 * envs whose episode ended. actions must be in 0 .. n_actions - 1. */
void vecenv_step(VecEnv *v, const int32_t *actions, float *obs, float *reward, uint8_t *terminated,
                 uint8_t *truncated, float *final_obs);

/* vecenv_step for continuous envs: actions [n, action_dim] are clipped to each env's box
 * (Gymnasium's ClipAction wrapper, as CleanRL's ppo_continuous_action.py applies it) and then
 * applied; the caller's actions are left as they are. */
void vecenv_step_box(VecEnv *v, const float *actions, float *obs, float *reward, uint8_t *terminated,
                     uint8_t *truncated, float *final_obs);

/* Copies up to max finished episodes, oldest first, into out and removes them from the log;
 * returns how many were copied. */
int vecenv_drain_episodes(VecEnv *v, Episode *out, int max);

#endif
