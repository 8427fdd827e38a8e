/* gaussian.c: log-probabilities, entropy and sampling of a diagonal Gaussian (see gaussian.h). */
#include "policies/gaussian.h"

#include <math.h>

double gaussian_logprob(int D, const real *mean, const real *log_std, const real *action) {
    double lp = 0.0;
    for (int j = 0; j < D; j++) {
        double z = ((double)action[j] - (double)mean[j]) * exp(-(double)log_std[j]);
        lp += -0.5 * z * z - (double)log_std[j] - GAUSSIAN_LOG_SQRT_2PI;
    }
    return lp;
}

double gaussian_entropy(int D, const real *log_std) {
    double h = 0.0;
    for (int j = 0; j < D; j++) h += 0.5 + GAUSSIAN_LOG_SQRT_2PI + (double)log_std[j];
    return h;
}

void gaussian_sample(int D, const real *mean, const real *log_std, Rng *rng, real *action,
                     real *logprob) {
    for (int j = 0; j < D; j++)
        action[j] = (real)((double)mean[j] + exp((double)log_std[j]) * rng_normal(rng));
    *logprob = (real)gaussian_logprob(D, mean, log_std, action);
}
