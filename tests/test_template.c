/* test_template.c: envs/template.c, the starting point of a new env, is a working env: it keeps
 * env.h's promises (test_env_contract), walks to its goal, and refuses other envs' options. It is
 * not registered, so the test makes it from its class directly. And the registry names every env
 * once: a copy of the template registered without its name changed fails here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/env.h"
#include "tests/testutil.h"

extern const EnvClass template_class;

/* An Env of template_class made as env_create makes a registered one. */
static Env *make_template(const EnvConfig *cfg, Err *err) {
    Env *env = calloc(1, sizeof *env);
    ck_assert_ptr_nonnull(env);
    env->cls = &template_class;
    env->self = template_class.create(cfg, &env->obs_dim, &env->n_actions, err);
    if (!env->self) {
        free(env);
        return NULL;
    }
    snprintf(env->name, sizeof env->name, "template");
    return env;
}

START_TEST(the_template_keeps_the_env_contract_and_reaches_its_goal) {
    EnvConfig cfg = {.name = "template"};
    Err err;
    Env *a = make_template(&cfg, &err), *b = make_template(&cfg, &err);
    ck_assert(a && b);
    test_env_contract(a, b, 5000, 32, false);
    /* seven steps right reach the goal: reward 1, terminated */
    float obs[1], r = 0;
    bool term = false, trunc = false;
    env_reset(a, obs);
    ck_assert_float_eq(obs[0], 0.0f);
    for (int i = 0; i < 7; i++) {
        ck_assert(!term);
        env_step(a, 1, obs, &r, &term, &trunc);
    }
    ck_assert(term && !trunc);
    ck_assert_float_eq(r, 1.0f);
    ck_assert_float_eq(obs[0], 1.0f);
    env_destroy(a);
    env_destroy(b);
}
END_TEST

START_TEST(the_template_refuses_other_envs_options_naming_the_key) {
    EnvConfig cfg = {.name = "template", .see_through = true};
    Err err;
    ck_assert_ptr_null(make_template(&cfg, &err));
    ck_assert_msg(strstr(err.msg, "env.see_through"), "%s", err.msg);
    cfg = (EnvConfig){.name = "template", .max_steps = -1};
    ck_assert_ptr_null(make_template(&cfg, &err));
    ck_assert_msg(strstr(err.msg, "env.max_steps"), "%s", err.msg);
    /* and `ppo` has no env "template": it is not registered */
    Env *env;
    ck_assert_int_ne(env_create(&env, &(EnvConfig){.name = "template"}, &err), 0);
}
END_TEST


START_TEST(every_registered_env_has_a_name_of_its_own) {
    const char *names[1024];
    int n = env_names(names, 1024);
    ck_assert_int_le(n, 1024);
    ck_assert_int_gt(n, 0);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(strcmp(names[i], "template") != 0,
                      "an env is registered as \"template\": rename its names list (README \"Your own environment\")");
        for (int j = 0; j < i; j++)
            ck_assert_msg(strcmp(names[i], names[j]) != 0, "env name \"%s\" is registered twice (entries %d and %d)",
                          names[i], j, i);
    }
}
END_TEST

static Suite *template_suite(void) {
    Suite *s = suite_create("template");
    TCase *tc = test_case("template");
    tcase_add_test(tc, the_template_keeps_the_env_contract_and_reaches_its_goal);
    tcase_add_test(tc, the_template_refuses_other_envs_options_naming_the_key);
    tcase_add_test(tc, every_registered_env_has_a_name_of_its_own);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(template_suite)
