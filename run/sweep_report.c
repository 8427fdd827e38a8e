/* sweep_report.c: a sweep's results, summaries and aggregates (see sweep_report.h). */
#include "run/sweep_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "run/episodes.h"
#include "run/progress.h"
#include "run/sweep.h"

#define EVAL_CSV_MAX ((size_t)1 << 30)

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of x [n] (sorted in place); NAN for n = 0. */
static double median(double *x, int n) {
    if (n == 0) return NAN;
    qsort(x, (size_t)n, sizeof(double), cmp_double);
    return stats_quantile_sorted(x, n, 0.5);
}

/* ---- one run --------------------------------------------------------------------------------- */

/* The mean return of an eval CSV (episode,return,length,terminated) of want episodes and the
 * share of returns >= success (when has_success). A row that does not read as an episode (a
 * truncated or edited file), a return that is not finite or another number of episodes than the
 * sweep asked for is refused, naming the file and line: a report must not average it. */
static int read_eval(const char *path, const char *status, int want, bool has_success, double success, double *ret,
                     double *won, Err *err) {
    char *text;
    size_t len;
    if (file_read(path, "eval file", EVAL_CSV_MAX, &text, &len, err)) return -1;
    char fix[PATH_LEN + 64];
    snprintf(fix, sizeof fix, "remove it and %s to evaluate the run again", status);
    double sum = 0;
    long n = 0, wins = 0;
    int lineno = 1;
    for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        lineno++;
        char *end;
        const char *p = line + 1;
        long ep = strtol(p, &end, 10);
        double r = NAN;
        bool ok = end != p && *end == ',' && ep == n;
        if (ok) {
            p = end + 1;
            r = strtod(p, &end);
            ok = end != p && *end == ',' && isfinite(r);
        }
        if (ok) { /* length, terminated: two more fields, then the end of the line */
            p = end + 1;
            (void)strtol(p, &end, 10);
            ok = end != p && *end == ',';
            if (ok) {
                p = end + 1;
                (void)strtol(p, &end, 10);
                ok = end != p && (*end == '\n' || *end == '\r');
            }
        }
        if (!ok) {
            int w = (int)strcspn(line + 1, "\n");
            err_input(err, "%s:%d: '%.*s' is not an episode row (episode %ld,return,length,terminated); the file is "
                           "damaged: %s", path, lineno, w > 60 ? 60 : w, line + 1, n, fix);
            free(text);
            return -1;
        }
        sum += r;
        wins += has_success && r >= success;
        n++;
    }
    free(text);
    if (n == 0) return err_input(err, "%s: no episodes; %s", path, fix);
    if (n != want)
        return err_input(err, "%s: %ld episodes where the sweep evaluates %d; the file is damaged: %s", path, n, want,
                         fix);
    *ret = sum / n;
    *won = has_success ? (double)wins / n : NAN;
    return 0;
}

/* Steps and seconds to the target, the last row's figures, from the run's progress.csv. */
static int read_progress(const Sweep *sw, int r, SweepRunResult *res, Err *err) {
    static const char *const cols[] = {"return_mean", "episodes", "seconds"};
    char path[PATH_LEN];
    ProgressTable t;
    if (sweep_run_file(sw, r, "runs", "/progress.csv", path, err) || progress_read(path, cols, 3, &t, err)) return -1;
    const double target = sw->runs[r].target;
    res->steps_to_target = res->seconds_to_target = NAN;
    for (int i = 0; i < t.n && isfinite(target); i++)
        if (t.col[1][i] >= EPISODE_WINDOW && t.col[0][i] >= target) {
            res->steps_to_target = t.step[i];
            res->seconds_to_target = t.col[2][i];
            break;
        }
    res->steps = t.step[t.n - 1];
    res->seconds = t.col[2][t.n - 1];
    res->sps = res->seconds > 0 ? res->steps / res->seconds : NAN;
    progress_table_free(&t);
    return 0;
}

