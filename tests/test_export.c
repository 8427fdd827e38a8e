/* test_export.c: `ppo export` (run/export.h) writes C that compiles warning-free as C99 and
 * computes what ppo computes. For gla (1 and 2 layers, with and without prev_action and
 * start_flag, with and without the SwiGLU, on CartPole, position-only CartPole and a gridworld)
 * and mlp: the files are exported by the command, compiled as a user would (cc -std=c99 -Wall
 * -Wextra -Werror -pedantic -Wdouble-promotion -O2, and under ASan and UBSan in the sanitizer
 * build), and the selftest they come with replays ppo's recorded episodes: every action the
 * same, probabilities and values within 1e-6 of ppo's plain-loop reference (values bit for bit),
 * and within the selftest's limit (1e-5) of ppo eval's BLAS products; each case prints both. An exported CartPole policy plays
 * the episodes of `ppo eval` with the same returns; bad input, and a kind without an emitter
 * (lstm, gru) or a feature without one (policy.conv, policy.cell_embed), is refused with exit
 * code 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "run/export.h"
#include "tests/testutil.h"

static char out[1 << 16];

/* The generated code is built as the rest of this build: under the sanitizers in theirs. */
#if defined(__SANITIZE_ADDRESS__)
#define GEN_SAN " -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
#else
#define GEN_SAN ""
#endif
#define GEN_CFLAGS "-std=c99 -Wall -Wextra -Werror -pedantic -Wdouble-promotion -O2" GEN_SAN

/* Trains a short run of `config` with `extra` settings into dir/runs/NAME; the checkpoint's
 * path into ckpt [cap]. */
static void train(const char *dir, const char *name, const char *config, const char *extra,
                  char *ckpt, size_t cap) {
    char args[2048];
    snprintf(args, sizeof args,
             "train %s --quiet --run-name %s --set run.runs_dir=%s/runs --set run.stop_return=0 "
             "--set run.checkpoint_interval=0 --set run.workers=1 %s",
             config, name, dir, extra);
    int rc = test_run_ppo(args, out, sizeof out);
    ck_assert_msg(rc == 0, "ppo %s: exit %d\n%s", args, rc, out);
    snprintf(ckpt, cap, "%s/runs/%s/checkpoints/latest.ckpt", dir, name);
}

/* Runs a shell command with its output into out; returns its exit code. */
static int shell(const char *cmd) {
    char full[8192];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *f = popen(full, "r");
    ck_assert_msg(f != NULL, "cannot run %s", cmd);
    size_t len = fread(out, 1, sizeof out - 1, f);
    out[len] = '\0';
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

typedef struct Selftest {
    long steps, same;
    double probs, values; /* the largest relative differences */
} Selftest;

/* Compiles dir/NAME.c with dir/NAME_selftest.c (GEN_CFLAGS: any warning fails), runs the
 * selftest and reads what it printed. */
static Selftest run_selftest(const char *dir, const char *name) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cc " GEN_CFLAGS " %s/%s.c %s/%s_selftest.c -lm -o %s/selftest", dir,
             name, dir, name, dir);
    ck_assert_msg(shell(cmd) == 0, "%s:\n%s", cmd, out);
    ck_assert_msg(out[0] == '\0', "the compiler said something:\n%s", out);
    snprintf(cmd, sizeof cmd, "%s/selftest", dir);
    int rc = shell(cmd);
    Selftest s;
    long total;
    const char *a = strstr(out, "actions: "), *d = strstr(out, "largest relative difference ");
    ck_assert_msg(a && d, "%s", out);
    ck_assert_int_eq(sscanf(a, "actions: %ld of %ld", &s.same, &total), 2);
    ck_assert_int_eq(sscanf(d, "largest relative difference %*g (probabilities %lg at step %*d, values %lg",
                            &s.probs, &s.values), 2);
    s.steps = total;
    ck_assert_msg(rc == 0 || s.same != total || s.probs > EXPORT_SELFTEST_LIMIT || s.values > EXPORT_SELFTEST_LIMIT,
                  "the selftest exited %d on a pass:\n%s", rc, out);
    return s;
}

