/* bench.c: `make bench`, the speed figures of ppo. Each line prints what was measured, on how
 * many threads, and the figure; targets are in the issue tracker and README, not asserted here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cblas.h>

#include "core/clock.h"
#include "core/pool.h"
#include "core/rng.h"
#include "envs/vecenv.h"
#include "policies/linalg.h"
#include "policies/policy.h"
#include "policies/policy_impl.h"
#include "run/config.h"
#include "run/trainer.h"


/* One step of v with row r of the random actions: discrete ones (int32) or, for a continuous
 * env, torques and forces uniform over its box (float, action_dim per env). */
static void step_random(VecEnv *v, const int32_t *actions, const float *box, float *obs, float *reward,
                        uint8_t *term, uint8_t *trunc, float *final_obs) {
    if (v->action_dim > 0) vecenv_step_box(v, box, obs, reward, term, trunc, final_obs);
    else vecenv_step(v, actions, obs, reward, term, trunc, final_obs);
}

/* Uniform random actions [rows, n] for v into actions (discrete) or box [rows, n, action_dim]
 * (continuous, over env 0's box). */
static void random_actions(const VecEnv *v, Rng *rng, int rows, int32_t *actions, float *box) {
    const Env *e = v->envs[0];
    for (long i = 0; i < (long)rows * v->n; i++) {
        if (v->action_dim == 0) {
            actions[i] = (int32_t)rng_below(rng, (uint32_t)v->n_actions);
            continue;
        }
        for (int j = 0; j < v->action_dim; j++)
            box[i * v->action_dim + j] =
                e->action_low[j] + (e->action_high[j] - e->action_low[j]) * (float)rng_double(rng);
    }
}

/* Steps n envs of `name` with random actions taken from a precomputed buffer, autoreset
 * included, for about `seconds`; prints env steps per second (best of 3 rounds). */
static int bench_env(const char *name, int n, double seconds) {
    EnvConfig cfg = {0};
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    VecEnv *v;
    Err err;
    if (vecenv_create(&v, &cfg, n, 1, 0, 1 << 20, &err) != 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    enum { ACTION_ROWS = 1024 };
    int d = v->obs_dim;
    float *obs = malloc(sizeof(float) * (size_t)n * d), *final_obs = malloc(sizeof(float) * (size_t)n * d);
    float *reward = malloc(sizeof(float) * (size_t)n);
    uint8_t *term = malloc((size_t)n), *trunc = malloc((size_t)n);
    int32_t *actions = malloc(sizeof(int32_t) * (size_t)n * ACTION_ROWS);
    float *box = malloc(sizeof(float) * (size_t)n * ACTION_ROWS * (v->action_dim > 0 ? v->action_dim : 1));
    Rng rng;
    rng_seed(&rng, 2, 0);
    random_actions(v, &rng, ACTION_ROWS, actions, box);
    vecenv_reset(v, obs);
    double best = 0.0;
    for (int round = 0; round < 3; round++) {
        long steps = 0;
        double t0 = clock_seconds(), t1 = t0;
        while (t1 - t0 < seconds / 3) {
            for (int r = 0; r < ACTION_ROWS; r++)
                step_random(v, actions + (size_t)r * n, box + (size_t)r * n * (v->action_dim > 0 ? v->action_dim : 1),
                            obs, reward, term, trunc, final_obs);
            steps += (long)n * ACTION_ROWS;
            v->log_len = 0; /* the benchmark does not read the episode log */
            t1 = clock_seconds();
        }
        double sps = (double)steps / (t1 - t0);
        if (sps > best) best = sps;
    }
    printf("env %-42s N=%-3d 1 thread: %8.2f M steps/s (random actions, autoreset included)\n",
           name, n, best / 1e6);
    free(obs);
    free(final_obs);
    free(reward);
    free(term);
    free(trunc);
    free(actions);
    free(box);
    vecenv_destroy(v);
    return 0;
}

/* OpenBLAS sgemm on one thread, C [n, n] = A [n, n] B [n, n] (row-major, no transposes), for
 * about `seconds`: best-of-rounds GFLOP/s at 2 n^3 FLOP per product. */
static double bench_sgemm(int n, double seconds) {
    float *a = malloc(sizeof(float) * (size_t)n * n), *b = malloc(sizeof(float) * (size_t)n * n);
    float *c = malloc(sizeof(float) * (size_t)n * n);
    Rng rng;
    rng_seed(&rng, 3, 0);
    for (long i = 0; i < (long)n * n; i++) a[i] = rng_float(&rng), b[i] = rng_float(&rng), c[i] = 0;
    double best = 0;
    for (int round = 0; round < 3; round++) {
        long reps = 0;
        double t0 = clock_seconds(), t1 = t0;
        while (t1 - t0 < seconds / 3) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            reps++;
            t1 = clock_seconds();
        }
        double gf = 2.0 * n * n * n * reps / (t1 - t0) / 1e9;
        if (gf > best) best = gf;
    }
    printf("sgemm %dx%dx%d (OpenBLAS, %s kernels, 1 thread): %8.2f GFLOP/s\n", n, n, n,
           linalg_blas_core(), best);
    free(a);
    free(b);
    free(c);
    return best;
}

