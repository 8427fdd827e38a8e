/* test_cartpole.c: CartPole-v1 matches Gymnasium's own trajectories step for step, and its
 * seeding, episode ends and stateless variant behave as documented. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/cartpole.h"
#include "tests/testutil.h"

#define DEFAULT_REFERENCE "../shared/reference/cartpole_v1_trajectories.csv"

typedef struct Row {
    int traj, integrator, t, action;
    double s[4];
    int reward, terminated, truncated;
} Row;

/* Reads the reference CSV (format in ../shared/reference/README.md) into rows [*n]. */
static Row *read_reference(int *n) {
    const char *path = getenv("CARTPOLE_REFERENCE");
    if (!path || !*path) path = DEFAULT_REFERENCE;
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open the CartPole reference %s (set CARTPOLE_REFERENCE)", path);
    char line[1024];
    ck_assert_msg(fgets(line, sizeof line, f) != NULL, "%s is empty", path);
    const char *header = "traj,integrator,t,action,x,x_dot,theta,theta_dot,reward,terminated,truncated";
    ck_assert_msg(strncmp(line, header, strlen(header)) == 0,
                  "%s: unexpected header %s", path, line);
    int cap = 4096, len = 0;
    Row *rows = malloc((size_t)cap * sizeof *rows);
    int lineno = 1;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (len == cap) rows = realloc(rows, (size_t)(cap *= 2) * sizeof *rows);
        Row *r = &rows[len];
        char integ[64];
        int got = sscanf(line, "%d,%63[^,],%d,%d,%lf,%lf,%lf,%lf,%d,%d,%d", &r->traj, integ, &r->t,
                         &r->action, &r->s[0], &r->s[1], &r->s[2], &r->s[3], &r->reward,
                         &r->terminated, &r->truncated);
        ck_assert_msg(got == 11, "%s:%d: cannot parse %s", path, lineno, line);
        if (strcmp(integ, "euler") == 0)
            r->integrator = ENV_INTEGRATOR_EULER;
        else if (strcmp(integ, "semi-implicit_euler") == 0)
            r->integrator = ENV_INTEGRATOR_SEMI_IMPLICIT;
        else
            ck_abort_msg("%s:%d: unknown integrator %s", path, lineno, integ);
        len++;
    }
    fclose(f);
    *n = len;
    return rows;
}

static Env *make_env(const char *name, int integrator, int max_steps) {
    EnvConfig cfg = {0};
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    cfg.integrator = integrator;
    cfg.max_steps = max_steps;
    Env *env;
    Err err;
    ck_assert_msg(env_create(&env, &cfg, &err) == 0, "%s", err.msg);
    return env;
}

/* Sets the state of a cartpole env through its saved-state format (as a checkpoint would). */
static void set_state(Env *env, const double s[4], int steps) {
    unsigned char buf[256];
    ck_assert_uint_le(env_state_size(env), sizeof buf);
    env_state_save(env, buf);
    memcpy(buf, s, 4 * sizeof(double));
    memcpy(buf + 4 * sizeof(double), &steps, sizeof steps);
    Err err;
    ck_assert_msg(env_state_load(env, buf, &err) == 0, "%s", err.msg);
}

START_TEST(every_reference_trajectory_is_reproduced_state_by_state) {
    int n;
    Row *rows = read_reference(&n);
    ck_assert_int_gt(n, 0);
    int trajectories = 0, steps = 0, truncations = 0, terminations = 0;
    double worst = 0.0;
    for (int i = 0; i < n;) {
        ck_assert_int_eq(rows[i].t, 0);
        Env *env = make_env("cartpole", rows[i].integrator, 500);
        set_state(env, rows[i].s, 0);
        trajectories++;
        int j = i + 1;
        for (; j < n && rows[j].traj == rows[i].traj; j++) {
            const Row *r = &rows[j];
            float obs[4], reward;
            bool term, trunc;
            env_step(env, r->action, obs, &reward, &term, &trunc);
            const CartPoleView *v = env_view(env);
            for (int k = 0; k < 4; k++) {
                double rel = fabs(v->state[k] - r->s[k]) / fmax(fabs(r->s[k]), 1e-300);
                if (rel > worst) worst = rel;
                ck_assert_msg(rel <= 1e-9, "traj %d t %d state[%d]: got %.17g want %.17g (rel %.3g)",
                              r->traj, r->t, k, v->state[k], r->s[k], rel);
                ck_assert_msg(obs[k] == (float)r->s[k], "traj %d t %d obs[%d] is not the state cast to float",
                              r->traj, r->t, k);
            }
            ck_assert_msg(reward == (float)r->reward, "traj %d t %d reward", r->traj, r->t);
            ck_assert_msg(term == (bool)r->terminated, "traj %d t %d terminated: got %d", r->traj, r->t, term);
            ck_assert_msg(trunc == (bool)r->truncated, "traj %d t %d truncated: got %d", r->traj, r->t, trunc);
            terminations += term;
            truncations += trunc;
            steps++;
        }
        env_destroy(env);
        i = j;
    }
    free(rows);
    /* Any number of trajectories (the shared reference holds 16), with both kinds of episode end. */
    ck_assert_int_gt(trajectories, 0);
    ck_assert_int_gt(terminations, 0);
    ck_assert_int_gt(truncations, 0);
    printf("cartpole parity: %d trajectories, %d steps, largest relative state error %.3g\n",
           trajectories, steps, worst);
}
END_TEST

