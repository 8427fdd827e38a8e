/* test_classic.c: Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1 match
 * Gymnasium's own trajectories step for step (every state, observation, reward and flag), and
 * their seeding, action boxes, saved states and options behave as documented. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/classic.h"
#include "tests/testutil.h"

/* One row of a reference CSV (format in ../shared/reference/README.md); absent fields are NAN. */
typedef struct Row {
    int traj, t;
    double action; /* NAN on row t = 0 */
    double s[4];
    double o[6];
    double reward;
    int terminated, truncated;
} Row;

/* Splits line at commas into at most max fields (in place); returns how many. */
static int split_fields(char *line, char **fields, int max) {
    int n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    char *nl = strpbrk(fields[n - 1], "\r\n");
    if (nl) *nl = '\0';
    return n;
}

static double field_double(const char *f, const char *path, int lineno) {
    if (!*f) return NAN;
    char *end;
    double v = strtod(f, &end);
    ck_assert_msg(*end == '\0', "%s:%d: cannot parse '%s'", path, lineno, f);
    return v;
}

/* Reads the reference named by the environment variable var (default_path when unset) into
 * rows [*n]. */
static Row *read_reference(const char *var, const char *default_path, int *n) {
    const char *path = getenv(var);
    if (!path || !*path) path = default_path;
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open the reference %s (set %s)", path, var);
    char line[2048];
    ck_assert_msg(fgets(line, sizeof line, f) != NULL, "%s is empty", path);
    const char *header = "traj,reset_seed,t,action,s0,s1,s2,s3,o0,o1,o2,o3,o4,o5,reward,terminated,truncated";
    ck_assert_msg(strncmp(line, header, strlen(header)) == 0, "%s: unexpected header %s", path, line);
    int cap = 4096, len = 0, lineno = 1;
    Row *rows = malloc((size_t)cap * sizeof *rows);
    ck_assert_ptr_nonnull(rows);
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (len == cap) {
            rows = realloc(rows, (size_t)(cap *= 2) * sizeof *rows);
            ck_assert_ptr_nonnull(rows);
        }
        char *fld[17];
        ck_assert_msg(split_fields(line, fld, 17) == 17, "%s:%d: expected 17 fields", path, lineno);
        Row *r = &rows[len++];
        r->traj = atoi(fld[0]);
        r->t = atoi(fld[2]);
        r->action = field_double(fld[3], path, lineno);
        for (int k = 0; k < 4; k++) r->s[k] = field_double(fld[4 + k], path, lineno);
        for (int k = 0; k < 6; k++) r->o[k] = field_double(fld[8 + k], path, lineno);
        r->reward = field_double(fld[14], path, lineno);
        r->terminated = atoi(fld[15]);
        r->truncated = atoi(fld[16]);
    }
    fclose(f);
    *n = len;
    return rows;
}

static Env *make_env(const char *name, int max_steps) {
    EnvConfig cfg = {0};
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    cfg.max_steps = max_steps;
    Env *env;
    Err err;
    ck_assert_msg(env_create(&env, &cfg, &err) == 0, "%s", err.msg);
    return env;
}

/* Sets the state of a classic env through its saved-state format (as a checkpoint would). */
static void set_state(Env *env, const double s[4], int steps) {
    unsigned char buf[256];
    ck_assert_uint_le(env_state_size(env), sizeof buf);
    env_state_save(env, buf);
    double full[4];
    for (int k = 0; k < 4; k++) full[k] = isnan(s[k]) ? 0.0 : s[k];
    memcpy(buf, full, sizeof full);
    int32_t st = steps;
    memcpy(buf + sizeof full, &st, sizeof st);
    Err err;
    ck_assert_msg(env_state_load(env, buf, &err) == 0, "%s", err.msg);
}

/* The error of got against want in units of max(|want|, 1): relative for large values,
 * absolute for small ones (angles in rad, velocities, positions in m are all of order 1). */
static double scaled_err(double got, double want) { return fabs(got - want) / fmax(fabs(want), 1.0); }

typedef struct Parity {
    int trajectories, steps, terminations, truncations, obs_off_by_one_ulp;
    double worst_one_step, worst_free_run, worst_reward;
} Parity;

