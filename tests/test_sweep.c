/* test_sweep.c: `ppo sweep` as a user runs it: a tiny sweep runs every run and writes its
 * report; killed mid-way (SIGKILL to the sweep and its runs) and started again it ends with the
 * report of an uninterrupted sweep; a failed run does not stop the others and is reported as
 * failed; a grid expands to the product of its values; bad sweep files are refused before any
 * run starts, naming the file, line and key. (Two MPI ranks sharing a sweep: tests/test_dist.c.) */
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testutil.h"

static char out[1 << 16];

/* A tiny sweep: CartPole with the GLA and the MLP, seeds 1-3, steps (64k: a few seconds in all)
 * each, a checkpoint every update, episodes evaluation episodes; extra is more of the file. */
static void write_sweep(const char *path, const char *outdir, int steps, int episodes, const char *extra) {
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fprintf(f,
            "out: %s\n"
            "configs:\n"
            "  - configs/cartpole.yaml\n"
            "  - configs/cartpole-mlp.yaml\n"
            "seeds: [1, 2, 3]\n"
            "set:\n"
            "  run.total_timesteps: %d\n"
            "  run.checkpoint_interval: 1\n"
            "  run.stop_return: 0\n"
            "jobs: 2\n"
            "eval:\n"
            "  episodes: %d\n"
            "tasks:\n"
            "  cartpole: {random: 22, max: 500, target: 150, success: 475}\n"
            "report: {bootstrap: 1000, seed: 5}\n"
            "%s",
            outdir, steps, episodes, extra);
    fclose(f);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    char *copy = strdup(buf);
    ck_assert_ptr_nonnull(copy);
    return copy;
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* The CSV at path without the columns whose header names a time (seconds, sps): what two
 * sweeps of the same runs must agree on. */
static char *without_time(const char *path) {
    char *text = slurp(path);
    ck_assert_msg(text != NULL, "no %s", path);
    char *res = malloc(strlen(text) + 1);
    ck_assert_ptr_nonnull(res);
    bool drop[128] = {false};
    int col = 0;
    for (const char *c = text, *start = text; ; c++) { /* the header */
        if (*c == ',' || *c == '\n' || !*c) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(c - start), start);
            drop[col < 127 ? col : 127] = strstr(name, "seconds") || strstr(name, "sps");
            col++;
            start = c + 1;
        }
        if (*c == '\n' || !*c) break;
    }
    size_t k = 0;
    col = 0;
    bool quoted = false;
    for (const char *c = text; *c; c++) {
        if (*c == '"') quoted = !quoted;
        if (!quoted && *c == '\n') {
            if (k > 0 && res[k - 1] == ',') k--;
            res[k++] = '\n';
            col = 0;
            continue;
        }
        if (!quoted && *c == ',') {
            if (!drop[col < 127 ? col : 127]) res[k++] = ',';
            col++;
            continue;
        }
        if (!drop[col < 127 ? col : 127]) res[k++] = *c;
    }
    res[k] = '\0';
    free(text);
    return res;
}

static void assert_same_csv(const char *a_dir, const char *b_dir, const char *name) {
    char a[1200], b[1200];
    snprintf(a, sizeof a, "%s/%s", a_dir, name);
    snprintf(b, sizeof b, "%s/%s", b_dir, name);
    char *ta = without_time(a), *tb = without_time(b);
    ck_assert_msg(strcmp(ta, tb) == 0, "%s differs:\n%s\nagainst\n%s", name, ta, tb);
    free(ta);
    free(tb);
}

/* How many lines of runs.csv in dir have the status word. */
static int runs_with(const char *dir, const char *status) {
    char path[1200], word[32];
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    snprintf(word, sizeof word, ",%s,", status);
    char *text = slurp(path);
    ck_assert_msg(text != NULL, "no %s", path);
    int n = 0;
    for (const char *p = text; (p = strstr(p, word)); p++) n++;
    free(text);
    return n;
}

/* ---- processes ---------------------------------------------------------------------------------- */

