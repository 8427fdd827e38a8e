/* main.c: the ppo command line. Parses the command and its options, calls the library, prints
 * errors with a hint and picks the exit code: 0 success, 1 a failure while running, 2 bad usage
 * or bad input (unknown command or option, bad config, bad file). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

#define EXIT_USAGE 2

typedef struct Command {
    const char *name;
    const char *summary;
    const char *usage; /* full help text of the command */
    int (*run)(int argc, char **argv);
} Command;

/* Parses only --help / -h for commands that take no other option; returns 1 when help was
 * printed, 0 to go on, -1 on an unknown option (already reported). */
static int parse_help_only(const Command *cmd, int argc, char **argv) {
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(cmd->usage, stdout);
            return 1;
        }
        fprintf(stderr, "ppo %s: unknown option '%s' (try 'ppo %s --help')\n", cmd->name,
                argv[optind - 1], cmd->name);
        return -1;
    }
    return 0;
}

static int cmd_train(int argc, char **argv);
static int cmd_env(int argc, char **argv);

static const Command COMMANDS[] = {
    {"train", "train a policy with PPO from a YAML config",
     "usage: ppo train CONFIG\n"
     "\n"
     "Trains a policy with PPO as CONFIG (a YAML file, e.g. configs/cartpole.yaml) describes.\n"
     "\n"
     "options:\n"
     "  -h, --help   show this help\n",
     cmd_train},
    {"env", "list the environments",
     "usage: ppo env list\n"
     "\n"
     "  list         print every env name with its observation size and number of actions\n"
     "\n"
     "options:\n"
     "  -h, --help   show this help\n",
     cmd_env},
};
#define N_COMMANDS (int)(sizeof COMMANDS / sizeof COMMANDS[0])

static const Command *find_command(const char *name) {
    for (int i = 0; i < N_COMMANDS; i++)
        if (strcmp(COMMANDS[i].name, name) == 0) return &COMMANDS[i];
    return NULL;
}

static int cmd_train(int argc, char **argv) {
    const Command *cmd = find_command("train");
    int h = parse_help_only(cmd, argc, argv);
    if (h) return h > 0 ? 0 : EXIT_USAGE;
    if (argc - optind != 1) {
        fprintf(stderr, "ppo train: expected one CONFIG file (try 'ppo train --help')\n");
        return EXIT_USAGE;
    }
    fprintf(stderr, "ppo train: training is not implemented yet; nothing was trained.\n");
    return 1;
}

static int cmd_env(int argc, char **argv) {
    const Command *cmd = find_command("env");
    int h = parse_help_only(cmd, argc, argv);
    if (h) return h > 0 ? 0 : EXIT_USAGE;
    if (argc - optind != 1 || strcmp(argv[optind], "list") != 0) {
        fprintf(stderr, "ppo env: expected 'list' (try 'ppo env --help')\n");
        return EXIT_USAGE;
    }
    const char *names[256];
    int n = env_names(names, 256);
    printf("%-28s %8s %8s\n", "name", "obs_dim", "actions");
    for (int i = 0; i < n && i < 256; i++) {
        EnvConfig cfg = {0};
        snprintf(cfg.name, sizeof cfg.name, "%s", names[i]);
        Env *env;
        Err err;
        /* A name that needs options of its own (gridworld/map needs env.map) is listed with why. */
        if (env_create(&env, &cfg, &err) != 0) {
            printf("%-28s %8s %8s   (%s)\n", names[i], "-", "-", err.msg);
            continue;
        }
        printf("%-28s %8d %8d\n", names[i], env->obs_dim, env->n_actions);
        env_destroy(env);
    }
    return 0;
}

static void print_help(void) {
    printf("usage: ppo COMMAND [OPTIONS]\n"
           "\n"
           "ppo trains a gated-linear-attention policy with PPO on environments written in C.\n"
           "\n"
           "commands:\n");
    for (int i = 0; i < N_COMMANDS; i++) printf("  %-8s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    printf("\n"
           "options:\n"
           "  -h, --help   show this help\n"
           "\n"
           "'ppo COMMAND --help' shows the options of a command.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_help();
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        print_help();
        return 0;
    }
    const Command *cmd = find_command(name);
    if (!cmd) {
        if (name[0] == '-')
            fprintf(stderr, "ppo: unknown option '%s' (try 'ppo --help')\n", name);
        else
            fprintf(stderr, "ppo: unknown command '%s' (try 'ppo --help')\n", name);
        return EXIT_USAGE;
    }
    return cmd->run(argc - 1, argv + 1);
}