/* The step of row r (its recorded action) on env; writes obs [6], reward and flags. */
static void step_as_recorded(Env *env, const Row *r, float *obs, float *reward, bool *term, bool *trunc) {
    if (env->action_dim > 0) {
        float a = (float)r->action;
        env_step_box(env, &a, obs, reward, term, trunc);
    } else {
        env_step(env, (int)r->action, obs, reward, term, trunc);
    }
}

/* Replays every trajectory of the reference named by var on env `name` two ways.
 * One step at a time: from each recorded state, the recorded action must give the next recorded
 * state within ONE_STEP_TOL (scaled_err; the float64 arithmetic is Gymnasium's, operation for
 * operation, and NumPy's vectorized sin and cos, which Acrobot and Pendulum call, may differ from
 * the C library's in the last bit), the same float32 observation or one float32 step from it, the
 * reward within 1e-12 and the same flags. Free running: each trajectory stepped from its t = 0
 * state alone must stay within FREE_RUN_TOL of the recording to its end (Acrobot is chaotic:
 * last-bit differences grow) with the same flags at every step. */
#define ONE_STEP_TOL 1e-13
#define FREE_RUN_TOL 1e-6
static Parity replay(const char *name, const char *var, const char *default_path, int n_state, int n_obs) {
    int n;
    Row *rows = read_reference(var, default_path, &n);
    ck_assert_int_gt(n, 0);
    Parity p = {0};
    for (int i = 0; i < n;) {
        ck_assert_msg(rows[i].t == 0, "trajectory %d does not start at t = 0", rows[i].traj);
        Env *free_run = make_env(name, 0), *one = make_env(name, 0);
        set_state(free_run, rows[i].s, 0);
        p.trajectories++;
        int j = i + 1;
        for (; j < n && rows[j].traj == rows[i].traj; j++) {
            const Row *r = &rows[j];
            float obs[6], fobs[6], reward, freward;
            bool term, trunc, fterm, ftrunc;
            set_state(one, rows[j - 1].s, r->t - 1);
            step_as_recorded(one, r, obs, &reward, &term, &trunc);
            step_as_recorded(free_run, r, fobs, &freward, &fterm, &ftrunc);
            const ClassicView *v = env_view(one), *fv = env_view(free_run);
            for (int k = 0; k < n_state; k++) {
                double e = scaled_err(v->state[k], r->s[k]), fe = scaled_err(fv->state[k], r->s[k]);
                p.worst_one_step = fmax(p.worst_one_step, e);
                p.worst_free_run = fmax(p.worst_free_run, fe);
                ck_assert_msg(e <= ONE_STEP_TOL, "%s traj %d t %d state[%d] after one step: got %.17g want %.17g (%.3g)",
                              name, r->traj, r->t, k, v->state[k], r->s[k], e);
                ck_assert_msg(fe <= FREE_RUN_TOL, "%s traj %d t %d state[%d] running free: got %.17g want %.17g (%.3g)",
                              name, r->traj, r->t, k, fv->state[k], r->s[k], fe);
            }
            for (int k = 0; k < n_obs; k++) {
                float want = (float)r->o[k];
                if (obs[k] != want) {
                    ck_assert_msg(obs[k] == nextafterf(want, INFINITY) || obs[k] == nextafterf(want, -INFINITY),
                                  "%s traj %d t %d obs[%d]: got %.9g want %.9g", name, r->traj, r->t, k,
                                  obs[k], want);
                    p.obs_off_by_one_ulp++;
                }
                ck_assert_msg(scaled_err(fobs[k], want) <= FREE_RUN_TOL, "%s traj %d t %d obs[%d] running free: got %.9g want %.9g",
                              name, r->traj, r->t, k, fobs[k], want);
            }
            double re = scaled_err(v->last_reward, r->reward);
            p.worst_reward = fmax(p.worst_reward, re);
            ck_assert_msg(re <= 1e-12, "%s traj %d t %d reward: got %.17g want %.17g", name, r->traj, r->t,
                          v->last_reward, r->reward);
            ck_assert_msg(scaled_err(fv->last_reward, r->reward) <= FREE_RUN_TOL, "%s traj %d t %d reward running free",
                          name, r->traj, r->t);
            ck_assert_msg(reward == (float)v->last_reward, "the reward handed out is the double one as float32");
            ck_assert_msg(term == (bool)r->terminated && fterm == term, "%s traj %d t %d terminated: got %d, %d free", name,
                          r->traj, r->t, term, fterm);
            ck_assert_msg(trunc == (bool)r->truncated && ftrunc == trunc, "%s traj %d t %d truncated: got %d, %d free",
                          name, r->traj, r->t, trunc, ftrunc);
            p.terminations += term;
            p.truncations += trunc;
            p.steps++;
            if (term || trunc)
                ck_assert_msg(j + 1 == n || rows[j + 1].traj != r->traj, "%s traj %d goes on after its end", name, r->traj);
        }
        env_destroy(free_run);
        env_destroy(one);
        i = j;
    }
    free(rows);
    printf("%s parity: %d trajectories, %d steps; largest error after one step %.3g, running free %.3g "
           "(in units of max(|x|, 1)); reward %.3g; %d observations one float32 step off\n",
           name, p.trajectories, p.steps, p.worst_one_step, p.worst_free_run, p.worst_reward, p.obs_off_by_one_ulp);
    return p;
}

