/* evaluate.h: playing a trained policy: loading it from a checkpoint, and evaluation episodes.
 *
 * The policy runs exactly as in rollouts: its recurrent state is carried from step to step
 * within an episode and wiped at the episode's first step, with the previous action fed back
 * when the policy takes it. */
#ifndef PPO_EVALUATE_H
#define PPO_EVALUATE_H

#include <stdbool.h>
#include <stdint.h>

#include "algo/normalize.h"
#include "policies/policy.h"
#include "run/checkpoint.h"
#include "run/config.h"

/* Reads the config stored in ck into cfg, creates the policy it describes and loads the
 * checkpoint's parameters into it. The env is the checkpoint's own, with the map it holds; or
 * env_name (when not NULL: another env with the same observation and action sizes); or, with
 * map_path (not NULL), gridworld/map on that map file, whose text map_text the caller has read.
 * cfg->env.map_text then points into ck or map_text: keep them while cfg makes envs. Errors
 * (ERR_INPUT): a config that does not load, an env that does not exist, a policy whose sizes do
 * not fit the env (e.g. a CartPole checkpoint asked to play a gridworld), a parameter count or
 * a tensor that does not fit the config. */
int policy_from_checkpoint(const Checkpoint *ck, const char *path, const char *env_name,
                           const char *map_path, const char *map_text, TrainConfig *cfg,
                           Policy **out, Err *err);

typedef struct EvalOptions {
    int episodes;       /* how many episodes in all */
    uint64_t seed;      /* env j is seeded (seed, j); its action sampler (seed, 2^40 + j) */
    bool deterministic; /* argmax action instead of sampling */
    int num_envs;       /* episodes run side by side (each env runs a fixed share) */
    const RunningStats *obs_norm; /* frozen observation statistics the policy was trained with
                                     (algo/normalize.h); NULL: raw observations */
    double clip_obs;    /* with obs_norm: the clip of the normalized observations */
} EvalOptions;

/* The observation statistics ck was trained with, as a view into ck filled into *view (valid
 * while ck is), with their clip into *clip_obs; NULL when the run did not normalize
 * observations. For EvalOptions.obs_norm and `ppo watch`. */
const RunningStats *checkpoint_obs_norm(const Checkpoint *ck, RunningStats *view, double *clip_obs);

typedef struct EvalEpisode {
    float ret;
    int32_t length;
    uint8_t terminated;
} EvalEpisode;

/* Runs opts->episodes episodes of env_cfg with policy; episode e is the (e / num_envs)-th
 * episode of env e % num_envs, so the figures do not depend on how long episodes take. Writes
 * episodes [opts->episodes]. Errors: env creation, out of memory. */
int evaluate(const Policy *policy, const EnvConfig *env_cfg, const EvalOptions *opts,
             EvalEpisode *episodes, Err *err);

#endif
