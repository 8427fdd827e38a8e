/* plot.c: learning curves from progress.csv files into a PNG (see plot.h). */
#include <SDL_image.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "run/config.h"
#include "run/progress.h"
#include "viewer/draw.h"
#include "viewer/plot.h"

/* The columns drawn, by their names in progress.csv (PROGRESS_HEADER in run/progress.h). */
enum { COL_RETURN, COL_POLICY_LOSS, COL_VALUE_LOSS, COL_ENTROPY, COL_APPROX_KL, N_COLS };
static const char *const COL_NAMES[N_COLS] = {"return_mean", "policy_loss", "value_loss", "entropy",
                                              "approx_kl"};
static const char *const COL_TITLES[N_COLS] = {
    "episodic return (mean of the last 100 episodes)", "policy loss", "value loss", "entropy",
    "approx_kl"};

/* matplotlib's tab10 */
static const Rgb PALETTE[10] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
                                {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                                {188, 189, 34}, {23, 190, 207}};
static const Rgb WHITE = {255, 255, 255}, AXIS = {60, 60, 60}, GRID = {225, 225, 225},
                 TEXT = {30, 30, 30}, MUTED = {90, 90, 90};

typedef struct Run {
    char name[256];    /* the folder's last component */
    bool has_config;   /* its config.yaml loaded */
    TrainConfig config;
    ProgressTable t;   /* its progress.csv: global_step and the columns COL_NAMES */
    int group;
} Run;

/* One line (with its band) to draw: a run, or the mean over a group. */
typedef struct Series {
    int n;
    double *x, *mean[N_COLS], *lo[N_COLS], *hi[N_COLS]; /* [n]; lo, hi NULL for a single run */
    int runs;
    char label[300];
} Series;

static void run_free(Run *r) { progress_table_free(&r->t); }

static void series_free(Series *s) {
    free(s->x);
    for (int c = 0; c < N_COLS; c++) {
        free(s->mean[c]);
        free(s->lo[c]);
        free(s->hi[c]);
    }
}

/* ---- reading runs ---- */

/* The keys in which runs of one group may differ. */
static const char *const GROUP_FREE[] = {"run.seed", "run.run_name", "run.runs_dir", "run.branched_from", NULL};

/* Loads RUN_DIR/config.yaml into r->config; a run without a loadable one stands alone. */
static void read_config(Run *r, const char *dir) {
    char path[PATH_LEN];
    Err ignored;
    r->has_config = file_path(path, NULL, "%s/config.yaml", dir) == 0 &&
                    config_load(&r->config, path, NULL, 0, &ignored) == 0;
}

static int read_run(Run *r, const char *dir, Err *err) {
    memset(r, 0, sizeof *r);
    char trimmed[PATH_LEN];
    snprintf(trimmed, sizeof trimmed, "%s", dir);
    for (size_t l = strlen(trimmed); l > 1 && trimmed[l - 1] == '/'; l--) trimmed[l - 1] = '\0';
    const char *base = strrchr(trimmed, '/');
    snprintf(r->name, sizeof r->name, "%s", base ? base + 1 : trimmed);
    char path[PATH_LEN];
    if (file_path(path, err, "%s/progress.csv", trimmed)) return err_as_input(err);
    if (progress_read(path, COL_NAMES, N_COLS, &r->t, err)) {
        if (access(path, F_OK) != 0) err_suffix(err, "is %s a run folder made by ppo train?", dir);
        return -1;
    }
    read_config(r, trimmed);
    return 0;
}

/* ---- series ---- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Run r's column c at step x, linearly interpolated between its rows; NaN before its first row
 * or next to an empty value. Past its last row: the return (c = 0) holds its last value, since a
 * run that ended early (run.stop_return) ended on the return it reached; other columns are NaN. */
static double run_at(const Run *r, int c, double x) {
    if (x > r->t.step[r->t.n - 1]) return c == 0 ? r->t.col[c][r->t.n - 1] : NAN;
    if (x < r->t.step[0]) return NAN;
    int lo = 0, hi = r->t.n - 1;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (r->t.step[mid] <= x) lo = mid;
        else hi = mid;
    }
    if (r->t.step[lo] == x || hi == lo) return r->t.col[c][lo];
    if (r->t.step[hi] == x) return r->t.col[c][hi];
    double t = (x - r->t.step[lo]) / (r->t.step[hi] - r->t.step[lo]);
    return r->t.col[c][lo] + t * (r->t.col[c][hi] - r->t.col[c][lo]);
}

