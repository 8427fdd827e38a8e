/* trainer.c: the training loop (see trainer.h). trainer_run is a sequence of named steps: open
 * the run folder (new, or the one a resume continues), build the policy, rollout and learner,
 * put the starting state in place, train, save. The run folder's files are run_dir.h and
 * progress.h; the checkpoint's mapping to the run's state is snapshot.h. */
#include "run/trainer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algo/learner.h"
#include "algo/rollout.h"
#include "core/clock.h"
#include "run/checkpoint_dist.h"
#include "run/collapse.h"
#include "run/evaluate.h"
#include "run/progress.h"
#include "run/run_dir.h"
#include "run/snapshot.h"
#include "run/tensorboard.h"

#define MAP_MAX_BYTES (1u << 20) /* as a map file may hold (envs/gridworld/map.c) */

/* The evaluation envs' seed is run.seed + EVAL_SEED_OFFSET: never a training run's seed (those
 * are below 2^63), so the eval episodes are the training envs' of no run. Every evaluation of
 * a run plays the same episodes (the same env seeds), so evaluations compare policies only. */
#define EVAL_SEED_OFFSET (1ull << 63)

/* How this invocation uses its run folder. */
typedef enum RunFolder {
    RUN_NEW,       /* made for a new run */
    RUN_CONTINUED, /* a resume from the run's newest checkpoint, in the run's own folder */
    RUN_BRANCH,    /* a resume from an older or outside checkpoint, in a new folder */
} RunFolder;

/* The keys of `run` that only say how long or where, which a resume may change. */
static const char *const RESUME_FREE[] = {"run.total_timesteps", "run.checkpoint_interval",
                                          "run.keep_checkpoints", "run.stop_return",
                                          "run.run_name", "run.runs_dir", "run.branched_from",
                                          "run.tensorboard", "run.record_interval", NULL};

typedef struct Trainer {
    TrainConfig cfg;
    const TrainOptions *opts;
    TrainResult *result;
    Dist *dist;            /* not owned; NULL: one process */
    int rank, ranks;       /* this process's rank and the number of ranks (0 and 1 without MPI) */
    bool root;             /* rank 0: writes the run folder and shows the status */
    long batch;            /* env steps per update, over every rank */
    long num_updates;
    Policy *policy;
    Pool *pool;            /* run.workers workers: the rollout's slices and the learner's parts */
    Rollout *rollout;
    Learner *learner;
    char run_dir[PATH_LEN];
    RunFolder folder;
    char parent_dir[PATH_LEN]; /* a branch of a run: that run's folder ("" otherwise) */
    int lock_fd;           /* holds the run folder's lock (rank 0); -1 when none */
    char *map_text;        /* the gridworld map's text (owned), or NULL */
    char last_ckpt[PATH_LEN]; /* the newest checkpoint of this run known to be finite ("" none) */
    long last_ckpt_update;
    Progress progress;
    TensorBoard tb;        /* the run's event file (rank 0, with run.tensorboard) */
    bool record_off;       /* a recording failed: no more (run.record_interval) */
    RunCounters c;
    Collapse collapse;
    bool evaluated;        /* an evaluation ran after this update */
    bool last;             /* this update is the invocation's last */
    double eval_mean, eval_std, eval_length; /* the last evaluation's (NaN before any) */
    double seconds_before; /* trained before this invocation (from a checkpoint) */
    double t0;             /* when this invocation's first update started (clock_seconds) */
    double last_print;     /* when the status line was last printed (clock_seconds) */
    bool made_dir;         /* this invocation made the run folder (rank 0) */
    bool saved_any;        /* a checkpoint was written by this invocation */
    Episode *finished;     /* [finished_cap] drained after each rollout */
    int finished_cap;
    Episode *all_finished; /* [ranks * finished_cap] the episodes of every rank, rank by rank */
    char config_yaml[CONFIG_YAML_MAX];
} Trainer;

