/* status.h: where a training run stands, and the one line that shows it on the terminal: a
 * progress bar redrawn in place when stdout is a terminal, plain log lines otherwise. */
#ifndef PPO_STATUS_H
#define PPO_STATUS_H

#include <stdbool.h>
#include <stdio.h>

/* Where training stands (also what the live viewer is told after every update). */
typedef struct TrainProgress {
    long update, num_updates; /* updates done (0 before the first one) and planned in all */
    long global_step;         /* env steps so far, over all envs */
    long total_steps;         /* env steps planned in all */
    double sps;               /* env steps per second of training so far */
    double mean_return;       /* over the last EPISODE_WINDOW episodes (NaN before any) */
    long episodes;            /* finished so far */
    double eval_return;       /* the last evaluation's mean return (NaN before any) */
} TrainProgress;

/* Prints the status of p to out: on a terminal (tty) "\r[#####...] STEP/TOTAL steps  SPS  ETA
 * return R (N eps)  eval E" over the last line (a newline after it when last), shortened to fit in
 * width - 1 columns (the bar narrower or left out, then fields dropped); else one log line
 * "update U/UU  step S  ELAPSEDs  SPS  return R  eval E" with no control characters. elapsed: seconds
 * of this invocation; window: episodes the mean return is over. */
void status_print(FILE *out, const TrainProgress *p, double elapsed, int window, bool tty, bool last,
                  int width);

/* The terminal's width in columns (of stdout; else $COLUMNS; else 80). */
int status_width(void);

#endif