/* Starts `PPO_BIN args` in the background, output into log; returns the pid of ppo itself. */
static pid_t start_ppo(const char *args, const char *log) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "exec %s %s > %s 2>&1", test_ppo_bin(), args, log);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* The pids whose parent is pid, from /proc, into kids [cap]; returns how many. */
static int children_of(pid_t pid, pid_t *kids, int cap) {
    DIR *d = opendir("/proc");
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        if (!isdigit((unsigned char)e->d_name[0])) continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        const char *close_paren = strrchr(buf, ')'); /* "PID (comm) S PPID ..." */
        int ppid = 0;
        char state = 0;
        if (close_paren && sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 && ppid == pid && state != 'Z')
            kids[n++] = (pid_t)atoi(e->d_name);
    }
    closedir(d);
    return n;
}

/* Whether a run in out is mid-way: its folder has a progress.csv and its status is not
 * written; and whether some run is done. */
static void sweep_state(const char *outdir, bool *midway, bool *some_done) {
    const char *names[] = {"cartpole__s1", "cartpole__s2", "cartpole__s3", "cartpole-mlp__s1",
                           "cartpole-mlp__s2", "cartpole-mlp__s3"};
    *midway = *some_done = false;
    for (int i = 0; i < 6; i++) {
        char status[1200], progress[1200];
        snprintf(status, sizeof status, "%s/status/%s", outdir, names[i]);
        snprintf(progress, sizeof progress, "%s/runs/%s/progress.csv", outdir, names[i]);
        bool done = exists(status);
        *some_done |= done;
        *midway |= !done && exists(progress);
    }
}

/* ---- cases -------------------------------------------------------------------------------------- */

START_TEST(a_killed_sweep_started_again_ends_with_the_report_of_an_uninterrupted_one) {
    char dir[256], whole[512], killed[512], file_a[600], file_b[600], args[2048], log[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(whole, sizeof whole, "%s/whole", dir);
    snprintf(killed, sizeof killed, "%s/killed", dir);
    snprintf(file_a, sizeof file_a, "%s/whole.yaml", dir);
    snprintf(file_b, sizeof file_b, "%s/killed.yaml", dir);
    write_sweep(file_a, whole, 65536, 8, "");
    write_sweep(file_b, killed, 65536, 8, "");

    snprintf(args, sizeof args, "sweep %s", file_a);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "sweep: 6/6 done, 0 running, 0 failed"), "%s", out);
    ck_assert_msg(strstr(out, "| cartpole | gla | 3 |") && strstr(out, "| cartpole | mlp | 3 |"), "%s", out);
    ck_assert_int_eq(runs_with(whole, "done"), 6);
    const char *files[] = {"summary.md", "summary.csv", "runs.csv", "aggregates.csv", "aggregates.png",
                           "curves/cartpole.png"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", whole, files[i]);
        ck_assert_msg(exists(path), "no %s", path);
    }

    /* The same sweep, killed with SIGKILL (with its runs) once a run is done and another mid-way. */
    snprintf(log, sizeof log, "%s/killed.log", dir);
    snprintf(args, sizeof args, "sweep %s", file_b);
    pid_t sweep = start_ppo(args, log);
    bool midway = false, some_done = false;
    for (int i = 0; i < 12000 && !(midway && some_done); i++) {
        usleep(5000);
        sweep_state(killed, &midway, &some_done);
        ck_assert_msg(waitpid(sweep, NULL, WNOHANG) == 0, "the sweep ended before it could be killed");
    }
    ck_assert_msg(midway && some_done, "no run done and another mid-way after 60 s");
    pid_t kids[16];
    int n = children_of(sweep, kids, 16);
    ck_assert_int_eq(kill(sweep, SIGKILL), 0);
    for (int i = 0; i < n; i++) kill(kids[i], SIGKILL);
    int status;
    ck_assert_int_eq(waitpid(sweep, &status, 0), sweep);
    ck_assert(WIFSIGNALED(status));
    char path[1200];
    snprintf(path, sizeof path, "%s/summary.csv", killed);
    ck_assert_msg(!exists(path), "the killed sweep wrote its report");
    printf("sweep killed with %d run process%s running\n", n, n == 1 ? "" : "es");

    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_int_eq(runs_with(killed, "done"), 6);
    assert_same_csv(whole, killed, "runs.csv");
    assert_same_csv(whole, killed, "summary.csv");
    assert_same_csv(whole, killed, "aggregates.csv");

    /* Started once more, it runs nothing and writes the same report. */
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "sweep: 6/6 done, 0 running, 0 failed"), "%s", out);
    snprintf(args, sizeof args, "sweep %s --report --quiet", file_b);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    assert_same_csv(whole, killed, "runs.csv");
}
END_TEST