/* The policy of cfg for O inputs and A actions, initialized from a fixed seed. */
static Policy *bench_policy_cfg(const PolicyConfig *cfg, int O, int A) {
    Policy *p;
    Err err;
    if (policy_create(&p, cfg, O, A, &err) != 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return NULL;
    }
    Rng rng;
    rng_seed(&rng, 1, 0);
    policy_init(p, &rng);
    return p;
}

/* The default policy of `kind` for CartPole (O = 4, A = 2), initialized from a fixed seed. */
static Policy *bench_policy(const char *kind, int O, int A) {
    PolicyConfig cfg;
    policy_config_defaults(&cfg);
    snprintf(cfg.kind, sizeof cfg.kind, "%s", kind);
    return bench_policy_cfg(&cfg, O, A);
}

/* policy_step on B envs with random obs (one env in 50 starting an episode), for about
 * `seconds`: best-of-rounds env steps (samples) per second. */
static int bench_step(const char *kind, int B, double seconds) {
    const int O = 4, A = 2;
    Policy *p = bench_policy(kind, O, A);
    if (!p) return -1;
    PolicyWork *w = policy_work_create(p, 1, B);
    enum { ROWS = 64 };
    real *obs = malloc(sizeof(real) * (size_t)ROWS * B * O), *state = calloc(p->state_size * B + 1, sizeof(real));
    real *logits = malloc(sizeof(real) * (size_t)B * A), *value = malloc(sizeof(real) * (size_t)B);
    uint8_t *start = malloc((size_t)ROWS * B);
    int32_t *prev = malloc(sizeof(int32_t) * (size_t)ROWS * B);
    Rng rng;
    rng_seed(&rng, 4, 0);
    for (long i = 0; i < (long)ROWS * B * O; i++) obs[i] = (real)rng_normal(&rng);
    for (long i = 0; i < (long)ROWS * B; i++) start[i] = rng_below(&rng, 50) == 0, prev[i] = (int32_t)rng_below(&rng, A);
    double best = 0;
    for (int round = 0; round < 3; round++) {
        long steps = 0;
        double t0 = clock_seconds(), t1 = t0;
        while (t1 - t0 < seconds / 3) {
            for (int r = 0; r < ROWS; r++)
                policy_step(p, w, B, state, obs + (size_t)r * B * O, start + (size_t)r * B,
                            prev + (size_t)r * B, logits, value);
            steps += (long)ROWS * B;
            t1 = clock_seconds();
        }
        double sps = steps / (t1 - t0);
        if (sps > best) best = sps;
    }
    printf("policy %-4s step           B=%-3d      1 thread: %8.3f M samples/s (%.2f us per call)\n",
           kind, B, best / 1e6, 1e6 * B / best);
    free(obs);
    free(state);
    free(logits);
    free(value);
    free(start);
    free(prev);
    policy_work_destroy(w);
    policy_destroy(p);
    return 0;
}

