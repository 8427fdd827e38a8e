/* cmd_env.c: `ppo env list` and `ppo env show gridworld/LEVEL`. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "envs/env.h"
#include "envs/gridworld/gridworld.h"

/* `ppo env list`: every registered name with its sizes (a continuous env's actions as its box,
 * e.g. "box 1 [-2, 2]"). A name that cannot be made without options of its own (gridworld/map
 * needs env.map) is listed with the reason. */
static int env_list(void) {
    const char *names[256];
    int n = env_names(names, 256);
    printf("%-42s %8s %8s\n", "name", "obs_dim", "actions");
    for (int i = 0; i < n && i < 256; i++) {
        EnvConfig cfg = {0};
        snprintf(cfg.name, sizeof cfg.name, "%s", names[i]);
        Env *env;
        Err err;
        if (env_create(&env, &cfg, &err) != 0) {
            printf("%-42s %8s %8s   (%s)\n", names[i], "-", "-", err.msg);
            continue;
        }
        if (env->action_dim > 0)
            printf("%-42s %8d   box %d [%g, %g]\n", names[i], env->obs_dim, env->action_dim,
                   (double)env->action_low[0], (double)env->action_high[0]);
        else
            printf("%-42s %8d %8d\n", names[i], env->obs_dim, env->n_actions);
        env_destroy(env);
    }
    return 0;
}

/* `ppo env show NAME`: the level after env_seed(seed, 0) and a reset, as a map file. */
static int env_show(const char *name, uint64_t seed, const char *map, bool see_through) {
    EnvConfig cfg = {0};
    if (strlen(name) >= sizeof cfg.name || (map && strlen(map) >= sizeof cfg.map)) {
        fprintf(stderr, "ppo env show: name or map path too long\n");
        return EXIT_USAGE;
    }
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    if (map) snprintf(cfg.map, sizeof cfg.map, "%s", map);
    cfg.see_through = see_through;
    Env *env;
    Err err;
    if (env_create(&env, &cfg, &err) != 0) {
        fprintf(stderr, "ppo env show: %s\n", err.msg);
        return err_exit_code(&err);
    }
    if (strncmp(env->name, "gridworld/", 10) != 0) {
        fprintf(stderr, "ppo env show: %s has no map to show (only gridworld/LEVEL envs do)\n", name);
        env_destroy(env);
        return EXIT_USAGE;
    }
    float *obs = malloc(sizeof(float) * (size_t)env->obs_dim);
    if (!obs) {
        fprintf(stderr, "ppo env show: out of memory\n");
        env_destroy(env);
        return 1;
    }
    env_seed(env, seed, 0);
    env_reset(env, obs);
    const GridView *v = env_view(env);
    size_t need = gridworld_map_format(v, NULL, 0);
    char *text = malloc(need + 1);
    if (!text) {
        fprintf(stderr, "ppo env show: out of memory\n");
        free(obs);
        env_destroy(env);
        return 1;
    }
    gridworld_map_format(v, text, need + 1);
    printf("; %s, seed %llu: %dx%d cells, max_steps %d, %s\n", name, (unsigned long long)seed,
           v->width, v->height, v->max_steps,
           v->see_through ? "sees through walls" : "walls and closed doors block sight");
    printf("max_steps %d\nsee_through %s\n%s%s", v->max_steps, v->see_through ? "yes" : "no", text,
           gridworld_map_legend());
    free(text);
    free(obs);
    env_destroy(env);
    return 0;
}

static int cmd_env(const Command *cmd, int argc, char **argv, CliContext *ctx) {
    (void)ctx;
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"map", required_argument, NULL, 'm'},
                                         {"see-through", no_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    opterr = 0;
    optind = 1;
    uint64_t seed = 0;
    const char *map = NULL;
    bool see_through = false, options = false;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(cmd->usage, stdout);
            printf("\nmap files (gridworld/map):\n%s", gridworld_map_legend());
            return 0;
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (!*optarg || *end || errno || optarg[0] == '-') {
                fprintf(stderr, "ppo env: --seed '%s' is not a whole number >= 0\n", optarg);
                return EXIT_USAGE;
            }
            seed = v;
            options = true;
            break;
        }
        case 'm': map = optarg; options = true; break;
        case 't': see_through = true; options = true; break;
        case ':':
            fprintf(stderr, "ppo env: option '%s' needs a value (try 'ppo env --help')\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        default:
            fprintf(stderr, "ppo env: unknown option '%s' (try 'ppo env --help')\n", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    int rest = argc - optind;
    const char *sub = rest > 0 ? argv[optind] : "";
    if (strcmp(sub, "list") == 0 && rest == 1 && !options) return env_list();
    if (strcmp(sub, "show") == 0 && rest == 2) return env_show(argv[optind + 1], seed, map, see_through);
    if (strcmp(sub, "show") == 0)
        fprintf(stderr, "ppo env show: expected one env name, e.g. gridworld/four-rooms (try 'ppo env --help')\n");
    else
        fprintf(stderr, "ppo env: expected 'list' or 'show NAME' (try 'ppo env --help')\n");
    return EXIT_USAGE;
}

const Command CMD_ENV = {
    "env", "list the environments, show a gridworld level",
    "usage: ppo env list\n"
    "       ppo env show gridworld/LEVEL [--seed S] [--map FILE] [--see-through]\n"
    "\n"
    "  list         print every env name with its observation size and number of actions\n"
    "  show         print a gridworld level after a reset with seed S (default 0) as an ASCII\n"
    "               map with its legend; the output is itself a map file for gridworld/map\n"
    "\n"
    "options:\n"
    "  --seed S       seed of the reset (env i of a run with seed S is seeded (S, i); show uses i = 0)\n"
    "  --map FILE     the map file of gridworld/map (env.map in a config)\n"
    "  --see-through  walls and closed doors do not block sight (env.see_through)\n"
    "  -h, --help     show this help and the map legend\n",
    cmd_env};
