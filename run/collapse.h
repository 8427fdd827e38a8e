/* collapse.h: telling when a policy has collapsed: its mean return, after rising well above where
 * it started, falls back and stays low (a known failure of PPO runs: the policy gets worse and
 * does not recover; best.ckpt then holds the policy worth keeping).
 *
 * Judged on the window of recent episodes after each update, from the first full window of
 * this invocation (the start) and the best full-window mean since. The rise must be real: at
 * least COLLAPSE_RISE standard errors (the returns' std over sqrt(n), the larger of the start's
 * and the best window's), so that noise around a flat curve never counts. Collapsed: the mean stays below the midpoint of
 * the start and the best for COLLAPSE_UPDATES updates in a row. Said once. */
#ifndef PPO_COLLAPSE_H
#define PPO_COLLAPSE_H

#include <stdbool.h>

#include "run/episodes.h"

#define COLLAPSE_UPDATES 20 /* updates in a row below the midpoint */
#define COLLAPSE_RISE 5.0   /* standard errors of the start's mean the best must rise by */

typedef struct Collapse {
    bool started;      /* a full window has been seen */
    double start;      /* the first full window's mean */
    double se;         /* the larger standard error of the start's and the best window's mean */
    double best;       /* the best full-window mean since */
    int low;           /* updates in a row below the midpoint */
    bool warned;
} Collapse;

/* Looks at the window after an update; returns true once, at the update where the collapse is
 * judged to have happened (the figures to report are in c: start, best). */
bool collapse_check(Collapse *c, const EpisodeWindow *w);

#endif
