/* progress.c: progress.csv (see progress.h). */
#include "run/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fmt_num(char *buf, size_t cap, double v) {
    if (isfinite(v))
        snprintf(buf, cap, "%.6g", v);
    else
        buf[0] = '\0';
}

/* Rewrites progress.csv with the header and the rows of updates up to keep_update. */
static int keep_rows(const char *path, long keep_update, Err *err) {
    char *kept = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&kept, &len);
    if (!mem) return err_set(err, "out of memory");
    fputs(PROGRESS_HEADER, mem);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[2048];
        while (fgets(line, sizeof line, f)) {
            char *end;
            long u = strtol(line, &end, 10);
            if (end != line && *end == ',' && u <= keep_update) fputs(line, mem);
        }
        fclose(f);
    }
    fclose(mem);
    int rc = file_write_atomic(path, kept, len, err);
    free(kept);
    return rc;
}

int progress_open(Progress *p, const char *dir, long keep_update, Err *err) {
    p->fd = -1;
    if (file_path(p->path, err, "%s/progress.csv", dir)) return -1;
    if (keep_update >= 0 && keep_rows(p->path, keep_update, err)) return -1;
    p->fd = open(p->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (p->fd < 0) return err_set(err, "%s: cannot open: %s", p->path, strerror(errno));
    if (keep_update < 0 && write(p->fd, PROGRESS_HEADER, strlen(PROGRESS_HEADER)) < 0)
        return err_set(err, "%s: write failed: %s", p->path, strerror(errno));
    return 0;
}

int progress_append(Progress *p, const ProgressRow *r, Err *err) {
    const UpdateStats *st = r->stats;
    const double cols[] = {r->seconds, r->sps, (double)r->episodes, r->recent.mean, r->recent.min,
                           r->recent.max, r->recent.length, st->policy_loss, st->value_loss,
                           st->entropy, st->approx_kl, st->clipfrac, st->explained_variance,
                           st->learning_rate, st->grad_norm};
    char row[1024];
    int used = snprintf(row, sizeof row, "%ld,%ld", r->update, r->global_step);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        char v[32];
        fmt_num(v, sizeof v, cols[i]);
        used += snprintf(row + used, sizeof row - (size_t)used, ",%s", v);
    }
    used += snprintf(row + used, sizeof row - (size_t)used, "\n");
    if (write(p->fd, row, (size_t)used) != used)
        return err_set(err, "%s: write failed: %s", p->path, strerror(errno));
    return 0;
}

int progress_sync(Progress *p, Err *err) {
    if (fsync(p->fd) != 0) return err_set(err, "%s: fsync failed: %s", p->path, strerror(errno));
    return 0;
}

void progress_close(Progress *p) {
    if (p->fd >= 0) close(p->fd);
    p->fd = -1;
}
