/* progress.c: progress.csv (see progress.h). */
#include "run/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROGRESS_MAX_BYTES ((size_t)1 << 32) /* a larger progress.csv is not one of ours */

static void fmt_num(char *buf, size_t cap, double v) {
    if (isfinite(v))
        snprintf(buf, cap, "%.6g", v);
    else
        buf[0] = '\0';
}

/* The number of fields of a CSV line. */
static int count_fields(const char *line) {
    int n = 1;
    for (const char *c = line; *c && *c != '\n'; c++) n += *c == ',';
    return n;
}

/* The update number a row starts with, or -1 when the line is not a row. */
static long row_update(const char *line) {
    char *end;
    long u = strtol(line, &end, 10);
    return end != line && *end == ',' ? u : -1;
}

static int open_append(Progress *p, Err *err) {
    p->fd = open(p->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (p->fd < 0) return err_set(err, "%s: cannot open: %s", p->path, strerror(errno));
    return 0;
}

int progress_create(Progress *p, const char *dir, const char *parent_csv, long through_update,
                    Err *err) {
    memset(p, 0, sizeof *p);
    p->fd = -1;
    p->columns = count_fields(PROGRESS_HEADER);
    p->skip_through = -1;
    if (file_path(p->path, err, "%s/progress.csv", dir)) return -1;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) return err_set(err, "out of memory");
    char *parent = NULL;
    size_t plen;
    if (parent_csv && access(parent_csv, F_OK) == 0 &&
        file_read(parent_csv, "progress file", PROGRESS_MAX_BYTES, &parent, &plen, err)) {
        fclose(mem);
        free(text);
        return -1;
    }
    if (parent) { /* the parent's header (its columns) and its rows up to the branch */
        char *save, *line = strtok_r(parent, "\n", &save);
        if (line) {
            fprintf(mem, "%s\n", line);
            p->columns = count_fields(line);
        }
        while ((line = strtok_r(NULL, "\n", &save)))
            if (row_update(line) >= 0 && row_update(line) <= through_update) fprintf(mem, "%s\n", line);
        free(parent);
    } else {
        fputs(PROGRESS_HEADER, mem);
    }
    fclose(mem);
    int rc = file_write_atomic(p->path, text, len, err) || open_append(p, err);
    free(text);
    return rc ? -1 : 0;
}

int progress_resume(Progress *p, const char *dir, Err *err) {
    memset(p, 0, sizeof *p);
    p->fd = -1;
    p->columns = count_fields(PROGRESS_HEADER);
    p->skip_through = -1;
    if (file_path(p->path, err, "%s/progress.csv", dir)) return -1;
    if (access(p->path, F_OK) != 0) return progress_create(p, dir, NULL, 0, err);
    char *text;
    size_t len;
    if (file_read(p->path, "progress file", PROGRESS_MAX_BYTES, &text, &len, err)) return -1;
    bool torn = len > 0 && text[len - 1] != '\n';
    char *save, *line = strtok_r(text, "\n", &save);
    if (line && row_update(line) < 0) p->columns = count_fields(line); /* the header */
    for (; line; line = strtok_r(NULL, "\n", &save))
        if (row_update(line) > p->skip_through) p->skip_through = row_update(line);
    free(text);
    if (open_append(p, err)) return -1;
    /* A row torn by a crash stays; the next one starts on a line of its own. */
    if (torn && write(p->fd, "\n", 1) != 1) return err_set(err, "%s: write failed: %s", p->path, strerror(errno));
    return 0;
}

void progress_row_values(const ProgressRow *r, double v[PROGRESS_COLUMNS]) {
    const UpdateStats *st = r->stats;
    const double cols[PROGRESS_COLUMNS] = {
        (double)r->update, (double)r->global_step, r->seconds, r->sps, (double)r->episodes,
        r->recent.mean, r->recent.min, r->recent.max, r->recent.length, st->policy_loss,
        st->value_loss, st->entropy, st->approx_kl, st->clipfrac, st->explained_variance,
        st->learning_rate, st->grad_norm, r->collapse ? 1.0 : 0.0, r->eval_return,
        r->eval_return_std, r->eval_length};
    memcpy(v, cols, sizeof cols);
}