START_TEST(acrobot_reproduces_every_reference_trajectory) {
    Parity p = replay("acrobot", "ACROBOT_REFERENCE", "../shared/reference/acrobot_v1_trajectories.csv", 4, 6);
    ck_assert_int_gt(p.terminations, 0); /* the energy-pumping controller reaches the goal */
    ck_assert_int_gt(p.truncations, 0);
}
END_TEST

START_TEST(mountaincar_reproduces_every_reference_trajectory) {
    Parity p = replay("mountaincar", "MOUNTAINCAR_REFERENCE", "../shared/reference/mountaincar_v0_trajectories.csv",
                      2, 2);
    ck_assert_int_gt(p.terminations, 0);
    ck_assert_int_gt(p.truncations, 0);
}
END_TEST

START_TEST(mountaincar_continuous_reproduces_every_reference_trajectory) {
    Parity p = replay("mountaincar-continuous", "MOUNTAINCAR_CONTINUOUS_REFERENCE",
                      "../shared/reference/mountaincarcontinuous_v0_trajectories.csv", 2, 2);
    ck_assert_int_gt(p.terminations, 0);
    ck_assert_int_gt(p.truncations, 0);
}
END_TEST

START_TEST(pendulum_reproduces_every_reference_trajectory) {
    Parity p = replay("pendulum", "PENDULUM_REFERENCE", "../shared/reference/pendulum_v1_trajectories.csv", 2, 3);
    ck_assert_int_eq(p.terminations, 0); /* Pendulum never terminates */
    ck_assert_int_eq(p.truncations, p.trajectories);
}
END_TEST

