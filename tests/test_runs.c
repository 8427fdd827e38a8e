/* test_runs.c: runs keep what they wrote. No ppo command deletes, truncates or overwrites a file
 * another command wrote, except: latest.ckpt and best.ckpt rewritten by their own run when it
 * continues in place (best.ckpt only by a better policy), curve.png redrawn at the end of ppo
 * train/resume, and the pruning of periodic checkpoints update_NNNNNN.ckpt to
 * run.keep_checkpoints. progress.csv only grows.
 *
 * Each test runs real ppo commands on tiny CartPole (or gridworld) runs, takes a snapshot of
 * every file of the run folders (path -> bytes) before a command, and checks afterwards that
 * every file is still there byte for byte, apart from those exceptions, each checked as narrowly
 * as it can be. Scenarios: resuming an older checkpoint (a branch), a full disk, two processes
 * in one run folder, damaged checkpoints and NaN, the map of a gridworld run, leftovers. */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "run/checkpoint.h"
#include "tests/testutil.h"

static char out[65536];

/* A tiny CartPole run: 64 env steps per update, a checkpoint every 5 updates, no stop_return. */
#define TINY                                                                                     \
    "--set run.num_envs=4 --set run.num_steps=16 --set ppo.num_minibatches=2 "                   \
    "--set run.checkpoint_interval=5 --set run.stop_return=0"
#define KEEP_CHECKPOINTS 3 /* run.keep_checkpoints' default */

/* ---- files ------------------------------------------------------------------------------------ */

/* The whole file at path (NUL-terminated, *len bytes before the NUL), or NULL when it cannot be
 * read. */
static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    ck_assert_ptr_nonnull(buf);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            buf = realloc(buf, (cap *= 2) + 1);
            ck_assert_ptr_nonnull(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

static void spit(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* The first place of needle [m] in hay [n], or NULL. */
static char *find_bytes(char *hay, size_t n, const char *needle, size_t m) {
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0) return hay + i;
    return NULL;
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- snapshots of a folder tree: path -> bytes ------------------------------------------------- */

typedef struct SnapFile {
    char rel[512]; /* the path below the snapshot's root */
    char *data;
    size_t len;
} SnapFile;

typedef struct Snap {
    char root[512];
    SnapFile *files;
    int n, cap;
} Snap;

static void snap_walk(Snap *s, const char *rel) {
    char dir[1100];
    snprintf(dir, sizeof dir, "%s%s%s", s->root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char sub[512], path[1700];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(path, sizeof path, "%s/%s", s->root, sub);
        struct stat st;
        ck_assert_int_eq(lstat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            snap_walk(s, sub);
            continue;
        }
        if (s->n == s->cap) {
            s->files = realloc(s->files, sizeof *s->files * (size_t)(s->cap = s->cap ? 2 * s->cap : 16));
            ck_assert_ptr_nonnull(s->files);
        }
        SnapFile *f = &s->files[s->n++];
        snprintf(f->rel, sizeof f->rel, "%s", sub);
        f->data = slurp(path, &f->len);
        ck_assert_msg(f->data != NULL, "cannot read %s", path);
    }
    closedir(d);
}

/* Every file under root, with its bytes. */
static void snap_take(Snap *s, const char *root) {
    memset(s, 0, sizeof *s);
    snprintf(s->root, sizeof s->root, "%s", root);
    snap_walk(s, "");
}

static void snap_free(Snap *s) {
    for (int i = 0; i < s->n; i++) free(s->files[i].data);
    free(s->files);
    memset(s, 0, sizeof *s);
}

static const SnapFile *snap_get(const Snap *s, const char *rel) {
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->files[i].rel, rel) == 0) return &s->files[i];
    return NULL;
}

/* The files whose name holds ".tmp." (a checkpoint or config being written). */
static int snap_temps(const Snap *s) {
    int n = 0;
    for (int i = 0; i < s->n; i++) n += strstr(s->files[i].rel, ".tmp.") != NULL;
    return n;
}

/* What a command may have done to the files it found (besides adding new ones). */
enum {
    KEEP_ALL = 0,
    /* the run continued in place: latest.ckpt holds a later update, best.ckpt a better mean
     * return, curve.png is a picture again, progress.csv has rows appended, and update_N.ckpt
     * older than the newest run.keep_checkpoints are gone */
    MAY_CONTINUE = 1,
    /* NAME.tmp.PID files of processes that no longer exist are gone */
    MAY_CLEAN_STALE = 2,
};

static const char *base_name(const char *rel) {
    const char *slash = strrchr(rel, '/');
    return slash ? slash + 1 : rel;
}

static bool is_periodic(const char *rel) {
    long u;
    char tail[8] = "";
    return strncmp(rel, "checkpoints/", 12) == 0 && sscanf(base_name(rel), "update_%ld%7s", &u, tail) == 2 &&
           strcmp(tail, ".ckpt") == 0;
}

