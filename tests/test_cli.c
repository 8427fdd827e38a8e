/* test_cli.c: the ppo command line answers --help, and refuses unknown commands and options
 * with one line and exit code 2. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static char out[65536];

START_TEST(help_lists_the_commands_and_exits_0) {
    ck_assert_int_eq(test_run_ppo("--help", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "usage: ppo COMMAND") && strstr(out, "train"), "%s", out);
    ck_assert_int_eq(test_run_ppo("train --help", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "usage: ppo train"), "%s", out);
    ck_assert_int_eq(test_run_ppo("env --help", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "usage: ppo env"), "%s", out);
}
END_TEST

START_TEST(an_unknown_command_or_option_is_one_line_and_exit_2) {
    ck_assert_int_eq(test_run_ppo("tarin", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "unknown command 'tarin'"), "%s", out);
    ck_assert_int_eq((int)(strchr(out, '\n') - out), (int)strlen(out) - 1);
    ck_assert_int_eq(test_run_ppo("--frobnicate", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "unknown option '--frobnicate'"), "%s", out);
    ck_assert_int_eq(test_run_ppo("train --frobnicate configs/cartpole.yaml", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "unknown option '--frobnicate'"), "%s", out);
    ck_assert_int_eq((int)(strchr(out, '\n') - out), (int)strlen(out) - 1);
}
END_TEST

START_TEST(env_list_names_every_env_with_its_sizes) {
    ck_assert_int_eq(test_run_ppo("env list", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "cartpole ") && strstr(out, "cartpole-stateless"), "%s", out);
}
END_TEST


/* Trains a tiny run into dir/runs/NAME and returns 0; out holds the output. */
static int tiny_run(const char *dir, const char *name, const char *extra) {
    char args[2048];
    snprintf(args, sizeof args,
             "train configs/cartpole.yaml --quiet --run-name %s --set run.runs_dir=%s/runs "
             "--set run.total_timesteps=4096 --set run.num_envs=8 --set run.num_steps=64 %s",
             name, dir, extra);
    return test_run_ppo(args, out, sizeof out);
}

START_TEST(train_refuses_bad_configs_and_existing_run_names_with_exit_2) {
    char dir[512], args[1024];
    test_tmpdir(dir, sizeof dir);
    ck_assert_int_eq(test_run_ppo("train configs/cartpole.yaml --set ppo.gamma=2", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "--set ppo.gamma=2: ppo.gamma: 2 is out of range"), "%s", out);
    ck_assert_int_eq(test_run_ppo("train no/such.yaml", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "no/such.yaml"), "%s", out);
    snprintf(args, sizeof args, "%s/bad.yaml", dir);
    FILE *f = fopen(args, "w");
    fputs("ppo:\n  clip_coef: 0.2\n  clip_coef: 0.3\n", f);
    fclose(f);
    snprintf(args, sizeof args, "train %s/bad.yaml", dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "bad.yaml:3:3: ppo.clip_coef: duplicate key"), "%s", out);
    ck_assert_int_eq(tiny_run(dir, "r1", ""), 0);
    ck_assert_msg(strstr(out, "checkpoint: ") && strstr(out, "r1/checkpoints/latest.ckpt"), "%s", out);
    ck_assert_int_eq(tiny_run(dir, "r1", ""), 2);
    ck_assert_msg(strstr(out, "already exists"), "%s", out);
}
END_TEST