/* Plays one episode with actions from a fixed pattern; returns its length and writes the
 * observations of the first `keep` steps into obs_out [keep, obs_dim]. */
static int play(Env *env, float *obs_out, int keep, float *ret) {
    float obs[4], reward;
    bool term = false, trunc = false;
    env_reset(env, obs);
    if (keep > 0) memcpy(obs_out, obs, (size_t)env->obs_dim * sizeof(float));
    int t = 0;
    *ret = 0.0f;
    while (!term && !trunc) {
        env_step(env, (t * 7 / 3) % 2, obs, &reward, &term, &trunc);
        *ret += reward;
        t++;
        if (t < keep) memcpy(obs_out + (size_t)t * env->obs_dim, obs, (size_t)env->obs_dim * sizeof(float));
    }
    return t;
}

START_TEST(the_same_seed_gives_the_same_episode_and_other_seeds_differ) {
    enum { KEEP = 8 };
    float a[KEEP * 4], b[KEEP * 4], c[KEEP * 4], ret;
    Env *env = make_env("cartpole", ENV_INTEGRATOR_EULER, 0);
    env_seed(env, 123, 5);
    int la = play(env, a, KEEP, &ret);
    env_seed(env, 123, 5);
    int lb = play(env, b, KEEP, &ret);
    env_seed(env, 124, 5);
    play(env, c, KEEP, &ret);
    ck_assert_int_eq(la, lb);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert(memcmp(a, c, sizeof a) != 0);
    env_seed(env, 123, 6);
    play(env, c, KEEP, &ret);
    ck_assert(memcmp(a, c, sizeof a) != 0);
    env_destroy(env);
}
END_TEST

START_TEST(reset_states_are_uniform_in_plus_minus_0_05) {
    Env *env = make_env("cartpole", ENV_INTEGRATOR_EULER, 0);
    env_seed(env, 9, 0);
    double lo = 1, hi = -1, sum = 0;
    for (int i = 0; i < 5000; i++) {
        float obs[4];
        env_reset(env, obs);
        const CartPoleView *v = env_view(env);
        for (int k = 0; k < 4; k++) {
            ck_assert(v->state[k] >= -0.05 && v->state[k] <= 0.05);
            lo = fmin(lo, v->state[k]);
            hi = fmax(hi, v->state[k]);
            sum += v->state[k];
        }
    }
    ck_assert_double_lt(lo, -0.049);
    ck_assert_double_gt(hi, 0.049);
    ck_assert_double_eq_tol(sum / 20000, 0.0, 0.002);
    env_destroy(env);
}
END_TEST

START_TEST(episode_return_equals_episode_length_and_truncation_comes_at_max_steps) {
    Env *env = make_env("cartpole", ENV_INTEGRATOR_EULER, 0);
    env_seed(env, 1, 0);
    for (int e = 0; e < 20; e++) {
        float ret, obs[4];
        int len = play(env, obs, 0, &ret);
        ck_assert_float_eq(ret, (float)len);
        ck_assert_int_le(len, 500);
    }
    env_destroy(env);
    /* A balanced start with alternating pushes survives past a short limit: truncated there. */
    env = make_env("cartpole", ENV_INTEGRATOR_EULER, 3);
    float obs[4], reward;
    bool term, trunc;
    const double zero[4] = {0, 0, 0, 0};
    set_state(env, zero, 0);
    for (int t = 1; t <= 3; t++) {
        env_step(env, t % 2, obs, &reward, &term, &trunc);
        ck_assert(!term);
        ck_assert(trunc == (t == 3));
    }
    env_destroy(env);
}
END_TEST

START_TEST(termination_is_checked_after_the_step_with_strict_bounds) {
    Env *env = make_env("cartpole", ENV_INTEGRATOR_EULER, 0);
    float obs[4], reward;
    bool term, trunc;
    /* With zero velocities explicit Euler leaves x and theta unchanged for one step, so the
     * state after the step sits exactly on, or just past, a threshold. */
    const double on_x_edge[4] = {2.4, 0, 0, 0};
    set_state(env, on_x_edge, 0);
    env_step(env, 1, obs, &reward, &term, &trunc);
    ck_assert_msg(!term, "x = 2.4 exactly is not beyond the threshold");
    const double past_x_edge[4] = {-nextafter(2.4, 3.0), 0, 0, 0};
    set_state(env, past_x_edge, 0);
    env_step(env, 1, obs, &reward, &term, &trunc);
    ck_assert(term);
    ck_assert_float_eq(reward, 1.0f);
    const double on_theta_edge[4] = {0, 0, CARTPOLE_THETA_THRESHOLD, 0};
    set_state(env, on_theta_edge, 0);
    env_step(env, 0, obs, &reward, &term, &trunc);
    ck_assert(!term);
    const double past_theta_edge[4] = {0, 0, -nextafter(CARTPOLE_THETA_THRESHOLD, 1.0), 0};
    set_state(env, past_theta_edge, 0);
    env_step(env, 0, obs, &reward, &term, &trunc);
    ck_assert(term);
    /* Moving into the edge during the step terminates: the check is after the step. */
    const double moving_out[4] = {2.39, 1.0, 0, 0};
    set_state(env, moving_out, 0);
    env_step(env, 1, obs, &reward, &term, &trunc);
    ck_assert(term);
    env_destroy(env);
}
END_TEST

