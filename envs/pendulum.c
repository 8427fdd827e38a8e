/* pendulum.c: Pendulum-v1 (see classic.h). Constants and the order of floating-point operations
 * follow gymnasium/envs/classic_control/pendulum.py (Gymnasium 0.29.1), with g = 10. */
#include <math.h>

#include "envs/classic.h"

#define PI 3.14159265358979323846
#define MAX_SPEED 8.0   /* rad/s */
#define MAX_TORQUE 2.0f /* N m */
#define DT 0.05         /* seconds per step */
#define G 10.0          /* m/s^2 */
#define M 1.0           /* kg */
#define L 1.0           /* m */
#define RESET_THETA PI  /* reset theta uniform in [-RESET_THETA, RESET_THETA] */
#define RESET_THETADOT 1.0 /* reset thetadot uniform in [-RESET_THETADOT, RESET_THETADOT] */
#define DEFAULT_MAX_STEPS 200

static void pendulum_observe(const double *s, float *obs) {
    obs[0] = (float)cos(s[0]);
    obs[1] = (float)sin(s[0]);
    obs[2] = (float)s[1];
}

static const char *const PENDULUM_NAMES[] = {"pendulum", NULL};

static void *pendulum_create(const EnvConfig *cfg, int *obs_dim, int *n_actions, Err *err) {
    ClassicEnv *e = classic_create(cfg, 2, DEFAULT_MAX_STEPS, err);
    if (!e) return NULL;
    *obs_dim = 3;
    *n_actions = 0;
    return e;
}

static void pendulum_reset(void *self, float *obs) {
    ClassicEnv *e = self;
    pendulum_reset_state(e->pub.state, &e->rng);
    e->pub.steps = 0;
    e->pub.last_action = NAN;
    pendulum_observe(e->pub.state, obs);
}

static int pendulum_action_box(const void *self, float *low, float *high) {
    (void)self;
    low[0] = -MAX_TORQUE;
    high[0] = MAX_TORQUE;
    return 1;
}

/* angle_normalize of pendulum.py: ((x + pi) % (2 pi)) - pi. */
static double angle_normalize(double x) { return classic_py_mod(x + PI, 2 * PI) - PI; }

/* PendulumEnv.step's arithmetic, in its order (see classic.h). */
double pendulum_dynamics(double *state, float action, double *torque) {
    double th = state[0], thdot = state[1];
    double u = fminf(fmaxf(action, -MAX_TORQUE), MAX_TORQUE);
    double an = angle_normalize(th);
    double costs = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);
    double newthdot = thdot + (3 * G / (2 * L) * sin(th) + 3.0 / (M * (L * L)) * u) * DT;
    newthdot = newthdot < -MAX_SPEED ? -MAX_SPEED : newthdot > MAX_SPEED ? MAX_SPEED : newthdot;
    state[0] = th + newthdot * DT;
    state[1] = newthdot;
    *torque = u;
    return costs;
}

/* PendulumEnv.reset (see classic.h). */
void pendulum_reset_state(double *state, Rng *rng) {
    state[0] = -RESET_THETA + 2.0 * RESET_THETA * rng_double(rng);
    state[1] = -RESET_THETADOT + 2.0 * RESET_THETADOT * rng_double(rng);
}

/* PendulumEnv.step through pendulum_dynamics. */
static void pendulum_step(void *self, const float *action, float *obs, float *reward,
                          bool *terminated, bool *truncated) {
    ClassicEnv *e = self;
    double u;
    double costs = pendulum_dynamics(e->pub.state, action[0], &u);
    e->pub.last_action = u;
    e->pub.steps++;
    *terminated = false;
    *truncated = e->pub.steps >= e->pub.max_steps;
    e->pub.last_reward = -costs;
    *reward = (float)-costs;
    pendulum_observe(e->pub.state, obs);
}

const EnvClass pendulum_class = {
    .names = PENDULUM_NAMES,
    .create = pendulum_create,
    .destroy = classic_destroy,
    .seed = classic_seed,
    .reset = pendulum_reset,
    .action_box = pendulum_action_box,
    .step_box = pendulum_step,
    .view = classic_view,
    .state_size = classic_state_size,
    .state_save = classic_state_save,
    .state_load = classic_state_load,
};
