/* clock.h: wall-clock time for speeds, ETAs and pacing: seconds (double) on the monotonic
 * clock, which jumps neither with the date nor with NTP. Only differences mean anything. */
#ifndef PPO_CLOCK_H
#define PPO_CLOCK_H

#include <time.h>

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
static inline double clock_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
