/* status.c: the status line of a training run (see status.h). */
#include "run/status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BAR_MAX 24 /* characters of the progress bar at most */
#define BAR_MIN 8  /* a narrower bar is left out */

int status_width(void) {
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    const char *c = getenv("COLUMNS");
    int n = c ? atoi(c) : 0;
    return n > 0 ? n : 80;
}

/* The terminal line into line [cap], at most width - 1 characters: the fields, longest form
 * first, dropped from the least useful (eps count, ETA, SPS, total) until they fit; then a bar
 * in the room left. The last evaluation's return ("eval R") goes last, when there is one. */
static void tty_line(char *line, size_t cap, const TrainProgress *p, double frac, double eta,
                     const char *ret, int window, int width) {
    char fields[160];
    const int room = width - 1;
    for (int level = 0; level < 5; level++) {
        int n = 0;
        n += snprintf(fields + n, sizeof fields - n, " %ld", p->global_step);
        if (level < 4) n += snprintf(fields + n, sizeof fields - n, "/%ld steps", p->total_steps);
        if (level < 3) n += snprintf(fields + n, sizeof fields - n, "  %.0f SPS", p->sps);
        if (level < 2) n += snprintf(fields + n, sizeof fields - n, "  ETA %.0fs", eta);
        n += snprintf(fields + n, sizeof fields - n, "  return %s", ret);
        if (level < 1) n += snprintf(fields + n, sizeof fields - n, " (%d eps)", window);
        if (isfinite(p->eval_return)) n += snprintf(fields + n, sizeof fields - n, "  eval %.4g", p->eval_return);
        if (n <= room || level == 4) break;
    }
    int bar = room - (int)strlen(fields) - 2;
    if (bar > BAR_MAX) bar = BAR_MAX;
    if (bar >= BAR_MIN) {
        char b[BAR_MAX + 1];
        int filled = (int)(frac * bar);
        for (int i = 0; i < bar; i++) b[i] = i < filled ? '#' : '.';
        b[bar] = '\0';
        snprintf(line, cap, "[%s]%s", b, fields);
    } else {
        snprintf(line, cap, "%s", fields + 1);
    }
    if (room > 0 && strlen(line) > (size_t)room) line[room] = '\0';
}

void status_print(FILE *out, const TrainProgress *p, double elapsed, int window, bool tty, bool last,
                  int width) {
    const long total = p->total_steps;
    double frac = total > 0 ? (double)p->global_step / total : 1.0;
    if (frac > 1) frac = 1;
    double eta = p->sps > 0 ? (total - p->global_step) / p->sps : 0;
    char ret[32];
    if (isfinite(p->mean_return))
        snprintf(ret, sizeof ret, "%.4g", p->mean_return);
    else
        snprintf(ret, sizeof ret, "-");
    if (tty) {
        char line[256];
        tty_line(line, sizeof line, p, frac, eta, ret, window, width);
        fprintf(out, "\r\033[K%s%s", line, last ? "\n" : "");
    } else {
        char ev[32] = "";
        if (isfinite(p->eval_return)) snprintf(ev, sizeof ev, "  eval %.4g", p->eval_return);
        fprintf(out, "update %ld/%ld  step %ld  %.1fs  %.0f SPS  return %s%s\n", p->update,
                p->num_updates, p->global_step, elapsed, p->sps, ret, ev);
    }
    fflush(out);
}
