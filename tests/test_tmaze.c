/* test_tmaze.c: the T-maze (envs/tmaze.h) keeps env.h's promises and its own rules: the sign is
 * seen once, in Bakker's coding; walls stop the agent; the goal's arm pays 1 and the other 0,
 * both ending the episode; the step limit truncates; the goal is north for about half the seeds.
 * And the example does what README "Your own environment" says: configs/tmaze.yaml trains a
 * policy that always turns the right way, and ppo watch records it. There is no outside
 * implementation to replay, so these are rule tests (a port of an existing env replays episodes
 * its original played instead: tests/test_popgym.c, tests/test_cartpole.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envs/env.h"
#include "envs/tmaze.h"
#include "tests/testutil.h"

static char out[1 << 16];

static Env *make(const char *name, int max_steps) {
    EnvConfig cfg = {.max_steps = max_steps};
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    Env *env;
    Err err;
    ck_assert_msg(env_create(&env, &cfg, &err) == 0, "%s: %s", name, err.msg);
    return env;
}

/* Fails unless obs [3] is (a, b, c). */
static void obs_is(const float *obs, float a, float b, float c, const char *where) {
    ck_assert_msg(obs[0] == a && obs[1] == b && obs[2] == c, "%s: observation %g%g%g, want %g%g%g", where, obs[0],
                  obs[1], obs[2], a, b, c);
}

typedef struct Step {
    float obs[3], reward;
    bool term, trunc;
} Step;

static Step step(Env *env, int action) {
    Step s;
    env_step(env, action, s.obs, &s.reward, &s.term, &s.trunc);
    return s;
}

START_TEST(both_mazes_keep_the_env_contract) {
    const char *names[] = {"tmaze", "tmaze-long"};
    const int limits[] = {30, 90};
    for (int i = 0; i < 2; i++) {
        Env *a = make(names[i], 0), *b = make(names[i], 0);
        ck_assert_int_eq(a->obs_dim, 3);
        ck_assert_int_eq(a->n_actions, 4);
        test_env_contract(a, b, 20000, limits[i], false);
        env_destroy(a);
        env_destroy(b);
    }
}
END_TEST

START_TEST(the_best_episode_walks_east_and_turns_to_the_sign_for_a_return_of_1) {
    for (uint64_t seed = 0; seed < 8; seed++)
        for (int wrong = 0; wrong < 2; wrong++) {
            Env *env = make("tmaze", 0);
            env_seed(env, seed, 0);
            float obs[3];
            env_reset(env, obs);
            const TmazeView *v = env_view(env);
            ck_assert_int_eq(v->length, 10);
            /* the sign: 011 north, 110 south */
            const bool north = v->goal_north;
            if (north) obs_is(obs, 0, 1, 1, "the sign (north)");
            else obs_is(obs, 1, 1, 0, "the sign (south)");
            Step s;
            for (int i = 1; i <= 10; i++) {
                s = step(env, TMAZE_EAST);
                ck_assert(!s.term && !s.trunc && s.reward == 0);
                ck_assert_int_eq(v->pos, i);
                if (i < 10) obs_is(s.obs, 1, 0, 1, "the corridor");
                else obs_is(s.obs, 0, 1, 0, "the junction");
            }
            const int right = north ? TMAZE_NORTH : TMAZE_SOUTH, other = north ? TMAZE_SOUTH : TMAZE_NORTH;
            s = step(env, wrong ? other : right);
            ck_assert(s.term && !s.trunc);
            ck_assert_float_eq(s.reward, wrong ? 0.0f : 1.0f);
            ck_assert_int_eq(v->steps, 11);
            env_destroy(env);
        }
}
END_TEST

START_TEST(walls_stop_the_agent_and_the_sign_is_shown_once) {
    Env *env = make("tmaze", 0);
    env_seed(env, 1, 0);
    float obs[3];
    env_reset(env, obs);
    const TmazeView *v = env_view(env);
    /* west at the start, north and south in the corridor: no move, no reward, no end; back in
     * cell 0 the sign is gone */
    Step s = step(env, TMAZE_WEST);
    ck_assert_int_eq(v->pos, 0);
    obs_is(s.obs, 1, 0, 1, "cell 0 after the first step");
    step(env, TMAZE_EAST);
    for (int a = TMAZE_NORTH; a <= TMAZE_SOUTH; a++) {
        s = step(env, a);
        ck_assert(!s.term && !s.trunc && s.reward == 0);
        ck_assert_int_eq(v->pos, 1);
    }
    s = step(env, TMAZE_WEST);
    ck_assert_int_eq(v->pos, 0);
    obs_is(s.obs, 1, 0, 1, "cell 0 again");
    /* east at the junction stays there */
    for (int i = 0; i < 10; i++) step(env, TMAZE_EAST);
    s = step(env, TMAZE_EAST);
    ck_assert_int_eq(v->pos, 10);
    ck_assert(!s.term && !s.trunc);
    obs_is(s.obs, 0, 1, 0, "the junction");
    env_destroy(env);
}
END_TEST

