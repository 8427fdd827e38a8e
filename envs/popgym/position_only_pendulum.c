/* position_only_pendulum.c: POPGym's Pendulum variants on Gymnasium's Pendulum-v1 dynamics
 * (envs/pendulum.c, pendulum_dynamics): PositionOnlyPendulum (popgym/envs/
 * position_only_pendulum.py; Easy/Medium/Hard: max_episode_length 200/150/100) and
 * NoisyPositionOnlyPendulum (noisy_position_only_pendulum.py; noise_sigma 0.1/0.2/0.3, episode
 * length 200 at every difficulty). Their own env class, popgym_pendulum_class, as their action is
 * Pendulum's continuous torque; the names, the view and the test seam are the popgym family's
 * (popgym.h). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "envs/popgym/impl.h"

#define MAX_TORQUE 2.0f            /* N m: Pendulum-v1's action box [-2, 2] */
#define REWARD_LOW (-16.2736044)   /* PositionOnlyPendulum.reward_transform: low, high */
#define REWARD_HIGH 0.0
#define STATE_MAGIC 0x44505050u    /* "PPPD" */

/* One registered env: its name, POPGym's class and difficulty, the episode length L and the
 * noise's standard deviation (0: no noise). */
typedef struct PendLevel {
    const char *name;
    const char *title;
    const char *difficulty;
    int max_length;
    double sigma;
} PendLevel;

static const PendLevel LEVELS[] = {
    {"popgym/position-only-pendulum-easy", "PositionOnlyPendulum", "easy", 200, 0.0},
    {"popgym/position-only-pendulum-medium", "PositionOnlyPendulum", "medium", 150, 0.0},
    {"popgym/position-only-pendulum-hard", "PositionOnlyPendulum", "hard", 100, 0.0},
    {"popgym/noisy-position-only-pendulum-easy", "NoisyPositionOnlyPendulum", "easy", 200, 0.1},
    {"popgym/noisy-position-only-pendulum-medium", "NoisyPositionOnlyPendulum", "medium", 200, 0.2},
    {"popgym/noisy-position-only-pendulum-hard", "NoisyPositionOnlyPendulum", "hard", 200, 0.3},
};
#define N_LEVELS (int)(sizeof LEVELS / sizeof LEVELS[0])

/* The registry names, in the order of LEVELS. */
static const char *const NAMES[] = {
    "popgym/position-only-pendulum-easy", "popgym/position-only-pendulum-medium",
    "popgym/position-only-pendulum-hard", "popgym/noisy-position-only-pendulum-easy",
    "popgym/noisy-position-only-pendulum-medium", "popgym/noisy-position-only-pendulum-hard", NULL,
};

/* The env: the view first (popgym.h's PopgymView, as the other popgym envs), the level, then
 * the saved state from `t` on, written as bytes (padding zeroed at creation). */
typedef struct PopPendulum {
    PopgymView pub;
    const PendLevel *level;
    /* ---- saved state ---- */
    int32_t t;          /* steps taken in this episode */
    float last_reward;  /* POPGym's scaled reward of the last step */
    float ret;          /* the scaled return so far */
    float obs[2];       /* the last observation */
    double s[2];        /* theta (rad), thetadot (rad/s) */
    double last_torque; /* the last applied torque (N m); NAN after a reset */
    double last_cost;   /* Pendulum's cost of the last step (its reward is minus this) */
    Rng rng;
} PopPendulum;

/* PositionOnlyPendulum.reward_transform of Pendulum's reward r, in its order:
 * ((r + (high - low) / 2) / ((high - low) / 2)) / L, so a step pays 1/L at cost 0 and -1/L at
 * Pendulum's largest cost, 16.2736044. */
static double reward_transform(double r, int length) {
    double shifted = r + (REWARD_HIGH - REWARD_LOW) / 2;
    double scaled = shifted / ((REWARD_HIGH - REWARD_LOW) / 2);
    return scaled / length;
}

/* The observation [cos theta, sin theta] (float32, Pendulum's _get_obs without thetadot); the
 * noisy variant adds np_random.normal(0, sigma) per value, cast to float32, adds in float32 and
 * clips to [-1, 1] (its observation_space). */