START_TEST(continuous_envs_have_a_box_and_discrete_ones_do_not) {
    const struct { const char *name; int obs, n_actions, dim; float low, high; } want[] = {
        {"acrobot", 6, 3, 0, 0, 0},
        {"mountaincar", 2, 3, 0, 0, 0},
        {"mountaincar-continuous", 2, 0, 1, -1.0f, 1.0f},
        {"pendulum", 3, 0, 1, -2.0f, 2.0f},
        {"cartpole", 4, 2, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        Env *env = make_env(want[i].name, 0);
        ck_assert_int_eq(env->obs_dim, want[i].obs);
        ck_assert_int_eq(env->n_actions, want[i].n_actions);
        ck_assert_int_eq(env->action_dim, want[i].dim);
        ck_assert_int_eq(env_action_outputs(env), want[i].dim ? want[i].dim : want[i].n_actions);
        if (want[i].dim) {
            ck_assert_float_eq(env->action_low[0], want[i].low);
            ck_assert_float_eq(env->action_high[0], want[i].high);
        }
        env_destroy(env);
    }
}
END_TEST

/* Plays one episode of env with a fixed action pattern; returns its length, the return in *ret
 * and the first observation in first [obs_dim]. */
static int play(Env *env, float *first, double *ret) {
    float obs[6], reward;
    bool term = false, trunc = false;
    env_reset(env, obs);
    memcpy(first, obs, (size_t)env->obs_dim * sizeof(float));
    int t = 0;
    *ret = 0;
    while (!term && !trunc) {
        if (env->action_dim) {
            float a = (float)((t % 5) - 2);
            env_step_box(env, &a, obs, &reward, &term, &trunc);
        } else {
            env_step(env, t % env->n_actions, obs, &reward, &term, &trunc);
        }
        *ret += reward;
        t++;
    }
    return t;
}

START_TEST(the_same_seed_gives_the_same_episode_and_episodes_end_at_the_step_limit) {
    const char *names[] = {"acrobot", "mountaincar", "mountaincar-continuous", "pendulum"};
    const int limits[] = {500, 200, 999, 200};
    for (int i = 0; i < 4; i++) {
        Env *env = make_env(names[i], 0);
        float a[6], b[6], c[6];
        double ra, rb, rc;
        env_seed(env, 11, 2);
        int la = play(env, a, &ra);
        env_seed(env, 11, 2);
        int lb = play(env, b, &rb);
        env_seed(env, 12, 2);
        play(env, c, &rc);
        ck_assert_int_eq(la, lb);
        ck_assert(ra == rb);
        ck_assert_mem_eq(a, b, (size_t)env->obs_dim * sizeof(float));
        ck_assert_msg(memcmp(a, c, (size_t)env->obs_dim * sizeof(float)) != 0, "%s: seeds 11 and 12 agree", names[i]);
        /* these fixed action patterns never reach a goal: every episode is truncated at the limit */
        ck_assert_msg(la == limits[i], "%s: episode of %d steps, limit %d", names[i], la, limits[i]);
        env_destroy(env);
    }
}
END_TEST

START_TEST(resets_draw_from_gymnasiums_ranges) {
    const char *names[] = {"acrobot", "mountaincar", "pendulum"};
    const double lo[3][4] = {{-0.1, -0.1, -0.1, -0.1}, {-0.6, 0, 0, 0}, {-M_PI, -1, 0, 0}};
    const double hi[3][4] = {{0.1, 0.1, 0.1, 0.1}, {-0.4, 0, 0, 0}, {M_PI, 1, 0, 0}};
    for (int i = 0; i < 3; i++) {
        Env *env = make_env(names[i], 0);
        env_seed(env, 3, 0);
        double mn[4] = {1e9, 1e9, 1e9, 1e9}, mx[4] = {-1e9, -1e9, -1e9, -1e9};
        for (int e = 0; e < 4000; e++) {
            float obs[6];
            env_reset(env, obs);
            const ClassicView *v = env_view(env);
            for (int k = 0; k < 4; k++) {
                ck_assert_msg(v->state[k] >= lo[i][k] && v->state[k] <= hi[i][k], "%s state[%d] = %g", names[i], k,
                              v->state[k]);
                mn[k] = fmin(mn[k], v->state[k]);
                mx[k] = fmax(mx[k], v->state[k]);
            }
        }
        for (int k = 0; k < 4; k++) {
            double span = hi[i][k] - lo[i][k];
            ck_assert_msg(mn[k] <= lo[i][k] + 0.01 * span && mx[k] >= hi[i][k] - 0.01 * span,
                          "%s state[%d] does not cover its range", names[i], k);
        }
        env_destroy(env);
    }
}
END_TEST

START_TEST(continuous_actions_are_clipped_to_the_box_but_the_cost_uses_the_action_given) {
    Env *p = make_env("pendulum", 0), *q = make_env("pendulum", 0);
    const double s[4] = {0.5, 0.25, 0, 0};
    set_state(p, s, 0);
    set_state(q, s, 0);
    float obs_p[3], obs_q[3], rp, rq;
    bool t, u;
    float big = 7.5f, two = 2.0f;
    env_step_box(p, &big, obs_p, &rp, &t, &u);
    env_step_box(q, &two, obs_q, &rq, &t, &u);
    ck_assert_mem_eq(obs_p, obs_q, sizeof obs_p);
    ck_assert_float_eq(rp, rq); /* pendulum's cost uses the clipped torque */
    ck_assert_double_eq(((const ClassicView *)env_view(p))->last_action, 2.0);
    env_destroy(p);
    env_destroy(q);
    Env *m = make_env("mountaincar-continuous", 0), *n = make_env("mountaincar-continuous", 0);
    const double c[4] = {-0.5, 0.0, 0, 0};
    set_state(m, c, 0);
    set_state(n, c, 0);
    float over = -3.0f, edge = -1.0f, om[2], on[2], rm, rn;
    env_step_box(m, &over, om, &rm, &t, &u);
    env_step_box(n, &edge, on, &rn, &t, &u);
    ck_assert_mem_eq(om, on, sizeof om);
    ck_assert_double_eq_tol(rm, -0.9, 1e-6); /* -0.1 * (-3)^2: the unclipped action */
    ck_assert_double_eq_tol(rn, -0.1, 1e-7);
    env_destroy(m);
    env_destroy(n);
}
END_TEST

START_TEST(a_saved_state_restores_the_episode_and_bad_options_are_refused) {
    Env *a = make_env("acrobot", 0), *b = make_env("acrobot", 0);
    env_seed(a, 5, 1);
    float oa[6], ob[6], r;
    bool term, trunc;
    env_reset(a, oa);
    env_step(a, 2, oa, &r, &term, &trunc);
    unsigned char buf[256];
    env_state_save(a, buf);
    Err err;
    ck_assert_int_eq(env_state_load(b, buf, &err), 0);
    for (int t = 0; t < 20; t++) {
        env_step(a, t % 3, oa, &r, &term, &trunc);
        env_step(b, t % 3, ob, &r, &term, &trunc);
        ck_assert_mem_eq(oa, ob, sizeof oa);
    }
    double nan_state[4] = {0, NAN, 0, 0};
    memcpy(buf, nan_state, sizeof nan_state);
    ck_assert_int_eq(env_state_load(b, buf, &err), -1);
    ck_assert_msg(strstr(err.msg, "finite"), "%s", err.msg);
    env_destroy(a);
    env_destroy(b);
    EnvConfig cfg = {0};
    Env *env;
    snprintf(cfg.name, sizeof cfg.name, "pendulum");
    cfg.max_steps = -2;
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_msg(strstr(err.msg, "env.max_steps"), "%s", err.msg);
    cfg.max_steps = 0;
    cfg.integrator = ENV_INTEGRATOR_SEMI_IMPLICIT;
    ck_assert_int_eq(env_create(&env, &cfg, &err), -1);
    ck_assert_msg(strstr(err.msg, "env.integrator") && strstr(err.msg, "pendulum"), "%s", err.msg);
}
END_TEST

START_TEST(every_classic_env_keeps_the_env_contract) {
    const char *names[] = {"acrobot", "mountaincar", "mountaincar-continuous", "pendulum"};
    const int limits[] = {500, 200, 999, 200};
    for (int i = 0; i < 4; i++) {
        Env *a = make_env(names[i], 0), *b = make_env(names[i], 0);
        test_env_contract(a, b, 2 * limits[i] + 100, limits[i], false);
        env_destroy(a);
        env_destroy(b);
    }
}
END_TEST

static Suite *classic_suite(void) {
    Suite *s = suite_create("classic");
    TCase *tc = test_case("gymnasium parity");
    tcase_add_test(tc, acrobot_reproduces_every_reference_trajectory);
    tcase_add_test(tc, mountaincar_reproduces_every_reference_trajectory);
    tcase_add_test(tc, mountaincar_continuous_reproduces_every_reference_trajectory);
    tcase_add_test(tc, pendulum_reproduces_every_reference_trajectory);
    suite_add_tcase(s, tc);
    tc = test_case("behaviour");
    tcase_add_test(tc, continuous_envs_have_a_box_and_discrete_ones_do_not);
    tcase_add_test(tc, every_classic_env_keeps_the_env_contract);
    tcase_add_test(tc, the_same_seed_gives_the_same_episode_and_episodes_end_at_the_step_limit);
    tcase_add_test(tc, resets_draw_from_gymnasiums_ranges);
    tcase_add_test(tc, continuous_actions_are_clipped_to_the_box_but_the_cost_uses_the_action_given);
    tcase_add_test(tc, a_saved_state_restores_the_episode_and_bad_options_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(classic_suite)