START_TEST(the_step_limit_truncates_with_nothing_earned) {
    const int limits[][2] = {{0, 30}, {5, 5}}; /* env.max_steps, the limit */
    for (int i = 0; i < 2; i++) {
        Env *env = make("tmaze", limits[i][0]);
        float obs[3];
        env_reset(env, obs);
        Step s = {0};
        for (int t = 1; t <= limits[i][1]; t++) {
            ck_assert_msg(!s.trunc, "truncated before step %d", t);
            s = step(env, TMAZE_WEST);
            ck_assert_float_eq(s.reward, 0.0f);
        }
        ck_assert(s.trunc && !s.term);
        env_destroy(env);
    }
    Env *env = make("tmaze-long", 0);
    ck_assert_int_eq(((const TmazeView *)env_view(env))->max_steps, 90);
    env_destroy(env);
}
END_TEST

START_TEST(the_goal_is_north_for_about_half_the_seeds_and_the_same_for_a_seed) {
    int north = 0;
    float obs[3];
    Env *env = make("tmaze", 0), *again = make("tmaze", 0);
    for (uint64_t seed = 0; seed < 2000; seed++) {
        env_seed(env, seed, 0);
        env_reset(env, obs);
        env_seed(again, seed, 0);
        env_reset(again, obs);
        const bool n = ((const TmazeView *)env_view(env))->goal_north;
        ck_assert(n == ((const TmazeView *)env_view(again))->goal_north);
        north += n;
    }
    /* binomial(2000, 1/2): standard deviation 22; 5 of them either side */
    ck_assert_msg(north > 1000 - 110 && north < 1000 + 110, "north for %d of 2000 seeds", north);
    env_destroy(env);
    env_destroy(again);
}
END_TEST

START_TEST(options_of_other_envs_and_bad_states_are_refused_by_name) {
    EnvConfig cfg = {.name = "tmaze", .see_through = true};
    Env *env;
    Err err;
    ck_assert_int_ne(env_create(&env, &cfg, &err), 0);
    ck_assert_msg(strstr(err.msg, "env.see_through"), "%s", err.msg);
    cfg = (EnvConfig){.name = "tmaze", .integrator = ENV_INTEGRATOR_SEMI_IMPLICIT};
    ck_assert_int_ne(env_create(&env, &cfg, &err), 0);
    ck_assert_msg(strstr(err.msg, "env.integrator"), "%s", err.msg);
    env = make("tmaze", 0);
    unsigned char *buf = calloc(1, env_state_size(env));
    ck_assert_ptr_nonnull(buf);
    env_state_save(env, buf);
    int32_t pos = 11; /* beyond the junction */
    memcpy(buf, &pos, sizeof pos);
    ck_assert_int_ne(env_state_load(env, buf, &err), 0);
    ck_assert_msg(strstr(err.msg, "tmaze state"), "%s", err.msg);
    free(buf);
    env_destroy(env);
}
END_TEST

START_TEST(the_example_config_trains_a_policy_that_always_turns_right_and_watch_records_it) {
    char dir[256], args[2048];
    test_tmpdir(dir, sizeof dir);
    snprintf(args, sizeof args, "train configs/tmaze.yaml --set run.runs_dir=%s/runs --run-name t --quiet", dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "reached a mean return of 0.95"), "configs/tmaze.yaml did not reach its stop_return:\n%s",
                  out);
    snprintf(args, sizeof args, "eval %s/runs/t/checkpoints/latest.ckpt --episodes 200", dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    /* every episode turns the right way, with few steps wasted (the best is 11) */
    const char *r = strstr(out, "return 1 +- 0  (min 1, max 1)  mean length ");
    ck_assert_msg(r, "%s", out);
    double length = atof(r + strlen("return 1 +- 0  (min 1, max 1)  mean length "));
    ck_assert_msg(length >= 11 && length <= 13, "mean length %g:\n%s", length, out);
    /* the viewer draws it as its text picture, 4 steps a second: 25 hundredths a frame */
    snprintf(args, sizeof args, "watch %s/runs/t/checkpoints/latest.ckpt --record %s/t.gif", dir, dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "episode 1: return 1.00, length ") && strstr(out, "terminated"), "%s", out);
    char gif[512];
    snprintf(gif, sizeof gif, "%s/t.gif", dir);
    struct stat st;
    ck_assert_int_eq(stat(gif, &st), 0);
    ck_assert_int_gt(st.st_size, 1000);
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(args), 0);
}
END_TEST

static Suite *tmaze_suite(void) {
    Suite *s = suite_create("tmaze");
    TCase *tc = test_case("rules");
    tcase_add_test(tc, both_mazes_keep_the_env_contract);
    tcase_add_test(tc, the_best_episode_walks_east_and_turns_to_the_sign_for_a_return_of_1);
    tcase_add_test(tc, walls_stop_the_agent_and_the_sign_is_shown_once);
    tcase_add_test(tc, the_step_limit_truncates_with_nothing_earned);
    tcase_add_test(tc, the_goal_is_north_for_about_half_the_seeds_and_the_same_for_a_seed);
    tcase_add_test(tc, options_of_other_envs_and_bad_states_are_refused_by_name);
    suite_add_tcase(s, tc);
    tc = test_case("example");
    tcase_add_test(tc, the_example_config_trains_a_policy_that_always_turns_right_and_watch_records_it);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(tmaze_suite)