static int read_run(const Sweep *sw, int r, SweepRunResult *res, Err *err) {
    const SweepEval *e = &sw->eval;
    const SweepTask *task = &sw->tasks[sw->runs[r].task];
    for (int c = 0; c < 2; c++)
        for (int m = 0; m < 2; m++) res->ret[c][m] = res->success[c][m] = NAN;
    res->steps_to_target = res->seconds_to_target = res->steps = res->seconds = res->sps = res->score = NAN;
    res->status = sweep_run_status(sw, r, res->why, sizeof res->why);
    if (res->status != 1) return 0;
    for (int c = 0; c < e->n_ckpts; c++)
        for (int m = 0; m < e->n_modes; m++) {
            char suffix[64], path[PATH_LEN], status[PATH_LEN];
            snprintf(suffix, sizeof suffix, ".%s.%s.csv", SWEEP_CKPT_NAMES[e->ckpts[c]], SWEEP_MODE_NAMES[e->modes[m]]);
            if (sweep_run_file(sw, r, "evals", suffix, path, err) ||
                sweep_run_file(sw, r, "status", "", status, err) ||
                read_eval(path, status, sw->runs[r].episodes, task->has_success, task->success, &res->ret[c][m], &res->success[c][m], err))
                return -1;
        }
    if (task->normalized) res->score = (res->ret[0][0] - task->random) / (task->max - task->random);
    return read_progress(sw, r, res, err);
}

/* ---- groups and methods ---------------------------------------------------------------------- */

static void summarize_group(const Sweep *sw, const SweepReport *rep, int g, SweepGroupResult *gr) {
    double v[SWEEP_MAX_SEEDS], w[SWEEP_MAX_SEEDS], st[SWEEP_MAX_SEEDS], sec[SWEEP_MAX_SEEDS];
    memset(gr, 0, sizeof *gr);
    const SweepRunResult *runs = rep->runs + (size_t)g * sw->n_seeds;
    for (int s = 0; s < sw->n_seeds; s++) {
        gr->runs++;
        gr->done += runs[s].status == 1;
        gr->failed += runs[s].status == -1;
    }
    for (int c = 0; c < 2; c++)
        for (int m = 0; m < 2; m++) {
            int n = 0;
            double sum = 0, wins = 0, sq = 0;
            for (int s = 0; s < sw->n_seeds; s++)
                if (runs[s].status == 1) {
                    sum += runs[s].ret[c][m];
                    wins += runs[s].success[c][m];
                    v[n++] = runs[s].ret[c][m];
                }
            gr->ret_median[c][m] = median(v, n); /* sorts v */
            gr->ret_min[c][m] = n ? v[0] : NAN;
            gr->ret_max[c][m] = n ? v[n - 1] : NAN;
            const double mean = n ? sum / n : NAN;
            for (int s = 0; s < sw->n_seeds; s++)
                if (runs[s].status == 1) sq += (runs[s].ret[c][m] - mean) * (runs[s].ret[c][m] - mean);
            gr->ret_mean[c][m] = mean;
            gr->ret_std[c][m] = n > 1 ? sqrt(sq / (n - 1)) : n ? 0 : NAN;
            gr->ret_ci[c][m] = n > 1 ? stats_t975(n - 1) * gr->ret_std[c][m] / sqrt((double)n) : NAN;
            gr->success_mean[c][m] = n ? wins / n : NAN;
        }
    int k = 0, d = 0;
    double score = 0;
    for (int s = 0; s < sw->n_seeds; s++) {
        if (runs[s].status != 1) continue;
        if (isfinite(runs[s].steps_to_target)) {
            st[k] = runs[s].steps_to_target;
            sec[k++] = runs[s].seconds_to_target;
        }
        v[d] = runs[s].seconds;
        w[d] = runs[s].sps;
        score += runs[s].score;
        d++;
    }
    gr->reached = k;
    gr->steps_to_target = median(st, k);
    gr->seconds_to_target = median(sec, k);
    gr->seconds = median(v, d);
    gr->sps = median(w, d);
    gr->score = d ? score / d : NAN;
}

