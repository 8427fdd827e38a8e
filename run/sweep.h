/* sweep.h: running a sweep's runs (sweep_file.h), several at a time, as processes of their own.
 *
 * Each run is `ppo train CONFIG --set ...` (its overrides: sweep_run_sets), then one `ppo eval`
 * per checkpoint and policy mode of the sweep's eval protocol, each a fork and exec of the ppo
 * binary, its output appended to OUT/logs/NAME.log. The files of the sweep's folder OUT:
 *   OUT/runs/NAME/                        the run folder (ppo train's)
 *   OUT/logs/NAME.log                     the output of every process of the run
 *   OUT/evals/NAME.CKPT.MODE.csv          ppo eval --csv of checkpoint CKPT (final: latest.ckpt,
 *                                         best: best.ckpt) in MODE (deterministic, sampled)
 *   OUT/status/NAME                       "done", or "failed: WHY", once the run has ended
 * A run is done once its status says so. Started again, a sweep skips the runs that are done;
 * a run whose folder holds a checkpoint continues from it (`ppo resume`, exact: trainer.h);
 * a folder without one (stopped before its first checkpoint) is moved aside to
 * NAME.incomplete[-K] and the run starts anew; a run that failed is tried again.
 *
 * Stopping: when *stop becomes non-zero (SIGINT, SIGTERM) every running process is sent
 * SIGTERM (a training saves its checkpoint and exits; its run resumes next time) and the sweep
 * ends once they have. The runs die with the sweep (PR_SET_PDEATHSIG: SIGTERM), so a sweep
 * killed with SIGKILL leaves no run behind either. Each run is a process group of its own: a
 * Ctrl-C on the terminal reaches the sweep alone, which passes one SIGTERM on.
 *
 * Under MPI (dist with several ranks) run r belongs to rank r % ranks: every rank runs its own
 * share with its own jobs, no rank waits for another's runs, and the runs themselves are plain
 * one-process runs (the launcher's variables are left out of their environment). The ranks meet
 * in one small all-reduce per tick (the counts for the progress line, a stop asked anywhere)
 * and end together; OUT must be a folder every rank sees. */
#ifndef PPO_SWEEP_H
#define PPO_SWEEP_H

#include <signal.h>
#include <stdbool.h>

#include "core/dist.h"
#include "core/err.h"
#include "run/sweep_file.h"

typedef struct SweepOptions {
    const char *exe;             /* the ppo binary the runs are started with (/proc/self/exe) */
    int jobs;                    /* runs at a time in this process (>= 1) */
    volatile sig_atomic_t *stop; /* set asynchronously to stop; may be NULL */
    Dist *dist;                  /* NULL: one process */
    bool quiet;                  /* no progress line */
} SweepOptions;

/* What a sweep invocation ended with, over every rank. */
typedef struct SweepCounts {
    int total, done, failed; /* runs in the sweep, done (before or now), failed */
    bool stopped;            /* stopped on request before every run ended */
} SweepCounts;

/* Runs the runs of sw that are not done, opts->jobs at a time, showing one progress line (on
 * rank 0; redrawn on a terminal, plain lines otherwise). A failed run is reported on its own
 * line and the others go on. Errors (the sweep itself cannot go on): OUT cannot be made or
 * locked (another sweep in it: ERR_INPUT), a fork fails, a collective fails. */
int sweep_execute(const Sweep *sw, const SweepOptions *opts, SweepCounts *counts, Err *err);

/* The status of run r from OUT/status/NAME: 1 done, -1 failed (why [cap] says why), 0 not ended
 * (or never started). */
int sweep_run_status(const Sweep *sw, int r, char *why, size_t cap);

/* The path of a run's file: OUT/SUB/NAME plus suffix, into path [PATH_LEN]. */
int sweep_run_file(const Sweep *sw, int r, const char *sub, const char *suffix, char *path, Err *err);

#endif
