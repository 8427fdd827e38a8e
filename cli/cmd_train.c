/* cmd_train.c: `ppo train CONFIG` and `ppo resume RUN_DIR`. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/dist.h"
#include "policies/linalg.h"
#include "run/checkpoint.h"
#include "run/config.h"
#include "run/trainer.h"
#include "viewer/plot.h"
#include "viewer/viewer.h"

#define MAX_SETS 256

static int report(const TrainConfig *cfg, const TrainResult *res) {
    if (res->stopped) printf("stopped on request after the current update\n");
    if (res->first_solve_step >= 0)
        printf("reached a mean return of %g over the last 100 episodes (run.stop_return) at step %.0f\n",
               cfg->run.stop_return, res->first_solve_step);
    if (res->updates == 0)
        printf("the run was already complete at step %ld (run.total_timesteps %ld); nothing trained "
               "(raise it with --set run.total_timesteps=N to train on)", res->global_step,
               cfg->run.total_timesteps);
    else if (res->steps != res->global_step)
        printf("trained %ld more steps in %.2f s (%.0f steps/s), %ld in all", res->steps, res->seconds,
               res->seconds > 0 ? res->steps / res->seconds : 0.0, res->global_step);
    else
        printf("trained %ld steps in %.2f s (%.0f steps/s)", res->steps, res->seconds,
               res->seconds > 0 ? res->steps / res->seconds : 0.0);
    if (isfinite(res->mean_return)) printf("; mean return of the last episodes %.2f", res->mean_return);
    printf("\nrun: %s\ncheckpoint: %s\n", res->run_dir, res->checkpoint);
    /* the learning curve, runs/<run>/curve.png; a picture that fails is no failed training */
    char curve[PATH_LEN];
    snprintf(curve, sizeof curve, "%s/curve.png", res->run_dir);
    const char *dir = res->run_dir;
    Err err;
    if (plot_runs(&dir, 1, curve, &err))
        fprintf(stderr, "ppo train: warning: curve.png not drawn: %s\n", err.msg);
    else
        printf("curve: %s\n", curve);
    return 0;
}

/* trainer_run on its own thread (while the live viewer has the main one). */
typedef struct TrainJob {
    const TrainConfig *cfg;
    const TrainOptions *opts;
    LiveViewer *viewer; /* told when training ends; may be NULL */
    TrainResult res;
    Err err;
    int rc;
} TrainJob;

static void *train_job(void *arg) {
    TrainJob *job = arg;
    job->rc = trainer_run(job->cfg, job->opts, &job->res, &job->err);
    if (job->viewer) live_viewer_finish(job->viewer);
    return NULL;
}

/* With --watch: the live viewer on this (main) thread, training on a second one. Without a
 * display, or when the window fails, training goes on alone after one warning. */
static void train_watched(TrainJob *job, TrainOptions *opts, CliContext *ctx) {
    Err err;
    LiveViewer *lv;
    if (live_viewer_open(&lv, job->cfg, 1.0, &err)) {
        fprintf(stderr, "ppo train: warning: --watch: %s; training goes on without the window\n", err.msg);
        train_job(job);
        return;
    }
    opts->on_update = live_viewer_publish;
    opts->on_update_ctx = lv;
    job->viewer = lv;
    pthread_t thread;
    if (pthread_create(&thread, NULL, train_job, job) != 0) {
        fprintf(stderr, "ppo train: warning: --watch: cannot start the training thread; training goes "
                "on without the window\n");
        opts->on_update = NULL;
        job->viewer = NULL;
        live_viewer_free(lv);
        train_job(job);
        return;
    }
    if (live_viewer_run(lv, ctx->stop, &err))
        fprintf(stderr, "\nppo train: warning: --watch: %s; the window is closed, training goes on\n", err.msg);
    pthread_join(thread, NULL);
    live_viewer_free(lv);
}

/* Trains, as one process or as one rank of an MPI job (mpirun -np N ppo train ...: dist.h);
 * under MPI rank 0 reports, and another rank prints only an error of its own. With --watch
 * (one process only) the live viewer has the main thread and training runs on a second one. */