START_TEST(a_failed_run_does_not_stop_the_others_and_is_reported_as_failed) {
    char dir[256], outdir[512], file[600], args[1024], path[1200];
    test_tmpdir(dir, sizeof dir);
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    snprintf(file, sizeof file, "%s/s.yaml", dir);
    write_sweep(file, outdir, 16384, 8, "");
    /* A file where run cartpole__s2's folder would go: that run cannot start. */
    snprintf(path, sizeof path, "%s/runs", outdir);
    ck_assert_int_eq(mkdir(outdir, 0755), 0);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/runs/cartpole__s2", outdir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    snprintf(args, sizeof args, "sweep %s", file);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 1);
    ck_assert_msg(strstr(out, "run cartpole__s2 failed") && strstr(out, "Not a directory"), "%s", out);
    ck_assert_msg(strstr(out, "1 of 6 runs failed"), "%s", out);
    ck_assert_msg(strstr(out, "| cartpole | gla | 2 (1 failed) |"), "%s", out);
    ck_assert_int_eq(runs_with(outdir, "done"), 5);
    ck_assert_int_eq(runs_with(outdir, "failed"), 1);
    snprintf(path, sizeof path, "%s/summary.md", outdir);
    char *md = slurp(path);
    ck_assert_msg(md && strstr(md, "## Failed runs\n\n- cartpole__s2: "), "%s", md);
    free(md);

    /* Once the obstacle is gone the failed run is tried again and the others are kept. */
    snprintf(path, sizeof path, "%s/runs/cartpole__s2", outdir);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_int_eq(runs_with(outdir, "done"), 6);
    char log[1200];
    snprintf(log, sizeof log, "%s/logs/cartpole__s1.log", outdir);
    char *text = slurp(log);
    int processes = 0;
    for (const char *p = text; (p = strstr(p, "== ppo sweep")); p++) processes++;
    free(text);
    ck_assert_int_eq(processes, 5); /* train and 4 evals, once */
    /* Another eval protocol: the runs are evaluated again, not trained again. */
    write_sweep(file, outdir, 16384, 9, "");
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    text = slurp(log);
    ck_assert_msg(strstr(text, "--episodes 9") && strstr(text, "nothing trained"), "%s", text);
    free(text);
    /* Another config for a run folder that exists: refused, naming the difference. */
    write_sweep(file, outdir, 32768, 9, "");
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "run cartpole__s1 was trained with another config than the sweep gives it now "
                              "(run.total_timesteps is 16384 there and 32768 now)"), "%s", out);
}
END_TEST

/* A damaged eval file (truncated mid-row, a NaN return, rows missing) is refused by the report,
 * naming the file and line, never averaged into it; removing the run's status evaluates it again. */