static bool is_stale_temp(const char *rel) {
    const char *t = strstr(base_name(rel), ".tmp.");
    if (!t) return false;
    char *end;
    long pid = strtol(t + 5, &end, 10);
    return *end == '\0' && pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void parse_bytes(Checkpoint *ck, const char *data, size_t len, const char *name) {
    Err err;
    ck_assert_msg(checkpoint_parse(ck, (const uint8_t *)data, len, name, &err) == 0, "%s", err.msg);
}

/* A file of `before` that changed, under the rules of `may`. */
static void check_changed(const Snap *before, const SnapFile *old, const char *now, size_t now_len,
                          unsigned may, const char *where) {
    const char *name = old->rel;
    ck_assert_msg(may & MAY_CONTINUE, "%s: %s/%s was rewritten (%zu bytes, now %zu)", where, before->root,
                  name, old->len, now_len);
    if (strcmp(name, "progress.csv") == 0) {
        ck_assert_msg(now_len > old->len && memcmp(now, old->data, old->len) == 0,
                      "%s: %s/progress.csv: its old %zu bytes are not the start of its %zu bytes now "
                      "(a row was rewritten or removed)", where, before->root, old->len, now_len);
        ck_assert_msg(now[now_len - 1] == '\n', "%s: progress.csv ends in a torn row", where);
    } else if (strcmp(name, "checkpoints/latest.ckpt") == 0) {
        Checkpoint a, b;
        parse_bytes(&a, old->data, old->len, "old latest.ckpt");
        parse_bytes(&b, now, now_len, "latest.ckpt");
        ck_assert_msg(b.update > a.update, "%s: latest.ckpt rewritten at update %lld, it held update %lld",
                      where, (long long)b.update, (long long)a.update);
        checkpoint_free(&a);
        checkpoint_free(&b);
    } else if (strcmp(name, "checkpoints/best.ckpt") == 0) {
        Checkpoint a, b;
        parse_bytes(&a, old->data, old->len, "old best.ckpt");
        parse_bytes(&b, now, now_len, "best.ckpt");
        ck_assert_msg(isfinite(b.mean_return) && (!isfinite(a.mean_return) || b.mean_return > a.mean_return),
                      "%s: best.ckpt rewritten by a policy of mean return %g, it held %g", where,
                      b.mean_return, a.mean_return);
        checkpoint_free(&a);
        checkpoint_free(&b);
    } else if (strcmp(name, "curve.png") == 0) {
        ck_assert_msg(now_len > 8 && memcmp(now, "\x89PNG\r\n\x1a\n", 8) == 0, "%s: curve.png is not a PNG",
                      where);
    } else {
        ck_assert_msg(0, "%s: %s/%s was rewritten (%zu bytes, now %zu)", where, before->root, name, old->len,
                      now_len);
    }
}

/* A file of `before` that is gone, under the rules of `may`: a stale temp, or a periodic
 * checkpoint older than the newest run.keep_checkpoints ones, which are all there. */
static void check_removed(const Snap *before, const Snap *after, const SnapFile *old, unsigned may,
                          const char *where) {
    if ((may & MAY_CLEAN_STALE) && is_stale_temp(old->rel)) return;
    ck_assert_msg((may & MAY_CONTINUE) && is_periodic(old->rel), "%s: %s/%s was deleted", where,
                  before->root, old->rel);
    int kept = 0;
    for (int i = 0; i < after->n; i++) {
        if (!is_periodic(after->files[i].rel)) continue;
        kept++;
        ck_assert_msg(strcmp(after->files[i].rel, old->rel) > 0,
                      "%s: %s was pruned while the older %s was kept", where, old->rel, after->files[i].rel);
    }
    ck_assert_msg(kept == KEEP_CHECKPOINTS, "%s: %s was pruned, and %d periodic checkpoints are left (not %d)",
                  where, old->rel, kept, KEEP_CHECKPOINTS);
}

/* Every file of `before` is still under its root byte for byte, but for what `may` allows. */
static void assert_kept_(const Snap *before, unsigned may, const char *file, int line) {
    char where[600];
    snprintf(where, sizeof where, "%s:%d", file, line);
    Snap after;
    snap_take(&after, before->root);
    for (int i = 0; i < before->n; i++) {
        const SnapFile *old = &before->files[i], *now = snap_get(&after, old->rel);
        if (!now)
            check_removed(before, &after, old, may, where);
        else if (now->len != old->len || memcmp(now->data, old->data, old->len) != 0)
            check_changed(before, old, now->data, now->len, may, where);
    }
    snap_free(&after);
}
#define assert_kept(before, may) assert_kept_(before, may, __FILE__, __LINE__)

/* ---- progress.csv ------------------------------------------------------------------------------ */

/* Checks that text is a progress.csv: a header, then rows of as many fields, each line whole,
 * numbered first..last without a gap or a repeat. */
static void assert_rows(const char *text, long first, long last) {
    const char *nl = strchr(text, '\n');
    ck_assert_msg(nl && strncmp(text, "update,", 7) == 0, "no header in:\n%s", text);
    int fields = 1;
    for (const char *c = text; c < nl; c++) fields += *c == ',';
    long want = first;
    for (const char *line = nl + 1; *line; want++) {
        const char *end = strchr(line, '\n');
        ck_assert_msg(end != NULL, "a torn last row: '%s'", line);
        int n = 1;
        for (const char *c = line; c < end; c++) n += *c == ',';
        ck_assert_msg(n == fields, "row '%.*s' has %d fields, the header %d", (int)(end - line), line, n, fields);
        char *stop;
        long u = strtol(line, &stop, 10);
        ck_assert_msg(u == want && *stop == ',', "row of update %ld where update %ld was due", u, want);
        line = end + 1;
    }
    ck_assert_msg(want == last + 1, "rows up to update %ld, not %ld", want - 1, last);
}

/* Line k (0: the header) of text, without its newline, into buf. */
static void line_of(const char *text, int k, char *buf, size_t cap) {
    for (int i = 0; i < k && text; i++) {
        text = strchr(text, '\n');
        if (text) text++;
    }
    ck_assert_msg(text && *text, "no line %d", k);
    size_t n = strcspn(text, "\n");
    ck_assert_uint_lt(n, cap);
    memcpy(buf, text, n);
    buf[n] = '\0';
}

/* A row without its wall-clock fields (seconds and sps, the third and fourth). */
static void without_clock(const char *row, char *buf, size_t cap) {
    const char *c2 = strchr(row, ','), *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
    const char *c4 = c3 ? strchr(c3 + 1, ',') : NULL, *c5 = c4 ? strchr(c4 + 1, ',') : NULL;
    ck_assert_msg(c5 != NULL, "a short row '%s'", row);
    snprintf(buf, cap, "%.*s%s", (int)(c3 - row), row, c5);
}

/* ---- running ppo -------------------------------------------------------------------------------- */

/* ppo train configs/cartpole.yaml as a tiny run named name in dir/runs; out holds the output. */
static int train(const char *dir, const char *name, const char *extra) {
    char args[2048];
    snprintf(args, sizeof args, "train configs/cartpole.yaml --quiet " TINY " --run-name %s --set run.runs_dir=%s/runs %s",
             name, dir, extra);
    return test_run_ppo(args, out, sizeof out);
}

/* Runs `PPO_BIN args` with files limited to fsize bytes (RLIMIT_FSIZE, SIGXFSZ ignored, so a
 * write past it fails with EFBIG as on a full disk), output in out; returns the exit code. */
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

/* Starts `PPO_BIN args` in the background, its output into log; returns its PID (the ppo
 * process itself: the shell execs it). It is killed if the test's process ends first. */
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

static off_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Waits (up to a minute) until the file at path is larger than size. */
static void wait_growth(const char *path, off_t size, pid_t pid) {
    for (int i = 0; i < 6000 && file_size(path) <= size; i++) {
        int status;
        ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "ppo %d ended before %s grew", (int)pid, path);
        usleep(10000);
    }
    ck_assert_msg(file_size(path) > size, "%s did not grow", path);
}

