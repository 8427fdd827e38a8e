/* cmd_plot.c: `ppo plot RUN_DIR... [-o FILE.png]`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/file.h"
#include "run/run_dir.h"
#include "viewer/plot.h"

static int cmd_plot(const Command *self, int argc, char **argv, CliContext *ctx) {
    (void)ctx;
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"output", required_argument, NULL, 'o'},
                                             {NULL, 0, NULL, 0}};
    const char *out = NULL;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(self->usage, stdout);
            return 0;
        case 'o':
            out = optarg;
            break;
        default:
            return cli_bad_option(self, argv[optind - 1], c);
        }
    }
    int n = argc - optind;
    if (n < 1) {
        fprintf(stderr, "ppo plot: expected one or more RUN_DIR folders (try 'ppo plot --help')\n");
        return EXIT_USAGE;
    }
    char path[PATH_LEN];
    Err err;
    if (!out) {
        if (n == 1 ? run_dir_file(argv[optind], "curve.png", path, &err) : file_path(path, &err, "curves.png")) {
            fprintf(stderr, "ppo plot: %s\n", err.msg);
            return EXIT_USAGE;
        }
        out = path;
    }
    if (file_check_writable(out, "-o", &err)) { /* before reading and drawing */
        fprintf(stderr, "ppo plot: %s\n", err.msg);
        return err_exit_code(&err);
    }
    if (plot_runs((const char *const *)(argv + optind), n, out, &err)) {
        fprintf(stderr, "ppo plot: %s\n", err.msg);
        return err_exit_code(&err);
    }
    printf("wrote %s (%d run%s)\n", out, n, n == 1 ? "" : "s");
    return 0;
}

const Command CMD_PLOT = {
    "plot", "draw learning curves of runs into a PNG",
    "usage: ppo plot RUN_DIR... [-o FILE.png]\n"
    "\n"
    "Draws the episodic return (mean of the last 100 episodes) against env steps, one line per\n"
    "run, and a panel of policy loss, value loss, entropy and approx_kl, from each run's\n"
    "progress.csv. Runs whose config.yaml agree but for the seed and run name are drawn as one\n"
    "mean line with a band from the lowest to the highest run.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE.png  where to write (default RUN_DIR/curve.png for one run, curves.png\n"
    "                         in the current folder for several)\n"
    "  -h, --help             show this help\n",
    cmd_plot};
