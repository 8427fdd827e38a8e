/* classic.h: Gymnasium's other classic-control envs, step for step as Gymnasium 0.29.1's
 * gymnasium/envs/classic_control/{acrobot,mountain_car,continuous_mountain_car,pendulum}.py in
 * double precision, each with its registered TimeLimit:
 *
 *   "acrobot"  Acrobot-v1 (Sutton 1996; the "book" dynamics, RK4 over dt = 0.2 s).
 *              State [theta1, theta2 (rad), dtheta1, dtheta2 (rad/s)]; observation
 *              [cos theta1, sin theta1, cos theta2, sin theta2, dtheta1, dtheta2]; actions
 *              0, 1, 2 = torque -1, 0, +1 (N m); reward -1 per step, 0 on the step that
 *              reaches the goal (-cos theta1 - cos(theta1 + theta2) > 1); 500 steps.
 *   "mountaincar"  MountainCar-v0 (Moore 1990). State and observation [position (m),
 *              velocity (m/step)]; actions 0, 1, 2 = push left, none, right; reward -1 per
 *              step; terminated at position >= 0.5 with velocity >= 0; 200 steps.
 *   "mountaincar-continuous"  MountainCarContinuous-v0: the same hill with a force in
 *              [-1, 1] (one continuous dimension); the state is stored as float32 after every
 *              step (the step's arithmetic is double); reward 100 on reaching position >= 0.45
 *              with velocity >= 0, minus 0.1 * action^2 (of the unclipped action) every step;
 *              999 steps.
 *   "pendulum"  Pendulum-v1. State [theta (rad, 0 = upright), thetadot (rad/s)]; observation
 *              [cos theta, sin theta, thetadot]; a torque in [-2, 2] N m (one continuous
 *              dimension); reward -(theta^2 + 0.1 thetadot^2 + 0.001 u^2) with theta wrapped to
 *              [-pi, pi); never terminates; 200 steps.
 *
 * Resets draw from the env's own Rng (Gymnasium's bounds, not its generator): acrobot uniform in
 * [-0.1, 0.1]^4 (stored as float32, as Gymnasium does), the mountain cars position uniform in
 * [-0.6, -0.4] at rest, pendulum theta uniform in [-pi, pi] and thetadot in [-1, 1]. */
#ifndef PPO_CLASSIC_H
#define PPO_CLASSIC_H

#include "core/rng.h"
#include "envs/env.h"

/* What a renderer may read (env_view of any of these envs). */
typedef struct ClassicView {
    double state[4];    /* the internal state as listed above; unused entries 0 */
    double last_action; /* the last applied action: torque or force after clipping (acrobot
                           -1/0/+1, mountaincar -1/0/+1); NAN before the first step */
    double last_reward; /* the last step's reward in double (the reward handed out is this
                           rounded to float32) */
    int steps;          /* steps taken in this episode */
    int max_steps;      /* truncation limit */
} ClassicView;

/* The common struct of the classic envs: what env_view shows, and the env's own Rng. */
typedef struct ClassicEnv {
    ClassicView pub;
    int n_state; /* entries of pub.state in use: 4 (acrobot) or 2 */
    Rng rng;
} ClassicEnv;

extern const EnvClass acrobot_class;
extern const EnvClass mountaincar_class;
extern const EnvClass mountaincar_continuous_class;
extern const EnvClass pendulum_class;

/* Shared by the classic envs (classic.c). classic_create checks the options every classic env
 * takes (max_steps >= 0, 0 for default_max_steps; no integrator, no map), allocates the struct
 * with n_state entries in use and the RNG seeded (0, 0); NULL with err filled on a bad option or
 * out of memory. The others fill an EnvClass's seed, destroy, view and saved-state entries: the
 * saved state is {double state[4]; int32 steps; int32 pad; Rng rng} (CartPole's layout), and a
 * load refuses non-finite state values and step counts outside 0 .. max_steps. */
ClassicEnv *classic_create(const EnvConfig *cfg, int n_state, int default_max_steps, Err *err);
void classic_destroy(void *self);
void classic_seed(void *self, uint64_t seed, uint64_t stream);
const void *classic_view(const void *self);
size_t classic_state_size(const void *self);
void classic_state_save(const void *self, void *buf);
int classic_state_load(void *self, const void *buf, Err *err);

/* Pendulum-v1's dynamics, shared with POPGym's pendulum variants (envs/popgym/): one
 * PendulumEnv.step of state [theta (rad), thetadot (rad/s)] in place with torque action (N m,
 * clipped to [-2, 2] in float32, then used in double); returns the cost of the state before the
 * step, theta^2 + 0.1 thetadot^2 + 0.001 u^2 (the reward is its negative), and writes the
 * applied torque u to *torque. No errors. */
double pendulum_dynamics(double *state, float action, double *torque);

/* PendulumEnv.reset's state: theta uniform in [-pi, pi], thetadot in [-1, 1], drawn from rng
 * into state [2]. */
void pendulum_reset_state(double *state, Rng *rng);

/* Python's float modulo (and NumPy's np.remainder): x - floor(x / y) * y computed as C's fmod,
 * moved by y when the remainder's sign differs from y's, so the result has y's sign. */
double classic_py_mod(double x, double y);

#endif
