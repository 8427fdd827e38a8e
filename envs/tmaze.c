/* tmaze.c: the T-maze (see tmaze.h), made from envs/template.c; registered by the one line
 * X(tmaze_class) in envs/env.c. */
#include "envs/tmaze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "envs/env.h"

#define SHORT_LENGTH 10/* cells from the start to the junction, "tmaze" */
#define LONG_LENGTH 30  /* "tmaze-long" */
#define STEPS_PER_CELL 3 /* default max_steps = this times the length */
#define OBS_DIM 3

typedef struct Tmaze {
    TmazeView pub; /* what env_view shows: the maze, the agent, the goal, the steps */
    Rng rng;
} Tmaze;

/* The saved state: everything that changes while the env runs. */
typedef struct TmazeSaved {
    int32_t pos, steps, goal_north, pad;
    Rng rng;
} TmazeSaved;

static const char *const TMAZE_NAMES[] = {"tmaze", "tmaze-long", NULL};
static const char *const TMAZE_ACTIONS[] = {"east", "west", "north", "south"};

static void *tmaze_create(const EnvConfig *cfg, int *obs_dim, int *n_actions, Err *err) {
    const int length = strcmp(cfg->name, "tmaze-long") == 0 ? LONG_LENGTH : SHORT_LENGTH;
    if (cfg->max_steps < 0) {
        err_set(err, "env.max_steps: %d is out of range (allowed: 1 or more, or 0 for %d)", cfg->max_steps,
                STEPS_PER_CELL * length);
        return NULL;
    }
    if (cfg->integrator != ENV_INTEGRATOR_EULER) {
        err_set(err, "env.integrator: does not apply to %s (only cartpole envs have one)", cfg->name);
        return NULL;
    }
    if (cfg->map[0] || cfg->map_text) {
        err_set(err, "env.map: does not apply to %s (only gridworld/map reads a map)", cfg->name);
        return NULL;
    }
    if (cfg->see_through) {
        err_set(err, "env.see_through: does not apply to %s (only gridworld envs have walls)", cfg->name);
        return NULL;
    }
    Tmaze *t = calloc(1, sizeof *t);
    if (!t) {
        err_set(err, "out of memory creating %s", cfg->name);
        return NULL;
    }
    t->pub.length = length;
    t->pub.max_steps = cfg->max_steps ? cfg->max_steps : STEPS_PER_CELL * length;
    rng_seed(&t->rng, 0, 0);
    *obs_dim = OBS_DIM;
    *n_actions = 4;
    return t;
}

static void tmaze_destroy(void *self) { free(self); }

static void tmaze_seed(void *self, uint64_t seed, uint64_t stream) { rng_seed(&((Tmaze *)self)->rng, seed, stream); }

/* Bakker's observation coding (tmaze.h); the road sign only before the first step. */
static void tmaze_observe(const Tmaze *t, float *obs) {
    const TmazeView *v = &t->pub;
    if (v->steps == 0) {
        obs[0] = v->goal_north ? 0.0f : 1.0f;
        obs[1] = 1.0f;
        obs[2] = v->goal_north ? 1.0f : 0.0f;
    } else if (v->pos == v->length) {
        obs[0] = 0.0f, obs[1] = 1.0f, obs[2] = 0.0f;
    } else {
        obs[0] = 1.0f, obs[1] = 0.0f, obs[2] = 1.0f;
    }
}

static void tmaze_reset(void *self, float *obs) {
    Tmaze *t = self;
    t->pub.pos = 0;
    t->pub.steps = 0;
    t->pub.goal_north = rng_below(&t->rng, 2) == 0;
    tmaze_observe(t, obs);
}

static void tmaze_step(void *self, int action, float *obs, float *reward, bool *terminated, bool *truncated) {
    Tmaze *t = self;
    TmazeView *v = &t->pub;
    *reward = 0.0f;
    *terminated = false;
    if (action == TMAZE_EAST && v->pos < v->length) v->pos++;
    else if (action == TMAZE_WEST && v->pos > 0) v->pos--;
    else if ((action == TMAZE_NORTH || action == TMAZE_SOUTH) && v->pos == v->length) {
        *terminated = true;
        *reward = (action == TMAZE_NORTH) == v->goal_north ? 1.0f : 0.0f;
    }
    v->steps++;
    *truncated = !*terminated && v->steps >= v->max_steps;
    tmaze_observe(t, obs);
}

static const void *tmaze_view(const void *self) { return &((const Tmaze *)self)->pub; }

static size_t tmaze_state_size(const void *self) {
    (void)self;
    return sizeof(TmazeSaved);
}

static void tmaze_state_save(const void *self, void *buf) {
    const Tmaze *t = self;
    TmazeSaved s = {t->pub.pos, t->pub.steps, t->pub.goal_north, 0, t->rng};
    memcpy(buf, &s, sizeof s);
}

static int tmaze_state_load(void *self, const void *buf, Err *err) {
    Tmaze *t = self;
    TmazeSaved s;
    memcpy(&s, buf, sizeof s);
    if (s.pos < 0 || s.pos > t->pub.length)
        return err_set(err, "tmaze state: cell %d outside 0..%d", s.pos, t->pub.length);
    if (s.steps < 0 || s.steps > t->pub.max_steps)
        return err_set(err, "tmaze state: step count %d outside 0..%d", s.steps, t->pub.max_steps);
    if (s.goal_north != 0 && s.goal_north != 1) return err_set(err, "tmaze state: goal %d is not 0 or 1", s.goal_north);
    if ((s.rng.inc & 1u) == 0) return err_set(err, "tmaze state: RNG stream is not odd");
    t->pub.pos = s.pos;
    t->pub.steps = s.steps;
    t->pub.goal_north = s.goal_north;
    t->rng = s.rng;
    return 0;
}

/* The maze as text: the arms' ends (G the goal, X the other) above and below the junction, the
 * corridor with the agent (@) and the road sign (^ or v) in cell 0 while it is shown. */
static void tmaze_describe(const void *self, char *buf, size_t n) {
    const TmazeView *v = &((const Tmaze *)self)->pub;
    char north[LONG_LENGTH + 2], row[LONG_LENGTH + 2], south[LONG_LENGTH + 2];
    const int w = v->length + 1;
    memset(north, ' ', (size_t)w);
    memset(south, ' ', (size_t)w);
    memset(row, '.', (size_t)w);
    north[v->length] = v->goal_north ? 'G' : 'X';
    south[v->length] = v->goal_north ? 'X' : 'G';
    row[v->length] = '+';
    if (v->steps == 0) row[0] = v->goal_north ? '^' : 'v';
    row[v->pos] = '@';
    north[w] = row[w] = south[w] = '\0';
    snprintf(buf, n, "%s\n%s\n%s\n\nthe goal is %s; the sign shows it at the start only\nstep %d of %d\n", north, row,
             south, v->goal_north ? "north" : "south", v->steps, v->max_steps);
}

/* The class, the one symbol of this file that others see: X(tmaze_class) in envs/env.c. */
const EnvClass tmaze_class = {
    .names = TMAZE_NAMES,
    .create = tmaze_create,
    .destroy = tmaze_destroy,
    .seed = tmaze_seed,
    .reset = tmaze_reset,
    .step = tmaze_step,
    .view = tmaze_view,
    .state_size = tmaze_state_size,
    .state_save = tmaze_state_save,
    .state_load = tmaze_state_load,
    .describe = tmaze_describe,
    .action_names = TMAZE_ACTIONS,
    .steps_per_second = 4,
};
