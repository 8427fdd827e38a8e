/* cartpole.c: CartPole-v1 (see cartpole.h). Constants and the order of floating-point
 * operations follow gymnasium/envs/classic_control/cartpole.py (Gymnasium 0.29.1). */
#include "envs/cartpole.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

#define GRAVITY 9.8          /* m/s^2 */
#define MASSCART 1.0         /* kg */
#define MASSPOLE 0.1         /* kg */
#define TOTAL_MASS (MASSPOLE + MASSCART)
#define LENGTH CARTPOLE_HALF_LENGTH             /* m, half the pole's length */
#define POLEMASS_LENGTH (MASSPOLE * LENGTH)     /* kg m */
#define FORCE_MAG 10.0       /* N */
#define TAU 0.02             /* seconds per step */
#define RESET_BOUND 0.05     /* reset state uniform in [-RESET_BOUND, RESET_BOUND]^4 */
#define DEFAULT_MAX_STEPS 500

typedef struct CartPole {
    CartPoleView pub; /* state, step count and limit: what env_view() shows */
    int integrator;
    bool stateless; /* observation [x, theta] only */
    Rng rng;
} CartPole;

/* The saved state: everything that changes while the env runs. */
typedef struct CartPoleSaved {
    double state[4];
    int32_t steps;
    int32_t pad;
    Rng rng;
} CartPoleSaved;

void cartpole_dynamics(double s[4], int action, int integrator) {
    double x = s[0], x_dot = s[1], theta = s[2], theta_dot = s[3];
    double force = action == 1 ? FORCE_MAG : -FORCE_MAG;
    double costheta = cos(theta);
    double sintheta = sin(theta);
    double temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS;
    double thetaacc = (GRAVITY * sintheta - costheta * temp) /
                      (LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS));
    double xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS;
    if (integrator == ENV_INTEGRATOR_EULER) {
        x = x + TAU * x_dot;
        x_dot = x_dot + TAU * xacc;
        theta = theta + TAU * theta_dot;
        theta_dot = theta_dot + TAU * thetaacc;
    } else {
        x_dot = x_dot + TAU * xacc;
        x = x + TAU * x_dot;
        theta_dot = theta_dot + TAU * thetaacc;
        theta = theta + TAU * theta_dot;
    }
    s[0] = x;
    s[1] = x_dot;
    s[2] = theta;
    s[3] = theta_dot;
}

static const char *const CP_NAMES[] = {"cartpole", "cartpole-stateless", NULL};

static void *cp_create(const EnvConfig *cfg, int *obs_dim, int *n_actions, Err *err) {
    if (cfg->max_steps < 0) {
        err_set(err, "env.max_steps: %d is out of range (allowed: 1 or more, or 0 for 500)",
                cfg->max_steps);
        return NULL;
    }
    if (cfg->integrator != ENV_INTEGRATOR_EULER && cfg->integrator != ENV_INTEGRATOR_SEMI_IMPLICIT) {
        err_set(err, "env.integrator: unknown integrator %d (allowed: euler, semi-implicit)",
                cfg->integrator);
        return NULL;
    }
    if (cfg->map[0]) {
        err_set(err, "env.map: '%s' does not apply to %s (only gridworld envs read a map)",
                cfg->map, cfg->name);
        return NULL;
    }
    CartPole *cp = calloc(1, sizeof *cp);
    if (!cp) {
        err_set(err, "out of memory creating %s", cfg->name);
        return NULL;
    }
    cp->pub.max_steps = cfg->max_steps ? cfg->max_steps : DEFAULT_MAX_STEPS;
    cp->integrator = cfg->integrator;
    cp->stateless = strcmp(cfg->name, "cartpole-stateless") == 0;
    rng_seed(&cp->rng, 0, 0);
    *obs_dim = cp->stateless ? 2 : 4;
    *n_actions = 2;
    return cp;
}

static void cp_destroy(void *self) { free(self); }

static void cp_seed(void *self, uint64_t seed, uint64_t stream) {
    rng_seed(&((CartPole *)self)->rng, seed, stream);
}

static inline void cp_observe(const CartPole *cp, float *obs) {
    if (cp->stateless) {
        obs[0] = (float)cp->pub.state[0];
        obs[1] = (float)cp->pub.state[2];
    } else {
        for (int i = 0; i < 4; i++) obs[i] = (float)cp->pub.state[i];
    }
}

static void cp_reset(void *self, float *obs) {
    CartPole *cp = self;
    for (int i = 0; i < 4; i++)
        cp->pub.state[i] = -RESET_BOUND + 2.0 * RESET_BOUND * rng_double(&cp->rng);
    cp->pub.steps = 0;
    cp_observe(cp, obs);
}

static void cp_step(void *self, int action, float *obs, float *reward, bool *terminated,
                    bool *truncated) {
    CartPole *cp = self;
    cartpole_dynamics(cp->pub.state, action, cp->integrator);
    cp->pub.steps++;
    double x = cp->pub.state[0], theta = cp->pub.state[2];
    *terminated = x < -CARTPOLE_X_THRESHOLD || x > CARTPOLE_X_THRESHOLD ||
                  theta < -CARTPOLE_THETA_THRESHOLD || theta > CARTPOLE_THETA_THRESHOLD;
    *truncated = cp->pub.steps >= cp->pub.max_steps;
    *reward = 1.0f;
    cp_observe(cp, obs);
}

static const void *cp_view(const void *self) { return &((const CartPole *)self)->pub; }

static size_t cp_state_size(const void *self) {
    (void)self;
    return sizeof(CartPoleSaved);
}

static void cp_state_save(const void *self, void *buf) {
    const CartPole *cp = self;
    CartPoleSaved s = {{cp->pub.state[0], cp->pub.state[1], cp->pub.state[2], cp->pub.state[3]}, cp->pub.steps, 0,
                       cp->rng};
    memcpy(buf, &s, sizeof s);
}

static int cp_state_load(void *self, const void *buf, Err *err) {
    CartPole *cp = self;
    CartPoleSaved s;
    memcpy(&s, buf, sizeof s);
    for (int i = 0; i < 4; i++)
        if (!isfinite(s.state[i])) return err_set(err, "cartpole state: value %d is not finite", i);
    if (s.steps < 0 || s.steps > cp->pub.max_steps)
        return err_set(err, "cartpole state: step count %d outside 0..%d", s.steps, cp->pub.max_steps);
    if ((s.rng.inc & 1u) == 0) return err_set(err, "cartpole state: RNG stream is not odd");
    memcpy(cp->pub.state, s.state, sizeof s.state);
    cp->pub.steps = s.steps;
    cp->rng = s.rng;
    return 0;
}

const EnvClass cartpole_class = {
    .names = CP_NAMES,
    .create = cp_create,
    .destroy = cp_destroy,
    .seed = cp_seed,
    .reset = cp_reset,
    .step = cp_step,
    .view = cp_view,
    .state_size = cp_state_size,
    .state_save = cp_state_save,
    .state_load = cp_state_load,
};
