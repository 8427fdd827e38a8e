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
#include "core/file.h"
#include "policies/linalg.h"
#include "run/checkpoint.h"
#include "run/config.h"
#include "run/run_dir.h"
#include "run/trainer.h"
#include "viewer/plot.h"
#include "viewer/viewer.h"

#define MAX_SETS 256

static int report(const TrainConfig *cfg, const TrainResult *res) {
    if (res->stopped) printf("stopped on request after the current update\n");
    const char *judged = cfg->run.stop_on_eval ? "in an evaluation" : "over the last 100 episodes";
    if (res->first_solve_step >= 0 && res->updates > 0)
        printf("reached a mean return of %g %s (run.stop_return) at step %.0f\n",
               cfg->run.stop_return, judged, res->first_solve_step);
    if (res->updates == 0 && res->first_solve_step >= 0)
        printf("the run had already reached run.stop_return %g at step %ld; nothing trained (raise it "
               "with --set run.stop_return=R, or 0 for never, to train on)", cfg->run.stop_return,
               res->global_step);
    else if (res->updates == 0)
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
    if (isfinite(res->eval_return))
        printf("; last evaluation %.2f (%d episodes, %s)", res->eval_return, cfg->run.eval_episodes,
               cfg->run.eval_deterministic ? "argmax" : "sampled");
    printf("\nrun: %s\ncheckpoint: %s\n", res->run_dir, res->checkpoint);
    /* the learning curve, runs/<run>/curve.png (when something was trained); a picture that
     * fails is no failed training */
    if (res->updates == 0) return 0;
    char curve[PATH_LEN];
    const char *dir = res->run_dir;
    Err err;
    if (run_dir_file(dir, "curve.png", curve, &err) || plot_runs(&dir, 1, curve, &err))
        fprintf(stderr, "ppo train: warning: curve.png not drawn: %s\n", err.msg);
    else
        printf("curve: %s\n", curve);
    return 0;
}

