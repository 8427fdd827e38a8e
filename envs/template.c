/* template.c: the starting point of a new env (README "Your own environment").
 *
 * To add an env NAME:
 *   1. copy this file to envs/NAME.c, rename template_/Template/TEMPLATE_ to NAME_/Name/NAME_
 *      and the name "template" in NAME_NAMES to "NAME";
 *   2. write its rules below (the struct, create, reset, step, the saved state);
 *   3. add the line X(NAME_class) to ENV_CLASSES in envs/env.c: the one line outside its files;
 *   4. give it a config (configs/NAME.yaml) and a test (tests/test_NAME.c).
 * The Makefile builds every .c file in envs/ and every tests/test_NAME.c by itself. envs/tmaze.c
 * is a worked example made this way.
 *
 * This file is built (so it keeps compiling as env.h changes) and tested (tests/test_template.c)
 * but not registered: `ppo` has no env "template".
 *
 * The task here, to be replaced: a corridor of LENGTH cells; the agent starts in cell 0 and
 * walks to the goal in cell LENGTH - 1.
 * Observation: 1 float, the agent's cell / (LENGTH - 1), in [0, 1].
 * Actions: 0 left, 1 right (a step into the end wall stays in place).
 * Reward: 1 on reaching the goal (terminated), 0 otherwise; truncated after max_steps
 * (env.max_steps, by default DEFAULT_MAX_STEPS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "envs/env.h"

#define LENGTH 8             /* cells */
#define DEFAULT_MAX_STEPS 32 /* steps before truncation when env.max_steps is 0 */

/* The env: its options, then its state. No allocation after create. */
typedef struct Template {
    int max_steps; /* option: truncation limit */
    int pos;       /* the agent's cell, 0 .. LENGTH - 1 */
    int steps;     /* steps taken in this episode */
    Rng rng;       /* the env's own random draws (env_seed); this task draws none */
} Template;

/* Everything that changes while the env runs, as a checkpoint stores it (fixed-size fields, no
 * pointers): env_state_save writes it, env_state_load checks and reads it. */
typedef struct TemplateSaved {
    int32_t pos, steps;
    Rng rng;
} TemplateSaved;

/* The names this class answers to in env.name; one class may serve several variants. */
static const char *const TEMPLATE_NAMES[] = {"template", NULL};
static const char *const TEMPLATE_ACTIONS[] = {"left", "right"};

/* Refuses the options of other envs (naming the key) and takes its own. */
static void *template_create(const EnvConfig *cfg, int *obs_dim, int *n_actions, Err *err) {
    if (cfg->max_steps < 0) {
        err_set(err, "env.max_steps: %d is out of range (allowed: 1 or more, or 0 for %d)", cfg->max_steps,
                DEFAULT_MAX_STEPS);
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
    Template *t = calloc(1, sizeof *t);
    if (!t) {
        err_set(err, "out of memory creating %s", cfg->name);
        return NULL;
    }
    t->max_steps = cfg->max_steps ? cfg->max_steps : DEFAULT_MAX_STEPS;
    rng_seed(&t->rng, 0, 0);
    *obs_dim = 1;
    *n_actions = 2;
    return t;
}

static void template_destroy(void *self) { free(self); }

static void template_seed(void *self, uint64_t seed, uint64_t stream) {
    rng_seed(&((Template *)self)->rng, seed, stream);
}

static void template_observe(const Template *t, float *obs) { obs[0] = (float)t->pos / (float)(LENGTH - 1); }

static void template_reset(void *self, float *obs) {
    Template *t = self;
    t->pos = 0;
    t->steps = 0;
    template_observe(t, obs);
}

static void template_step(void *self, int action, float *obs, float *reward, bool *terminated, bool *truncated) {
    Template *t = self;
    if (action == 1 && t->pos < LENGTH - 1) t->pos++;
    else if (action == 0 && t->pos > 0) t->pos--;
    t->steps++;
    *terminated = t->pos == LENGTH - 1;
    *truncated = !*terminated && t->steps >= t->max_steps;
    *reward = *terminated ? 1.0f : 0.0f;
    template_observe(t, obs);
}

/* What a renderer may read; this env's own struct (a public view type in a header if others
 * need its fields). */
static const void *template_view(const void *self) { return self; }

static size_t template_state_size(const void *self) {
    (void)self;
    return sizeof(TemplateSaved);
}

static void template_state_save(const void *self, void *buf) {
    const Template *t = self;
    TemplateSaved s = {t->pos, t->steps, t->rng};
    memcpy(buf, &s, sizeof s);
}

static int template_state_load(void *self, const void *buf, Err *err) {
    Template *t = self;
    TemplateSaved s;
    memcpy(&s, buf, sizeof s);
    if (s.pos < 0 || s.pos >= LENGTH) return err_set(err, "template state: cell %d outside 0..%d", s.pos, LENGTH - 1);
    if (s.steps < 0 || s.steps > t->max_steps)
        return err_set(err, "template state: step count %d outside 0..%d", s.steps, t->max_steps);
    if ((s.rng.inc & 1u) == 0) return err_set(err, "template state: RNG stream is not odd");
    t->pos = s.pos;
    t->steps = s.steps;
    t->rng = s.rng;
    return 0;
}

/* The text `ppo watch` draws: the corridor with the agent. */
static void template_describe(const void *self, char *buf, size_t n) {
    const Template *t = self;
    char row[LENGTH + 1];
    for (int i = 0; i < LENGTH; i++) row[i] = i == t->pos ? '@' : i == LENGTH - 1 ? 'G' : '.';
    row[LENGTH] = '\0';
    snprintf(buf, n, "%s\nstep %d of %d\n", row, t->steps, t->max_steps);
}

/* The class: the one symbol of this file that others see (ENV_CLASSES in envs/env.c). */
const EnvClass template_class = {
    .names = TEMPLATE_NAMES,
    .create = template_create,
    .destroy = template_destroy,
    .seed = template_seed,
    .reset = template_reset,
    .step = template_step,
    .view = template_view,
    .state_size = template_state_size,
    .state_save = template_state_save,
    .state_load = template_state_load,
    .describe = template_describe,
    .action_names = TEMPLATE_ACTIONS,
    .steps_per_second = 4,
};
