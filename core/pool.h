/* pool.h: a fixed team of n workers that run one function together: worker 0 is the calling
 * thread, workers 1 .. n-1 threads of the pool's own, started once and parked between runs. The
 * rollout steps its env slices on it and the learner its gradient parts, so the cores that step
 * the envs also compute the update.
 *
 * Each run is a barrier: pool_run returns when every worker has returned. Which worker does
 * which index is fixed (index i on worker i), so a run's results do not depend on scheduling. */
#ifndef PPO_POOL_H
#define PPO_POOL_H

#include "core/err.h"

typedef struct Pool Pool;

/* The work of one run: called as fn(ctx, i) for every worker i in 0 .. n-1. */
typedef void (*PoolFn)(void *ctx, int i);

/* Makes a pool of n >= 1 workers (n - 1 threads). Errors: out of memory, a thread that cannot
 * be started. */
int pool_create(Pool **out, int n, Err *err);

/* Stops the threads and frees the pool (NULL is allowed). */
void pool_destroy(Pool *p);

/* The number of workers n (1 for a NULL pool). */
int pool_size(const Pool *p);

/* Runs fn(ctx, i) for i = 0 .. n-1, index i on worker i (0 on the calling thread), and returns
 * when all have returned. A NULL pool runs fn(ctx, 0) on the caller. Not reentrant: one run at a
 * time, from one thread. */
void pool_run(Pool *p, PoolFn fn, void *ctx);

#endif