/* The "params crc:" of `ppo info ckpt`. */
static void params_crc(const char *ckpt, char *crc, size_t cap) {
    char args[1200];
    snprintf(args, sizeof args, "info %s", ckpt);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 0);
    const char *p = strstr(out, "params crc:");
    ck_assert_msg(p != NULL, "%s", out);
    p += strlen("params crc:");
    p += strspn(p, " ");
    snprintf(crc, cap, "%.*s", (int)strcspn(p, " \n"), p);
}

/* The figures of `ppo eval ARGS` (the result line without the episodes/s, which varies). */
static int eval_figures(const char *args, char *figures, size_t cap) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "eval %s", args);
    int rc = test_run_ppo(cmd, out, sizeof out);
    if (rc) return rc;
    const char *r = strstr(out, "\nreturn ");
    ck_assert_msg(r != NULL, "%s", out);
    const char *end = strstr(r, "episodes/s");
    ck_assert_msg(end != NULL, "%s", out);
    while (end > r && end[-1] == ' ') end--;
    while (end > r && end[-1] != ' ') end--; /* the speed */
    snprintf(figures, cap, "%.*s", (int)(end - r - 1), r + 1);
    return 0;
}

/* Replaces the CRC-32 at the end of a checkpoint's bytes (zlib crc32 of every byte before it). */
static void fix_crc(char *data, size_t len) {
    uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)data, (uInt)(len - 4));
    for (int i = 0; i < 4; i++) data[len - 4 + i] = (char)(crc >> (8 * i));
}

/* A PID no process has. */
static long dead_pid(void) {
    for (long pid = 999999; pid > 1; pid--)
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) return pid;
    ck_abort_msg("no free PID");
    return -1;
}

static void remove_tree(const char *dir) {
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ---- 1. resuming an older checkpoint ----------------------------------------------------------- */

START_TEST(resuming_an_older_checkpoint_leaves_the_run_untouched_and_continues_in_a_branch) {
    char dir[256], run[512], args[2048], path[1024];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/r", dir);
    ck_assert_msg(train(dir, "r", "--max-updates 15") == 0, "%s", out);
    Snap parent;
    snap_take(&parent, run);

    snprintf(args, sizeof args, "resume %s --checkpoint update_000005.ckpt --max-updates 5", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    char said[1200];
    snprintf(said, sizeof said, "resuming %s/checkpoints/update_000005.ckpt (update 5) in a new folder %s-from-u000005",
             run, run);
    ck_assert_msg(strstr(out, said), "no '%s' in:\n%s", said, out);
    assert_kept(&parent, KEEP_ALL);

    /* The branch names its checkpoint, and its progress.csv starts with the run's header and rows
     * 1..5 byte for byte, then goes on from 6 with the figures the run had. */
    char branch[600], real[4096];
    snprintf(branch, sizeof branch, "%s-from-u000005", run);
    snprintf(path, sizeof path, "%s/config.yaml", branch);
    char *config = slurp(path, NULL);
    ck_assert_ptr_nonnull(config);
    snprintf(path, sizeof path, "%s/checkpoints/update_000005.ckpt", run);
    ck_assert_ptr_nonnull(realpath(path, real));
    snprintf(said, sizeof said, "branched_from: \"%s\"", real);
    ck_assert_msg(strstr(config, said), "no '%s' in:\n%s", said, config);
    free(config);
    snprintf(path, sizeof path, "%s/progress.csv", branch);
    char *rows = slurp(path, NULL);
    const char *old = snap_get(&parent, "progress.csv")->data;
    ck_assert_ptr_nonnull(rows);
    assert_rows(rows, 1, 10);
    char a[1024], b[1024], a2[1024], b2[1024];
    for (int k = 0; k <= 10; k++) {
        line_of(rows, k, a, sizeof a);
        line_of(old, k, b, sizeof b);
        if (k <= 5) {
            ck_assert_str_eq(a, b);
        } else {
            without_clock(a, a2, sizeof a2);
            without_clock(b, b2, sizeof b2);
            ck_assert_str_eq(a2, b2);
        }
    }
    free(rows);

    /* Training is deterministic: the branch at update 10 holds the run's parameters at update 10. */
    char crc_branch[32], crc_run[32];
    snprintf(path, sizeof path, "%s/checkpoints/latest.ckpt", branch);
    params_crc(path, crc_branch, sizeof crc_branch);
    snprintf(path, sizeof path, "%s/checkpoints/update_000010.ckpt", run);
    params_crc(path, crc_run, sizeof crc_run);
    ck_assert_str_eq(crc_branch, crc_run);

    /* The same checkpoint again: another folder; the run and the first branch stay as they are. */
    Snap first;
    snap_take(&first, branch);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "-from-u000005-2"), "%s", out);
    assert_kept(&parent, KEEP_ALL);
    assert_kept(&first, KEEP_ALL);
    snap_free(&first);
    snap_free(&parent);
    remove_tree(dir);
}
END_TEST

