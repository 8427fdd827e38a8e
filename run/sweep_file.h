/* sweep_file.h: a sweep file (YAML, read with libyaml) and the runs it expands to.
 *
 * A sweep names base configs, overrides for every run (set), a grid or a list of override
 * sets (each one a variant), seeds, an evaluation protocol, per-task figures for the report
 * and an output folder (README "Sweeps" has the format and an example). It expands to
 * configs x variants x seeds runs, in that order (the seed changing fastest); each run is a
 * config file with these overrides, in this order: run.workers=1, the sweep's set, the
 * variant's, run.seed, run.runs_dir (OUT/runs) and run.run_name (its name in the sweep).
 *
 * A group is one config with one variant, over the seeds; a group's task is the config's
 * env.name (or the task the file gives it) and its method the config's policy.kind (or the
 * method the file gives it) followed by the variant's overrides. The report aggregates one
 * method's groups over the tasks.
 *
 * sweep_load checks everything before any run starts: a malformed file, an unknown or
 * duplicate key, a wrong type, a grid or set that names an unknown config key, and every
 * expanded run's config (config_load, so every value, cross-field rule, env and policy);
 * messages name the sweep file's line and column, and the config's own message follows. */
#ifndef PPO_SWEEP_FILE_H
#define PPO_SWEEP_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/file.h"
#include "run/config.h"

#define SWEEP_NAME_LEN 96   /* a task's or method's name */
#define SWEEP_SET_LEN 320   /* one "section.key=value" override */
#define SWEEP_MAX_SETS 32   /* overrides of the sweep's set, or of one variant */
#define SWEEP_MAX_CONFIGS 256
#define SWEEP_MAX_SEEDS 1000
#define SWEEP_MAX_VARIANTS 4096
#define SWEEP_MAX_RUNS 100000

/* Where in the sweep file something was written (1-based; 0 when not written there). */
typedef struct SweepWhere {
    int line, col;
} SweepWhere;

typedef enum SweepCkpt { SWEEP_FINAL, SWEEP_BEST } SweepCkpt;     /* latest.ckpt, best.ckpt */
typedef enum SweepMode { SWEEP_DETERMINISTIC, SWEEP_SAMPLED } SweepMode; /* argmax, sampled */
extern const char *const SWEEP_CKPT_NAMES[2]; /* "final", "best" */
extern const char *const SWEEP_MODE_NAMES[2]; /* "deterministic", "sampled" */

/* One override, as written in the file. */
typedef struct SweepSet {
    char text[SWEEP_SET_LEN]; /* "section.key=value" */
    SweepWhere at;
} SweepSet;

/* One entry of `configs:`. */
typedef struct SweepConfig {
    char path[PATH_LEN];
    char task[SWEEP_NAME_LEN];   /* "" = the config's env.name */
    char method[SWEEP_NAME_LEN]; /* "" = the config's policy.kind */
    char stem[CONFIG_NAME_LEN];  /* the file name without .yaml, unique in the sweep */
    SweepWhere at;
} SweepConfig;

/* One variant: a point of the grid, or an entry of the list (no overrides when neither is given). */
typedef struct SweepVariant {
    int n_sets;
    SweepSet sets[SWEEP_MAX_SETS];
    char label[SWEEP_SET_LEN]; /* the overrides joined by ", " ("" for none) */
    char method[SWEEP_NAME_LEN]; /* a list entry's method: NAME ("" for none): its groups' method */
} SweepVariant;

/* The figures of one task (`tasks:`), for the report. */
typedef struct SweepTask {
    char name[SWEEP_NAME_LEN];
    bool normalized;     /* random and max given: scores are (return - random) / (max - random) */
    double random, max;  /* the returns that score 0 and 1 */
    bool has_target;
    double target;       /* steps to target: the first update whose mean training return over
                            the last 100 episodes reaches it; default the config's run.stop_return */
    bool has_success;
    double success;      /* an evaluation episode with a return >= success is a success */
    int episodes;        /* evaluation episodes of this task's runs; 0 = eval.episodes */
    SweepWhere at;
} SweepTask;

/* How each finished run is evaluated (`eval:`): every checkpoint listed with every mode listed;
 * the first of each is the one the report's scores and aggregates use. */
typedef struct SweepEval {
    int episodes;            /* default 100 */
    int n_ckpts;
    SweepCkpt ckpts[2];      /* default final, best */
    int n_modes;
    SweepMode modes[2];      /* default deterministic, sampled */
    bool seed_is_run;        /* default: each run's eval seed is its run.seed */
    long seed;               /* else this one */
    int num_envs;            /* episodes played side by side, default 16 */
} SweepEval;

/* One run of the sweep. */
typedef struct SweepRun {
    int config, variant, group; /* group = config * n_variants + variant */
    long seed;
    char name[CONFIG_NAME_LEN]; /* its run folder's name in OUT/runs */
    int task;                   /* index into Sweep.tasks */
    long total_timesteps;       /* of its resolved config */
    int workers;                /* its run.workers: the threads it runs on */
    double target;              /* NAN when none */
    int episodes;               /* evaluation episodes */
} SweepRun;

/* A group: one config with one variant, over the seeds. */
typedef struct SweepGroup {
    int config, variant, task;
    char method[SWEEP_NAME_LEN + SWEEP_SET_LEN + 4]; /* method, then " (" variant label ")" */
} SweepGroup;

typedef struct Sweep {
    char path[PATH_LEN];  /* the sweep file */
    char out[PATH_LEN];   /* output folder; default runs/sweeps/STEM */
    int n_configs;
    SweepConfig *configs;
    int n_seeds;
    long *seeds;
    int n_sets;                /* overrides of every run */
    SweepSet sets[SWEEP_MAX_SETS];
    int n_variants;            /* >= 1 */
    char variants_from[8];     /* "grid", "list", or "" when neither is given */
    SweepVariant *variants;
    int jobs;                  /* runs at a time; 0 = not given */
    SweepEval eval;
    int n_tasks;               /* every task of the runs, those of `tasks:` first */
    SweepTask *tasks;
    int bootstrap;             /* resamples of the intervals; default 50000 (rliable's reps) */
    uint64_t bootstrap_seed;   /* default 0 */
    int n_groups;
    SweepGroup *groups;        /* [n_configs * n_variants] */
    int n_runs;
    SweepRun *runs;            /* [n_groups * n_seeds], group by group */
} Sweep;

/* Reads and checks the sweep file at path and expands its runs into sw (free with sweep_free).
 * Errors (ERR_INPUT, naming path:line:column and the key): unreadable file, malformed YAML,
 * unknown or duplicate key, wrong type or value, a grid, list or set naming an unknown config
 * key or a bad value, a config that does not load with a run's overrides, two groups with the
 * same task and method, a task in `tasks:` that no run has. */
int sweep_load(Sweep *sw, const char *path, Err *err);

/* Frees what sweep_load allocated (a zeroed Sweep is fine). */
void sweep_free(Sweep *sw);

/* The overrides of run r into sets [SWEEP_MAX_SETS * 2 + 4][SWEEP_SET_LEN] (see the top of this
 * file for their order); returns how many. */
int sweep_run_sets(const Sweep *sw, int r, char sets[][SWEEP_SET_LEN]);

/* Loads run r's resolved config into cfg (config_load of its config with sweep_run_sets).
 * Errors: those of config_load. */
int sweep_run_config(const Sweep *sw, int r, TrainConfig *cfg, Err *err);

#endif
