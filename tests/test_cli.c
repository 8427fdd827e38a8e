/* test_cli.c: the ppo command line answers --help, refuses unknown commands and options with one
 * line and exit code 2, lists the envs and shows gridworld levels as map files, and trains,
 * evaluates and inspects checkpoints as a user would. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testutil.h"

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
    const char *grid[] = {"gridworld/empty-8x8 ", "gridworld/empty-random-8x8 ", "gridworld/four-rooms ",
                          "gridworld/door-key-5x5 ", "gridworld/door-key-8x8 ", "gridworld/memory-s7 ",
                          "gridworld/memory-s9 ", "gridworld/memory-s11 ", "gridworld/memory-s13 ",
                          "gridworld/memory-s13-random ", "gridworld/memory-s17-random "};
    for (size_t i = 0; i < sizeof grid / sizeof grid[0]; i++) {
        const char *line = strstr(out, grid[i]);
        ck_assert_msg(line, "%s missing from:\n%s", grid[i], out);
        ck_assert_msg(strncmp(strstr(line, "935"), "935        7", 12) == 0, "%s", line);
    }
    ck_assert_msg(strstr(out, "gridworld/map") && strstr(out, "env.map"), "%s", out);
    /* the popgym family: every game at three difficulties, with its sizes */
    const char *games[] = {"repeat-previous", "repeat-first", "autoencode", "count-recall", "higher-lower",
                           "concentration", "minesweeper", "battleship", "multiarmed-bandit",
                           "position-only-cartpole", "velocity-only-cartpole", "noisy-position-only-cartpole"};
    const char *diffs[] = {"easy", "medium", "hard"};
    for (size_t g = 0; g < sizeof games / sizeof games[0]; g++)
        for (int d = 0; d < 3; d++) {
            char name[64];
            snprintf(name, sizeof name, "popgym/%s-%s ", games[g], diffs[d]);
            ck_assert_msg(strstr(out, name), "%s missing from:\n%s", name, out);
        }
    char row[128];
    snprintf(row, sizeof row, "%-42s %8d %8d\n", "popgym/battleship-hard", 2, 144);
    ck_assert_msg(strstr(out, row), "%s missing from:\n%s", row, out);
    snprintf(row, sizeof row, "%-42s %8d %8d\n", "popgym/concentration-hard", 728, 52);
    ck_assert_msg(strstr(out, row), "%s missing from:\n%s", row, out);
}
END_TEST

/* The grid rows of `env show` output: the lines that are neither comments nor directives. */
static void grid_rows(const char *text, char *rows, size_t cap) {
    size_t k = 0;
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
        if (line[0] != ';' && strncmp(line, "max_steps", 9) != 0 && strncmp(line, "see_through", 11) != 0 &&
            k + n < cap) {
            memcpy(rows + k, line, n);
            k += n;
        }
        line += n;
    }
    rows[k] = '\0';
}

START_TEST(env_show_prints_a_level_as_a_map_with_its_legend) {
    ck_assert_int_eq(test_run_ppo("env show gridworld/empty-8x8", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "; gridworld/empty-8x8, seed 0: 8x8 cells, max_steps 256, sees through walls\n"
                              "max_steps 256\n"
                              "see_through yes\n"
                              "################\n"
                              "##>>..........##\n"),
                  "%s", out);
    ck_assert_msg(strstr(out, "##..........GG##\n################\n; legend:"), "%s", out);
    ck_assert_msg(strstr(out, "Lc  locked door") && strstr(out, "e grey"), "%s", out);
    /* The same seed shows the same level; another seed another one. */
    static char a[8192], b[8192], c[8192];
    ck_assert_int_eq(test_run_ppo("env show gridworld/four-rooms --seed 7", out, sizeof out), 0);
    grid_rows(out, a, sizeof a);
    ck_assert_int_eq(test_run_ppo("env show --seed=7 gridworld/four-rooms", out, sizeof out), 0);
    grid_rows(out, b, sizeof b);
    ck_assert_int_eq(test_run_ppo("env show gridworld/four-rooms --seed 8", out, sizeof out), 0);
    grid_rows(out, c, sizeof c);
    ck_assert_uint_eq(strlen(a), 19 * 39);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
}
END_TEST

START_TEST(env_show_output_is_a_map_file_of_the_same_level) {
    char dir[256], cmd[1024];
    static char shown[8192], again[8192];
    test_tmpdir(dir, sizeof dir);
    snprintf(cmd, sizeof cmd, "env show gridworld/door-key-8x8 --seed 11 > %s/dk.map", dir);
    ck_assert_int_eq(test_run_ppo(cmd, out, sizeof out), 0);
    ck_assert_int_eq(test_run_ppo("env show gridworld/door-key-8x8 --seed 11", out, sizeof out), 0);
    grid_rows(out, shown, sizeof shown);
    ck_assert_msg(strstr(shown, "Ly") && strstr(shown, "Ky"), "%s", shown);
    snprintf(cmd, sizeof cmd, "env show gridworld/map --map %s/dk.map", dir);
    ck_assert_int_eq(test_run_ppo(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "max_steps 640\n"), "%s", out);
    grid_rows(out, again, sizeof again);
    ck_assert_str_eq(shown, again);
    ck_assert_int_eq(test_run_ppo("env show gridworld/map --map maps/lava-door.map", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "##..Ky....Ly~~..##"), "%s", out);
}
END_TEST

