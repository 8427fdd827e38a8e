/* test_categorical.c: log-probabilities sum to one, the entropy of a uniform distribution is
 * ln A, sampling draws each action as often as its probability says and reports its
 * log-probability, argmax takes the first largest logit. */
#include <math.h>

#include "core/rng.h"
#include "policies/categorical.h"
#include "tests/testutil.h"

START_TEST(log_probabilities_normalize_even_for_huge_logits) {
    const real logits[3] = {1000.0f, 999.0f, -50.0f};
    double logp[3];
    categorical_log_softmax(3, logits, logp);
    double sum = 0;
    for (int j = 0; j < 3; j++) sum += exp(logp[j]);
    ck_assert_double_eq_tol(sum, 1.0, 1e-12);
    ck_assert_double_eq_tol(logp[0] - logp[1], 1.0, 1e-12);
}
END_TEST

START_TEST(the_entropy_of_equal_logits_is_ln_a_and_of_a_sure_action_near_zero) {
    const real flat[5] = {0.3f, 0.3f, 0.3f, 0.3f, 0.3f}, sure[2] = {0.0f, 60.0f};
    double logp[5];
    categorical_log_softmax(5, flat, logp);
    ck_assert_double_eq_tol(categorical_entropy(5, logp), log(5.0), 1e-12);
    categorical_log_softmax(2, sure, logp);
    ck_assert_double_lt(categorical_entropy(2, logp), 1e-20);
}
END_TEST

START_TEST(samples_follow_the_softmax_and_carry_their_log_probability) {
    const real logits[3] = {0.0f, 1.0f, -1.0f};
    double logp[3];
    categorical_log_softmax(3, logits, logp);
    Rng rng;
    rng_seed(&rng, 7, 0);
    const int n = 200000;
    int counts[3] = {0};
    for (int i = 0; i < n; i++) {
        real lp;
        int a = categorical_sample(3, logits, &rng, &lp);
        ck_assert(a >= 0 && a < 3);
        ck_assert(lp == (real)logp[a]);
        counts[a]++;
    }
    for (int j = 0; j < 3; j++) { /* within 5 standard errors of the probability */
        double p = exp(logp[j]), freq = (double)counts[j] / n, se = sqrt(p * (1 - p) / n);
        ck_assert_msg(fabs(freq - p) < 5 * se, "action %d: frequency %.4f, probability %.4f", j, freq, p);
    }
}
END_TEST

START_TEST(argmax_takes_the_first_of_equal_largest_logits) {
    const real a[4] = {0.5f, 2.0f, 2.0f, -3.0f}, b[1] = {-7.0f};
    ck_assert_int_eq(categorical_argmax(4, a), 1);
    ck_assert_int_eq(categorical_argmax(1, b), 0);
}
END_TEST

static Suite *categorical_suite(void) {
    Suite *s = suite_create("categorical");
    TCase *tc = test_case("distribution");
    tcase_add_test(tc, log_probabilities_normalize_even_for_huge_logits);
    tcase_add_test(tc, the_entropy_of_equal_logits_is_ln_a_and_of_a_sure_action_near_zero);
    tcase_add_test(tc, samples_follow_the_softmax_and_carry_their_log_probability);
    tcase_add_test(tc, argmax_takes_the_first_of_equal_largest_logits);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(categorical_suite)
