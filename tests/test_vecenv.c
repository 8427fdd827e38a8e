/* test_vecenv.c: vectorized envs autoreset in the same step, keep the true final observation,
 * and log every finished episode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/cartpole.h"
#include "envs/vecenv.h"
#include "tests/testutil.h"

enum { N = 4, D = 4 };

static VecEnv *make(int n, uint64_t seed, int max_steps, int log_cap) {
    EnvConfig cfg = {0};
    snprintf(cfg.name, sizeof cfg.name, "cartpole");
    cfg.max_steps = max_steps;
    VecEnv *v;
    Err err;
    ck_assert_msg(vecenv_create(&v, &cfg, n, seed, 0, log_cap, &err) == 0, "%s", err.msg);
    return v;
}

START_TEST(an_ended_episode_resets_in_the_same_step_and_keeps_its_final_obs) {
    VecEnv *v = make(N, 11, 0, 1024);
    /* A twin single env per slot replays what the vectorized one should do. */
    Env *twin[N];
    EnvConfig cfg = {0};
    snprintf(cfg.name, sizeof cfg.name, "cartpole");
    Err err;
    float tobs[N][D];
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(env_create(&twin[i], &cfg, &err), 0);
        env_seed(twin[i], 11, (uint64_t)i);
        env_reset(twin[i], tobs[i]);
    }
    float obs[N * D], final_obs[N * D], reward[N];
    uint8_t term[N], trunc[N];
    int32_t actions[N];
    vecenv_reset(v, obs);
    ck_assert_mem_eq(obs, tobs, sizeof obs);
    int ends = 0;
    for (int t = 0; t < 300; t++) {
        for (int i = 0; i < N; i++) actions[i] = (t + i) % 5 < 2; /* mostly left: episodes end */
        memset(final_obs, 0xff, sizeof final_obs);
        vecenv_step(v, actions, obs, reward, term, trunc, final_obs);
        for (int i = 0; i < N; i++) {
            float r;
            bool te, tr;
            env_step(twin[i], actions[i], tobs[i], &r, &te, &tr);
            ck_assert_int_eq(term[i], te);
            ck_assert_int_eq(trunc[i], tr);
            ck_assert_float_eq(reward[i], r);
            if (te || tr) {
                ends++;
                ck_assert_mem_eq(final_obs + i * D, tobs[i], sizeof tobs[i]);
                env_reset(twin[i], tobs[i]); /* the new episode's first obs */
            } else {
                uint32_t untouched;
                memcpy(&untouched, final_obs + i * D, sizeof untouched);
                ck_assert_uint_eq(untouched, 0xffffffffu);
            }
            ck_assert_mem_eq(obs + i * D, tobs[i], sizeof tobs[i]);
        }
    }
    ck_assert_int_gt(ends, 10);
    for (int i = 0; i < N; i++) env_destroy(twin[i]);
    vecenv_destroy(v);
}
END_TEST

START_TEST(finished_episodes_are_logged_with_return_length_and_cause) {
    VecEnv *v = make(N, 3, 50, 4096);
    float obs[N * D], final_obs[N * D], reward[N];
    uint8_t term[N], trunc[N];
    int32_t actions[N];
    vecenv_reset(v, obs);
    int ends = 0, running[N] = {0};
    for (int t = 0; t < 1000; t++) {
        for (int i = 0; i < N; i++) actions[i] = i == 0 ? t % 2 : (t % 7 < 3);
        vecenv_step(v, actions, obs, reward, term, trunc, final_obs);
        for (int i = 0; i < N; i++) {
            running[i]++;
            if (term[i] || trunc[i]) {
                Episode e;
                ck_assert_int_eq(vecenv_drain_episodes(v, &e, 1), 1);
                ck_assert_int_eq(e.env_index, i);
                ck_assert_int_eq(e.length, running[i]);
                ck_assert_float_eq(e.ret, (float)running[i]);
                ck_assert_int_eq(e.terminated, term[i]);
                ck_assert_int_le(e.length, 50);
                ends++;
                running[i] = 0;
            }
        }
    }
    Episode spare;
    ck_assert_int_eq(vecenv_drain_episodes(v, &spare, 1), 0);
    ck_assert_int_gt(ends, 20);
    ck_assert_int_eq(v->dropped, 0);
    vecenv_destroy(v);
}
END_TEST

START_TEST(a_full_log_counts_the_episodes_it_drops) {
    VecEnv *v = make(1, 3, 5, 2);
    float obs[D], final_obs[D], reward[1];
    uint8_t term[1], trunc[1];
    int32_t a[1] = {0};
    vecenv_reset(v, obs);
    for (int t = 0; t < 20; t++) {
        a[0] = t % 2;
        vecenv_step(v, a, obs, reward, term, trunc, final_obs);
    }
    ck_assert_int_eq(v->log_len, 2);
    ck_assert_int_eq(v->dropped, 2);
    vecenv_destroy(v);
}
END_TEST

START_TEST(the_same_seed_gives_identical_runs) {
    VecEnv *a = make(N, 99, 0, 16), *b = make(N, 99, 0, 16), *c = make(N, 98, 0, 16);
    float oa[N * D], ob[N * D], oc[N * D], fo[N * D], r[N];
    uint8_t te[N], tr[N];
    int32_t act[N];
    vecenv_reset(a, oa);
    vecenv_reset(b, ob);
    vecenv_reset(c, oc);
    ck_assert_mem_eq(oa, ob, sizeof oa);
    ck_assert(memcmp(oa, oc, sizeof oa) != 0);
    for (int t = 0; t < 100; t++) {
        for (int i = 0; i < N; i++) act[i] = (t * 3 + i) % 2;
        vecenv_step(a, act, oa, r, te, tr, fo);
        vecenv_step(b, act, ob, r, te, tr, fo);
        ck_assert_mem_eq(oa, ob, sizeof oa);
    }
    vecenv_destroy(a);
    vecenv_destroy(b);
    vecenv_destroy(c);
}
END_TEST

static Suite *vecenv_suite(void) {
    Suite *s = suite_create("vecenv");
    TCase *tc = test_case("autoreset");
    tcase_add_test(tc, an_ended_episode_resets_in_the_same_step_and_keeps_its_final_obs);
    tcase_add_test(tc, finished_episodes_are_logged_with_return_length_and_cause);
    tcase_add_test(tc, a_full_log_counts_the_episodes_it_drops);
    tcase_add_test(tc, the_same_seed_gives_identical_runs);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(vecenv_suite)