START_TEST(a_damaged_eval_file_stops_the_report_naming_the_file_and_line) {
    char dir[256], file[600], args[1024], csv[1200], status[1200];
    test_tmpdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/e.yaml", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "out: %s/out\nconfigs: [configs/cartpole.yaml]\nseeds: [1]\nset: {run.total_timesteps: 4096}\n"
               "eval: {episodes: 4, checkpoints: [final], policies: [deterministic]}\n", dir);
    fclose(f);
    snprintf(args, sizeof args, "sweep %s", file);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    snprintf(csv, sizeof csv, "%s/out/evals/cartpole__s1.final.deterministic.csv", dir);
    snprintf(status, sizeof status, "%s/out/status/cartpole__s1", dir);
    char *good = slurp(csv);
    ck_assert_msg(good && strstr(good, "\n3,"), "%s", good ? good : "no eval file");
    snprintf(args, sizeof args, "sweep %s --report", file);
    const char *damaged[] = {"episode,return,length,terminated\n0,12,12,1\n1,3", /* cut mid-row */
                             "episode,return,length,terminated\n0,nan,12,1\n1,9,9,1\n2,9,9,1\n3,9,9,1\n",
                             "episode,return,length,terminated\n0,12,12,1\n1,9,9,1\n"};
    const char *want[] = {":3: '1,3' is not an episode row", ":2: '0,nan,12,1' is not an episode row",
                          ": 2 episodes where the sweep evaluates 4"};
    for (int i = 0; i < 3; i++) {
        f = fopen(csv, "w");
        ck_assert_ptr_nonnull(f);
        fputs(damaged[i], f);
        fclose(f);
        ck_assert_msg(test_run_ppo(args, out, sizeof out) == 2, "%s", out);
        ck_assert_msg(strstr(out, csv) && strstr(out, want[i]) && strstr(out, status), "no '%s' in:\n%s", want[i],
                      out);
    }
    ck_assert_int_eq(unlink(status), 0);
    snprintf(args, sizeof args, "sweep %s", file);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    char *again = slurp(csv);
    ck_assert_msg(again && strcmp(again, good) == 0, "evaluated again:\n%s\nfirst:\n%s", again, good);
    free(good);
    free(again);
}
END_TEST

/* A second sweep in a folder a sweep is running in is refused with one line naming the first
 * one's process. */
START_TEST(a_second_sweep_in_the_same_folder_is_refused_naming_the_first_ones_process) {
    char dir[256], file[600], args[1024], log[600], lock[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/l.yaml", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "out: %s/out\nconfigs: [configs/cartpole.yaml]\nseeds: [1]\nset: {run.total_timesteps: 2000000, "
               "run.stop_return: 0}\njobs: 1\n", dir);
    fclose(f);
    snprintf(args, sizeof args, "sweep %s", file);
    snprintf(log, sizeof log, "%s/first.log", dir);
    snprintf(lock, sizeof lock, "%s/out/.lock-0", dir);
    pid_t first = start_ppo(args, log);
    char *held = NULL;
    for (int i = 0; i < 6000 && !(held && strchr(held, '\n')); i++) {
        free(held);
        usleep(5000);
        held = slurp(lock);
    }
    ck_assert_msg(held && strchr(held, '\n'), "the first sweep did not lock its folder");
    free(held);
    int rc = test_run_ppo(args, out, sizeof out);
    pid_t kids[16];
    int n = children_of(first, kids, 16);
    kill(first, SIGKILL);
    for (int i = 0; i < n; i++) kill(kids[i], SIGKILL);
    waitpid(first, NULL, 0);
    char want[160];
    snprintf(want, sizeof want, "(process %d); wait for it to end, or stop it (kill %d) and", (int)first, (int)first);
    ck_assert_msg(rc == 2 && strstr(out, want), "exit code %d, no '%s' in:\n%s", rc, want, out);
    const char *msg = strstr(out, "ppo sweep: ");
    ck_assert_msg(msg && strchr(msg, '\n') == msg + strlen(msg) - 1, "more than one line:\n%s", out);
}
END_TEST

START_TEST(a_grid_expands_to_the_product_of_its_values_in_file_order) {
    char dir[256], file[600], args[1024];
    test_tmpdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/g.yaml", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "out: %s/out\nconfigs: [configs/cartpole.yaml, {config: configs/cartpole-mlp.yaml, method: MLP}]\n"
               "seeds: [4]\ngrid:\n  ppo.learning_rate: [0.001, 0.002]\n  ppo.ent_coef: [0, 0.01]\n", dir);
    fclose(f);
    snprintf(args, sizeof args, "sweep %s --list", file);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "8 runs (2 configs x 4 variants x 1 seed)"), "%s", out);
    const char *order[] = {"cartpole__ppo.learning_rate=0.001,ppo.ent_coef=0__s4",
                           "cartpole__ppo.learning_rate=0.001,ppo.ent_coef=0.01__s4",
                           "cartpole__ppo.learning_rate=0.002,ppo.ent_coef=0__s4",
                           "cartpole__ppo.learning_rate=0.002,ppo.ent_coef=0.01__s4",
                           "cartpole-mlp__ppo.learning_rate=0.001,ppo.ent_coef=0__s4"};
    const char *at = out;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        const char *next = strstr(at, order[i]);
        ck_assert_msg(next, "%s not in order in:\n%s", order[i], out);
        at = next + 1;
    }
    ck_assert_msg(strstr(out, "method MLP (ppo.learning_rate=0.002, ppo.ent_coef=0.01)"), "%s", out);
    char path[700];
    snprintf(path, sizeof path, "%s/out", dir);
    ck_assert_msg(!exists(path), "--list made the output folder");
}
END_TEST

