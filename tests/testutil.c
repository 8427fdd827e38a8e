/* testutil.c: the shared test helpers declared in testutil.h. */
#include "tests/testutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "core/rng.h"

int test_run_suite(Suite *s) {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

TCase *test_case(const char *name) {
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, TEST_TIMEOUT);
    return tc;
}

void tensor_close_d_(const char *what, const double *got, const double *want, size_t n,
                     double rtol, double atol, const char *file, int line) {
    size_t bad = n, worst = 0;
    double worst_diff = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - want[i]);
        bool ok = d <= atol + rtol * fabs(want[i]) && !isnan(got[i]) == !isnan(want[i]);
        if (!ok && bad == n) bad = i;
        if (d > worst_diff || isnan(d)) {
            worst_diff = d;
            worst = i;
        }
    }
    if (bad != n)
        ck_assert_msg(0,
                      "%s:%d: %s differs at [%zu]: got %.9g want %.9g; largest |diff| %.3g at "
                      "[%zu] (rtol %g, atol %g)",
                      file, line, what, bad, got[bad], want[bad], worst_diff, worst, rtol, atol);
}

void tensor_close_(const char *what, const float *got, const float *want, size_t n, double rtol,
                   double atol, const char *file, int line) {
    double *g = malloc((n ? n : 1) * sizeof *g), *w = malloc((n ? n : 1) * sizeof *w);
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(w);
    for (size_t i = 0; i < n; i++) {
        g[i] = got[i];
        w[i] = want[i];
    }
    tensor_close_d_(what, g, w, n, rtol, atol, file, line);
    free(g);
    free(w);
}

const char *test_ppo_bin(void) {
    const char *p = getenv("PPO_BIN");
    return p && *p ? p : "./ppo";
}

int test_run_ppo(const char *args, char *out, size_t cap) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", test_ppo_bin(), args);
    FILE *f = popen(cmd, "r");
    ck_assert_msg(f != NULL, "cannot run %s", cmd);
    size_t len = 0;
    if (cap) out[0] = '\0';
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        size_t room = cap > len + 1 ? cap - len - 1 : 0;
        size_t take = got < room ? got : room;
        memcpy(out + len, chunk, take);
        len += take;
    }
    if (cap) out[len] = '\0';
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void test_tmpdir(char *buf, size_t cap) {
    const char *base = getenv("TMPDIR");
    snprintf(buf, cap, "%s/ppo-test-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(buf) != NULL, "cannot create a temporary directory %s", buf);
}

/* Steps env with action (a continuous env: with box [action_dim]) and checks what env.h
 * promises of one step; returns the end flag. */
static bool contract_step(Env *env, int action, const float *box, float *obs, float *r, bool *term, bool *trunc,
                          long t, bool both_ok) {
    if (env->action_dim > 0) env_step_box(env, box, obs, r, term, trunc);
    else env_step(env, action, obs, r, term, trunc);
    for (int i = 0; i < env->obs_dim; i++)
        if (!isfinite(obs[i])) ck_abort_msg("%s, step %ld: observation %d is %g", env->name, t, i, obs[i]);
    if (!isfinite(*r)) ck_abort_msg("%s, step %ld: reward %g", env->name, t, *r);
    if (*term && *trunc && !both_ok) ck_abort_msg("%s, step %ld: both terminated and truncated", env->name, t);
    return *term || *trunc;
}

void test_env_contract(Env *a, Env *b, long steps, int max_steps, bool both_ok) {
    ck_assert_int_eq(a->obs_dim, b->obs_dim);
    ck_assert_int_eq(a->n_actions, b->n_actions);
    ck_assert_int_eq(a->action_dim, b->action_dim);
    ck_assert_int_gt(a->obs_dim, 0);
    ck_assert_int_gt(env_action_outputs(a), 0);
    float box[ENV_MAX_ACTION_DIM] = {0};
    const size_t od = (size_t)a->obs_dim, state = env_state_size(a);
    float *oa = calloc(od, sizeof *oa), *ob = calloc(od, sizeof *ob);
    unsigned char *saved = malloc(state ? state : 1);
    char text[4096];
    ck_assert(oa && ob && saved);
    env_seed(a, 42, 3);
    env_seed(b, 42, 3);
    env_reset(a, oa);
    env_reset(b, ob);
    Rng rng;
    rng_seed(&rng, 7, 0);
    long len = 0, episodes = 0;
    bool loaded = false;
    for (long t = 0; t < steps; t++) {
        ck_assert_msg(memcmp(oa, ob, od * sizeof *oa) == 0, "%s, step %ld: the same seed, other observations",
                      a->name, t);
        if (env_describe(a, text, sizeof text) == 0) {
            int lines = 0;
            for (const char *c = text; *c; c++) lines += *c == '\n';
            ck_assert_msg(strlen(text) < sizeof text - 1 && lines <= 18, "%s: the text picture is %zu chars, %d lines",
                          a->name, strlen(text), lines);
        }
        /* midway through the second episode: b takes a's saved state and must go on as a does */
        if (!loaded && episodes == 1 && len == 2) {
            env_state_save(a, saved);
            env_seed(b, 99, 99); /* b elsewhere first: the saved state must replace all of it */
            env_reset(b, ob);
            float r;
            bool term, trunc;
            contract_step(b, 0, box, ob, &r, &term, &trunc, t, both_ok);
            Err err;
            ck_assert_msg(env_state_load(b, saved, &err) == 0, "%s: %s", a->name, err.msg);
            memcpy(ob, oa, od * sizeof *ob); /* (the observation is not part of the state) */
            loaded = true;
        }
        /* a continuous action: uniform over the box widened by a tenth on each side (envs clip) */
        const int action = a->action_dim > 0 ? 0 : (int)rng_below(&rng, (uint32_t)a->n_actions);
        for (int j = 0; j < a->action_dim; j++) {
            float lo = a->action_low[j], w = a->action_high[j] - lo;
            box[j] = lo - 0.1f * w + 1.2f * w * rng_float(&rng);
        }
        float ra, rb;
        bool ta, tb, ua, ub;
        bool end_a = contract_step(a, action, box, oa, &ra, &ta, &ua, t, both_ok);
        bool end_b = contract_step(b, action, box, ob, &rb, &tb, &ub, t, both_ok);
        ck_assert_msg(ra == rb && ta == tb && ua == ub, "%s, step %ld: the same seed, another reward or end", a->name,
                      t);
        len++;
        if (max_steps > 0) ck_assert_msg(len <= max_steps, "%s: an episode longer than %d steps", a->name, max_steps);
        if (end_a) {
            ck_assert(end_b);
            episodes++;
            len = 0;
            env_reset(a, oa);
            env_reset(b, ob);
        }
    }
    ck_assert_msg(loaded, "%s: fewer than two episodes in %ld steps: the state was never saved", a->name, steps);
    free(oa);
    free(ob);
    free(saved);
}
