/* sweep.c: running a sweep's runs as child processes (see sweep.h). One loop ticks every
 * TICK seconds: it reaps the processes that ended and moves their runs on (train, then each
 * eval, then done), starts queued runs while fewer than opts->jobs run, and shows the counts. */
#include "run/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/file.h"
#include "run/run_dir.h"
#include "run/status.h"

#define TICK 0.1            /* seconds between looks at the processes */
#define PLAIN_EVERY 30.0    /* seconds between plain progress lines when nothing changed */
#define TTY_EVERY 0.5       /* seconds between redraws of the terminal line when nothing changed */
#define RETRY_LOCKED 1.0    /* seconds before looking again at a run folder in use */
#define LOG_MAX_BYTES (1u << 26)
#define MAX_ARGS (2 * (SWEEP_MAX_SETS * 2 + 4) + 16)
#define N_COUNTS 8 /* the counts the ranks sum every tick (local_counts) */

extern char **environ;

typedef enum State {
    ST_OTHER,   /* another rank's run */
    ST_QUEUED,  /* to start (or continue) */
    ST_TRAIN,   /* its ppo train / ppo resume runs */
    ST_EVAL,    /* one of its ppo eval runs */
    ST_DONE,
    ST_FAILED,
    ST_STOPPED, /* stopped on request; continues next time */
} State;

typedef struct RunState {
    State state;
    pid_t pid;
    int eval;         /* the eval running: checkpoint * n_modes + mode */
    off_t log_from;   /* the log's size when the running process started */
    double frac;      /* of its run.total_timesteps trained, in [0, 1] */
    bool ended;       /* its training has ended (frac is final: a run may stop before its total) */
    double next_try;  /* a run whose folder is in use by another process: when to look again */
} RunState;

typedef struct Sweeper {
    const Sweep *sw;
    const SweepOptions *o;
    RunState *rs;
    char **envp;        /* the environment of the runs: ours without the MPI launcher's */
    int rank, ranks;
    int running;
    bool stopping;      /* no more starts; the running processes were sent SIGTERM */
    bool tty;           /* the progress line is redrawn in place */
    int lock_fd;
    double t0, last_print;
    double shown[3];    /* done, running, failed at the last plain line */
} Sweeper;

int sweep_run_file(const Sweep *sw, int r, const char *sub, const char *suffix, char *path, Err *err) {
    return file_path(path, err, "%s/%s/%s%s", sw->out, sub, sw->runs[r].name, suffix);
}

int sweep_run_status(const Sweep *sw, int r, char *why, size_t cap) {
    char path[PATH_LEN], *text;
    size_t len;
    if (cap) why[0] = '\0';
    if (sweep_run_file(sw, r, "status", "", path, NULL) || access(path, F_OK) != 0 ||
        file_read(path, "status", 1 << 16, &text, &len, NULL))
        return 0;
    int s = strncmp(text, "done", 4) == 0 ? 1 : strncmp(text, "failed", 6) == 0 ? -1 : 0;
    if (s < 0 && cap) {
        const char *w = text + 6 + (text[6] == ':') + (text[6] == ':' && text[7] == ' ');
        snprintf(why, cap, "%.*s", (int)strcspn(w, "\n"), w);
    }
    free(text);
    return s;
}

/* How run r is evaluated, as its status file records it: a done run evaluated otherwise (the
 * sweep's eval: changed since) is evaluated again. */
static void eval_signature(const Sweep *sw, int r, char *buf, size_t cap) {
    const SweepEval *e = &sw->eval;
    size_t n = (size_t)snprintf(buf, cap, "eval: %d episodes, seed %ld, %d envs;", sw->runs[r].episodes,
                                e->seed_is_run ? sw->runs[r].seed : e->seed, e->num_envs);
    for (int c = 0; c < e->n_ckpts; c++)
        for (int m = 0; m < e->n_modes && n < cap; m++)
            n += (size_t)snprintf(buf + n, cap - n, " %s %s", SWEEP_CKPT_NAMES[e->ckpts[c]], SWEEP_MODE_NAMES[e->modes[m]]);
}

/* Whether run r's status file says done, evaluated as the sweep now says. */
static bool done_as_now(const Sweep *sw, int r) {
    char path[PATH_LEN], *text, sig[256];
    size_t len;
    if (sweep_run_status(sw, r, NULL, 0) != 1 || sweep_run_file(sw, r, "status", "", path, NULL) ||
        file_read(path, "status", 1 << 16, &text, &len, NULL))
        return false;
    eval_signature(sw, r, sig, sizeof sig);
    bool same = strstr(text, sig) != NULL;
    free(text);
    return same;
}

