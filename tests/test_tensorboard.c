/* test_tensorboard.c: TensorBoard event files (run/tensorboard.h). The CRC-32C convention
 * against its published check value, the tags against progress.csv's header, a failed write
 * cut back to whole records and reported once, and real runs read back by an independent
 * reader (tests/tensorboard_read.py on Debian's python3-protobuf): every record's CRCs, every
 * scalar against progress.csv, the config text against config.yaml; a resumed run adds a file;
 * run.tensorboard: false writes none; a full disk stops the log, never the run. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/progress.h"
#include "run/tensorboard.h"
#include "tests/testutil.h"

static char out[65536];

/* A tiny CartPole run: 64 env steps per update, no stop_return. */
#define TINY                                                                                     \
    "--set run.num_envs=4 --set run.num_steps=16 --set ppo.num_minibatches=2 "                   \
    "--set run.stop_return=0"

/* The Python the reader runs on: $PYTHON, else Debian's /usr/bin/python3 (python3-protobuf
 * installs there). */
static const char *python(void) {
    const char *p = getenv("PYTHON");
    return p && *p ? p : "/usr/bin/python3";
}

/* Runs cmd through /bin/sh, output (stdout and stderr) into out; returns the exit code. */
static int run_cmd(const char *cmd) {
    char full[4096];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *f = popen(full, "r");
    ck_assert_msg(f != NULL, "cannot run %s", cmd);
    size_t len = fread(out, 1, sizeof out - 1, f);
    out[len] = '\0';
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* tests/tensorboard_read.py [opts] run: its exit code, its output in out. */
static int read_back(const char *opts, const char *run) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s tests/tensorboard_read.py %s '%s'", python(), opts, run);
    int rc = run_cmd(cmd);
    if (rc != 0 && strstr(out, "No module named 'google'"))
        ck_abort_msg("%s has no protobuf module: apt-get install python3-protobuf (or make deps), or "
                     "set PYTHON to a python3 that has it", python());
    return rc;
}

/* The number of event files in dir. */
static int event_files(const char *dir) {
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += strncmp(e->d_name, "events.out.tfevents.", 20) == 0;
    closedir(d);
    return n;
}

/* The path of the only event file in dir into path [cap]. */
static void event_file(const char *dir, char *path, size_t cap) {
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    struct dirent *e;
    path[0] = '\0';
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "events.out.tfevents.", 20) == 0) snprintf(path, cap, "%s/%s", dir, e->d_name);
    closedir(d);
    ck_assert_msg(path[0], "no event file in %s", dir);
}

static long size_of(const char *path) {
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "no %s", path);
    return (long)st.st_size;
}