static void group_label(Series *s, Run *runs, const int *members, int k) {
    if (k == 1) {
        snprintf(s->label, sizeof s->label, "%s", runs[members[0]].name);
        return;
    }
    /* the names' common prefix, without a trailing seed marker ("__s", "-s", "_") */
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s", runs[members[0]].name);
    for (int i = 1; i < k; i++) {
        size_t j = 0;
        while (prefix[j] && prefix[j] == runs[members[i]].name[j]) j++;
        prefix[j] = '\0';
    }
    size_t l = strlen(prefix);
    if (l >= 2 && prefix[l - 1] == 's' && strchr("_-", prefix[l - 2])) prefix[--l] = '\0';
    while (l > 0 && strchr("_-.", prefix[l - 1])) prefix[--l] = '\0';
    snprintf(s->label, sizeof s->label, "%s: mean of %d runs, band min..max (a run that ended holds its last return)",
             l ? prefix : runs[members[0]].name, k);
}

static int make_series(Series *s, Run *runs, const int *members, int k) {
    memset(s, 0, sizeof *s);
    s->runs = k;
    group_label(s, runs, members, k);
    size_t total = 0;
    for (int i = 0; i < k; i++) total += (size_t)runs[members[i]].t.n;
    s->x = malloc(sizeof(double) * total);
    if (!s->x) return -1;
    size_t m = 0;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < runs[members[i]].t.n; j++) s->x[m++] = runs[members[i]].t.step[j];
    qsort(s->x, m, sizeof(double), cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || s->x[i] != s->x[u - 1]) s->x[u++] = s->x[i];
    s->n = (int)u;
    for (int c = 0; c < N_COLS; c++) {
        s->mean[c] = malloc(sizeof(double) * u);
        if (!s->mean[c]) return -1;
        if (k > 1) {
            s->lo[c] = malloc(sizeof(double) * u);
            s->hi[c] = malloc(sizeof(double) * u);
            if (!s->lo[c] || !s->hi[c]) return -1;
        }
        for (size_t i = 0; i < u; i++) {
            double sum = 0, lo = INFINITY, hi = -INFINITY;
            int cnt = 0;
            for (int r = 0; r < k; r++) {
                double v = run_at(&runs[members[r]], c, s->x[i]);
                if (!isfinite(v)) continue;
                sum += v;
                lo = fmin(lo, v);
                hi = fmax(hi, v);
                cnt++;
            }
            s->mean[c][i] = cnt ? sum / cnt : NAN;
            if (k > 1) {
                s->lo[c][i] = cnt ? lo : NAN;
                s->hi[c][i] = cnt ? hi : NAN;
            }
        }
    }
    return 0;
}

/* ---- drawing ---- */

typedef struct Panel {
    int x, y, w, h;        /* the plotting area, px */
    double x0, x1, y0, y1; /* the data range it shows */
    double xstep, ystep;   /* tick spacing */
} Panel;