static int run_training(const TrainConfig *cfg, TrainOptions *opts, bool watch, CliContext *ctx) {
    Err err;
    Dist *dist;
    if (dist_init(&dist, &err)) {
        fprintf(stderr, "ppo train: %s\n", err.msg);
        return 1;
    }
    ctx->catch_stop_signals(); /* after MPI_Init, so these handlers are the ones in force */
    opts->stop = ctx->stop;
    opts->dist = dist;
    linalg_set_threads(1); /* the rollout workers are the parallelism; see README "Threads" */
    const int rank = dist_rank(dist), ranks = dist_size(dist);
    if (ranks > 1 && rank == 0 && !opts->quiet) {
        char what[256];
        dist_describe(dist, what, sizeof what);
        printf("MPI: %s, %d envs each (%d in all)\n", what, cfg->run.num_envs, ranks * cfg->run.num_envs);
    }
    if (watch && ranks > 1) {
        /* MPI is started single-threaded: training must stay on the main thread. */
        if (rank == 0)
            fprintf(stderr, "ppo train: warning: --watch is not available under MPI; training goes on "
                    "without the window (watch a checkpoint with ppo watch)\n");
        watch = false;
    }
    TrainJob job = {.cfg = cfg, .opts = opts};
    if (watch)
        train_watched(&job, opts, ctx);
    else
        train_job(&job);
    int code;
    if (job.rc) {
        code = err_exit_code(&job.err);
        char who[48] = "";
        if (rank > 0) snprintf(who, sizeof who, "rank %d of %d: ", rank, ranks);
        if (!job.err.elsewhere) fprintf(stderr, "ppo train: %s%s\n", who, job.err.msg);
    } else {
        code = rank == 0 ? report(cfg, &job.res) : 0;
    }
    return dist_finalize(dist, code);
}

/* The options train and resume share (--set, --max-updates, --quiet, --check-ranks), as
 * getopt_long returned them in c: returns 1 when c was one of them, 0 when it was not, -1 (after
 * printing the problem) for a bad value. */
static int shared_option(const Command *self, int c, TrainOptions *opts, char **sets, int *n_sets) {
    switch (c) {
    case 's':
        if (*n_sets == MAX_SETS) {
            fprintf(stderr, "ppo %s: more than %d --set options\n", self->name, MAX_SETS);
            return -1;
        }
        sets[(*n_sets)++] = optarg;
        return 1;
    case 'u':
        return cli_parse_long(self, "--max-updates", optarg, 1, 1L << 40, &opts->max_updates) ? -1 : 1;
    case 'q':
        opts->quiet = true;
        return 1;
    case 'k':
        opts->check_ranks = true;
        return 1;
    default:
        return 0;
    }
}

static int cmd_train(const Command *self, int argc, char **argv, CliContext *ctx) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},      {"set", required_argument, NULL, 's'},
        {"run-name", required_argument, NULL, 'n'}, {"resume", required_argument, NULL, 'r'},
        {"max-updates", required_argument, NULL, 'u'}, {"quiet", no_argument, NULL, 'q'},
        {"watch", no_argument, NULL, 'w'},     {"check-ranks", no_argument, NULL, 'k'},
        {NULL, 0, NULL, 0}};
    char *sets[MAX_SETS + 1];
    int n_sets = 0;
    char run_name_set[200];
    TrainOptions opts = {0};
    const char *run_name = NULL;
    bool watch = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":hs:n:r:u:q", longopts, NULL)) != -1) {
        int shared = shared_option(self, c, &opts, sets, &n_sets);
        if (shared < 0) return EXIT_USAGE;
        if (shared) continue;
        switch (c) {
        case 'h':
            fputs(self->usage, stdout);
            return 0;
        case 'n':
            run_name = optarg;
            break;
        case 'r':
            opts.resume = optarg;
            break;
        case 'w':
            watch = true;
            break;
        default:
            return cli_bad_option(self, argv[optind - 1], c);
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "ppo train: expected one CONFIG file (try 'ppo train --help')\n");
        return EXIT_USAGE;
    }
    if (run_name) {
        snprintf(run_name_set, sizeof run_name_set, "run.run_name=%s", run_name);
        sets[n_sets++] = run_name_set;
    }
    opts.config_path = argv[optind];
    TrainConfig cfg;
    Err err;
    if (config_load(&cfg, opts.config_path, sets, n_sets, &err)) {
        fprintf(stderr, "ppo train: %s\n", err.msg);
        return EXIT_USAGE;
    }
    return run_training(&cfg, &opts, watch, ctx);
}

