/* test_stats.c: the aggregates of a sweep's report and their bootstrap intervals (run/stats.c)
 * against the published definitions (rliable's metrics.py and library.py): values worked out by
 * hand on a fixed small table, the figures tests/stats_reference.py computes in plain Python
 * with the same PCG32 draws, and an interval known exactly without any draws. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run/stats.h"
#include "tests/testutil.h"

/* 3 tasks x 5 runs (tests/stats_reference.py's TABLE). */
static const double A[5] = {0.1, 0.4, 0.9, 1.2, 0.5}, B[5] = {0.0, 0.3, 0.3, 0.8, 1.0},
                    C[5] = {-0.2, 0.6, 0.7, 0.75, 1.5};
static const double *const ROWS[3] = {A, B, C};
static const int N[3] = {5, 5, 5};

START_TEST(the_aggregates_of_a_small_table_are_the_values_worked_out_by_hand) {
    StatsTable t = {3, N, ROWS};
    double got[STATS_N_AGGREGATES];
    Err err;
    ck_assert_msg(stats_aggregates(&t, got, &err) == 0, "%s", err.msg);
    /* IQM: the 15 scores sorted are -0.2 0 0.1 | 0.3 0.3 0.4 0.5 0.6 0.7 0.75 0.8 0.9 | 1 1.2 1.5;
     * floor(15 / 4) = 3 cut from each end, the mean of the 9 left is 5.25 / 9.
     * Task means: 3.1 / 5 = 0.62, 2.4 / 5 = 0.48, 3.35 / 5 = 0.67: median 0.62, mean 1.77 / 3.
     * Optimality gap: the scores capped at 1 sum to 2.9 + 2.4 + 2.85 = 8.15; 1 - 8.15 / 15. */
    const double want[STATS_N_AGGREGATES] = {5.25 / 9, 0.62, 1.77 / 3, 1 - 8.15 / 15};
    tensor_close_d("aggregates", got, want, STATS_N_AGGREGATES, 1e-12, 1e-12);
}
END_TEST

START_TEST(the_t_quantile_is_the_tables_and_the_expansion_beyond_it) {
    /* scipy.stats.t.ppf(0.975, df): 12.7062, 4.3027, 2.0423 (30), 2.0211 (40), 1.9840 (100),
     * 1.9623 (1000) */
    ck_assert_double_eq_tol(stats_t975(1), 12.706, 1e-9);
    ck_assert_double_eq_tol(stats_t975(2), 4.303, 1e-9);
    ck_assert_double_eq_tol(stats_t975(30), 2.042, 1e-9);
    ck_assert_double_eq_tol(stats_t975(40), 2.0211, 2e-4);
    ck_assert_double_eq_tol(stats_t975(100), 1.9840, 2e-4);
    ck_assert_double_eq_tol(stats_t975(1000), 1.9623, 2e-4);
    ck_assert(isnan(stats_t975(0)));
    for (int df = 1; df < 200; df++) ck_assert(stats_t975(df + 1) < stats_t975(df));
}
END_TEST

START_TEST(the_iqm_cuts_a_quarter_rounded_down_from_each_end) {
    const double x[8] = {8, 1, 7, 2, 6, 3, 5, 4}, y[3] = {1, 100, 2}, z[4] = {1, 2, 3, 100};
    double work[8];
    ck_assert_double_eq_tol(stats_iqm(x, 8, work), 4.5, 1e-12); /* 3 4 5 6 */
    ck_assert_double_eq_tol(stats_iqm(y, 3, work), 103.0 / 3, 1e-12); /* floor(0.75) = 0: all */
    ck_assert_double_eq_tol(stats_iqm(z, 4, work), 2.5, 1e-12);       /* 2 3 */
    ck_assert_double_eq(x[0], 8);                                     /* x is left as it was */
}
END_TEST

START_TEST(quantiles_interpolate_between_order_statistics_as_numpy_does) {
    const double s[5] = {1, 2, 4, 8, 16};
    ck_assert_double_eq_tol(stats_quantile_sorted(s, 5, 0.5), 4, 1e-12);
    ck_assert_double_eq_tol(stats_quantile_sorted(s, 5, 0.025), 1.1, 1e-12);  /* at 0.1 */
    ck_assert_double_eq_tol(stats_quantile_sorted(s, 5, 0.975), 15.2, 1e-12); /* at 3.9 */
    ck_assert_double_eq_tol(stats_quantile_sorted(s, 5, 1), 16, 1e-12);
    ck_assert_double_eq_tol(stats_quantile_sorted(s, 1, 0.3), 1, 1e-12);
}
END_TEST