START_TEST(the_stateless_variant_observes_position_and_angle_only) {
    Env *full = make_env("cartpole", ENV_INTEGRATOR_EULER, 0);
    Env *pos = make_env("cartpole-stateless", ENV_INTEGRATOR_EULER, 0);
    ck_assert_int_eq(full->obs_dim, 4);
    ck_assert_int_eq(pos->obs_dim, 2);
    ck_assert_int_eq(pos->n_actions, 2);
    env_seed(full, 5, 5);
    env_seed(pos, 5, 5);
    float of[4], op[2], r1, r2;
    bool t1, t2, u1, u2;
    env_reset(full, of);
    env_reset(pos, op);
    for (int t = 0; t < 30; t++) {
        ck_assert_float_eq(op[0], of[0]);
        ck_assert_float_eq(op[1], of[2]);
        env_step(full, t % 3 == 0, of, &r1, &t1, &u1);
        env_step(pos, t % 3 == 0, op, &r2, &t2, &u2);
        ck_assert(t1 == t2 && u1 == u2);
        if (t1 || u1) break;
    }
    env_destroy(full);
    env_destroy(pos);
}
END_TEST

START_TEST(bad_names_and_options_are_rejected_with_a_message) {
    EnvConfig cfg = {0};
    Env *env;
    Err err;
    snprintf(cfg.name, sizeof cfg.name, "cartpol");
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_ptr_null(env);
    ck_assert_msg(strstr(err.msg, "cartpol") && strstr(err.msg, "cartpole-stateless"), "%s", err.msg);
    snprintf(cfg.name, sizeof cfg.name, "cartpole");
    cfg.max_steps = -1;
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_msg(strstr(err.msg, "max_steps"), "%s", err.msg);
    cfg.max_steps = 0;
    cfg.integrator = 7;
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_msg(strstr(err.msg, "integrator"), "%s", err.msg);
}
END_TEST

START_TEST(a_saved_state_restores_the_episode_and_bad_states_are_refused) {
    Env *a = make_env("cartpole", ENV_INTEGRATOR_EULER, 0);
    Env *b = make_env("cartpole", ENV_INTEGRATOR_EULER, 0);
    env_seed(a, 77, 3);
    float oa[4], ob[4], r;
    bool term, trunc;
    env_reset(a, oa);
    env_step(a, 1, oa, &r, &term, &trunc);
    unsigned char buf[256];
    env_state_save(a, buf);
    Err err;
    ck_assert_int_eq(env_state_load(b, buf, &err), 0);
    for (int e = 0; e < 3; e++) { /* the RNG came along: later resets agree too */
        float ra, rb;
        ck_assert_int_eq(play(a, oa, 1, &ra), play(b, ob, 1, &rb));
        ck_assert_mem_eq(oa, ob, sizeof oa);
    }
    double nan_state[4] = {0, NAN, 0, 0};
    memcpy(buf, nan_state, sizeof nan_state);
    ck_assert_int_eq(env_state_load(b, buf, &err), -1);
    ck_assert_msg(strstr(err.msg, "finite"), "%s", err.msg);
    env_destroy(a);
    env_destroy(b);
}
END_TEST

static Suite *cartpole_suite(void) {
    Suite *s = suite_create("cartpole");
    TCase *tc = test_case("gymnasium parity");
    tcase_add_test(tc, every_reference_trajectory_is_reproduced_state_by_state);
    suite_add_tcase(s, tc);
    tc = test_case("behaviour");
    tcase_add_test(tc, the_same_seed_gives_the_same_episode_and_other_seeds_differ);
    tcase_add_test(tc, reset_states_are_uniform_in_plus_minus_0_05);
    tcase_add_test(tc, episode_return_equals_episode_length_and_truncation_comes_at_max_steps);
    tcase_add_test(tc, termination_is_checked_after_the_step_with_strict_bounds);
    tcase_add_test(tc, the_stateless_variant_observes_position_and_angle_only);
    tcase_add_test(tc, bad_names_and_options_are_rejected_with_a_message);
    tcase_add_test(tc, a_saved_state_restores_the_episode_and_bad_states_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(cartpole_suite)
