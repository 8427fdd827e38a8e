/* cli.c: helpers shared by the commands (see cli.h). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "run/evaluate.h"

#define MAP_MAX_BYTES (1u << 20) /* as a gridworld map file may hold */

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

int cli_policy_load(const Command *cmd, CliPolicy *lp, const char *path, const char *env_name,
                    const char *map_path) {
    memset(lp, 0, sizeof *lp);
    Err err;
    size_t len;
    int rc = map_path ? file_read(map_path, "map file", MAP_MAX_BYTES, &lp->map_text, &len, &err) : 0;
    if (!rc) rc = checkpoint_read(&lp->ck, path, &err);
    if (!rc) rc = policy_from_checkpoint(&lp->ck, path, env_name, map_path, lp->map_text, &lp->cfg,
                                         &lp->policy, &err);
    if (rc) {
        fprintf(stderr, "ppo %s: %s\n", cmd->name, err.msg);
        cli_policy_free(lp);
        return err_exit_code(&err);
    }
    return 0;
}

void cli_policy_free(CliPolicy *lp) {
    policy_destroy(lp->policy);
    checkpoint_free(&lp->ck);
    free(lp->map_text);
    memset(lp, 0, sizeof *lp);
}
