/* env.h: the one environment interface of ppo.
 *
 * An env is created by name from an EnvConfig ("cartpole", "cartpole-stateless", "acrobot",
 * "mountaincar", "mountaincar-continuous", "pendulum", "gridworld/LEVEL",
 * "popgym/GAME-DIFFICULTY"), and is then driven as in Gymnasium: seed, reset, step. Observations
 * are float32 vectors of env->obs_dim values written into caller-owned buffers. Actions are
 * either discrete, 0 .. env->n_actions - 1 (env_step), or, for a continuous env (action_dim > 0,
 * n_actions = 0), a float32 vector in a box [action_low, action_high]^action_dim (env_step_box;
 * Gymnasium's spaces.Box). Envs know nothing of policies, rendering or files: a
 * renderer reads an env's state only through env_view(). The vectorized form with same-step
 * autoreset is in vecenv.h.
 *
 * An implementation is an EnvClass (a table of function pointers over its own struct) listed in
 * env.c's registry (ENV_CLASSES, one line per class); code that runs envs never knows which one
 * it runs. A new env is one .c file (start from envs/template.c) and one line in that list:
 * README "Your own environment" walks through envs/tmaze.c. */
#ifndef PPO_ENV_H
#define PPO_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/file.h"

#define ENV_NAME_LEN 64
#define ENV_MAX_ACTION_DIM 8 /* dimensions of a continuous action at most */

/* CartPole's integrators (Gymnasium's kinematics_integrator). */
enum { ENV_INTEGRATOR_EULER = 0, ENV_INTEGRATOR_SEMI_IMPLICIT = 1 };

/* What an env is made from: the `env:` section of a run config. Zero fields take the env's
 * defaults; `ppo config` lists each documented default. */
typedef struct EnvConfig {
    char name[ENV_NAME_LEN]; /* registry name: "cartpole", "gridworld/empty-8x8", ... */
    int max_steps;           /* truncation after this many steps; 0 = the env's own default */
    int integrator;          /* cartpole: ENV_INTEGRATOR_EULER or ENV_INTEGRATOR_SEMI_IMPLICIT */
    char map[PATH_LEN];      /* gridworld/map: path of an ASCII map file */
    const char *map_text;    /* gridworld/map: when not NULL, the map file's text (NUL-terminated),
                                used instead of reading env.map (e.g. the copy a checkpoint holds);
                                borrowed: it must outlive the env_create calls made with it */
    bool see_through;        /* gridworld: walls and closed doors do not block sight */
} EnvConfig;

typedef struct Env Env;

/* The function table of one kind of env. `self` is the implementation's own struct. */
typedef struct EnvClass {
    const char *const *names; /* the names this class accepts, NULL-terminated */
    /* Allocates and initializes an env; returns NULL and fills err on a bad option. */
    void *(*create)(const EnvConfig *cfg, int *obs_dim, int *n_actions, Err *err);
    void (*destroy)(void *self);
    void (*seed)(void *self, uint64_t seed, uint64_t stream);
    void (*reset)(void *self, float *obs);
    /* Discrete envs: step with action 0 .. n_actions - 1 (NULL for a continuous env). */
    void (*step)(void *self, int action, float *obs, float *reward, bool *terminated,
                 bool *truncated);
    /* Continuous envs: the action box, dimension returned and bounds written into low [dim] and
     * high [dim]; and step with action [dim], which the env clips to the box itself, as
     * Gymnasium's envs do. Both NULL for a discrete env. */
    int (*action_box)(const void *self, float *low, float *high);
    void (*step_box)(void *self, const float *action, float *obs, float *reward, bool *terminated,
                     bool *truncated);
    const void *(*view)(const void *self);
    size_t (*state_size)(const void *self);
    void (*state_save)(const void *self, void *buf);
    int (*state_load)(void *self, const void *buf, Err *err);
    /* Optional, for `ppo watch` of an env the viewer has no picture of (NULL or 0 when absent;
     * the viewer then refuses the env): */
    /* Writes a text picture of the state, '\n'-separated lines of at most 72 characters, at
     * most 18 of them, NUL-terminated and cut to fit buf [n]. */
    void (*describe)(const void *self, char *buf, size_t n);
    const char *const *action_names; /* a short name per action (n_actions of them), or NULL */
    double steps_per_second;         /* the viewer's pace at speed 1; 0: 4 steps a second */
    /* Optional: the observation starts with a grid of obs_cells cells of obs_cell_dim values
     * each (cell-major), which policy.cell_embed encodes cell by cell; 0 and 0 when it has none. */
    int obs_cells, obs_cell_dim;
} EnvClass;

