/* cli.h: what the command implementations (cli/cmd_*.c) share with main.c.
 *
 * Each command parses its own options with getopt_long, prints its errors on one line and
 * returns the process exit code: 0 success, 1 a failure while running, 2 bad usage or bad
 * input (unknown option, bad config, bad or mismatched file). */
#ifndef PPO_CLI_H
#define PPO_CLI_H

#include <signal.h>

#include "policies/policy.h"
#include "run/checkpoint.h"
#include "run/config.h"

#define EXIT_USAGE 2

typedef struct CliContext {
    volatile sig_atomic_t *stop; /* set by SIGINT / SIGTERM once catch_stop_signals ran */
    void (*catch_stop_signals)(void);
} CliContext;

typedef struct Command {
    const char *name;
    const char *summary; /* one line for `ppo --help` */
    const char *usage;   /* the full text of `ppo NAME --help` */
    int (*run)(const struct Command *self, int argc, char **argv, CliContext *ctx);
} Command;

/* Prints "ppo NAME: unknown option 'OPT' (try 'ppo NAME --help')" and returns EXIT_USAGE;
 * for getopt_long's '?' and ':' results (opt is argv[optind - 1]). */
int cli_bad_option(const Command *cmd, const char *opt, int getopt_result);

/* Parses a whole non-negative number from text into *out; returns 0, or -1 (with a one-line
 * message naming the option) when text is not one or is outside [min, max]. */
int cli_parse_long(const Command *cmd, const char *option, const char *text, long min, long max,
                   long *out);

/* A checkpoint's policy loaded to play (what eval and watch share): the checkpoint is kept,
 * since cfg.env.map_text may point at the map it holds. */
typedef struct CliPolicy {
    Checkpoint ck;
    char *map_text; /* the text of --map FILE, or NULL */
    TrainConfig cfg;
    Policy *policy;
} CliPolicy;

/* Reads the checkpoint at path and makes its policy for its own env, or env_name, or the map
 * file map_path (both may be NULL; policy_from_checkpoint). On failure prints "ppo NAME: why"
 * and returns the exit code (2: the files or options are at fault), else 0. Free with
 * cli_policy_free. */
int cli_policy_load(const Command *cmd, CliPolicy *lp, const char *path, const char *env_name,
                    const char *map_path);
void cli_policy_free(CliPolicy *lp);

/* The commands, defined in cli/cmd_*.c. */
extern const Command CMD_TRAIN, CMD_RESUME, CMD_EVAL, CMD_INFO, CMD_CONFIG, CMD_ENV, CMD_WATCH,
    CMD_PLAY, CMD_PLOT, CMD_SWEEP, CMD_EXPORT;

#endif