static void observe(PopPendulum *p) {
    p->obs[0] = (float)cos(p->s[0]);
    p->obs[1] = (float)sin(p->s[0]);
    if (p->level->sigma == 0.0) return;
    for (int i = 0; i < 2; i++) {
        float noise = (float)(p->level->sigma * rng_normal(&p->rng));
        float v = p->obs[i] + noise;
        p->obs[i] = v < -1.0f ? -1.0f : v > 1.0f ? 1.0f : v;
    }
}

static void sync_view(PopPendulum *p) {
    p->pub.step = p->t;
    p->pub.last_reward = p->last_reward;
    p->pub.ret = p->ret;
    p->pub.pend.state[0] = p->s[0];
    p->pub.pend.state[1] = p->s[1];
    p->pub.pend.last_action = p->last_torque;
    p->pub.pend.last_reward = -p->last_cost;
    p->pub.pend.steps = p->t;
}

static void begin(PopPendulum *p) {
    p->t = 0;
    p->last_reward = 0.0f;
    p->ret = 0.0f;
    p->last_torque = NAN;
    p->last_cost = 0.0;
}

static void *pp_create(const EnvConfig *cfg, int *obs_dim, int *n_actions, Err *err) {
    const PendLevel *level = NULL;
    for (int i = 0; i < N_LEVELS && !level; i++)
        if (strcmp(LEVELS[i].name, cfg->name) == 0) level = &LEVELS[i];
    if (!level) {
        err_set(err, "env.name: unknown popgym env '%s'", cfg->name);
        return NULL;
    }
    if (cfg->max_steps != 0) {
        err_set(err, "env.max_steps: does not apply to %s (its episodes last %d steps, as POPGym's %s "
                "%s; leave it 0)", cfg->name, level->max_length, level->title, level->difficulty);
        return NULL;
    }
    if (cfg->integrator != ENV_INTEGRATOR_EULER) {
        err_set(err, "env.integrator: does not apply to %s (only cartpole has integrators)", cfg->name);
        return NULL;
    }
    if (cfg->map[0]) {
        err_set(err, "env.map: '%s' does not apply to %s (only gridworld/map reads a map)", cfg->map, cfg->name);
        return NULL;
    }
    if (cfg->see_through) {
        err_set(err, "env.see_through: does not apply to %s (only gridworld envs have walls)", cfg->name);
        return NULL;
    }
    PopPendulum *p = calloc(1, sizeof *p); /* zeroed: the saved bytes have no stray padding */
    if (!p) {
        err_set(err, "out of memory creating %s", cfg->name);
        return NULL;
    }
    p->level = level;
    p->pub.name = level->name;
    p->pub.game = level->title;
    p->pub.difficulty = level->difficulty;
    p->pub.max_length = level->max_length;
    p->pub.last_action = -1;
    p->pub.pendulum = true;
    p->pub.pend.max_steps = level->max_length;
    rng_seed(&p->rng, 0, 0);
    begin(p);
    pendulum_reset_state(p->s, &p->rng); /* a valid episode before the first reset */
    observe(p);
    sync_view(p);
    *obs_dim = 2;
    *n_actions = 0;
    return p;
}

static void pp_destroy(void *self) { free(self); }

static void pp_seed(void *self, uint64_t seed, uint64_t stream) { rng_seed(&((PopPendulum *)self)->rng, seed, stream); }

/* PositionOnlyPendulum.reset: PendulumEnv.reset, the first observation without thetadot (the
 * noisy variant adds its noise). */
static void pp_reset(void *self, float *obs) {
    PopPendulum *p = self;
    begin(p);
    pendulum_reset_state(p->s, &p->rng);
    observe(p);
    sync_view(p);
    obs[0] = p->obs[0];
    obs[1] = p->obs[1];
}

static int pp_action_box(const void *self, float *low, float *high) {
    (void)self;
    low[0] = -MAX_TORQUE;
    high[0] = MAX_TORQUE;
    return 1;
}

