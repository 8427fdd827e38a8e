/* config.h: a training run's configuration, read from a YAML file (libyaml) with command-line
 * overrides, validated field by field and across fields.
 *
 * A config has four sections: env (EnvConfig, envs/env.h), policy (PolicyConfig,
 * policies/policy.h), ppo (PPOConfig) and run (RunConfig). Every key has a documented default
 * (config_print_keys); keys absent from the file keep it. Errors name the file, line, column and
 * key, and say what is allowed:
 *   configs/x.yaml:7:14: ppo.clip_coef: 'big' is not a number (allowed: a number in [0, 10])
 * Only this module includes libyaml. */
#ifndef PPO_CONFIG_H
#define PPO_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "algo/learner.h"
#include "core/err.h"
#include "core/file.h"
#include "envs/env.h"
#include "policies/policy.h"

#define CONFIG_NAME_LEN 128
#define CONFIG_YAML_MAX (1 << 16) /* bytes of a resolved config as YAML (config_to_yaml) */

/* The `run:` section: how much to train, in parallel how, and where outputs go. */
typedef struct RunConfig {
    long seed;               /* seed of every RNG of the run (envs, sampling, init, shuffles) */
    long total_timesteps;    /* env steps to train for, over all envs */
    int num_envs;            /* N: envs stepped in parallel */
    int num_steps;           /* T: steps per env per rollout */
    int workers;             /* rollout threads, each owning a contiguous slice of the envs */
    int learner_parts_per_worker; /* parts of a minibatch per worker, taken as workers finish */
    char run_name[CONFIG_NAME_LEN];  /* folder under runs_dir; "" = made from env, config, seed */
    char runs_dir[PATH_LEN];         /* where run folders are made */
    char branched_from[PATH_LEN];    /* a branch's starting checkpoint (trainer.h); "" otherwise */
    int checkpoint_interval; /* updates between checkpoints; 0 = only at the end */
    int keep_checkpoints;    /* K: how many periodic checkpoints to keep besides latest, best */
    double stop_return;      /* stop once the mean return of the last 100 episodes reaches it; 0 = never */
    int eval_interval;       /* updates between evaluations on eval envs of their own; 0 = none */
    int eval_episodes;       /* episodes per evaluation */
    bool eval_deterministic; /* evaluate with argmax actions (else sampled) */
    bool stop_on_eval;       /* judge stop_return on the evaluation's mean return */
    bool tensorboard;        /* write a TensorBoard event file into the run folder */
    int record_interval;     /* updates between recorded evaluation episodes (videos/); 0 = none */
} RunConfig;

typedef struct TrainConfig {
    EnvConfig env;
    PolicyConfig policy;
    PPOConfig ppo;
    RunConfig run;
    char source[PATH_LEN];        /* the file it was read from (for messages) */
} TrainConfig;

/* Sets every key to its documented default. */
void config_defaults(TrainConfig *cfg);

/* Reads the YAML file at path over the defaults, applies the overrides ("section.key=value",
 * n_overrides of them, in order), and validates every field and the fields against each other
 * (including that the env and policy can be created). Errors: unreadable file, malformed YAML,
 * unknown section or key, duplicate key, wrong type, out-of-range value, inconsistent fields;
 * the message names file:line:column (or the override) and the key. */
int config_load(TrainConfig *cfg, const char *path, char *const *overrides, int n_overrides,
                Err *err);

/* As config_load, from YAML text held in memory (e.g. a checkpoint's resolved config); `name`
 * stands for the file in messages. */
int config_load_string(TrainConfig *cfg, const char *text, size_t len, const char *name,
                       char *const *overrides, int n_overrides, Err *err);

/* Creates the policy cfg->policy describes for the env cfg->env describes (the env is made to
 * learn its observation and action sizes, then freed). Parameters are zero (policy_init
 * draws them). Errors: those of env_create and policy_create. */
int policy_for_config(Policy **out, const TrainConfig *cfg, Err *err);

/* The first key where two configs differ, with both values as the resolved YAML writes them. */
typedef struct ConfigDiff {
    char key[64];                 /* "section.key" */
    char a[PATH_LEN + 8];  /* its value in a */
    char b[PATH_LEN + 8];  /* its value in b */
} ConfigDiff;

/* Compares a and b field by field (numbers as values, strings as text), in the order `ppo
 * config` lists the keys, skipping the keys named in ignore ("section.key" each; a
 * NULL-terminated list, or NULL for none). Returns 0 when every other field agrees; else 1,
 * with the first differing key and both values in *d when d is not NULL. */
int config_diff(const TrainConfig *a, const TrainConfig *b, const char *const *ignore, ConfigDiff *d);

/* As config_load_string, with the text of the gridworld map file given (map_text, kept in
 * cfg->env.map_text and so borrowed: it must outlive cfg's use) instead of read from env.map:
 * how a checkpoint's config is loaded with the map the checkpoint holds. map_text NULL: as
 * config_load_string. */
int config_load_saved(TrainConfig *cfg, const char *text, size_t len, const char *name,
                      const char *map_text, char *const *overrides, int n_overrides, Err *err);

/* Writes the resolved config (every key of every section) as YAML into buf [cap], with a
 * trailing NUL; returns the length written, or -1 (with err) if it does not fit. */
long config_to_yaml(const TrainConfig *cfg, char *buf, size_t cap, Err *err);

/* Prints every key with its type, allowed values, default and meaning, as a commented YAML
 * file of defaults (what `ppo config` shows). */
void config_print_keys(FILE *out);

#endif