/* The configurations exported: gla's three switches in every combination on CartPole (one on
 * position-only CartPole, which needs the memory), the gridworld's 935 observations and 7
 * actions, and mlp. */
static const struct {
    const char *what, *config, *extra, *name;
} CASES[] = {
    {"gla, 1 layer", "configs/cartpole.yaml", "", "cartpole_policy"},
    {"gla, 1 layer, SwiGLU", "configs/cartpole.yaml", "--set policy.mlp_ratio=2", "cartpole_policy"},
    {"gla, 1 layer, prev_action, start_flag", "configs/cartpole.yaml",
     "--set policy.prev_action=true --set policy.start_flag=true", "cartpole_policy"},
    {"gla, 1 layer, SwiGLU, prev_action, start_flag", "configs/cartpole-stateless.yaml",
     "--set policy.mlp_ratio=2 --set policy.prev_action=true --set policy.start_flag=true",
     "cartpole_stateless_policy"},
    {"gla, 2 layers", "configs/cartpole.yaml", "--set policy.n_layers=2", "cartpole_policy"},
    {"gla, 2 layers, SwiGLU", "configs/cartpole.yaml", "--set policy.n_layers=2 --set policy.mlp_ratio=2",
     "cartpole_policy"},
    {"gla, 2 layers, prev_action, start_flag", "configs/cartpole.yaml",
     "--set policy.n_layers=2 --set policy.prev_action=true --set policy.start_flag=true", "cartpole_policy"},
    {"gla, 2 layers, SwiGLU, prev_action, start_flag", "configs/cartpole.yaml",
     "--set policy.n_layers=2 --set policy.mlp_ratio=2 --set policy.prev_action=true "
     "--set policy.start_flag=true",
     "cartpole_policy"},
    {"gla, gridworld/memory-s7 (SwiGLU, prev_action, start_flag)", "configs/gridworld-memory-s7.yaml",
     "--set run.num_envs=8 --set run.num_steps=32", "gridworld_memory_s7_policy"},
    {"mlp", "configs/cartpole-mlp.yaml", "--set run.num_envs=8 --set run.num_steps=64", "cartpole_policy"},
};

START_TEST(exported_code_compiles_warning_free_and_its_selftest_matches_ppo) {
    char dir[512], ckpt[1024], args[4096], loops[700], blas[700];
    test_tmpdir(dir, sizeof dir);
    /* 4096 steps of training: enough for episodes of some length */
    snprintf(args, sizeof args, "--set run.total_timesteps=4096 %s", CASES[_i].extra);
    train(dir, "r", CASES[_i].config, args, ckpt, sizeof ckpt);
    snprintf(loops, sizeof loops, "%s/c", dir);
    snprintf(args, sizeof args, "export %s -o %s", ckpt, loops);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, CASES[_i].name), "%s", out);
    Selftest s = run_selftest(loops, CASES[_i].name);
    /* the plain-loop reference it was recorded with: every action, the values bit for bit, the
     * probabilities (softmax in float here, in double in ppo) within 1e-6 */
    ck_assert_msg(s.same == s.steps && s.steps >= 10 * 5, "%s", out);
    ck_assert_msg(s.values == 0 && s.probs <= 1e-6, "%s", out);
    /* ppo eval's BLAS products round otherwise (by as much as ppo's two paths differ): within the
     * selftest's limit */
    snprintf(blas, sizeof blas, "%s/b", dir);
    ExportOptions o = {blas, NULL, true};
    ExportResult res;
    Err err;
    ck_assert_msg(export_checkpoint(ckpt, &o, &res, &err) == 0, "%s", err.msg);
    Selftest b = run_selftest(blas, CASES[_i].name);
    ck_assert_msg(b.same == b.steps && b.probs <= EXPORT_SELFTEST_LIMIT && b.values <= EXPORT_SELFTEST_LIMIT,
                  "%s", out);
    printf("export %-58s %4ld steps; largest relative difference to ppo: plain loops %.3g "
           "(probabilities), %.3g (values); BLAS %.3g, %.3g\n",
           CASES[_i].what, s.steps, s.probs, s.values, b.probs, b.values);
}
END_TEST

