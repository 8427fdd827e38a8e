/* stats.c: the aggregates of a sweep and their stratified-bootstrap intervals (see stats.h for
 * the definitions and their sources). */
#include "run/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

const char *const STATS_AGGREGATE_NAMES[STATS_N_AGGREGATES] = {"IQM", "median", "mean",
                                                               "optimality gap"};

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double stats_t975(int df) {
    static const double table[30] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                     2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                     2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (df < 1) return NAN;
    if (df <= 30) return table[df - 1];
    const double z = 1.959963984540054, z3 = z * z * z, z5 = z3 * z * z, d = df;
    return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) / (96 * d * d);
}

double stats_mean(const double *x, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return s / n;
}

double stats_iqm(const double *x, int n, double *work) {
    if (work != x) memcpy(work, x, sizeof(double) * (size_t)n);
    qsort(work, (size_t)n, sizeof(double), cmp_double);
    const int k = n / 4; /* scipy: int(0.25 * n) */
    return stats_mean(work + k, n - 2 * k);
}

double stats_quantile_sorted(const double *sorted, int n, double q) {
    const double at = q * (n - 1);
    int i = (int)floor(at);
    if (i < 0) return sorted[0];
    if (i >= n - 1) return sorted[n - 1];
    const double t = at - i;
    return sorted[i] + t * (sorted[i + 1] - sorted[i]);
}

/* The aggregates of the scores x, task m's n[m] at x + start[m] (all of them back to back,
 * total in all), into out; means [tasks] and work [total] are scratch space. */
static void aggregates_of(const double *x, const int *n, const int *start, int tasks, int total,
                          double *means, double *work, double out[STATS_N_AGGREGATES]) {
    double capped = 0;
    for (int i = 0; i < total; i++) capped += fmin(x[i], 1.0);
    for (int m = 0; m < tasks; m++) means[m] = stats_mean(x + start[m], n[m]);
    out[STATS_GAP] = 1.0 - capped / total;
    out[STATS_MEAN] = stats_mean(means, tasks);
    qsort(means, (size_t)tasks, sizeof(double), cmp_double);
    out[STATS_MEDIAN] = stats_quantile_sorted(means, tasks, 0.5);
    out[STATS_IQM] = stats_iqm(x, total, work);
}

/* The scores of t back to back into a new *flat [total], with start [tasks] (new) where each
 * task's begin. Returns the total, or -1 when out of memory. */
static int flatten(const StatsTable *t, double **flat, int **start) {
    int total = 0;
    for (int m = 0; m < t->tasks; m++) total += t->n[m];
    *flat = malloc(sizeof(double) * (size_t)(total > 0 ? total : 1));
    *start = malloc(sizeof(int) * (size_t)(t->tasks > 0 ? t->tasks : 1));
    if (!*flat || !*start) return -1;
    for (int m = 0, k = 0; m < t->tasks; m++) {
        (*start)[m] = k;
        for (int i = 0; i < t->n[m]; i++) (*flat)[k++] = t->scores[m][i];
    }
    return total;
}

int stats_aggregates(const StatsTable *t, double out[STATS_N_AGGREGATES], Err *err) {
    double *flat = NULL, *means = malloc(sizeof(double) * (size_t)(t->tasks > 0 ? t->tasks : 1));
    int *start = NULL;
    int total = flatten(t, &flat, &start);
    double *work = malloc(sizeof(double) * (size_t)(total > 0 ? total : 1));
    int rc = total < 0 || !means || !work ? err_set(err, "out of memory") : 0;
    if (!rc) aggregates_of(flat, t->n, start, t->tasks, total, means, work, out);
    free(flat);
    free(start);
    free(means);
    free(work);
    return rc;
}

int stats_bootstrap_ci(const StatsTable *t, int reps, uint64_t seed, double conf,
                       double lo[STATS_N_AGGREGATES], double hi[STATS_N_AGGREGATES], Err *err) {
    double *flat = NULL, *res = NULL, *means = NULL, *work = NULL, *boot = NULL;
    int *start = NULL, rc = -1;
    int total = flatten(t, &flat, &start);
    if (total >= 0) {
        res = malloc(sizeof(double) * (size_t)(total > 0 ? total : 1));
        work = malloc(sizeof(double) * (size_t)(total > 0 ? total : 1));
        means = malloc(sizeof(double) * (size_t)(t->tasks > 0 ? t->tasks : 1));
        boot = malloc(sizeof(double) * (size_t)reps * STATS_N_AGGREGATES);
    }
    if (total < 0 || !res || !work || !means || !boot) {
        err_set(err, "out of memory for %d bootstrap resamples", reps);
        goto done;
    }
    Rng rng;
    rng_seed(&rng, seed, 0);
    for (int r = 0; r < reps; r++) {
        for (int m = 0; m < t->tasks; m++)
            for (int i = 0; i < t->n[m]; i++)
                res[start[m] + i] = flat[start[m] + rng_below(&rng, (uint32_t)t->n[m])];
        double a[STATS_N_AGGREGATES];
        aggregates_of(res, t->n, start, t->tasks, total, means, work, a);
        for (int k = 0; k < STATS_N_AGGREGATES; k++) boot[(size_t)k * reps + r] = a[k];
    }
    for (int k = 0; k < STATS_N_AGGREGATES; k++) {
        double *b = boot + (size_t)k * reps;
        qsort(b, (size_t)reps, sizeof(double), cmp_double);
        lo[k] = stats_quantile_sorted(b, reps, (1 - conf) / 2);
        hi[k] = stats_quantile_sorted(b, reps, (1 + conf) / 2);
    }
    rc = 0;
done:
    free(flat);
    free(start);
    free(res);
    free(work);
    free(means);
    free(boot);
    return rc;
}

int stats_iqm_ci(const double *x, int n, int reps, uint64_t seed, double conf, double *iqm,
                 double *lo, double *hi, Err *err) {
    double *res = malloc(sizeof(double) * (size_t)n), *boot = malloc(sizeof(double) * (size_t)reps);
    if (!res || !boot) {
        free(res);
        free(boot);
        return err_set(err, "out of memory for %d bootstrap resamples", reps);
    }
    *iqm = stats_iqm(x, n, res);
    Rng rng;
    rng_seed(&rng, seed, 0);
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < n; i++) res[i] = x[rng_below(&rng, (uint32_t)n)];
        boot[r] = stats_iqm(res, n, res);
    }
    qsort(boot, (size_t)reps, sizeof(double), cmp_double);
    *lo = stats_quantile_sorted(boot, reps, (1 - conf) / 2);
    *hi = stats_quantile_sorted(boot, reps, (1 + conf) / 2);
    free(res);
    free(boot);
    return 0;
}
