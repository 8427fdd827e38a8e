/* collapse.c: the collapse warning (see collapse.h). */
#include "run/collapse.h"

#include <math.h>

/* The standard error of the window's mean: the returns' std (unbiased) over sqrt(n). */
static double std_error(const EpisodeWindow *w, double mean) {
    double ss = 0;
    for (int i = 0; i < w->n; i++) ss += (w->returns[i] - mean) * (w->returns[i] - mean);
    return sqrt(ss / (w->n - 1)) / sqrt((double)w->n);
}

bool collapse_check(Collapse *c, const EpisodeWindow *w) {
    if (w->n < EPISODE_WINDOW || c->warned) return false;
    const double mean = episodes_stats(w).mean;
    if (!c->started) {
        c->started = true;
        c->start = c->best = mean;
        c->se = std_error(w, mean);
        return false;
    }
    if (mean > c->best) {
        c->best = mean;
        c->se = fmax(c->se, std_error(w, mean));
    }
    const bool risen = c->best - c->start > COLLAPSE_RISE * c->se && c->best > c->start;
    c->low = risen && mean < 0.5 * (c->start + c->best) ? c->low + 1 : 0;
    if (c->low < COLLAPSE_UPDATES) return false;
    c->warned = true;
    return true;
}
