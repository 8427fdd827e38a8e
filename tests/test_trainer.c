/* test_trainer.c: training is bit-for-bit reproducible, a resumed run equals an uninterrupted
 * one, the learner's replay reproduces the rollout (ratio 1 on the first minibatch), the
 * truncation bootstrap uses the ended episode's own state, ppo.vf_huber bounds the value
 * gradient, NaN stops an update, and the count bonus resumes exactly; each (but vf_huber's and
 * the count bonus's) for the recurrent kinds gla, lstm and gru. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo/gae.h"
#include "algo/learner.h"
#include "algo/loss.h"
#include "algo/rollout.h"
#include "policies/categorical.h"
#include "policies/gaussian.h"
#include "policies/linalg.h"
#include "run/checkpoint.h"
#include "tests/same_training.h"
#include "run/config.h"
#include "run/evaluate.h"
#include "run/progress.h"
#include "run/trainer.h"
#include "tests/testutil.h"

/* The recurrent policy kinds the tests below run for (Check loop tests: index _i). */
static const char *const KINDS[] = {"policy.kind=gla", "policy.kind=lstm", "policy.kind=gru"};
#define N_KINDS (int)(sizeof KINDS / sizeof KINDS[0])

/* A small, quick CartPole config in a fresh runs_dir; extra overrides appended. */
static void small_config(TrainConfig *cfg, const char *runs_dir, char **extra, int n_extra) {
    char rd[700];
    snprintf(rd, sizeof rd, "run.runs_dir=%s", runs_dir);
    char *sets[32] = {"run.num_envs=8",         "run.num_steps=32",     "run.workers=2",
                      "run.total_timesteps=1024", "ppo.num_minibatches=2", "ppo.update_epochs=2",
                      "ppo.learning_rate=0.003", "env.max_steps=60",    "policy.prev_action=true",
                      rd};
    int n = 10;
    for (int i = 0; i < n_extra; i++) sets[n++] = extra[i];
    Err err;
    ck_assert_msg(config_load_string(cfg, "", 0, "test", sets, n, &err) == 0, "%s", err.msg);
}

static void train(const TrainConfig *cfg, const char *resume, long max_updates, TrainResult *res) {
    TrainOptions opts = {.config_path = "test.yaml", .resume = resume, .quiet = true, .max_updates = max_updates};
    Err err;
    ck_assert_msg(trainer_run(cfg, &opts, res, &err) == 0, "%s", err.msg);
}

/* progress.csv without the wall-clock columns (seconds, sps), which differ run to run. */
static char *progress_without_time(const char *run_dir) {
    char path[1200];
    snprintf(path, sizeof path, "%s/progress.csv", run_dir);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no %s", path);
    char *out = calloc(1, 1 << 20);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        int col = 0;
        size_t len = strlen(out);
        for (char *c = line; *c; c++) {
            if (*c == ',') col++;
            if (col != 2 && col != 3) out[len++] = *c;
            else if (*c == ',' && col == 2) out[len++] = ',';
        }
    }
    fclose(f);
    return out;
}

START_TEST(the_same_seed_and_workers_give_bit_identical_training) {
    char dir[512];
    test_tmpdir(dir, sizeof dir);
    TrainConfig cfg;
    char *kind[] = {(char *)KINDS[_i]};
    small_config(&cfg, dir, kind, 1);
    TrainResult r1, r2, r3;
    train(&cfg, NULL, 0, &r1);
    train(&cfg, NULL, 0, &r2);
    ck_assert_str_ne(r1.run_dir, r2.run_dir); /* never overwrites a run */
    test_assert_same_training(r1.checkpoint, r2.checkpoint);
    char *p1 = progress_without_time(r1.run_dir), *p2 = progress_without_time(r2.run_dir);
    ck_assert_str_eq(p1, p2); /* every update's losses and returns */
    char *other_seed[] = {"run.seed=2", (char *)KINDS[_i]};
    small_config(&cfg, dir, other_seed, 2);
    train(&cfg, NULL, 0, &r3);
    char *p3 = progress_without_time(r3.run_dir);
    ck_assert_str_ne(p1, p3);
    free(p1);
    free(p2);
    free(p3);
}
END_TEST

/* The first `keep` columns of every line of a progress.csv text, in place. */
static void keep_columns(char *text, int keep) {
    char *w = text;
    int col = 0;
    for (char *r = text; *r; r++) {
        if (*r == '\n') col = 0;
        else if (*r == ',') col++;
        if (col < keep || *r == '\n') *w++ = *r;
    }
    *w = '\0';
}

