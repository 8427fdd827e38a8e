/* test_count_bonus.c: the count-based exploration bonus counts each observation exactly (equal
 * observations share a count, any other is counted apart), adds coef / sqrt(n) in the order of
 * the rows, gives only the rows asked for their bonus while counting every row, keeps its counts
 * while the table grows, and restores counts set one by one; a rollout's terminated steps carry
 * on the bonus return of the episode that follows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algo/count_bonus.h"
#include "algo/rollout.h"
#include "core/rng.h"
#include "run/config.h"
#include "tests/testutil.h"

START_TEST(equal_observations_share_a_count_and_each_gets_coef_over_sqrt_n) {
    enum { O = 5, ROWS = 6 };
    /* rows: A B A A C B, C differing from A in the last bit of one float */
    float obs[ROWS][O] = {{1, 0, 0, 1, 0}, {0, 1, 0, 0, 0}, {1, 0, 0, 1, 0},
                          {1, 0, 0, 1, 0}, {1, 0, 0, 1, 0}, {0, 1, 0, 0, 0}};
    obs[4][3] = nextafterf(1.0f, 2.0f);
    uint64_t keys[ROWS];
    count_bonus_keys(&obs[0][0], O, ROWS, keys);
    for (int r = 0; r < ROWS; r++) ck_assert_uint_ne(keys[r], 0);
    ck_assert_uint_eq(keys[0], keys[2]);
    ck_assert_uint_eq(keys[1], keys[5]);
    ck_assert_uint_ne(keys[0], keys[1]);
    ck_assert_uint_ne(keys[0], keys[4]);
    CountBonus cb;
    Err err;
    ck_assert_int_eq(count_bonus_init(&cb, 0.5, &err), 0);
    float rewards[ROWS] = {1, 0, 0, 0, -1, 0};
    ck_assert_int_eq(count_bonus_add(&cb, keys, ROWS, 0, ROWS, rewards, NULL, &err), 0);
    const double want[ROWS] = {1 + 0.5, 0.5, 0.5 / sqrt(2), 0.5 / sqrt(3), -1 + 0.5, 0.5 / sqrt(2)};
    for (int r = 0; r < ROWS; r++) ck_assert_float_eq_tol(rewards[r], (float)want[r], 1e-7);
    ck_assert_uint_eq(count_bonus_count(&cb, keys[0]), 3);
    ck_assert_uint_eq(count_bonus_count(&cb, keys[1]), 2);
    ck_assert_uint_eq(count_bonus_count(&cb, keys[4]), 1);
    ck_assert_uint_eq(cb.used, 3);
    /* a second rollout goes on from these counts */
    float again[1] = {0};
    ck_assert_int_eq(count_bonus_add(&cb, keys, 1, 0, 1, again, NULL, &err), 0);
    ck_assert_float_eq_tol(again[0], (float)(0.5 / sqrt(4)), 1e-7);
    count_bonus_free(&cb);
}
END_TEST

START_TEST(only_the_rows_asked_for_get_a_bonus_but_every_row_is_counted) {
    /* three ranks' keys back to back; rank 1 (rows 2, 3) adds its bonuses */
    const uint64_t keys[6] = {7, 9, 7, 8, 9, 7};
    CountBonus cb;
    Err err;
    ck_assert_int_eq(count_bonus_init(&cb, 1.0, &err), 0);
    float rewards[2] = {0, 0};
    double sum = -1;
    ck_assert_int_eq(count_bonus_add(&cb, keys, 6, 2, 2, rewards, &sum, &err), 0);
    /* the sum covers every rank's rows: 7 7 7 -> 1 + 1/sqrt2 + 1/sqrt3; 9 9 -> 1 + 1/sqrt2; 8 -> 1 */
    ck_assert_double_eq_tol(sum, 3 + 2 / sqrt(2) + 1 / sqrt(3), 1e-12);
    ck_assert_float_eq_tol(rewards[0], (float)(1 / sqrt(2)), 1e-7); /* the second 7 */
    ck_assert_float_eq_tol(rewards[1], 1.0f, 1e-7);                 /* the first 8 */
    ck_assert_uint_eq(count_bonus_count(&cb, 7), 3);
    ck_assert_uint_eq(count_bonus_count(&cb, 9), 2);
    ck_assert_uint_eq(count_bonus_count(&cb, 5), 0);
    count_bonus_free(&cb);
}
END_TEST

