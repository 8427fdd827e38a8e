/* progress.h: RUN_DIR/progress.csv, one row per update, the log `ppo plot` draws and users read
 * with pandas or a spreadsheet. Columns (PROGRESS_HEADER), CleanRL's names where it logs them:
 *   update, global_step        the update's number and the env steps after it (all envs, ranks)
 *   seconds, sps               training wall-clock so far (s) and this update's env steps per second
 *   episodes                   episodes finished so far
 *   return_mean, return_min, return_max, length_mean
 *                              over the last EPISODE_WINDOW episodes (empty before the first)
 *   policy_loss, value_loss, entropy, approx_kl, clipfrac, explained_variance, learning_rate,
 *   grad_norm                  the update's UpdateStats (algo/learner.h)
 * Numbers are written with 6 significant digits; a value that is not finite is left empty. */
#ifndef PPO_PROGRESS_H
#define PPO_PROGRESS_H

#include "algo/learner.h"
#include "core/err.h"
#include "core/file.h"
#include "run/episodes.h"

#define PROGRESS_HEADER                                                                          \
    "update,global_step,seconds,sps,episodes,return_mean,return_min,return_max,length_mean,"    \
    "policy_loss,value_loss,entropy,approx_kl,clipfrac,explained_variance,learning_rate,"       \
    "grad_norm\n"

typedef struct Progress {
    int fd;               /* -1 when closed */
    char path[PATH_LEN];  /* RUN_DIR/progress.csv */
} Progress;

/* One row: see the top of this file. */
typedef struct ProgressRow {
    long update, global_step;
    double seconds, sps;
    long episodes;
    EpisodeStats recent;
    const UpdateStats *stats;
} ProgressRow;

/* Opens RUN_DIR/progress.csv for appending. keep_update < 0: a new file holding the header;
 * else (a resume) the file is first rewritten atomically with the header and its rows of updates
 * up to keep_update only. Errors: the file cannot be read, written or opened. */
int progress_open(Progress *p, const char *dir, long keep_update, Err *err);

/* Appends one row with a single write(2) on the O_APPEND file: a row lands whole or not at all.
 * Errors: the write fails (the message names the file). */
int progress_append(Progress *p, const ProgressRow *row, Err *err);

/* fsync of the file, so that every row appended is on disk. */
int progress_sync(Progress *p, Err *err);

/* Closes the file (a closed or never opened Progress is fine). */
void progress_close(Progress *p);

#endif
