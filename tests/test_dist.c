/* test_dist.c: data-parallel training over MPI (dist.h, the learner's all-reduce, the
 * trainer's ranks and checkpoints), tested the way it runs: under mpirun.
 *
 * The Check cases run `mpirun -np 2` (with --allow-run-as-root and --oversubscribe, as CI runs
 * as root on a small machine) over loopback, either on this test binary in worker mode
 * (`test_dist --worker NAME ...`: every rank runs the same worker, rank 0 prints the verdict)
 * or on ppo itself. Without MPI in the build only the one-process cases run (and the suite
 * says so); `make test` insists on MPI unless given MPI=0. A missing or failing mpirun fails
 * the cases that need it with mpirun's own output. */
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algo/gae.h"
#include "algo/learner.h"
#include "algo/rollout.h"
#include "core/dist.h"
#include "policies/linalg.h"
#include "run/checkpoint.h"
#include "run/config.h"
#include "run/evaluate.h"
#include "run/trainer.h"
#include "tests/same_training.h"
#include "tests/testutil.h"

#define MPIRUN "mpirun --allow-run-as-root --oversubscribe --bind-to none"
/* In the sanitizer build, the workers (this binary under mpirun: the collectives, the learner
 * and trainer_run over 2 ranks) keep their leak check, with Open MPI's own allocations in
 * MPI_Init, never freed, suppressed (tests/lsan-mpi.supp). Matching those needs whole stacks
 * through Open MPI's libraries, hence the slow unwinder, which costs some 12 s per launch; so
 * the ppo runs under mpirun, which go through the same trainer code, check memory errors and
 * undefined behaviour but not leaks. */
#ifdef __SANITIZE_ADDRESS__
#define MPI_ENV_LEAKS                                                                              \
    "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0 "                        \
    "LSAN_OPTIONS=suppressions=$PWD/tests/lsan-mpi.supp:print_suppressions=0 "
#define MPI_ENV "ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 "
#else
#define MPI_ENV_LEAKS ""
#define MPI_ENV ""
#endif
#define RUN_SECONDS 120 /* a whole mpirun command; a hang fails the test rather than the CI job */

static char out[1 << 16];

/* ---- helpers ------------------------------------------------------------------------------- */

/* Runs a shell command (after the environment assignments env) with a time limit, output
 * (stdout and stderr) into buf [cap]; returns the exit code (124 when the limit was reached),
 * or -1 when it did not exit normally or could not start. */
static int run_env(const char *env, const char *cmd, int seconds, char *buf, size_t cap) {
    char full[8192];
    snprintf(full, sizeof full, "%stimeout -k 5 %d %s 2>&1", env, seconds, cmd);
    buf[0] = '\0';
    FILE *f = popen(full, "r");
    if (!f) return -1;
    size_t len = fread(buf, 1, cap - 1, f);
    buf[len] = '\0';
    while (fgetc(f) != EOF) continue;
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run(const char *cmd, int seconds) { return run_env(MPI_ENV, cmd, seconds, out, sizeof out); }

/* The last 2000 bytes of text (Check's messages are bounded). */
static const char *tail_of(const char *text) {
    size_t n = strlen(text);
    return n > 2000 ? text + n - 2000 : text;
}

static const char *tail(void) { return tail_of(out); }

/* Runs `mpirun -np 2 ARGS` and fails the test with its output unless it exits with want. */
static void mpirun2(const char *args, int want) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, MPIRUN " -np 2 %s", args);
    int rc = run(cmd, RUN_SECONDS);
    ck_assert_msg(rc != 127 || !strstr(out, "not found"),
                  "mpirun is missing: install openmpi-bin (make deps)\n%s", tail());
    ck_assert_msg(rc != 124, "%s: timed out after %d s (a rank hung?)\n%s", cmd, RUN_SECONDS, tail());
    ck_assert_msg(rc == want, "%s: exit code %d, expected %d\n%s", cmd, rc, want, tail());
}

static const char *self_exe(void) {
    static char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    ck_assert_msg(n > 0, "cannot find this test binary through /proc/self/exe");
    path[n] = '\0';
    return path;
}

