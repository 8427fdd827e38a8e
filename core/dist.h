/* dist.h: data-parallel training over MPI: which rank this process is, and the few collective
 * operations data-parallel training needs. The only module that includes mpi.h.
 *
 * Built with MPI (`make MPI=1`, or by default when pkg-config finds Open MPI's ompi-c) the
 * functions wrap MPI; built without it they are the world of one process (rank 0, size 1:
 * sums, broadcasts and gathers leave or copy the data as it is), so callers have one code
 * path. A NULL Dist is that one-process world too, for callers (tests) that never made one.
 *
 * A process joins an MPI job only when a launcher started it (mpirun / mpiexec of Open MPI,
 * Slurm's srun with PMIx, MPICH's hydra: the environment holds OMPI_COMM_WORLD_SIZE,
 * PMIX_RANK or PMI_SIZE). `ppo train` run by hand never calls MPI_Init, so it behaves and
 * performs exactly as a build without MPI (Open MPI's "singleton" start would spawn a helper
 * daemon for nothing).
 *
 * Only the thread that called dist_init calls MPI (MPI_THREAD_FUNNELED): the rollout worker
 * threads never communicate. Unless the user set them, dist_init sets two Open MPI defaults: a
 * rank waiting in a collective yields its core (mpi_yield_when_idle), and shared-memory
 * messages are not copied with process_vm_readv (btl_vader_single_copy_mechanism none), which
 * containers forbid.
 *
 * Errors: communication runs on a private duplicate of MPI_COMM_WORLD with MPI_ERRORS_RETURN, so
 * a failed collective returns -1 with MPI's own error string instead of aborting inside MPI.
 * The first failure is sticky: every later collective fails at once with the same message
 * (dist_error), and dist_finalize then aborts the job rather than wait in MPI_Finalize for a
 * peer that is gone. When a rank dies, Open MPI's mpirun itself kills the other ranks
 * (SIGTERM, then SIGKILL a second later; see README "Several machines (MPI)"), so survivors
 * blocked in a collective on shared memory do not hang either.
 *
 * Sizes are in bytes or elements as named; MPI counts are ints, so one call moves at most
 * INT_MAX elements (bigger requests fail with a message, never truncate). */
#ifndef PPO_DIST_H
#define PPO_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct Dist Dist;

/* True when this build has MPI in it. */
bool dist_available(void);

/* Joins the MPI job when a launcher started this process (MPI_Init_thread), else makes the
 * one-process world. Errors: MPI_Init_thread fails or gives less than MPI_THREAD_FUNNELED,
 * out of memory. Call at most once per process. */
int dist_init(Dist **out, Err *err);

/* Leaves the job and frees d (NULL is allowed): MPI_Finalize (a collective: every rank must
 * get here), or MPI_Abort(code) when a collective failed earlier (a peer is gone and
 * MPI_Finalize could wait for it forever). Returns code, for `return dist_finalize(d, rc);`. */
int dist_finalize(Dist *d, int code);

int dist_rank(const Dist *d); /* 0 .. size - 1 */
int dist_size(const Dist *d); /* number of ranks (1 without MPI) */

/* Whether this process was started by an MPI launcher (mpirun, srun) and joined its job. Its
 * stdout then goes through the launcher, which may hand it a terminal that is not the user's. */
bool dist_launched(const Dist *d);

/* How many ranks of the job run on this host (MPI_COMM_TYPE_SHARED); 1 without MPI. */
int dist_local_size(const Dist *d);

/* Whether the environment entry "NAME=VALUE" is one an MPI launcher sets for its ranks (OMPI_*,
 * PMIX_*, PMI_*, OPAL_*): a process a rank starts (a sweep's runs) leaves them out of its
 * environment, so that it runs as a process of its own, not as a rank of the job. */
bool dist_launcher_variable(const char *entry);

/* The message of the first failed collective, or NULL when none failed. */
const char *dist_error(const Dist *d);

/* One line for logs, e.g. "2 ranks (Open MPI v4.1.4)" or "1 process (built without MPI)". */
void dist_describe(const Dist *d, char *buf, size_t cap);

/* In-place element-wise sums over the ranks (MPI_Allreduce with MPI_SUM): afterwards every
 * rank holds x [n] = sum over ranks of its x. Floats are summed in float, doubles in double. */
int dist_sum_float(Dist *d, float *x, size_t n, Err *err);
int dist_sum_double(Dist *d, double *x, size_t n, Err *err);

/* In-place element-wise maximum of x [n] over the ranks. */
int dist_max_int(Dist *d, int *x, size_t n, Err *err);

/* Copies rank 0's buf [bytes] into every rank's buf (MPI_Bcast). */
int dist_bcast(Dist *d, void *buf, size_t bytes, Err *err);

/* Rank 0 receives every rank's send [bytes] (the same size on every rank) into
 * recv [size * bytes], rank r's bytes at r * bytes (MPI_Gather). recv is unused elsewhere. */
int dist_gather(Dist *d, const void *send, size_t bytes, void *recv, Err *err);

/* Every rank receives every rank's send [bytes] into recv [size * bytes] (MPI_Allgather). */
int dist_allgather(Dist *d, const void *send, size_t bytes, void *recv, Err *err);

/* As dist_allgather with a size per rank (MPI_Allgatherv): recv [cap] receives the ranks'
 * bytes back to back in rank order, *total bytes in all. Errors: the total exceeds cap (on
 * every rank alike). */
int dist_allgatherv(Dist *d, const void *send, size_t bytes, void *recv, size_t cap,
                    size_t *total, Err *err);

/* Whether every rank has code 0: returns the largest code over the ranks (0 when all are 0)
 * and sets *n_failed (when not NULL) to how many ranks have a non-zero code. Used so that a
 * step that can fail on one rank only (a file on rank 0, memory on one host) fails on all. If
 * the agreement itself cannot be reached, returns local code, or 1 when that is 0, with the
 * communication error in err (when it is not NULL). */
int dist_agree(Dist *d, int code, int *n_failed, Err *err);

/* A step that may fail on some ranks only (a file on rank 0, memory on one host) made to fail on
 * every rank: rc is this rank's result (0, or -1 with its failure in err). Returns 0 when every
 * rank succeeded; else -1 on every rank, err holding this rank's own message where it failed,
 * else "stopped because another rank failed (its message says why)"; the kind is ERR_INPUT when
 * some rank failed on input, and err->elsewhere is set where another rank prints the failure
 * (on the ranks that did not fail; on ranks other than 0 when every rank failed). When the
 * agreement itself fails, every rank holds the communication error. */
int dist_agree_err(Dist *d, int rc, Err *err);

/* Checks that every rank holds the same value (e.g. a hash of the parameters); on a mismatch
 * returns -1 on every rank with a message naming `what` and each rank's value. */
int dist_check_same(Dist *d, uint64_t value, const char *what, Err *err);

#endif