/* The aggregates of one method: its done runs' scores on every normalized task, task by task. */
static int aggregate_method(const Sweep *sw, const SweepReport *rep, const char *method, SweepAggregate *a,
                            Err *err) {
    memset(a, 0, sizeof *a);
    snprintf(a->method, sizeof a->method, "%s", method);
    double *scores = malloc(sizeof(double) * (size_t)sw->n_runs);
    int *n = calloc((size_t)sw->n_tasks, sizeof(int));
    const double **rows = calloc((size_t)sw->n_tasks, sizeof(double *));
    if (!scores || !n || !rows) {
        free(scores);
        free(n);
        free(rows);
        return err_set(err, "out of memory");
    }
    int k = 0;
    for (int t = 0; t < sw->n_tasks; t++) {
        if (!sw->tasks[t].normalized) continue;
        const int start = k;
        for (int g = 0; g < sw->n_groups; g++) {
            if (sw->groups[g].task != t || strcmp(sw->groups[g].method, method) != 0) continue;
            for (int s = 0; s < sw->n_seeds; s++) {
                const SweepRunResult *res = &rep->runs[(size_t)g * sw->n_seeds + s];
                if (res->status == 1) scores[k++] = res->score;
            }
        }
        if (k == start) continue;
        rows[a->tasks] = scores + start;
        n[a->tasks++] = k - start;
    }
    a->runs = k;
    int rc = 0;
    if (a->tasks > 0) {
        StatsTable table = {a->tasks, n, rows};
        rc = stats_aggregates(&table, a->point, err) ||
             stats_bootstrap_ci(&table, sw->bootstrap, sw->bootstrap_seed, 0.95, a->lo, a->hi, err);
    }
    free(scores);
    free(n);
    free(rows);
    return rc ? -1 : 0;
}

int sweep_report_build(const Sweep *sw, SweepReport *rep, Err *err) {
    memset(rep, 0, sizeof *rep);
    rep->runs = calloc((size_t)sw->n_runs, sizeof *rep->runs);
    rep->groups = calloc((size_t)sw->n_groups, sizeof *rep->groups);
    rep->methods = calloc((size_t)sw->n_groups, sizeof *rep->methods);
    if (!rep->runs || !rep->groups || !rep->methods) return err_set(err, "out of memory");
    for (int t = 0; t < sw->n_tasks; t++) rep->any_success |= sw->tasks[t].has_success;
    for (int r = 0; r < sw->n_runs; r++)
        if (read_run(sw, r, &rep->runs[r], err)) return err_prefix(err, "run %s", sw->runs[r].name);
    for (int g = 0; g < sw->n_groups; g++) summarize_group(sw, rep, g, &rep->groups[g]);
    for (int g = 0; g < sw->n_groups; g++) {
        bool seen = false;
        for (int h = 0; h < g; h++) seen |= strcmp(sw->groups[h].method, sw->groups[g].method) == 0;
        if (seen) continue;
        SweepAggregate *a = &rep->methods[rep->n_methods];
        if (aggregate_method(sw, rep, sw->groups[g].method, a, err)) return -1;
        if (a->tasks > 0) rep->n_methods++;
    }
    return 0;
}

void sweep_report_free(SweepReport *rep) {
    free(rep->runs);
    free(rep->groups);
    free(rep->methods);
    memset(rep, 0, sizeof *rep);
}

/* ---- writing --------------------------------------------------------------------------------- */

/* A number for a CSV: %.6g, empty when not finite. */
static void csv_num(FILE *f, double v) {
    if (isfinite(v)) fprintf(f, ",%.6g", v);
    else fputc(',', f);
}

