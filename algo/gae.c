/* gae.c: generalized advantage estimation with the truncation bootstrap (see gae.h). */
#include "algo/gae.h"

#include <stdbool.h>
#include <stddef.h>

void gae_compute(int T, int N, const float *rewards, const float *values,
                 const uint8_t *terminated, const uint8_t *truncated, const float *final_values,
                 const float *next_values, double gamma, double lambda, float *advantages,
                 float *returns) {
    for (int n = 0; n < N; n++) {
        double last = 0.0; /* A_{t+1} of the same episode */
        for (int t = T - 1; t >= 0; t--) {
            size_t i = (size_t)t * N + n;
            double next_value;
            bool cut;
            if (terminated[i]) {
                next_value = 0.0;
                cut = true;
            } else if (truncated[i]) {
                next_value = final_values[i];
                cut = true;
            } else {
                next_value = t == T - 1 ? next_values[n] : values[i + N];
                cut = false;
            }
            double delta = rewards[i] + gamma * next_value - values[i];
            last = delta + (cut ? 0.0 : gamma * lambda * last);
            advantages[i] = (float)last;
            returns[i] = (float)(last + values[i]);
        }
    }
}
