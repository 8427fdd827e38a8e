/* cmd_config.c: `ppo config [CONFIG]`: every key with its default, or a config resolved. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "run/config.h"

static int cmd_config(const Command *self, int argc, char **argv, CliContext *ctx) {
    (void)ctx;
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"set", required_argument, NULL, 's'},
                                             {NULL, 0, NULL, 0}};
    char *sets[256];
    int n_sets = 0;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":hs:", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(self->usage, stdout);
            return 0;
        }
        if (c == 's' && n_sets < 256) {
            sets[n_sets++] = optarg;
            continue;
        }
        return cli_bad_option(self, argv[optind - 1], c);
    }
    if (argc - optind == 0) {
        config_print_keys(stdout);
        return 0;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "ppo config: expected at most one CONFIG (try 'ppo config --help')\n");
        return EXIT_USAGE;
    }
    TrainConfig cfg;
    Err err;
    static char yaml[CONFIG_YAML_MAX];
    if (config_load(&cfg, argv[optind], sets, n_sets, &err) ||
        config_to_yaml(&cfg, yaml, sizeof yaml, &err) < 0) {
        fprintf(stderr, "ppo config: %s\n", err.msg);
        return err_exit_code(&err);
    }
    fputs(yaml, stdout);
    return 0;
}

const Command CMD_CONFIG = {
    "config", "list every config key with its default, or check a config",
    "usage: ppo config [CONFIG] [--set SECTION.KEY=VALUE ...]\n"
    "\n"
    "Without CONFIG: prints every key of every section with its default, allowed values and\n"
    "meaning. With CONFIG: validates it (and the --set overrides) as ppo train would and prints\n"
    "the resolved config.\n"
    "\n"
    "options:\n"
    "  --set SECTION.KEY=VALUE  override a key (repeatable)\n"
    "  -h, --help               show this help\n",
    cmd_config};
