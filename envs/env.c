/* env.c: the registry of env classes and creation by name (see env.h). */
#include "envs/env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The registry: one line per env class, in the order `ppo env list` shows them. A class is
 * defined (not static) in its own .c file as `const EnvClass NAME_class = {...}`; nothing else
 * of it is needed here (README "Your own environment"). */
#define ENV_CLASSES(X)                                                                            \
    X(cartpole_class)                                                                             \
    X(acrobot_class)                                                                              \
    X(mountaincar_class)                                                                          \
    X(mountaincar_continuous_class)                                                               \
    X(pendulum_class)                                                                             \
    X(gridworld_class)                                                                            \
    X(popgym_class)                                                                               \
    X(popgym_pendulum_class)                                                                      \
    X(tmaze_class)                                                                                \
    /* a new env: one line X(NAME_class) above this one */

#define ENV_DECLARE(c) extern const EnvClass c;
#define ENV_ADDRESS(c) &c,
ENV_CLASSES(ENV_DECLARE)
static const EnvClass *const REGISTRY[] = {ENV_CLASSES(ENV_ADDRESS)};
#define N_CLASSES (sizeof REGISTRY / sizeof REGISTRY[0])

int env_names(const char **names, int max) {
    int k = 0;
    for (size_t i = 0; i < N_CLASSES; i++)
        for (const char *const *nm = REGISTRY[i]->names; *nm; nm++, k++)
            if (k < max) names[k] = *nm;
    return k;
}

/* Whether names [i], [i + 1], [i + 2] are STEM-easy, STEM-medium, STEM-hard; the stem's length
 * goes to *stem. */
static bool difficulty_triple(const char *const *names, int i, int n, size_t *stem) {
    if (i + 2 >= n) return false;
    size_t len = strlen(names[i]);
    if (len < 5 || strcmp(names[i] + len - 5, "-easy") != 0) return false;
    *stem = len - 4; /* "STEM-" */
    return strncmp(names[i + 1], names[i], *stem) == 0 && strcmp(names[i + 1] + *stem, "medium") == 0 &&
           strncmp(names[i + 2], names[i], *stem) == 0 && strcmp(names[i + 2] + *stem, "hard") == 0;
}

void env_known_names(char *buf, size_t n) {
    const char *names[256];
    int k = env_names(names, 256);
    if (k > 256) k = 256;
    size_t used = 0, stem;
    buf[0] = '\0';
    for (int i = 0; i < k && used < n; i++) {
        const char *sep = used ? ", " : "";
        if (difficulty_triple(names, i, k, &stem)) {
            used += (size_t)snprintf(buf + used, n - used, "%s%.*s{easy,medium,hard}", sep, (int)stem, names[i]);
            i += 2;
        } else {
            used += (size_t)snprintf(buf + used, n - used, "%s%s", sep, names[i]);
        }
    }
}

static bool class_accepts(const EnvClass *cls, const char *name) {
    for (const char *const *nm = cls->names; *nm; nm++)
        if (strcmp(*nm, name) == 0) return true;
    return false;
}

int env_create(Env **out, const EnvConfig *cfg, Err *err) {
    *out = NULL;
    const EnvClass *cls = NULL;
    for (size_t i = 0; i < N_CLASSES && !cls; i++)
        if (class_accepts(REGISTRY[i], cfg->name)) cls = REGISTRY[i];
    if (!cls) {
        char known[900];
        env_known_names(known, sizeof known);
        return err_input(err, "env.name: unknown env '%s' (known: %s)", cfg->name, known);
    }
    Env *env = calloc(1, sizeof *env);
    if (!env) return err_set(err, "out of memory creating env '%s'", cfg->name);
    env->cls = cls;
    env->self = cls->create(cfg, &env->obs_dim, &env->n_actions, err);
    if (!env->self) { /* an option the env refuses, a map that does not parse */
        free(env);
        return err_as_input(err);
    }
    if (cls->action_box) {
        env->action_dim = cls->action_box(env->self, env->action_low, env->action_high);
        env->n_actions = 0;
    }
    snprintf(env->name, sizeof env->name, "%s", cfg->name);
    env->obs_cells = cls->obs_cells;
    env->obs_cell_dim = cls->obs_cell_dim;
    *out = env;
    return 0;
}

void env_destroy(Env *env) {
    if (!env) return;
    env->cls->destroy(env->self);
    free(env);
}
