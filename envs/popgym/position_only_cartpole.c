/* position_only_cartpole.c: POPGym's CartPole variants on Gymnasium's CartPole dynamics
 * (envs/cartpole.h, Euler): PositionOnlyCartPole (popgym/envs/position_only_cartpole.py),
 * VelocityOnlyCartPole (velocity_only_cartpole.py) and NoisyPositionOnlyCartPole
 * (noisy_position_only_cartpole.py, parameter c = noise_sigma). The episode length L is the
 * level's max_episode_length. */
#include <math.h>
#include <stdio.h>

#include "envs/popgym/impl.h"

#define RESET_BOUND 0.05 /* CartPoleEnv.reset: state uniform in [-0.05, 0.05)^4 */

enum { POSITION, VELOCITY, NOISY };

/* The observation of the state: [x, theta] or [x_dot, theta_dot] (float32 casts, as CartPoleEnv
 * returns np.float32 and POPGym picks two of them); the noisy variant adds
 * np_random.normal(0, sigma) cast to float32 and clips to +-(2 x_threshold, 2 theta_threshold)
 * (its observation_space, float32). */
static void observe(Popgym *p, int kind, bool velocities, float *obs) {
    const double *s = p->g.pole.s;
    obs[0] = (float)(velocities ? s[1] : s[0]);
    obs[1] = (float)(velocities ? s[3] : s[2]);
    if (kind != NOISY) return;
    const float high[2] = {(float)(2.0 * CARTPOLE_X_THRESHOLD), (float)(2.0 * CARTPOLE_THETA_THRESHOLD)};
    for (int i = 0; i < 2; i++) {
        float noise = (float)(p->level->c * rng_normal(&p->rng));
        float v = obs[i] + noise;
        obs[i] = v < -high[i] ? -high[i] : v > high[i] ? high[i] : v;
    }
}

/* CartPoleEnv.reset, then the variant's first observation: [x, theta] for all three (POPGym's
 * VelocityOnlyCartPole.reset returns the positions too). */
static void reset_kind(Popgym *p, int kind, float *pole_obs) {
    for (int i = 0; i < 4; i++) p->g.pole.s[i] = -RESET_BOUND + 2.0 * RESET_BOUND * rng_double(&p->rng);
    observe(p, kind, false, pole_obs);
}

/* CartPoleEnv.step (reward 1 on every step, the terminating one included), then POPGym's
 * reward_transform (1/L; -1 only for a 0 reward, which CartPole pays only when stepped after its
 * end) and truncation at step L. */
static void step_kind(Popgym *p, int kind, int action, float *pole_obs, double *reward,
                      bool *terminated, bool *truncated) {
    double *s = p->g.pole.s;
    cartpole_dynamics(s, action, ENV_INTEGRATOR_EULER);
    *terminated = s[0] < -CARTPOLE_X_THRESHOLD || s[0] > CARTPOLE_X_THRESHOLD ||
                  s[2] < -CARTPOLE_THETA_THRESHOLD || s[2] > CARTPOLE_THETA_THRESHOLD;
    *truncated = p->t + 1 >= p->level->max_length;
    *reward = 1.0 / p->level->max_length;
    observe(p, kind, kind == VELOCITY, pole_obs);
}

static int setup_kind(Popgym *p, int kind, const double *values, int n, float *pole_obs, Err *err) {
    if (n != 4) return err_set(err, "%s: the setup is the state [x, x_dot, theta, theta_dot], got %d values", p->level->name, n);
    for (int i = 0; i < 4; i++) {
        if (!isfinite(values[i])) return err_set(err, "%s: state value %d is not finite", p->level->name, i);
        p->g.pole.s[i] = values[i];
    }
    observe(p, kind, false, pole_obs);
    return 0;
}

static int pole_check(const Popgym *p, Err *err) {
    for (int i = 0; i < 4; i++)
        if (!isfinite(p->g.pole.s[i])) return err_set(err, "popgym state: cartpole value %d is not finite", i);
    for (int i = 0; i < 2; i++)
        if (!isfinite(p->pole_obs[i])) return err_set(err, "popgym state: observation %d is not finite", i);
    return 0;
}

static void pole_describe(const Popgym *p, char *buf, size_t cap) {
    const double *s = p->g.pole.s;
    size_t u = 0;
    text_add(buf, cap, &u, "%s %s, step %d of %d\n", p->level->game->title, p->level->difficulty, p->t,
             p->level->max_length);
    text_add(buf, cap, &u, "x %+.3f m  x_dot %+.3f m/s  theta %+.2f deg  theta_dot %+.3f rad/s\n", s[0], s[1],
             s[2] * 180.0 / M_PI, s[3]);
    text_add(buf, cap, &u, "observed [%+.3f, %+.3f]", (double)p->pole_obs[0], (double)p->pole_obs[1]);
    if (p->last_action >= 0)
        text_add(buf, cap, &u, "  last push %s, reward %+.4f", p->last_action ? "right" : "left", p->last_reward);
    text_add(buf, cap, &u, "\n");
}

static void pole_action(const Popgym *p, int a, char *buf, size_t cap) {
    (void)p;
    snprintf(buf, cap, "%s", a ? "right" : "left");
}

#define VARIANT(fn, KIND)                                                                              \
    static void fn##_reset(Popgym *p, int16_t *raw, float *pole_obs) {                                 \
        (void)raw;                                                                                     \
        reset_kind(p, KIND, pole_obs);                                                                 \
    }                                                                                                  \
    static void fn##_step(Popgym *p, int action, int16_t *raw, float *pole_obs, double *reward,        \
                          bool *terminated, bool *truncated) {                                         \
        (void)raw;                                                                                     \
        step_kind(p, KIND, action, pole_obs, reward, terminated, truncated);                           \
    }                                                                                                  \
    static int fn##_setup(Popgym *p, const double *values, int n, int16_t *raw, float *pole_obs,       \
                          Err *err) {                                                                  \
        (void)raw;                                                                                     \
        return setup_kind(p, KIND, values, n, pole_obs, err);                                          \
    }

VARIANT(position, POSITION)
VARIANT(velocity, VELOCITY)
VARIANT(noisy, NOISY)

const PopgymGame popgym_position_only_cartpole = {"PositionOnlyCartPole", position_reset, position_step,
                                                  position_setup, pole_check, pole_describe, pole_action};
const PopgymGame popgym_velocity_only_cartpole = {"VelocityOnlyCartPole", velocity_reset, velocity_step,
                                                  velocity_setup, pole_check, pole_describe, pole_action};
const PopgymGame popgym_noisy_position_only_cartpole = {"NoisyPositionOnlyCartPole", noisy_reset, noisy_step,
                                                        noisy_setup, pole_check, pole_describe, pole_action};
