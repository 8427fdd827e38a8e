/* cartpole.h: CartPole-v1 exactly as Gymnasium's gymnasium/envs/classic_control/cartpole.py
 * (Barto, Sutton & Anderson 1983), and its position-only variant (POPGym's
 * PositionOnlyCartPole) under the names "cartpole" and "cartpole-stateless".
 *
 * State (double): x (m), x_dot (m/s), theta (rad, 0 = upright), theta_dot (rad/s).
 * Observation (float32): "cartpole" [x, x_dot, theta, theta_dot]; "cartpole-stateless" [x, theta].
 * Actions: 0 pushes the cart left (-10 N), 1 pushes it right (+10 N).
 * Reward 1 on every step, the terminating one included. Terminated when |x| > 2.4 m or
 * |theta| > 12 degrees after the step; truncated when the step count reaches max_steps (500). */
#ifndef PPO_CARTPOLE_H
#define PPO_CARTPOLE_H

#include "envs/env.h"

/* What a renderer may read (env_view of a cartpole env). */
typedef struct CartPoleView {
    double state[4]; /* x (m), x_dot (m/s), theta (rad), theta_dot (rad/s) */
    int steps;       /* steps taken in this episode */
    int max_steps;   /* truncation limit */
} CartPoleView;

#define CARTPOLE_X_THRESHOLD 2.4                                  /* m */
#define CARTPOLE_THETA_THRESHOLD (12.0 * 2.0 * 3.14159265358979323846 / 360.0) /* rad */
#define CARTPOLE_HALF_LENGTH 0.5                                  /* m, half the pole */

extern const EnvClass cartpole_class;

/* One step of the dynamics from state s [4] under action (0 or 1) with the given integrator,
 * written back into s: Gymnasium's CartPoleEnv.step, operation for operation, in double.
 * Exposed for the parity test. */
void cartpole_dynamics(double s[4], int action, int integrator);

#endif
