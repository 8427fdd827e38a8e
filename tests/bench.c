/* bench.c: `make bench`, the speed figures of ppo. Each line prints what was measured, on how
 * many threads, and the figure; targets are in the issue tracker and README, not asserted here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rng.h"
#include "vecenv.h"

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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
    Rng rng;
    rng_seed(&rng, 2, 0);
    for (int i = 0; i < n * ACTION_ROWS; i++) actions[i] = (int32_t)rng_below(&rng, (uint32_t)v->n_actions);
    vecenv_reset(v, obs);
    double best = 0.0;
    for (int round = 0; round < 3; round++) {
        long steps = 0;
        double t0 = now_seconds(), t1 = t0;
        while (t1 - t0 < seconds / 3) {
            for (int r = 0; r < ACTION_ROWS; r++)
                vecenv_step(v, actions + (size_t)r * n, obs, reward, term, trunc, final_obs);
            steps += (long)n * ACTION_ROWS;
            v->log_len = 0; /* the benchmark does not read the episode log */
            t1 = now_seconds();
        }
        double sps = (double)steps / (t1 - t0);
        if (sps > best) best = sps;
    }
    printf("env %-24s N=%-3d 1 thread: %8.2f M steps/s (random actions, autoreset included)\n",
           name, n, best / 1e6);
    free(obs);
    free(final_obs);
    free(reward);
    free(term);
    free(trunc);
    free(actions);
    vecenv_destroy(v);
    return 0;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    if (seconds <= 0) seconds = 3.0;
    int rc = 0;
    rc |= bench_env("cartpole", 64, seconds);
    rc |= bench_env("gridworld/empty-8x8", 64, seconds);
    rc |= bench_env("gridworld/four-rooms", 64, seconds);
    return rc ? 1 : 0;
}
