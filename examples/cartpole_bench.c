/* cartpole_bench.c: the time of one cartpole_policy_step (make bench, make examples). The
 * exported policy plays 10 episodes of ppo's CartPole-v1 (envs/cartpole.c), whose observations
 * and episode starts are kept; then those steps are replayed through cartpole_policy_step, reset
 * at each episode start, for about 0.3 s of the thread's CPU time a round; the best of 5 rounds
 * is printed in nanoseconds per step. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cartpole_policy.h"
#include "envs/cartpole.h"

#define EPISODES 10
#define MAX_STEPS (EPISODES * 500)

/* The CPU time of this thread, so that other jobs on the machine count less. */
static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void) {
    static float obs[MAX_STEPS][CARTPOLE_POLICY_OBS_DIM];
    static unsigned char start[MAX_STEPS];
    EnvConfig cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.name, sizeof cfg.name, "cartpole");
    int obs_dim, n_actions, n = 0;
    Err err;
    void *env = cartpole_class.create(&cfg, &obs_dim, &n_actions, &err);
    if (!env || obs_dim != CARTPOLE_POLICY_OBS_DIM) {
        fprintf(stderr, "no CartPole-v1 env for this policy\n");
        return 1;
    }
    cartpole_class.seed(env, 12345, 0);
    for (int e = 0; e < EPISODES; e++) {
        float o[CARTPOLE_POLICY_OBS_DIM], reward;
        bool terminated = false, truncated = false;
        cartpole_policy_state s;
        cartpole_policy_reset(&s);
        cartpole_class.reset(env, o);
        for (int t = 0; !terminated && !truncated && n < MAX_STEPS; t++, n++) {
            memcpy(obs[n], o, sizeof o);
            start[n] = t == 0;
            int action = cartpole_policy_step(&s, o, -1.0f, NULL, NULL);
            cartpole_class.step(env, action, o, &reward, &terminated, &truncated);
        }
    }
    cartpole_class.destroy(env);
    double best = 1e30;
    long sink = 0;
    for (int round = 0; round < 5; round++) {
        long steps = 0;
        double t0 = now(), t1 = t0;
        cartpole_policy_state s;
        float probs[CARTPOLE_POLICY_N_ACTIONS], value;
        while (t1 - t0 < 0.3) {
            for (int i = 0; i < n; i++) {
                if (start[i]) cartpole_policy_reset(&s);
                sink += cartpole_policy_step(&s, obs[i], -1.0f, probs, &value);
            }
            steps += n;
            t1 = now();
        }
        double ns = 1e9 * (t1 - t0) / (double)steps;
        if (ns < best) best = ns;
    }
    printf("cartpole_policy_step: %.0f ns per step (best of 5 rounds over %d recorded steps of %d "
           "episodes; CPU time of 1 thread)%s\n", best, n, EPISODES, sink < 0 ? "" : "");
    return 0;
}