static int cmp_files(const char *a, const char *b) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cmp %s %s", a, b);
    return shell(cmd);
}

START_TEST(the_same_checkpoint_gives_the_same_files_and_nothing_is_overwritten) {
    char dir[512], ckpt[1024], args[4096], a[700], b[700];
    test_tmpdir(dir, sizeof dir);
    train(dir, "r", "configs/cartpole.yaml", "--max-updates 1", ckpt, sizeof ckpt);
    const char *files[] = {"cartpole_policy.h", "cartpole_policy.c", "cartpole_policy_selftest.c"};
    for (int k = 0; k < 2; k++) {
        snprintf(args, sizeof args, "export %s -o %s/%c", ckpt, dir, "xy"[k]);
        ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "%s/x/%s", dir, files[i]);
        snprintf(b, sizeof b, "%s/y/%s", dir, files[i]);
        ck_assert_msg(cmp_files(a, b) == 0, "%s", out);
    }
    /* a second export into x is refused, and x keeps its files */
    snprintf(args, sizeof args, "export %s -o %s/x", ckpt, dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "cartpole_policy.h exists") && strstr(out, "does not overwrite"), "%s", out);
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "%s/x/%s", dir, files[i]);
        snprintf(b, sizeof b, "%s/y/%s", dir, files[i]);
        ck_assert_msg(cmp_files(a, b) == 0, "%s", out);
    }
    /* --name names the files and the API */
    snprintf(args, sizeof args, "export %s -o %s/x --name pole", ckpt, dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    snprintf(a, sizeof a, "grep -c 'int pole_step(pole_state \\*s' %s/x/pole.h", dir);
    ck_assert_msg(shell(a) == 0, "%s", out);
    /* the header documents the network, the run and its checkpoint */
    snprintf(a, sizeof a, "%s/x/pole.h", dir);
    FILE *f = fopen(a, "r");
    ck_assert_ptr_nonnull(f);
    static char h[1 << 15];
    h[fread(h, 1, sizeof h - 1, f)] = '\0';
    fclose(f);
    ck_assert_msg(strstr(h, "Network: gla") && strstr(h, "1587 parameters") && strstr(h, "env cartpole") &&
                      strstr(h, "global step 512") && strstr(h, ckpt) && strstr(h, "file CRC-32 ") &&
                      strstr(h, "policy.d_model: 16") && strstr(h, "#define POLE_STATE_SIZE 64"),
                  "%s", h);
}
END_TEST