START_TEST(a_copy_of_a_checkpoint_outside_any_run_folder_resumes_in_a_new_folder_of_runs_dir) {
    char dir[256], run[512], args[2048], path[1024], copy[1024];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/r", dir);
    ck_assert_msg(train(dir, "r", "--max-updates 10") == 0, "%s", out);
    snprintf(path, sizeof path, "%s/elsewhere", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(copy, sizeof copy, "%s/elsewhere/copy.ckpt", dir);
    snprintf(path, sizeof path, "%s/checkpoints/latest.ckpt", run);
    size_t len;
    char *bytes = slurp(path, &len);
    ck_assert_ptr_nonnull(bytes);
    spit(copy, bytes, len);
    free(bytes);
    Snap parent, elsewhere;
    snap_take(&parent, run);
    snprintf(path, sizeof path, "%s/elsewhere", dir);
    snap_take(&elsewhere, path);

    /* runs_dir is where the run lives: the new folder goes beside it, named after it. */
    snprintf(args, sizeof args, "train configs/cartpole.yaml " TINY " --set run.runs_dir=%s/runs --max-updates 2 --resume %s",
             dir, copy);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "in a new folder ") && strstr(out, "/runs/r-from-u000010"), "%s", out);
    assert_kept(&parent, KEEP_ALL);
    assert_kept(&elsewhere, KEEP_ALL);
    snprintf(path, sizeof path, "%s/runs/r-from-u000010/progress.csv", dir);
    char *rows = slurp(path, NULL);
    ck_assert_ptr_nonnull(rows);
    assert_rows(rows, 11, 12);
    free(rows);
    snprintf(path, sizeof path, "%s/runs/r-from-u000010/config.yaml", dir);
    char *config = slurp(path, NULL);
    ck_assert_ptr_nonnull(config);
    ck_assert_msg(strstr(config, "branched_from: \"") && strstr(config, "/elsewhere/copy.ckpt\""), "%s", config);
    free(config);

    /* a copy kept in a checkpoints/ folder of one's own is no run folder either */
    char backup[1024];
    snprintf(backup, sizeof backup, "%s/backup", dir);
    ck_assert_int_eq(mkdir(backup, 0755), 0);
    snprintf(path, sizeof path, "%s/backup/checkpoints", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/backup/checkpoints/latest.ckpt", dir);
    bytes = slurp(copy, &len);
    spit(path, bytes, len);
    free(bytes);
    Snap kept;
    snap_take(&kept, backup);
    snprintf(args, sizeof args, "train configs/cartpole.yaml --quiet " TINY " --set run.runs_dir=%s/runs --max-updates 2 --resume %s",
             dir, path);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    assert_kept(&kept, KEEP_ALL);
    snprintf(path, sizeof path, "%s/runs/r-from-u000010-2", dir);
    ck_assert_msg(exists(path), "no %s", path);
    snprintf(args, sizeof args, "resume %s --quiet --max-updates 1", backup);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "is not a run folder"), "%s", out);
    assert_kept(&kept, KEEP_ALL);
    snap_free(&kept);
    snap_free(&parent);
    snap_free(&elsewhere);
    remove_tree(dir);
}
END_TEST