/* A "nice" tick spacing (1, 2 or 5 times a power of ten) giving about n ticks over span. */
static double nice_step(double span, int n) {
    double raw = span / n, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* Sets the range [lo, hi] of one axis widened to whole ticks (a flat range is widened first). */
static void axis_range(double lo, double hi, int ticks, double *a0, double *a1, double *step) {
    if (!isfinite(lo) || !isfinite(hi)) lo = 0, hi = 1;
    if (hi - lo < 1e-12 * fmax(1, fabs(hi))) {
        double d = fabs(hi) > 0 ? 0.1 * fabs(hi) : 1;
        lo -= d;
        hi += d;
    }
    *step = nice_step(hi - lo, ticks);
    *a0 = floor(lo / *step) * *step;
    *a1 = ceil(hi / *step) * *step;
}

static void fmt_tick(char *buf, size_t cap, double v, double step) {
    if (fabs(v) < 1e-9 * step) v = 0;
    double a = fabs(v);
    if (a >= 1e6)
        snprintf(buf, cap, "%gM", v / 1e6);
    else if (a >= 1e4)
        snprintf(buf, cap, "%gk", v / 1e3);
    else
        snprintf(buf, cap, "%g", v);
}

static float px_x(const Panel *p, double v) { return (float)(p->x + (v - p->x0) / (p->x1 - p->x0) * p->w); }
static float px_y(const Panel *p, double v) { return (float)(p->y + p->h - (v - p->y0) / (p->y1 - p->y0) * p->h); }

static void draw_axes(SDL_Surface *s, TTF_Font *small, TTF_Font *bold, const Panel *p, const char *title,
                      bool x_label) {
    draw_rect(s, p->x, p->y, p->w, p->h, WHITE, 1);
    char buf[64];
    for (double v = p->y0; v <= p->y1 + 1e-9 * p->ystep; v += p->ystep) {
        float y = px_y(p, v);
        draw_line(s, (float)p->x, y, (float)(p->x + p->w), y, 1, GRID);
        fmt_tick(buf, sizeof buf, v, p->ystep);
        int w = draw_text_width(small, buf);
        draw_text(s, small, p->x - 6 - w, (int)y - TTF_FontHeight(small) / 2, MUTED, buf);
    }
    for (double v = p->x0; v <= p->x1 + 1e-9 * p->xstep; v += p->xstep) {
        float x = px_x(p, v);
        draw_line(s, x, (float)p->y, x, (float)(p->y + p->h), 1, GRID);
        fmt_tick(buf, sizeof buf, v, p->xstep);
        int w = draw_text_width(small, buf);
        draw_text(s, small, (int)x - w / 2, p->y + p->h + 4, MUTED, buf);
    }
    draw_line(s, (float)p->x, (float)(p->y + p->h), (float)(p->x + p->w), (float)(p->y + p->h), 1, AXIS);
    draw_line(s, (float)p->x, (float)p->y, (float)p->x, (float)(p->y + p->h), 1, AXIS);
    draw_text(s, bold, p->x, p->y - TTF_FontLineSkip(bold) - 2, TEXT, title);
    if (x_label) {
        const char *lab = "env steps";
        draw_text(s, small, p->x + p->w - draw_text_width(small, lab), p->y + p->h + 4 + TTF_FontLineSkip(small),
                  MUTED, lab);
    }
}

/* The band lo..hi of a series, column by column of pixels, with opacity 0.2. */
static void draw_band(SDL_Surface *s, const Panel *p, const double *x, const double *lo, const double *hi,
                      int n, Rgb c) {
    for (int i = 0; i + 1 < n; i++) {
        if (!isfinite(lo[i]) || !isfinite(lo[i + 1]) || !isfinite(hi[i]) || !isfinite(hi[i + 1])) continue;
        int xa = (int)floorf(px_x(p, x[i])), xb = (int)floorf(px_x(p, x[i + 1]));
        for (int col = xa; col < xb || (col == xa && xa == xb); col++) {
            double t = xb > xa ? (double)(col - xa) / (xb - xa) : 0;
            int ya = (int)lrintf(px_y(p, hi[i] + t * (hi[i + 1] - hi[i])));
            int yb = (int)lrintf(px_y(p, lo[i] + t * (lo[i + 1] - lo[i])));
            draw_rect(s, col, ya, 1, yb - ya + 1, c, 0.2f);
        }
    }
}

static void draw_series(SDL_Surface *s, const Panel *p, const Series *se, int c, Rgb color) {
    if (se->lo[c]) draw_band(s, p, se->x, se->lo[c], se->hi[c], se->n, color);
    const double *y = se->mean[c];
    for (int i = 0; i < se->n; i++) {
        if (!isfinite(y[i])) continue;
        float x0 = px_x(p, se->x[i]), y0 = px_y(p, y[i]);
        if (i + 1 < se->n && isfinite(y[i + 1]))
            draw_line(s, x0, y0, px_x(p, se->x[i + 1]), px_y(p, y[i + 1]), 2, color);
        else if (i == 0 || !isfinite(y[i - 1])) /* a lone point */
            draw_line(s, x0 - 1.5f, y0, x0 + 1.5f, y0, 3, color);
    }
}

static void draw_plot(SDL_Surface *s, TTF_Font *small, TTF_Font *bold, const Series *ser, int ns) {
    draw_rect(s, 0, 0, PLOT_WIDTH, PLOT_HEIGHT, (Rgb){250, 250, 250}, 1);
    double xmax = 0;
    for (int i = 0; i < ns; i++) xmax = fmax(xmax, ser[i].x[ser[i].n - 1]);
    Panel panels[N_COLS];
    panels[COL_RETURN] = (Panel){80, 50, PLOT_WIDTH - 120, 360, 0, 0, 0, 0, 0, 0};
    const int bw = (PLOT_WIDTH - 80 - 40 - 3 * 60) / 4;
    for (int c = 1; c < N_COLS; c++) panels[c] = (Panel){80 + (c - 1) * (bw + 60), 500, bw, 200, 0, 0, 0, 0, 0, 0};
    for (int c = 0; c < N_COLS; c++) {
        double lo = INFINITY, hi = -INFINITY;
        for (int i = 0; i < ns; i++)
            for (int j = 0; j < ser[i].n; j++) {
                const double *a = ser[i].lo[c] ? ser[i].lo[c] : ser[i].mean[c];
                const double *b = ser[i].hi[c] ? ser[i].hi[c] : ser[i].mean[c];
                if (isfinite(a[j])) lo = fmin(lo, a[j]);
                if (isfinite(b[j])) hi = fmax(hi, b[j]);
            }
        Panel *p = &panels[c];
        axis_range(0, xmax, c == COL_RETURN ? 8 : 3, &p->x0, &p->x1, &p->xstep);
        axis_range(lo, hi, c == COL_RETURN ? 6 : 4, &p->y0, &p->y1, &p->ystep);
        draw_axes(s, small, bold, p, COL_TITLES[c], true);
        for (int i = 0; i < ns; i++) draw_series(s, p, &ser[i], c, PALETTE[i % 10]);
    }
    /* legend, top-left inside the return panel */
    const Panel *p = &panels[COL_RETURN];
    int lh = TTF_FontLineSkip(small), lw = 0;
    for (int i = 0; i < ns; i++) {
        int w = draw_text_width(small, ser[i].label);
        lw = w > lw ? w : lw;
    }
    draw_rect(s, p->x + 10, p->y + 10, lw + 44, ns * lh + 10, WHITE, 0.85f);
    for (int i = 0; i < ns; i++) {
        int y = p->y + 15 + i * lh;
        if (ser[i].lo[0]) draw_rect(s, p->x + 16, y + 2, 22, lh - 4, PALETTE[i % 10], 0.2f);
        draw_line(s, (float)p->x + 16, (float)y + lh / 2.0f, (float)p->x + 38, (float)y + lh / 2.0f, 2,
                  PALETTE[i % 10]);
        draw_text(s, small, p->x + 44, y, TEXT, ser[i].label);
    }
}

int plot_runs(const char *const *run_dirs, int n, const char *png_path, Err *err) {
    if (n < 1) return err_set(err, "no run folders to plot");
    Run *runs = calloc((size_t)n, sizeof *runs);
    Series *ser = calloc((size_t)n, sizeof *ser);
    int *members = calloc((size_t)n, sizeof *members);
    int nr = 0, ns = 0, rc = -1;
    TTF_Font *small = NULL, *bold = NULL;
    SDL_Surface *s = NULL;
    if (!runs || !ser || !members) {
        err_set(err, "out of memory");
        goto done;
    }
    for (; nr < n; nr++)
        if (read_run(&runs[nr], run_dirs[nr], err)) goto done;
    /* groups: the same config but for GROUP_FREE (runs without a config.yaml stand alone) */
    for (int i = 0; i < n; i++) runs[i].group = -1;
    for (int i = 0; i < n; i++) {
        if (runs[i].group >= 0) continue;
        int k = 0;
        for (int j = i; j < n; j++)
            if (j == i || (runs[j].group < 0 && runs[i].has_config && runs[j].has_config &&
                           config_diff(&runs[i].config, &runs[j].config, GROUP_FREE, NULL) == 0)) {
                runs[j].group = ns;
                members[k++] = j;
            }
        if (make_series(&ser[ns++], runs, members, k)) {
            err_set(err, "out of memory");
            goto done;
        }
    }
    small = draw_font_open("DejaVuSans.ttf", 12, err);
    bold = small ? draw_font_open("DejaVuSans-Bold.ttf", 13, err) : NULL;
    if (!bold) goto done;
    s = draw_surface_create(PLOT_WIDTH, PLOT_HEIGHT, err);
    if (!s) goto done;
    draw_plot(s, small, bold, ser, ns);
    if (IMG_SavePNG(s, png_path) != 0) {
        err_set(err, "%s: cannot save the PNG: %s", png_path, IMG_GetError());
        goto done;
    }
    rc = 0;
done:
    if (s) SDL_FreeSurface(s);
    draw_font_close(small);
    draw_font_close(bold);
    for (int i = 0; i < nr; i++) run_free(&runs[i]);
    for (int i = 0; i < ns; i++) series_free(&ser[i]);
    free(runs);
    free(ser);
    free(members);
    return rc;
}

/* ---- a sweep's pictures ------------------------------------------------------------------------ */

/* Opens the two fonts of the plots and a w x h surface filled with the background. */
static SDL_Surface *open_canvas(int w, int h, TTF_Font **small, TTF_Font **bold, Err *err) {
    *small = draw_font_open("DejaVuSans.ttf", 12, err);
    *bold = *small ? draw_font_open("DejaVuSans-Bold.ttf", 13, err) : NULL;
    SDL_Surface *s = *bold ? draw_surface_create(w, h, err) : NULL;
    if (s) draw_rect(s, 0, 0, w, h, (Rgb){250, 250, 250}, 1);
    return s;
}

/* Saves s as a PNG at path and frees the canvas. */
static int close_canvas(SDL_Surface *s, TTF_Font *small, TTF_Font *bold, const char *path, Err *err) {
    int rc = 0;
    if (s && IMG_SavePNG(s, path) != 0) rc = err_set(err, "%s: cannot save the PNG: %s", path, IMG_GetError());
    if (s) SDL_FreeSurface(s);
    draw_font_close(small);
    draw_font_close(bold);
    return rc;
}

int plot_lines(const char *title, const PlotLine *lines, int n, const char *png_path, Err *err) {
    TTF_Font *small, *bold;
    SDL_Surface *s = open_canvas(PLOT_WIDTH, PLOT_LINES_HEIGHT, &small, &bold, err);
    if (!s) return close_canvas(NULL, small, bold, png_path, err), -1;
    double xmax = 0, lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < lines[i].n; j++) {
            xmax = fmax(xmax, lines[i].x[j]);
            const double a = lines[i].lo ? lines[i].lo[j] : lines[i].y[j];
            const double b = lines[i].hi ? lines[i].hi[j] : lines[i].y[j];
            if (isfinite(a)) lo = fmin(lo, a);
            if (isfinite(b)) hi = fmax(hi, b);
        }
    Panel p = {80, 50, PLOT_WIDTH - 120, PLOT_LINES_HEIGHT - 110, 0, 0, 0, 0, 0, 0};
    axis_range(0, xmax, 8, &p.x0, &p.x1, &p.xstep);
    axis_range(lo, hi, 6, &p.y0, &p.y1, &p.ystep);
    draw_axes(s, small, bold, &p, title, true);
    for (int i = 0; i < n; i++) {
        const PlotLine *l = &lines[i];
        const Rgb c = PALETTE[i % 10];
        if (l->lo && l->hi) draw_band(s, &p, l->x, l->lo, l->hi, l->n, c);
        for (int j = 0; j + 1 < l->n; j++)
            if (isfinite(l->y[j]) && isfinite(l->y[j + 1]))
                draw_line(s, px_x(&p, l->x[j]), px_y(&p, l->y[j]), px_x(&p, l->x[j + 1]), px_y(&p, l->y[j + 1]), 2, c);
    }
    int lh = TTF_FontLineSkip(small), lw = 0;
    for (int i = 0; i < n; i++) lw = fmax(lw, draw_text_width(small, lines[i].label));
    draw_rect(s, p.x + 10, p.y + 10, lw + 44, n * lh + 10, WHITE, 0.85f);
    for (int i = 0; i < n; i++) {
        int y = p.y + 15 + i * lh;
        if (lines[i].lo) draw_rect(s, p.x + 16, y + 2, 22, lh - 4, PALETTE[i % 10], 0.2f);
        draw_line(s, (float)p.x + 16, (float)y + lh / 2.0f, (float)p.x + 38, (float)y + lh / 2.0f, 2, PALETTE[i % 10]);
        draw_text(s, small, p.x + 44, y, TEXT, lines[i].label);
    }
    return close_canvas(s, small, bold, png_path, err);
}