START_TEST(env_show_refuses_bad_names_maps_and_options_with_exit_2) {
    ck_assert_int_eq(test_run_ppo("env show gridworld/fourrooms", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "unknown env 'gridworld/fourrooms'") && strstr(out, "gridworld/four-rooms,"),
                  "%s", out);
    ck_assert_int_eq(test_run_ppo("env show cartpole", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "only gridworld"), "%s", out);
    ck_assert_int_eq(test_run_ppo("env show gridworld/map", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "env.map"), "%s", out);
    char dir[256], path[512], cmd[1024];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/bad.map", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("; bad\n##########\n##>>..K?##\n##########\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "env show gridworld/map --map %s", path);
    ck_assert_int_eq(test_run_ppo(cmd, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "bad.map:3:7: cell 'K?'"), "%s", out);
    ck_assert_int_eq((int)(strchr(out, '\n') - out), (int)strlen(out) - 1);
    ck_assert_int_eq(test_run_ppo("env show gridworld/empty-8x8 --seed -1", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "--seed '-1'"), "%s", out);
    ck_assert_int_eq(test_run_ppo("env show gridworld/empty-8x8 --seed", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "needs a value"), "%s", out);
    ck_assert_int_eq(test_run_ppo("env show gridworld/empty-8x8 --sed 3", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "unknown option '--sed'"), "%s", out);
    ck_assert_int_eq(test_run_ppo("env show", out, sizeof out), 2);
    ck_assert_int_eq(test_run_ppo("env frobnicate", out, sizeof out), 2);
    ck_assert_int_eq(test_run_ppo("env --help", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "ppo env show gridworld/LEVEL") && strstr(out, "; legend:"), "%s", out);
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

START_TEST(a_popgym_config_trains_and_eval_reports_popgyms_scale) {
    char dir[512], args[2048];
    test_tmpdir(dir, sizeof dir);
    snprintf(args, sizeof args,
             "train configs/popgym/repeat-first-easy.yaml --quiet --run-name p --set run.runs_dir=%s/runs "
             "--set run.total_timesteps=8192 --set run.num_envs=8 --set run.num_steps=64 --set run.workers=1", dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    /* progress.csv's mean returns are POPGym's scores: within [-1, 1] */
    snprintf(args, sizeof args, "%s/runs/p/progress.csv", dir);
    FILE *f = fopen(args, "r");
    ck_assert_ptr_nonnull(f);
    char line[1024];
    int rows = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f)); /* the header */
    ck_assert_msg(strncmp(line, "update,global_step,seconds,sps,episodes,return_mean,", 52) == 0, "%s", line);
    while (fgets(line, sizeof line, f)) {
        double ret;
        if (sscanf(line, "%*[^,],%*[^,],%*[^,],%*[^,],%*[^,],%lf,", &ret) == 1) {
            ck_assert_msg(ret >= -1.0 && ret <= 1.0, "return_mean %g: %s", ret, line);
            rows++;
        }
    }
    fclose(f);
    ck_assert_int_gt(rows, 0);
    snprintf(args, sizeof args, "eval %s/runs/p/checkpoints/latest.ckpt --episodes 10", dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "env popgym/repeat-first-easy") && strstr(out, "POPGym's scale"), "%s", out);
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


START_TEST(resume_continues_inside_the_run_folder_it_is_given) {
    char dir[512], args[4096], moved[700], other[700];
    test_tmpdir(dir, sizeof dir);
    ck_assert_int_eq(tiny_run(dir, "a", "--max-updates 2"), 0);
    ck_assert_int_eq(tiny_run(dir, "b", "--max-updates 1"), 0);
    /* renamed, and resumed from another working folder */
    snprintf(moved, sizeof moved, "%s/renamed", dir);
    snprintf(args, sizeof args, "mv %s/runs/a %s", dir, moved);
    ck_assert_int_eq(system(args), 0);
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(args, sizeof args, "cd %s && %s/%s resume %s --quiet --max-updates 1 2>&1", dir, cwd,
             test_ppo_bin(), moved);
    FILE *f = popen(args, "r");
    size_t len = fread(out, 1, sizeof out - 1, f);
    out[len] = '\0';
    ck_assert_int_eq(pclose(f), 0);
    ck_assert_msg(strstr(out, "trained 512 more steps") && strstr(out, "1536 in all"), "%s", out);
    snprintf(args, sizeof args, "%s/runs/a", dir);
    ck_assert_int_ne(access(args, F_OK), 0); /* no second folder under the old name */
    snprintf(args, sizeof args, "%s/progress.csv", moved);
    f = fopen(args, "r");
    int rows = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) rows++;
    fclose(f);
    ck_assert_int_eq(rows, 1 + 3);
    /* another run's checkpoint is refused */
    snprintf(other, sizeof other, "%s/runs/b/checkpoints/latest.ckpt", dir);
    snprintf(args, sizeof args, "resume %s --checkpoint %s --quiet", moved, other);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "ppo train CONFIG --resume"), "%s", out);
    /* a folder that is not a run */
    snprintf(args, sizeof args, "resume %s", dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "is not a run folder"), "%s", out);
}
END_TEST