/* policy_forward_sequence + policy_backward_sequence on [T, B] for about `seconds`: samples/s
 * and achieved GFLOP/s (policy_flops: the implementation's documented count), also as a share
 * of the sgemm figure. */
static int bench_train(const char *kind, int T, int B, double seconds, double sgemm_gflops) {
    const int O = 4, A = 2;
    Policy *p = bench_policy(kind, O, A);
    if (!p) return -1;
    PolicyWork *w = policy_work_create(p, T, B);
    size_t N = (size_t)T * B;
    real *obs = malloc(sizeof(real) * N * O), *state0 = calloc(p->state_size * B + 1, sizeof(real));
    real *logits = malloc(sizeof(real) * N * A), *value = malloc(sizeof(real) * N);
    real *grads = calloc(p->n_params, sizeof(real));
    uint8_t *start = malloc(N);
    int32_t *prev = malloc(sizeof(int32_t) * N);
    Rng rng;
    rng_seed(&rng, 5, 0);
    for (size_t i = 0; i < N * O; i++) obs[i] = (real)rng_normal(&rng);
    for (size_t i = 0; i < N; i++) start[i] = rng_below(&rng, 50) == 0, prev[i] = (int32_t)rng_below(&rng, A);
    double best = 0;
    for (int round = 0; round < 3; round++) {
        long reps = 0;
        double t0 = clock_seconds(), t1 = t0;
        while (t1 - t0 < seconds / 3) {
            policy_forward_sequence(p, w, T, B, state0, obs, start, prev, logits, value, NULL);
            /* dlogits, dvalue: the outputs themselves (any gradient costs the same) */
            policy_backward_sequence(p, w, logits, value, grads);
            reps++;
            t1 = clock_seconds();
        }
        double sps = (double)reps * N / (t1 - t0);
        if (sps > best) best = sps;
    }
    double f, b;
    policy_flops(p, &f, &b);
    double gf = best * (f + b) / 1e9;
    printf("policy %-4s forward+backward T=%d B=%d 1 thread: %8.3f M samples/s, %6.2f GFLOP/s "
           "(%.1f kFLOP/sample) = %.0f%% of sgemm\n",
           kind, T, B, best / 1e6, gf, (f + b) / 1e3, 100 * gf / sgemm_gflops);
    free(obs);
    free(state0);
    free(logits);
    free(value);
    free(grads);
    free(start);
    free(prev);
    policy_work_destroy(w);
    policy_destroy(p);
    return 0;
}

/* Microseconds per sample of policy_forward_sequence + policy_backward_sequence of p on [T, B]
 * (random obs, one env in 50 starting an episode): the best of up to 3 rounds of about
 * `seconds` each, at least one call per round, no round begun after `cap` seconds in all (a
 * call on a long sequence of a wide policy takes seconds); -1 when the workspace cannot be
 * allocated. */