static int write_status(const Sweep *sw, int r, const char *text, Err *err) {
    char path[PATH_LEN];
    if (sweep_run_file(sw, r, "status", "", path, err)) return -1;
    return file_write_atomic(path, text, strlen(text), err);
}

/* ---- the log of a run ------------------------------------------------------------------------ */

/* What the run's log holds after byte from into a new *text (free it); NULL when unreadable. */
static char *log_since(const Sweep *sw, int r, off_t from) {
    char path[PATH_LEN], *text;
    size_t len;
    if (sweep_run_file(sw, r, "logs", ".log", path, NULL) ||
        file_read(path, "log", LOG_MAX_BYTES, &text, &len, NULL))
        return NULL;
    if ((size_t)from > len) from = (off_t)len;
    memmove(text, text + from, len - (size_t)from + 1);
    return text;
}

/* The last line of the run's log after byte from (where a failing ppo says why) into buf. */
static void last_log_line(const Sweep *sw, int r, off_t from, char *buf, size_t cap) {
    buf[0] = '\0';
    char *text = log_since(sw, r, from);
    if (!text) return;
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r')) text[--n] = '\0';
    char *line = strrchr(text, '\n');
    snprintf(buf, cap, "%s", line ? line + 1 : text);
    free(text);
}

/* Appends a line to the run's log. */
static void log_line(const Sweep *sw, int r, const char *line) {
    char path[PATH_LEN];
    if (sweep_run_file(sw, r, "logs", ".log", path, NULL)) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (write(fd, line, strlen(line)) < 0) { /* the run's own output says more */ }
    close(fd);
}

/* ---- starting processes ---------------------------------------------------------------------- */

/* Starts exe with argv in a process group of its own, output appended to the run's log, stdin
 * from /dev/null, dying with the sweep (SIGTERM). Returns its pid, or -1 with err. */
static pid_t spawn(Sweeper *sv, int r, char *const *argv, Err *err) {
    char path[PATH_LEN], head[4096];
    if (sweep_run_file(sv->sw, r, "logs", ".log", path, err)) return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return err_set(err, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    sv->rs[r].log_from = fstat(fd, &st) == 0 ? st.st_size : 0;
    size_t used = (size_t)snprintf(head, sizeof head, "== ppo sweep (process %d):", (int)getpid());
    for (int i = 1; argv[i] && used < sizeof head; i++)
        used += (size_t)snprintf(head + used, sizeof head - used, " %s", argv[i]);
    if (used < sizeof head - 1) head[used++] = '\n';
    if (write(fd, head, used < sizeof head ? used : sizeof head - 1) < 0) {
        int e = errno;
        close(fd);
        return err_set(err, "%s: write failed: %s", path, strerror(e));
    }
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fd);
        return err_set(err, "cannot start a process for run %s: %s", sv->sw->runs[r].name, strerror(e));
    }
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(1); /* the sweep died before prctl */
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0) dup2(in, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execve(sv->o->exe, argv, sv->envp);
        dprintf(STDERR_FILENO, "ppo sweep: cannot run %s: %s\n", sv->o->exe, strerror(errno));
        _exit(127);
    }
    close(fd);
    sv->rs[r].pid = pid;
    sv->running++;
    return pid;
}

/* Moves a run folder that holds no checkpoint aside, to DIR.incomplete (or -2, -3, ...). */
static int move_aside(Sweeper *sv, int r, const char *dir, Err *err) {
    char to[PATH_LEN], line[PATH_LEN * 2 + 128];
    for (int k = 1; k < 1000; k++) {
        if (k == 1 ? file_path(to, err, "%s.incomplete", dir) : file_path(to, err, "%s.incomplete-%d", dir, k))
            return -1;
        if (access(to, F_OK) == 0) continue;
        if (rename(dir, to) != 0) return err_set(err, "%s: cannot move it aside to %s: %s", dir, to, strerror(errno));
        snprintf(line, sizeof line, "== ppo sweep: %s holds no checkpoint (stopped before its first): moved to %s, "
                 "the run starts anew\n", dir, to);
        log_line(sv->sw, r, line);
        return 0;
    }
    return err_set(err, "%s: too many incomplete copies beside it", dir);
}

/* Starts run r's training: ppo train, or ppo resume of its folder. Returns 0 started, 1 when its
 * folder is in use by another process (try again later), -1 with err when it cannot start. */
