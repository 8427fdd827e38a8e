/* test_collapse.c: the collapse warning comes once, after a real rise and a fall that stays,
 * and never for noise around a flat curve or a dip that recovers. */
#include <math.h>

#include "core/rng.h"
#include "run/collapse.h"
#include "tests/testutil.h"

/* A full window of returns around mean with standard deviation sd (drawn from rng). */
static void fill(EpisodeWindow *w, double mean, double sd, Rng *rng) {
    w->n = 0;
    for (int i = 0; i < EPISODE_WINDOW; i++) episodes_push(w, (float)(mean + sd * rng_normal(rng)), 10);
}

/* Feeds updates windows of the given means; returns the update (1-based) the warning came at, or 0. */
static int feed(Collapse *c, const double *means, int n, double sd, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed, 0);
    EpisodeWindow w;
    int at = 0;
    for (int u = 0; u < n; u++) {
        fill(&w, means[u], sd, &rng);
        if (collapse_check(c, &w)) {
            ck_assert_msg(at == 0, "a second warning at update %d", u + 1);
            at = u + 1;
        }
    }
    return at;
}

START_TEST(a_rise_then_a_fall_that_stays_is_said_once) {
    double means[200];
    for (int u = 0; u < 200; u++) means[u] = u < 50 ? 20 + 9 * u : u < 80 ? 470 : 9;
    Collapse c = {0};
    int at = feed(&c, means, 200, 5, 1);
    ck_assert_int_eq(at, 80 + COLLAPSE_UPDATES);
    ck_assert_double_eq_tol(c.best, 470, 5);
}
END_TEST

START_TEST(noise_around_a_flat_curve_and_a_dip_that_recovers_are_not_a_collapse) {
    double flat[300], dip[200];
    for (int u = 0; u < 300; u++) flat[u] = 20;
    Collapse c = {0};
    ck_assert_int_eq(feed(&c, flat, 300, 10, 2), 0);
    for (int u = 0; u < 200; u++) dip[u] = u < 50 ? 20 + 9 * u : (u >= 80 && u < 80 + COLLAPSE_UPDATES - 1) ? 9 : 470;
    Collapse d = {0};
    ck_assert_int_eq(feed(&d, dip, 200, 5, 3), 0);
}
END_TEST

START_TEST(a_window_that_is_not_full_is_not_judged) {
    Collapse c = {0};
    EpisodeWindow w = {0};
    for (int i = 0; i < EPISODE_WINDOW - 1; i++) episodes_push(&w, 1.0f, 5);
    for (int u = 0; u < 100; u++) ck_assert(!collapse_check(&c, &w));
    ck_assert(!c.started);
}
END_TEST

static Suite *collapse_suite(void) {
    Suite *s = suite_create("collapse");
    TCase *tc = test_case("warning");
    tcase_add_test(tc, a_rise_then_a_fall_that_stays_is_said_once);
    tcase_add_test(tc, noise_around_a_flat_curve_and_a_dip_that_recovers_are_not_a_collapse);
    tcase_add_test(tc, a_window_that_is_not_full_is_not_judged);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(collapse_suite)
