/* test_config.c: configs load with documented defaults; every kind of bad input is refused
 * with file, line, column and key; overrides and the resolved config behave. */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run/config.h"
#include "tests/testutil.h"

static int load(const char *text, TrainConfig *cfg, Err *err) {
    return config_load_string(cfg, text, strlen(text), "t.yaml", NULL, 0, err);
}

/* Loads text expecting failure; checks that the message holds each of the given parts. */
static void refused(const char *text, const char *a, const char *b) {
    TrainConfig cfg;
    Err err;
    ck_assert_msg(load(text, &cfg, &err) == -1, "accepted:\n%s", text);
    ck_assert_msg(strstr(err.msg, a), "'%s' not in: %s", a, err.msg);
    if (b) ck_assert_msg(strstr(err.msg, b), "'%s' not in: %s", b, err.msg);
}

START_TEST(an_empty_config_gives_the_documented_defaults) {
    TrainConfig cfg;
    Err err;
    ck_assert_msg(load("", &cfg, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(cfg.env.name, "cartpole");
    ck_assert_double_eq(cfg.ppo.learning_rate, 2.5e-4);
    ck_assert_double_eq(cfg.ppo.clip_coef, 0.2);
    ck_assert_int_eq(cfg.ppo.update_epochs, 4);
    ck_assert_int_eq(cfg.run.num_steps, 128);
    ck_assert(cfg.ppo.anneal_lr);
    ck_assert_msg(load("# only a comment\n", &cfg, &err) == 0, "%s", err.msg);
}
END_TEST

START_TEST(keys_set_in_the_file_are_read_with_their_types) {
    TrainConfig cfg;
    Err err;
    const char *text = "env:\n  name: cartpole-stateless\n  integrator: semi-implicit\n"
                       "ppo:\n  gamma: 0.995\n  norm_adv: false\n  update_epochs: 7\n"
                       "run:\n  seed: 42\n  run_name: \"my run\"\n  num_envs: 8\n";
    ck_assert_msg(load(text, &cfg, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(cfg.env.name, "cartpole-stateless");
    ck_assert_int_eq(cfg.env.integrator, ENV_INTEGRATOR_SEMI_IMPLICIT);
    ck_assert_double_eq(cfg.ppo.gamma, 0.995);
    ck_assert(!cfg.ppo.norm_adv);
    ck_assert_int_eq(cfg.ppo.update_epochs, 7);
    ck_assert_int_eq(cfg.run.seed, 42);
    ck_assert_str_eq(cfg.run.run_name, "my run");
    /* -0 reads as 0 (so the resolved config writes 0) */
    ck_assert_msg(load("ppo:\n  ent_coef: -0\n", &cfg, &err) == 0, "%s", err.msg);
    ck_assert(cfg.ppo.ent_coef == 0 && !signbit(cfg.ppo.ent_coef));
}
END_TEST

START_TEST(bad_input_names_file_line_column_and_key) {
    refused("ppo:\n  clip_coef: big\n", "t.yaml:2:14: ppo.clip_coef: 'big' is not a number", "allowed");
    refused("ppo:\n  clip_coeff: 0.1\n", "t.yaml:2:3: ppo.clip_coeff: unknown key", "clip_coef");
    refused("ppo:\n  gamma: 0.9\n  gamma: 0.8\n", "t.yaml:3:3: ppo.gamma: duplicate key", "line 2");
    refused("ppo:\n  gamma: 1.5\n", "t.yaml:2:10: ppo.gamma: 1.5 is out of range", "[0, 1]");
    refused("ppo:\n  ent_coef: 0x10\n", "ppo.ent_coef: '0x10' is not a number", NULL);
    refused("ppo:\n  ent_coef: 1e-320\n", "ppo.ent_coef: 1e-320 is out of range of a double", "[0, 100]");
    refused("ppo:\n  ent_coef: 1e400\n", "ppo.ent_coef: 1e400 is out of range of a double", NULL);
    refused("run:\n  num_envs: 2.5\n", "run.num_envs: '2.5' is not a whole number", NULL);
    refused("run:\n  learner_parts_per_worker: 0\n", "t.yaml:2:29: run.learner_parts_per_worker: 0 is out of range", "[1, 1024]");
    refused("ppo:\n  norm_adv: maybe\n", "ppo.norm_adv: 'maybe' is not a boolean", "true or false");
    refused("env:\n  integrator: rk4\n", "env.integrator: unknown value 'rk4'", "semi-implicit");
    refused("ppo: [1, 2]\n", "t.yaml:1:6: ppo: expected keys under the section, found a list", NULL);
    refused("trainer:\n  x: 1\n", "trainer: unknown section", "env, policy, ppo, run");
    refused("ppo:\n  gamma: [0.9]\n", "ppo.gamma: expected a single value, found a list", NULL);
    refused("ppo:\n  gamma:\n", "t.yaml:2:9: ppo.gamma: missing value", NULL);
    refused("ppo:\n  gamma: 0.9\n bad indent\n", "t.yaml:", "malformed YAML");
    refused("ppo: {gamma: 0.9\n", "malformed YAML", NULL);
    refused("- a\n- b\n", "t.yaml:1:1: expected sections", NULL);
    refused("ppo:\n  gamma: 0.9\n---\nppo:\n  gamma: 0.8\n", "a second one", NULL);
    refused("env:\n  name: cartpol\n", "t.yaml:2:9: env.name: unknown env 'cartpol'", "cartpole-stateless");
}
END_TEST

START_TEST(fields_are_checked_against_each_other) {
    refused("run:\n  num_envs: 6\nppo:\n  num_minibatches: 4\n", "t.yaml:4:20: ppo.num_minibatches: 4 does not divide run.num_envs 6", NULL);
    refused("run:\n  num_envs: 2\n  workers: 3\n", "t.yaml:3:12: run.workers", NULL);
    refused("run:\n  num_envs: 4\n  num_steps: 1\nppo:\n  num_minibatches: 4\n", "a minibatch would hold 1 sample", NULL);
    refused("run:\n  total_timesteps: 10\n", "run.total_timesteps: 10 is less than one rollout", NULL);
    refused("run:\n  run_name: a/b\n", "run.run_name", "no '/'");
    refused("ppo:\n  count_bonus: 0.01\n  gamma: 1\n", "t.yaml:2:16: ppo.count_bonus", "needs ppo.gamma below 1");
}
END_TEST

START_TEST(overrides_apply_in_order_and_are_validated_the_same_way) {
    TrainConfig cfg;
    Err err;
    char *ok[] = {"ppo.gamma=0.9", "run.seed=7", "ppo.gamma=0.8"};
    ck_assert_msg(config_load_string(&cfg, "", 0, "t.yaml", ok, 3, &err) == 0, "%s", err.msg);
    ck_assert_double_eq(cfg.ppo.gamma, 0.8);
    ck_assert_int_eq(cfg.run.seed, 7);
    char *bad_value[] = {"ppo.gamma=2"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", bad_value, 1, &err), -1);
    ck_assert_msg(strstr(err.msg, "--set ppo.gamma=2: ppo.gamma: 2 is out of range"), "%s", err.msg);
    char *bad_key[] = {"ppo.gama=0.9"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", bad_key, 1, &err), -1);
    ck_assert_msg(strstr(err.msg, "unknown key"), "%s", err.msg);
    char *bad_form[] = {"gamma"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", bad_form, 1, &err), -1);
    ck_assert_msg(strstr(err.msg, "section.key=value"), "%s", err.msg);
    char *cross[] = {"run.num_envs=6"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", cross, 1, &err), -1);
    ck_assert_msg(strstr(err.msg, "num_minibatches"), "%s", err.msg);
}
END_TEST

START_TEST(the_resolved_config_reads_back_to_the_same_config) {
    TrainConfig a, b;
    Err err;
    const char *text = "ppo:\n  learning_rate: 0.000333\n  ent_coef: 0.1\nrun:\n  run_name: \"x: y\"\n";
    ck_assert_msg(load(text, &a, &err) == 0, "%s", err.msg);
    char ya[1 << 16], yb[1 << 16];
    ck_assert_int_gt(config_to_yaml(&a, ya, sizeof ya, &err), 0);
    ck_assert_msg(config_load_string(&b, ya, strlen(ya), "resolved", NULL, 0, &err) == 0, "%s\n%s", err.msg, ya);
    ck_assert_int_gt(config_to_yaml(&b, yb, sizeof yb, &err), 0);
    ck_assert_str_eq(ya, yb);
    ck_assert_double_eq(b.ppo.learning_rate, 0.000333);
    ck_assert_str_eq(b.run.run_name, "x: y");
    ck_assert_int_eq(config_to_yaml(&a, ya, 64, &err), -1);
}
END_TEST

START_TEST(files_that_cannot_be_read_are_named) {
    TrainConfig cfg;
    Err err;
    ck_assert_int_eq(config_load(&cfg, "no/such/file.yaml", NULL, 0, &err), -1);
    ck_assert_msg(strstr(err.msg, "no/such/file.yaml") && strstr(err.msg, "No such file"), "%s", err.msg);
    ck_assert_int_eq(err.kind, ERR_INPUT);
    ck_assert_int_eq(config_load(&cfg, "configs", NULL, 0, &err), -1);
    ck_assert_msg(strstr(err.msg, "configs: is a directory"), "%s", err.msg);
}
END_TEST

START_TEST(a_diff_names_the_first_differing_key_and_skips_the_ignored_ones) {
    TrainConfig a, b;
    Err err;
    ck_assert_msg(load("ppo:\n  clip_coef: 0.2\nrun:\n  seed: 3\n", &a, &err) == 0, "%s", err.msg);
    ck_assert_msg(load("ppo:\n  clip_coef: 0.1\nrun:\n  seed: 4\n", &b, &err) == 0, "%s", err.msg);
    ConfigDiff d;
    ck_assert_int_eq(config_diff(&a, &a, NULL, &d), 0);
    ck_assert_int_eq(config_diff(&a, &b, NULL, &d), 1);
    ck_assert_str_eq(d.key, "ppo.clip_coef");
    ck_assert_str_eq(d.a, "0.2");
    ck_assert_str_eq(d.b, "0.1");
    const char *const only_seed[] = {"run.seed", NULL}, *const both[] = {"run.seed", "ppo.clip_coef", NULL};
    ck_assert_int_eq(config_diff(&a, &b, only_seed, &d), 1);
    ck_assert_int_eq(config_diff(&a, &b, both, NULL), 0);
    b.ppo.clip_coef = 0.2;
    ck_assert_int_eq(config_diff(&a, &b, NULL, &d), 1);
    ck_assert_str_eq(d.key, "run.seed");
    snprintf(b.env.name, sizeof b.env.name, "cartpole-stateless");
    ck_assert_int_eq(config_diff(&a, &b, NULL, &d), 1);
    ck_assert_str_eq(d.key, "env.name"); /* strings compare too, in `ppo config` order */
}
END_TEST

START_TEST(the_config_allows_exactly_the_ranges_the_policies_accept) {
    TrainConfig cfg;
    Err err;
    char *over_hidden[] = {"policy.kind=mlp", "policy.hidden=4097"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", over_hidden, 2, &err), -1);
    ck_assert_msg(strstr(err.msg, "policy.hidden") && strstr(err.msg, "[1, 4096]"), "%s", err.msg);
    ck_assert_int_eq(POLICY_MAX_WIDTH, 4096);
    char *over_ratio[] = {"policy.mlp_ratio=16.5"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", over_ratio, 1, &err), -1);
    ck_assert_msg(strstr(err.msg, "policy.mlp_ratio") && strstr(err.msg, "[0, 16]"), "%s", err.msg);
    char *huge_rollout[] = {"env.name=gridworld/memory-s7", "run.num_envs=100000", "run.num_steps=100",
                            "run.total_timesteps=100000000000", "ppo.num_minibatches=1"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", huge_rollout, 5, &err), -1);
    ck_assert_msg(strstr(err.msg, "run.num_steps") && strstr(err.msg, "observation floats"), "%s", err.msg);
    char *huge_state[] = {"policy.d_model=1024", "policy.n_heads=1", "policy.expand_k=16"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", huge_state, 3, &err), -1);
    ck_assert_msg(strstr(err.msg, "recurrent state per env"), "%s", err.msg);
    char *at_ratio[] = {"policy.mlp_ratio=16", "policy.d_model=8", "policy.n_heads=1"};
    ck_assert_msg(config_load_string(&cfg, "", 0, "t.yaml", at_ratio, 3, &err) == 0, "%s", err.msg);
    char *over_chunk[] = {"policy.chunk=65"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", over_chunk, 1, &err), -1);
    ck_assert_msg(strstr(err.msg, "policy.chunk") && strstr(err.msg, "[0, 64]"), "%s", err.msg);
    ck_assert_int_eq(POLICY_MAX_CHUNK, 64);
    char *over_conv[] = {"policy.conv=17"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", over_conv, 1, &err), -1);
    ck_assert_msg(strstr(err.msg, "policy.conv") && strstr(err.msg, "[0, 16]"), "%s", err.msg);
    char *at_chunk[] = {"policy.chunk=64"};
    ck_assert_msg(config_load_string(&cfg, "", 0, "t.yaml", at_chunk, 1, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(cfg.policy.chunk, 64);
}
END_TEST

/* policy.cell_embed is not a key of the env but needs its grid of cells: policy_for_config
 * passes the env's (the gridworld's 7x7 view, 49 cells of 19 values, then 4 direction values),
 * so the kind sees 49 * 16 + 4 inputs; an env without a grid (cartpole) is refused at load,
 * naming the key where it was set, and by policy_for_config. */
START_TEST(policy_cell_embed_encodes_the_gridworlds_cells_and_is_refused_without_a_grid) {
    TrainConfig cfg;
    Err err;
    Policy *p;
    ck_assert_msg(load("env: {name: gridworld/empty-8x8}\npolicy: {cell_embed: 16}\n", &cfg, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(cfg.policy.cell_embed, 16);
    ck_assert_msg(policy_for_config(&p, &cfg, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(p->obs_dim, 49 * 19 + 4);
    ck_assert_int_eq(p->in_dim, 49 * 16 + 4);
    ck_assert_int_eq(p->in_dim, 788);
    ck_assert_int_eq(p->cfg.obs_cells, 49);
    ck_assert_int_eq(p->cfg.obs_cell_dim, 19);
    const ParamTensor *w = policy_tensor(p, "encoder.w"), *b = policy_tensor(p, "encoder.b");
    ck_assert_ptr_nonnull(w);
    ck_assert_int_eq(w->ndim, 2);
    ck_assert_int_eq(w->shape[0], 16);
    ck_assert_int_eq(w->shape[1], 19);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(b->ndim, 1);
    ck_assert_int_eq(b->shape[0], 16);
    policy_destroy(p);
    /* the default, 0: the one-hot view as it is, no encoder */
    ck_assert_msg(load("env: {name: gridworld/empty-8x8}\n", &cfg, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(cfg.policy.cell_embed, 0);
    ck_assert_msg(policy_for_config(&p, &cfg, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(p->in_dim, p->obs_dim);
    ck_assert_ptr_null(policy_tensor(p, "encoder.w"));
    policy_destroy(p);
    /* cartpole has no grid of cells */
    refused("env: {name: cartpole}\npolicy: {cell_embed: 16}\n", "t.yaml:2:", "policy.cell_embed");
    refused("env: {name: cartpole}\npolicy: {cell_embed: 16}\n", "no grid of cells", NULL);
    char *on_cartpole[] = {"policy.cell_embed=16"};
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "t.yaml", on_cartpole, 1, &err), -1);
    ck_assert_msg(strstr(err.msg, "policy.cell_embed") && strstr(err.msg, "set on the command line"), "%s", err.msg);
    ck_assert_msg(load("env: {name: cartpole}\n", &cfg, &err) == 0, "%s", err.msg);
    cfg.policy.cell_embed = 16;
    p = (Policy *)1;
    ck_assert_int_eq(policy_for_config(&p, &cfg, &err), -1);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.msg, "policy.cell_embed"), "%s", err.msg);
    /* out of range */
    refused("env: {name: gridworld/empty-8x8}\npolicy: {cell_embed: -1}\n", "policy.cell_embed", "[0, 4096]");
    refused("env: {name: gridworld/empty-8x8}\npolicy: {cell_embed: 4097}\n", "policy.cell_embed", "[0, 4096]");
}
END_TEST

/* run.stop_on_eval judges run.stop_return on the evaluations, so it needs them: turning them
 * off (run.eval_interval 0) in a config that stops on them, as the CartPole configs do, is
 * refused at the key that needs them, naming the way out; with both off the config loads. */
START_TEST(stop_on_eval_without_evaluations_is_refused_with_the_way_out) {
    TrainConfig cfg;
    Err err;
    refused("run: {stop_on_eval: true, eval_interval: 0}\n", "t.yaml:1:", "run.stop_on_eval=false as well");
    const char *on = "run: {stop_on_eval: true, eval_interval: 10}\n";
    char *off[] = {"run.eval_interval=0"};
    ck_assert_int_eq(config_load_string(&cfg, on, strlen(on), "t.yaml", off, 1, &err), -1);
    ck_assert_msg(strstr(err.msg, "run.stop_on_eval: true needs evaluations"), "%s", err.msg);
    char *both[] = {"run.eval_interval=0", "run.stop_on_eval=false"};
    ck_assert_msg(config_load_string(&cfg, on, strlen(on), "t.yaml", both, 2, &err) == 0, "%s", err.msg);
    ck_assert(!cfg.run.stop_on_eval);
    ck_assert_int_eq(cfg.run.eval_interval, 0);
}
END_TEST

START_TEST(every_shipped_config_loads) {
    glob_t g;
    ck_assert_int_eq(glob("configs/*.yaml", 0, NULL, &g), 0);
    ck_assert_int_eq(glob("configs/popgym/*.yaml", GLOB_APPEND, NULL, &g), 0);
    ck_assert_uint_ge(g.gl_pathc, 8 + 36);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        TrainConfig cfg;
        Err err;
        ck_assert_msg(config_load(&cfg, g.gl_pathv[i], NULL, 0, &err) == 0, "%s", err.msg);
    }
    globfree(&g);
}
END_TEST

static Suite *config_suite(void) {
    Suite *s = suite_create("config");
    TCase *tc = test_case("load");
    tcase_add_test(tc, an_empty_config_gives_the_documented_defaults);
    tcase_add_test(tc, keys_set_in_the_file_are_read_with_their_types);
    tcase_add_test(tc, bad_input_names_file_line_column_and_key);
    tcase_add_test(tc, fields_are_checked_against_each_other);
    tcase_add_test(tc, overrides_apply_in_order_and_are_validated_the_same_way);
    tcase_add_test(tc, the_resolved_config_reads_back_to_the_same_config);
    tcase_add_test(tc, files_that_cannot_be_read_are_named);
    tcase_add_test(tc, a_diff_names_the_first_differing_key_and_skips_the_ignored_ones);
    tcase_add_test(tc, the_config_allows_exactly_the_ranges_the_policies_accept);
    tcase_add_test(tc, policy_cell_embed_encodes_the_gridworlds_cells_and_is_refused_without_a_grid);
    tcase_add_test(tc, stop_on_eval_without_evaluations_is_refused_with_the_way_out);
    tcase_add_test(tc, every_shipped_config_loads);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(config_suite)
