/* progress.h: RUN_DIR/progress.csv, one row per update, the log `ppo plot` draws and users read
 * with pandas or a spreadsheet. Columns (PROGRESS_HEADER), CleanRL's names where it logs them:
 *   update, global_step        the update's number and the env steps after it (all envs, ranks)
 *   seconds, sps               training wall-clock so far (s) and this update's env steps per second
 *   episodes                   episodes finished so far
 *   return_mean, return_min, return_max, length_mean
 *                              over the last EPISODE_WINDOW episodes (empty before the first)
 *   policy_loss, value_loss, entropy, approx_kl, clipfrac, explained_variance, learning_rate,
 *   grad_norm                  the update's UpdateStats (algo/learner.h)
 *   collapse                   1 on the update where the collapse warning was given (collapse.h),
 *                              else 0
 *   eval_return, eval_return_std, eval_length
 *                              the mean and standard deviation of the return, and the mean length,
 *                              of the evaluation run after this update (run.eval_interval); empty
 *                              on updates without one
 * Numbers are written with 6 significant digits; a value that is not finite is left empty.
 *
 * The file only grows: a row is appended with one write(2), and a write that fails is cut off
 * again, so the file holds whole rows only. A resume appends to it and never rewrites a row. */
#ifndef PPO_PROGRESS_H
#define PPO_PROGRESS_H

#include <stdbool.h>

#include "algo/learner.h"
#include "core/err.h"
#include "core/file.h"
#include "run/episodes.h"

#define PROGRESS_HEADER                                                                          \
    "update,global_step,seconds,sps,episodes,return_mean,return_min,return_max,length_mean,"    \
    "policy_loss,value_loss,entropy,approx_kl,clipfrac,explained_variance,learning_rate,"       \
    "grad_norm,collapse,eval_return,eval_return_std,eval_length\n"
#define PROGRESS_COLUMNS 21 /* fields of PROGRESS_HEADER */

typedef struct Progress {
    int fd;               /* -1 when closed */
    char path[PATH_LEN];  /* RUN_DIR/progress.csv */
    int columns;          /* of the file's header: rows have as many (older files have fewer) */
    long skip_through;    /* rows of updates up to this one are in the file already (written
                             before a crash that lost their checkpoint): not written again */
    long rows;            /* rows appended by this process */
} Progress;

/* One row: see the top of this file. */
typedef struct ProgressRow {
    long update, global_step;
    double seconds, sps;
    long episodes;
    EpisodeStats recent;
    const UpdateStats *stats;
    bool collapse;
    double eval_return, eval_return_std, eval_length; /* NaN: no evaluation at this update */
} ProgressRow;

/* The fields of row r in PROGRESS_HEADER's order into v [PROGRESS_COLUMNS], as numbers (update
 * and global_step too); NaN where the file leaves the field empty. */
void progress_row_values(const ProgressRow *r, double v[PROGRESS_COLUMNS]);

/* Makes RUN_DIR/progress.csv (a new file, written atomically) holding the header and, when
 * parent_csv is not NULL, the rows of that file with updates up to through_update (a branch's
 * history); then opens it for appending. Errors: the parent cannot be read, the file cannot be
 * written or opened. */
int progress_create(Progress *p, const char *dir, const char *parent_csv, long through_update,
                    Err *err);

/* Opens RUN_DIR/progress.csv of a run that is resumed in place, for appending after its last
 * row (a missing file is made with the header). Rows already there stay as they are. Errors:
 * the file cannot be read or opened. */
int progress_resume(Progress *p, const char *dir, Err *err);

/* Appends one row: nothing when its update is in the file already (skip_through). The row is
 * one write(2) on the O_APPEND file; when the write fails (a full disk) the file is cut back to
 * its size before, so no torn row remains. Errors: the write fails (the message names the file
 * and the reason). */
int progress_append(Progress *p, const ProgressRow *row, Err *err);

#define PROGRESS_READ_MAX 8 /* columns progress_read returns at most */

/* A progress.csv read back: the global_step of every row and the columns asked for. */
typedef struct ProgressTable {
    int n;                             /* rows (those with a global_step) */
    double *step;                      /* [n] global_step */
    double *col[PROGRESS_READ_MAX];    /* [n] each column asked for; NaN where empty or not a number */
} ProgressTable;

/* Reads the progress.csv at path, for the columns named in columns [n_cols] (n_cols at most
 * PROGRESS_READ_MAX), found by name in its header. Lines that are not rows (a torn last line,
 * text) are skipped. Errors (ERR_INPUT, naming the file): it cannot be read, has no header, no
 * global_step or no column asked for, or no row. Free with progress_table_free. */
int progress_read(const char *path, const char *const *columns, int n_cols, ProgressTable *t,
                  Err *err);
void progress_table_free(ProgressTable *t);

/* fsync of the file, so that every row appended is on disk. */
int progress_sync(Progress *p, Err *err);

/* Closes the file (a closed or never opened Progress is fine). */
void progress_close(Progress *p);

#endif
