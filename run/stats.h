/* stats.h: the statistics of a sweep's report, as Agarwal et al. define them ("Deep
 * Reinforcement Learning at the Edge of the Statistical Precipice", NeurIPS 2021) and as their
 * library rliable computes them (rliable/metrics.py, rliable/library.py).
 *
 * Scores come as a table of tasks, each with its own runs (seeds): task m has n[m] scores. In a
 * sweep a score is a run's mean evaluation return normalized per task, so that a uniformly
 * random policy scores 0 and the task's maximum scores 1.
 *
 * The four aggregates (rliable/metrics.py):
 *   IQM      the interquartile mean of all runs x tasks pooled: sorted, floor(N / 4) scores cut
 *            from each end, the mean of the rest (scipy.stats.trim_mean(x, 0.25),
 *            aggregate_iqm)
 *   median   the median over tasks of each task's mean score (aggregate_median)
 *   mean     the mean over tasks of each task's mean score (aggregate_mean)
 *   gap      the optimality gap: 1 - the mean over all runs x tasks of min(score, 1)
 *            (aggregate_optimality_gap with gamma = 1)
 * Their confidence intervals come from the stratified bootstrap (library.py,
 * StratifiedBootstrap with task_bootstrap False): each of `reps` resamples draws, for every task,
 * n[m] of its scores with replacement (tasks are kept, runs are resampled within each task);
 * the interval is the percentile interval of the resampled aggregates (get_interval_estimates
 * with method 'percentile'): the (1 - conf) / 2 and (1 + conf) / 2 quantiles, linearly
 * interpolated between order statistics as numpy.percentile does. The draws are PCG32's
 * (core/rng.h) seeded with (seed, 0) in the order task 0's runs, task 1's runs, ..., resample
 * after resample, so a seed gives the same interval every time; rliable draws with numpy, so
 * the two agree up to Monte Carlo error, not digit for digit. tests/stats_reference.py computes
 * the same figures in plain Python. */
#ifndef PPO_STATS_H
#define PPO_STATS_H

#include <stdint.h>

#include "core/err.h"

typedef enum StatsAggregate {
    STATS_IQM,
    STATS_MEDIAN,
    STATS_MEAN,
    STATS_GAP, /* optimality gap, threshold 1 */
    STATS_N_AGGREGATES,
} StatsAggregate;

/* The aggregates' names, as the report writes them: "IQM", "median", "mean", "optimality gap". */
extern const char *const STATS_AGGREGATE_NAMES[STATS_N_AGGREGATES];

/* Scores of tasks x runs: task m's n[m] scores at scores[m][0 .. n[m] - 1]. */
typedef struct StatsTable {
    int tasks;
    const int *n;                /* [tasks] runs of each task, each >= 1 */
    const double *const *scores; /* [tasks] -> [n[m]] */
} StatsTable;

/* The 0.975 quantile of Student's t distribution with df >= 1 degrees of freedom (the factor of
 * a 95% interval of a mean: mean +- t sd / sqrt(n), df = n - 1): the table of any statistics
 * book for df 1 .. 30 (scipy.stats.t.ppf(0.975, df) to 3 decimals), above it the Cornish-Fisher
 * expansion to 1 / df^2 (within 2e-4 of it). NAN for df < 1. */
double stats_t975(int df);

/* The mean of x [n] (n >= 1). */
double stats_mean(const double *x, int n);

/* The interquartile mean of x [n] (n >= 1): x sorted, k = floor(n / 4) values cut from each end,
 * the mean of the n - 2k left (scipy.stats.trim_mean(x, 0.25)). x is left as it was; work [n]
 * is scratch space (it may be x itself, which is then sorted). */
double stats_iqm(const double *x, int n, double *work);

/* The q-quantile (q in [0, 1]) of sorted [n] (ascending, n >= 1): the value at index
 * q (n - 1), linearly interpolated between its neighbours (numpy.percentile's default). */
double stats_quantile_sorted(const double *sorted, int n, double q);

/* The four aggregates of table t (at least one task) into out [STATS_N_AGGREGATES] (see the top
 * of this file). Errors: out of memory. */
int stats_aggregates(const StatsTable *t, double out[STATS_N_AGGREGATES], Err *err);

/* The stratified-bootstrap percentile intervals of the four aggregates of t: reps resamples (>= 1)
 * drawn by PCG32 seeded (seed, 0); lo and hi [STATS_N_AGGREGATES] receive the (1 - conf) / 2 and
 * (1 + conf) / 2 quantiles of the resampled aggregates (conf in (0, 1), 0.95 for the 95%
 * intervals of the report). Errors: out of memory. */
int stats_bootstrap_ci(const StatsTable *t, int reps, uint64_t seed, double conf,
                       double lo[STATS_N_AGGREGATES], double hi[STATS_N_AGGREGATES], Err *err);

/* The IQM of x [n] with its percentile bootstrap interval (one task: the runs resampled with
 * replacement), as stats_bootstrap_ci does for one task: for the bands of a sweep's learning
 * curves, one step at a time. Errors: out of memory. */
int stats_iqm_ci(const double *x, int n, int reps, uint64_t seed, double conf, double *iqm,
                 double *lo, double *hi, Err *err);

#endif