/* FNV-1a (64 bit) over the parameter bytes: equal on ranks with bit-identical parameters. */
static uint64_t params_hash(const Policy *p) {
    const uint8_t *b = (const uint8_t *)p->params;
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < sizeof(real) * p->n_params; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* ---- opening the run folder ------------------------------------------------------------------ */

/* Reads the checkpoint to resume from: rank 0 reads the file (the only rank sure to see it),
 * every rank parses the same bytes. */
static int read_checkpoint(Trainer *tr, Checkpoint *ck, Err *err) {
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (dist_agree_err(tr->dist, tr->root ? checkpoint_read_file(tr->opts->resume, &bytes, &len, err) : 0, err))
        return -1;
    uint64_t len64 = len;
    if (dist_bcast(tr->dist, &len64, sizeof len64, err)) return -1;
    len = (size_t)len64;
    if (!tr->root) bytes = malloc(len ? len : 1);
    int rc = bytes ? 0 : err_set(err, "out of memory for a checkpoint of %zu bytes", len);
    if (dist_agree_err(tr->dist, rc, err) || dist_bcast(tr->dist, bytes, len, err)) {
        free(bytes);
        return -1;
    }
    rc = checkpoint_parse(ck, bytes, len, tr->opts->resume, err);
    free(bytes);
    return dist_agree_err(tr->dist, rc, err);
}

/* The checkpoint's config against this run's: only RESUME_FREE keys may differ. */
static int same_training(const Trainer *tr, const Checkpoint *ck, TrainConfig *saved, Err *err) {
    const char *path = tr->opts->resume;
    if (config_load_saved(saved, ck->config_yaml, strlen(ck->config_yaml), path, ck->map_text, NULL, 0, err))
        return -1;
    ConfigDiff d;
    if (!config_diff(saved, &tr->cfg, RESUME_FREE, &d)) return 0;
    char free_keys[512] = "";
    for (size_t i = 0, used = 0; RESUME_FREE[i] && used < sizeof free_keys; i++)
        used += (size_t)snprintf(free_keys + used, sizeof free_keys - used, "%s%s", i ? ", " : "", RESUME_FREE[i]);
    return err_input(err, "%s: trained with another config: %s is %s in the checkpoint and %s now; when "
                     "resuming, only %s may change", path, d.key, d.a, d.b, free_keys);
}

/* A branch: a new folder BASE-from-uNNNNNN in runs_dir (made if missing), locked, whose config
 * names the checkpoint it starts from. */
static int open_branch(Trainer *tr, const char *runs_dir, const char *base, long update, Err *err) {
    char name[CONFIG_NAME_LEN], what[CONFIG_NAME_LEN];
    snprintf(what, sizeof what, "%.*s-from-u%06ld", CONFIG_NAME_LEN - 24, base, update);
    if (file_mkdirs(runs_dir, err) ||
        run_dir_create_unique(runs_dir, what, tr->run_dir, name, sizeof name, err))
        return -1;
    tr->made_dir = true;
    tr->folder = RUN_BRANCH;
    run_dir_name_config(&tr->cfg, tr->run_dir);
    char abs[PATH_LEN];
    const char *from = realpath(tr->opts->resume, abs) ? abs : tr->opts->resume;
    snprintf(tr->cfg.run.branched_from, sizeof tr->cfg.run.branched_from, "%s", from);
    if (!tr->opts->quiet)
        printf("resuming %s (update %ld) in a new folder %s%s\n", tr->opts->resume, update, tr->run_dir,
               tr->parent_dir[0] ? ": a branch, so that its run keeps its later checkpoints and rows" : "");
    return run_dir_lock(tr->run_dir, &tr->lock_fd, err);
}

/* Where a resume writes (rank 0 decides): the run folder of the checkpoint (the one given, else
 * RUN_DIR of RUN_DIR/checkpoints/NAME) when the checkpoint is that run's newest; a branch beside
 * it when it is older; a new folder in run.runs_dir for a checkpoint outside a run folder. */
static int choose_folder(Trainer *tr, const Checkpoint *ck, const TrainConfig *saved, Err *err) {
    char run[PATH_LEN];
    bool in_run = tr->opts->run_dir ? file_path(run, err, "%s", tr->opts->run_dir) == 0
                                    : run_dir_of_checkpoint(tr->opts->resume, run) == 0;
    if (!in_run) return open_branch(tr, tr->cfg.run.runs_dir, saved->run.run_name, ck->update, err);
    if (run_dir_lock(run, &tr->lock_fd, err)) return -1;
    if (ck->update < run_dir_newest_update(run)) { /* leave the run as it is */
        close(tr->lock_fd);
        tr->lock_fd = -1;
        snprintf(tr->parent_dir, sizeof tr->parent_dir, "%s", run);
        char parent[PATH_LEN];
        snprintf(parent, sizeof parent, "%s", run);
        const char *slash = strrchr(parent, '/');
        if (slash) parent[slash - parent] = '\0';
        return open_branch(tr, slash ? parent : ".", slash ? slash + 1 : run, ck->update, err);
    }
    tr->folder = RUN_CONTINUED;
    snprintf(tr->run_dir, sizeof tr->run_dir, "%s", run);
    run_dir_name_config(&tr->cfg, tr->run_dir);
    int n = run_dir_clean_stale(tr->run_dir);
    if (n && !tr->opts->quiet) printf("removed %d temp file%s left by a killed process\n", n, n == 1 ? "" : "s");
    return 0;
}

/* A resume: the checkpoint read and checked against the config, its map kept, its folder
 * chosen and locked by rank 0. */
static int open_resumed(Trainer *tr, Checkpoint *ck, Err *err) {
    if (read_checkpoint(tr, ck, err)) return -1;
    TrainConfig saved;
    if (dist_agree_err(tr->dist, same_training(tr, ck, &saved, err), err)) return -1;
    int rc = 0;
    if (ck->map_text) { /* the map the run trained on, whatever the file holds now */
        tr->map_text = strdup(ck->map_text);
        rc = tr->map_text ? 0 : err_set(err, "out of memory");
        tr->cfg.env.map_text = tr->map_text;
    }
    snprintf(tr->last_ckpt, sizeof tr->last_ckpt, "%s", tr->opts->resume);
    tr->last_ckpt_update = ck->update;
    if (!rc && tr->root) rc = choose_folder(tr, ck, &saved, err);
    if (dist_agree_err(tr->dist, rc, err)) return -1;
    int folder = (int)tr->folder; /* rank 0's choice, which every rank's last save follows */
    if (dist_bcast(tr->dist, &folder, sizeof folder, err)) return -1;
    tr->folder = (RunFolder)folder;
    return 0;
}

/* A new run: rank 0 makes the folder (run_dir.h), writes its name into its config and locks it. */
static int open_new(Trainer *tr, Err *err) {
    int rc = tr->root ? run_dir_create(&tr->cfg, tr->opts->config_path, tr->run_dir, err) : 0;
    tr->made_dir = tr->root && rc == 0;
    if (tr->made_dir) rc = run_dir_lock(tr->run_dir, &tr->lock_fd, err);
    return dist_agree_err(tr->dist, rc, err);
}

/* The text of the map file of a gridworld/map run that is not a resume (which has its
 * checkpoint's): read once, kept in the checkpoints. */
static int read_map(Trainer *tr, Err *err) {
    if (!tr->cfg.env.map[0] || tr->cfg.env.map_text) return 0;
    size_t len;
    int rc = file_read(tr->cfg.env.map, "map file", MAP_MAX_BYTES, &tr->map_text, &len, err);
    tr->cfg.env.map_text = tr->map_text;
    return dist_agree_err(tr->dist, rc, err);
}

/* The resolved config as YAML (kept for the checkpoints), written to config.yaml by rank 0 in a
 * new folder; a continued run keeps the config.yaml it has. */
static int write_config(Trainer *tr, Err *err) {
    long len = config_to_yaml(&tr->cfg, tr->config_yaml, sizeof tr->config_yaml, err);
    int rc = len < 0 ? -1 : 0;
    char path[PATH_LEN];
    bool keep = tr->folder == RUN_CONTINUED && file_path(path, NULL, "%s/config.yaml", tr->run_dir) == 0 &&
                access(path, F_OK) == 0;
    if (!rc && tr->root && !keep) rc = run_dir_write_config(tr->run_dir, tr->config_yaml, (size_t)len, err);
    return dist_agree_err(tr->dist, rc, err);
}

/* ---- building and starting -------------------------------------------------------------------- */

/* The policy (initialized), the rollout workers and the learner. RNG streams: envs 0..N-1 of each
 * rank offset by rank * N, and their samplers (algo/rollout.h); init 2^41, shuffles 2^41 + 1
 * (the same on every rank). */
static int build(Trainer *tr, Err *err) {
    const RunConfig *run = &tr->cfg.run;
    int rc = policy_for_config(&tr->policy, &tr->cfg, err) || pool_create(&tr->pool, run->workers, err);
    if (!rc) {
        Rng init_rng;
        rng_seed(&init_rng, (uint64_t)run->seed, 1ull << 41);
        policy_init(tr->policy, &init_rng);
        rc = rollout_create(&tr->rollout, &tr->cfg.env, tr->policy, run->num_envs, run->num_steps,
                            tr->pool, (uint64_t)run->seed, (uint64_t)tr->rank * run->num_envs, err) ||
             rollout_set_normalizer(tr->rollout, tr->cfg.ppo.norm_obs, tr->cfg.ppo.norm_reward,
                                    tr->cfg.ppo.clip_obs, tr->cfg.ppo.clip_reward, tr->cfg.ppo.gamma, err) ||
             learner_create(&tr->learner, tr->policy, run->num_steps, run->num_envs,
                            tr->cfg.ppo.num_minibatches, tr->cfg.ppo.adam_eps, (uint64_t)run->seed,
                            (1ull << 41) + 1, tr->pool, run->learner_parts_per_worker, err);
    }
    if (!rc) {
        learner_set_dist(tr->learner, tr->dist);
        tr->finished_cap = run->num_envs * run->num_steps + 16;
        tr->finished = calloc((size_t)tr->finished_cap, sizeof *tr->finished);
        if (tr->ranks > 1)
            tr->all_finished = calloc((size_t)tr->ranks * tr->finished_cap, sizeof *tr->all_finished);
        if (!tr->finished || (tr->ranks > 1 && !tr->all_finished)) rc = err_set(err, "out of memory");
    }
    if (!rc && tr->cfg.ppo.count_bonus > 0)
        rc = rollout_set_count_bonus(tr->rollout, tr->cfg.ppo.count_bonus, tr->cfg.ppo.gamma, tr->ranks, err);
    return dist_agree_err(tr->dist, rc, err);
}

/* The state training starts from: the checkpoint's when resuming, else rank 0's parameters on
 * every rank; then progress.csv opened by rank 0: new, a branch's with its parent's rows up to
 * the branch, or a continued run's for appending after its last row. */
static int start_state(Trainer *tr, const Checkpoint *ck, Err *err) {
    if (ck) {
        int rc = snapshot_restore(ck, tr->opts->resume, tr->rank, tr->ranks, tr->policy, tr->learner,
                                  tr->rollout, &tr->c, err);
        if (dist_agree_err(tr->dist, rc, err)) return -1;
    } else if (dist_bcast(tr->dist, tr->policy->params, sizeof(real) * tr->policy->n_params, err)) {
        return -1;
    }
    tr->seconds_before = tr->c.seconds;
    int rc = 0;
    char parent[PATH_LEN];
    if (tr->root && tr->folder == RUN_CONTINUED)
        rc = progress_resume(&tr->progress, tr->run_dir, err);
    else if (tr->root && tr->parent_dir[0])
        rc = file_path(parent, err, "%s/progress.csv", tr->parent_dir) ||
             progress_create(&tr->progress, tr->run_dir, parent, tr->c.update, err);
    else if (tr->root)
        rc = progress_create(&tr->progress, tr->run_dir, NULL, 0, err);
    if (dist_agree_err(tr->dist, rc, err)) return -1;
    if (tr->root) snprintf(tr->result->run_dir, sizeof tr->result->run_dir, "%s", tr->run_dir);
    return 0;
}

/* ---- checkpoints ------------------------------------------------------------------------------ */

/* Fails with what became NaN or Inf, naming the last checkpoint with finite values. */
static int nan_error(const Trainer *tr, const char *what, Err *err) {
    err_set(err, "%s became NaN or Inf at update %ld (step %ld); training stopped and nothing of this "
            "update was saved", what, tr->c.update, tr->c.global_step);
    if (tr->last_ckpt[0])
        err_suffix(err, "the last checkpoint with finite values is %s (update %ld)", tr->last_ckpt,
                   tr->last_ckpt_update);
    else
        err_suffix(err, "no checkpoint of this run was saved before");
    err_suffix(err, "try a lower ppo.learning_rate or ppo.max_grad_norm");
    err->elsewhere = !tr->root; /* the same on every rank: rank 0 reports it */
    return -1;
}

/* Writes the gathered checkpoint as latest.ckpt, best.ckpt when better, update_N.ckpt when
 * periodic (rank 0). A failure says what was kept. */
static int write_checkpoints(Trainer *tr, const Checkpoint *ck, bool better, bool periodic, Err *err) {
    char path[PATH_LEN], name[32];
    int rc = run_dir_checkpoint(tr->run_dir, "latest.ckpt", path, err) || checkpoint_write(ck, path, err);
    if (!rc) {
        snprintf(tr->last_ckpt, sizeof tr->last_ckpt, "%s", path);
        tr->last_ckpt_update = tr->c.update;
        tr->saved_any = true;
    }
    if (!rc && better)
        rc = run_dir_checkpoint(tr->run_dir, "best.ckpt", path, err) || checkpoint_write(ck, path, err);
    if (!rc && periodic && tr->cfg.run.keep_checkpoints > 0) {
        snprintf(name, sizeof name, "update_%06ld.ckpt", tr->c.update);
        rc = run_dir_checkpoint(tr->run_dir, name, path, err) || checkpoint_write(ck, path, err);
        if (!rc) run_dir_prune_checkpoints(tr->run_dir, tr->cfg.run.keep_checkpoints);
    }
    if (rc) {
        err_suffix(err, "the files written before are intact");
        if (tr->last_ckpt[0])
            err_suffix(err, "the newest checkpoint is %s (update %ld); once there is room, continue with "
                       "'ppo resume %s'", tr->last_ckpt, tr->last_ckpt_update, tr->run_dir);
    }
    return rc ? -1 : 0;
}

/* Saves latest.ckpt (and the periodic copy, and best.ckpt when the mean return improved: the
 * evaluation's, when the run evaluates, else the training window's).
 * Collective: rank 0 gathers every rank's envs (checkpoint_dist.h) and writes; a failure on any
 * rank fails every rank. Nothing is written when a value of the state is not finite. */
static int save_checkpoint(Trainer *tr, bool periodic, Err *err) {
    Checkpoint local, ck;
    int rc = snapshot_take(&local, &tr->cfg.env, tr->config_yaml, tr->policy, tr->learner,
                           tr->rollout, &tr->c, err);
    if (!rc && !snapshot_finite(&local))
        rc = nan_error(tr, "the parameters, Adam's moments or the carried recurrent state", err);
    if (dist_agree_err(tr->dist, rc, err)) {
        if (!rc) snapshot_free(&local);
        return -1;
    }
    if (checkpoint_gather(tr->dist, &local, &ck, err)) {
        snapshot_free(&local);
        return -1;
    }
    /* best.ckpt: by the evaluation's mean return when the run evaluates (only at updates with
     * one), else by the training window's */
    const double score = tr->cfg.run.eval_interval > 0 ? (tr->evaluated ? tr->eval_mean : NAN)
                                                       : local.mean_return;
    const bool better = isfinite(score) && (!isfinite(tr->c.best_return) || score > tr->c.best_return);
    if (better) ck.best_return = tr->c.best_return = score;
    rc = tr->root ? write_checkpoints(tr, &ck, better, periodic, err) : 0;
    checkpoint_gather_free(&ck);
    snapshot_free(&local);
    return dist_agree_err(tr->dist, rc, err);
}

/* ---- evaluation ------------------------------------------------------------------------------- */

/* Plays run.eval_episodes episodes of the current policy on eval envs of their own (rank 0; the
 * other ranks have the same parameters and take its figures), into eval_mean, eval_std and
 * eval_length; sets evaluated. The training envs, samplers and recurrent states are not
 * touched: a run trains the same with evaluations or without. */
static int evaluate_now(Trainer *tr, Err *err) {
    const RunConfig *run = &tr->cfg.run;
    const int E = run->eval_episodes;
    double fig[3] = {0, 0, 0};
    int rc = 0;
    if (tr->root) {
        EvalEpisode *eps = malloc(sizeof *eps * (size_t)E);
        const Normalizer *nz = tr->rollout->norm;
        EvalOptions o = {E, (uint64_t)run->seed + EVAL_SEED_OFFSET, run->eval_deterministic,
                         E < run->num_envs ? E : run->num_envs, nz && nz->obs_on ? &nz->obs : NULL,
                         nz ? nz->clip_obs : 0};
        rc = eps ? evaluate(tr->policy, &tr->cfg.env, &o, eps, err) : err_set(err, "out of memory");
        for (int i = 0; !rc && i < E; i++) fig[0] += eps[i].ret / E, fig[2] += (double)eps[i].length / E;
        for (int i = 0; !rc && i < E; i++) fig[1] += (eps[i].ret - fig[0]) * (eps[i].ret - fig[0]) / E;
        fig[1] = sqrt(fig[1]);
        free(eps);
    }
    if (dist_agree_err(tr->dist, rc, err) || dist_bcast(tr->dist, fig, sizeof fig, err)) return -1;
    tr->eval_mean = fig[0], tr->eval_std = fig[1], tr->eval_length = fig[2];
    tr->evaluated = true;
    return 0;
}

/* Whether an evaluation is due after this update: every run.eval_interval updates, and after
 * the last one (last: known to be the last; the run's final update counts as that too). */
static bool eval_due(const Trainer *tr, long updates_done, bool last) {
    const int every = tr->cfg.run.eval_interval;
    if (every <= 0) return false;
    const bool final = tr->c.update == tr->num_updates ||
                       (tr->opts->max_updates > 0 && updates_done >= tr->opts->max_updates);
    return tr->c.update % every == 0 || final || last;
}

/* ---- one update ------------------------------------------------------------------------------- */

/* Adds the episodes that ended in the last rollout, of every rank in rank order, to the window
 * (so every rank keeps the same one). Returns -1 when the gathering failed. */
static int record_episodes(Trainer *tr, Err *err) {
    int k = rollout_drain_episodes(tr->rollout, tr->finished, tr->finished_cap);
    const Episode *all = tr->finished;
    if (tr->ranks > 1) {
        size_t cap = sizeof(Episode) * (size_t)tr->ranks * tr->finished_cap, bytes;
        if (dist_allgatherv(tr->dist, tr->finished, sizeof(Episode) * (size_t)k, tr->all_finished,
                            cap, &bytes, err))
            return -1;
        all = tr->all_finished;
        k = (int)(bytes / sizeof(Episode));
    }
    for (int i = 0; i < k; i++) episodes_push(&tr->c.recent, all[i].ret, all[i].length);
    tr->c.episodes += k;
    return 0;
}

/* A rollout and a PPO update with the annealed learning rate; fails when the loss or the
 * parameters became NaN or Inf, or (check_ranks) the ranks' parameters differ. */
static int one_update(Trainer *tr, UpdateStats *st, Err *err) {
    const PPOConfig *ppo = &tr->cfg.ppo;
    rollout_collect(tr->rollout);
    if (rollout_normalize(tr->rollout, tr->dist))
        return err_set(err, "%s", dist_error(tr->dist) ? dist_error(tr->dist) : "a collective failed");
    if (record_episodes(tr, err)) return -1;
    if (rollout_count_bonus(tr->rollout, tr->dist, err)) return -1;
    tr->c.update++;
    tr->c.global_step += tr->batch;
    const double lr = ppo_learning_rate(ppo, tr->c.update, tr->num_updates);
    if (learner_update(tr->learner, &tr->rollout->buf, ppo, lr, st))
        return err_set(err, "%s", dist_error(tr->dist) ? dist_error(tr->dist) : "a collective failed");
    if (!st->finite) return nan_error(tr, "the loss or the parameters", err);
    if (tr->opts->check_ranks) {
        char what[64];
        snprintf(what, sizeof what, "the parameters after update %ld", tr->c.update);
        if (dist_check_same(tr->dist, params_hash(tr->policy), what, err)) {
            err->elsewhere = !tr->root && !dist_error(tr->dist);
            return -1;
        }
    }
    return 0;
}

/* Where training stands, seconds after this invocation's start. */
static TrainProgress progress_now(const Trainer *tr, double elapsed) {
    return (TrainProgress){tr->c.update, tr->num_updates, tr->c.global_step, tr->num_updates * tr->batch,
                           elapsed > 0 ? tr->c.global_step / (elapsed + tr->seconds_before) : 0,
                           episodes_stats(&tr->c.recent).mean, tr->c.episodes, tr->eval_mean};
}

/* Says once, on its own line, that the policy seems to have collapsed (collapse.h). */
static void warn_collapse(const Trainer *tr, bool tty) {
    const double mean = episodes_stats(&tr->c.recent).mean;
    printf("%swarning: the mean return has stayed below %.4g for %d updates after reaching %.4g (it "
           "started at %.4g; now %.4g at update %ld): the policy may have collapsed; best.ckpt holds "
           "the best policy so far (ppo eval %s/checkpoints/best.ckpt)\n", tty ? "\r\033[K" : "",
           0.5 * (tr->collapse.start + tr->collapse.best), COLLAPSE_UPDATES, tr->collapse.best,
           tr->collapse.start, mean, tr->c.update, tr->run_dir);
}

/* After an update: its row of progress.csv (rank 0), the on_update callback, the status line
 * (plain log lines under MPI: the launcher's terminal is not the user's), a collapse warning. */
static int log_update(Trainer *tr, const UpdateStats *st, double update_seconds, bool last, Err *err) {
    static const double every[2] = {1.0, 0.1}; /* s between status lines: log, terminal */
    const double now = clock_seconds(), elapsed = now - tr->t0;
    tr->c.seconds = tr->seconds_before + elapsed;
    const bool collapsed = collapse_check(&tr->collapse, &tr->c.recent);
    const double none = NAN;
    ProgressRow row = {tr->c.update, tr->c.global_step, tr->c.seconds, tr->batch / update_seconds,
                       tr->c.episodes, episodes_stats(&tr->c.recent), st, collapsed,
                       tr->evaluated ? tr->eval_mean : none, tr->evaluated ? tr->eval_std : none,
                       tr->evaluated ? tr->eval_length : none};
    int rc = tr->root ? progress_append(&tr->progress, &row, err) : 0;
    if (rc) err_suffix(err, "the rows written before are intact");
    if (!rc && tr->root && tr->cfg.run.tensorboard && row.update > tr->progress.skip_through)
        tensorboard_log_row(&tr->tb, tr->run_dir, tr->config_yaml, &row, stderr);
    if (dist_agree_err(tr->dist, rc, err)) return -1;
    TrainProgress p = progress_now(tr, elapsed);
    if (tr->opts->on_update) tr->opts->on_update(tr->opts->on_update_ctx, tr->policy, &p);
    const bool show = tr->root && !tr->opts->quiet;
    const bool tty = show && isatty(STDOUT_FILENO) && !dist_launched(tr->dist);
    if (show && collapsed) warn_collapse(tr, tty);
    if (show && (now - tr->last_print >= every[tty] || last || collapsed)) {
        p.sps = tr->c.global_step / fmax(elapsed + tr->seconds_before, 1e-9);
        status_print(stdout, &p, elapsed, tr->c.recent.n, tty, last, tty ? status_width() : 0);
        tr->last_print = now;
    }
    return 0;
}

/* Records one evaluation episode into RUN_DIR/videos/ after every run.record_interval-th update
 * and the last (rank 0; CleanRL's --capture-video): the first episode of the eval envs (seed
 * run.seed + EVAL_SEED_OFFSET), so a run's recordings differ by the policy only. Nothing of
 * training is touched. A failure prints one warning and ends the recordings, never the run. */
static void record_episode(Trainer *tr) {
    const int every = tr->cfg.run.record_interval;
    if (!tr->root || every <= 0 || tr->record_off || (tr->c.update % every != 0 && !tr->last)) return;
    char path[PATH_LEN];
    Err err;
    int rc = !tr->opts->record ? err_set(&err, "this program has no viewer to draw recordings")
             : run_dir_video(tr->run_dir, tr->c.update, path, &err)
                 ? -1
                 : tr->opts->record(tr->opts->record_ctx, tr->policy, &tr->cfg.env,
                                    (uint64_t)tr->cfg.run.seed + EVAL_SEED_OFFSET,
                                    tr->cfg.run.eval_deterministic, path, &err);
    if (!rc) return;
    tr->record_off = true;
    char videos[PATH_LEN];
    if (file_path(videos, NULL, "%s/videos", tr->run_dir) == 0) rmdir(videos); /* only when empty */
    fprintf(stderr, "warning: run.record_interval: %s; no more recordings, training goes on\n", err.msg);
}

/* ---- the loop --------------------------------------------------------------------------------- */

/* Whether run.stop_return is reached: the mean return of a full window at or above it, or with
 * run.stop_on_eval, that of an evaluation after this update. */
static bool solved(const Trainer *tr) {
    const double target = tr->cfg.run.stop_return;
    if (target == 0) return false;
    if (tr->cfg.run.stop_on_eval) return tr->evaluated && tr->eval_mean >= target;
    return tr->c.recent.n >= EPISODE_WINDOW && episodes_stats(&tr->c.recent).mean >= target;
}

/* Whether to stop after this update: asked (on any rank), run.stop_return reached over a full
 * window, or --max-updates done. */
static int stop_after(Trainer *tr, long updates_done, bool *stop, Err *err) {
    const bool reached = solved(tr);
    if (reached && tr->result->first_solve_step < 0) tr->result->first_solve_step = (double)tr->c.global_step;
    int asked = tr->opts->stop && *tr->opts->stop; /* a stop asked on any rank stops every rank */
    if (dist_max_int(tr->dist, &asked, 1, err)) return -1;
    tr->result->stopped = asked;
    *stop = asked || reached || (tr->opts->max_updates > 0 && updates_done >= tr->opts->max_updates);
    return 0;
}

/* One update, its evaluation when one is due, the decision to stop (tr->last) and its log. */
static int one_step(Trainer *tr, long *done, Err *err) {
    const double started = clock_seconds();
    UpdateStats st;
    bool stop;
    if (one_update(tr, &st, err)) return -1;
    const double took = clock_seconds() - started;
    (*done)++;
    tr->evaluated = false;
    if (eval_due(tr, *done, false) && evaluate_now(tr, err)) return -1;
    if (stop_after(tr, *done, &stop, err)) return -1;
    tr->last = stop || tr->c.update == tr->num_updates;
    if (tr->last && !tr->evaluated && eval_due(tr, *done, true) && evaluate_now(tr, err)) return -1;
    if (log_update(tr, &st, took, tr->last, err)) return -1;
    record_episode(tr);
    return 0;
}

/* Updates until the run's steps are done or stop_after says so, with a checkpoint every
 * run.checkpoint_interval updates and whenever an evaluation beats the best so far (best.ckpt);
 * returns how many updates ran in *done. A resumed run that
 * had reached run.stop_return trains no more, as one that had done its steps. */
static int train_loop(Trainer *tr, long *done, Err *err) {
    const int interval = tr->cfg.run.checkpoint_interval;
    tr->t0 = clock_seconds();
    tr->last_print = -1;
    *done = 0;
    if (tr->opts->on_update) {
        TrainProgress p = progress_now(tr, 0);
        tr->opts->on_update(tr->opts->on_update_ctx, tr->policy, &p);
    }
    /* a resumed run judged on evaluations is evaluated before it trains on */
    if (tr->cfg.run.stop_on_eval && tr->c.update > 0 && tr->cfg.run.stop_return != 0 && evaluate_now(tr, err))
        return -1;
    if (solved(tr)) {
        tr->result->first_solve_step = (double)tr->c.global_step;
        return 0;
    }
    while (tr->c.update < tr->num_updates) {
        if (one_step(tr, done, err)) return -1;
        if (tr->last) break;
        const bool periodic = interval > 0 && tr->c.update % interval == 0;
        const bool best = tr->evaluated && isfinite(tr->eval_mean) &&
                          (!isfinite(tr->c.best_return) || tr->eval_mean > tr->c.best_return);
        if ((periodic || best) && save_checkpoint(tr, periodic, err)) return -1;
    }
    return 0;
}

/* The last checkpoint (none when a run continued in place trained nothing: its newest is the
 * same), progress.csv on disk, and the figures of the result. */
static int finish(Trainer *tr, long updates_done, Err *err) {
    TrainResult *res = tr->result;
    const double seconds = clock_seconds() - tr->t0;
    const bool unchanged = updates_done == 0 && tr->folder == RUN_CONTINUED;
    if (!unchanged && save_checkpoint(tr, tr->cfg.run.checkpoint_interval > 0, err)) return -1;
    snprintf(res->checkpoint, sizeof res->checkpoint, "%s", tr->last_ckpt);
    if (dist_agree_err(tr->dist, tr->root ? progress_sync(&tr->progress, err) : 0, err)) return -1;
    res->global_step = tr->c.global_step;
    res->steps = updates_done * tr->batch;
    res->updates = updates_done;
    res->seconds = seconds;
    res->mean_return = episodes_stats(&tr->c.recent).mean;
    res->eval_return = tr->eval_mean;
    res->params_hash = params_hash(tr->policy);
    return 0;
}

static void trainer_free(Trainer *tr) {
    progress_close(&tr->progress);
    tensorboard_close(&tr->tb);
    if (tr->lock_fd >= 0) close(tr->lock_fd);
    free(tr->map_text);
    rollout_destroy(tr->rollout);
    learner_destroy(tr->learner);
    pool_destroy(tr->pool);
    policy_destroy(tr->policy);
    free(tr->finished);
    free(tr->all_finished);
    free(tr);
}

int trainer_run(const TrainConfig *cfg, const TrainOptions *opts, TrainResult *result, Err *err) {
    memset(result, 0, sizeof *result);
    result->first_solve_step = -1;
    Trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return err_set(err, "out of memory");
    tr->cfg = *cfg;
    tr->opts = opts;
    tr->result = result;
    tr->dist = opts->dist;
    tr->rank = dist_rank(tr->dist);
    tr->ranks = dist_size(tr->dist);
    tr->root = tr->rank == 0;
    tr->batch = (long)tr->ranks * cfg->run.num_envs * cfg->run.num_steps;
    tr->num_updates = cfg->run.total_timesteps / tr->batch;
    tr->c.best_return = NAN;
    tr->eval_mean = tr->eval_std = tr->eval_length = NAN;
    tr->progress.fd = -1;
    tr->tb.fd = -1;
    tr->lock_fd = -1;
    tr->last_ckpt_update = -1;
    Checkpoint ck = {0};
    const bool resuming = opts->resume != NULL;
    long done = 0;
    int rc = resuming ? open_resumed(tr, &ck, err) : open_new(tr, err);
    rc = rc || read_map(tr, err) || write_config(tr, err) || build(tr, err) ||
         start_state(tr, resuming ? &ck : NULL, err) || train_loop(tr, &done, err) || finish(tr, done, err);
    checkpoint_free(&ck);
    /* A folder this invocation made, failing before it wrote a row or a checkpoint, holds
     * nothing of value and would only block its name; anything else is kept. */
    if (rc && tr->made_dir && !tr->saved_any && tr->progress.rows == 0) {
        progress_close(&tr->progress);
        run_dir_remove(tr->run_dir);
    }
    trainer_free(tr);
    return rc ? -1 : 0;
}