static int cmd_resume(const Command *self, int argc, char **argv, CliContext *ctx) {
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"checkpoint", required_argument, NULL, 'c'},
                                             {"set", required_argument, NULL, 's'},
                                             {"max-updates", required_argument, NULL, 'u'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"check-ranks", no_argument, NULL, 'k'},
                                             {NULL, 0, NULL, 0}};
    char *sets[MAX_SETS];
    int n_sets = 0;
    const char *ckpt = "latest.ckpt";
    TrainOptions opts = {0};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":hc:s:u:q", longopts, NULL)) != -1) {
        int shared = shared_option(self, c, &opts, sets, &n_sets);
        if (shared < 0) return EXIT_USAGE;
        if (shared) continue;
        switch (c) {
        case 'h':
            fputs(self->usage, stdout);
            return 0;
        case 'c':
            ckpt = optarg;
            break;
        default:
            return cli_bad_option(self, argv[optind - 1], c);
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "ppo resume: expected one RUN_DIR (try 'ppo resume --help')\n");
        return EXIT_USAGE;
    }
    const char *dir = argv[optind];
    char config_path[PATH_LEN], ckpt_path[PATH_LEN];
    snprintf(config_path, sizeof config_path, "%s/config.yaml", dir);
    if (strchr(ckpt, '/'))
        snprintf(ckpt_path, sizeof ckpt_path, "%s", ckpt);
    else
        snprintf(ckpt_path, sizeof ckpt_path, "%s/checkpoints/%s", dir, ckpt);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(config_path, R_OK) != 0) {
        fprintf(stderr, "ppo resume: %s is not a run folder made by ppo train (no %s)\n", dir, config_path);
        return EXIT_USAGE;
    }
    /* The checkpoint must be one of this run's: another run's would mix two histories. */
    char want[PATH_LEN], got[PATH_LEN], ckpt_dir[PATH_LEN];
    snprintf(ckpt_dir, sizeof ckpt_dir, "%s", ckpt_path);
    *strrchr(ckpt_dir, '/') = '\0';
    char run_ckpts[PATH_LEN];
    snprintf(run_ckpts, sizeof run_ckpts, "%s/checkpoints", dir);
    if (realpath(run_ckpts, want) && realpath(ckpt_dir, got) && strcmp(want, got) != 0) {
        fprintf(stderr, "ppo resume: %s is not in %s; to continue another run's checkpoint use "
                "ppo train CONFIG --resume CHECKPOINT\n", ckpt_path, run_ckpts);
        return EXIT_USAGE;
    }
    TrainConfig cfg;
    Err err;
    if (config_load(&cfg, config_path, sets, n_sets, &err)) {
        fprintf(stderr, "ppo resume: %s\n", err.msg);
        return EXIT_USAGE;
    }
    Checkpoint probe;
    if (checkpoint_read(&probe, ckpt_path, &err)) {
        fprintf(stderr, "ppo resume: %s%s\n", err.msg,
                strcmp(ckpt, "latest.ckpt") == 0 ? " (or resume from another: --checkpoint best.ckpt, "
                                                   "or an update_NNNNNN.ckpt of the run)" : "");
        return EXIT_USAGE;
    }
    checkpoint_free(&probe);
    opts.config_path = config_path;
    opts.run_dir = dir;
    opts.resume = ckpt_path;
    return run_training(&cfg, &opts, false, ctx);
}

const Command CMD_TRAIN = {
    "train", "train a policy with PPO from a YAML config",
    "usage: ppo train CONFIG [OPTIONS]\n"
    "\n"
    "Trains a policy with PPO as CONFIG (a YAML file, e.g. configs/cartpole.yaml) says, in a new\n"
    "folder runs/RUN_NAME/ holding config.yaml, progress.csv, checkpoints/ and, at the end, the\n"
    "learning curve curve.png.\n"
    "Ctrl-C (or SIGTERM) finishes the current update, saves a checkpoint and exits 0.\n"
    "\n"
    "options:\n"
    "  --set SECTION.KEY=VALUE  override a config key (repeatable), e.g. --set run.seed=3\n"
    "  --run-name NAME          name of the run folder (default ENV__CONFIG__sSEED)\n"
    "  --resume CHECKPOINT      continue the run a checkpoint was saved from, exactly\n"
    "  --max-updates N          stop after N updates of this invocation (saving a checkpoint)\n"
    "  --quiet                  no status line\n"
    "  --watch                  show episodes of the latest policy live in a window while it\n"
    "                           trains (closing the window does not stop training; without a\n"
    "                           display, one warning and training goes on)\n"
    "  --check-ranks            under MPI, compare a hash of the parameters over the ranks\n"
    "                           after every update and stop on a mismatch (a debug check)\n"
    "  -h, --help               show this help\n"
    "\n"
    "Data-parallel over MPI: mpirun -np N ppo train CONFIG runs N ranks of run.num_envs envs\n"
    "each, averaging gradients; rank 0 writes the run folder (README \"Several machines\").\n"
    "\n"
    "'ppo config' lists every key with its default.\n",
    cmd_train};

const Command CMD_RESUME = {
    "resume", "continue an interrupted run from its latest checkpoint",
    "usage: ppo resume RUN_DIR [OPTIONS]\n"
    "\n"
    "Continues the run in RUN_DIR (made by ppo train) from RUN_DIR/checkpoints/latest.ckpt with\n"
    "its own config.yaml, bit for bit as if it had not stopped.\n"
    "\n"
    "options:\n"
    "  --checkpoint FILE        another checkpoint (a name in RUN_DIR/checkpoints/ or a path)\n"
    "  --set SECTION.KEY=VALUE  override a key that may change (e.g. run.total_timesteps)\n"
    "  --max-updates N          stop after N updates of this invocation (saving a checkpoint)\n"
    "  --quiet                  no status line\n"
    "  --check-ranks            under MPI, compare the parameters over the ranks every update\n"
    "  -h, --help               show this help\n"
    "\n"
    "A run trained by mpirun -np N resumes with mpirun -np N (the run folder must be readable\n"
    "on every host).\n",
    cmd_resume};