/* A text field for a CSV, quoted when it holds a comma or a quote. */
static void csv_text(FILE *f, const char *s, bool first) {
    if (!first) fputc(',', f);
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

/* The eval columns' names: CKPT_MODE_what. */
static void eval_header(FILE *f, const SweepEval *e, const char *const *whats, int n_whats) {
    for (int c = 0; c < e->n_ckpts; c++)
        for (int m = 0; m < e->n_modes; m++)
            for (int k = 0; k < n_whats; k++)
                fprintf(f, ",%s_%s_%s", SWEEP_CKPT_NAMES[e->ckpts[c]], SWEEP_MODE_NAMES[e->modes[m]], whats[k]);
}

static const char *status_name(int s) { return s == 1 ? "done" : s < 0 ? "failed" : "not ended"; }

static void write_runs_csv(FILE *f, const Sweep *sw, const SweepReport *rep) {
    static const char *const whats[] = {"return", "success"};
    fprintf(f, "run,task,method,config,seed,status");
    eval_header(f, &sw->eval, whats, 2);
    fprintf(f, ",target,steps_to_target,seconds_to_target,steps,seconds,sps,score,why\n");
    for (int r = 0; r < sw->n_runs; r++) {
        const SweepRun *run = &sw->runs[r];
        const SweepRunResult *res = &rep->runs[r];
        csv_text(f, run->name, true);
        csv_text(f, sw->tasks[run->task].name, false);
        csv_text(f, sw->groups[run->group].method, false);
        csv_text(f, sw->configs[run->config].path, false);
        fprintf(f, ",%ld,%s", run->seed, status_name(res->status));
        for (int c = 0; c < sw->eval.n_ckpts; c++)
            for (int m = 0; m < sw->eval.n_modes; m++) {
                csv_num(f, res->ret[c][m]);
                csv_num(f, res->success[c][m]);
            }
        csv_num(f, run->target);
        csv_num(f, res->steps_to_target);
        csv_num(f, res->seconds_to_target);
        csv_num(f, res->steps);
        csv_num(f, res->seconds);
        csv_num(f, res->sps);
        csv_num(f, res->score);
        csv_text(f, res->why, false);
        fputc('\n', f);
    }
}

static void write_summary_csv(FILE *f, const Sweep *sw, const SweepReport *rep) {
    static const char *const whats[] = {"return_median", "return_min", "return_max", "return_mean", "return_std",
                                        "return_ci_low", "return_ci_high", "success"};
    fprintf(f, "task,method,config,variant,runs,done,failed");
    eval_header(f, &sw->eval, whats, 8);
    fprintf(f, ",target,reached,steps_to_target_median,seconds_to_target_median,seconds_median,sps_median,"
               "score_mean\n");
    for (int g = 0; g < sw->n_groups; g++) {
        const SweepGroup *grp = &sw->groups[g];
        const SweepGroupResult *gr = &rep->groups[g];
        csv_text(f, sw->tasks[grp->task].name, true);
        csv_text(f, grp->method, false);
        csv_text(f, sw->configs[grp->config].path, false);
        csv_text(f, sw->variants[grp->variant].label, false);
        fprintf(f, ",%d,%d,%d", gr->runs, gr->done, gr->failed);
        for (int c = 0; c < sw->eval.n_ckpts; c++)
            for (int m = 0; m < sw->eval.n_modes; m++) {
                csv_num(f, gr->ret_median[c][m]);
                csv_num(f, gr->ret_min[c][m]);
                csv_num(f, gr->ret_max[c][m]);
                csv_num(f, gr->ret_mean[c][m]);
                csv_num(f, gr->ret_std[c][m]);
                csv_num(f, gr->ret_mean[c][m] - gr->ret_ci[c][m]);
                csv_num(f, gr->ret_mean[c][m] + gr->ret_ci[c][m]);
                csv_num(f, gr->success_mean[c][m]);
            }
        csv_num(f, sw->runs[(size_t)g * sw->n_seeds].target);
        fprintf(f, ",%d", gr->reached);
        csv_num(f, gr->steps_to_target);
        csv_num(f, gr->seconds_to_target);
        csv_num(f, gr->seconds);
        csv_num(f, gr->sps);
        csv_num(f, gr->score);
        fputc('\n', f);
    }
}

static void write_aggregates_csv(FILE *f, const Sweep *sw, const SweepReport *rep) {
    fprintf(f, "method,tasks,runs,aggregate,value,ci_low,ci_high,bootstrap,seed\n");
    for (int i = 0; i < rep->n_methods; i++) {
        const SweepAggregate *a = &rep->methods[i];
        for (int k = 0; k < STATS_N_AGGREGATES; k++) {
            csv_text(f, a->method, true);
            fprintf(f, ",%d,%d,%s", a->tasks, a->runs, STATS_AGGREGATE_NAMES[k]);
            csv_num(f, a->point[k]);
            csv_num(f, a->lo[k]);
            csv_num(f, a->hi[k]);
            fprintf(f, ",%d,%llu\n", sw->bootstrap, (unsigned long long)sw->bootstrap_seed);
        }
    }
}

/* n with thousands separators ("1,425,408"). */
static void fmt_count(char *buf, size_t cap, double v) {
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", v);
    size_t n = strlen(digits), k = 0;
    for (size_t i = 0; i < n && k + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0) buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
}

static void fmt_seconds(char *buf, size_t cap, double s) {
    if (!isfinite(s)) snprintf(buf, cap, "-");
    else if (s < 10) snprintf(buf, cap, "%.1f s", s);
    else snprintf(buf, cap, "%.0f s", s);
}

static void md_groups(FILE *f, const Sweep *sw, const SweepReport *rep) {
    const SweepEval *e = &sw->eval;
    fprintf(f, "| task | method | runs |");
    for (int c = 0; c < e->n_ckpts; c++)
        for (int m = 0; m < e->n_modes; m++) {
            fprintf(f, " %s eval, %s |", SWEEP_CKPT_NAMES[e->ckpts[c]], SWEEP_MODE_NAMES[e->modes[m]]);
            if (rep->any_success) fprintf(f, " success |");
        }
    fprintf(f, " steps to target (median) | time to target (median) | wall-clock (median) | SPS (median) |\n|");
    const int cols = 7 + e->n_ckpts * e->n_modes * (rep->any_success ? 2 : 1);
    for (int i = 0; i < cols; i++) fprintf(f, "---|");
    fputc('\n', f);
    for (int g = 0; g < sw->n_groups; g++) {
        const SweepGroupResult *gr = &rep->groups[g];
        const SweepTask *task = &sw->tasks[sw->groups[g].task];
        fprintf(f, "| %s | %s | %d", task->name, sw->groups[g].method, gr->done);
        if (gr->failed) fprintf(f, " (%d failed)", gr->failed);
        if (gr->done + gr->failed < gr->runs) fprintf(f, " (%d not ended)", gr->runs - gr->done - gr->failed);
        fprintf(f, " |");
        for (int c = 0; c < e->n_ckpts; c++)
            for (int m = 0; m < e->n_modes; m++) {
                if (gr->done)
                    fprintf(f, " %.4g [%.4g, %.4g] |", gr->ret_median[c][m], gr->ret_min[c][m], gr->ret_max[c][m]);
                else fprintf(f, " - |");
                if (!rep->any_success) continue;
                if (gr->done && task->has_success) fprintf(f, " %.1f%% |", 100 * gr->success_mean[c][m]);
                else fprintf(f, " - |");
            }
        const double target = sw->runs[(size_t)g * sw->n_seeds].target;
        char steps[64], secs[32], wall[32], sps[32];
        if (!isfinite(target) || !gr->done) {
            snprintf(steps, sizeof steps, "-");
        } else if (gr->reached == 0) {
            fmt_count(sps, sizeof sps, sw->runs[(size_t)g * sw->n_seeds].total_timesteps);
            snprintf(steps, sizeof steps, "never %.4g (%s steps)", target, sps);
        } else {
            fmt_count(secs, sizeof secs, gr->steps_to_target);
            snprintf(steps, sizeof steps, "%s to %.4g (%d of %d)", secs, target, gr->reached, gr->done);
        }
        fmt_seconds(secs, sizeof secs, gr->seconds_to_target);
        fmt_seconds(wall, sizeof wall, gr->seconds);
        if (isfinite(gr->sps)) fmt_count(sps, sizeof sps, gr->sps);
        else snprintf(sps, sizeof sps, "-");
        fprintf(f, " %s | %s | %s | %s |\n", steps, secs, wall, sps);
    }
}

static void md_aggregates(FILE *f, const Sweep *sw, const SweepReport *rep) {
    const SweepEval *e = &sw->eval;
    fprintf(f, "\n## Aggregates over tasks\n\n");
    if (rep->n_methods == 0) {
        fprintf(f, "No task of the sweep gives random and max (tasks: in the sweep file), or no run on one is "
                   "done: no normalized scores to aggregate.\n");
        return;
    }
    fprintf(f, "| method | tasks | runs | IQM | median | mean | optimality gap |\n|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < rep->n_methods; i++) {
        const SweepAggregate *a = &rep->methods[i];
        fprintf(f, "| %s | %d | %d |", a->method, a->tasks, a->runs);
        for (int k = 0; k < STATS_N_AGGREGATES; k++)
            fprintf(f, " %.3f [%.3f, %.3f] |", a->point[k], a->lo[k], a->hi[k]);
        fputc('\n', f);
    }
    fprintf(f, "\nScores: each run's mean %s return of its %s checkpoint, normalized per task to (return - "
               "random) / (max - random):", SWEEP_MODE_NAMES[e->modes[0]], SWEEP_CKPT_NAMES[e->ckpts[0]]);
    for (int t = 0; t < sw->n_tasks; t++)
        if (sw->tasks[t].normalized)
            fprintf(f, " %s random %g, max %g;", sw->tasks[t].name, sw->tasks[t].random, sw->tasks[t].max);
    fprintf(f, " IQM over all runs x tasks, median and mean of the per-task means, optimality gap 1 - mean "
               "min(score, 1) (rliable's definitions). In brackets the 95%% stratified bootstrap confidence "
               "interval: %d resamples of the runs within each task, PCG32 seed %llu, percentile method.\n",
            sw->bootstrap, (unsigned long long)sw->bootstrap_seed);
}

int sweep_report_markdown(const Sweep *sw, const SweepReport *rep, char **text, Err *err) {
    size_t len;
    FILE *f = open_memstream(text, &len);
    if (!f) return err_set(err, "out of memory");
    int done = 0, failed = 0;
    for (int r = 0; r < sw->n_runs; r++) {
        done += rep->runs[r].status == 1;
        failed += rep->runs[r].status == -1;
    }
    const SweepEval *e = &sw->eval;
    fprintf(f, "# Sweep %s\n\n%d runs: %d done, %d failed, %d not ended.", sw->path, sw->n_runs, done, failed,
            sw->n_runs - done - failed);
    fprintf(f, " Each run evaluated over %d episodes", e->episodes);
    for (int t = 0; t < sw->n_tasks; t++)
        if (sw->tasks[t].episodes) fprintf(f, " (%s: %d)", sw->tasks[t].name, sw->tasks[t].episodes);
    if (e->seed_is_run) fprintf(f, " with its own seed as the eval seed.");
    else fprintf(f, " with eval seed %ld.", e->seed);
    fprintf(f, " Returns: the median [lowest, highest] over the seeds of each run's mean evaluation return");
    if (rep->any_success) {
        fprintf(f, "; success: the share of evaluation episodes with a return of at least");
        for (int t = 0, k = 0; t < sw->n_tasks; t++)
            if (sw->tasks[t].has_success) fprintf(f, "%s %g (%s)", k++ ? "," : "", sw->tasks[t].success, sw->tasks[t].name);
    }
    fprintf(f, ". Steps to target: the first update at which the mean return of the last 100 training "
               "episodes reached the target (median over the runs that reached it); wall-clock: the whole "
               "run's training time.\n\n");
    md_groups(f, sw, rep);
    md_aggregates(f, sw, rep);
    if (failed) {
        fprintf(f, "\n## Failed runs\n\n");
        for (int r = 0; r < sw->n_runs; r++)
            if (rep->runs[r].status == -1) fprintf(f, "- %s: %s\n", sw->runs[r].name, rep->runs[r].why);
    }
    if (fclose(f) != 0) return err_set(err, "out of memory");
    return 0;
}

/* Writes what fn prints into OUT/name, atomically. */
static int write_file(const Sweep *sw, const char *name, const SweepReport *rep,
                      void (*fn)(FILE *, const Sweep *, const SweepReport *), Err *err) {
    char path[PATH_LEN], *text = NULL;
    size_t len = 0;
    if (file_path(path, err, "%s/%s", sw->out, name)) return -1;
    FILE *f = open_memstream(&text, &len);
    if (!f) return err_set(err, "out of memory");
    fn(f, sw, rep);
    if (fclose(f) != 0) return err_set(err, "out of memory");
    int rc = file_write_atomic(path, text, len, err);
    free(text);
    return rc;
}

int sweep_report_write(const Sweep *sw, const SweepReport *rep, Err *err) {
    char path[PATH_LEN], *md;
    if (file_mkdirs(sw->out, err) || write_file(sw, "runs.csv", rep, write_runs_csv, err) ||
        write_file(sw, "summary.csv", rep, write_summary_csv, err) ||
        write_file(sw, "aggregates.csv", rep, write_aggregates_csv, err) || sweep_report_markdown(sw, rep, &md, err))
        return -1;
    int rc = file_path(path, err, "%s/summary.md", sw->out) || file_write_atomic(path, md, strlen(md), err);
    free(md);
    return rc ? -1 : 0;
}

/* ---- curves ---------------------------------------------------------------------------------- */

/* Table t's return at step x: interpolated between rows; its last value past its last row;
 * NAN before its first row or next to an empty value. */
static double return_at(const ProgressTable *t, double x) {
    if (x >= t->step[t->n - 1]) return t->col[0][t->n - 1];
    if (x < t->step[0]) return NAN;
    int lo = 0, hi = t->n - 1;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (t->step[mid] <= x) lo = mid;
        else hi = mid;
    }
    const double a = t->step[lo], b = t->step[hi];
    return b > a ? t->col[0][lo] + (x - a) / (b - a) * (t->col[0][hi] - t->col[0][lo]) : t->col[0][lo];
}

