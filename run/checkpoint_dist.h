/* checkpoint_dist.h: one checkpoint for a run over MPI ranks (dist.h).
 *
 * Parameters, Adam state, counters, the learner's RNG and the recent episodes are the same on
 * every rank; what differs is per env: each rank's sampling RNGs, env states and carried
 * rollout rows (recurrent state, observation, episode start, previous action, return and
 * length so far). checkpoint_gather collects those of every rank to rank 0 in rank order, so
 * the file rank 0 writes holds num_envs = ranks x N envs, env r * N + i being env i of rank r
 * (the env seeded with stream r * N + i, rollout.h). Resuming, every rank reads the whole file
 * and takes its own slice r * N .. r * N + N - 1 (snapshot.c: snapshot_restore), which is why a
 * checkpoint resumes with the number of ranks that saved it. */
#ifndef PPO_CHECKPOINT_DIST_H
#define PPO_CHECKPOINT_DIST_H

#include "core/dist.h"
#include "run/checkpoint.h"

/* Collective. local describes this rank's N = local->num_envs envs (the same N, env state size,
 * obs_dim and state_size on every rank). On rank 0, fills *all with local's fields and views,
 * except the per-env arrays: allocated copies of every rank's, num_envs = ranks x N. On the
 * other ranks *all is zeroed. Free with checkpoint_gather_free. Errors: out of memory (on any
 * rank: reported on every rank), a failed collective. */
int checkpoint_gather(Dist *d, const Checkpoint *local, Checkpoint *all, Err *err);

/* Frees the arrays checkpoint_gather allocated (a zeroed Checkpoint is fine). */
void checkpoint_gather_free(Checkpoint *all);

#endif