/* The recurrent baselines through the command line, one per loop index: train on stateless
 * CartPole, inspect, evaluate (the same figures twice), and resume from the checkpoint (which
 * carries each env's recurrent state). */
static const char *const RNN_KINDS[] = {"lstm", "gru"};

START_TEST(lstm_and_gru_checkpoints_are_inspected_evaluated_and_resumed) {
    const char *kind = RNN_KINDS[_i];
    char dir[512], args[2048], extra[256], ckpt[1024], first[4096];
    test_tmpdir(dir, sizeof dir);
    snprintf(extra, sizeof extra, "--set env.name=cartpole-stateless --set policy.kind=%s "
             "--set policy.prev_action=true --set policy.start_flag=true --max-updates 2", kind);
    ck_assert_msg(tiny_run(dir, "r", extra) == 0, "%s", out);
    snprintf(ckpt, sizeof ckpt, "%s/runs/r/checkpoints/latest.ckpt", dir);
    snprintf(args, sizeof args, "info %s", ckpt);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 0);
    char want[64];
    snprintf(want, sizeof want, "%s.weight_hh_l0", kind);
    ck_assert_msg(strstr(out, "cartpole-stateless") && strstr(out, want) && strstr(out, "actor.w"),
                  "%s", out);
    snprintf(args, sizeof args, "eval %s --episodes 12 --seed 4 --stochastic", ckpt);
    for (int rep = 0; rep < 2; rep++) {
        ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 0);
        ck_assert_msg(strstr(out, "12 episodes") && strstr(out, "return "), "%s", out);
        *strstr(out, "episodes/s") = '\0';
        *strrchr(out, ' ') = '\0'; /* drop the speed; the rest is the same for the same seed */
        *strrchr(out, ' ') = '\0';
        if (rep == 0) snprintf(first, sizeof first, "%s", out);
        else ck_assert_str_eq(out, first);
    }
    snprintf(args, sizeof args, "resume %s/runs/r --quiet --max-updates 1", dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "trained 512 more steps") && strstr(out, "1536 in all"), "%s", out);
}
END_TEST

START_TEST(bad_paths_and_missing_values_are_usage_errors_found_before_any_work) {
    char dir[512], args[2048];
    test_tmpdir(dir, sizeof dir);
    ck_assert_int_eq(tiny_run(dir, "c", "--max-updates 1"), 0);
    snprintf(args, sizeof args, "eval %s/runs/c/checkpoints/latest.ckpt --csv %s/no/such/dir/x.csv", dir, dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "ppo eval: --csv") && !strstr(out, "return "), "%s", out);
    ck_assert_int_eq(test_run_ppo("eval x.ckpt --episodes", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "'--episodes' needs a value"), "%s", out);
    snprintf(args, sizeof args, "train configs/cartpole.yaml --quiet --set run.runs_dir=%s/runs/c/config.yaml/x", dir);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "config.yaml: exists and is not a folder"), "%s", out);
}
END_TEST

static Suite *cli_suite(void) {
    Suite *s = suite_create("cli");
    TCase *tc = test_case("commands");
    tcase_add_test(tc, help_lists_the_commands_and_exits_0);
    tcase_add_test(tc, an_unknown_command_or_option_is_one_line_and_exit_2);
    tcase_add_test(tc, env_list_names_every_env_with_its_sizes);
    tcase_add_test(tc, env_show_prints_a_level_as_a_map_with_its_legend);
    tcase_add_test(tc, env_show_output_is_a_map_file_of_the_same_level);
    tcase_add_test(tc, env_show_refuses_bad_names_maps_and_options_with_exit_2);
    suite_add_tcase(s, tc);
    tc = test_case("train, eval, info");
    tcase_add_test(tc, train_refuses_bad_configs_and_existing_run_names_with_exit_2);
    tcase_add_test(tc, eval_and_info_read_a_trained_checkpoint_and_refuse_damaged_ones);
    tcase_add_test(tc, a_popgym_config_trains_and_eval_reports_popgyms_scale);
    tcase_add_test(tc, sigint_finishes_the_update_saves_a_checkpoint_and_exits_0);
    tcase_add_test(tc, resume_continues_inside_the_run_folder_it_is_given);
    tcase_add_loop_test(tc, lstm_and_gru_checkpoints_are_inspected_evaluated_and_resumed, 0, 2);
    tcase_add_test(tc, bad_paths_and_missing_values_are_usage_errors_found_before_any_work);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(cli_suite)