int progress_append(Progress *p, const ProgressRow *r, Err *err) {
    if (r->update <= p->skip_through) return 0;
    double cols[PROGRESS_COLUMNS];
    progress_row_values(r, cols);
    char row[1024];
    int used = snprintf(row, sizeof row, "%ld,%ld", r->update, r->global_step);
    for (int i = 2; i < PROGRESS_COLUMNS && i < p->columns; i++) {
        char v[32];
        fmt_num(v, sizeof v, cols[i]);
        used += snprintf(row + used, sizeof row - (size_t)used, ",%s", v);
    }
    used += snprintf(row + used, sizeof row - (size_t)used, "\n");
    struct stat before;
    const bool sized = fstat(p->fd, &before) == 0;
    size_t done = 0;
    int e = 0;
    while (done < (size_t)used && !e) {
        ssize_t w = write(p->fd, row + done, (size_t)used - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) e = w < 0 ? errno : EIO; /* a short write sets no errno: the next one tells */
        else done += (size_t)w;
    }
    if (!e) {
        p->rows++;
        return 0;
    }
    int cut = sized ? ftruncate(p->fd, before.st_size) : -1; /* keep whole rows only */
    return err_set(err, "%s: write failed: %s%s", p->path, strerror(e),
                   cut ? " (the row may be torn)" : "");
}

int progress_sync(Progress *p, Err *err) {
    if (fsync(p->fd) != 0) return err_set(err, "%s: fsync failed: %s", p->path, strerror(errno));
    return 0;
}

void progress_close(Progress *p) {
    if (p->fd >= 0) close(p->fd);
    p->fd = -1;
}

/* ---- reading ------------------------------------------------------------------------------- */

/* The field number of name in the CSV header line, or -1. */
static int find_column(const char *header, const char *name) {
    int i = 0;
    size_t len = strlen(name);
    for (const char *p = header;; i++) {
        const char *e = p + strcspn(p, ",\r\n");
        if ((size_t)(e - p) == len && strncmp(p, name, len) == 0) return i;
        if (*e != ',') return -1;
        p = e + 1;
    }
}

/* Field k of a CSV line as a number: NaN when missing, empty or not a number. */
static double field(const char *line, int k) {
    const char *p = line;
    for (int i = 0; i < k; i++) {
        p = strchr(p, ',');
        if (!p) return NAN;
        p++;
    }
    char *end;
    double v = strtod(p, &end);
    return end == p || (*end && *end != ',' && *end != '\r') || !isfinite(v) ? NAN : v;
}

void progress_table_free(ProgressTable *t) {
    free(t->step);
    for (int c = 0; c < PROGRESS_READ_MAX; c++) free(t->col[c]);
    memset(t, 0, sizeof *t);
}

/* Room for cap rows in every array of t. */
static int grow(ProgressTable *t, int n_cols, size_t cap) {
    double *s = realloc(t->step, sizeof(double) * (size_t)cap);
    if (!s) return -1;
    t->step = s;
    for (int c = 0; c < n_cols; c++) {
        double *v = realloc(t->col[c], sizeof(double) * (size_t)cap);
        if (!v) return -1;
        t->col[c] = v;
    }
    return 0;
}

int progress_read(const char *path, const char *const *columns, int n_cols, ProgressTable *t,
                  Err *err) {
    memset(t, 0, sizeof *t);
    if (n_cols > PROGRESS_READ_MAX) return err_set(err, "%s: too many columns asked for", path);
    char *text;
    size_t len;
    if (file_read(path, "progress file", PROGRESS_MAX_BYTES, &text, &len, err)) return -1;
    char *save, *line = strtok_r(text, "\n", &save);
    int idx_step = line ? find_column(line, "global_step") : -1, idx[PROGRESS_READ_MAX];
    const char *missing = idx_step < 0 ? "global_step" : NULL;
    for (int c = 0; c < n_cols; c++) {
        idx[c] = line ? find_column(line, columns[c]) : -1;
        if (idx[c] < 0 && !missing) missing = columns[c];
    }
    int rc = 0;
    size_t cap = 0;
    if (!line)
        rc = err_input(err, "%s: empty file (no header)", path);
    else if (missing)
        rc = err_input(err, "%s: no column '%s' in the header (is it a progress.csv written by ppo "
                       "train?)", path, missing);
    while (!rc && (line = strtok_r(NULL, "\n", &save))) {
        double step = field(line, idx_step);
        if (!isfinite(step)) continue;
        if ((size_t)t->n == cap && grow(t, n_cols, cap = cap ? 2 * cap : 256)) rc = err_set(err, "%s: out of memory", path);
        if (rc) break;
        t->step[t->n] = step;
        for (int c = 0; c < n_cols; c++) t->col[c][t->n] = field(line, idx[c]);
        t->n++;
    }
    free(text);
    if (!rc && t->n == 0) rc = err_input(err, "%s: no rows yet (a run writes one per update)", path);
    if (rc) progress_table_free(t);
    return rc ? -1 : 0;
}
