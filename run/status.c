/* status.c: the status line of a training run (see status.h). */
#include "run/status.h"

#include <math.h>

#define BAR 24 /* characters of the progress bar */

void status_print(FILE *out, const TrainProgress *p, double elapsed, int window, bool tty, bool last) {
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
        char bar[BAR + 1];
        int filled = (int)(frac * BAR);
        for (int i = 0; i < BAR; i++) bar[i] = i < filled ? '#' : '.';
        bar[BAR] = '\0';
        fprintf(out, "\r\033[K[%s] %ld/%ld steps  %.0f SPS  ETA %.0fs  return %s (%d eps)%s", bar,
                p->global_step, total, p->sps, eta, ret, window, last ? "\n" : "");
    } else {
        fprintf(out, "update %ld/%ld  step %ld  %.1fs  %.0f SPS  return %s\n", p->update,
                p->num_updates, p->global_step, elapsed, p->sps, ret);
    }
    fflush(out);
}
