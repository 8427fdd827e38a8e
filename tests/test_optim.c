/* test_optim.c: Adam's first step moves every parameter by lr against its gradient's sign
 * (the bias correction at work), later steps follow the moments, and the global norm clip
 * scales gradients as torch's clip_grad_norm_. */
#include <math.h>

#include "algo/optim.h"
#include "tests/testutil.h"

START_TEST(adams_first_step_is_lr_times_the_sign_of_the_gradient) {
    enum { P = 5 };
    float p[P] = {1, -2, 3, 0.5f, 0}, g[P] = {0.5f, -3, 1e-3f, 40, -0.25f}, before[P];
    Adam *a;
    Err err;
    ck_assert_int_eq(adam_create(&a, P, 1e-8, &err), 0);
    for (int i = 0; i < P; i++) before[i] = p[i];
    adam_step(a, p, g, 0.01);
    for (int i = 0; i < P; i++)
        ck_assert_double_eq_tol(p[i], before[i] - 0.01 * (g[i] > 0 ? 1 : -1), 1e-5);
    ck_assert_int_eq(a->step, 1);
    adam_destroy(a);
}
END_TEST

START_TEST(adams_second_step_uses_bias_corrected_moments) {
    float p[1] = {0}, g1[1] = {1}, g2[1] = {-1};
    Adam *a;
    Err err;
    ck_assert_int_eq(adam_create(&a, 1, 1e-5, &err), 0);
    adam_step(a, p, g1, 0.1);
    adam_step(a, p, g2, 0.1);
    /* m2 = 0.9 * 0.1 - 0.1 = -0.01, v2 = 0.999 * 0.001 + 0.001 = 0.001999;
     * m_hat = -0.01 / 0.19, v_hat = 0.001999 / (1 - 0.999^2). */
    double m_hat = -0.01 / 0.19, v_hat = 0.001999 / (1 - 0.999 * 0.999);
    double want = -0.1 - 0.1 * m_hat / (sqrt(v_hat) + 1e-5);
    ck_assert_double_eq_tol(p[0], want, 1e-6);
    adam_destroy(a);
}
END_TEST

START_TEST(the_norm_clip_scales_to_max_norm_and_leaves_small_gradients) {
    float g[2] = {3, 4};
    double n = clip_grad_norm(g, 2, 1.0);
    ck_assert_double_eq_tol(n, 5.0, 1e-9);
    ck_assert_double_eq_tol(sqrt(g[0] * g[0] + g[1] * g[1]), 1.0, 1e-5);
    ck_assert_double_eq_tol(g[0] / g[1], 0.75, 1e-6);
    float h[2] = {0.3f, 0.4f};
    clip_grad_norm(h, 2, 1.0);
    ck_assert_float_eq(h[0], 0.3f);
    ck_assert_float_eq(h[1], 0.4f);
}
END_TEST

static Suite *optim_suite(void) {
    Suite *s = suite_create("optim");
    TCase *tc = test_case("adam and clip");
    tcase_add_test(tc, adams_first_step_is_lr_times_the_sign_of_the_gradient);
    tcase_add_test(tc, adams_second_step_uses_bias_corrected_moments);
    tcase_add_test(tc, the_norm_clip_scales_to_max_norm_and_leaves_small_gradients);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(optim_suite)