static double train_us_per_sample(const Policy *p, int T, int B, double seconds, double cap) {
    const int O = p->obs_dim, A = p->n_actions;
    PolicyWork *w = policy_work_create(p, T, B);
    if (!w) return -1;
    size_t N = (size_t)T * B;
    real *obs = malloc(sizeof(real) * N * O), *state0 = calloc(p->state_size * B + 1, sizeof(real));
    real *logits = malloc(sizeof(real) * N * A), *value = malloc(sizeof(real) * N);
    real *grads = calloc(p->n_params, sizeof(real));
    uint8_t *start = malloc(N);
    int32_t *prev = malloc(sizeof(int32_t) * N);
    Rng rng;
    rng_seed(&rng, 6, 0);
    for (size_t i = 0; i < N * O; i++) obs[i] = (real)rng_normal(&rng);
    for (size_t i = 0; i < N; i++)
        start[i] = rng_below(&rng, 50) == 0, prev[i] = (int32_t)rng_below(&rng, A);
    /* one untimed call first: it touches the workspace's pages for the first time (page faults,
     * zeroing by the kernel), which at T >= 512 cost more than the call's arithmetic and made the
     * one-call rounds of long sequences read 4x slower per sample than short ones */
    policy_forward_sequence(p, w, T, B, state0, obs, start, prev, logits, value, NULL);
    policy_backward_sequence(p, w, logits, value, grads);
    double best = -1, begin = clock_seconds();
    for (int round = 0; round < 3 && (round == 0 || clock_seconds() - begin < cap); round++) {
        long reps = 0;
        double t0 = clock_seconds(), t1 = t0;
        while (reps == 0 || t1 - t0 < seconds) {
            policy_forward_sequence(p, w, T, B, state0, obs, start, prev, logits, value, NULL);
            policy_backward_sequence(p, w, logits, value, grads);
            reps++;
            t1 = clock_seconds();
        }
        double us = 1e6 * (t1 - t0) / ((double)reps * N);
        if (best < 0 || us < best) best = us;
    }
    free(obs);
    free(state0);
    free(logits);
    free(value);
    free(grads);
    free(start);
    free(prev);
    policy_work_destroy(w);
    return best;
}

/* The learner's GLA step by step (policy.chunk 0) against chunks of 16, by width and sequence
 * length: one line per d_model D (2 heads, expand_k 0.5, expand_v 1: Kh x Vh = D/4 x D/2 per
 * head; the other keys at their defaults, CartPole's O = 4, A = 2), B = 16 envs, microseconds
 * per sample of forward + backward for each T, chunk 0 | chunk 16. The calls at D 256 and T
 * 1024 take seconds each, so the table takes ~20 s whatever `seconds` (the rest scales). */
static int bench_chunk_table(double seconds) {
    const int Ds[] = {32, 64, 128, 256}, Ts[] = {32, 128, 512, 1024}, chunks[2] = {0, 16}, B = 16;
    const int nD = (int)(sizeof Ds / sizeof *Ds), nT = (int)(sizeof Ts / sizeof *Ts);
    /* a round's share of `seconds`, by its work (~ D^2 per sample) */
    double unit = seconds / (2 * 3 * nT * (1.0 + 2 + 4 + 8));
    printf("policy gla  forward+backward B=%d 1 thread: us per sample, chunk %d | chunk %d\n", B,
           chunks[0], chunks[1]);
    printf("  d_model  Kh x Vh ");
    for (int t = 0; t < nT; t++) printf("   T=%-4d        ", Ts[t]);
    printf("\n");
    for (int d = 0; d < nD; d++) {
        printf("  %-7d %3d x %-4d", Ds[d], Ds[d] / 4, Ds[d] / 2);
        for (int t = 0; t < nT; t++) {
            double us[2];
            for (int c = 0; c < 2; c++) {
                PolicyConfig cfg;
                policy_config_defaults(&cfg);
                cfg.d_model = Ds[d];
                cfg.chunk = chunks[c];
                Policy *p = bench_policy_cfg(&cfg, 4, 2);
                if (!p) return -1;
                us[c] = train_us_per_sample(p, Ts[t], B, unit * (1 << d), 0.5);
                policy_destroy(p);
            }
            printf("  %6.2f | %-7.2f", us[0], us[1]);
            fflush(stdout);
        }
        printf("\n");
    }
    return 0;
}

/* Microseconds per sample of policy_step of p on B envs (random obs, one env in 50 starting an
 * episode): the best of 3 rounds of about `seconds` each. */