static int start_train(Sweeper *sv, int r, Err *err) {
    const Sweep *sw = sv->sw;
    char dir[PATH_LEN], latest[PATH_LEN];
    char sets[SWEEP_MAX_SETS * 2 + 4][SWEEP_SET_LEN];
    char *argv[MAX_ARGS];
    int n = 0;
    if (sweep_run_file(sw, r, "runs", "", dir, err) || file_path(latest, err, "%s/checkpoints/latest.ckpt", dir))
        return -1;
    bool resume = false;
    if (access(dir, F_OK) == 0) {
        int fd;
        Err busy;
        if (run_dir_lock(dir, &fd, &busy)) {
            if (!strstr(busy.msg, "in use by")) {
                *err = busy;
                return -1;
            }
            sv->rs[r].next_try = clock_seconds() + RETRY_LOCKED;
            return 1;
        }
        close(fd);
        resume = access(latest, F_OK) == 0;
        if (!resume && move_aside(sv, r, dir, err)) return -1;
    }
    argv[n++] = (char *)sv->o->exe;
    if (resume) {
        argv[n++] = "resume";
        argv[n++] = dir;
        argv[n++] = "--quiet";
    } else {
        argv[n++] = "train";
        argv[n++] = (char *)sw->configs[sw->runs[r].config].path;
        argv[n++] = "--quiet";
        int k = sweep_run_sets(sw, r, sets);
        for (int i = 0; i < k; i++) {
            argv[n++] = "--set";
            argv[n++] = sets[i];
        }
    }
    argv[n] = NULL;
    if (spawn(sv, r, argv, err) < 0) return -1;
    sv->rs[r].state = ST_TRAIN;
    return 0;
}

/* Starts eval k of run r (checkpoint k / n_modes, mode k % n_modes). */
static int start_eval(Sweeper *sv, int r, int k, Err *err) {
    const Sweep *sw = sv->sw;
    const SweepEval *e = &sw->eval;
    const SweepCkpt ck = e->ckpts[k / e->n_modes];
    const SweepMode mode = e->modes[k % e->n_modes];
    char dir[PATH_LEN], ckpt[PATH_LEN], csv[PATH_LEN], suffix[64], episodes[32], seed[32], envs[32];
    if (sweep_run_file(sw, r, "runs", "", dir, err) ||
        file_path(ckpt, err, "%s/checkpoints/%s", dir, ck == SWEEP_BEST ? "best.ckpt" : "latest.ckpt"))
        return -1;
    if (ck == SWEEP_BEST && access(ckpt, F_OK) != 0) /* no episode ever ended: no best */
        file_path(ckpt, NULL, "%s/checkpoints/latest.ckpt", dir);
    snprintf(suffix, sizeof suffix, ".%s.%s.csv", SWEEP_CKPT_NAMES[ck], SWEEP_MODE_NAMES[mode]);
    if (sweep_run_file(sw, r, "evals", suffix, csv, err)) return -1;
    snprintf(episodes, sizeof episodes, "%d", sw->runs[r].episodes);
    snprintf(seed, sizeof seed, "%ld", e->seed_is_run ? sw->runs[r].seed : e->seed);
    snprintf(envs, sizeof envs, "%d", e->num_envs);
    char *argv[] = {(char *)sv->o->exe, "eval", ckpt, "--episodes", episodes, "--seed", seed,
                    mode == SWEEP_SAMPLED ? "--stochastic" : "--deterministic", "--num-envs", envs,
                    "--csv", csv, NULL};
    if (spawn(sv, r, argv, err) < 0) return -1;
    sv->rs[r].state = ST_EVAL;
    sv->rs[r].eval = k;
    return 0;
}

/* ---- runs ending ----------------------------------------------------------------------------- */

static void run_failed(Sweeper *sv, int r, const char *why) {
    char text[ERR_LEN + 16], path[PATH_LEN];
    snprintf(text, sizeof text, "failed: %s\n", why);
    Err err;
    if (write_status(sv->sw, r, text, &err)) fprintf(stderr, "ppo sweep: %s\n", err.msg);
    sweep_run_file(sv->sw, r, "logs", ".log", path, NULL);
    fprintf(stderr, "%sppo sweep: run %s failed: %s (its output: %s)\n", sv->tty ? "\r\033[K" : "",
            sv->sw->runs[r].name, why, path);
    sv->rs[r].state = ST_FAILED;
}

