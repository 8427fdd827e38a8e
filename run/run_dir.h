/* run_dir.h: a run's folder, runs/<run_name>/: making it, finding it from a checkpoint, the
 * names of the files in it, and pruning old checkpoints.
 *
 *   RUN_DIR/config.yaml           the resolved config (run_dir_write_config)
 *   RUN_DIR/progress.csv          one row per update (progress.h)
 *   RUN_DIR/checkpoints/          latest.ckpt, best.ckpt, update_NNNNNN.ckpt (the last
 *                                 run.keep_checkpoints periodic ones)
 *   RUN_DIR/curve.png             the learning curve, drawn at the end of `ppo train`
 *   RUN_DIR/videos/               update_NNNNNN.gif, recorded episodes (run.record_interval) */
#ifndef PPO_RUN_DIR_H
#define PPO_RUN_DIR_H

#include <stdbool.h>

#include "core/err.h"
#include "run/config.h"

/* Makes cfg->run.runs_dir (with its parents) and a new run folder in it into dir [PATH_LEN]:
 * named cfg->run.run_name, or when that is empty ENV__CONFIGSTEM__sSEED ('/' in the env name
 * made '-'; CONFIGSTEM the file name of config_path without its extension), with -2, -3, ...
 * added rather than reuse a folder. Writes the name it took into cfg->run.run_name. Errors:
 * ERR_INPUT when runs_dir cannot be made or the run name given exists; ERR_FAILED when mkdir
 * fails otherwise. */
int run_dir_create(TrainConfig *cfg, const char *config_path, char *dir, Err *err);

/* Makes a new folder BASE in runs_dir (which exists), or BASE-2, BASE-3, ... when it exists, into
 * dir [PATH_LEN] and its name into name [name_cap]. Errors: mkdir fails otherwise. */
int run_dir_create_unique(const char *runs_dir, const char *base, char *dir, char *name,
                          size_t name_cap, Err *err);

/* Locks the run folder dir for this process (flock on the folder: released when the process
 * ends, however it ends, so a dead process's lock never blocks); *fd receives the descriptor
 * that holds the lock (close it to unlock). Errors: ERR_INPUT naming the process that holds
 * it ("in use by process PID"); the folder cannot be opened. */
int run_dir_lock(const char *dir, int *fd, Err *err);

/* Removes the temp files of atomic writes (NAME.tmp.PID) that a killed process left in dir and
 * dir/checkpoints, those whose PID is not a running process; returns how many. */
int run_dir_clean_stale(const char *dir);

/* The newest update a run folder holds a checkpoint of: latest.ckpt's update, or the largest N
 * of its update_N.ckpt files when latest.ckpt cannot be read; -1 when there is none. */
long run_dir_newest_update(const char *dir);

/* The run folder of a checkpoint whose path is RUN_DIR/checkpoints/NAME, into dir [PATH_LEN];
 * returns 0, or -1 when the checkpoint is not in a run folder: not in a folder named
 * checkpoints, or one whose parent holds no config.yaml (a copy kept in a checkpoints/ folder
 * of one's own is no run). */
int run_dir_of_checkpoint(const char *ckpt, char *dir);

/* Sets cfg->run.runs_dir and cfg->run.run_name to the parent and the last component of dir
 * (runs_dir "." when dir has no '/'), so the resolved config names the folder a run is in. */
void run_dir_name_config(TrainConfig *cfg, const char *dir);

/* Writes the resolved config text yaml [len] to RUN_DIR/config.yaml atomically, making
 * RUN_DIR/checkpoints/ first. Errors: a folder or the file cannot be written. */
int run_dir_write_config(const char *dir, const char *yaml, size_t len, Err *err);

/* Removes what a failed start wrote into a run folder it made (config.yaml, progress.csv,
 * curve.png, checkpoints/ when empty) and the folder itself when that leaves it empty: a folder
 * that holds nothing to resume would only block its name. */
void run_dir_remove(const char *dir);

/* The path of file NAME of a run folder, RUN_DIR/NAME, into path [PATH_LEN]. */
int run_dir_file(const char *dir, const char *name, char *path, Err *err);

/* The path of checkpoint NAME of a run folder, RUN_DIR/checkpoints/NAME, into path [PATH_LEN]. */
int run_dir_checkpoint(const char *dir, const char *name, char *path, Err *err);

/* A new recording's path, RUN_DIR/videos/update_NNNNNN.gif (or -2, -3, ... before .gif when
 * that file exists: a recording is never replaced), into path [PATH_LEN]; makes videos/.
 * Errors: the folder cannot be made. */
int run_dir_video(const char *dir, long update, char *path, Err *err);

/* Deletes the periodic checkpoints RUN_DIR/checkpoints/update_*.ckpt but the newest `keep`
 * (latest.ckpt and best.ckpt are never touched). */
void run_dir_prune_checkpoints(const char *dir, int keep);

#endif
