/* cmd_export.c: `ppo export CHECKPOINT -o DIR [--name NAME]` (run/export.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "run/export.h"

static int cmd_export(const Command *self, int argc, char **argv, CliContext *ctx) {
    (void)ctx;
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"name", required_argument, NULL, 'n'},
                                             {NULL, 0, NULL, 0}};
    const char *dir = NULL, *name = NULL;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:n:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(self->usage, stdout);
            return 0;
        case 'o':
            dir = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        default:
            return cli_bad_option(self, argv[optind - 1], c);
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "ppo export: expected one CHECKPOINT (try 'ppo export --help')\n");
        return EXIT_USAGE;
    }
    if (!dir) {
        fprintf(stderr, "ppo export: expected -o DIR, the folder to write the C files into (try 'ppo export --help')\n");
        return EXIT_USAGE;
    }
    /* No linalg_flush_denormals here, unlike eval: the selftest's episodes are recorded in plain
     * ISO C float arithmetic, subnormals included, as the exported code computes on any target. */
    ExportOptions opts = {dir, name, false};
    ExportResult res;
    Err err;
    if (export_checkpoint(argv[optind], &opts, &res, &err)) {
        fprintf(stderr, "ppo export: %s\n", err.msg);
        return err_exit_code(&err);
    }
    printf("exported the %s policy of %s (%zu parameters, recurrent state %zu floats) as %s:\n",
           res.kind, argv[optind], res.n_params, res.state_size, res.name);
    printf("  %s  the API, the network and the training run\n", res.header);
    printf("  %s  the weights and the step: C99, float only, nothing but <math.h>\n", res.source);
    printf("  %s  replays %d steps of %d episodes ppo played and compares\n", res.selftest, res.steps,
           res.episodes);
    printf("check a build: cc -std=c99 -O2 %s %s -lm -o %s_selftest && ./%s_selftest\n", res.source,
           res.selftest, res.name, res.name);
    return 0;
}

const Command CMD_EXPORT = {
    "export", "write a checkpoint's policy as dependency-free C",
    "usage: ppo export CHECKPOINT -o DIR [--name NAME]\n"
    "\n"
    "Writes the checkpoint's policy as C99 that needs nothing but <math.h> (no allocation, no\n"
    "global state), for firmware or a game: DIR/NAME.h (the API, documented), DIR/NAME.c (the\n"
    "weights and one step of the network) and DIR/NAME_selftest.c (a program that replays 10\n"
    "episodes ppo played with the policy and compares actions, probabilities and values). DIR is\n"
    "made when missing; existing files are never overwritten. README \"Export a policy\".\n"
    "\n"
    "options:\n"
    "  -o, --output DIR   the folder to write into\n"
    "  --name NAME        the files' name and the API's prefix, a C identifier (default: the\n"
    "                     env's name and _policy, e.g. cartpole_policy)\n"
    "  -h, --help         show this help\n",
    cmd_export};
