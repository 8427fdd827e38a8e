/* trainer.h: a whole training run: rollouts, PPO updates, logging, checkpoints.
 *
 * trainer_run creates runs/<run_name>/ (run_dir.h) with config.yaml (the resolved config),
 * progress.csv (one row per update, progress.h), checkpoints/ (latest.ckpt, best.ckpt,
 * update_NNNNNN.ckpt for the last keep_checkpoints intervals), the TensorBoard event file
 * (tensorboard.h) and videos/ (run.record_interval), and shows a one-line status
 * (status.h). It stops at total_timesteps, at stop_return, on NaN/Inf (an error, the last good
 * checkpoint kept), or when *stop becomes non-zero (SIGINT/SIGTERM: the current update
 * finishes, a checkpoint is saved).
 *
 * Over MPI (opts->dist with several ranks; every rank calls trainer_run with the same config):
 * each rank steps run.num_envs envs of its own (rank r's env i is env r * num_envs + i of the
 * run: its RNG streams, algo/rollout.h), the learner averages gradients over the ranks
 * (algo/learner.h), and an update is num_envs x num_steps x ranks env steps, which
 * total_timesteps and global_step count. Parameters start as rank 0's (broadcast). Episode
 * statistics (the recent returns, stop_return) cover the episodes of every rank. Rank 0 alone
 * writes the run folder (config.yaml, progress.csv, checkpoints holding every rank's envs:
 * checkpoint_dist.h) and shows the status. A step that fails on one rank (a file on rank 0,
 * memory) fails on all (dist_agree_err), so no rank is left waiting; a stop request seen by
 * any rank stops all after the same update. */
#ifndef PPO_TRAINER_H
#define PPO_TRAINER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/dist.h"
#include "core/err.h"
#include "core/file.h"
#include "policies/policy.h"
#include "run/config.h"
#include "run/status.h"

/* Called on the training thread once before the first update (with the initial or resumed
 * parameters) and after every update, with the policy whose parameters it may read (copy)
 * during the call and no longer. It must return quickly: training waits for it. */
typedef void (*TrainUpdateFn)(void *ctx, const Policy *policy, const TrainProgress *progress);

/* Records one episode of env played by the policy as a GIF at path (run.record_interval): the
 * env seeded (seed, 0) and actions by argmax when deterministic, else sampled from (seed, 2^40),
 * as evaluate's env 0 plays. Called on the training thread of rank 0 with a policy it may read
 * during the call only. The viewer draws (run/ cannot): the command line passes its function.
 * Returns 0, or -1 with err. */
typedef int (*TrainRecordFn)(void *ctx, const Policy *policy, const EnvConfig *env, uint64_t seed,
                             bool deterministic, const char *path, Err *err);

typedef struct TrainOptions {
    const char *config_path;           /* the config as given (for the default run name) */
    const char *resume;                /* checkpoint to resume from, or NULL */
    const char *run_dir;               /* with resume: the run folder to continue in; NULL: the
                                          folder the checkpoint is in (RUN_DIR/checkpoints/X), else
                                          the one its config names */
    bool quiet;                        /* no status line or log lines */
    long max_updates;                  /* stop (and save) after this many updates; 0 = no limit */
    volatile sig_atomic_t *stop;       /* set asynchronously to ask for a clean stop; may be NULL */
    TrainUpdateFn on_update;           /* e.g. the live viewer's; may be NULL */
    void *on_update_ctx;               /* passed to on_update */
    Dist *dist;                        /* the MPI ranks training together; NULL: one process */
    bool check_ranks;                  /* after every update, compare a hash of the parameters
                                          over the ranks and stop with an error on a mismatch */
    TrainRecordFn record;              /* run.record_interval's recordings; NULL: none (a warning) */
    void *record_ctx;                  /* passed to record */
} TrainOptions;

/* What a finished run reports. */
typedef struct TrainResult {
    long global_step;        /* env steps of the whole run, over all envs (and ranks) */
    long steps;              /* env steps trained by this invocation */
    long updates;            /* updates run by this invocation */
    double seconds;          /* wall-clock of this invocation */
    double mean_return;      /* over the last EPISODE_WINDOW episodes (NaN if none) */
    double eval_return;      /* the last evaluation's mean return (NaN if none; run.eval_interval) */
    double first_solve_step; /* global step when stop_return was first reached (or -1) */
    char run_dir[PATH_LEN];
    char checkpoint[PATH_LEN]; /* latest.ckpt */
    bool stopped;            /* ended by *stop */
    uint64_t params_hash;    /* FNV-1a hash of the final parameters (equal on every rank) */
} TrainResult;

/* Runs training as cfg says. Errors (the kind in err says bad input or a failed run; under MPI
 * err->elsewhere says another rank prints it): the run folder exists or cannot be made, a
 * checkpoint that does not match the config (ERR_INPUT); NaN/Inf in training, a write failing
 * (ERR_FAILED). */
int trainer_run(const TrainConfig *cfg, const TrainOptions *opts, TrainResult *result, Err *err);

#endif