START_TEST(counts_survive_the_table_growing_and_a_restore) {
    enum { DISTINCT = 20000 };
    Rng rng;
    rng_seed(&rng, 11, 0);
    uint64_t *keys = malloc(sizeof(uint64_t) * 2 * DISTINCT);
    for (int i = 0; i < DISTINCT; i++) {
        keys[i] = (uint64_t)(rng_u32(&rng) | 1u) << 32 | rng_u32(&rng); /* never 0 */
        keys[DISTINCT + i] = keys[i]; /* each seen twice */
    }
    CountBonus cb, back;
    Err err;
    ck_assert_int_eq(count_bonus_init(&cb, 1.0, &err), 0);
    const size_t cap0 = cb.cap;
    float *rewards = calloc(2 * DISTINCT, sizeof(float));
    ck_assert_int_eq(count_bonus_add(&cb, keys, 2 * DISTINCT, 0, 2 * DISTINCT, rewards, NULL, &err), 0);
    ck_assert_uint_gt(cb.cap, cap0);
    ck_assert_uint_le(2 * cb.used, cb.cap);
    ck_assert_uint_eq(cb.used, DISTINCT);
    for (int i = 0; i < DISTINCT; i++) {
        ck_assert_uint_eq(count_bonus_count(&cb, keys[i]), 2);
        ck_assert_float_eq_tol(rewards[DISTINCT + i], (float)(1 / sqrt(2)), 1e-7);
    }
    /* a checkpoint's entries set one by one give the same counts */
    ck_assert_int_eq(count_bonus_init(&back, 1.0, &err), 0);
    for (size_t i = 0; i < cb.cap; i++)
        if (cb.keys[i]) ck_assert_int_eq(count_bonus_set(&back, cb.keys[i], cb.counts[i], &err), 0);
    ck_assert_uint_eq(back.used, cb.used);
    for (int i = 0; i < DISTINCT; i++) ck_assert_uint_eq(count_bonus_count(&back, keys[i]), 2);
    free(keys);
    free(rewards);
    count_bonus_free(&cb);
    count_bonus_free(&back);
}
END_TEST

START_TEST(a_terminated_step_carries_on_the_bonus_return_of_the_episode_that_follows) {
    /* CartPole's observations never repeat, so every step's bonus is coef (n = 1) and so is
     * their mean: a terminated step gains coef + gamma * coef / (1 - gamma), a truncated one
     * (env.max_steps 12) and any other step coef alone. */
    enum { N = 4, T = 64 };
    const double coef = 0.1, gamma = 0.9;
    char *sets[] = {"env.name=cartpole", "env.max_steps=12", "policy.kind=mlp"};
    TrainConfig cfg;
    Err err;
    ck_assert_msg(config_load_string(&cfg, "", 0, "test", sets, 3, &err) == 0, "%s", err.msg);
    Policy *p;
    ck_assert_int_eq(policy_create(&p, &cfg.policy, 4, 2, &err), 0);
    Rng rng;
    rng_seed(&rng, 3, 0);
    policy_init(p, &rng);
    Rollout *r;
    ck_assert_int_eq(rollout_create(&r, &cfg.env, p, N, T, NULL, 7, 0, &err), 0);
    ck_assert_int_eq(rollout_set_count_bonus(r, coef, gamma, 1, &err), 0);
    ck_assert_int_ne(rollout_set_count_bonus(r, coef, 1.0, 1, &err), 0);
    rollout_collect(r);
    RolloutBuffer *b = &r->buf;
    float before[N * T];
    memcpy(before, b->rewards, sizeof before);
    ck_assert_int_eq(rollout_count_bonus(r, NULL, &err), 0);
    const double carried = gamma * coef / (1 - gamma);
    ck_assert_double_eq_tol(r->bonus_terminal, carried, 1e-12);
    int terminated = 0, truncated = 0;
    for (int i = 0; i < N * T; i++) {
        terminated += b->terminated[i];
        truncated += b->truncated[i] && !b->terminated[i];
        double want = before[i] + coef + (b->terminated[i] ? carried : 0.0);
        ck_assert_msg(fabs(b->rewards[i] - want) <= 1e-6, "row %d (terminated %d): reward %.7g, want %.7g",
                      i, b->terminated[i], b->rewards[i], want);
    }
    ck_assert_int_gt(terminated, 0);
    ck_assert_int_gt(truncated, 0);
    rollout_destroy(r);
    policy_destroy(p);
}
END_TEST

static Suite *count_bonus_suite(void) {
    Suite *s = suite_create("count_bonus");
    TCase *tc = test_case("counts");
    tcase_add_test(tc, equal_observations_share_a_count_and_each_gets_coef_over_sqrt_n);
    tcase_add_test(tc, only_the_rows_asked_for_get_a_bonus_but_every_row_is_counted);
    tcase_add_test(tc, counts_survive_the_table_growing_and_a_restore);
    tcase_add_test(tc, a_terminated_step_carries_on_the_bonus_return_of_the_episode_that_follows);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(count_bonus_suite)