int plot_intervals(const char *const *metrics, int n_metrics, const PlotIntervalRow *rows, int n_rows,
                   const char *xlabel, const char *png_path, Err *err) {
    TTF_Font *small, *bold;
    const int row_h = 34, top = 50, left = 20, gap = 30;
    int label_w = 0;
    small = draw_font_open("DejaVuSans.ttf", 12, err);
    for (int r = 0; small && r < n_rows; r++) label_w = fmax(label_w, draw_text_width(small, rows[r].label));
    draw_font_close(small);
    const int h = top + n_rows * row_h + 60;
    SDL_Surface *s = open_canvas(PLOT_WIDTH, h, &small, &bold, err);
    if (!s) return close_canvas(NULL, small, bold, png_path, err), -1;
    const int x_start = left + label_w + 12;
    const int pw = (PLOT_WIDTH - x_start - 20 - (n_metrics - 1) * gap) / (n_metrics > 0 ? n_metrics : 1);
    for (int r = 0; r < n_rows; r++)
        draw_text(s, small, left, top + r * row_h + row_h / 2 - TTF_FontHeight(small) / 2, TEXT, rows[r].label);
    for (int m = 0; m < n_metrics; m++) {
        double lo = INFINITY, hi = -INFINITY;
        for (int r = 0; r < n_rows; r++) {
            if (isfinite(rows[r].lo[m])) lo = fmin(lo, rows[r].lo[m]);
            if (isfinite(rows[r].hi[m])) hi = fmax(hi, rows[r].hi[m]);
            if (isfinite(rows[r].point[m])) lo = fmin(lo, rows[r].point[m]), hi = fmax(hi, rows[r].point[m]);
        }
        Panel p = {x_start + m * (pw + gap), top, pw, n_rows * row_h, 0, 0, 0, 0, 0, 0};
        axis_range(lo, hi, 4, &p.x0, &p.x1, &p.xstep);
        draw_rect(s, p.x, p.y, p.w, p.h, WHITE, 1);
        char buf[64];
        for (double v = p.x0; v <= p.x1 + 1e-9 * p.xstep; v += p.xstep) {
            float x = px_x(&p, v);
            draw_line(s, x, (float)p.y, x, (float)(p.y + p.h), 1, GRID);
            fmt_tick(buf, sizeof buf, v, p.xstep);
            draw_text(s, small, (int)x - draw_text_width(small, buf) / 2, p.y + p.h + 4, MUTED, buf);
        }
        draw_line(s, (float)p.x, (float)(p.y + p.h), (float)(p.x + p.w), (float)(p.y + p.h), 1, AXIS);
        draw_text(s, bold, p.x, p.y - TTF_FontLineSkip(bold) - 2, TEXT, metrics[m]);
        for (int r = 0; r < n_rows; r++) {
            const Rgb c = PALETTE[r % 10];
            const int yc = p.y + r * row_h + row_h / 2;
            if (isfinite(rows[r].lo[m]) && isfinite(rows[r].hi[m])) {
                int xa = (int)floorf(px_x(&p, rows[r].lo[m])), xb = (int)ceilf(px_x(&p, rows[r].hi[m]));
                draw_rect(s, xa, yc - row_h / 3, xb - xa + 1, 2 * (row_h / 3), c, 0.75f);
            }
            if (isfinite(rows[r].point[m])) {
                float x = px_x(&p, rows[r].point[m]);
                draw_line(s, x, (float)(yc - row_h / 3), x, (float)(yc + row_h / 3), 2, (Rgb){0, 0, 0});
            }
        }
    }
    if (xlabel)
        draw_text(s, small, PLOT_WIDTH / 2 - draw_text_width(small, xlabel) / 2,
                  top + n_rows * row_h + 4 + TTF_FontLineSkip(small) + 6, MUTED, xlabel);
    return close_canvas(s, small, bold, png_path, err);
}