START_TEST(resuming_the_newest_checkpoint_continues_in_place_and_only_appends) {
    char dir[256], run[512], args[2048], path[1024];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/r", dir);
    ck_assert_msg(train(dir, "r", "--max-updates 15") == 0, "%s", out);
    Snap before;
    snap_take(&before, run);
    snprintf(args, sizeof args, "resume %s --max-updates 7", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(!strstr(out, "new folder"), "%s", out);
    assert_kept(&before, MAY_CONTINUE);
    /* the old rows stay, the new ones follow; of the periodic checkpoints 15, 20 and 22 are kept */
    snprintf(path, sizeof path, "%s/progress.csv", run);
    char *rows = slurp(path, NULL);
    assert_rows(rows, 1, 22);
    free(rows);
    snprintf(path, sizeof path, "%s/checkpoints/update_000005.ckpt", run);
    ck_assert(!exists(path));
    snprintf(path, sizeof path, "%s/checkpoints/update_000015.ckpt", run);
    ck_assert(exists(path));
    /* no other folder beside it */
    snprintf(path, sizeof path, "%s/runs", dir);
    DIR *d = opendir(path);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    ck_assert_int_eq(n, 1);
    snap_free(&before);
    remove_tree(dir);
}
END_TEST

/* ---- 2. a full disk ---------------------------------------------------------------------------- */

START_TEST(a_checkpoint_that_cannot_be_written_stops_with_exit_1_and_the_run_still_resumes) {
    char dir[256], run[512], args[2048], path[1024];
    test_tmpdir(dir, sizeof dir);
    /* A reference run of the same size tells how large the checkpoints of updates 5 and 10 are;
     * the checkpoint grows with the window of recent episodes. */
    ck_assert_msg(train(dir, "ref", "--max-updates 10") == 0, "%s", out);
    snprintf(path, sizeof path, "%s/runs/ref/checkpoints/update_000005.ckpt", dir);
    off_t at5 = file_size(path);
    snprintf(path, sizeof path, "%s/runs/ref/checkpoints/update_000010.ckpt", dir);
    off_t at10 = file_size(path);
    ck_assert_msg(at5 > 0 && at10 > at5, "checkpoints of %ld and %ld bytes", (long)at5, (long)at10);

    /* The same run where no file may grow past the checkpoint of update 5: the one of update 10
     * fails after rows 6..10 were written. */
    snprintf(run, sizeof run, "%s/runs/lim", dir);
    snprintf(args, sizeof args, "train configs/cartpole.yaml --quiet " TINY " --run-name lim --set run.runs_dir=%s/runs --max-updates 15",
             dir);
    ck_assert_msg(run_ppo_limited(args, (long)at5) == 1, "%s", out);
    snprintf(path, sizeof path, "%s/checkpoints/latest.ckpt", run);
    ck_assert_msg(strstr(out, path) && strstr(out, "File too large"), "%s", out);
    snprintf(path, sizeof path, "the newest checkpoint is %s/checkpoints/latest.ckpt (update 5)", run);
    ck_assert_msg(strstr(out, path), "%s", out);
    Snap kept;
    snap_take(&kept, run);
    ck_assert_int_eq(snap_temps(&kept), 0);
    ck_assert_ptr_nonnull(snap_get(&kept, "config.yaml"));
    ck_assert_ptr_nonnull(snap_get(&kept, "checkpoints/update_000005.ckpt"));
    const SnapFile *csv = snap_get(&kept, "progress.csv");
    ck_assert_ptr_nonnull(csv);
    assert_rows(csv->data, 1, 10);

    /* Without the limit it resumes from update 5 and goes on after row 10. */
    snprintf(args, sizeof args, "resume %s --quiet --max-updates 10", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    assert_kept(&kept, MAY_CONTINUE);
    snprintf(path, sizeof path, "%s/progress.csv", run);
    char *rows = slurp(path, NULL);
    assert_rows(rows, 1, 15);
    free(rows);
    snap_free(&kept);
    remove_tree(dir);
}
END_TEST

START_TEST(a_run_whose_first_checkpoint_fails_keeps_its_config_and_rows) {
    char dir[256], run[512], args[2048];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/f", dir);
    snprintf(args, sizeof args, "train configs/cartpole.yaml --quiet " TINY " --run-name f --set run.runs_dir=%s/runs --max-updates 15",
             dir);
    ck_assert_msg(run_ppo_limited(args, 8 * 1024) == 1, "%s", out);
    ck_assert_msg(strstr(out, "latest.ckpt") && strstr(out, "File too large"), "%s", out);
    Snap kept;
    snap_take(&kept, run);
    ck_assert_int_eq(snap_temps(&kept), 0);
    ck_assert_ptr_nonnull(snap_get(&kept, "config.yaml"));
    ck_assert_ptr_nonnull(snap_get(&kept, "progress.csv"));
    assert_rows(snap_get(&kept, "progress.csv")->data, 1, 5);
    /* with no checkpoint to continue from, a resume is refused and changes nothing */
    snprintf(args, sizeof args, "resume %s --quiet", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 2, "%s", out);
    ck_assert_msg(strstr(out, "latest.ckpt"), "%s", out);
    assert_kept(&kept, KEEP_ALL);
    snap_free(&kept);
    remove_tree(dir);
}
END_TEST

START_TEST(a_row_that_cannot_be_written_is_cut_back_to_whole_rows) {
    char dir[256], run[512], args[2048];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/p", dir);
    /* checkpoints only at the end: progress.csv reaches the limit first, partway through a row */
    snprintf(args, sizeof args, "train configs/cartpole.yaml --quiet " TINY " --set run.checkpoint_interval=0 "
             "--run-name p --set run.runs_dir=%s/runs --max-updates 40", dir);
    ck_assert_msg(run_ppo_limited(args, 1500) == 1, "%s", out);
    ck_assert_msg(strstr(out, "progress.csv") && strstr(out, "File too large"), "%s", out);
    Snap kept;
    snap_take(&kept, run);
    ck_assert_int_eq(snap_temps(&kept), 0);
    const SnapFile *csv = snap_get(&kept, "progress.csv");
    ck_assert_ptr_nonnull(csv);
    ck_assert_msg(csv->len <= 1500 && csv->len > 0 && csv->data[csv->len - 1] == '\n', "%s", csv->data);
    long rows = 0;
    for (size_t i = 0; i < csv->len; i++) rows += csv->data[i] == '\n';
    ck_assert_int_gt(rows, 2);
    assert_rows(csv->data, 1, rows - 1);
    snap_free(&kept);
    remove_tree(dir);
}
END_TEST

START_TEST(a_run_that_could_write_nothing_leaves_no_folder) {
    char dir[256], path[512], args[2048];
    test_tmpdir(dir, sizeof dir);
    snprintf(args, sizeof args, "train configs/cartpole.yaml --quiet " TINY " --run-name z --set run.runs_dir=%s/runs --max-updates 5",
             dir);
    ck_assert_msg(run_ppo_limited(args, 100) == 1, "%s", out);
    ck_assert_msg(strstr(out, "config.yaml") && strstr(out, "File too large"), "%s", out);
    snprintf(path, sizeof path, "%s/runs/z", dir);
    ck_assert_msg(!exists(path), "%s is left", path);
    remove_tree(dir);
}
END_TEST

/* ---- 3. two processes in one run folder -------------------------------------------------------- */

START_TEST(a_second_process_in_a_run_folder_is_refused_naming_the_first) {
    char dir[256], run[512], args[2048], path[1024], log[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/r", dir);
    ck_assert_msg(train(dir, "r", "--max-updates 5") == 0, "%s", out);
    Snap before;
    snap_take(&before, run);
    snprintf(path, sizeof path, "%s/progress.csv", run);
    const off_t size = file_size(path);
    snprintf(log, sizeof log, "%s/first.log", dir);
    snprintf(args, sizeof args, "resume %s --quiet --set run.total_timesteps=10000000", run);
    pid_t first = start_ppo(args, log);
    wait_growth(path, size, first);

    /* While the first one is held still, a second resume changes nothing and names it. */
    ck_assert_int_eq(kill(first, SIGSTOP), 0);
    Snap held;
    snap_take(&held, run);
    snprintf(args, sizeof args, "resume %s --quiet --max-updates 1", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 2, "%s", out);
    char said[64];
    snprintf(said, sizeof said, "in use by process %d", (int)first);
    ck_assert_msg(strstr(out, said), "no '%s' in: %s", said, out);
    assert_kept(&held, KEEP_ALL);
    snap_free(&held);
    ck_assert_int_eq(kill(first, SIGCONT), 0);

    /* SIGTERM: the first saves and exits 0; every update has one row. */
    ck_assert_int_eq(kill(first, SIGTERM), 0);
    int status;
    ck_assert_int_eq(waitpid(first, &status, 0), first);
    char *text = slurp(log, NULL);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status, text);
    ck_assert_msg(strstr(text, "stopped on request"), "%s", text);
    free(text);
    assert_kept(&before, MAY_CONTINUE);
    Checkpoint ck;
    Err err;
    snprintf(path, sizeof path, "%s/checkpoints/latest.ckpt", run);
    ck_assert_msg(checkpoint_read(&ck, path, &err) == 0, "%s", err.msg);
    snprintf(path, sizeof path, "%s/progress.csv", run);
    char *rows = slurp(path, NULL);
    assert_rows(rows, 1, (long)ck.update);
    free(rows);
    checkpoint_free(&ck);
    snap_free(&before);
    remove_tree(dir);
}
END_TEST

START_TEST(the_lock_of_a_killed_process_does_not_block_a_resume) {
    char dir[256], run[512], args[2048], path[1024], log[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/r", dir);
    ck_assert_msg(train(dir, "r", "--max-updates 5") == 0, "%s", out);
    snprintf(path, sizeof path, "%s/progress.csv", run);
    const off_t size = file_size(path);
    snprintf(log, sizeof log, "%s/killed.log", dir);
    snprintf(args, sizeof args, "resume %s --quiet --set run.total_timesteps=10000000 --set run.checkpoint_interval=1", run);
    pid_t first = start_ppo(args, log);
    wait_growth(path, size + 1000, first);
    ck_assert_int_eq(kill(first, SIGKILL), 0);
    int status;
    ck_assert_int_eq(waitpid(first, &status, 0), first);
    ck_assert(WIFSIGNALED(status));

    Snap before;
    snap_take(&before, run);
    snprintf(args, sizeof args, "resume %s --quiet --max-updates 3", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    assert_kept(&before, MAY_CONTINUE | MAY_CLEAN_STALE);
    Checkpoint ck;
    Err err;
    snprintf(path, sizeof path, "%s/checkpoints/latest.ckpt", run);
    ck_assert_msg(checkpoint_read(&ck, path, &err) == 0, "%s", err.msg);
    /* rows the killed process wrote past its last checkpoint stay, and are not written twice */
    snprintf(path, sizeof path, "%s/progress.csv", run);
    char *rows = slurp(path, NULL);
    long last = 0;
    for (const char *l = rows; (l = strchr(l, '\n')) && l[1]; l++) last = strtol(l + 1, NULL, 10);
    ck_assert_int_ge(last, ck.update);
    assert_rows(rows, 1, last);
    free(rows);
    checkpoint_free(&ck);
    snap_free(&before);
    remove_tree(dir);
}
END_TEST

/* ---- 4. damaged checkpoints and NaN -------------------------------------------------------------- */

START_TEST(a_checkpoint_whose_parameters_disagree_with_its_config_is_refused_with_exit_2) {
    char dir[256], run[512], args[2048], path[1024], edited[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/m", dir);
    snprintf(args, sizeof args, "train configs/cartpole-mlp.yaml --quiet " TINY " --run-name m --set run.runs_dir=%s/runs --max-updates 5",
             dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    /* The CONF section's YAML says hidden: 32 (same length, so every offset holds), the tensors
     * are those of hidden: 64, and the CRC is made right again. */
    snprintf(path, sizeof path, "%s/checkpoints/latest.ckpt", run);
    size_t len;
    char *bytes = slurp(path, &len);
    ck_assert_ptr_nonnull(bytes);
    char *hidden = find_bytes(bytes, len, "hidden: 64\n", 11);
    ck_assert_ptr_nonnull(hidden);
    ck_assert_ptr_null(find_bytes(hidden + 1, len - (size_t)(hidden + 1 - bytes), "hidden: 64\n", 11));
    memcpy(hidden, "hidden: 32", 10);
    fix_crc(bytes, len);
    snprintf(edited, sizeof edited, "%s/edited.ckpt", dir);
    spit(edited, bytes, len);
    free(bytes);
    Snap before;
    snap_take(&before, run);

    snprintf(args, sizeof args, "eval %s --episodes 3", edited);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 2, "%s", out);
    ck_assert_msg(strstr(out, "edited.ckpt") && strstr(out, "parameters"), "%s", out);
    ck_assert_msg(!strstr(out, "return "), "%s", out);
    /* a resume of it is refused too, and leaves no folder behind */
    snprintf(args, sizeof args, "train configs/cartpole-mlp.yaml --quiet " TINY " --set policy.hidden=32 "
             "--set run.runs_dir=%s/runs --resume %s", dir, edited);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 2, "%s", out);
    ck_assert_msg(strstr(out, "params 9155") || strstr(out, "parameters"), "%s", out);
    snprintf(path, sizeof path, "%s/runs/m-from-u000005", dir);
    ck_assert_msg(!exists(path), "%s is left", path);
    assert_kept(&before, KEEP_ALL);
    snap_free(&before);
    remove_tree(dir);
}
END_TEST

/* Whether every float of the checkpoint's tensors and carried rows is finite. */
static void assert_finite(const Checkpoint *ck) {
    for (int t = 0; t < ck->n_tensors; t++)
        for (size_t i = 0; i < ck->tensors[t].size; i++)
            ck_assert_msg(isfinite(ck->tensors[t].data[i]), "%s[%zu] = %g", ck->tensors[t].name, i,
                          ck->tensors[t].data[i]);
    for (size_t i = 0; i < (size_t)ck->num_envs * ck->state_size; i++) ck_assert(isfinite(ck->state[i]));
    for (size_t i = 0; i < (size_t)ck->num_envs * (size_t)ck->obs_dim; i++) ck_assert(isfinite(ck->obs[i]));
}

/* Copies the checkpoint at from to to, poisoned so that the next update's gradient overflows:
 * no setting makes CartPole's training diverge within a few updates (Adam bounds each step;
 * learning_rate 1 with no gradient clip stays finite), so the value head's bias is put at the
 * edge of float, the config's vf_coef at 99.9 and its vf_huber at 0 (CRC made right): the
 * squared value loss's gradient, vf_coef (v - return) per row, is then beyond float (a Huber
 * loss would bound it at vf_coef * vf_huber). */
static void poison(const char *from, const char *to) {
    size_t len;
    char *bytes = slurp(from, &len);
    ck_assert_ptr_nonnull(bytes);
    static const char name[] = "\x0a\x00params/v.b\x01\x01\x00\x00\x00"; /* u16 len, name, ndim 1, dim 1 */
    char *at = find_bytes(bytes, len, name, sizeof name - 1);
    ck_assert_ptr_nonnull(at);
    float big = FLT_MAX;
    memcpy(at + sizeof name - 1, &big, sizeof big);
    static const char coef[] = "vf_coef: 0.25";
    at = find_bytes(bytes, len, coef, sizeof coef - 1);
    ck_assert_ptr_nonnull(at);
    memcpy(at, "vf_coef: 99.9", sizeof coef - 1);
    static const char huber[] = "vf_huber: 1";
    at = find_bytes(bytes, len, huber, sizeof huber - 1);
    ck_assert_ptr_nonnull(at);
    memcpy(at, "vf_huber: 0", sizeof huber - 1);
    fix_crc(bytes, len);
    spit(to, bytes, len);
    free(bytes);
}

START_TEST(a_run_that_turns_nan_stops_with_exit_1_naming_its_last_finite_checkpoint) {
    char dir[256], run[512], args[2048], path[1024];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/n", dir);
    ck_assert_msg(train(dir, "n", "--max-updates 10") == 0, "%s", out);
    snprintf(path, sizeof path, "%s/checkpoints/latest.ckpt", run);
    poison(path, path);
    Snap before;
    snap_take(&before, run);

    snprintf(args, sizeof args, "resume %s --quiet --max-updates 10", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 1, "%s", out);
    ck_assert_msg(strstr(out, "NaN or Inf at update 11"), "%s", out);
    char said[1200];
    snprintf(said, sizeof said, "the last checkpoint with finite values is %s/checkpoints/latest.ckpt (update 10)", run);
    ck_assert_msg(strstr(out, said), "no '%s' in:\n%s", said, out);
    assert_kept(&before, KEEP_ALL); /* no row, no checkpoint of the update that failed */

    /* the checkpoint it names plays, and every value in it is finite */
    snprintf(args, sizeof args, "eval %s/checkpoints/latest.ckpt --episodes 5", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    Checkpoint ck;
    Err err;
    ck_assert_msg(checkpoint_read(&ck, path, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(ck.update, 10);
    assert_finite(&ck);
    checkpoint_free(&ck);
    snap_free(&before);
    remove_tree(dir);
}
END_TEST

START_TEST(a_branch_that_turns_nan_before_saving_leaves_no_folder_and_names_its_start) {
    char dir[256], run[512], args[2048], path[1024], copy[1024], branch[1024];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/n", dir);
    ck_assert_msg(train(dir, "n", "--max-updates 10") == 0, "%s", out);
    /* a poisoned copy outside the run (see poison) */
    snprintf(path, sizeof path, "%s/checkpoints/latest.ckpt", run);
    snprintf(copy, sizeof copy, "%s/elsewhere", dir);
    mkdir(copy, 0755);
    snprintf(copy, sizeof copy, "%s/elsewhere/copy.ckpt", dir);
    poison(path, copy);
    Snap before;
    snap_take(&before, run);
    snprintf(args, sizeof args, "train configs/cartpole.yaml --quiet " TINY " --set run.runs_dir=%s/runs "
             "--set ppo.vf_coef=99.9 --set ppo.vf_huber=0 --max-updates 5 --resume %s", dir, copy);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 1, "%s", out);
    char said[1200];
    snprintf(said, sizeof said, "the last checkpoint with finite values is %s (update 10)", copy);
    ck_assert_msg(strstr(out, "NaN or Inf at update 11") && strstr(out, said), "no '%s' in:\n%s", said, out);
    /* the branch it made holds no row and no checkpoint: it is gone; the run is untouched */
    snprintf(branch, sizeof branch, "%s/runs/n-from-u000010", dir);
    ck_assert_msg(!exists(branch), "%s is left with nothing in it", branch);
    assert_kept(&before, KEEP_ALL);
    snap_free(&before);
    remove_tree(dir);
}
END_TEST

/* ---- 5. the map of a gridworld run ---------------------------------------------------------------- */

START_TEST(a_gridworld_checkpoint_plays_the_map_it_trained_on_whatever_the_file_holds_now) {
    char dir[256], run[512], args[2048], map[600], other[600], ckpt[700];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/g", dir);
    snprintf(map, sizeof map, "%s/lava-door.map", dir);
    size_t len;
    char *text = slurp("maps/lava-door.map", &len);
    ck_assert_ptr_nonnull(text);
    spit(map, text, len);
    snprintf(args, sizeof args, "train configs/gridworld-empty-8x8.yaml --quiet " TINY " --set env.name=gridworld/map "
             "--set env.map=%s --run-name g --set run.runs_dir=%s/runs --max-updates 5", map, dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    snprintf(ckpt, sizeof ckpt, "%s/checkpoints/latest.ckpt", run);
    snprintf(args, sizeof args, "info %s", ckpt);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 0);
    char said[700];
    snprintf(said, sizeof said, "\nmap:          %s (its text, %zu bytes, is stored in the checkpoint)", map, len);
    ck_assert_msg(strstr(out, said), "no '%s' in:\n%s", said + 1, out);
    Snap before;
    snap_take(&before, run);

    char trained[256], edited[256], gone[256], elsewhere[256], played[256];
    snprintf(args, sizeof args, "%s --episodes 20 --stochastic", ckpt);
    ck_assert_int_eq(eval_figures(args, trained, sizeof trained), 0);
    /* the goal moved next to the start: that map plays otherwise, the checkpoint as before */
    char *goal = strstr(text, "##>>......##");
    ck_assert_ptr_nonnull(goal);
    memcpy(goal, "##>>GG....##", 12);
    char *old_goal = strstr(text, "..GG##\n");
    ck_assert_ptr_nonnull(old_goal);
    memcpy(old_goal, "....##", 6);
    spit(map, text, len);
    free(text);
    ck_assert_int_eq(eval_figures(args, edited, sizeof edited), 0);
    ck_assert_str_eq(edited, trained);
    snprintf(args, sizeof args, "%s --episodes 20 --stochastic --map %s", ckpt, map);
    ck_assert_int_eq(eval_figures(args, played, sizeof played), 0);
    ck_assert_str_ne(played, trained);
    /* another map file, given */
    snprintf(other, sizeof other, "%s/other.map", dir);
    static const char small[] = "max_steps 50\n##########\n##>>..GG##\n##########\n";
    spit(other, small, sizeof small - 1);
    snprintf(args, sizeof args, "%s --episodes 20 --stochastic --map %s", ckpt, other);
    ck_assert_int_eq(eval_figures(args, elsewhere, sizeof elsewhere), 0);
    ck_assert_str_ne(elsewhere, trained);
    /* the map file deleted */
    ck_assert_int_eq(unlink(map), 0);
    snprintf(args, sizeof args, "%s --episodes 20 --stochastic", ckpt);
    ck_assert_int_eq(eval_figures(args, gone, sizeof gone), 0);
    ck_assert_str_eq(gone, trained);
    assert_kept(&before, KEEP_ALL);

    /* and the run resumes on the map it trained on */
    snprintf(args, sizeof args, "resume %s --quiet --max-updates 2", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    assert_kept(&before, MAY_CONTINUE);
    snprintf(args, sizeof args, "info %s", ckpt);
    ck_assert_int_eq(test_run_ppo(args, out, sizeof out), 0);
    ck_assert_msg(strstr(out, said) && strstr(out, "update 7,"), "%s", out);
    snap_free(&before);
    remove_tree(dir);
}
END_TEST

/* ---- 6. leftovers and noise ---------------------------------------------------------------------- */

START_TEST(stale_temp_files_are_removed_by_the_next_resume_and_live_ones_kept) {
    char dir[256], run[512], args[2048], stale[700], live[700], stale_top[700];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/r", dir);
    ck_assert_msg(train(dir, "r", "--max-updates 5") == 0, "%s", out);
    long dead = dead_pid();
    snprintf(stale, sizeof stale, "%s/checkpoints/latest.ckpt.tmp.%ld", run, dead);
    snprintf(stale_top, sizeof stale_top, "%s/config.yaml.tmp.%ld", run, dead);
    snprintf(live, sizeof live, "%s/checkpoints/latest.ckpt.tmp.%ld", run, (long)getpid());
    spit(stale, "half a checkpoint", 17);
    spit(stale_top, "half a config", 13);
    spit(live, "being written", 13);
    Snap before;
    snap_take(&before, run);
    snprintf(args, sizeof args, "resume %s --max-updates 1", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "removed 2 temp files left by a killed process"), "%s", out);
    ck_assert(!exists(stale));
    ck_assert(!exists(stale_top));
    assert_kept(&before, MAY_CONTINUE | MAY_CLEAN_STALE); /* the live one among them */
    ck_assert(exists(live));
    snap_free(&before);
    remove_tree(dir);
}
END_TEST

START_TEST(piped_train_output_holds_no_escape_character_and_progress_has_a_collapse_column) {
    char dir[256], args[2048], path[700];
    test_tmpdir(dir, sizeof dir);
    snprintf(args, sizeof args, "train configs/cartpole.yaml " TINY " --run-name e --set run.runs_dir=%s/runs --max-updates 30 "
             "--set run.eval_interval=0 --set run.stop_on_eval=false", /* no evaluations: empty eval fields */
             dir);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "update 1/") && strstr(out, "update 30/"), "%s", out);
    ck_assert_msg(memchr(out, 0x1b, strlen(out)) == NULL, "an escape character in:\n%s", out);
    snprintf(path, sizeof path, "%s/runs/e/progress.csv", dir);
    char *rows = slurp(path, NULL);
    ck_assert_ptr_nonnull(rows);
    char header[1024];
    line_of(rows, 0, header, sizeof header);
    size_t n = strlen(header);
    const char *tail = ",collapse,eval_return,eval_return_std,eval_length";
    ck_assert_msg(n > strlen(tail) && strcmp(header + n - strlen(tail), tail) == 0, "%s", header);
    assert_rows(rows, 1, 30);
    for (const char *l = strchr(rows, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
        const char *end = strchr(l + 1, '\n'), *field = end;
        for (int commas = 0; commas < 4;) commas += *--field == ','; /* the comma before collapse */
        ck_assert_msg(strncmp(field, ",0,,,\n", 6) == 0 || strncmp(field, ",1,,,\n", 6) == 0,
                      "collapse and empty eval fields of '%.*s'", (int)(end - l - 1), l + 1);
    }
    free(rows);
    remove_tree(dir);
}
END_TEST

START_TEST(a_flipped_bit_in_the_version_field_is_a_checksum_mismatch) {
    char dir[256], args[2048], path[700];
    test_tmpdir(dir, sizeof dir);
    ck_assert_msg(train(dir, "v", "--max-updates 1") == 0, "%s", out);
    snprintf(path, sizeof path, "%s/runs/v/checkpoints/latest.ckpt", dir);
    size_t len;
    char *bytes = slurp(path, &len);
    ck_assert_ptr_nonnull(bytes);
    for (int bit = 0; bit < 32; bit += 5) {
        bytes[8 + bit / 8] ^= (char)(1 << (bit % 8)); /* the u32 version after the 8-byte magic */
        snprintf(path, sizeof path, "%s/flipped.ckpt", dir);
        spit(path, bytes, len);
        bytes[8 + bit / 8] ^= (char)(1 << (bit % 8));
        snprintf(args, sizeof args, "eval %s", path);
        ck_assert_msg(test_run_ppo(args, out, sizeof out) == 2, "bit %d: %s", bit, out);
        ck_assert_msg(strstr(out, "checksum mismatch") && !strstr(out, "newer"), "bit %d: %s", bit, out);
    }
    free(bytes);
    remove_tree(dir);
}
END_TEST

START_TEST(resuming_a_run_that_reached_stop_return_trains_no_more) {
    char dir[256], run[512], args[2048];
    test_tmpdir(dir, sizeof dir);
    snprintf(run, sizeof run, "%s/runs/s", dir);
    ck_assert_msg(train(dir, "s", "--set run.stop_return=20") == 0, "%s", out);
    ck_assert_msg(strstr(out, "(run.stop_return)"), "%s", out);
    Snap before;
    snap_take(&before, run);
    snprintf(args, sizeof args, "resume %s", run);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "already reached run.stop_return") && strstr(out, "nothing trained"), "%s", out);
    ck_assert_msg(!strstr(out, "update "), "%s", out);
    assert_kept(&before, MAY_CONTINUE);
    Snap after;
    snap_take(&after, run);
    const SnapFile *a = snap_get(&before, "progress.csv"), *b = snap_get(&after, "progress.csv");
    ck_assert_msg(b && a->len == b->len && memcmp(a->data, b->data, a->len) == 0, "new rows in progress.csv");
    snap_free(&after);
    snap_free(&before);
    remove_tree(dir);
}
END_TEST

static Suite *runs_suite(void) {
    Suite *s = suite_create("runs");
    TCase *tc = test_case("branches");
    tcase_add_test(tc, resuming_an_older_checkpoint_leaves_the_run_untouched_and_continues_in_a_branch);
    tcase_add_test(tc, a_copy_of_a_checkpoint_outside_any_run_folder_resumes_in_a_new_folder_of_runs_dir);
    tcase_add_test(tc, resuming_the_newest_checkpoint_continues_in_place_and_only_appends);
    suite_add_tcase(s, tc);
    tc = test_case("full disk");
    tcase_add_test(tc, a_checkpoint_that_cannot_be_written_stops_with_exit_1_and_the_run_still_resumes);
    tcase_add_test(tc, a_run_whose_first_checkpoint_fails_keeps_its_config_and_rows);
    tcase_add_test(tc, a_row_that_cannot_be_written_is_cut_back_to_whole_rows);
    tcase_add_test(tc, a_run_that_could_write_nothing_leaves_no_folder);
    suite_add_tcase(s, tc);
    tc = test_case("two processes");
    tcase_add_test(tc, a_second_process_in_a_run_folder_is_refused_naming_the_first);
    tcase_add_test(tc, the_lock_of_a_killed_process_does_not_block_a_resume);
    suite_add_tcase(s, tc);
    tc = test_case("damage and NaN");
    tcase_add_test(tc, a_checkpoint_whose_parameters_disagree_with_its_config_is_refused_with_exit_2);
    tcase_add_test(tc, a_run_that_turns_nan_stops_with_exit_1_naming_its_last_finite_checkpoint);
    tcase_add_test(tc, a_branch_that_turns_nan_before_saving_leaves_no_folder_and_names_its_start);
    suite_add_tcase(s, tc);
    tc = test_case("maps");
    tcase_add_test(tc, a_gridworld_checkpoint_plays_the_map_it_trained_on_whatever_the_file_holds_now);
    suite_add_tcase(s, tc);
    tc = test_case("leftovers and noise");
    tcase_add_test(tc, stale_temp_files_are_removed_by_the_next_resume_and_live_ones_kept);
    tcase_add_test(tc, piped_train_output_holds_no_escape_character_and_progress_has_a_collapse_column);
    tcase_add_test(tc, a_flipped_bit_in_the_version_field_is_a_checksum_mismatch);
    tcase_add_test(tc, resuming_a_run_that_reached_stop_return_trains_no_more);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(runs_suite)