static void remove_tree(const char *dir) {
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A row of figures as an update logs them, with no evaluation. */
static ProgressRow a_row(UpdateStats *st) {
    memset(st, 0, sizeof *st);
    st->policy_loss = -0.01f;
    st->value_loss = 3.5f;
    st->learning_rate = 0.001f;
    EpisodeStats recent = {20, 10, 30, 20};
    return (ProgressRow){3, 192, 1.5, 1000, 7, recent, st, false, NAN, NAN, NAN};
}

/* ---- the format ------------------------------------------------------------------------------- */

START_TEST(crc32c_gives_the_published_check_value_and_the_mask_is_tensorflows) {
    /* CRC-32C's check value (the CRC of the nine bytes "123456789"), e.g. RFC 3720 B.4's
     * parameters, which ISA-L's crc32_iscsi reaches only with init and final xor 0xffffffff */
    ck_assert_uint_eq(tensorboard_crc32c("123456789", 9), 0xe3069283u);
    ck_assert_uint_eq(tensorboard_crc32c("", 0), 0);
    /* RFC 3720 B.4: 32 bytes of zeros, and of 0xff */
    unsigned char zeros[32] = {0}, ones[32];
    memset(ones, 0xff, sizeof ones);
    ck_assert_uint_eq(tensorboard_crc32c(zeros, 32), 0x8a9136aau);
    ck_assert_uint_eq(tensorboard_crc32c(ones, 32), 0x62a8ab43u);
    /* tensorflow/core/lib/hash/crc32c.h: Mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8 */
    ck_assert_uint_eq(tensorboard_mask_crc(0), 0xa282ead8u);
    ck_assert_uint_eq(tensorboard_mask_crc(0xe3069283u), ((0xe3069283u >> 15) | (0xe3069283u << 17)) + 0xa282ead8u);
}
END_TEST

START_TEST(every_progress_column_but_global_step_has_a_tag_with_cleanrls_names) {
    char header[] = PROGRESS_HEADER;
    header[strlen(header) - 1] = '\0';
    char *save, *name = strtok_r(header, ",", &save);
    int i = 0;
    for (; name; name = strtok_r(NULL, ",", &save), i++) {
        const char *column, *tag = tensorboard_tag(i, &column);
        ck_assert_msg(column && strcmp(column, name) == 0, "column %d: %s in the tag table, %s in the header", i,
                      column ? column : "(none)", name);
        ck_assert_msg((tag == NULL) == (strcmp(name, "global_step") == 0), "column %s: tag %s", name, tag ? tag : "(none)");
    }
    ck_assert_int_eq(i, PROGRESS_COLUMNS);
    ck_assert_ptr_null(tensorboard_tag(PROGRESS_COLUMNS, NULL));
    /* CleanRL's ppo.py names */
    const char *cleanrl[][2] = {{"return_mean", "charts/episodic_return"}, {"length_mean", "charts/episodic_length"},
                                {"learning_rate", "charts/learning_rate"}, {"value_loss", "losses/value_loss"},
                                {"policy_loss", "losses/policy_loss"},     {"entropy", "losses/entropy"},
                                {"approx_kl", "losses/approx_kl"},         {"clipfrac", "losses/clipfrac"},
                                {"explained_variance", "losses/explained_variance"}, {"sps", "charts/SPS"},
                                {"eval_return", "charts/eval_return"}};
    for (size_t k = 0; k < sizeof cleanrl / sizeof cleanrl[0]; k++) {
        bool found = false;
        for (int c = 0; c < PROGRESS_COLUMNS; c++) {
            const char *column, *tag = tensorboard_tag(c, &column);
            if (strcmp(column, cleanrl[k][0]) == 0) {
                ck_assert_str_eq(tag, cleanrl[k][1]);
                found = true;
            }
        }
        ck_assert_msg(found, "no column %s", cleanrl[k][0]);
    }
}
END_TEST

START_TEST(a_write_that_fails_is_cut_back_to_whole_records_and_reported_once) {
    char dir[256];
    test_tmpdir(dir, sizeof dir);
    TensorBoard tb = {.fd = -1};
    UpdateStats st;
    ProgressRow row = a_row(&st);
    char *text = NULL;
    size_t len = 0;
    FILE *warn = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(warn);
    tensorboard_log_row(&tb, dir, "env:\n  name: cartpole\n", &row, warn);
    ck_assert_int_ge(tb.fd, 0);
    ck_assert_int_eq(tb.records, 3); /* file_version, the config, the row */
    const long whole = size_of(tb.path);

    /* the file's descriptor now writes to /dev/full: each write fails with ENOSPC */
    int full = open("/dev/full", O_WRONLY);
    ck_assert_int_ge(full, 0);
    ck_assert_int_ge(dup2(full, tb.fd), 0);
    close(full);
    Err err;
    ck_assert_int_eq(tensorboard_row(&tb, &row, 1.0, &err), -1);
    ck_assert_msg(strstr(err.msg, tb.path) && strstr(err.msg, "No space left"), "%s", err.msg);
    row.update++;
    tensorboard_log_row(&tb, dir, "", &row, warn);
    row.update++;
    tensorboard_log_row(&tb, dir, "", &row, warn);
    fflush(warn);
    ck_assert_msg(strstr(text, "warning: TensorBoard log: ") && strstr(text, "training goes on"), "%s", text);
    ck_assert_msg(!strstr(strstr(text, "warning") + 1, "warning"), "warned twice:\n%s", text);
    ck_assert(tb.warned);
    ck_assert_int_eq(tb.fd, -1);
    ck_assert_int_eq(size_of(tb.path), whole); /* nothing of the failed records stays */
    fclose(warn);
    free(text);
    remove_tree(dir);
}
END_TEST

START_TEST(a_new_event_file_never_replaces_one_of_the_same_name) {
    char dir[256];
    test_tmpdir(dir, sizeof dir);
    TensorBoard a = {.fd = -1}, b = {.fd = -1};
    Err err;
    ck_assert_msg(tensorboard_open(&a, dir, 1700000000.25, &err) == 0, "%s", err.msg);
    ck_assert_msg(tensorboard_open(&b, dir, 1700000000.75, &err) == 0, "%s", err.msg);
    ck_assert_msg(strstr(a.path, "/events.out.tfevents.1700000000."), "%s", a.path);
    ck_assert_str_ne(a.path, b.path);
    ck_assert_msg(strncmp(a.path, b.path, strlen(a.path)) == 0 && strcmp(b.path + strlen(a.path), ".2") == 0,
                  "%s then %s", a.path, b.path);
    tensorboard_close(&a);
    tensorboard_close(&b);
    ck_assert_int_eq(event_files(dir), 2);
    remove_tree(dir);
}
END_TEST

/* ---- runs ------------------------------------------------------------------------------------- */

START_TEST(a_run_and_its_resume_read_back_equal_progress_csv) {
    char dir[256], run[512], args[2048];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/tb", dir);
    /* evaluations make the eval columns non-empty on some rows only */
    snprintf(args, sizeof args, "train configs/cartpole.yaml --quiet " TINY " --set run.eval_interval=4 "
             "--set run.eval_episodes=2 --run-name tb --set run.runs_dir=%s/runs --max-updates 10", dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_int_eq(event_files(run), 1);
    ck_assert_msg(read_back("", run) == 0, "%s", out);
    ck_assert_msg(strstr(out, "1 file(s)") && strstr(out, "of 10 rows equal progress.csv"), "%s", out);

    /* a resume appends a new file; the two hold every row */
    snprintf(args, sizeof args, "resume %s --quiet --max-updates 6", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_int_eq(event_files(run), 2);
    ck_assert_msg(read_back("", run) == 0, "%s", out);
    ck_assert_msg(strstr(out, "2 file(s)") && strstr(out, "of 16 rows equal progress.csv"), "%s", out);
    remove_tree(dir);
}
END_TEST

START_TEST(run_tensorboard_false_writes_no_event_file) {
    char dir[256], run[512], args[2048];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/off", dir);
    snprintf(args, sizeof args, "train configs/cartpole.yaml --quiet " TINY " --set run.tensorboard=false "
             "--run-name off --set run.runs_dir=%s/runs --max-updates 3", dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_int_eq(event_files(run), 0);
    remove_tree(dir);
}
END_TEST

/* Runs `PPO_BIN args` with files limited to fsize bytes (RLIMIT_FSIZE, SIGXFSZ ignored: a write
 * past it fails with EFBIG as on a full disk), output in out; returns the exit code. */
static int run_ppo_limited(const char *args, long fsize) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "exec %s %s", test_ppo_bin(), args);
    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit lim = {(rlim_t)fsize, (rlim_t)fsize};
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(126);
        dup2(fd[1], STDOUT_FILENO);
        dup2(fd[1], STDERR_FILENO);
        close(fd[0]);
        close(fd[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t got;
    while ((got = read(fd[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)got;
    out[len] = '\0';
    close(fd[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(an_event_file_that_cannot_grow_stops_the_log_and_training_goes_on) {
    char dir[256], run[512], args[2048], path[1024];
    test_tmpdir(dir, sizeof dir);
    /* checkpoints only at the end; a reference run tells how large the files grow */
    const char *fmt = "train configs/cartpole.yaml --quiet " TINY " --set run.checkpoint_interval=0 "
                      "--run-name %s --set run.runs_dir=%s/runs --max-updates 80";
    snprintf(args, sizeof args, fmt, "ref", dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    snprintf(run, sizeof run, "%s/runs/ref", dir);
    event_file(run, path, sizeof path);
    const long events = size_of(path);
    snprintf(path, sizeof path, "%s/checkpoints/latest.ckpt", run);
    const long limit = size_of(path) + 4096;
    snprintf(path, sizeof path, "%s/progress.csv", run);
    ck_assert_msg(events > limit && size_of(path) < limit, "event file %ld bytes, progress.csv %ld, limit %ld",
                  events, size_of(path), limit);

    /* files may not grow past the limit: the event file reaches it, nothing else does */
    snprintf(args, sizeof args, fmt, "lim", dir);
    ck_assert_msg(run_ppo_limited(args, limit) == 0, "%s", out);
    const char *w = strstr(out, "warning: TensorBoard log: ");
    ck_assert_msg(w && strstr(w, "File too large") && strstr(w, "training goes on"), "%s", out);
    ck_assert_msg(!strstr(w + 1, "warning: TensorBoard log: "), "warned twice:\n%s", out);
    snprintf(run, sizeof run, "%s/runs/lim", dir);
    event_file(run, path, sizeof path);
    ck_assert_int_le(size_of(path), limit);
    ck_assert_msg(read_back("--records-only", run) == 0, "%s", out);
    snprintf(path, sizeof path, "%s/progress.csv", run);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    int lines = 0, c;
    while ((c = fgetc(f)) != EOF) lines += c == '\n';
    fclose(f);
    ck_assert_int_eq(lines, 81); /* the header and every update */
    remove_tree(dir);
}
END_TEST

static Suite *tensorboard_suite(void) {
    Suite *s = suite_create("tensorboard");
    TCase *tc = test_case("format");
    tcase_add_test(tc, crc32c_gives_the_published_check_value_and_the_mask_is_tensorflows);
    tcase_add_test(tc, every_progress_column_but_global_step_has_a_tag_with_cleanrls_names);
    tcase_add_test(tc, a_write_that_fails_is_cut_back_to_whole_records_and_reported_once);
    tcase_add_test(tc, a_new_event_file_never_replaces_one_of_the_same_name);
    suite_add_tcase(s, tc);
    tc = test_case("runs");
    tcase_add_test(tc, a_run_and_its_resume_read_back_equal_progress_csv);
    tcase_add_test(tc, run_tensorboard_false_writes_no_event_file);
    tcase_add_test(tc, an_event_file_that_cannot_grow_stops_the_log_and_training_goes_on);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(tensorboard_suite)