START_TEST(eval_and_info_read_a_trained_checkpoint_and_refuse_damaged_ones) {
    char dir[512], args[2048], ckpt[1024], first[4096];
    test_tmpdir(dir, sizeof dir);
    ck_assert_int_eq(tiny_run(dir, "e", ""), 0);
    snprintf(ckpt, sizeof ckpt, "%s/runs/e/checkpoints/latest.ckpt", dir);
    snprintf(args, sizeof args, "eval %s --episodes 20 --seed 3 --csv %s/eps.csv", ckpt, dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "20 episodes") && strstr(out, "return ") && strstr(out, "+-"), "%s", out);
    *strstr(out, "episodes/s") = '\0';
    *strrchr(out, ' ') = '\0'; /* drop the speed; the rest is the same for the same seed */
    *strrchr(out, ' ') = '\0';
    snprintf(first, sizeof first, "%s", out);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 0);
    *strstr(out, "episodes/s") = '\0';
    *strrchr(out, ' ') = '\0';
    *strrchr(out, ' ') = '\0';
    ck_assert_str_eq(out, first);
    snprintf(args, sizeof args, "%s/eps.csv", dir);
    FILE *f = fopen(args, "r");
    ck_assert_ptr_nonnull(f);
    int lines = 0;
    char line[256];
    while (fgets(line, sizeof line, f)) lines++;
    fclose(f);
    ck_assert_int_eq(lines, 21);
    snprintf(args, sizeof args, "info %s", ckpt);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "env:          cartpole") && strstr(out, "embed.w"), "%s", out);
    /* A policy for 4 observations does not fit the 2 of cartpole-stateless. */
    snprintf(args, sizeof args, "eval %s --env cartpole-stateless", ckpt);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "does not fit"), "%s", out);
    /* Damaged: a truncated copy, a directory, a missing file. */
    snprintf(args, sizeof args, "head -c 1000 %s > %s/cut.ckpt", ckpt, dir);
    ck_assert_int_eq(system(args), 0);
    snprintf(args, sizeof args, "eval %s/cut.ckpt", dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "cut.ckpt") && (strstr(out, "truncated") || strstr(out, "checksum")), "%s", out);
    ck_assert_int_eq((int)(strchr(out, '\n') - out), (int)strlen(out) - 1);
    snprintf(args, sizeof args, "info %s", dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "is a directory"), "%s", out);
    snprintf(args, sizeof args, "eval %s/none.ckpt", dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
}
END_TEST

START_TEST(sigint_finishes_the_update_saves_a_checkpoint_and_exits_0) {
    char dir[512], runs[600], log[700];
    test_tmpdir(dir, sizeof dir);
    snprintf(runs, sizeof runs, "run.runs_dir=%s/runs", dir);
    snprintf(log, sizeof log, "%s/log", dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        freopen(log, "w", stdout);
        execl(test_ppo_bin(), test_ppo_bin(), "train", "configs/cartpole.yaml", "--quiet", "--run-name",
              "sig", "--set", runs, "--set", "run.total_timesteps=100000000", "--set",
              "run.stop_return=0", (char *)NULL);
        _exit(127);
    }
    char latest[800];
    snprintf(latest, sizeof latest, "%s/runs/sig/progress.csv", dir);
    struct stat st;
    for (int i = 0; i < 600 && (stat(latest, &st) != 0 || st.st_size < 300); i++) usleep(50000);
    kill(pid, SIGINT);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
    snprintf(latest, sizeof latest, "%s/runs/sig/checkpoints/latest.ckpt", dir);
    ck_assert_int_eq(stat(latest, &st), 0);
    FILE *f = fopen(log, "r");
    char text[4096] = {0};
    ck_assert_uint_gt(fread(text, 1, sizeof text - 1, f), 0);
    fclose(f);
    ck_assert_msg(strstr(text, "stopped on request") && strstr(text, "latest.ckpt"), "%s", text);
    /* ppo resume continues it. */
    char args[1024];
    snprintf(args, sizeof args, "resume %s/runs/sig --quiet --max-updates 1", dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "trained"), "%s", out);
}
END_TEST

static Suite *cli_suite(void) {
    Suite *s = suite_create("cli");
    TCase *tc = test_case("commands");
    tcase_add_test(tc, help_lists_the_commands_and_exits_0);
    tcase_add_test(tc, an_unknown_command_or_option_is_one_line_and_exit_2);
    tcase_add_test(tc, env_list_names_every_env_with_its_sizes);
    suite_add_tcase(s, tc);
    tc = test_case("train, eval, info");
    tcase_add_test(tc, train_refuses_bad_configs_and_existing_run_names_with_exit_2);
    tcase_add_test(tc, eval_and_info_read_a_trained_checkpoint_and_refuse_damaged_ones);
    tcase_add_test(tc, sigint_finishes_the_update_saves_a_checkpoint_and_exits_0);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(cli_suite)
