/* mountaincar.c: MountainCar-v0 and MountainCarContinuous-v0 (see classic.h). Constants and the
 * order of floating-point operations follow gymnasium/envs/classic_control/mountain_car.py and
 * continuous_mountain_car.py (Gymnasium 0.29.1). */
#include <math.h>
#include <string.h>

#include "envs/classic.h"

#define MIN_POSITION -1.2 /* m */
#define MAX_POSITION 0.6  /* m */
#define MAX_SPEED 0.07    /* m per step */
#define GOAL_POSITION 0.5 /* m, MountainCar-v0 */
#define GOAL_POSITION_CONTINUOUS 0.45 /* m, MountainCarContinuous-v0 */
#define GOAL_VELOCITY 0.0
#define FORCE 0.001    /* MountainCar-v0: velocity change per step of a push */
#define GRAVITY 0.0025 /* velocity change per step times -cos(3 position) */
#define POWER 0.0015   /* MountainCarContinuous-v0: velocity change per unit of force */
#define MIN_ACTION -1.0f
#define MAX_ACTION 1.0f
#define GOAL_REWARD 100.0 /* MountainCarContinuous-v0, on reaching the goal */
#define RESET_LOW -0.6    /* m, reset position uniform in [RESET_LOW, RESET_HIGH] */
#define RESET_HIGH -0.4
#define DEFAULT_MAX_STEPS 200
#define DEFAULT_MAX_STEPS_CONTINUOUS 999

static void mc_observe(const ClassicEnv *e, float *obs) {
    obs[0] = (float)e->pub.state[0];
    obs[1] = (float)e->pub.state[1];
}

static const char *const MC_NAMES[] = {"mountaincar", NULL};
static const char *const MCC_NAMES[] = {"mountaincar-continuous", NULL};

static void *mc_create(const EnvConfig *cfg, int *obs_dim, int *n_actions, Err *err) {
    bool continuous = strcmp(cfg->name, "mountaincar-continuous") == 0;
    ClassicEnv *e = classic_create(cfg, 2, continuous ? DEFAULT_MAX_STEPS_CONTINUOUS : DEFAULT_MAX_STEPS, err);
    if (!e) return NULL;
    *obs_dim = 2;
    *n_actions = continuous ? 0 : 3;
    return e;
}

static void mc_reset(void *self, float *obs) {
    ClassicEnv *e = self;
    e->pub.state[0] = RESET_LOW + (RESET_HIGH - RESET_LOW) * rng_double(&e->rng);
    e->pub.state[1] = 0.0;
    e->pub.steps = 0;
    e->pub.last_action = NAN;
    mc_observe(e, obs);
}

/* np.clip of a scalar: max(lo, min(x, hi)) for finite values. */
static double clip(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* MountainCarEnv.step. */
static void mc_step(void *self, int action, float *obs, float *reward, bool *terminated,
                    bool *truncated) {
    ClassicEnv *e = self;
    double position = e->pub.state[0], velocity = e->pub.state[1];
    velocity += (action - 1) * FORCE + cos(3 * position) * (-GRAVITY);
    velocity = clip(velocity, -MAX_SPEED, MAX_SPEED);
    position += velocity;
    position = clip(position, MIN_POSITION, MAX_POSITION);
    if (position == MIN_POSITION && velocity < 0) velocity = 0;
    *terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
    e->pub.state[0] = position;
    e->pub.state[1] = velocity;
    e->pub.last_action = action - 1;
    e->pub.steps++;
    *truncated = e->pub.steps >= e->pub.max_steps;
    e->pub.last_reward = -1.0;
    *reward = -1.0f;
    mc_observe(e, obs);
}

static int mcc_action_box(const void *self, float *low, float *high) {
    (void)self;
    low[0] = MIN_ACTION;
    high[0] = MAX_ACTION;
    return 1;
}

/* Continuous_MountainCarEnv.step: the force is the action clipped to [-1, 1]; the reward's
 * action cost uses the action as given; the state is kept as float32. */
static void mcc_step(void *self, const float *action, float *obs, float *reward, bool *terminated,
                     bool *truncated) {
    ClassicEnv *e = self;
    double position = e->pub.state[0], velocity = e->pub.state[1];
    double force = fmin(fmax(action[0], MIN_ACTION), MAX_ACTION);
    velocity += force * POWER - GRAVITY * cos(3 * position);
    if (velocity > MAX_SPEED) velocity = MAX_SPEED;
    if (velocity < -MAX_SPEED) velocity = -MAX_SPEED;
    position += velocity;
    if (position > MAX_POSITION) position = MAX_POSITION;
    if (position < MIN_POSITION) position = MIN_POSITION;
    if (position == MIN_POSITION && velocity < 0) velocity = 0;
    *terminated = position >= GOAL_POSITION_CONTINUOUS && velocity >= GOAL_VELOCITY;
    double r = *terminated ? GOAL_REWARD : 0.0;
    r -= ((double)action[0] * (double)action[0]) * 0.1;
    e->pub.state[0] = (float)position;
    e->pub.state[1] = (float)velocity;
    e->pub.last_action = force;
    e->pub.steps++;
    *truncated = e->pub.steps >= e->pub.max_steps;
    e->pub.last_reward = r;
    *reward = (float)r;
    mc_observe(e, obs);
}

const EnvClass mountaincar_class = {
    .names = MC_NAMES,
    .create = mc_create,
    .destroy = classic_destroy,
    .seed = classic_seed,
    .reset = mc_reset,
    .step = mc_step,
    .view = classic_view,
    .state_size = classic_state_size,
    .state_save = classic_state_save,
    .state_load = classic_state_load,
};

const EnvClass mountaincar_continuous_class = {
    .names = MCC_NAMES,
    .create = mc_create,
    .destroy = classic_destroy,
    .seed = classic_seed,
    .reset = mc_reset,
    .action_box = mcc_action_box,
    .step_box = mcc_step,
    .view = classic_view,
    .state_size = classic_state_size,
    .state_save = classic_state_save,
    .state_load = classic_state_load,
};
