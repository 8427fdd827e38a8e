/* cli_env.c: `ppo env list`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "env.h"

static int env_list(void) {
    const char *names[256];
    int n = env_names(names, 256);
    printf("%-28s %8s %8s\n", "name", "obs_dim", "actions");
    for (int i = 0; i < n && i < 256; i++) {
        EnvConfig cfg = {0};
        snprintf(cfg.name, sizeof cfg.name, "%s", names[i]);
        Env *env;
        Err err;
        if (env_create(&env, &cfg, &err) != 0) {
            fprintf(stderr, "ppo env: %s\n", err.msg);
            return 1;
        }
        printf("%-28s %8d %8d\n", names[i], env->obs_dim, env->n_actions);
        env_destroy(env);
    }
    return 0;
}

static int cmd_env(const Command *self, int argc, char **argv, CliContext *ctx) {
    (void)ctx;
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(self->usage, stdout);
            return 0;
        }
        return cli_bad_option(self, argv[optind - 1], c);
    }
    if (argc - optind == 1 && strcmp(argv[optind], "list") == 0) return env_list();
    fprintf(stderr, "ppo env: expected 'list' (try 'ppo env --help')\n");
    return EXIT_USAGE;
}

const Command CMD_ENV = {
    "env", "list the environments",
    "usage: ppo env list\n"
    "\n"
    "  list         print every env name with its observation size and number of actions\n"
    "\n"
    "options:\n"
    "  -h, --help   show this help\n",
    cmd_env};
