/* cartpole.c: a CartPole policy exported by `ppo export` (cartpole_policy.h and .c) plays ppo's
 * own CartPole-v1 (envs/cartpole.c, with its RNG and error helpers: the env's table, cartpole_class,
 * called directly) and prints the return over the episodes, as `ppo eval` prints it.
 *
 * The episodes are those of `ppo eval CHECKPOINT --seed SEED` (16 envs, argmax actions): env j,
 * seeded (SEED, j), plays episodes j, j + 16, j + 32, ... one after another, so the returns are
 * the same episode for episode. make examples builds and runs it (README "Export a policy"):
 *
 *   cc -std=c11 -D_DEFAULT_SOURCE -I. -Ibuild/examples examples/cartpole.c \
 *      build/examples/cartpole_policy.c envs/cartpole.c core/rng.c core/err.c -lm -o cartpole
 *   ./cartpole [-v] [EPISODES [SEED]]     -v: one line per episode (defaults: 100, 12345) */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartpole_policy.h"
#include "envs/cartpole.h"

#define EVAL_ENVS 16 /* ppo eval's --num-envs default */

int main(int argc, char **argv) {
    bool verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    int arg = verbose ? 2 : 1;
    int episodes = argc > arg ? atoi(argv[arg]) : 100;
    unsigned long long seed = argc > arg + 1 ? strtoull(argv[arg + 1], NULL, 10) : 12345;
    if (episodes < 1) {
        fprintf(stderr, "usage: %s [-v] [EPISODES [SEED]]\n", argv[0]);
        return 2;
    }
    float *ret = calloc((size_t)episodes, sizeof *ret);
    int *len = calloc((size_t)episodes, sizeof *len);
    if (!ret || !len) return 1;
    EnvConfig cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.name, sizeof cfg.name, "cartpole");
    for (int j = 0; j < EVAL_ENVS && j < episodes; j++) {
        int obs_dim, n_actions;
        Err err;
        void *env = cartpole_class.create(&cfg, &obs_dim, &n_actions, &err);
        if (!env) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        if (obs_dim != CARTPOLE_POLICY_OBS_DIM || n_actions != CARTPOLE_POLICY_N_ACTIONS) {
            fprintf(stderr, "the exported policy is not a CartPole-v1 policy\n");
            return 1;
        }
        cartpole_class.seed(env, seed, (unsigned long long)j);
        for (int e = j; e < episodes; e += EVAL_ENVS) {
            float obs[CARTPOLE_POLICY_OBS_DIM], reward;
            bool terminated = false, truncated = false;
            cartpole_policy_state s;
            cartpole_policy_reset(&s);
            cartpole_class.reset(env, obs);
            while (!terminated && !truncated) {
                int action = cartpole_policy_step(&s, obs, -1.0f, NULL, NULL); /* argmax */
                cartpole_class.step(env, action, obs, &reward, &terminated, &truncated);
                ret[e] += reward;
                len[e]++;
            }
        }
        cartpole_class.destroy(env);
    }
    double sum = 0, sum2 = 0, mn = INFINITY, mx = -INFINITY, steps = 0;
    for (int e = 0; e < episodes; e++) {
        if (verbose) printf("episode %d: return %.9g, length %d\n", e, ret[e], len[e]);
        sum += ret[e];
        sum2 += (double)ret[e] * ret[e];
        mn = fmin(mn, ret[e]);
        mx = fmax(mx, ret[e]);
        steps += len[e];
    }
    double mean = sum / episodes, var = sum2 / episodes - mean * mean;
    printf("cartpole_policy on ppo's CartPole-v1, %d episodes, argmax, seed %llu:\n", episodes, seed);
    printf("return %.4g +- %.3g  (min %.4g, max %.4g)  mean length %.1f\n", mean,
           sqrt(var > 0 ? var : 0), mn, mx, steps / episodes);
    free(ret);
    free(len);
    return 0;
}