/* The figures of tests/stats_reference.py (python3 tests/stats_reference.py prints them). */
START_TEST(the_intervals_are_those_the_plain_python_reference_computes) {
    StatsTable t = {3, N, ROWS};
    double lo[STATS_N_AGGREGATES], hi[STATS_N_AGGREGATES];
    Err err;
    ck_assert_msg(stats_bootstrap_ci(&t, 2000, 7, 0.95, lo, hi, &err) == 0, "%s", err.msg);
    const double want_lo[] = {0.33875000000000027, 0.32975000000000038, 0.37333333333333329, 0.27333333333333343};
    const double want_hi[] = {0.82777777777777783, 0.84999999999999998, 0.81674999999999964, 0.64666666666666672};
    tensor_close_d("lower bounds, TABLE", lo, want_lo, STATS_N_AGGREGATES, 1e-12, 1e-12);
    tensor_close_d("upper bounds, TABLE", hi, want_hi, STATS_N_AGGREGATES, 1e-12, 1e-12);

    /* tasks with different numbers of runs (a failed run left out) */
    const double u0[3] = {0.2, 0.9, 0.4}, u1[7] = {1.1, -0.3, 0.5, 0.7, 0.6, 0.0, 0.95};
    const double *const urows[2] = {u0, u1};
    const int un[2] = {3, 7};
    StatsTable u = {2, un, urows};
    double point[STATS_N_AGGREGATES];
    ck_assert_msg(stats_aggregates(&u, point, &err) == 0, "%s", err.msg);
    const double want_point[] = {0.55000000000000004, 0.50357142857142856, 0.50357142857142856, 0.505};
    tensor_close_d("aggregates, UNEVEN", point, want_point, STATS_N_AGGREGATES, 1e-12, 1e-12);
    ck_assert_msg(stats_bootstrap_ci(&u, 1000, 3, 0.95, lo, hi, &err) == 0, "%s", err.msg);
    const double ulo[] = {0.23291666666666702, 0.26770833333333344, 0.26770833333333344, 0.26999999999999991};
    const double uhi[] = {0.81666666666666676, 0.74184523809523795, 0.74184523809523795, 0.76000000000000001};
    tensor_close_d("lower bounds, UNEVEN", lo, ulo, STATS_N_AGGREGATES, 1e-12, 1e-12);
    tensor_close_d("upper bounds, UNEVEN", hi, uhi, STATS_N_AGGREGATES, 1e-12, 1e-12);
}
END_TEST

/* 2 tasks x 2 runs: each task's resample is one of 4 equally likely ordered pairs, so the
 * all-lowest resample (both tasks drawing their lower score twice) has probability 1/16, above
 * the 2.5% tail: whatever the draws, with many resamples the 95% interval runs exactly from the
 * aggregate of the all-lowest resample to that of the all-highest. */
START_TEST(with_two_runs_per_task_the_interval_spans_the_extreme_resamples_exactly) {
    const double a[2] = {0.2, 0.6}, b[2] = {0.1, 1.4};
    const double *const rows[2] = {a, b};
    const int n[2] = {2, 2};
    StatsTable t = {2, n, rows};
    double lo[STATS_N_AGGREGATES], hi[STATS_N_AGGREGATES];
    Err err;
    for (uint64_t seed = 0; seed < 3; seed++) {
        ck_assert_msg(stats_bootstrap_ci(&t, 20000, seed, 0.95, lo, hi, &err) == 0, "%s", err.msg);
        /* all lowest: a = {0.2, 0.2}, b = {0.1, 0.1}; all highest: {0.6, 0.6}, {1.4, 1.4} */
        const double want_lo[] = {0.15, 0.15, 0.15, 1 - 0.6 / 2};
        const double want_hi[] = {1.0, 1.0, 1.0, 1 - 0.3 / 2};
        /* the gap is lowest when the scores are highest */
        const double gap_lo = 1 - (0.6 + 1.0) / 2, gap_hi = 1 - (0.2 + 0.1) / 2;
        double wl[4] = {want_lo[0], want_lo[1], want_lo[2], gap_lo};
        double wh[4] = {want_hi[0], want_hi[1], want_hi[2], gap_hi};
        tensor_close_d("lower bounds", lo, wl, STATS_N_AGGREGATES, 1e-12, 1e-12);
        tensor_close_d("upper bounds", hi, wh, STATS_N_AGGREGATES, 1e-12, 1e-12);
    }
}
END_TEST

START_TEST(the_iqm_interval_of_one_task_is_the_bootstrap_of_its_runs) {
    const double x[5] = {0.1, 0.4, 0.9, 1.2, 0.5};
    const double *const rows[1] = {x};
    const int n[1] = {5};
    StatsTable t = {1, n, rows};
    double lo[STATS_N_AGGREGATES], hi[STATS_N_AGGREGATES], iqm, l, h;
    Err err;
    ck_assert_msg(stats_bootstrap_ci(&t, 500, 11, 0.95, lo, hi, &err) == 0, "%s", err.msg);
    ck_assert_msg(stats_iqm_ci(x, 5, 500, 11, 0.95, &iqm, &l, &h, &err) == 0, "%s", err.msg);
    ck_assert_double_eq_tol(iqm, (0.4 + 0.5 + 0.9) / 3, 1e-12);
    ck_assert_double_eq_tol(l, lo[STATS_IQM], 1e-12);
    ck_assert_double_eq_tol(h, hi[STATS_IQM], 1e-12);
    ck_assert(l <= iqm && iqm <= h);
}
END_TEST

static Suite *stats_suite(void) {
    Suite *s = suite_create("stats");
    TCase *tc = test_case("aggregates");
    tcase_add_test(tc, the_aggregates_of_a_small_table_are_the_values_worked_out_by_hand);
    tcase_add_test(tc, the_t_quantile_is_the_tables_and_the_expansion_beyond_it);
    tcase_add_test(tc, the_iqm_cuts_a_quarter_rounded_down_from_each_end);
    tcase_add_test(tc, quantiles_interpolate_between_order_statistics_as_numpy_does);
    suite_add_tcase(s, tc);
    tc = test_case("bootstrap");
    tcase_add_test(tc, the_intervals_are_those_the_plain_python_reference_computes);
    tcase_add_test(tc, with_two_runs_per_task_the_interval_spans_the_extreme_resamples_exactly);
    tcase_add_test(tc, the_iqm_interval_of_one_task_is_the_bootstrap_of_its_runs);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(stats_suite)