/* FNV-1a over the bytes of p [n] (the trainer's params_hash). */
static uint64_t fnv1a(const void *p, size_t n) {
    const uint8_t *b = p;
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* ---- workers: every rank of `mpirun -np 2 test_dist --worker NAME` runs one ---------------- */

/* The collectives on known data: sums, max, broadcast, gathers, agreement, the hash check. */
static int worker_ops(Dist *d) {
    const int r = dist_rank(d), R = dist_size(d);
    int bad = 0;
    float f[3] = {1.0f + r, 0.5f, -2.0f * r};
    double g[2] = {0.25 * r, 1e300};
    int m[2] = {r, -r};
    bad |= dist_sum_float(d, f, 3, NULL) || dist_sum_double(d, g, 2, NULL) || dist_max_int(d, m, 2, NULL);
    double sum_r = R * (R - 1) / 2.0;
    bad |= f[0] != (float)(R + sum_r) || f[1] != 0.5f * R || f[2] != (float)(-2 * sum_r);
    bad |= g[0] != 0.25 * sum_r || g[1] != 1e300 * R || m[0] != R - 1 || m[1] != 0;
    char text[32] = "";
    if (r == 0) snprintf(text, sizeof text, "from rank 0");
    bad |= dist_bcast(d, text, sizeof text, NULL) || strcmp(text, "from rank 0") != 0;
    int32_t mine[2] = {10 * r, 10 * r + 1}, all[64] = {0};
    bad |= dist_gather(d, mine, sizeof mine, all, NULL);
    for (int k = 0; r == 0 && k < R; k++) bad |= all[2 * k] != 10 * k || all[2 * k + 1] != 10 * k + 1;
    memset(all, 0, sizeof all);
    bad |= dist_allgather(d, mine, sizeof mine, all, NULL);
    for (int k = 0; k < R; k++) bad |= all[2 * k] != 10 * k;
    /* rank k sends k + 1 numbers */
    int32_t var[8] = {0}, got[64] = {0};
    for (int k = 0; k <= r; k++) var[k] = 100 * r + k;
    size_t total = 0;
    bad |= dist_allgatherv(d, var, sizeof(int32_t) * (size_t)(r + 1), got, sizeof got, &total, NULL);
    bad |= total != sizeof(int32_t) * (size_t)(R * (R + 1) / 2);
    for (int k = 0, at = 0; k < R; k++)
        for (int j = 0; j <= k; j++) bad |= got[at++] != 100 * k + j;
    int n_failed = -1;
    bad |= dist_agree(d, 0, &n_failed, NULL) != 0 || n_failed != 0;
    bad |= dist_agree(d, r == 1 ? 2 : 0, &n_failed, NULL) != 2 || n_failed != 1;
    Err err;
    bad |= dist_check_same(d, 42, "the answer", &err) != 0;
    int differs = dist_check_same(d, 42 + (uint64_t)r, "the parameters", &err);
    bad |= differs != -1 || !strstr(err.msg, "the parameters differ between the ranks") ||
           !strstr(err.msg, "rank 1 000000000000002b");
    if (r == 0 && differs) printf("ops: the mismatch message: %s\n", err.msg);
    if (r == 0) printf("ops: %d ranks: sums, max, bcast, gather(v), agree, check_same: %s\n", R, bad ? "FAILED" : "ok");
    return bad;
}

/* Gathers the first T rows of a [rows, N, per] array of every rank into rank 0's
 * [rows, R * N, per] union, rank r's env i becoming env r * N + i. */
static void gather_rows(Dist *d, const void *src, void *dst, int rows, int N, size_t per) {
    const int R = dist_size(d);
    const size_t row = (size_t)N * per, bytes = (size_t)rows * row;
    uint8_t *all = malloc((size_t)R * bytes + 1);
    if (dist_gather(d, src, bytes, all, NULL)) abort();
    if (dist_rank(d) == 0)
        for (int r = 0; r < R; r++)
            for (int t = 0; t < rows; t++)
                memcpy((uint8_t *)dst + ((size_t)t * R + r) * row, all + (size_t)r * bytes + t * row, row);
    free(all);
}

/* The gradient of a minibatch averaged over the ranks equals the gradient one process computes
 * over the union of the ranks' data (gathered to rank 0, so it is the same data). */
static int worker_grad(Dist *d) {
    const int r = dist_rank(d), R = dist_size(d), N = 6, T = 16, M = 2;
    char *sets[] = {"env.max_steps=20", "policy.prev_action=true", "run.num_envs=6",
                    "run.num_steps=16", "ppo.num_minibatches=2"};
    TrainConfig cfg;
    Err err;
    if (config_load_string(&cfg, "", 0, "test", sets, 5, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    Policy *p;
    if (policy_create(&p, &cfg.policy, 4, 2, &err)) return 1;
    Rng rng;
    rng_seed(&rng, 3, 0);
    policy_init(p, &rng);
    for (size_t i = 0; i < p->n_params; i++) p->params[i] += 0.1f * (float)rng_normal(&rng);
    Rollout *ro;
    if (rollout_create(&ro, &cfg.env, p, N, T, NULL, 5, (uint64_t)r * N, &err)) return 1;
    rollout_collect(ro);
    rollout_collect(ro); /* starts mid-episode */
    RolloutBuffer *b = &ro->buf;
    const PPOConfig *ppo = &cfg.ppo;
    gae_compute(T, N, b->rewards, b->values, b->terminated, b->truncated, b->final_values,
                b->next_values, ppo->gamma, ppo->gae_lambda, b->advantages, b->returns);
    const int local_envs[3] = {4, 0, 2}; /* one minibatch of this rank: Bm = N / M */
    Learner *l;
    if (learner_create(&l, p, T, N, M, 1e-5, 1, 2, NULL, 1, &err)) return 1;
    learner_set_dist(l, d);
    PPOLossStats ls;
    bool finite;
    if (learner_gradient(l, b, local_envs, ppo, &ls, &finite)) return 1;
    const size_t P = p->n_params;
    float *avg = malloc(sizeof(float) * P), *alone = malloc(sizeof(float) * P);
    memcpy(avg, l->grads, sizeof(float) * P);
    learner_set_dist(l, NULL); /* this rank's data alone: the test must tell it from the union */
    if (learner_gradient(l, b, local_envs, ppo, &ls, &finite)) return 1;
    memcpy(alone, l->grads, sizeof(float) * P);
    /* The union on rank 0: [T, R * N] from every rank's [T, N]. */
    RolloutBuffer u = *b;
    const size_t UN = (size_t)R * N, O = (size_t)b->O, S = b->S;
    u.N = (int)UN;
    u.obs = calloc((size_t)T * UN * O, sizeof(float));
    u.episode_start = calloc((size_t)T * UN, 1);
    u.prev_action = calloc((size_t)T * UN, sizeof(int32_t));
    u.actions = calloc((size_t)T * UN, sizeof(int32_t));
    u.logprobs = calloc((size_t)T * UN, sizeof(float));
    u.values = calloc((size_t)T * UN, sizeof(float));
    u.advantages = calloc((size_t)T * UN, sizeof(float));
    u.returns = calloc((size_t)T * UN, sizeof(float));
    u.state0 = calloc(UN * S + 1, sizeof(float));
    gather_rows(d, b->obs, u.obs, T, N, O * sizeof(float));
    gather_rows(d, b->episode_start, u.episode_start, T, N, 1);
    gather_rows(d, b->prev_action, u.prev_action, T, N, sizeof(int32_t));
    gather_rows(d, b->actions, u.actions, T, N, sizeof(int32_t));
    gather_rows(d, b->logprobs, u.logprobs, T, N, sizeof(float));
    gather_rows(d, b->values, u.values, T, N, sizeof(float));
    gather_rows(d, b->advantages, u.advantages, T, N, sizeof(float));
    gather_rows(d, b->returns, u.returns, T, N, sizeof(float));
    gather_rows(d, b->state0, u.state0, 1, N, S * sizeof(float));
    int bad = 0;
    if (r == 0) {
        Learner *ul;
        if (learner_create(&ul, p, T, (int)UN, M, 1e-5, 1, 2, NULL, 1, &err)) return 1;
        int union_envs[64], k = 0;
        for (int q = 0; q < R; q++)
            for (int j = 0; j < 3; j++) union_envs[k++] = q * N + local_envs[j];
        if (learner_gradient(ul, &u, union_envs, ppo, &ls, &finite)) return 1;
        double gmax = 0, diff = 0, diff_alone = 0;
        for (size_t i = 0; i < P; i++) {
            gmax = fmax(gmax, fabs(ul->grads[i]));
            diff = fmax(diff, fabs(avg[i] - ul->grads[i]));
            diff_alone = fmax(diff_alone, fabs(alone[i] - ul->grads[i]));
        }
        bad = !(gmax > 0) || !(diff <= 1e-5 * gmax) || !(diff_alone > 1e-2 * gmax) || !finite;
        printf("grad: %zu params over %d ranks x 3 envs x %d steps: max |g| %.4g; rank-averaged vs "
               "one process over the union: max |diff| %.3g (%.2g of max |g|); one rank's data alone "
               "differs by %.3g: %s\n", P, R, T, gmax, diff, diff / gmax, diff_alone,
               bad ? "FAILED" : "ok");
        learner_destroy(ul);
    }
    free(u.obs);
    free(u.episode_start);
    free(u.prev_action);
    free(u.actions);
    free(u.logprobs);
    free(u.values);
    free(u.advantages);
    free(u.returns);
    free(u.state0);
    free(avg);
    free(alone);
    learner_destroy(l);
    rollout_destroy(ro);
    policy_destroy(p);
    return bad;
}

/* Trains a few updates with trainer_run on every rank (check_ranks on); the ranks end with the
 * same parameters, and they are the ones rank 0 saved. */
static int worker_train(Dist *d, const char *runs_dir) {
    char rd[700];
    snprintf(rd, sizeof rd, "run.runs_dir=%s", runs_dir);
    char *sets[] = {"run.num_envs=4", "run.num_steps=32", "run.workers=2", "run.total_timesteps=1024",
                    "ppo.num_minibatches=2", "ppo.update_epochs=2", "ppo.learning_rate=0.003",
                    "env.max_steps=60", "policy.prev_action=true", "ppo.target_kl=0.5", rd};
    TrainConfig cfg;
    Err err;
    if (config_load_string(&cfg, "", 0, "test", sets, 11, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    TrainOptions opts = {.config_path = "test.yaml", .quiet = true, .dist = d, .check_ranks = true};
    TrainResult res;
    if (trainer_run(&cfg, &opts, &res, &err)) {
        fprintf(stderr, "rank %d: %s\n", dist_rank(d), err.msg);
        return 1;
    }
    int bad = dist_check_same(d, res.params_hash, "the final parameters", &err) != 0;
    if (dist_rank(d) == 0) {
        Checkpoint ck;
        TrainConfig saved;
        Policy *p = NULL;
        bad |= checkpoint_read(&ck, res.checkpoint, &err) ||
               policy_from_checkpoint(&ck, res.checkpoint, NULL, NULL, NULL, &saved, &p, &err);
        bad |= !p || fnv1a(p->params, sizeof(real) * p->n_params) != res.params_hash;
        bad |= ck.num_envs != 4 * dist_size(d) || res.global_step != 1024 || res.updates != 4;
        printf("train: %d ranks, %ld updates, %ld steps, final parameters %016llx on every rank and in "
               "%s (%d envs): %s\n", dist_size(d), res.updates, res.global_step,
               (unsigned long long)res.params_hash, res.checkpoint, ck.num_envs, bad ? "FAILED" : "ok");
        if (bad) printf("train: %s\n", err.msg);
        policy_destroy(p);
        checkpoint_free(&ck);
    }
    return bad;
}

static int worker(int argc, char **argv) {
    linalg_set_threads(1);
    Dist *d;
    Err err;
    if (dist_init(&d, &err)) {
        fprintf(stderr, "worker: %s\n", err.msg);
        return 1;
    }
    if (dist_size(d) < 2) {
        fprintf(stderr, "worker: expected to run under mpirun with 2 ranks or more, got %d\n", dist_size(d));
        return dist_finalize(d, 1);
    }
    int bad = 1;
    if (argc >= 2 && strcmp(argv[0], "all") == 0) {
        bad = worker_ops(d);
        fflush(stdout);
        bad |= worker_grad(d);
        fflush(stdout);
        bad |= worker_train(d, argv[1]);
    } else {
        fprintf(stderr, "worker: usage: test_dist --worker all RUNS_DIR (under mpirun)\n");
    }
    fflush(stdout);
    return dist_finalize(d, dist_agree(d, bad ? 1 : 0, NULL, NULL));
}

/* ---- Check cases --------------------------------------------------------------------------- */

START_TEST(a_process_not_started_by_mpirun_is_a_world_of_one) {
    Dist *d;
    Err err;
    ck_assert_msg(dist_init(&d, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(dist_rank(d), 0);
    ck_assert_int_eq(dist_size(d), 1);
    float f[2] = {1.5f, -2.0f};
    ck_assert_int_eq(dist_sum_float(d, f, 2, &err), 0);
    ck_assert(f[0] == 1.5f && f[1] == -2.0f);
    int32_t src[3] = {1, 2, 3}, dst[3] = {0};
    size_t total = 0;
    ck_assert_int_eq(dist_allgatherv(d, src, sizeof src, dst, sizeof dst, &total, &err), 0);
    ck_assert_int_eq(total, sizeof src);
    ck_assert_mem_eq(src, dst, sizeof src);
    int n_failed;
    ck_assert_int_eq(dist_agree(d, 2, &n_failed, &err), 2);
    ck_assert_int_eq(n_failed, 1);
    ck_assert_int_eq(dist_check_same(d, 7, "x", &err), 0);
    ck_assert_ptr_null(dist_error(d));
    ck_assert_int_eq(dist_finalize(d, 3), 3);
    /* NULL is the same world */
    ck_assert_int_eq(dist_size(NULL), 1);
    ck_assert_int_eq(dist_sum_double(NULL, NULL, 0, &err), 0);
}
END_TEST

/* The workers run once, in one mpirun launch (Check's parent process, before the cases that
 * read their verdicts). */
static char workers_out[1 << 16];
static int workers_rc = -1;

static void run_workers(void) {
    char dir[512] = "/tmp/ppo-test-XXXXXX", cmd[5000];
    const char *base = getenv("TMPDIR");
    if (base && *base) snprintf(dir, sizeof dir, "%s/ppo-test-XXXXXX", base);
    if (!mkdtemp(dir)) {
        snprintf(workers_out, sizeof workers_out, "cannot create %s", dir);
        return;
    }
    snprintf(cmd, sizeof cmd, MPIRUN " -np 2 %s --worker all %s", self_exe(), dir);
    workers_rc = run_env(MPI_ENV_LEAKS, cmd, RUN_SECONDS, workers_out, sizeof workers_out);
    printf("%s", workers_out);
}

/* Fails unless the workers' launch ran and printed `line` ... ": ok". */
static void worker_verdict(const char *line) {
    ck_assert_msg(workers_rc != 127 || !strstr(workers_out, "not found"),
                  "mpirun is missing: install openmpi-bin (make deps)\n%s", tail_of(workers_out));
    ck_assert_msg(workers_rc != 124, "mpirun -np 2 test_dist --worker: timed out after %d s (a rank "
                  "hung?)\n%s", RUN_SECONDS, tail_of(workers_out));
    const char *at = strstr(workers_out, line);
    ck_assert_msg(at, "no '%s' from mpirun -np 2 test_dist --worker (exit code %d):\n%s", line,
                  workers_rc, tail_of(workers_out));
    const char *eol = strchr(at, '\n');
    ck_assert_msg(eol && eol - at > 4 && strncmp(eol - 4, ": ok", 4) == 0, "%.*s", (int)(eol ? eol - at : 200), at);
    ck_assert_msg(workers_rc == 0, "mpirun -np 2 test_dist --worker: exit code %d\n%s", workers_rc,
                  tail_of(workers_out));
}

START_TEST(two_ranks_on_loopback_sum_broadcast_gather_and_agree) {
    worker_verdict("ops: 2 ranks: sums, max, bcast, gather(v), agree, check_same");
}
END_TEST

START_TEST(the_rank_averaged_gradient_equals_one_process_gradient_over_the_union) {
    worker_verdict("grad: ");
}
END_TEST

START_TEST(two_ranks_train_to_bit_identical_parameters) {
    worker_verdict("train: 2 ranks, 4 updates, 1024 steps");
}
END_TEST

/* The options of a small 2-rank CartPole run of ppo in runs_dir, without the config's
 * evaluations (a run cut short by --max-updates evaluates at its last update, which the whole run
 * does not: their progress.csv would differ there). */
static void small_run(char *buf, size_t cap, const char *runs_dir, const char *name, const char *extra) {
    snprintf(buf, cap,
             "%s train configs/cartpole.yaml --quiet --check-ranks --run-name %s --set run.runs_dir=%s "
             "--set run.num_envs=4 --set run.num_steps=32 --set run.workers=1 --set "
             "run.total_timesteps=1024 --set run.checkpoint_interval=1 --set run.stop_return=0 "
             "--set run.eval_interval=0 --set run.stop_on_eval=false %s",
             test_ppo_bin(), name, runs_dir, extra);
}

/* progress.csv without the wall-clock columns (seconds, sps). */
static void progress_without_time(const char *run_dir, char *buf, size_t cap) {
    char path[1200], line[4096];
    snprintf(path, sizeof path, "%s/progress.csv", run_dir);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no %s", path);
    size_t len = 0;
    while (fgets(line, sizeof line, f)) {
        int col = 0;
        for (char *c = line; *c && len + 1 < cap; c++) {
            if (*c == ',') col++;
            if (col != 2 && col != 3) buf[len++] = *c;
        }
    }
    buf[len] = '\0';
    fclose(f);
}

START_TEST(a_two_rank_run_resumes_bit_for_bit_and_refuses_another_rank_count) {
    char dir[512], args[4096], path[1200], cmd[4400];
    test_tmpdir(dir, sizeof dir);
    small_run(args, sizeof args, dir, "whole", "");
    mpirun2(args, 0);
    ck_assert_msg(strstr(out, "trained 1024 steps"), "%s", tail());
    small_run(args, sizeof args, dir, "part", "--max-updates 2");
    mpirun2(args, 0);
    ck_assert_msg(strstr(out, "trained 512 steps"), "%s", tail());
    /* Resuming with one process is refused with the count to use. */
    snprintf(cmd, sizeof cmd, "resume %s/part --quiet", dir);
    ck_assert_int_eq(test_run_ppo(cmd, out, sizeof out), 2);
    ck_assert_msg(strstr(out, "saved by a run of 2 ranks x 4 envs") && strstr(out, "mpirun -np 2"), "%s", tail());
    snprintf(args, sizeof args, "%s resume %s/part --quiet --check-ranks", test_ppo_bin(), dir);
    mpirun2(args, 0);
    ck_assert_msg(strstr(out, "trained 512 more steps") && strstr(out, "1024 in all"), "%s", tail());
    Checkpoint a, b;
    Err err;
    snprintf(path, sizeof path, "%s/whole/checkpoints/latest.ckpt", dir);
    ck_assert_msg(checkpoint_read(&a, path, &err) == 0, "%s", err.msg);
    snprintf(path, sizeof path, "%s/part/checkpoints/latest.ckpt", dir);
    ck_assert_msg(checkpoint_read(&b, path, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(a.num_envs, 8);
    ck_assert_int_eq(b.num_envs, 8);
    ck_assert_int_eq(a.global_step, 1024);
    ck_assert_int_eq(b.global_step, 1024);
    ck_assert_int_eq(a.n_tensors, b.n_tensors);
    for (int i = 0; i < a.n_tensors; i++)
        ck_assert_msg(memcmp(a.tensors[i].data, b.tensors[i].data, a.tensors[i].size * sizeof(float)) == 0,
                      "tensor %s differs after the resume", a.tensors[i].name);
    ck_assert_mem_eq(a.env_states, b.env_states, (size_t)a.num_envs * a.env_state_bytes);
    ck_assert_mem_eq(a.sample_rngs, b.sample_rngs, sizeof(Rng) * (size_t)a.num_envs);
    ck_assert_mem_eq(a.state, b.state, sizeof(float) * a.state_size * (size_t)a.num_envs);
    /* Rank 1's envs are not rank 0's: other streams. */
    ck_assert_msg(memcmp(a.env_states, a.env_states + 4 * a.env_state_bytes, 4 * a.env_state_bytes) != 0,
                  "rank 1's envs are in rank 0's states");
    ck_assert_msg(memcmp(a.sample_rngs, a.sample_rngs + 4, 4 * sizeof(Rng)) != 0, "rank 1 samples as rank 0");
    checkpoint_free(&a);
    checkpoint_free(&b);
    static char pw[1 << 16], pr[1 << 16];
    snprintf(path, sizeof path, "%s/whole", dir);
    progress_without_time(path, pw, sizeof pw);
    snprintf(path, sizeof path, "%s/part", dir);
    progress_without_time(path, pr, sizeof pr);
    ck_assert_str_eq(pw, pr);
    /* Only rank 0 wrote: one run folder per run. */
    snprintf(path, sizeof path, "%s/whole-2", dir);
    struct stat st;
    ck_assert_int_ne(stat(path, &st), 0);
    /* An MPI checkpoint evaluates and shows its ranks like any other. */
    snprintf(cmd, sizeof cmd, "eval %s/whole/checkpoints/latest.ckpt --episodes 5", dir);
    ck_assert_msg(test_run_ppo(cmd, out, sizeof out) == 0 && strstr(out, "return "), "%s", tail());
    snprintf(cmd, sizeof cmd, "info %s/whole/checkpoints/latest.ckpt", dir);
    ck_assert_msg(test_run_ppo(cmd, out, sizeof out) == 0 && strstr(out, "8 envs: 2 MPI ranks x 4"), "%s", tail());
}
END_TEST

/* The columns of progress.csv row `update` (1-based) of run_dir into v [cap]; returns how many. */
static int progress_row(const char *run_dir, int update, double *v, int cap) {
    char path[1200], line[4096];
    snprintf(path, sizeof path, "%s/progress.csv", run_dir);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no %s", path);
    int n = 0;
    for (int row = 0; fgets(line, sizeof line, f); row++) {
        if (row != update) continue;
        for (char *c = line; n < cap; c++) {
            v[n++] = *c == ',' || *c == '\n' ? NAN : strtod(c, &c);
            if (*c != ',') break;
        }
    }
    fclose(f);
    return n;
}

START_TEST(two_ranks_of_n_envs_train_as_one_process_of_2n_envs) {
    /* With one minibatch per epoch the shuffles cannot differ: 2 ranks x 4 envs see the same
     * envs (streams 0..7), the same data and the same minibatch as 1 process x 8 envs, and
     * differ only in float summation order. */
    char dir[512], args[4096], path[1200], one[1200];
    test_tmpdir(dir, sizeof dir);
    const char *same = "--set ppo.num_minibatches=1 --set ppo.update_epochs=1 --set run.total_timesteps=2048";
    small_run(args, sizeof args, dir, "two", same);
    mpirun2(args, 0);
    char extra[512];
    snprintf(extra, sizeof extra, "%s --set run.num_envs=8", same);
    small_run(args, sizeof args, dir, "one", extra);
    int rc = run_env("", args, RUN_SECONDS, out, sizeof out);
    ck_assert_msg(rc == 0, "%s: exit code %d\n%s", args, rc, tail());
    snprintf(path, sizeof path, "%s/two", dir);
    snprintf(one, sizeof one, "%s/one", dir);
    const char *names[] = {"update", "global_step", "seconds", "sps", "episodes", "return_mean",
                           "return_min", "return_max", "length_mean", "policy_loss", "value_loss",
                           "entropy", "approx_kl", "clipfrac", "explained_variance",
                           "learning_rate", "grad_norm", "collapse"};
    double worst = 0;
    for (int u = 1; u <= 8; u++) {
        double a[32], b[32];
        int na = progress_row(path, u, a, 32), nb = progress_row(one, u, b, 32);
        ck_assert_int_eq(na, 21); /* the last 3, eval_*, are empty without evaluations */
        ck_assert_int_eq(nb, 21);
        for (int k = 0; k < 18; k++) {
            if (k == 2 || k == 3 || k == 9 || k == 12) continue; /* clock; losses that are ~1e-10 */
            if (isnan(a[k]) && isnan(b[k])) continue;
            double rel = fabs(a[k] - b[k]) / fmax(fabs(b[k]), 1e-3);
            worst = fmax(worst, rel);
            ck_assert_msg(rel <= 1e-4, "update %d %s: 2 ranks %.9g, 1 process %.9g", u, names[k], a[k], b[k]);
        }
    }
    printf("2 ranks x 4 envs and 1 process x 8 envs: 8 updates alike, largest relative difference %.2g\n", worst);
}
END_TEST

/* The normalizations' statistics are over every rank's envs: 2 ranks x 4 envs end with the
 * statistics of 1 process x 8 envs (up to float summation order), and a 2-rank run resumed from
 * its checkpoint (each env's discounted return gathered to rank 0 and handed back) ends with the
 * uninterrupted run's statistics, bit for bit. */
START_TEST(two_ranks_normalize_over_all_envs_and_resume_the_statistics_exactly) {
    char dir[512], args[4096], path[1200], extra[512];
    test_tmpdir(dir, sizeof dir);
    const char *same = "--set env.name=pendulum --set ppo.norm_obs=true --set ppo.norm_reward=true "
                       "--set ppo.num_minibatches=1 --set ppo.update_epochs=1 --set run.total_timesteps=2048";
    small_run(args, sizeof args, dir, "two", same);
    mpirun2(args, 0);
    snprintf(extra, sizeof extra, "%s --set run.num_envs=8", same);
    small_run(args, sizeof args, dir, "one", extra);
    int rc = run_env("", args, RUN_SECONDS, out, sizeof out);
    ck_assert_msg(rc == 0, "%s: exit code %d\n%s", args, rc, tail());
    snprintf(extra, sizeof extra, "%s --max-updates 3", same);
    small_run(args, sizeof args, dir, "part", extra);
    mpirun2(args, 0);
    snprintf(args, sizeof args, "%s resume %s/part --quiet --check-ranks", test_ppo_bin(), dir);
    mpirun2(args, 0);
    Checkpoint two, one, part;
    Err err;
    snprintf(path, sizeof path, "%s/two/checkpoints/latest.ckpt", dir);
    ck_assert_msg(checkpoint_read(&two, path, &err) == 0, "%s", err.msg);
    snprintf(path, sizeof path, "%s/one/checkpoints/latest.ckpt", dir);
    ck_assert_msg(checkpoint_read(&one, path, &err) == 0, "%s", err.msg);
    snprintf(path, sizeof path, "%s/part/checkpoints/latest.ckpt", dir);
    ck_assert_msg(checkpoint_read(&part, path, &err) == 0, "%s", err.msg);
    ck_assert(two.has_norm && one.has_norm && part.has_norm);
    ck_assert_int_eq(two.num_envs, 8);
    ck_assert_double_eq(two.norm_obs_count, one.norm_obs_count); /* every env's observations */
    double worst = 0;
    for (int j = 0; j < two.obs_dim; j++) {
        worst = fmax(worst, fabs(two.norm_obs_mean[j] - one.norm_obs_mean[j]) / fmax(fabs(one.norm_obs_mean[j]), 1e-3));
        worst = fmax(worst, fabs(two.norm_obs_var[j] - one.norm_obs_var[j]) / one.norm_obs_var[j]);
    }
    worst = fmax(worst, fabs(two.norm_ret_var - one.norm_ret_var) / one.norm_ret_var);
    for (int i = 0; i < 8; i++)
        worst = fmax(worst, fabs(two.norm_returns[i] - one.norm_returns[i]) / fmax(fabs(one.norm_returns[i]), 1e-3));
    ck_assert_msg(worst <= 1e-4, "2 ranks and 1 process: normalization statistics differ by %.3g", worst);
    ck_assert_mem_eq(two.norm_obs_mean, part.norm_obs_mean, sizeof(double) * (size_t)two.obs_dim);
    ck_assert_mem_eq(two.norm_obs_var, part.norm_obs_var, sizeof(double) * (size_t)two.obs_dim);
    ck_assert_mem_eq(two.norm_returns, part.norm_returns, sizeof(double) * 8);
    ck_assert(two.norm_ret_var == part.norm_ret_var && two.norm_ret_mean == part.norm_ret_mean);
    printf("normalization over 2 ranks x 4 envs against 1 process x 8: largest relative difference %.2g\n", worst);
    checkpoint_free(&two);
    checkpoint_free(&one);
    checkpoint_free(&part);
}
END_TEST

/* The count bonus counts every rank's observations in one table, and a 2-rank run resumed from
 * its checkpoint ends with the uninterrupted run's counts and parameters, bit for bit: the file
 * holds rank 0's table and every rank loads it, so rank 1 trains on as before only if its table
 * was rank 0's. */
START_TEST(two_ranks_count_every_ranks_observations_and_resume_the_counts_exactly) {
    char dir[512], args[4096], path[1200], extra[512];
    test_tmpdir(dir, sizeof dir);
    const char *same = "--set env.name=gridworld/door-key-5x5 --set ppo.count_bonus=1 --set run.total_timesteps=2048";
    small_run(args, sizeof args, dir, "two", same);
    mpirun2(args, 0);
    snprintf(extra, sizeof extra, "%s --max-updates 3", same);
    small_run(args, sizeof args, dir, "part", extra);
    mpirun2(args, 0);
    snprintf(args, sizeof args, "%s resume %s/part --quiet --check-ranks", test_ppo_bin(), dir);
    mpirun2(args, 0);
    Checkpoint two;
    Err err;
    snprintf(path, sizeof path, "%s/two/checkpoints/latest.ckpt", dir);
    ck_assert_msg(checkpoint_read(&two, path, &err) == 0, "%s", err.msg);
    ck_assert(two.has_counts && two.version == 4);
    uint64_t steps = 0;
    for (uint64_t i = 0; i < two.n_counts; i++) steps += two.count_values[i];
    ck_assert_uint_eq(steps, 2048); /* both ranks' steps: 2 x 4 envs x 32 steps x 8 updates */
    checkpoint_free(&two);
    char other[1200];
    snprintf(path, sizeof path, "%s/two/checkpoints/latest.ckpt", dir);
    snprintf(other, sizeof other, "%s/part/checkpoints/latest.ckpt", dir);
    test_assert_same_training(path, other);
}
END_TEST

START_TEST(when_a_rank_dies_the_job_ends_and_the_last_checkpoint_loads) {
    char dir[512], args[4096], cmd[8192], path[1200], pidfile[700];
    test_tmpdir(dir, sizeof dir);
    small_run(args, sizeof args, dir, "dies", "--set run.total_timesteps=100000000");
    /* Each rank's shell writes its pid, then becomes ppo. */
    snprintf(cmd, sizeof cmd,
             MPI_ENV "timeout -k 5 %d " MPIRUN " -np 2 sh -c 'echo $$ > %s/pid.$OMPI_COMM_WORLD_RANK; exec %s' "
             "> %s/out 2>&1; echo $? > %s/rc",
             RUN_SECONDS, dir, args, dir, dir);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    snprintf(path, sizeof path, "%s/dies/checkpoints/latest.ckpt", dir);
    struct stat st;
    for (int i = 0; i < 600 && stat(path, &st) != 0; i++) usleep(100000);
    ck_assert_msg(stat(path, &st) == 0, "no checkpoint after 60 s");
    usleep(300000); /* a few more updates and checkpoints */
    snprintf(pidfile, sizeof pidfile, "%s/pid.1", dir);
    FILE *f = fopen(pidfile, "r");
    ck_assert_msg(f != NULL, "no %s", pidfile);
    int pid = 0;
    ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
    fclose(f);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    snprintf(path, sizeof path, "%s/rc", dir);
    f = fopen(path, "r");
    int rc = -1;
    ck_assert(f && fscanf(f, "%d", &rc) == 1);
    fclose(f);
    snprintf(path, sizeof path, "cat %s/out", dir);
    run(path, 10);
    ck_assert_msg(rc != 124 && rc != 0, "mpirun exit code %d after rank 1 was killed\n%s", rc, tail());
    ck_assert_msg(strstr(out, "rank 1") && strstr(out, "signal 9"), "%s", tail());
    printf("rank 1 killed: mpirun exited with %d:\n%s", rc, out);
    Checkpoint ck;
    Err err;
    snprintf(path, sizeof path, "%s/dies/checkpoints/latest.ckpt", dir);
    ck_assert_msg(checkpoint_read(&ck, path, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(ck.num_envs, 8);
    ck_assert_int_ge(ck.update, 1);
    checkpoint_free(&ck);
    snprintf(args, sizeof args, "%s resume %s/dies --quiet --max-updates 1", test_ppo_bin(), dir);
    mpirun2(args, 0);
}
END_TEST

START_TEST(under_mpirun_a_bad_config_is_reported_once_and_the_status_is_plain_lines) {
    char dir[512], args[4096];
    test_tmpdir(dir, sizeof dir);
    snprintf(args, sizeof args, "%s train configs/cartpole.yaml --set ppo.clip_coef=big", test_ppo_bin());
    mpirun2(args, 2);
    int n = 0;
    for (const char *p = out; (p = strstr(p, "ppo.clip_coef: 'big' is not a number")); p++) n++;
    ck_assert_msg(n == 1, "the config error is printed %d times\n%s", n, tail());
    /* the status of a run under mpirun (whose ranks may write to a pseudo-terminal) */
    small_run(args, sizeof args, dir, "plain", "--max-updates 2");
    char *quiet = strstr(args, " --quiet");
    memmove(quiet, quiet + 8, strlen(quiet + 8) + 1);
    mpirun2(args, 0);
    ck_assert_msg(strstr(out, "update 2/4") && !strchr(out, '\033'), "%s", tail());
}
END_TEST

/* A small sweep file into path: CartPole with the GLA and the MLP, seeds 1-2, one run at a time. */
static void small_sweep(const char *path, const char *outdir) {
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fprintf(f, "out: %s\nconfigs: [configs/cartpole.yaml, configs/cartpole-mlp.yaml]\nseeds: [1, 2]\njobs: 1\n"
               "set: {run.total_timesteps: 8192, run.stop_return: 0}\neval: {episodes: 5, checkpoints: final}\n"
               "tasks: {cartpole: {random: 22, max: 500}}\nreport: {bootstrap: 200}\n", outdir);
    fclose(f);
}

/* The file at path without the columns named seconds or sps (times), into buf [cap]. */
static void csv_without_time(const char *path, char *buf, size_t cap) {
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no %s", path);
    char line[8192];
    bool drop[64] = {false};
    size_t len = 0;
    for (int row = 0; fgets(line, sizeof line, f); row++) {
        int col = 0;
        for (char *c = line, *start = line; *c; c++) {
            if (*c != ',' && *c != '\n') continue;
            char field[256];
            snprintf(field, sizeof field, "%.*s", (int)(c - start), start);
            if (row == 0 && col < 64) drop[col] = strstr(field, "seconds") || strstr(field, "sps");
            if (!(col < 64 && drop[col]) && len < cap)
                len += (size_t)snprintf(buf + len, cap - len, "%s%c", field, *c);
            start = c + 1;
            col++;
        }
    }
    fclose(f);
}

/* The pid in the first "== ppo sweep (process PID)" line of a run's log. */
static long sweep_pid_of(const char *outdir, const char *run) {
    char path[1200], line[4096];
    snprintf(path, sizeof path, "%s/logs/%s.log", outdir, run);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no %s", path);
    long pid = -1;
    while (pid < 0 && fgets(line, sizeof line, f)) sscanf(line, "== ppo sweep (process %ld)", &pid);
    fclose(f);
    return pid;
}

START_TEST(two_ranks_share_a_sweep_and_report_as_one_process_does) {
    char dir[512], one[700], two[700], file[800], args[2048], a[1200], b[1200];
    static char ta[1 << 15], tb[1 << 15];
    test_tmpdir(dir, sizeof dir);
    snprintf(one, sizeof one, "%s/one", dir);
    snprintf(two, sizeof two, "%s/two", dir);
    snprintf(file, sizeof file, "%s/one.yaml", dir);
    small_sweep(file, one);
    snprintf(args, sizeof args, "sweep %s --quiet", file);
    ck_assert_msg(test_run_ppo(args, out, sizeof out) == 0, "%s", tail());
    snprintf(file, sizeof file, "%s/two.yaml", dir);
    small_sweep(file, two);
    snprintf(args, sizeof args, "%s sweep %s", test_ppo_bin(), file);
    mpirun2(args, 0);
    ck_assert_msg(strstr(out, "4 runs (2 configs x 1 variant x 2 seeds), 1 at a time on each of 2 ranks"), "%s", tail());
    ck_assert_msg(strstr(out, "sweep: 4/4 done, 0 running, 0 failed") && !strchr(out, '\033'), "%s", tail());
    const char *files[] = {"runs.csv", "summary.csv", "aggregates.csv"};
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "%s/%s", one, files[i]);
        snprintf(b, sizeof b, "%s/%s", two, files[i]);
        csv_without_time(a, ta, sizeof ta);
        csv_without_time(b, tb, sizeof tb);
        ck_assert_msg(strcmp(ta, tb) == 0, "%s of 2 ranks:\n%s\nof one process:\n%s", files[i], tb, ta);
    }
    /* Run r is rank r % 2's: runs 0 and 2 one sweep process's, runs 1 and 3 the other's. */
    const long p0 = sweep_pid_of(two, "cartpole__s1"), p1 = sweep_pid_of(two, "cartpole__s2");
    ck_assert_msg(p0 > 0 && p1 > 0 && p0 != p1, "runs 0 and 1 started by processes %ld and %ld", p0, p1);
    ck_assert_int_eq(sweep_pid_of(two, "cartpole-mlp__s1"), p0);
    ck_assert_int_eq(sweep_pid_of(two, "cartpole-mlp__s2"), p1);
}
END_TEST

static Suite *dist_suite(void) {
    linalg_set_threads(1);
    Suite *s = suite_create("dist");
    TCase *tc = test_case("one process");
    tcase_add_test(tc, a_process_not_started_by_mpirun_is_a_world_of_one);
    suite_add_tcase(s, tc);
    if (!dist_available()) {
        printf("dist: built without MPI (make MPI=0, or no libopenmpi-dev): the mpirun cases are not run\n");
        return s;
    }
    tc = test_case("mpirun workers");
    tcase_add_unchecked_fixture(tc, run_workers, NULL);
    tcase_add_test(tc, two_ranks_on_loopback_sum_broadcast_gather_and_agree);
    tcase_add_test(tc, the_rank_averaged_gradient_equals_one_process_gradient_over_the_union);
    tcase_add_test(tc, two_ranks_train_to_bit_identical_parameters);
    suite_add_tcase(s, tc);
    tc = test_case("mpirun ppo");
    tcase_set_timeout(tc, RUN_SECONDS * 3);
    tcase_add_test(tc, a_two_rank_run_resumes_bit_for_bit_and_refuses_another_rank_count);
    tcase_add_test(tc, two_ranks_of_n_envs_train_as_one_process_of_2n_envs);
    tcase_add_test(tc, two_ranks_normalize_over_all_envs_and_resume_the_statistics_exactly);
    tcase_add_test(tc, two_ranks_count_every_ranks_observations_and_resume_the_counts_exactly);
    tcase_add_test(tc, when_a_rank_dies_the_job_ends_and_the_last_checkpoint_loads);
    tcase_add_test(tc, under_mpirun_a_bad_config_is_reported_once_and_the_status_is_plain_lines);
    tcase_add_test(tc, two_ranks_share_a_sweep_and_report_as_one_process_does);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--worker") == 0) return worker(argc - 2, argv + 2);
    return test_run_suite(dist_suite());
}