START_TEST(an_exported_cartpole_policy_plays_the_episodes_of_ppo_eval_with_the_same_returns) {
    char dir[512], ckpt[1024], args[4096];
    test_tmpdir(dir, sizeof dir);
    train(dir, "r", "configs/cartpole.yaml", "--set run.total_timesteps=30720", ckpt, sizeof ckpt);
    snprintf(args, sizeof args, "export %s -o %s/c", ckpt, dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    snprintf(args, sizeof args,
             "cc -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -O2" GEN_SAN " -I. -I%s/c examples/cartpole.c "
             "%s/c/cartpole_policy.c envs/cartpole.c core/rng.c core/err.c -lm -o %s/cartpole",
             dir, dir, dir);
    ck_assert_msg(shell(args) == 0, "%s", out);
    snprintf(args, sizeof args, "%s/cartpole -v 100 12345", dir);
    ck_assert_msg(shell(args) == 0, "%s", out);
    static char mine[1 << 16];
    snprintf(mine, sizeof mine, "%s", out);
    snprintf(args, sizeof args, "eval %s --episodes 100 --seed 12345 --csv %s/eval.csv", ckpt, dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    /* the summary line, without ppo eval's episodes/s */
    char *line = strstr(out, "return "), *end = strstr(out, "  mean length ");
    ck_assert_msg(line && end, "%s", out);
    end = strchr(end + 14, ' ');
    *end = '\0';
    ck_assert_msg(strstr(mine, line), "ppo eval: %s\nthe example:\n%s", line, mine);
    /* and every episode */
    snprintf(args, sizeof args, "%s/eval.csv", dir);
    FILE *f = fopen(args, "r");
    ck_assert_ptr_nonnull(f);
    char row[256];
    ck_assert_ptr_nonnull(fgets(row, sizeof row, f));
    double sum = 0;
    for (int e = 0; e < 100; e++) {
        int ep, len, term;
        float ret;
        ck_assert_ptr_nonnull(fgets(row, sizeof row, f));
        ck_assert_int_eq(sscanf(row, "%d,%g,%d,%d", &ep, &ret, &len, &term), 4);
        char want[128];
        snprintf(want, sizeof want, "episode %d: return %.9g, length %d\n", e, ret, len);
        ck_assert_msg(strstr(mine, want), "ppo eval: %sthe example:\n%s", want, mine);
        sum += ret;
    }
    fclose(f);
    printf("export: an exported CartPole GLA policy played the 100 episodes of ppo eval with its "
           "returns, episode for episode (mean %.2f)\n", sum / 100);
}
END_TEST

START_TEST(bad_checkpoints_folders_and_names_are_refused_with_exit_2) {
    char dir[512], ckpt[1024], args[4096];
    test_tmpdir(dir, sizeof dir);
    train(dir, "r", "configs/cartpole.yaml", "--max-updates 1", ckpt, sizeof ckpt);
    /* a missing checkpoint: nothing is made */
    snprintf(args, sizeof args, "export %s/none.ckpt -o %s/o1", dir, dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "ppo export: ") && strstr(out, "none.ckpt"), "%s", out);
    ck_assert_int_eq((int)(strchr(out, '\n') - out), (int)strlen(out) - 1);
    snprintf(args, sizeof args, "%s/o1", dir);
    struct stat st;
    ck_assert_int_ne(stat(args, &st), 0);
    /* a damaged one */
    snprintf(args, sizeof args, "head -c 2000 %s > %s/cut.ckpt", ckpt, dir);
    ck_assert_int_eq(system(args), 0);
    snprintf(args, sizeof args, "export %s/cut.ckpt -o %s/o2", dir, dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "cut.ckpt") && (strstr(out, "truncated") || strstr(out, "checksum")), "%s", out);
    /* a folder that cannot be: under a file, or a file */
    snprintf(args, sizeof args, "export %s -o %s/sub", ckpt, ckpt);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "ppo export: -o ") && strstr(out, "not a folder"), "%s", out);
    snprintf(args, sizeof args, "export %s -o %s", ckpt, ckpt);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "exists and is not a folder"), "%s", out);
    /* names that are no C identifier */
    const char *bad[] = {"9lives", "my-policy", "int", "_x", "'a b'", "''"};
    const char *why[] = {"not a C identifier", "not a C identifier", "keyword", "reserved",
                         "not a C identifier", "empty"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "export %s -o %s/o3 --name %s", ckpt, dir, bad[i]);
        ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
        ck_assert_msg(strstr(out, "--name") && strstr(out, why[i]), "%s: %s", bad[i], out);
    }
    snprintf(args, sizeof args, "%s/o3", dir);
    ck_assert_int_ne(stat(args, &st), 0);
    /* usage */
    snprintf(args, sizeof args, "export %s", ckpt);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "-o DIR"), "%s", out);
    ck_assert_int_eq(test_run_ppo("export --frobnicate x", out, sizeof out), 2);
    ck_assert_int_eq(test_run_ppo("export --help", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "usage: ppo export CHECKPOINT -o DIR"), "%s", out);
}
END_TEST

/* The recurrent baselines have no emitter (README "Export a policy", "Another policy kind"),
 * nor GLA's short convolution, nor the gridworld's cell encoder (policy.cell_embed, for gla and
 * for mlp, whose kinds have one): exporting one is refused with exit 2 and one line naming the
 * kind or the key, before anything is made. */