START_TEST(a_list_entry_with_a_method_names_its_groups_and_runs) {
    char dir[256], file[600], args[1024];
    test_tmpdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/m.yaml", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "out: %s/out\nconfigs: [configs/cartpole-stateless.yaml]\nseeds: [2]\nlist:\n"
               "  - {method: gla}\n  - {method: gru-h32, policy.kind: gru, policy.hidden: 32}\n"
               "  - {policy.kind: mlp}\n", dir);
    fclose(f);
    snprintf(args, sizeof args, "sweep %s --list", file);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "3 runs (1 config x 3 variants x 1 seed)"), "%s", out);
    ck_assert_msg(strstr(out, "cartpole-stateless__gla__s2"), "%s", out);
    ck_assert_msg(strstr(out, "cartpole-stateless__gru-h32__s2"), "%s", out);
    ck_assert_msg(strstr(out, "cartpole-stateless__policy.kind=mlp__s2"), "%s", out);
    ck_assert_msg(strstr(out, "method gru-h32\n"), "%s", out);
    ck_assert_msg(strstr(out, "method mlp (policy.kind=mlp)"), "%s", out);
    /* a named variant alone still names its runs: a sweep of one method writes the folders of
     * the sweep of all methods */
    f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "out: %s/out\nconfigs: [configs/cartpole-stateless.yaml]\nseeds: [2]\nlist:\n"
               "  - {method: gru-h32, policy.kind: gru, policy.hidden: 32}\n", dir);
    fclose(f);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "cartpole-stateless__gru-h32__s2"), "%s", out);
}
END_TEST

/* Runs `ppo sweep` on a sweep file holding text; expects exit 2 and want in the output, and
 * that nothing was started (no output folder). */
static void refused(const char *dir, const char *text, const char *want, const char *want2) {
    char file[600], args[1024], outdir[600];
    snprintf(file, sizeof file, "%s/bad.yaml", dir);
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%s", text);
    fclose(f);
    snprintf(args, sizeof args, "sweep %s", file);
    int rc = test_run_ppo(args, out, sizeof out);
    ck_assert_msg(rc == 2, "exit code %d for:\n%s\n%s", rc, text, out);
    ck_assert_msg(strstr(out, want), "no '%s' in:\n%s", want, out);
    ck_assert_msg(!want2 || strstr(out, want2), "no '%s' in:\n%s", want2, out);
    ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "more than one line:\n%s", out);
    ck_assert_msg(!exists(outdir), "a run started for:\n%s", text);
}