static double step_us_per_sample(const Policy *p, int B, double seconds) {
    const int O = p->obs_dim, A = p->n_actions;
    enum { ROWS = 16 };
    PolicyWork *w = policy_work_create(p, 1, B);
    if (!w) return -1;
    real *obs = malloc(sizeof(real) * ROWS * B * O), *state = calloc(p->state_size * B + 1, sizeof(real));
    real *logits = malloc(sizeof(real) * (size_t)B * A), *value = malloc(sizeof(real) * (size_t)B);
    uint8_t *start = malloc((size_t)ROWS * B);
    int32_t *prev = malloc(sizeof(int32_t) * ROWS * B);
    Rng rng;
    rng_seed(&rng, 7, 0);
    for (long i = 0; i < (long)ROWS * B * O; i++) obs[i] = (real)rng_normal(&rng);
    for (long i = 0; i < (long)ROWS * B; i++) start[i] = rng_below(&rng, 50) == 0, prev[i] = (int32_t)rng_below(&rng, A);
    double best = -1;
    for (int round = 0; round < 3; round++) {
        long calls = 0;
        double t0 = clock_seconds(), t1 = t0;
        while (calls == 0 || t1 - t0 < seconds) {
            for (int r = 0; r < ROWS; r++)
                policy_step(p, w, B, state, obs + (size_t)r * B * O, start + (size_t)r * B,
                            prev + (size_t)r * B, logits, value);
            calls += ROWS;
            t1 = clock_seconds();
        }
        double us = 1e6 * (t1 - t0) / ((double)calls * B);
        if (best < 0 || us < best) best = us;
    }
    free(obs);
    free(state);
    free(logits);
    free(value);
    free(start);
    free(prev);
    policy_work_destroy(w);
    return best;
}

/* The four policy kinds at the same widths (gla: d_model, its other keys at their defaults;
 * mlp, lstm, gru: hidden), CartPole's O = 4 and A = 2, the previous action and the start flag
 * fed to the recurrent ones: per kind and width, policy_step on B = 64 envs, and forward +
 * backward over T = 64 steps of B = 16 envs (a learner's minibatch), each in thousands of
 * samples (env steps) per second, GFLOP/s by policy_flops (the forward's count for a step) and
 * as a share of sgemm_gflops (the 1-thread sgemm figure). Each measurement's rounds last
 * `unit` seconds times width / 64: about 135 * `unit` seconds in all (10 s in make bench). */
static int bench_kinds_by_width(double unit, double sgemm_gflops) {
    const int widths[] = {32, 64, 128, 256}, T = 64, B = 16, BS = 64;
    const char *kinds[] = {"gla", "mlp", "lstm", "gru"};
    printf("policy kinds by width, 1 thread: step B=%d | forward+backward T=%d B=%d\n", BS, T, B);
    printf("                        ------------ step ------------   ---------- fwd+bwd -----------\n");
    printf("  kind  width   params  k samples/s  GFLOP/s  of sgemm   k samples/s  GFLOP/s  of sgemm\n");
    for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
        for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
            PolicyConfig cfg;
            policy_config_defaults(&cfg);
            snprintf(cfg.kind, sizeof cfg.kind, "%s", kinds[k]);
            if (k == 0) cfg.d_model = widths[wi];
            else cfg.hidden = widths[wi];
            cfg.prev_action = cfg.start_flag = k != 1;
            Policy *p = bench_policy_cfg(&cfg, 4, 2);
            if (!p) return -1;
            double f, b, share = unit * widths[wi] / 64.0; /* ~ the work per sample */
            policy_flops(p, &f, &b);
            double step = step_us_per_sample(p, BS, share / 2);
            double train = train_us_per_sample(p, T, B, share, 4 * share);
            if (step < 0 || train < 0) return -1;
            double gf_step = f / step / 1e3, gf = (f + b) / train / 1e3;
            printf("  %-5s %5d %8zu  %11.1f  %7.2f  %7.0f%%   %11.1f  %7.2f  %7.0f%%\n", kinds[k],
                   widths[wi], p->n_params, 1e3 / step, gf_step, 100 * gf_step / sgemm_gflops,
                   1e3 / train, gf, 100 * gf / sgemm_gflops);
            fflush(stdout);
            policy_destroy(p);
        }
    return 0;
}

