/* export.h: `ppo export`: a checkpoint's policy as dependency-free C (README "Export a policy").
 *
 * From a checkpoint it writes, into a folder, three files named after NAME (a C identifier):
 *   NAME.h           the API: NAME_state (the recurrent state, the previous action and whether
 *                    the next step starts an episode, sized at compile time), NAME_reset,
 *                    NAME_step, and the constants NAME_OBS_DIM, NAME_N_ACTIONS, NAME_STATE_SIZE
 *                    (NAME in capitals); its comment documents the network, the training run and
 *                    how to call it;
 *   NAME.c           the weights as static const float arrays and one step of the network: C99,
 *                    float only, nothing but <math.h>, no allocation, no mutable global state;
 *   NAME_selftest.c  a program that replays observations ppo recorded (EXPORT_EPISODES
 *                    episodes of the checkpoint's env, played through ppo's own policy_step with
 *                    its plain-loop products, episode starts included) and compares NAME_step's
 *                    actions, probabilities and values with ppo's, printing the largest relative
 *                    difference; it exits 1 beyond EXPORT_SELFTEST_LIMIT (or on any other
 *                    action).
 * The same checkpoint gives the same files, byte for byte.
 *
 * The network part of NAME.c comes from an emitter per policy kind (export_emit.h); the rest is
 * the same for every kind. */
#ifndef PPO_EXPORT_H
#define PPO_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/file.h"

#define EXPORT_NAME_LEN 64         /* bytes of NAME, NUL included */
#define EXPORT_EPISODES 10         /* episodes the selftest replays */
#define EXPORT_SEED 12345          /* their env seed (ppo eval's default): env (seed, 0), reset
                                      between episodes; odd episodes sample actions with uniforms
                                      from the stream (seed, 1), even ones take the argmax */
#define EXPORT_OBS_FLOATS (1 << 16) /* an episode is cut after max(EXPORT_MIN_STEPS, this /
                                       (EXPORT_EPISODES * obs_dim)) steps, so the selftest's data
                                       stays small for large observations */
#define EXPORT_MIN_STEPS 16
#define EXPORT_REL_FLOOR 1.0       /* the selftest's measure: |x - ppo| / max(|ppo|, floor), the
                                      scale of a probability and of a reward (README "Export a
                                      policy": why not smaller) */
#define EXPORT_SELFTEST_LIMIT 1e-5 /* the selftest fails beyond this largest relative difference */

typedef struct ExportOptions {
    const char *dir;  /* the output folder, made (with its parents) when missing */
    const char *name; /* NAME, or NULL for export_default_name of the checkpoint's env */
    /* Record ppo's outputs with cblas's products, as ppo eval computes them, instead of the
     * plain loops of policy_work_set_naive (tests: how far the two are apart). By default the
     * recording is ppo's plain-loop reference, the order of operations NAME.c follows: its
     * values agree with NAME.c's bit for bit, whatever BLAS ppo was built with. */
    bool blas;
} ExportOptions;

typedef struct ExportResult {
    char name[EXPORT_NAME_LEN];
    char header[PATH_LEN], source[PATH_LEN], selftest[PATH_LEN]; /* the files written */
    char kind[16];
    int obs_dim, n_actions;
    size_t n_params, state_size;
    int steps, episodes; /* what the selftest replays */
} ExportResult;

/* Exports the policy of the checkpoint at path (see above). Errors, before anything is written
 * (ERR_INPUT): NAME is not a C identifier (export_name_check); the checkpoint is missing,
 * damaged or does not make its policy; a Gaussian policy or one trained on normalized
 * observations (not exported yet); no emitter for its policy kind; a parameter that is not
 * finite; the folder cannot be made or written; a file NAME.h, NAME.c or NAME_selftest.c is
 * already there (nothing is overwritten). Then ERR_FAILED: env creation, memory, a failed write
 * (files written before it stay). */
int export_checkpoint(const char *path, const ExportOptions *opts, ExportResult *res, Err *err);

/* 0 when name can be NAME: a C identifier ([A-Za-z_][A-Za-z0-9_]*) shorter than EXPORT_NAME_LEN
 * that is no C keyword and does not start with '_' (NAME_step and the others would be reserved
 * identifiers); else -1 with err (ERR_INPUT) saying why. */
int export_name_check(const char *name, Err *err);

/* The default NAME for env_name: its letters and digits with every other character as '_', then
 * "_policy" ("cartpole" -> "cartpole_policy", "gridworld/memory-s7" ->
 * "gridworld_memory_s7_policy"); export_name_check says whether it can be used. */
void export_default_name(const char *env_name, char *out, size_t cap);

#endif
