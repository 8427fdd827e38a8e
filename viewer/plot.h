/* plot.h: pictures of learning: runs' progress.csv drawn as a PNG (`ppo plot`, and curve.png at
 * the end of `ppo train`). Drawn by viewer/plot.c with SDL2, SDL2_ttf and SDL2_image.
 *
 * The picture (1000 x 760 px): on top, the episodic return (progress.csv's return_mean, the mean
 * of the last 100 episodes) against env steps (global_step), one line per run; runs whose
 * config.yaml agree but for run.seed, run.run_name and run.runs_dir (config_diff) form one group, drawn as the
 * mean line over the group with a band from the lowest to the highest run (a run counts where
 * its steps reach; between rows it is interpolated linearly). Below, four panels with the same
 * x axis: policy_loss, value_loss, entropy and approx_kl, drawn the same way. */
#ifndef PPO_PLOT_H
#define PPO_PLOT_H

#include "core/err.h"

#define PLOT_WIDTH 1000
#define PLOT_HEIGHT 760

/* Draws the runs in the folders run_dirs [n] (each holding a progress.csv written by ppo train,
 * and its config.yaml) into a PNG at png_path. Errors (naming the file): ERR_INPUT for a
 * missing or unreadable progress.csv, or one without the needed columns or without rows;
 * ERR_FAILED for a font missing or the PNG not written. */
int plot_runs(const char *const *run_dirs, int n, const char *png_path, Err *err);

#endif