/* PositionOnlyPendulum.step: PendulumEnv.step (reward -cost in double), truncated when the
 * step count reaches L, the reward transformed; never terminated. Stepping past the end without
 * a reset changes nothing and reports terminated (as the other popgym envs). */
static void pp_step(void *self, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated) {
    PopPendulum *p = self;
    if (p->t >= p->level->max_length) {
        *reward = 0.0f;
        *terminated = true;
        *truncated = false;
    } else {
        p->last_cost = pendulum_dynamics(p->s, action[0], &p->last_torque);
        double r = reward_transform(-p->last_cost, p->level->max_length);
        p->t++;
        p->last_reward = (float)r;
        p->ret += (float)r;
        *reward = (float)r;
        *terminated = false;
        *truncated = p->t >= p->level->max_length;
        observe(p);
        sync_view(p);
    }
    obs[0] = p->obs[0];
    obs[1] = p->obs[1];
}

static const void *pp_view(const void *self) { return &((const PopPendulum *)self)->pub; }

/* The saved state: a header naming the level, then the env's bytes from `t` on. */
typedef struct PendSaved {
    uint32_t magic;
    int32_t level;
} PendSaved;

#define SAVED_FROM offsetof(PopPendulum, t)
#define SAVED_BYTES (sizeof(PopPendulum) - SAVED_FROM)

static size_t pp_state_size(const void *self) {
    (void)self;
    return sizeof(PendSaved) + SAVED_BYTES;
}

static void pp_state_save(const void *self, void *buf) {
    const PopPendulum *p = self;
    PendSaved h = {STATE_MAGIC, (int32_t)(p->level - LEVELS)};
    memcpy(buf, &h, sizeof h);
    memcpy((char *)buf + sizeof h, (const char *)p + SAVED_FROM, SAVED_BYTES);
}

static int pp_state_load(void *self, const void *buf, Err *err) {
    PopPendulum *p = self, q;
    PendSaved h;
    memcpy(&h, buf, sizeof h);
    if (h.magic != STATE_MAGIC) return err_set(err, "popgym state: not a popgym pendulum state (bad magic)");
    if (h.level != (int32_t)(p->level - LEVELS))
        return err_set(err, "popgym state: saved by another env than %s (level %d)", p->level->name, h.level);
    memcpy(&q, p, sizeof q); /* checked on a copy, so a bad state leaves p as it was */
    memcpy((char *)&q + SAVED_FROM, (const char *)buf + sizeof h, SAVED_BYTES);
    if (check_range(q.t, 0, q.level->max_length, "step count", err)) return -1;
    if ((q.rng.inc & 1u) == 0) return err_set(err, "popgym state: RNG stream is not odd");
    if (!isfinite(q.s[0]) || !isfinite(q.s[1]) || !isfinite(q.last_cost))
        return err_set(err, "popgym state: a pendulum value is not finite");
    for (int i = 0; i < 2; i++)
        if (!(q.obs[i] >= -1.0f && q.obs[i] <= 1.0f)) return err_set(err, "popgym state: observation %d outside [-1, 1]", i);
    memcpy(p, &q, sizeof *p);
    sync_view(p);
    return 0;
}

const EnvClass popgym_pendulum_class = {
    .names = NAMES,
    .create = pp_create,
    .destroy = pp_destroy,
    .seed = pp_seed,
    .reset = pp_reset,
    .action_box = pp_action_box,
    .step_box = pp_step,
    .view = pp_view,
    .state_size = pp_state_size,
    .state_save = pp_state_save,
    .state_load = pp_state_load,
};

int popgym_pendulum_test_setup(Env *env, const double *values, int n, float *obs, Err *err) {
    PopPendulum *p = env->self;
    if (n != 2) return err_set(err, "%s: the setup is the state [theta, thetadot], got %d values", p->level->name, n);
    if (!isfinite(values[0]) || !isfinite(values[1])) return err_set(err, "%s: a state value is not finite", p->level->name);
    begin(p);
    p->s[0] = values[0];
    p->s[1] = values[1];
    observe(p);
    sync_view(p);
    obs[0] = p->obs[0];
    obs[1] = p->obs[1];
    return 0;
}