START_TEST(bad_sweep_files_are_refused_before_any_run_naming_the_file_line_and_key) {
    char dir[256], want[1024], text[2048];
    test_tmpdir(dir, sizeof dir);
    const char *head = "configs: [configs/cartpole.yaml]\nseeds: [1, 2]\n";
#define HEAD_OUT(rest) (snprintf(text, sizeof text, "out: %s/out\n%s%s", dir, head, rest), text)
    snprintf(want, sizeof want, "%s/bad.yaml:5:3: eval.episdoes: unknown key (allowed: episodes, checkpoints, "
             "policies, seed, num_envs)", dir);
    refused(dir, HEAD_OUT("eval:\n  episdoes: 10\n"), want, NULL);
    snprintf(want, sizeof want, "%s/bad.yaml:6:22: grid ppo.learnin_rate=0.1: ppo.learnin_rate: unknown key", dir);
    refused(dir, HEAD_OUT("grid:\n  ppo.learning_rate: [0.001]\n  ppo.learnin_rate: [0.1]\n"), want, NULL);
    snprintf(want, sizeof want, "%s/bad.yaml:6:6: list ppo.clip_coef=big: ppo.clip_coef: 'big' is not a number", dir);
    refused(dir, HEAD_OUT("list:\n  - {ppo.clip_coef: 0.1}\n  - {ppo.clip_coef: big}\n"), want, NULL);
    snprintf(want, sizeof want, "%s/bad.yaml:2:11: configs/cartpole.yaml and the sweep's set (seed 1): "
             "configs/cartpole.yaml:", dir);
    refused(dir, HEAD_OUT("set:\n  - run.workers=1\n  - run.num_envs=7\n"), want,
            "ppo.num_minibatches: 2 does not divide run.num_envs 7");
    snprintf(want, sizeof want, "%s/bad.yaml:4:1: colour: unknown key (allowed: out, configs, seeds, set, grid, "
             "list, jobs, eval, tasks, report)", dir);
    refused(dir, HEAD_OUT("colour: blue\n"), want, NULL);
    snprintf(want, sizeof want, "%s/bad.yaml:5:3: tasks.cartpol: no run of this sweep has this task", dir);
    refused(dir, HEAD_OUT("tasks:\n  cartpol: {random: 22, max: 500}\n"), want, NULL);
    snprintf(want, sizeof want, "%s/bad.yaml:4:1: seeds: duplicate key (first set on line 3)", dir);
    refused(dir, HEAD_OUT("seeds: [3]\n"), want, NULL);
    snprintf(want, sizeof want, "%s/bad.yaml:2:11: configs: ", dir);
    snprintf(text, sizeof text, "out: %s/out\nconfigs: [configs/nope.yaml]\nseeds: [1]\n", dir);
    refused(dir, text, want, NULL);
    snprintf(text, sizeof text, "out: %s/out\nconfigs: [configs/cartpole.yaml\nseeds: [1]\n", dir);
    snprintf(want, sizeof want, "%s/bad.yaml:3:", dir);
    refused(dir, text, want, NULL);
    snprintf(text, sizeof text, "out: %s/out\nseeds: [1]\n", dir);
    refused(dir, text, "no configs: (the list of config files to run)", NULL);
    refused(dir, HEAD_OUT("tasks:\n  cartpole: {random: 22}\n"), "give both random", NULL);
    refused(dir, HEAD_OUT("grid: {ppo.gamma: [0.9]}\nlist: [{ppo.gamma: 0.8}]\n"), "give a grid or a list of variants, not both", NULL);
    snprintf(want, sizeof want, "%s/bad.yaml:5:28: grid.ppo.learning_rate: 0.1 is listed twice", dir);
    refused(dir, HEAD_OUT("grid:\n  ppo.learning_rate: [0.1, 0.1]\n"), want, NULL);
    snprintf(want, sizeof want, "%s/bad.yaml:6:14: list.method: gla is listed twice", dir);
    refused(dir, HEAD_OUT("list:\n  - {method: gla}\n  - {method: gla, ppo.gamma: 0.9}\n"), want, NULL);
    snprintf(want, sizeof want, "%s/bad.yaml:5:14: list.method: 'a b' is not a name", dir);
    refused(dir, HEAD_OUT("list:\n  - {method: a b}\n"), want, NULL);
#undef HEAD_OUT
}
END_TEST

static Suite *sweep_suite(void) {
    Suite *s = suite_create("sweep");
    TCase *tc = test_case("sweep files");
    tcase_add_test(tc, a_grid_expands_to_the_product_of_its_values_in_file_order);
    tcase_add_test(tc, a_list_entry_with_a_method_names_its_groups_and_runs);
    tcase_add_test(tc, bad_sweep_files_are_refused_before_any_run_naming_the_file_line_and_key);
    suite_add_tcase(s, tc);
    tc = test_case("running");
    tcase_set_timeout(tc, 3 * TEST_TIMEOUT);
    tcase_add_test(tc, a_killed_sweep_started_again_ends_with_the_report_of_an_uninterrupted_one);
    tcase_add_test(tc, a_failed_run_does_not_stop_the_others_and_is_reported_as_failed);
    tcase_add_test(tc, a_damaged_eval_file_stops_the_report_naming_the_file_and_line);
    tcase_add_test(tc, a_second_sweep_in_the_same_folder_is_refused_naming_the_first_ones_process);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(sweep_suite)