START_TEST(evaluations_leave_training_as_it_is_and_choose_best_ckpt) {
    char dir[512], path[1200];
    test_tmpdir(dir, sizeof dir);
    TrainConfig cfg;
    char *plain[] = {"run.total_timesteps=2048", "run.checkpoint_interval=0"}; /* 8 updates */
    small_config(&cfg, dir, plain, 2);
    TrainResult a, b;
    train(&cfg, NULL, 0, &a);
    ck_assert(isnan(a.eval_return));
    char *evals[] = {"run.total_timesteps=2048", "run.checkpoint_interval=0", "run.eval_interval=3",
                     "run.eval_episodes=4"};
    small_config(&cfg, dir, evals, 4);
    train(&cfg, NULL, 0, &b);
    test_assert_same_training(a.checkpoint, b.checkpoint); /* parameters, envs and samplers */
    char *pa = progress_without_time(a.run_dir), *pb = progress_without_time(b.run_dir);
    keep_columns(pa, 16); /* update .. collapse, without seconds and sps */
    keep_columns(pb, 16);
    ck_assert_str_eq(pa, pb);
    free(pa);
    free(pb);
    /* evaluated after updates 3 and 6 and the last, 8; best.ckpt holds the best of them */
    snprintf(path, sizeof path, "%s/progress.csv", b.run_dir);
    const char *cols[] = {"update", "eval_return", "eval_length"};
    ProgressTable t;
    Err err;
    ck_assert_msg(progress_read(path, cols, 3, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.n, 8);
    double best = -INFINITY, last = NAN;
    for (int i = 0; i < t.n; i++) {
        const int u = (int)t.col[0][i];
        const bool due = u == 3 || u == 6 || u == 8;
        ck_assert_msg(due == isfinite(t.col[1][i]), "update %d: eval_return %g", u, t.col[1][i]);
        ck_assert(due == isfinite(t.col[2][i]));
        if (due) best = fmax(best, t.col[1][i]);
        if (u == 8) last = t.col[1][i];
    }
    progress_table_free(&t);
    ck_assert_msg(fabs(b.eval_return - last) <= 1e-5 * fabs(last), "result %g, last row %g", b.eval_return, last);
    snprintf(path, sizeof path, "%s/checkpoints/best.ckpt", b.run_dir);
    Checkpoint ck;
    ck_assert_msg(checkpoint_read(&ck, path, &err) == 0, "%s", err.msg);
    ck_assert_msg(fabs(ck.best_return - best) <= 1e-5 * fabs(best), "best.ckpt %g, best eval %g", ck.best_return, best);
    checkpoint_free(&ck);
}
END_TEST

START_TEST(stop_on_eval_stops_at_the_first_evaluation_that_reaches_stop_return) {
    char dir[512];
    test_tmpdir(dir, sizeof dir);
    TrainConfig cfg;
    /* every CartPole episode returns at least 1: the first evaluation reaches it */
    char *sets[] = {"run.total_timesteps=2048", "run.eval_interval=3", "run.eval_episodes=2",
                    "run.stop_on_eval=true", "run.stop_return=1"};
    small_config(&cfg, dir, sets, 5);
    TrainResult r;
    train(&cfg, NULL, 0, &r);
    ck_assert_int_eq(r.updates, 3);
    ck_assert_double_eq(r.first_solve_step, 3 * 8 * 32);
    ck_assert(r.eval_return >= 1);
    /* judged on the training window instead, the same run goes on (the window is not full) */
    char *train_window[] = {"run.total_timesteps=2048", "run.eval_interval=3", "run.eval_episodes=2",
                            "run.stop_return=1"};
    small_config(&cfg, dir, train_window, 4);
    train(&cfg, NULL, 0, &r);
    ck_assert_int_eq(r.updates, 8);
    /* stop_on_eval without evaluations is refused, naming the key */
    char *none[] = {"run.stop_on_eval=true", "run.stop_return=1"};
    char rd[700];
    snprintf(rd, sizeof rd, "run.runs_dir=%s", dir);
    Err err;
    ck_assert_int_eq(config_load_string(&cfg, "", 0, "test", none, 2, &err), -1);
    ck_assert_msg(strstr(err.msg, "run.stop_on_eval"), "%s", err.msg);
}
END_TEST

START_TEST(a_resumed_run_equals_an_uninterrupted_one_bit_for_bit) {
    char dir[512];
    test_tmpdir(dir, sizeof dir);
    TrainConfig cfg;
    char *four[] = {"run.total_timesteps=1024", "run.checkpoint_interval=1", (char *)KINDS[_i]};
    small_config(&cfg, dir, four, 3); /* 1024 / (8 * 32) = 4 updates */
    TrainResult whole, first, rest;
    train(&cfg, NULL, 0, &whole);
    train(&cfg, NULL, 2, &first);
    ck_assert_int_eq(first.global_step, 2 * 8 * 32);
    train(&cfg, first.checkpoint, 0, &rest);
    ck_assert_int_eq(rest.global_step, 4 * 8 * 32);
    ck_assert_str_eq(rest.run_dir, first.run_dir); /* continued in its own folder */
    test_assert_same_training(whole.checkpoint, rest.checkpoint);
    char *pw = progress_without_time(whole.run_dir), *pr = progress_without_time(rest.run_dir);
    ck_assert_str_eq(pw, pr);
    free(pw);
    free(pr);
    /* A config that trains differently is refused with the key named. */
    char *lr[] = {"ppo.learning_rate=0.001", (char *)KINDS[_i]};
    small_config(&cfg, dir, lr, 2);
    TrainOptions opts = {.resume = first.checkpoint, .quiet = true};
    Err err;
    TrainResult r;
    ck_assert_int_eq(trainer_run(&cfg, &opts, &r, &err), -1);
    ck_assert_msg(strstr(err.msg, "ppo.learning_rate"), "%s", err.msg);
}
END_TEST

/* A policy, a rollout with many episode ends (max_steps 7), and a learner over it. */
typedef struct Setup {
    TrainConfig cfg;
    Policy *p;
    Pool *pool;
    Rollout *r;
} Setup;

static void setup(Setup *s, int workers, int rollouts, int kind) {
    char *sets[] = {"env.max_steps=7", "policy.prev_action=true", "policy.start_flag=true",
                    "run.num_envs=6", "run.num_steps=24", "ppo.num_minibatches=1", (char *)KINDS[kind]};
    Err err;
    ck_assert_msg(config_load_string(&s->cfg, "", 0, "test", sets, 7, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(policy_create(&s->p, &s->cfg.policy, 4, 2, &err), 0);
    Rng rng;
    rng_seed(&rng, 3, 0);
    policy_init(s->p, &rng);
    for (size_t i = 0; i < s->p->n_params; i++) s->p->params[i] += 0.2f * (float)rng_normal(&rng);
    ck_assert_msg(pool_create(&s->pool, workers, &err) == 0, "%s", err.msg);
    ck_assert_msg(rollout_create(&s->r, &s->cfg.env, s->p, 6, 24, s->pool, 5, 0, &err) == 0, "%s", err.msg);
    for (int i = 0; i < rollouts; i++) rollout_collect(s->r); /* later ones start mid-episode */
}

static void teardown(Setup *s) {
    rollout_destroy(s->r);
    pool_destroy(s->pool);
    policy_destroy(s->p);
}

START_TEST(the_learners_replay_reproduces_the_rollouts_logprobs_and_values) {
    Setup s;
    setup(&s, 2, 2, _i);
    RolloutBuffer *b = &s.r->buf;
    const int T = b->T, N = b->N, A = b->A;
    int starts = 0;
    for (int i = N; i < T * N; i++) starts += b->episode_start[i];
    ck_assert_int_gt(starts, 10); /* episode boundaries inside the sequences */
    PolicyWork *w = policy_work_create(s.p, T, N);
    float *logits = malloc(sizeof(float) * T * N * A), *values = malloc(sizeof(float) * T * N);
    policy_forward_sequence(s.p, w, T, N, b->state0, b->obs, b->episode_start, b->prev_action,
                            logits, values, NULL);
    double worst_ratio = 0, worst_value = 0;
    for (int i = 0; i < T * N; i++) {
        double logp[8];
        categorical_log_softmax(A, logits + (size_t)i * A, logp);
        double ratio = exp(logp[b->actions[i]] - b->logprobs[i]);
        worst_ratio = fmax(worst_ratio, fabs(ratio - 1));
        worst_value = fmax(worst_value, fabs(values[i] - b->values[i]) / fmax(fabs(b->values[i]), 1));
    }
    ck_assert_msg(worst_ratio <= 1e-5, "largest |ratio - 1| on the first minibatch: %.3g", worst_ratio);
    ck_assert_msg(worst_value <= 1e-5, "largest value difference: %.3g", worst_value);
    free(logits);
    free(values);
    policy_work_destroy(w);
    teardown(&s);
}
END_TEST

START_TEST(a_gaussian_rollout_keeps_unclipped_samples_that_the_learners_replay_reproduces) {
    Setup s;
    char *sets[] = {"env.name=pendulum", "env.max_steps=7", "policy.start_flag=true", "run.num_envs=6",
                    "run.num_steps=24", "ppo.num_minibatches=1", (char *)KINDS[_i]};
    Err err;
    ck_assert_msg(config_load_string(&s.cfg, "", 0, "test", sets, 7, &err) == 0, "%s", err.msg);
    ck_assert_msg(policy_for_config(&s.p, &s.cfg, &err) == 0, "%s", err.msg);
    ck_assert(s.p->gaussian);
    ck_assert_int_eq(s.p->n_actions, 1);
    Rng rng;
    rng_seed(&rng, 3, 0);
    policy_init(s.p, &rng);
    for (size_t i = 0; i < s.p->n_params; i++) s.p->params[i] += 0.2f * (float)rng_normal(&rng);
    s.p->params[s.p->log_std_offset] = 0.5f; /* sigma 1.65: many samples beyond the box [-2, 2] */
    ck_assert_msg(pool_create(&s.pool, 2, &err) == 0, "%s", err.msg);
    ck_assert_msg(rollout_create(&s.r, &s.cfg.env, s.p, 6, 24, s.pool, 5, 0, &err) == 0, "%s", err.msg);
    rollout_collect(s.r);
    rollout_collect(s.r);
    RolloutBuffer *b = &s.r->buf;
    const int T = b->T, N = b->N;
    ck_assert_int_eq(b->D, 1);
    int outside = 0;
    for (int i = 0; i < T * N; i++) outside += fabsf(b->box_actions[i]) > 2.0f;
    ck_assert_msg(outside > 5, "only %d of %d stored actions lie outside [-2, 2]", outside, T * N);
    PolicyWork *w = policy_work_create(s.p, T, N);
    float *means = malloc(sizeof(float) * T * N), *values = malloc(sizeof(float) * T * N);
    policy_forward_sequence(s.p, w, T, N, b->state0, b->obs, b->episode_start, b->prev_action, means, values, NULL);
    double worst_ratio = 0;
    for (int i = 0; i < T * N; i++) {
        double lp = gaussian_logprob(1, means + i, policy_log_std(s.p), b->box_actions + i);
        worst_ratio = fmax(worst_ratio, fabs(exp(lp - b->logprobs[i]) - 1));
    }
    ck_assert_msg(worst_ratio <= 1e-5, "largest |ratio - 1| on the first minibatch: %.3g", worst_ratio);
    free(means);
    free(values);
    policy_work_destroy(w);
    teardown(&s);
}
END_TEST

/* Trains cfg (4 updates, a checkpoint after each) twice, and for 2 updates then resumed; asserts
 * the second run and the resumed one equal the first bit for bit (checkpoints and progress.csv
 * but for the time columns). *whole is the first run, *rest the resumed one; returns the first
 * run's progress.csv without the time columns (free it). */
static char *train_twice_and_resumed(const TrainConfig *cfg, TrainResult *whole, TrainResult *rest) {
    TrainResult again, first;
    train(cfg, NULL, 0, whole);
    train(cfg, NULL, 0, &again);
    test_assert_same_training(whole->checkpoint, again.checkpoint);
    train(cfg, NULL, 2, &first);
    train(cfg, first.checkpoint, 0, rest);
    test_assert_same_training(whole->checkpoint, rest->checkpoint);
    char *pw = progress_without_time(whole->run_dir), *pr = progress_without_time(rest->run_dir);
    ck_assert_str_eq(pw, pr);
    free(pr);
    return pw;
}

/* With both normalizations on: the statistics are saved and restored exactly (a resumed run
 * equals the uninterrupted one), and they moved away from their start. */
START_TEST(gaussian_training_is_bit_identical_and_resumes_exactly) {
    char dir[512];
    test_tmpdir(dir, sizeof dir);
    TrainConfig cfg;
    char *extra[] = {"env.name=pendulum", "policy.prev_action=false", "run.checkpoint_interval=1",
                     "ppo.norm_obs=true", "ppo.norm_reward=true"};
    small_config(&cfg, dir, extra, 5); /* 1024 / (8 * 32) = 4 updates */
    TrainResult whole, rest;
    free(train_twice_and_resumed(&cfg, &whole, &rest));
    Checkpoint a, b;
    Err e2;
    ck_assert_msg(checkpoint_read(&a, whole.checkpoint, &e2) == 0, "%s", e2.msg);
    ck_assert_msg(checkpoint_read(&b, rest.checkpoint, &e2) == 0, "%s", e2.msg);
    ck_assert(a.has_norm && a.norm_obs_on && a.norm_reward_on && a.version == 3);
    ck_assert_mem_eq(a.norm_obs_mean, b.norm_obs_mean, sizeof(double) * (size_t)a.obs_dim);
    ck_assert_mem_eq(a.norm_obs_var, b.norm_obs_var, sizeof(double) * (size_t)a.obs_dim);
    ck_assert_mem_eq(a.norm_returns, b.norm_returns, sizeof(double) * (size_t)a.num_envs);
    ck_assert(a.norm_ret_var == b.norm_ret_var && a.norm_obs_count == b.norm_obs_count);
    ck_assert_double_eq_tol(a.norm_obs_count, 1024 + NORM_COUNT0, 1e-9); /* every step's observations */
    ck_assert(a.norm_obs_var[2] != 1.0 && a.norm_ret_var != 1.0);
    checkpoint_free(&a);
    checkpoint_free(&b);
    /* prev_action feeds a one-hot of a discrete action: refused for a continuous env */
    char *prev[] = {"env.name=pendulum"};
    TrainConfig bad;
    char rd[700];
    snprintf(rd, sizeof rd, "run.runs_dir=%s", dir);
    char *sets[] = {prev[0], "policy.prev_action=true", rd};
    Err err;
    int rc = config_load_string(&bad, "", 0, "test", sets, 3, &err);
    Policy *p = NULL;
    if (rc == 0) rc = policy_for_config(&p, &bad, &err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err.msg, "policy.prev_action"), "%s", err.msg);
}
END_TEST

/* The non-empty values of progress.csv's column `name` in run_dir, row by row, into out [cap];
 * returns how many. */
static int progress_column(const char *run_dir, const char *name, double *out, int cap) {
    char path[1200], line[4096];
    snprintf(path, sizeof path, "%s/progress.csv", run_dir);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no %s", path);
    int col = -1, n = 0;
    for (int row = 0; fgets(line, sizeof line, f); row++) {
        line[strcspn(line, "\r\n")] = '\0';
        char *rest = line, *field;
        for (int c = 0; (field = strsep(&rest, ",")); c++) {
            if (row == 0 && strcmp(field, name) == 0) col = c;
            if (row > 0 && c == col && *field && n < cap) out[n++] = atof(field);
        }
        ck_assert_msg(col >= 0, "no column %s in %s", name, path);
    }
    fclose(f);
    return n;
}

/* The count bonus (ppo.count_bonus) on a gridworld: runs are bit-identical, its counts are
 * saved (format version 4, with NORM where observations are normalized) and restored exactly
 * (a resumed run equals the uninterrupted one), every step is counted once, it changes the
 * training, and the logged episode returns stay the env's own. */
START_TEST(the_count_bonus_is_bit_identical_and_resumes_exactly) {
    char dir[512];
    test_tmpdir(dir, sizeof dir);
    for (int norm = 0; norm < 2; norm++) {
        TrainConfig cfg;
        char *extra[] = {"env.name=gridworld/door-key-5x5", "run.checkpoint_interval=1", "ppo.count_bonus=5",
                         norm ? "ppo.norm_obs=true" : "ppo.norm_obs=false"};
        small_config(&cfg, dir, extra, 4); /* 1024 / (8 * 32) = 4 updates */
        TrainResult whole, rest, none;
        char *pw = train_twice_and_resumed(&cfg, &whole, &rest);
        Checkpoint a;
        Err e2;
        ck_assert_msg(checkpoint_read(&a, whole.checkpoint, &e2) == 0, "%s", e2.msg);
        ck_assert(a.version == 4 && a.has_counts && a.has_norm == (norm == 1));
        uint64_t steps = 0;
        for (uint64_t i = 0; i < a.n_counts; i++) steps += a.count_values[i];
        ck_assert_uint_eq(steps, 1024);    /* every step's observation, once */
        ck_assert_uint_gt(a.n_counts, 16); /* many views, not one */
        checkpoint_free(&a);
        /* without the bonus the same seed trains otherwise */
        char *off[] = {extra[0], extra[1], "ppo.count_bonus=0", extra[3]};
        small_config(&cfg, dir, off, 4);
        train(&cfg, NULL, 0, &none);
        ck_assert_uint_ne(none.params_hash, whole.params_hash);
        /* the logged returns are the env's: a gridworld episode's is at most 1, while a bonus of 5
         * per step would add far more */
        double lo[8], hi[8];
        int rows = progress_column(whole.run_dir, "return_min", lo, 8);
        ck_assert_int_eq(progress_column(whole.run_dir, "return_max", hi, 8), rows);
        for (int i = 0; i < rows; i++)
            ck_assert_msg(lo[i] >= 0 && hi[i] <= 1, "logged returns %g .. %g", lo[i], hi[i]);
        ck_assert_int_ge(rows, 2); /* the updates in which episodes ended */
        free(pw);
    }
}
END_TEST

START_TEST(a_truncated_episode_is_bootstrapped_from_its_own_state) {
    Setup s;
    setup(&s, 1, 1, _i);
    RolloutBuffer *b = &s.r->buf;
    const int T = b->T, N = b->N, O = b->O, A = b->A;
    const size_t S = b->S;
    PolicyWork *w = policy_work_create(s.p, 1, 1);
    float *state = malloc(sizeof(float) * (S + 1)), *zero = calloc(S + 1, sizeof(float));
    float obs[4], fin[4], logits[8], v, v_own, v_wiped;
    int checked = 0;
    double gap = 0;
    for (int n = 0; n < N; n++) {
        /* A twin of env n replays its actions: envs depend only on their seed and actions. */
        Env *twin;
        Err err;
        ck_assert_int_eq(env_create(&twin, &s.cfg.env, &err), 0);
        env_seed(twin, 5, (uint64_t)n);
        env_reset(twin, obs);
        ck_assert_mem_eq(obs, b->obs + (size_t)n * O, sizeof obs);
        memcpy(state, b->state0 + n * S, sizeof(float) * S);
        for (int t = 0; t < T; t++) {
            size_t i = (size_t)t * N + n;
            policy_step(s.p, w, 1, state, b->obs + i * O, &b->episode_start[i], &b->prev_action[i], logits, &v);
            float r;
            bool te, tr;
            env_step(twin, b->actions[i], fin, &r, &te, &tr);
            if (te || tr) env_reset(twin, obs);
            if (!(tr && !te)) continue;
            ck_assert(b->truncated[i] && !b->terminated[i]);
            /* From the episode's own state (no wipe), the previous action being step t's. */
            const uint8_t no = 0, yes = 1;
            float *own = malloc(sizeof(float) * (S + 1));
            memcpy(own, state, sizeof(float) * S);
            policy_step(s.p, w, 1, own, fin, &no, &b->actions[i], logits, &v_own);
            memset(zero, 0, sizeof(float) * S);
            policy_step(s.p, w, 1, zero, fin, &yes, &b->actions[i], logits, &v_wiped);
            free(own);
            ck_assert_msg(fabs(v_own - b->final_values[i]) <= 1e-5 * fmax(1, fabs(v_own)),
                          "env %d t %d: V(final_obs) %.9g, own-state replay %.9g", n, t,
                          b->final_values[i], v_own);
            gap = fmax(gap, fabs(v_own - v_wiped));
            checked++;
        }
        env_destroy(twin);
    }
    ck_assert_int_gt(checked, 0);
    /* The test can tell the two apart: a wiped state gives another value. */
    ck_assert_msg(gap > 1e-4, "own-state and wiped-state values agree (%.3g): the test is blind", gap);
    (void)A;
    free(state);
    free(zero);
    policy_work_destroy(w);
    teardown(&s);
}
END_TEST

/* The gradient of the value bias v.b of one minibatch: vf_coef times the mean of the rows' value
 * slopes (the bias adds to every value). */
static double value_bias_gradient(Setup *s, Learner *l, const PPOConfig *ppo) {
    int envs[6] = {0, 1, 2, 3, 4, 5};
    PPOLossStats ls;
    bool finite;
    ck_assert_int_eq(learner_gradient(l, &s->r->buf, envs, ppo, &ls, &finite), 0);
    ck_assert(finite);
    return l->grads[policy_tensor(s->p, "v.b")->offset];
}

START_TEST(ppo_vf_huber_bounds_the_value_gradient_of_far_targets) {
    /* Returns near 1000 (rewards times 1000) against values of order 1: every row's error is far
     * beyond delta, so with vf_huber each row's slope is -delta and v.b's gradient is
     * -vf_coef * delta exactly; the squared error's is vf_coef times the mean error, ~-1000x. */
    Setup s;
    setup(&s, 2, 1, 0); /* gla */
    RolloutBuffer *b = &s.r->buf;
    for (int i = 0; i < b->T * b->N; i++) b->rewards[i] *= 1000.0f;
    gae_compute(b->T, b->N, b->rewards, b->values, b->terminated, b->truncated, b->final_values,
                b->next_values, 0.99, 0.95, b->advantages, b->returns);
    Learner *l;
    Err err;
    ck_assert_int_eq(learner_create(&l, s.p, 24, 6, 1, 1e-5, 1, 2, s.pool, 1, &err), 0);
    PPOConfig ppo = s.cfg.ppo;
    ppo.vf_coef = 0.5;
    ppo.vf_huber = 0.0;
    double squared = value_bias_gradient(&s, l, &ppo);
    ppo.vf_huber = 2.0;
    double huber = value_bias_gradient(&s, l, &ppo);
    ck_assert_msg(fabs(huber - -0.5 * 2.0) <= 1e-5, "v.b gradient with vf_huber 2: %.9g, want -1", huber);
    ck_assert_msg(squared < -100.0, "v.b gradient of the squared error: %.9g, want < -100", squared);
    learner_destroy(l);
    teardown(&s);
}
END_TEST

/* The gradient [P] and loss of the minibatch envs [6] of s's rollout from a learner over pool
 * (NULL: one worker) with k parts per worker; *parts: the parts it cut the minibatch into. */
static double part_gradient_of(Setup *s, Pool *pool, int k, const int *envs, float *out, int *parts) {
    Learner *l;
    Err err;
    ck_assert_msg(learner_create(&l, s->p, 24, 6, 1, 1e-5, 1, 2, pool, k, &err) == 0, "%s", err.msg);
    PPOLossStats ls;
    bool finite;
    ck_assert_int_eq(learner_gradient(l, &s->r->buf, envs, &s->cfg.ppo, &ls, &finite), 0);
    ck_assert(finite);
    memcpy(out, l->grads, sizeof(float) * s->p->n_params);
    *parts = l->n_parts;
    learner_destroy(l);
    return ls.loss;
}

START_TEST(the_learners_gradient_depends_on_its_part_count_not_on_which_worker_ran_a_part) {
    /* 6 envs cut into 6 parts of one env: by 1 worker (k 6), 2 workers (k 3), 3 workers (k 2)
     * and 3 workers asking for 12 (capped at one env per part) must give the same bits, as the
     * parts are summed in part order whichever worker took them; 1 part and 4 parts of 1 or 2
     * envs give the same gradient up to float rounding. */
    Setup s;
    setup(&s, 1, 2, _i);
    RolloutBuffer *b = &s.r->buf;
    const PPOConfig *ppo = &s.cfg.ppo;
    gae_compute(b->T, b->N, b->rewards, b->values, b->terminated, b->truncated, b->final_values,
                b->next_values, ppo->gamma, ppo->gae_lambda, b->advantages, b->returns);
    Pool *two, *three;
    Err err;
    ck_assert_int_eq(pool_create(&two, 2, &err), 0);
    ck_assert_int_eq(pool_create(&three, 3, &err), 0);
    const size_t P = s.p->n_params;
    const int envs[6] = {3, 0, 5, 1, 4, 2};
    float *g6 = malloc(sizeof(float) * P), *g = malloc(sizeof(float) * P), *g1 = malloc(sizeof(float) * P);
    int parts;
    double loss6 = part_gradient_of(&s, NULL, 6, envs, g6, &parts);
    ck_assert_int_eq(parts, 6);
    struct { Pool *pool; int k; } same[] = {{two, 3}, {three, 2}, {three, 4}, {two, 3}};
    for (int i = 0; i < 4; i++) {
        double loss = part_gradient_of(&s, same[i].pool, same[i].k, envs, g, &parts);
        ck_assert_int_eq(parts, 6);
        ck_assert_msg(memcmp(g, g6, sizeof(float) * P) == 0 && loss == loss6,
                      "%d workers x %d parts: not the bits of 6 parts on one worker",
                      pool_size(same[i].pool), same[i].k);
    }
    part_gradient_of(&s, NULL, 1, envs, g1, &parts);
    ck_assert_int_eq(parts, 1);
    double gmax = 0, diff6 = 0, diff4 = 0;
    part_gradient_of(&s, two, 2, envs, g, &parts);
    ck_assert_int_eq(parts, 4);
    for (size_t i = 0; i < P; i++) {
        gmax = fmax(gmax, fabs(g1[i]));
        diff6 = fmax(diff6, fabs(g6[i] - g1[i]));
        diff4 = fmax(diff4, fabs(g[i] - g1[i]));
    }
    ck_assert(gmax > 0);
    ck_assert_msg(diff6 <= 1e-5 * gmax && diff4 <= 1e-5 * gmax,
                  "max |g| %g; 6 parts differ from 1 by %g, 4 parts by %g", gmax, diff6, diff4);
    free(g6);
    free(g);
    free(g1);
    pool_destroy(two);
    pool_destroy(three);
    teardown(&s);
}
END_TEST

START_TEST(a_nan_stops_the_update_before_adam_touches_the_parameters) {
    Setup s;
    setup(&s, 1, 1, _i);
    Learner *l;
    Err err;
    ck_assert_int_eq(learner_create(&l, s.p, 24, 6, 1, 1e-5, 1, 2, NULL, 1, &err), 0);
    s.r->buf.rewards[5] = NAN;
    float *before = malloc(sizeof(float) * s.p->n_params);
    memcpy(before, s.p->params, sizeof(float) * s.p->n_params);
    UpdateStats st;
    learner_update(l, &s.r->buf, &s.cfg.ppo, 1e-3, &st);
    ck_assert(!st.finite);
    ck_assert_mem_eq(before, s.p->params, sizeof(float) * s.p->n_params);
    free(before);
    learner_destroy(l);
    teardown(&s);
}
END_TEST


START_TEST(eval_replays_the_training_time_policy_episode_for_episode_on_stateless_cartpole) {
    /* A recurrent policy (prev action and start flag fed) on position-only CartPole: rollout
     * workers and `ppo eval` (stochastic) seed env j and its sampler from the same streams, so
     * if eval carries the state through each episode exactly as rollouts do, env j's k-th
     * episode has the same return in both. */
    enum { B = 4, T = 64 };
    char *sets[] = {"env.name=cartpole-stateless", "policy.prev_action=true", "policy.start_flag=true",
                    "run.num_envs=4", "run.num_steps=64", "run.workers=1", "ppo.num_minibatches=1",
                    (char *)KINDS[_i]};
    TrainConfig cfg;
    Err err;
    ck_assert_msg(config_load_string(&cfg, "", 0, "test", sets, 8, &err) == 0, "%s", err.msg);
    Policy *p;
    ck_assert_int_eq(policy_create(&p, &cfg.policy, 2, 2, &err), 0);
    Rng rng;
    rng_seed(&rng, 8, 0);
    policy_init(p, &rng);
    for (size_t i = 0; i < p->n_params; i++) p->params[i] += 0.3f * (float)rng_normal(&rng);
    Rollout *r;
    ck_assert_int_eq(rollout_create(&r, &cfg.env, p, B, T, NULL, 77, 0, &err), 0);
    for (int i = 0; i < 4; i++) rollout_collect(r);
    Episode eps[B * T * 4];
    int n = rollout_drain_episodes(r, eps, B * T * 4);
    int per_env[B] = {0};
    float ret[B][64];
    for (int i = 0; i < n; i++) {
        int j = eps[i].env_index;
        if (per_env[j] < 64) ret[j][per_env[j]++] = eps[i].ret;
    }
    int k = per_env[0];
    for (int j = 1; j < B; j++)
        if (per_env[j] < k) k = per_env[j];
    ck_assert_int_ge(k, 2); /* at least two whole episodes per env: the reset in between too */
    EvalEpisode *ev = calloc((size_t)(B * k), sizeof *ev);
    EvalOptions eo = {B * k, 77, false, B, NULL, 0};
    ck_assert_msg(evaluate(p, &cfg.env, &eo, ev, &err) == 0, "%s", err.msg);
    for (int e = 0; e < B * k; e++)
        ck_assert_msg(ev[e].ret == ret[e % B][e / B], "episode %d (env %d, #%d): eval %g, rollout %g", e,
                      e % B, e / B, ev[e].ret, ret[e % B][e / B]);
    free(ev);
    rollout_destroy(r);
    policy_destroy(p);
}
END_TEST

static Suite *trainer_suite(void) {
    linalg_set_threads(1);
    Suite *s = suite_create("trainer");
    TCase *tc = test_case("runs");
    tcase_add_loop_test(tc, the_same_seed_and_workers_give_bit_identical_training, 0, N_KINDS);
    tcase_add_loop_test(tc, a_resumed_run_equals_an_uninterrupted_one_bit_for_bit, 0, N_KINDS);
    tcase_add_test(tc, evaluations_leave_training_as_it_is_and_choose_best_ckpt);
    tcase_add_test(tc, stop_on_eval_stops_at_the_first_evaluation_that_reaches_stop_return);
    suite_add_tcase(s, tc);
    tc = test_case("learner");
    tcase_add_loop_test(tc, the_learners_replay_reproduces_the_rollouts_logprobs_and_values, 0, N_KINDS);
    tcase_add_loop_test(tc, a_truncated_episode_is_bootstrapped_from_its_own_state, 0, N_KINDS);
    tcase_add_test(tc, ppo_vf_huber_bounds_the_value_gradient_of_far_targets);
    tcase_add_loop_test(tc, the_learners_gradient_depends_on_its_part_count_not_on_which_worker_ran_a_part, 0, N_KINDS);
    tcase_add_loop_test(tc, a_nan_stops_the_update_before_adam_touches_the_parameters, 0, N_KINDS);
    tcase_add_loop_test(tc, eval_replays_the_training_time_policy_episode_for_episode_on_stateless_cartpole, 0, N_KINDS);
    tcase_add_loop_test(tc, a_gaussian_rollout_keeps_unclipped_samples_that_the_learners_replay_reproduces, 0, N_KINDS);
    tcase_add_test(tc, gaussian_training_is_bit_identical_and_resumes_exactly);
    tcase_add_test(tc, the_count_bonus_is_bit_identical_and_resumes_exactly);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(trainer_suite)
