/* cmd_sweep.c: `ppo sweep SWEEP.yaml`: many runs at once, and their report. */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/dist.h"
#include "core/file.h"
#include "run/sweep.h"
#include "run/sweep_file.h"
#include "run/sweep_report.h"
#include "viewer/plot.h"

/* The learning curves of each task, OUT/curves/TASK.png ('/' in the name made '-'). */
static int draw_curves(const Sweep *sw, const SweepReport *rep, Err *err) {
    char dir[PATH_LEN];
    if (file_path(dir, err, "%s/curves", sw->out) || file_mkdirs(dir, err)) return -1;
    for (int t = 0; t < sw->n_tasks; t++) {
        SweepCurve *curves;
        int n;
        if (sweep_report_curves(sw, rep, t, &curves, &n, err)) return -1;
        PlotLine lines[64];
        char labels[64][SWEEP_NAME_LEN + SWEEP_SET_LEN + 32];
        if (n > 64) n = 64;
        for (int i = 0; i < n; i++) {
            snprintf(labels[i], sizeof labels[i], "%s: IQM of %d run%s, 95%% CI", sw->groups[curves[i].group].method,
                     curves[i].runs, curves[i].runs == 1 ? "" : "s");
            lines[i] = (PlotLine){labels[i], curves[i].n, curves[i].x, curves[i].iqm, curves[i].lo, curves[i].hi};
        }
        char name[SWEEP_NAME_LEN], path[PATH_LEN], title[SWEEP_NAME_LEN + 96];
        snprintf(name, sizeof name, "%s", sw->tasks[t].name);
        for (char *c = name; *c; c++)
            if (*c == '/') *c = '-';
        snprintf(title, sizeof title, "%s: episodic return (mean of the last 100 episodes)", sw->tasks[t].name);
        int rc = n == 0 ? 0 : file_path(path, err, "%s/%s.png", dir, name) || plot_lines(title, lines, n, path, err);
        sweep_curves_free(curves, n);
        if (rc) return -1;
    }
    return 0;
}

/* The interval plot of the aggregates, OUT/aggregates.png. When the methods ran on different
 * numbers of tasks, each label says over how many tasks its figures are. */
static int draw_aggregates(const Sweep *sw, const SweepReport *rep, Err *err) {
    if (rep->n_methods == 0) return 0;
    typedef char Label[sizeof rep->methods[0].method + 32];
    PlotIntervalRow *rows = calloc((size_t)rep->n_methods, sizeof *rows);
    Label *labels = calloc((size_t)rep->n_methods, sizeof *labels);
    if (!rows || !labels) {
        free(rows);
        free(labels);
        return err_set(err, "out of memory");
    }
    bool same_tasks = true;
    for (int i = 1; i < rep->n_methods; i++) same_tasks &= rep->methods[i].tasks == rep->methods[0].tasks;
    for (int i = 0; i < rep->n_methods; i++) {
        const SweepAggregate *a = &rep->methods[i];
        if (same_tasks) snprintf(labels[i], sizeof labels[i], "%s", a->method);
        else snprintf(labels[i], sizeof labels[i], "%s (%d task%s)", a->method, a->tasks, a->tasks == 1 ? "" : "s");
        rows[i] = (PlotIntervalRow){labels[i], a->point, a->lo, a->hi};
    }
    char path[PATH_LEN], xlabel[160];
    snprintf(xlabel, sizeof xlabel, "normalized score (random 0, max 1); bars: 95%% stratified bootstrap CI, %d resamples",
             sw->bootstrap);
    int rc = file_path(path, err, "%s/aggregates.png", sw->out) ||
             plot_intervals(STATS_AGGREGATE_NAMES, STATS_N_AGGREGATES, rows, rep->n_methods, xlabel, path, err);
    free(rows);
    free(labels);
    return rc ? -1 : 0;
}

/* Builds and writes the report and its pictures, and prints summary.md. Returns the exit code
 * of a failure, else 0. */
static int report(const Sweep *sw, bool quiet) {
    SweepReport rep;
    Err err;
    char *md = NULL;
    if (sweep_report_build(sw, &rep, &err) || sweep_report_write(sw, &rep, &err) ||
        sweep_report_markdown(sw, &rep, &md, &err)) {
        fprintf(stderr, "ppo sweep: report: %s\n", err.msg);
        sweep_report_free(&rep);
        return err_exit_code(&err);
    }
    if (draw_curves(sw, &rep, &err) || draw_aggregates(sw, &rep, &err))
        fprintf(stderr, "ppo sweep: warning: the pictures are not drawn: %s\n", err.msg);
    if (!quiet) printf("%s\n", md);
    printf("report: %s/summary.md, summary.csv, runs.csv, aggregates.csv; curves: %s/curves/\n", sw->out, sw->out);
    free(md);
    sweep_report_free(&rep);
    return 0;
}

static void list_runs(const Sweep *sw) {
    printf("sweep %s: %d runs (%d config%s x %d variant%s x %d seed%s), out %s\n", sw->path, sw->n_runs, sw->n_configs,
           sw->n_configs == 1 ? "" : "s", sw->n_variants, sw->n_variants == 1 ? "" : "s", sw->n_seeds,
           sw->n_seeds == 1 ? "" : "s", sw->out);
    for (int r = 0; r < sw->n_runs; r++) {
        const SweepRun *run = &sw->runs[r];
        printf("%-48s task %s, method %s\n", run->name, sw->tasks[run->task].name, sw->groups[run->group].method);
    }
}

