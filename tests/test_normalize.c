/* test_normalize.c: running statistics merge batches exactly as one batch, rewards are scaled as
 * Gymnasium's NormalizeReward does step by step, observations are normalized and clipped, and a
 * checkpoint's statistics survive a write and a read bit for bit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo/normalize.h"
#include "core/rng.h"
#include "tests/testutil.h"

/* The statistics RunningMeanStd holds after seeing values x [n] in any batches: the prior
 * (count NORM_COUNT0 at mean 0, variance 1) and the values pooled, computed directly. */
static void pooled(const double *x, int n, double *mean, double *var) {
    double tot = NORM_COUNT0 + n, s = 0, s2 = NORM_COUNT0 * 1.0;
    for (int i = 0; i < n; i++) s += x[i], s2 += x[i] * x[i];
    *mean = s / tot;
    *var = s2 / tot - *mean * *mean;
}

START_TEST(merging_batches_gives_the_statistics_of_all_values_pooled) {
    Rng r;
    rng_seed(&r, 1, 0);
    RunningStats rs;
    Err err;
    ck_assert_int_eq(running_stats_init(&rs, 1, &err), 0);
    double all[200];
    int n = 0;
    for (int b = 0; b < 20; b++) {
        int k = 1 + b % 7;
        double bm = 0, bv = 0;
        for (int i = 0; i < k; i++) all[n + i] = 3.0 + 2.0 * rng_normal(&r), bm += all[n + i] / k;
        for (int i = 0; i < k; i++) bv += (all[n + i] - bm) * (all[n + i] - bm) / k;
        n += k;
        running_stats_merge(&rs, &bm, &bv, k);
        double mean, var;
        pooled(all, n, &mean, &var);
        ck_assert_double_eq_tol(rs.mean[0], mean, 1e-12);
        ck_assert_double_eq_tol(rs.var[0], var, 1e-10);
        ck_assert_double_eq_tol(rs.count, NORM_COUNT0 + n, 1e-9);
    }
    running_stats_free(&rs);
}
END_TEST

START_TEST(rewards_are_scaled_as_normalize_reward_does_step_by_step) {
    enum { T = 6, N = 3 };
    const double gamma = 0.9;
    float rewards[T * N], want[T * N];
    uint8_t term[T * N] = {0};
    Rng r;
    rng_seed(&r, 2, 0);
    for (int i = 0; i < T * N; i++) rewards[i] = (float)(5.0 * rng_normal(&r));
    term[2 * N + 1] = 1; /* env 1's episode ends at step 2: its return restarts */
    /* the wrapper, written out: per step update the returns, pool them, scale by the new std */
    double ret[N] = {0}, seen[T * N];
    int n_seen = 0;
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < N; i++) {
            ret[i] = ret[i] * gamma * (1 - term[t * N + i]) + rewards[t * N + i];
            seen[n_seen++] = ret[i];
        }
        double mean, var;
        pooled(seen, n_seen, &mean, &var);
        for (int i = 0; i < N; i++) {
            double z = rewards[t * N + i] / sqrt(var + NORM_EPSILON);
            want[t * N + i] = (float)fmax(-2.0, fmin(2.0, z));
        }
    }
    Normalizer nz;
    Err err;
    ck_assert_int_eq(normalizer_init(&nz, false, true, 10.0, 2.0, gamma, 1, N, &err), 0);
    ck_assert_int_eq(normalizer_after_rollout(&nz, NULL, T, N, NULL, rewards, term), 0);
    int clipped = 0;
    for (int i = 0; i < T * N; i++) {
        ck_assert_msg(fabsf(rewards[i] - want[i]) <= 1e-6f * fmaxf(1.0f, fabsf(want[i])), "reward %d: got %g want %g", i,
                      rewards[i], want[i]);
        clipped += fabsf(want[i]) == 2.0f;
    }
    ck_assert_int_gt(clipped, 0); /* the clip was exercised */
    ck_assert_double_eq_tol(nz.returns[1], ret[1], 1e-12);
    normalizer_free(&nz);
}
END_TEST

START_TEST(observations_are_normalized_with_rows_one_to_t_and_clipped) {
    enum { T = 4, N = 2, O = 2 };
    float raw[(T + 1) * N * O];
    for (int i = 0; i < (T + 1) * N * O; i++) raw[i] = (float)(i % 2 ? 100.0 + i : -0.5 * i);
    raw[0] = raw[1] = raw[2] = raw[3] = 1e6f; /* row 0 is not counted */
    Normalizer nz;
    Err err;
    ck_assert_int_eq(normalizer_init(&nz, true, false, 1.5, 10.0, 0.99, O, N, &err), 0);
    float rewards[T * N] = {0};
    uint8_t term[T * N] = {0};
    ck_assert_int_eq(normalizer_after_rollout(&nz, NULL, T, N, raw, rewards, term), 0);
    for (int j = 0; j < O; j++) {
        double col[T * N], mean, var;
        for (int k = 0; k < T * N; k++) col[k] = raw[(N + k) * O + j];
        pooled(col, T * N, &mean, &var);
        ck_assert_double_eq_tol(nz.obs.mean[j], mean, 1e-9 * fmax(1, fabs(mean)));
        ck_assert_double_eq_tol(nz.obs.var[j], var, 1e-9 * fmax(1, var));
    }
    float x[O] = {(float)nz.obs.mean[0], (float)(nz.obs.mean[1] + 1e6)}, out[O];
    running_stats_normalize(&nz.obs, 1.5, x, out);
    ck_assert_float_eq_tol(out[0], 0.0f, 1e-6f);
    ck_assert_float_eq(out[1], 1.5f); /* clipped */
    normalizer_free(&nz);
}
END_TEST

static Suite *normalize_suite(void) {
    Suite *s = suite_create("normalize");
    TCase *tc = test_case("statistics");
    tcase_add_test(tc, merging_batches_gives_the_statistics_of_all_values_pooled);
    tcase_add_test(tc, rewards_are_scaled_as_normalize_reward_does_step_by_step);
    tcase_add_test(tc, observations_are_normalized_with_rows_one_to_t_and_clipped);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(normalize_suite)
