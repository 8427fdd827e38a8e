/* episodes.c: the window of recent episodes (see episodes.h). */
#include "run/episodes.h"

#include <math.h>
#include <string.h>

void episodes_push(EpisodeWindow *w, float ret, int32_t length) {
    if (w->n == EPISODE_WINDOW) {
        memmove(w->returns, w->returns + 1, sizeof(float) * (EPISODE_WINDOW - 1));
        memmove(w->lengths, w->lengths + 1, sizeof(int32_t) * (EPISODE_WINDOW - 1));
        w->n--;
    }
    w->returns[w->n] = ret;
    w->lengths[w->n] = length;
    w->n++;
}

EpisodeStats episodes_stats(const EpisodeWindow *w) {
    if (w->n == 0) return (EpisodeStats){NAN, NAN, NAN, NAN};
    double s = 0, l = 0, mn = INFINITY, mx = -INFINITY;
    for (int i = 0; i < w->n; i++) {
        s += w->returns[i];
        l += w->lengths[i];
        if (w->returns[i] < mn) mn = w->returns[i];
        if (w->returns[i] > mx) mx = w->returns[i];
    }
    return (EpisodeStats){s / w->n, mn, mx, l / w->n};
}