static int cmd_sweep(const Command *self, int argc, char **argv, CliContext *ctx) {
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},   {"jobs", required_argument, NULL, 'j'},
                                             {"report", no_argument, NULL, 'r'}, {"list", no_argument, NULL, 'l'},
                                             {"quiet", no_argument, NULL, 'q'},  {NULL, 0, NULL, 0}};
    long jobs = 0;
    bool only_report = false, list = false, quiet = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":hj:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(self->usage, stdout);
            return 0;
        case 'j':
            if (cli_parse_long(self, "--jobs", optarg, 1, 4096, &jobs)) return EXIT_USAGE;
            break;
        case 'r':
            only_report = true;
            break;
        case 'l':
            list = true;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            return cli_bad_option(self, argv[optind - 1], c);
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "ppo sweep: expected one SWEEP file (try 'ppo sweep --help')\n");
        return EXIT_USAGE;
    }
    Dist *dist;
    Err err;
    if (dist_init(&dist, &err)) {
        fprintf(stderr, "ppo sweep: %s\n", err.msg);
        return 1;
    }
    ctx->catch_stop_signals();
    const int rank = dist_rank(dist);
    Sweep sw;
    if (dist_agree_err(dist, sweep_load(&sw, argv[optind], &err), &err)) {
        if (!err.elsewhere && rank == 0) fprintf(stderr, "ppo sweep: %s\n", err.msg);
        sweep_free(&sw);
        return dist_finalize(dist, err_exit_code(&err));
    }
    int code = 0;
    if (list || only_report) {
        if (rank == 0 && list) list_runs(&sw);
        if (rank == 0 && only_report) code = report(&sw, quiet);
        sweep_free(&sw);
        return dist_finalize(dist, code);
    }
    char exe[PATH_LEN];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "ppo sweep: cannot find this program through /proc/self/exe\n");
        sweep_free(&sw);
        return dist_finalize(dist, 1);
    }
    exe[n] = '\0';
    if (!jobs) jobs = sw.jobs;
    if (!jobs) { /* the cores, shared by the host's ranks, over the threads of the widest run */
        int workers = 1;
        for (int r = 0; r < sw.n_runs; r++)
            if (sw.runs[r].workers > workers) workers = sw.runs[r].workers;
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cores / dist_local_size(dist) / workers;
        if (jobs < 1) jobs = 1;
    }
    if (rank == 0 && !quiet) {
        char over[64] = "";
        if (dist_size(dist) > 1) snprintf(over, sizeof over, " on each of %d ranks", dist_size(dist));
        printf("sweep %s: %d runs (%d config%s x %d variant%s x %d seed%s), %ld at a time%s; out %s\n", sw.path,
               sw.n_runs, sw.n_configs, sw.n_configs == 1 ? "" : "s", sw.n_variants, sw.n_variants == 1 ? "" : "s",
               sw.n_seeds, sw.n_seeds == 1 ? "" : "s", jobs, over, sw.out);
        fflush(stdout);
    }
    SweepOptions opts = {exe, (int)jobs, ctx->stop, dist, quiet};
    SweepCounts counts;
    if (sweep_execute(&sw, &opts, &counts, &err)) {
        if (!err.elsewhere && (rank == 0 || err.kind == ERR_FAILED)) fprintf(stderr, "ppo sweep: %s\n", err.msg);
        sweep_free(&sw);
        return dist_finalize(dist, err_exit_code(&err));
    }
    if (rank == 0) {
        if (counts.stopped) {
            printf("stopped on request: %d of %d runs done, %d failed; the others continue where they stopped "
                   "with: ppo sweep %s\n", counts.done, counts.total, counts.failed, sw.path);
        } else {
            code = report(&sw, quiet);
            if (!code && counts.failed)
                fprintf(stderr, "ppo sweep: %d of %d runs failed (see the report; their logs are in %s/logs)\n",
                        counts.failed, counts.total, sw.out);
            if (!code && counts.failed) code = 1;
        }
    }
    sweep_free(&sw);
    return dist_finalize(dist, code);
}

const Command CMD_SWEEP = {
    "sweep", "run many configs and seeds at once, and report them",
    "usage: ppo sweep SWEEP.yaml [OPTIONS]\n"
    "\n"
    "Runs the runs a sweep file names (configs x grid or list of overrides x seeds), --jobs at a\n"
    "time as processes of their own, evaluates each one's checkpoints, then writes the report into\n"
    "the sweep's folder (out:, default runs/sweeps/NAME): summary.md, summary.csv, runs.csv,\n"
    "aggregates.csv (IQM, median, mean, optimality gap over tasks with 95% stratified bootstrap\n"
    "intervals), curves/TASK.png and aggregates.png. Stopped (Ctrl-C, SIGTERM) or killed, it\n"
    "continues when started again: done runs are kept, interrupted ones resume from their\n"
    "checkpoints. Under mpirun each rank runs its share of the runs. README \"Sweeps\" has the format.\n"
    "\n"
    "options:\n"
    "  --jobs N     runs at a time (default: the file's jobs:, else the cores, divided among the\n"
    "               MPI ranks of a host and by the runs' run.workers, 1 unless the file sets it)\n"
    "  --report     write the report from the runs done so far, run nothing\n"
    "  --list       list the runs (checking the file and every run's config), run nothing\n"
    "  --quiet      no progress line, no summary printed\n"
    "  -h, --help   show this help\n",
    cmd_sweep};
