/* categorical.c: log-probabilities, entropy, sampling and argmax of a softmax over logits (see
 * categorical.h). */
#include "policies/categorical.h"

#include <math.h>

void categorical_log_softmax(int A, const real *logits, double *logp) {
    double m = logits[0];
    for (int j = 1; j < A; j++)
        if (logits[j] > m) m = logits[j];
    double s = 0.0;
    for (int j = 0; j < A; j++) s += exp((double)logits[j] - m);
    double lse = m + log(s);
    for (int j = 0; j < A; j++) logp[j] = (double)logits[j] - lse;
}

double categorical_entropy(int A, const double *logp) {
    double h = 0.0;
    for (int j = 0; j < A; j++) h -= exp(logp[j]) * logp[j];
    return h;
}

int32_t categorical_pick(int A, const double *logp, double u) {
    double cum = 0.0;
    for (int j = 0; j < A; j++) {
        cum += exp(logp[j]);
        if (u < cum) return j;
    }
    return A - 1;
}

int32_t categorical_sample(int A, const real *logits, Rng *rng, real *logprob) {
    double logp[A > 0 ? A : 1];
    categorical_log_softmax(A, logits, logp);
    int32_t a = categorical_pick(A, logp, rng_double(rng));
    *logprob = (real)logp[a];
    return a;
}

int32_t categorical_argmax(int A, const real *logits) {
    int best = 0;
    for (int j = 1; j < A; j++)
        if (logits[j] > logits[best]) best = j;
    return best;
}