/* Why a process ended badly, with the last line it wrote. */
static void exit_why(Sweeper *sv, int r, const char *what, int status, char *why, size_t cap) {
    char last[ERR_LEN];
    last_log_line(sv->sw, r, sv->rs[r].log_from, last, sizeof last);
    if (WIFEXITED(status))
        snprintf(why, cap, "%s exited with code %d%s%s", what, WEXITSTATUS(status), last[0] ? ": " : "", last);
    else
        snprintf(why, cap, "%s was killed by signal %d", what, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Moves run r on after its process ended with status. */
static void process_ended(Sweeper *sv, int r, int status, Err *err) {
    RunState *s = &sv->rs[r];
    const SweepEval *e = &sv->sw->eval;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    char why[ERR_LEN];
    sv->running--;
    s->pid = 0;
    if (sv->stopping && (!ok || s->state == ST_TRAIN || s->state == ST_EVAL)) {
        s->state = ST_STOPPED;
        return;
    }
    if (!ok) {
        exit_why(sv, r, s->state == ST_TRAIN ? "ppo train" : "ppo eval", status, why, sizeof why);
        run_failed(sv, r, why);
        return;
    }
    if (s->state == ST_TRAIN) {
        char *text = log_since(sv->sw, r, s->log_from);
        const bool stopped = text && strstr(text, "stopped on request");
        free(text);
        if (stopped) { /* someone else stopped it: it continues */
            s->state = ST_QUEUED;
            return;
        }
        if (start_eval(sv, r, 0, err)) run_failed(sv, r, err->msg);
        return;
    }
    if (s->eval + 1 < e->n_ckpts * e->n_modes) {
        if (start_eval(sv, r, s->eval + 1, err)) run_failed(sv, r, err->msg);
        return;
    }
    char done[300];
    snprintf(done, sizeof done, "done\n");
    eval_signature(sv->sw, r, done + 5, sizeof done - 6);
    strcat(done, "\n");
    if (write_status(sv->sw, r, done, err)) {
        run_failed(sv, r, err->msg);
        return;
    }
    s->state = ST_DONE;
}

static int find_pid(const Sweeper *sv, pid_t pid) {
    for (int r = 0; r < sv->sw->n_runs; r++)
        if (sv->rs[r].pid == pid && (sv->rs[r].state == ST_TRAIN || sv->rs[r].state == ST_EVAL)) return r;
    return -1;
}

static void reap(Sweeper *sv, Err *err) {
    int status;
    pid_t pid;
    while (sv->running > 0 && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int r = find_pid(sv, pid);
        if (r >= 0) process_ended(sv, r, status, err);
    }
}

/* ---- progress -------------------------------------------------------------------------------- */

/* The global_step of the last row of a run's progress.csv (0 when none). */
static double last_step(const Sweep *sw, int r) {
    char path[PATH_LEN], buf[4097];
    if (sweep_run_file(sw, r, "runs", "/progress.csv", path, NULL)) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > 4096 ? size - 4096 : 0;
    ssize_t n = pread(fd, buf, 4096, from);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    while (n > 0 && buf[n - 1] == '\n') buf[--n] = '\0';
    char *line = strrchr(buf, '\n');
    line = line ? line + 1 : buf;
    char *comma = strchr(line, ',');
    return comma ? strtod(comma + 1, NULL) : 0;
}

/* Reads how far run r has trained (once more after its training ended, then no more). */
static void update_frac(Sweeper *sv, int r) {
    RunState *s = &sv->rs[r];
    if (s->ended) return;
    double f = last_step(sv->sw, r) / (double)sv->sw->runs[r].total_timesteps;
    s->frac = f > 1 ? 1 : f < 0 ? 0 : f;
    s->ended = s->state == ST_DONE || s->state == ST_FAILED || s->state == ST_EVAL;
}

/* Seconds as "1h02m", "3m05s" or "42s". */
static void fmt_duration(double s, char *buf, size_t cap) {
    if (!isfinite(s) || s < 0) {
        snprintf(buf, cap, "-");
        return;
    }
    long t = lround(s);
    if (t >= 3600)
        snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, cap, "%lds", t);
}

/* The progress line from the counts over every rank: g[0] done, g[1] running, g[2] failed,
 * g[3] the env steps trained now, g[4] at the start, g[5] stopping, g[7] the steps of every
 * run (run.total_timesteps, or what a run that ended trained: it may stop at its target). The
 * ETA assumes the steps to come go as fast as those of this invocation so far. */
static void show(Sweeper *sv, const double *g, bool last) {
    const double now = clock_seconds(), elapsed = now - sv->t0;
    const int total = sv->sw->n_runs;
    const double rate = (g[3] - g[4]) / fmax(elapsed, 1e-9);
    char eta[32], took[32], line[256];
    fmt_duration(rate > 0 && elapsed > 2 ? (g[7] - g[3]) / rate : NAN, eta, sizeof eta);
    fmt_duration(elapsed, took, sizeof took);
    snprintf(line, sizeof line, "sweep: %.0f/%d done, %.0f running, %.0f failed%s  ETA %s  (%s)", g[0], total,
             g[1], g[2], g[5] > 0 ? ", stopping" : "", eta, took);
    const bool changed = g[0] != sv->shown[0] || g[1] != sv->shown[1] || g[2] != sv->shown[2];
    if (!changed && !last && now - sv->last_print < (sv->tty ? TTY_EVERY : PLAIN_EVERY)) return;
    if (sv->tty) {
        int width = status_width();
        if (width > 1 && (int)strlen(line) > width - 1) line[width - 1] = '\0';
        printf("\r\033[K%s%s", line, last ? "\n" : "");
    } else {
        printf("%s\n", line);
    }
    fflush(stdout);
    sv->last_print = now;
    memcpy(sv->shown, g, sizeof sv->shown);
}

/* ---- the loop -------------------------------------------------------------------------------- */

/* Makes OUT and its folders, and locks OUT for this rank: a second sweep in the same folder
 * is refused. */
static int open_out(Sweeper *sv, Err *err) {
    const char *subs[] = {"runs", "logs", "evals", "status"};
    char path[PATH_LEN];
    if (file_mkdirs(sv->sw->out, err)) return err_prefix(err, "out"), err_as_input(err);
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
        if (file_path(path, err, "%s/%s", sv->sw->out, subs[i]) || file_mkdirs(path, err)) return -1;
    if (file_path(path, err, "%s/.lock-%d", sv->sw->out, sv->rank)) return -1;
    sv->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (sv->lock_fd < 0) return err_set(err, "%s: cannot open: %s", path, strerror(errno));
    if (flock(sv->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(sv->lock_fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\r\n")] = '\0'; /* the file holds "PID\n" */
        return err_input(err, "%s is in use by another ppo sweep (process %s); wait for it to end, or stop it "
                         "(kill %s) and start this one again", sv->sw->out, pid[0] ? pid : "?", pid[0] ? pid : "PID");
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(sv->lock_fd, 0) != 0 || pwrite(sv->lock_fd, pid, (size_t)n, 0) != n) { /* only informative */ }
    return 0;
}

/* The keys a run folder's config.yaml may differ in from the run's config in the sweep. */
static const char *const FOLDER_FREE[] = {"run.runs_dir", "run.run_name", "run.branched_from", NULL};

/* Refuses to go on with a run folder of this rank trained with another config than the sweep's
 * run of that name now has (the sweep file's set, grid or a config changed since). */
static int check_folders(Sweeper *sv, Err *err) {
    for (int r = sv->rank; r < sv->sw->n_runs; r += sv->ranks) {
        char path[PATH_LEN];
        TrainConfig now, saved;
        ConfigDiff d;
        if (sweep_run_file(sv->sw, r, "runs", "/config.yaml", path, err)) return -1;
        if (access(path, F_OK) != 0) continue;
        if (config_load(&saved, path, NULL, 0, err)) return -1;
        if (sweep_run_config(sv->sw, r, &now, err)) return -1;
        if (config_diff(&saved, &now, FOLDER_FREE, &d))
            return err_input(err, "%s: run %s was trained with another config than the sweep gives it now (%s is "
                             "%s there and %s now); give the sweep another out: folder, or move %s/runs/%s away",
                             path, sv->sw->runs[r].name, d.key, d.a, d.b, sv->sw->out, sv->sw->runs[r].name);
    }
    return 0;
}

/* The environment of the runs: this process's, without the MPI launcher's variables. */
static int make_envp(Sweeper *sv, Err *err) {
    int n = 0;
    while (environ[n]) n++;
    sv->envp = calloc((size_t)n + 1, sizeof *sv->envp);
    if (!sv->envp) return err_set(err, "out of memory");
    for (int i = 0, k = 0; i < n; i++)
        if (!dist_launcher_variable(environ[i])) sv->envp[k++] = environ[i];
    return 0;
}

static void stop_all(Sweeper *sv) {
    if (sv->stopping) return;
    sv->stopping = true;
    for (int r = 0; r < sv->sw->n_runs; r++)
        if (sv->rs[r].state == ST_TRAIN || sv->rs[r].state == ST_EVAL) kill(sv->rs[r].pid, SIGTERM);
}

/* Starts queued runs while fewer than jobs run; a run that cannot start fails alone. */
static void start_some(Sweeper *sv) {
    const double now = clock_seconds();
    for (int r = 0; r < sv->sw->n_runs && sv->running < sv->o->jobs; r++) {
        if (sv->rs[r].state != ST_QUEUED || sv->rs[r].next_try > now) continue;
        Err run_err;
        if (start_train(sv, r, &run_err) < 0) run_failed(sv, r, run_err.msg);
    }
}

/* One tick's counts of this rank into v [N_COUNTS]: done, running, failed, steps trained, the
 * steps at the start, stopping, whether this rank has ended, the steps of its runs. */
static void local_counts(Sweeper *sv, double steps0, double *v) {
    int queued = 0;
    memset(v, 0, sizeof(double) * N_COUNTS);
    for (int r = 0; r < sv->sw->n_runs; r++) {
        RunState *s = &sv->rs[r];
        if (s->state == ST_OTHER) continue;
        if (s->state != ST_QUEUED && s->state != ST_STOPPED) update_frac(sv, r);
        v[0] += s->state == ST_DONE;
        v[1] += s->state == ST_TRAIN || s->state == ST_EVAL;
        v[2] += s->state == ST_FAILED;
        const double total = (double)sv->sw->runs[r].total_timesteps;
        v[3] += total * s->frac;
        v[7] += s->ended ? total * s->frac : total;
        queued += s->state == ST_QUEUED;
    }
    v[4] = steps0;
    v[5] = sv->stopping || (sv->o->stop && *sv->o->stop);
    v[6] = sv->running == 0 && (sv->stopping || queued == 0);
}

static int loop(Sweeper *sv, SweepCounts *counts, Err *err) {
    double steps0 = 0;
    for (int r = 0; r < sv->sw->n_runs; r++) {
        RunState *s = &sv->rs[r];
        if (r % sv->ranks != sv->rank) continue;
        s->state = done_as_now(sv->sw, r) ? ST_DONE : ST_QUEUED;
        update_frac(sv, r);
        steps0 += (double)sv->sw->runs[r].total_timesteps * s->frac;
    }
    sv->t0 = clock_seconds();
    sv->last_print = -1;
    for (int i = 0; i < 3; i++) sv->shown[i] = -1;
    double g[N_COUNTS];
    for (;;) {
        reap(sv, err);
        if (sv->o->stop && *sv->o->stop) stop_all(sv);
        if (!sv->stopping) start_some(sv);
        local_counts(sv, steps0, g);
        if (sv->ranks > 1 && dist_sum_double(sv->o->dist, g, N_COUNTS, err)) {
            stop_all(sv);
            return -1;
        }
        if (g[5] > 0) stop_all(sv); /* asked on some rank */
        const bool ended = g[6] >= sv->ranks;
        if (sv->rank == 0 && !sv->o->quiet) show(sv, g, ended);
        if (ended) break;
        struct timespec ts = {0, (long)(TICK * 1e9)};
        nanosleep(&ts, NULL);
    }
    counts->total = sv->sw->n_runs;
    counts->done = (int)g[0];
    counts->failed = (int)g[2];
    counts->stopped = sv->stopping && counts->done + counts->failed < counts->total;
    return 0;
}

int sweep_execute(const Sweep *sw, const SweepOptions *opts, SweepCounts *counts, Err *err) {
    memset(counts, 0, sizeof *counts);
    Sweeper sv = {.sw = sw, .o = opts, .lock_fd = -1};
    sv.rank = dist_rank(opts->dist);
    sv.ranks = dist_size(opts->dist);
    sv.tty = isatty(STDOUT_FILENO) && !dist_launched(opts->dist);
    sv.rs = calloc((size_t)sw->n_runs, sizeof *sv.rs);
    int rc = sv.rs ? make_envp(&sv, err) : err_set(err, "out of memory");
    if (!rc) rc = open_out(&sv, err);
    if (!rc) rc = check_folders(&sv, err);
    rc = dist_agree_err(opts->dist, rc, err);
    if (!rc) rc = loop(&sv, counts, err);
    if (sv.lock_fd >= 0) close(sv.lock_fd);
    free(sv.envp);
    free(sv.rs);
    return rc;
}
