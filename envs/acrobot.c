/* acrobot.c: Acrobot-v1 (see classic.h). Constants and the order of floating-point operations
 * follow gymnasium/envs/classic_control/acrobot.py (Gymnasium 0.29.1): AcrobotEnv._dsdt with
 * book_or_nips = "book", its rk4 over t = [0, dt], wrap and bound. */
#include <math.h>

#include "envs/classic.h"

#define PI 3.14159265358979323846
#define DT 0.2            /* seconds per step */
#define LINK_LENGTH_1 1.0 /* m */
#define LINK_MASS_1 1.0   /* kg */
#define LINK_MASS_2 1.0   /* kg */
#define LINK_COM_POS_1 0.5 /* m, centre of mass of link 1 from the pivot */
#define LINK_COM_POS_2 0.5 /* m, centre of mass of link 2 from the joint */
#define LINK_MOI 1.0      /* kg m^2, moment of inertia of each link */
#define GRAVITY 9.8       /* m/s^2 */
#define MAX_VEL_1 (4 * PI) /* rad/s */
#define MAX_VEL_2 (9 * PI) /* rad/s */
#define RESET_BOUND 0.1   /* reset state uniform in [-RESET_BOUND, RESET_BOUND]^4 */
#define DEFAULT_MAX_STEPS 500

static const double TORQUE[3] = {-1.0, 0.0, 1.0}; /* N m, by action */

/* The time derivative of s_aug [5] = [theta1, theta2, dtheta1, dtheta2, torque] into d [5]
 * (the torque's derivative is 0): AcrobotEnv._dsdt, "book" dynamics. */
static void acrobot_dsdt(const double *s, double *d) {
    const double m1 = LINK_MASS_1, m2 = LINK_MASS_2, l1 = LINK_LENGTH_1, lc1 = LINK_COM_POS_1,
                 lc2 = LINK_COM_POS_2, I1 = LINK_MOI, I2 = LINK_MOI, g = GRAVITY;
    const double a = s[4], theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3];
    double d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos(theta2)) + I1 + I2;
    double d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos(theta2)) + I2;
    double phi2 = m2 * lc2 * g * cos(theta1 + theta2 - PI / 2.0);
    double phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sin(theta2) -
                  2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2) +
                  (m1 * lc1 + m2 * l1) * g * cos(theta1 - PI / 2) + phi2;
    double ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sin(theta2) - phi2) /
                      (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
    double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    d[0] = dtheta1;
    d[1] = dtheta2;
    d[2] = ddtheta1;
    d[3] = ddtheta2;
    d[4] = 0.0;
}

/* wrap(x, m, M) of acrobot.py: x moved by whole periods M - m into [m, M]. */
static double wrap(double x, double m, double M) {
    double diff = M - m;
    while (x > M) x = x - diff;
    while (x < m) x = x + diff;
    return x;
}

/* bound(x, m, M) of acrobot.py: min(max(x, m), M) with Python's max and min. */
static double bound(double x, double m, double M) {
    double y = m > x ? m : x;
    return M < y ? M : y;
}

/* One step from s [4] under torque, into s: rk4(_dsdt, [s, torque], [0, DT]), then the angles
 * wrapped to [-pi, pi] and the velocities bounded. */
static void acrobot_dynamics(double *s, double torque) {
    double y0[5] = {s[0], s[1], s[2], s[3], torque}, y[5], k1[5], k2[5], k3[5], k4[5];
    const double dt = DT - 0.0, dt2 = dt / 2.0;
    acrobot_dsdt(y0, k1);
    for (int i = 0; i < 5; i++) y[i] = y0[i] + dt2 * k1[i];
    acrobot_dsdt(y, k2);
    for (int i = 0; i < 5; i++) y[i] = y0[i] + dt2 * k2[i];
    acrobot_dsdt(y, k3);
    for (int i = 0; i < 5; i++) y[i] = y0[i] + dt * k3[i];
    acrobot_dsdt(y, k4);
    double ns[4];
    for (int i = 0; i < 4; i++) ns[i] = y0[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    s[0] = wrap(ns[0], -PI, PI);
    s[1] = wrap(ns[1], -PI, PI);
    s[2] = bound(ns[2], -MAX_VEL_1, MAX_VEL_1);
    s[3] = bound(ns[3], -MAX_VEL_2, MAX_VEL_2);
}

static void acrobot_observe(const double *s, float *obs) {
    obs[0] = (float)cos(s[0]);
    obs[1] = (float)sin(s[0]);
    obs[2] = (float)cos(s[1]);
    obs[3] = (float)sin(s[1]);
    obs[4] = (float)s[2];
    obs[5] = (float)s[3];
}

static const char *const ACROBOT_NAMES[] = {"acrobot", NULL};

static void *acrobot_create(const EnvConfig *cfg, int *obs_dim, int *n_actions, Err *err) {
    ClassicEnv *e = classic_create(cfg, 4, DEFAULT_MAX_STEPS, err);
    if (!e) return NULL;
    *obs_dim = 6;
    *n_actions = 3;
    return e;
}

static void acrobot_reset(void *self, float *obs) {
    ClassicEnv *e = self;
    for (int i = 0; i < 4; i++)
        e->pub.state[i] = (float)(-RESET_BOUND + 2.0 * RESET_BOUND * rng_double(&e->rng));
    e->pub.steps = 0;
    e->pub.last_action = NAN;
    acrobot_observe(e->pub.state, obs);
}

static void acrobot_step(void *self, int action, float *obs, float *reward, bool *terminated,
                         bool *truncated) {
    ClassicEnv *e = self;
    double *s = e->pub.state;
    e->pub.last_action = TORQUE[action];
    acrobot_dynamics(s, TORQUE[action]);
    e->pub.steps++;
    *terminated = -cos(s[0]) - cos(s[1] + s[0]) > 1.0;
    *truncated = e->pub.steps >= e->pub.max_steps;
    e->pub.last_reward = *terminated ? 0.0 : -1.0;
    *reward = (float)e->pub.last_reward;
    acrobot_observe(s, obs);
}

const EnvClass acrobot_class = {
    .names = ACROBOT_NAMES,
    .create = acrobot_create,
    .destroy = classic_destroy,
    .seed = classic_seed,
    .reset = acrobot_reset,
    .step = acrobot_step,
    .view = classic_view,
    .state_size = classic_state_size,
    .state_save = classic_state_save,
    .state_load = classic_state_load,
};
