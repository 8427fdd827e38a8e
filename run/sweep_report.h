/* sweep_report.h: a sweep's results, read back from its folder (sweep.h), summarized per group
 * and aggregated over tasks (stats.h), and written as OUT/runs.csv, OUT/summary.csv,
 * OUT/summary.md and OUT/aggregates.csv. The pictures (learning curves per task, the interval
 * plot of the aggregates) are drawn by the viewer from what this module computes.
 *
 * A run's figures: its mean evaluation return (over its eval episodes) for every checkpoint and
 * mode of the sweep's eval protocol, and the share of those episodes that were a success (a
 * return >= the task's success); the first update at which the mean training return over the
 * last 100 episodes reached the target (progress.csv's global_step and seconds there); the
 * run's whole training time (seconds of its last row) and its steps per second (global_step /
 * seconds there); its score, the first checkpoint's first mode's return normalized by the
 * task's random and max. Failed runs and runs not ended count in the groups' run counts only. */
#ifndef PPO_SWEEP_REPORT_H
#define PPO_SWEEP_REPORT_H

#include "core/err.h"
#include "run/stats.h"
#include "run/sweep_file.h"

#define SWEEP_CURVE_POINTS 200 /* env-step points of a learning curve */
#define SWEEP_CURVE_REPS 2000  /* bootstrap resamples per point at most */

typedef struct SweepRunResult {
    int status;                    /* 1 done, -1 failed, 0 not ended */
    char why[512];                 /* a failed run's reason */
    double ret[2][2], success[2][2]; /* [eval checkpoint][eval mode], in the order of the eval
                                        protocol; success NAN when the task has none */
    double steps_to_target, seconds_to_target; /* NAN when not reached (or no target) */
    double steps, seconds, sps;    /* at progress.csv's last row */
    double score;                  /* normalized; NAN when the task has no random and max */
} SweepRunResult;

typedef struct SweepGroupResult {
    int runs, done, failed;
    double ret_median[2][2], ret_min[2][2], ret_max[2][2]; /* of the done runs' mean returns */
    double ret_mean[2][2], ret_std[2][2], success_mean[2][2]; /* over the done runs (std n - 1) */
    double ret_ci[2][2]; /* half-width of the mean's 95% t interval, t_0.975(n - 1) std / sqrt(n); NAN below 2 runs */
    int reached;                   /* done runs that reached the target */
    double steps_to_target, seconds_to_target; /* medians over the runs that reached it */
    double seconds, sps;           /* medians over the done runs */
    double score;                  /* mean normalized score over the done runs */
} SweepGroupResult;

/* One method aggregated over the normalized tasks it ran on. */
typedef struct SweepAggregate {
    char method[SWEEP_NAME_LEN + SWEEP_SET_LEN + 4];
    int tasks, runs;
    double point[STATS_N_AGGREGATES], lo[STATS_N_AGGREGATES], hi[STATS_N_AGGREGATES];
} SweepAggregate;

typedef struct SweepReport {
    SweepRunResult *runs;     /* [n_runs] */
    SweepGroupResult *groups; /* [n_groups] */
    int n_methods;
    SweepAggregate *methods;  /* the methods with a done run on a normalized task */
    bool any_success;         /* some task has a success threshold */
} SweepReport;

/* Reads every run's results from the sweep's folder and computes the groups and aggregates.
 * Errors: out of memory; a done run's eval or progress file that cannot be read (ERR_INPUT,
 * naming it). */
int sweep_report_build(const Sweep *sw, SweepReport *rep, Err *err);

/* Writes runs.csv, summary.csv, summary.md and aggregates.csv into the sweep's folder
 * (atomically). Errors: a write fails. */
int sweep_report_write(const Sweep *sw, const SweepReport *rep, Err *err);

/* The Markdown of summary.md into a new *text (free it). Errors: out of memory. */
int sweep_report_markdown(const Sweep *sw, const SweepReport *rep, char **text, Err *err);

/* Frees what sweep_report_build allocated (a zeroed report is fine). */
void sweep_report_free(SweepReport *rep);

/* A group's learning curve: at n env steps x, the IQM over its done runs of progress.csv's
 * return_mean (linearly interpolated between rows; a run past its last row holds its last
 * return, as one that stopped at run.stop_return ended there), with the percentile bootstrap
 * interval (stats_iqm_ci, conf 0.95); NAN where no run has a value. */
typedef struct SweepCurve {
    int group, runs;
    int n;
    double *x, *iqm, *lo, *hi; /* [n] */
} SweepCurve;

/* The curves of the groups of task t into *curves [*n] (new; free with sweep_curves_free): only
 * groups with a done run. Errors: a progress.csv that cannot be read, out of memory. */
int sweep_report_curves(const Sweep *sw, const SweepReport *rep, int task, SweepCurve **curves, int *n,
                        Err *err);
/* Frees curves [n] from sweep_report_curves (NULL is fine). */
void sweep_curves_free(SweepCurve *curves, int n);

#endif