static int group_curve(const Sweep *sw, const SweepReport *rep, int g, SweepCurve *c, Err *err) {
    static const char *const cols[] = {"return_mean"};
    ProgressTable tables[SWEEP_MAX_SEEDS];
    double v[SWEEP_MAX_SEEDS];
    int k = 0, rc = 0;
    double xmax = 0;
    memset(c, 0, sizeof *c);
    c->group = g;
    for (int s = 0; s < sw->n_seeds && !rc; s++) {
        const int r = g * sw->n_seeds + s;
        char path[PATH_LEN];
        if (rep->runs[r].status != 1) continue;
        rc = sweep_run_file(sw, r, "runs", "/progress.csv", path, err) || progress_read(path, cols, 1, &tables[k], err);
        if (!rc) {
            xmax = fmax(xmax, tables[k].step[tables[k].n - 1]);
            k++;
        }
    }
    c->runs = k;
    c->n = SWEEP_CURVE_POINTS;
    c->x = malloc(sizeof(double) * SWEEP_CURVE_POINTS * 4);
    if (!rc && !c->x) rc = err_set(err, "out of memory");
    if (!rc) {
        c->iqm = c->x + SWEEP_CURVE_POINTS;
        c->lo = c->iqm + SWEEP_CURVE_POINTS;
        c->hi = c->lo + SWEEP_CURVE_POINTS;
        const int reps = sw->bootstrap < SWEEP_CURVE_REPS ? sw->bootstrap : SWEEP_CURVE_REPS;
        for (int i = 0; i < c->n && !rc; i++) {
            c->x[i] = xmax * (i + 1) / c->n;
            int m = 0;
            for (int j = 0; j < k; j++) {
                double y = return_at(&tables[j], c->x[i]);
                if (isfinite(y)) v[m++] = y;
            }
            c->iqm[i] = c->lo[i] = c->hi[i] = NAN;
            if (m) rc = stats_iqm_ci(v, m, reps, sw->bootstrap_seed, 0.95, &c->iqm[i], &c->lo[i], &c->hi[i], err);
        }
    }
    for (int j = 0; j < k; j++) progress_table_free(&tables[j]);
    return rc ? -1 : 0;
}

int sweep_report_curves(const Sweep *sw, const SweepReport *rep, int task, SweepCurve **curves, int *n,
                        Err *err) {
    *n = 0;
    *curves = calloc((size_t)sw->n_groups, sizeof **curves);
    if (!*curves) return err_set(err, "out of memory");
    for (int g = 0; g < sw->n_groups; g++) {
        if (sw->groups[g].task != task || rep->groups[g].done == 0) continue;
        if (group_curve(sw, rep, g, &(*curves)[*n], err)) {
            sweep_curves_free(*curves, *n + 1);
            *curves = NULL;
            *n = 0;
            return -1;
        }
        (*n)++;
    }
    return 0;
}

void sweep_curves_free(SweepCurve *curves, int n) {
    for (int i = 0; curves && i < n; i++) free(curves[i].x);
    free(curves);
}