struct Env {
    const EnvClass *cls;
    void *self;
    int obs_dim;   /* length of one observation, float32 values */
    int n_actions; /* discrete actions 0 .. n_actions - 1; 0 for a continuous env */
    int action_dim; /* continuous envs: dimensions of the action box; 0 for a discrete env */
    float action_low[ENV_MAX_ACTION_DIM], action_high[ENV_MAX_ACTION_DIM]; /* the box, per dim */
    char name[ENV_NAME_LEN];
    int obs_cells, obs_cell_dim; /* the class's grid of cells at the start of obs (0, 0: none) */
};

/* Creates the env named cfg->name. Errors (ERR_INPUT): an unknown name (the message lists the
 * known names), or an option the env rejects (the message names the key and what is allowed). */
int env_create(Env **out, const EnvConfig *cfg, Err *err);

/* Frees an env made by env_create (NULL is allowed). */
void env_destroy(Env *env);

/* Writes one line listing every registered env name into buf [n] (truncated to fit), for --help
 * and error messages; a family's STEM-easy, STEM-medium and STEM-hard are written as
 * STEM-{easy,medium,hard}. */
void env_known_names(char *buf, size_t n);

/* Stores up to max registered env names, in registry order, into names; returns how many there
 * are in all (which may exceed max). */
int env_names(const char **names, int max);

/* Seeds the env's own RNG from (seed, stream), as Gymnasium's reset(seed=...) does; the next
 * reset draws from it. A vectorized env seeds env i with (seed, i). */
static inline void env_seed(Env *env, uint64_t seed, uint64_t stream) {
    env->cls->seed(env->self, seed, stream);
}

/* Starts a new episode and writes its first observation, obs [obs_dim]. */
static inline void env_reset(Env *env, float *obs) { env->cls->reset(env->self, obs); }

/* Applies action (0 .. n_actions - 1) and writes the next observation obs [obs_dim], the reward,
 * and whether the episode terminated (an end state of the task) or was truncated (the step
 * limit). Stepping after the end without a reset is the caller's error. No autoreset here. */
static inline void env_step(Env *env, int action, float *obs, float *reward, bool *terminated,
                            bool *truncated) {
    env->cls->step(env->self, action, obs, reward, terminated, truncated);
}

/* Continuous envs: applies action [action_dim] (float32, clipped to the box by the env) and
 * writes what env_step writes. */
static inline void env_step_box(Env *env, const float *action, float *obs, float *reward,
                                bool *terminated, bool *truncated) {
    env->cls->step_box(env->self, action, obs, reward, terminated, truncated);
}

/* A continuous action [action_dim] clipped to the env's box into out [action_dim] (Gymnasium's
 * ClipAction wrapper); in and out may be the same array. */
static inline void env_clip_action(const Env *env, const float *in, float *out) {
    for (int j = 0; j < env->action_dim; j++) {
        float x = in[j], lo = env->action_low[j], hi = env->action_high[j];
        out[j] = x < lo ? lo : x > hi ? hi : x;
    }
}

/* The number of policy outputs that select an action: n_actions logits for a discrete env,
 * action_dim means for a continuous one. */
static inline int env_action_outputs(const Env *env) {
    return env->action_dim > 0 ? env->action_dim : env->n_actions;
}

/* Read-only view of the env's state for renderers; its type is the env's own (CartPoleView in
 * cartpole.h, ClassicView in classic.h, GridView in gridworld.h, PopgymView in popgym/popgym.h), told apart by env->name. */
static inline const void *env_view(const Env *env) { return env->cls->view(env->self); }

/* Writes the env's text picture into buf [n] (EnvClass.describe) and returns 0, or returns -1
 * and leaves buf empty when the env has none. */
static inline int env_describe(const Env *env, char *buf, size_t n) {
    if (n) buf[0] = '\0';
    if (!env->cls->describe) return -1;
    env->cls->describe(env->self, buf, n);
    return 0;
}

/* The env's full state (including its RNG) as bytes, for checkpoints: env_state_size() bytes
 * written by env_state_save() and read back by env_state_load(), which fails with a message on
 * a state that is not valid for this env. */
static inline size_t env_state_size(const Env *env) { return env->cls->state_size(env->self); }
static inline void env_state_save(const Env *env, void *buf) { env->cls->state_save(env->self, buf); }
static inline int env_state_load(Env *env, const void *buf, Err *err) {
    return env->cls->state_load(env->self, buf, err);
}

#endif