/* A sanity figure, not a speed: the mean return of a uniformly random policy over `episodes`
 * episodes of `name` (64 envs, seed 123, actions drawn afresh every step). */
static int random_policy_return(const char *name, int episodes) {
    EnvConfig cfg = {0};
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    enum { N = 64 };
    VecEnv *v;
    Err err;
    if (vecenv_create(&v, &cfg, N, 123, 0, 1 << 16, &err) != 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    int d = v->obs_dim;
    float *obs = malloc(sizeof(float) * N * d), *final_obs = malloc(sizeof(float) * N * d), reward[N];
    uint8_t term[N], trunc[N];
    int32_t actions[N];
    float box[N * ENV_MAX_ACTION_DIM];
    Episode done[1 << 10];
    Rng rng;
    rng_seed(&rng, 123, 1u << 20);
    vecenv_reset(v, obs);
    double sum = 0, sum2 = 0, length = 0;
    long n = 0, ended_positive = 0;
    while (n < episodes) {
        random_actions(v, &rng, 1, actions, box);
        step_random(v, actions, box, obs, reward, term, trunc, final_obs);
        int k = vecenv_drain_episodes(v, done, 1 << 10);
        for (int i = 0; i < k && n < episodes; i++, n++) {
            sum += done[i].ret;
            sum2 += (double)done[i].ret * done[i].ret;
            length += done[i].length;
            ended_positive += done[i].ret > 0;
        }
    }
    double mean = sum / n, se = sqrt(fmax(sum2 / n - mean * mean, 0.0) / (n - 1));
    printf("random policy %-42s %ld episodes: mean return %+.4f +- %.4f (s.e.), mean length %.1f, %.1f%% with a "
           "positive return\n", name, n, mean, se, length / n, 100.0 * ended_positive / n);
    free(obs);
    free(final_obs);
    vecenv_destroy(v);
    return 0;
}

/* The memory tasks, every MiniGrid Memory level and popgym env (envs/popgym/popgym.h): its speed
 * (N = 64 on one thread, a sixth of `seconds` each), then a random policy's mean return over
 * 10,000 episodes (popgym's on POPGym's scale). */
static int bench_popgym(double seconds) {
    const char *names[256];
    int n = env_names(names, 256), rc = 0;
    if (n > 256) n = 256;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++)
            if (strncmp(names[i], "popgym/", 7) == 0 || strncmp(names[i], "gridworld/memory-", 17) == 0)
                rc |= pass == 0 ? bench_env(names[i], 64, seconds / 6) : random_policy_return(names[i], 10000);
    return rc;
}

/* One worker's share of the all-core sgemm figure. */
typedef struct SgemmJob {
    double seconds;
    double gflops[256];
} SgemmJob;

static void sgemm_job(void *ctx, int i) {
    SgemmJob *j = ctx;
    enum { n = 512 };
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
    for (long k = 0; k < (long)n * n; k++) a[k] = 1e-3f * (float)(k % 7), b[k] = 1e-3f * (float)(k % 5), c[k] = 0;
    long reps = 0;
    double t0 = clock_seconds(), t1 = t0;
    while (t1 - t0 < j->seconds) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        reps++;
        t1 = clock_seconds();
    }
    j->gflops[i] = 2.0 * n * n * n * reps / (t1 - t0) / 1e9;
    free(a);
    free(b);
    free(c);
}

static int online_cores(void) {
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 1 ? 1 : cores > 256 ? 256 : cores;
}

/* This machine's sgemm peak on `cores` cores: one single-threaded 512^3 sgemm loop on each at
 * once (the pool's workers), the GFLOP/s summed. */
