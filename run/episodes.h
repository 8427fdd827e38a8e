/* episodes.h: the window of recently finished episodes whose mean return a run reports, stops
 * on (run.stop_return) and keeps its best checkpoint by: the last EPISODE_WINDOW episodes, as
 * CleanRL and SB3 report the mean of the last 100 (SB3's ep_info_buffer). */
#ifndef PPO_EPISODES_H
#define PPO_EPISODES_H

#include <stdint.h>

#define EPISODE_WINDOW 100 /* episodes in the window */

typedef struct EpisodeWindow {
    int n;                           /* episodes held, at most EPISODE_WINDOW */
    float returns[EPISODE_WINDOW];   /* oldest first */
    int32_t lengths[EPISODE_WINDOW]; /* steps, oldest first */
} EpisodeWindow;

/* Figures of the window: NaN for every one while it is empty. */
typedef struct EpisodeStats {
    double mean, min, max; /* of the returns */
    double length;         /* mean length in steps */
} EpisodeStats;

/* Adds a finished episode (its return and length in steps), dropping the oldest when full. */
void episodes_push(EpisodeWindow *w, float ret, int32_t length);

/* The mean, min and max return and the mean length of the window's episodes. */
EpisodeStats episodes_stats(const EpisodeWindow *w);

#endif
