/* cli.c: helpers shared by the commands (see cli.h). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

int cli_bad_option(const Command *cmd, const char *opt, int getopt_result) {
    if (getopt_result == ':')
        fprintf(stderr, "ppo %s: option '%s' needs a value (try 'ppo %s --help')\n", cmd->name, opt,
                cmd->name);
    else
        fprintf(stderr, "ppo %s: unknown option '%s' (try 'ppo %s --help')\n", cmd->name, opt,
                cmd->name);
    return EXIT_USAGE;
}

int cli_parse_long(const Command *cmd, const char *option, const char *text, long min, long max,
                   long *out) {
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < min || v > max) {
        fprintf(stderr, "ppo %s: %s '%s' is not a whole number in [%ld, %ld]\n", cmd->name, option,
                text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}