static double bench_sgemm_all(double seconds, int cores) {
    if (cores > 256) cores = 256;
    Pool *pool;
    Err err;
    if (pool_create(&pool, cores, &err)) return 0;
    SgemmJob job = {.seconds = seconds};
    pool_run(pool, sgemm_job, &job);
    pool_destroy(pool);
    double sum = 0;
    for (int i = 0; i < cores; i++) sum += job.gflops[i];
    printf("sgemm 512x512x512 (OpenBLAS), %d cores at once: %8.2f GFLOP/s\n", cores, sum);
    return sum;
}

/* End to end: `ppo train CONFIG` for `updates` updates (with the overrides sets [n], no stop and
 * no checkpoint but the last), in a temporary folder; prints the FLOPs per env step (the
 * rollout's forward plus update_epochs forward+backward, policy_flops), the FLOP-bound limit of
 * env steps/s (sgemm peak / FLOPs per step) on the config's worker threads, the measured env
 * steps/s and their ratio. peak: the all-core sgemm GFLOP/s, which is the workers' peak when
 * the config has a worker per core; with fewer workers their own peak is measured. */
static int bench_end_to_end(const char *config, char **sets, int n, long updates, double peak,
                            double seconds) {
    char dir[] = "/tmp/ppo-bench-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    char *all[32], runs_dir[64];
    snprintf(runs_dir, sizeof runs_dir, "run.runs_dir=%s", dir);
    int k = 0;
    for (int i = 0; i < n && k < 26; i++) all[k++] = sets[i];
    all[k++] = runs_dir;
    all[k++] = "run.stop_return=0";
    all[k++] = "run.checkpoint_interval=0";
    all[k++] = "run.eval_interval=0"; /* training alone: the config's evaluations are off */
    all[k++] = "run.stop_on_eval=false";
    TrainConfig cfg;
    Err err;
    if (config_load(&cfg, config, all, k, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    cfg.run.total_timesteps = (long)cfg.run.num_envs * cfg.run.num_steps * (updates + 1);
    Policy *p;
    if (policy_for_config(&p, &cfg, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    double f, b;
    policy_flops(p, &f, &b);
    policy_destroy(p);
    const double per_step = f + cfg.ppo.update_epochs * (f + b);
    if (cfg.run.workers < online_cores()) peak = bench_sgemm_all(seconds, cfg.run.workers);
    TrainOptions opts = {.config_path = config, .quiet = true, .max_updates = updates};
    TrainResult res;
    int rc = trainer_run(&cfg, &opts, &res, &err);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench: could not remove %s\n", dir);
    if (rc) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    const double sps = res.steps / res.seconds, limit = peak / per_step * 1e9;
    printf("end to end %s (%s%s, %d workers): %.1f kFLOP per env step (forward + %d x forward+backward); "
           "FLOP-bound limit on %d cores %.0f k steps/s; measured %.0f k steps/s = %.0f%% of the limit\n",
           config, cfg.policy.kind, n ? " with --set" : "", cfg.run.workers, per_step / 1e3,
           cfg.ppo.update_epochs, cfg.run.workers, limit / 1e3, sps / 1e3, 100 * sps / limit);
    for (int i = 0; i < n; i++) printf("    --set %s\n", sets[i]);
    return 0;
}

/* The end-to-end section: the default CartPole config, and the same with a wide GLA. */
static int bench_end_to_end_all(double seconds) {
    double peak = bench_sgemm_all(seconds / 3, online_cores());
    int rc = bench_end_to_end("configs/cartpole.yaml", NULL, 0, 300, peak, seconds / 3);
    char *wide[] = {"policy.d_model=128", "policy.mlp_ratio=4", "run.num_envs=32", "run.num_steps=32"};
    rc |= bench_end_to_end("configs/cartpole.yaml", wide, 4, 40, peak, seconds / 3);
    return rc;
}

/* Peak memory of the default run: `./ppo train configs/cartpole.yaml` as it ships (its
 * evaluations and checkpoints included, into a temporary runs folder) in a child process, and
 * the child's largest resident set size (wait4's rusage, ru_maxrss in KiB on Linux), in MB.
 * The child's figure counts the pages it shared with this process between fork and exec, so
 * it is measured first, while this process is small; its own size then is printed beside. */
static int bench_peak_memory(void) {
    char dir[] = "/tmp/ppo-bench-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    char runs_dir[64];
    snprintf(runs_dir, sizeof runs_dir, "run.runs_dir=%s", dir);
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    fflush(stdout); /* else the child's freopen writes the buffered lines a second time */
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(127);
        execl("./ppo", "ppo", "train", "configs/cartpole.yaml", "--quiet", "--set", runs_dir, (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    pid_t got = wait4(pid, &status, 0, &ru);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench: could not remove %s\n", dir);
    if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: ./ppo train configs/cartpole.yaml failed (run make bench from the checkout)\n");
        return -1;
    }
    printf("peak memory of ./ppo train configs/cartpole.yaml (the whole run, largest resident set): %.1f MB "
           "(this process at the fork, a floor of the figure: %.1f MB)\n",
           ru.ru_maxrss * 1024.0 / 1e6, self.ru_maxrss * 1024.0 / 1e6);
    return 0;
}

/* Usage: bench [SECONDS [end-to-end | memory | kinds | sequence]]: every section, each measured
 * for about SECONDS (default 3), or only the end-to-end section (after the default run's peak
 * memory), or only the memory tasks' (bench_popgym), or only the policy kinds by width
 * (bench_kinds_by_width), or only the GLA's cost by width and sequence length
 * (bench_chunk_table). */
int main(int argc, char **argv) {
    linalg_choose_blas_core(argv); /* the kernels ppo runs with (cli/main.c) */
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    if (seconds <= 0) seconds = 3.0;
    linalg_set_threads(1);
    linalg_flush_denormals(); /* as ppo train, eval and watch run */
    int rc = 0;
    if (argc > 2 && strcmp(argv[2], "kinds") == 0)
        return bench_kinds_by_width(seconds / 40, bench_sgemm(512, seconds / 3)) ? 1 : 0;
    if (argc > 2 && strcmp(argv[2], "end-to-end") == 0) {
        int e = bench_peak_memory();
        return e | bench_end_to_end_all(seconds) ? 1 : 0;
    }
    if (argc > 2 && strcmp(argv[2], "memory") == 0) return bench_popgym(seconds) ? 1 : 0;
    if (argc > 2 && strcmp(argv[2], "sequence") == 0) return bench_chunk_table(seconds) ? 1 : 0;
    rc |= bench_peak_memory(); /* first, while this process is small */
    rc |= bench_env("cartpole", 64, seconds);
    rc |= bench_env("gridworld/empty-8x8", 64, seconds);
    rc |= bench_env("gridworld/four-rooms", 64, seconds);
    double sg = bench_sgemm(512, seconds / 3);
    rc |= bench_step("gla", 64, seconds / 3);
    rc |= bench_train("gla", 128, 64, seconds, sg);
    rc |= bench_step("mlp", 64, seconds / 3);
    rc |= bench_train("mlp", 128, 64, seconds / 3, sg);
    rc |= bench_chunk_table(seconds);
    rc |= bench_kinds_by_width(seconds / 40, sg);
    const char *levels[] = {"cartpole", "cartpole-stateless", "gridworld/empty-8x8", "gridworld/empty-random-8x8",
                            "gridworld/four-rooms", "gridworld/door-key-5x5", "gridworld/door-key-8x8"};
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++) rc |= random_policy_return(levels[i], 10000);
    rc |= bench_popgym(seconds);
    rc |= bench_end_to_end_all(seconds);
    return rc ? 1 : 0;
}
