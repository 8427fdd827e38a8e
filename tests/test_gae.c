/* test_gae.c: GAE on hand-computed cases: no episode end, a termination mid-rollout, a
 * truncation bootstrapped from the true final observation, and both flags at once. */
#include <string.h>

#include "algo/gae.h"
#include "tests/testutil.h"

START_TEST(advantages_follow_the_recursion_without_episode_ends) {
    /* gamma 0.9, lambda 0.8: deltas 0.86, 0.87, 0.88; A2 = 0.88, A1 = 0.87 + 0.72 * 0.88,
     * A0 = 0.86 + 0.72 * A1. */
    const float r[3] = {1, 1, 1}, v[3] = {0.5f, 0.4f, 0.3f}, fv[3] = {0}, next[1] = {0.2f};
    const uint8_t te[3] = {0}, tr[3] = {0};
    float adv[3], ret[3];
    gae_compute(3, 1, r, v, te, tr, fv, next, 0.9, 0.8, adv, ret);
    const float want[3] = {0.86f + 0.72f * (0.87f + 0.72f * 0.88f), 0.87f + 0.72f * 0.88f, 0.88f};
    tensor_close("advantages", adv, want, 3, 1e-6, 1e-7);
    const float want_ret[3] = {want[0] + 0.5f, want[1] + 0.4f, want[2] + 0.3f};
    tensor_close("returns", ret, want_ret, 3, 1e-6, 1e-7);
}
END_TEST

START_TEST(a_termination_cuts_the_recursion_and_does_not_bootstrap) {
    /* Two envs side by side ([T, N] layout); env 1 terminates at t = 1 and starts anew at t = 2. */
    enum { T = 4, N = 2 };
    float r[T * N], v[T * N], fv[T * N] = {0};
    uint8_t te[T * N] = {0}, tr[T * N] = {0};
    for (int i = 0; i < T * N; i++) {
        r[i] = 1.0f;
        v[i] = 2.0f;
    }
    te[1 * N + 1] = 1;
    const float next[N] = {3.0f, 3.0f};
    float adv[T * N], ret[T * N];
    gae_compute(T, N, r, v, te, tr, fv, next, 0.5, 0.5, adv, ret);
    /* env 1: t = 1 ends: A = 1 - 2 = -1; t = 0: delta = 1 + 0.5 * 2 - 2 = 0, A = 0 + 0.25 * -1.
     * t = 3: delta = 1 + 0.5 * 3 - 2 = 0.5; t = 2: delta = 0, A = 0 + 0.25 * 0.5. */
    const float want1[T] = {-0.25f, -1.0f, 0.125f, 0.5f};
    for (int t = 0; t < T; t++) ck_assert_float_eq_tol(adv[t * N + 1], want1[t], 1e-6);
    /* env 0 never ends: t = 3 bootstraps from next_values. */
    ck_assert_float_eq_tol(adv[3 * N], 0.5f, 1e-6);
    ck_assert_float_eq_tol(adv[0 * N], 0.0f + 0.25f * (0.0f + 0.25f * (0.0f + 0.25f * 0.5f)), 1e-6);
}
END_TEST

START_TEST(a_truncation_bootstraps_from_the_final_obs_never_from_the_reset_obs) {
    /* Constant reward 1, truncated at step 5 (t = 4); the critic says 10 for the true final
     * obs and -1000 for the reset obs that follows (values[5]). gamma 0.99, lambda 0.95. */
    enum { T = 8 };
    float r[T], v[T] = {0}, fv[T] = {0}, adv[T], ret[T];
    uint8_t te[T] = {0}, tr[T] = {0};
    for (int t = 0; t < T; t++) r[t] = 1.0f;
    tr[4] = 1;
    fv[4] = 10.0f;
    v[5] = -1000.0f;
    const float next[1] = {0.0f};
    gae_compute(T, 1, r, v, te, tr, fv, next, 0.99, 0.95, adv, ret);
    const double gl = 0.99 * 0.95;
    double a4 = 1.0 + 0.99 * 10.0;
    ck_assert_double_eq_tol(adv[4], a4, 1e-5);
    double a = a4;
    for (int t = 3; t >= 0; t--) { /* values are 0 before the reset: delta_t = 1 */
        a = 1.0 + gl * a;
        ck_assert_double_eq_tol(adv[t], a, 1e-4);
    }
    for (int t = 0; t <= 4; t++) ck_assert_msg(adv[t] > 0, "the -1000 of the reset obs leaked into t=%d", t);
    /* The new episode (t = 5..7) bootstraps from next_values as usual. */
    ck_assert_double_eq_tol(adv[7], 1.0, 1e-6);
    ck_assert_double_eq_tol(adv[5], 1.0 + 0.99 * 0.0 - (-1000.0) + gl * (1.0 + gl * 1.0), 1e-3);
}
END_TEST

START_TEST(terminated_wins_when_both_flags_are_set) {
    const float r[2] = {1, 1}, v[2] = {0.5f, 7.0f}, fv[2] = {50.0f, 0}, next[1] = {0};
    const uint8_t te[2] = {1, 0}, tr[2] = {1, 0};
    float adv[2], ret[2];
    gae_compute(2, 1, r, v, te, tr, fv, next, 0.99, 0.95, adv, ret);
    ck_assert_float_eq_tol(adv[0], 0.5f, 1e-6); /* 1 - 0.5: no bootstrap from final_values */
}
END_TEST

static Suite *gae_suite(void) {
    Suite *s = suite_create("gae");
    TCase *tc = test_case("hand-computed");
    tcase_add_test(tc, advantages_follow_the_recursion_without_episode_ends);
    tcase_add_test(tc, a_termination_cuts_the_recursion_and_does_not_bootstrap);
    tcase_add_test(tc, a_truncation_bootstraps_from_the_final_obs_never_from_the_reset_obs);
    tcase_add_test(tc, terminated_wins_when_both_flags_are_set);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(gae_suite)
