/* test_rng.c: the PCG32 generator reproduces the published reference and keeps streams apart. */
#include <math.h>

#include "core/rng.h"
#include "tests/testutil.h"

START_TEST(pcg32_matches_the_published_demo_output_for_seed_42_stream_54) {
    /* pcg-random.org, "Using the Basic C Implementation", pcg32-demo round 1. */
    const uint32_t want[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                              0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    Rng r;
    rng_seed(&r, 42u, 54u);
    for (int i = 0; i < 6; i++) ck_assert_uint_eq(rng_u32(&r), want[i]);
}
END_TEST

START_TEST(different_streams_of_one_seed_give_different_sequences) {
    Rng a, b;
    rng_seed(&a, 7, 0);
    rng_seed(&b, 7, 1);
    int same = 0;
    for (int i = 0; i < 64; i++) same += rng_u32(&a) == rng_u32(&b);
    ck_assert_int_lt(same, 2);
}
END_TEST

START_TEST(uniform_draws_stay_in_range_and_have_the_right_mean) {
    Rng r;
    rng_seed(&r, 1, 2);
    double sd = 0, sf = 0;
    int counts[7] = {0};
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double d = rng_double(&r);
        float f = rng_float(&r);
        uint32_t k = rng_below(&r, 7);
        ck_assert(d >= 0.0 && d < 1.0);
        ck_assert(f >= 0.0f && f < 1.0f);
        ck_assert_uint_lt(k, 7);
        sd += d;
        sf += f;
        counts[k]++;
    }
    ck_assert_double_eq_tol(sd / n, 0.5, 0.005);
    ck_assert_double_eq_tol(sf / n, 0.5, 0.005);
    for (int k = 0; k < 7; k++) ck_assert_double_eq_tol(counts[k] / (double)n, 1.0 / 7, 0.005);
}
END_TEST

START_TEST(normals_have_mean_zero_and_variance_one) {
    Rng r;
    rng_seed(&r, 3, 4);
    double s = 0, s2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double x = rng_normal(&r);
        ck_assert(isfinite(x));
        s += x;
        s2 += x * x;
    }
    ck_assert_double_eq_tol(s / n, 0.0, 0.01);
    ck_assert_double_eq_tol(s2 / n, 1.0, 0.02);
}
END_TEST

static Suite *rng_suite(void) {
    Suite *s = suite_create("rng");
    TCase *tc = test_case("pcg32");
    tcase_add_test(tc, pcg32_matches_the_published_demo_output_for_seed_42_stream_54);
    tcase_add_test(tc, different_streams_of_one_seed_give_different_sequences);
    tcase_add_test(tc, uniform_draws_stay_in_range_and_have_the_right_mean);
    tcase_add_test(tc, normals_have_mean_zero_and_variance_one);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rng_suite)