/* A TrainRecordFn: one episode recorded by the viewer as `ppo watch --record` does. */
static int record_episode(void *ctx, const Policy *policy, const EnvConfig *env, uint64_t seed,
                          bool deterministic, const char *path, Err *err) {
    (void)ctx;
    WatchOptions o = {.episodes = 1, .seed = seed, .deterministic = deterministic, .speed = 1, .record = path};
    WatchResult res;
    return viewer_watch(policy, env, &o, &res, err);
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

/* Prints a failure of this rank (as "rank R of N: ..." on ranks other than 0) unless another
 * rank prints it, leaves MPI and returns the exit code. */
static int fail(const Command *self, Dist *dist, const Err *err) {
    const int rank = dist_rank(dist), ranks = dist_size(dist);
    char who[48] = "";
    if (rank > 0) snprintf(who, sizeof who, "rank %d of %d: ", rank, ranks);
    if (!err->elsewhere) fprintf(stderr, "ppo %s: %s%s\n", self->name, who, err->msg);
    return dist_finalize(dist, err_exit_code(err));
}

/* Trains, as one process or as one rank of an MPI job (mpirun -np N ppo train ...: dist.h);
 * under MPI rank 0 reports, and another rank prints only an error of its own. With --watch
 * (one process only) the live viewer has the main thread and training runs on a second one. */
static int run_training(const Command *self, Dist *dist, const TrainConfig *cfg, TrainOptions *opts,
                        bool watch, CliContext *ctx) {
    opts->stop = ctx->stop;
    opts->dist = dist;
    opts->record = record_episode;
    linalg_set_threads(1); /* the rollout workers are the parallelism; see README "Threads" */
    linalg_flush_denormals();
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
    if (job.rc) return fail(self, dist, &job.err);
    return dist_finalize(dist, rank == 0 ? report(cfg, &job.res) : 0);
}

/* Joins the MPI job when a launcher started this process (else the world of one process) and
 * catches the stop signals; prints the failure and returns 1, or 0. */
static int start(const Command *self, Dist **dist, CliContext *ctx) {
    Err err;
    if (dist_init(dist, &err)) {
        fprintf(stderr, "ppo %s: %s\n", self->name, err.msg);
        return 1;
    }
    ctx->catch_stop_signals(); /* after MPI_Init, so these handlers are the ones in force */
    return 0;
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
    Dist *dist;
    if (start(self, &dist, ctx)) return 1;
    TrainConfig cfg;
    Err err;
    /* Every rank loads the config; one message says what is wrong with it. */
    if (dist_agree_err(dist, config_load(&cfg, opts.config_path, sets, n_sets, &err), &err))
        return fail(self, dist, &err);
    return run_training(self, dist, &cfg, &opts, watch, ctx);
}

/* What `ppo resume RUN_DIR` continues: the checkpoint (latest.ckpt, or --checkpoint) and the
 * config it holds, with the --set overrides. */
typedef struct ResumeInput {
    const char *dir;
    char ckpt_path[PATH_LEN];
    Checkpoint ck;
    TrainConfig cfg;
} ResumeInput;

static int resume_input(ResumeInput *in, const char *ckpt, char *const *sets, int n_sets, Err *err) {
    memset(&in->ck, 0, sizeof in->ck);
    struct stat st;
    char config[PATH_LEN];
    if (run_dir_file(in->dir, "config.yaml", config, err)) return err_as_input(err);
    if (stat(in->dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(config, F_OK) != 0)
        return err_input(err, "%s is not a run folder made by ppo train (no %s)", in->dir, config);
    if (file_path(in->ckpt_path, err, strchr(ckpt, '/') ? "%s" : "%s/checkpoints/%s",
                  strchr(ckpt, '/') ? ckpt : in->dir, ckpt))
        return err_as_input(err);
    /* The checkpoint must be one of this run's: another run's would mix two histories. */
    char want[PATH_LEN], got[PATH_LEN], ckpt_dir[PATH_LEN], run_ckpts[PATH_LEN];
    snprintf(ckpt_dir, sizeof ckpt_dir, "%s", in->ckpt_path);
    *strrchr(ckpt_dir, '/') = '\0';
    snprintf(run_ckpts, sizeof run_ckpts, "%s/checkpoints", in->dir);
    if (realpath(run_ckpts, want) && realpath(ckpt_dir, got) && strcmp(want, got) != 0)
        return err_input(err, "%s is not in %s; to continue another run's checkpoint use ppo train "
                         "CONFIG --resume CHECKPOINT", in->ckpt_path, run_ckpts);
    if (checkpoint_read(&in->ck, in->ckpt_path, err)) {
        if (strcmp(ckpt, "latest.ckpt") == 0)
            err_suffix(err, "or resume from another: --checkpoint best.ckpt, or an update_NNNNNN.ckpt of the run");
        return -1;
    }
    /* The config the checkpoint was trained with (with its map), as the run saved it. */
    return config_load_saved(&in->cfg, in->ck.config_yaml, strlen(in->ck.config_yaml), in->ckpt_path,
                             in->ck.map_text, sets, n_sets, err);
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
    Dist *dist;
    if (start(self, &dist, ctx)) return 1;
    ResumeInput in = {.dir = argv[optind]};
    Err err;
    if (dist_agree_err(dist, resume_input(&in, ckpt, sets, n_sets, &err), &err)) {
        checkpoint_free(&in.ck);
        return fail(self, dist, &err);
    }
    opts.config_path = in.ckpt_path;
    opts.run_dir = in.dir;
    opts.resume = in.ckpt_path;
    int code = run_training(self, dist, &in.cfg, &opts, false, ctx);
    checkpoint_free(&in.ck); /* after training: in.cfg's map text points into it */
    return code;
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
    "  --resume CHECKPOINT      continue from a checkpoint, exactly: in its run's folder when it\n"
    "                           is that run's newest, else in a new folder (see ppo resume)\n"
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
    "the config it holds, bit for bit as if it had not stopped. Rows and files already in RUN_DIR\n"
    "stay as they are: progress.csv grows. From an older checkpoint of the run (--checkpoint\n"
    "update_NNNNNN.ckpt or an older best.ckpt) it continues in a new folder, a branch\n"
    "RUN_DIR-from-uNNNNNN, whose progress.csv starts with the run's rows up to that update and\n"
    "whose config names the checkpoint (run.branched_from). A run folder in use by another ppo\n"
    "is refused (exit 2, naming its process).\n"
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
