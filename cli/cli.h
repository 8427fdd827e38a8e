/* cli.h: what the command implementations (cli/cmd_*.c) share with main.c.
 *
 * Each command parses its own options with getopt_long, prints its errors on one line and
 * returns the process exit code: 0 success, 1 a failure while running, 2 bad usage or bad
 * input (unknown option, bad config, bad or mismatched file). */
#ifndef PPO_CLI_H
#define PPO_CLI_H

#include <signal.h>

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

/* The commands, defined in cli/cmd_*.c. */
extern const Command CMD_TRAIN, CMD_RESUME, CMD_EVAL, CMD_INFO, CMD_CONFIG, CMD_ENV, CMD_WATCH,
    CMD_PLAY, CMD_PLOT;

#endif