static const struct {
    const char *config, *extra, *msg;
} NO_EMITTER[] = {
    {"configs/cartpole-stateless.yaml", "--set policy.kind=lstm --set policy.hidden=8",
     "no C emitter for policy kind 'lstm' (it exports gla, mlp)"},
    {"configs/cartpole-stateless.yaml", "--set policy.kind=gru --set policy.hidden=8",
     "no C emitter for policy kind 'gru' (it exports gla, mlp)"},
    {"configs/cartpole-stateless.yaml", "--set policy.kind=gla --set policy.conv=4",
     "no C emitter for policy.conv (GLA's short convolution, here 4)"},
    {"configs/gridworld-empty-8x8.yaml",
     "--set policy.kind=gla --set policy.cell_embed=4 --set run.num_envs=8 --set run.num_steps=32",
     "no C emitter for policy.cell_embed (the gridworld's cell encoder, here 4)"},
    {"configs/gridworld-empty-8x8.yaml",
     "--set policy.kind=mlp --set policy.hidden=8 --set policy.cell_embed=3 --set run.num_envs=8 "
     "--set run.num_steps=32",
     "no C emitter for policy.cell_embed (the gridworld's cell encoder, here 3)"},
};

START_TEST(a_kind_without_an_emitter_is_refused_with_exit_2_naming_it) {
    char dir[512], ckpt[1024], args[4096];
    test_tmpdir(dir, sizeof dir);
    snprintf(args, sizeof args, "--max-updates 1 %s", NO_EMITTER[_i].extra);
    train(dir, "r", NO_EMITTER[_i].config, args, ckpt, sizeof ckpt);
    snprintf(args, sizeof args, "export %s -o %s/o", ckpt, dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "ppo export: ") && strstr(out, NO_EMITTER[_i].msg), "%s", out);
    ck_assert_int_eq((int)(strchr(out, '\n') - out), (int)strlen(out) - 1);
    snprintf(args, sizeof args, "%s/o", dir);
    struct stat st;
    ck_assert_int_ne(stat(args, &st), 0);
}
END_TEST

START_TEST(names_are_c_identifiers_and_default_to_the_env) {
    Err err;
    char name[EXPORT_NAME_LEN];
    export_default_name("cartpole", name, sizeof name);
    ck_assert_str_eq(name, "cartpole_policy");
    export_default_name("gridworld/door-key-8x8", name, sizeof name);
    ck_assert_str_eq(name, "gridworld_door_key_8x8_policy");
    ck_assert_int_eq(export_name_check(name, &err), 0);
    ck_assert_int_eq(export_name_check("x_1", &err), 0);
    ck_assert_int_eq(export_name_check("_x1", &err), -1);
    ck_assert_int_eq(export_name_check("x\xc3\xa9", &err), -1);
    ck_assert_int_eq(err.kind, ERR_INPUT);
    char longname[EXPORT_NAME_LEN + 1];
    memset(longname, 'a', EXPORT_NAME_LEN);
    longname[EXPORT_NAME_LEN] = '\0';
    ck_assert_int_eq(export_name_check(longname, &err), -1);
    longname[EXPORT_NAME_LEN - 1] = '\0';
    ck_assert_int_eq(export_name_check(longname, &err), 0);
}
END_TEST

static Suite *export_suite(void) {
    Suite *s = suite_create("export");
    TCase *tc = test_case("generated code");
    tcase_add_loop_test(tc, exported_code_compiles_warning_free_and_its_selftest_matches_ppo, 0,
                        (int)(sizeof CASES / sizeof CASES[0]));
    tcase_add_test(tc, the_same_checkpoint_gives_the_same_files_and_nothing_is_overwritten);
    tcase_add_test(tc, an_exported_cartpole_policy_plays_the_episodes_of_ppo_eval_with_the_same_returns);
    suite_add_tcase(s, tc);
    tc = test_case("command");
    tcase_add_test(tc, bad_checkpoints_folders_and_names_are_refused_with_exit_2);
    tcase_add_loop_test(tc, a_kind_without_an_emitter_is_refused_with_exit_2_naming_it, 0,
                        (int)(sizeof NO_EMITTER / sizeof NO_EMITTER[0]));
    tcase_add_test(tc, names_are_c_identifiers_and_default_to_the_env);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(export_suite)
