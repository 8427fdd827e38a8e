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

/* One line of plot_lines: y [n] against x [n] (ascending), with a band lo..hi (both NULL for
 * none); NAN values are gaps. */
typedef struct PlotLine {
    const char *label;
    int n;
    const double *x, *y, *lo, *hi;
} PlotLine;

#define PLOT_LINES_HEIGHT 520

/* Draws lines [n] (each with its band, opacity 0.2) against env steps into a PNG of PLOT_WIDTH x
 * PLOT_LINES_HEIGHT px at png_path, titled title, with a legend (a sweep's learning curves).
 * Errors: a font missing or the PNG not written (ERR_FAILED). */
int plot_lines(const char *title, const PlotLine *lines, int n, const char *png_path, Err *err);

/* One row of plot_intervals: a point estimate and its interval lo..hi per metric
 * ([n_metrics] each). */
typedef struct PlotIntervalRow {
    const char *label;
    const double *point, *lo, *hi;
} PlotIntervalRow;

/* Draws interval estimates as rliable's plot_interval_estimates does: one panel per metric
 * (metrics [n_metrics] its titles), one row per method (rows [n_rows]), each a bar from lo to hi
 * with a mark at the point; into a PNG at png_path, PLOT_WIDTH px wide. Errors: as plot_lines. */
int plot_intervals(const char *const *metrics, int n_metrics, const PlotIntervalRow *rows, int n_rows,
                   const char *xlabel, const char *png_path, Err *err);

#endif
