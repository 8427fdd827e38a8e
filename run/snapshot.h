/* snapshot.h: a training run's whole state as a Checkpoint, and back again: what lets a run
 * resume bit for bit (checkpoint.h has the file format). A snapshot holds the parameters and
 * Adam's moments and step (tensors "params/...", "adam_m/...", "adam_v/..."), the learner's
 * shuffle RNG, each env's action sampler, env state and carried rollout row (recurrent state,
 * observation, episode start, previous action, return and length so far), and the run's
 * counters and window of recent episodes; with ppo.count_bonus, the bonus's observation counts.
 *
 * Legend: N envs of this process, O obs_dim, S state_size, A n_actions. */
#ifndef PPO_SNAPSHOT_H
#define PPO_SNAPSHOT_H

#include "algo/learner.h"
#include "algo/rollout.h"
#include "core/err.h"
#include "policies/policy.h"
#include "run/checkpoint.h"
#include "run/episodes.h"

/* The counters of a run that a checkpoint keeps besides the policy, learner and rollout. */
typedef struct RunCounters {
    long global_step;     /* env steps so far, every env of every rank */
    long update;          /* updates done */
    long episodes;        /* episodes finished */
    double best_return;   /* best window mean at a checkpoint so far (NaN before any) */
    double seconds;       /* of training so far, earlier invocations included */
    EpisodeWindow recent; /* the last episodes finished, of every rank */
} RunCounters;

/* Fills ck with this process's state: views of the policy's, learner's and rollout's arrays
 * (nothing is copied that can be pointed at) and copies of the env states and of the count
 * bonus's table (CNTS, with ppo.count_bonus); env's name and map
 * (env->map, env->map_text) and the resolved config_yaml go into it too. Valid while those are
 * unchanged; free with snapshot_free. Errors: out of memory. */
int snapshot_take(Checkpoint *ck, const EnvConfig *env, const char *config_yaml, const Policy *p,
                  const Learner *l, Rollout *r, const RunCounters *c, Err *err);

/* Whether every float ck holds is finite: the tensors (parameters, Adam's moments), the carried
 * recurrent states and observations, and the episodes' returns so far. A snapshot that is not
 * is never written: a NaN is not to be resumed from. */
bool snapshot_finite(const Checkpoint *ck);

/* Frees what snapshot_take allocated. */
void snapshot_free(Checkpoint *ck);

/* Puts a checkpoint made by the same config back: with `ranks` MPI ranks, this rank's N envs are
 * the slice rank * N .. rank * N + N - 1 of the checkpoint's. Errors (ERR_INPUT, naming path):
 * sizes that do not fit (obs, actions, state, parameters, envs), a checkpoint saved by another
 * number of ranks, a tensor missing or misshapen, an env state the env refuses, a count bonus
 * table where the config has none or none where it has one (then out of memory rebuilding it). */
int snapshot_restore(const Checkpoint *ck, const char *path, int rank, int ranks, Policy *p,
                     Learner *l, Rollout *r, RunCounters *c, Err *err);

#endif
