/* headless.c: the viewer of a build without SDL2 (`make VIEWER=0`, for machines with no display
 * libraries, such as cluster nodes): the entry points the command line calls, each failing with
 * an ERR_SETUP error that says how to get the viewer. Built instead of the other files of
 * viewer/, never beside them. */
#include "viewer/plot.h"
#include "viewer/viewer.h"

#define NO_VIEWER "this ppo was built without the viewer (make VIEWER=0); rebuild it with SDL2 (make deps, then make) to draw"

int viewer_watch(const Policy *policy, const EnvConfig *env_cfg, const WatchOptions *o,
                 WatchResult *res, Err *err) {
    (void)policy, (void)env_cfg, (void)o, (void)res;
    return err_setup(err, NO_VIEWER);
}

int viewer_play(const EnvConfig *env_cfg, const WatchOptions *o, WatchResult *res, Err *err) {
    (void)env_cfg, (void)o, (void)res;
    return err_setup(err, NO_VIEWER);
}

int live_viewer_open(LiveViewer **out, const TrainConfig *cfg, double speed, Err *err) {
    (void)cfg, (void)speed;
    *out = NULL;
    return err_setup(err, NO_VIEWER);
}

void live_viewer_publish(void *ctx, const Policy *policy, const TrainProgress *progress) {
    (void)ctx, (void)policy, (void)progress;
}

void live_viewer_finish(LiveViewer *lv) { (void)lv; }

int live_viewer_run(LiveViewer *lv, volatile sig_atomic_t *stop, Err *err) {
    (void)lv, (void)stop;
    return err_setup(err, NO_VIEWER);
}

void live_viewer_free(LiveViewer *lv) { (void)lv; }

int plot_runs(const char *const *run_dirs, int n, const char *png_path, Err *err) {
    (void)run_dirs, (void)n, (void)png_path;
    return err_setup(err, NO_VIEWER);
}

int plot_lines(const char *title, const PlotLine *lines, int n, const char *png_path, Err *err) {
    (void)title, (void)lines, (void)n, (void)png_path;
    return err_setup(err, NO_VIEWER);
}

int plot_intervals(const char *const *metrics, int n_metrics, const PlotIntervalRow *rows, int n_rows,
                   const char *xlabel, const char *png_path, Err *err) {
    (void)metrics, (void)n_metrics, (void)rows, (void)n_rows, (void)xlabel, (void)png_path;
    return err_setup(err, NO_VIEWER);
}
