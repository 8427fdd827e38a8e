/* optim.c: Adam and the global gradient-norm clip (see optim.h). */
#include "algo/optim.h"

#include <math.h>
#include <stdlib.h>

int adam_create(Adam **out, size_t n, double eps, Err *err) {
    Adam *a = calloc(1, sizeof *a);
    if (a) {
        a->m = calloc(n ? n : 1, sizeof *a->m);
        a->v = calloc(n ? n : 1, sizeof *a->v);
    }
    if (!a || !a->m || !a->v) {
        adam_destroy(a);
        *out = NULL;
        return err_set(err, "out of memory for Adam state of %zu parameters", n);
    }
    a->n = n;
    a->beta1 = 0.9;
    a->beta2 = 0.999;
    a->eps = eps;
    *out = a;
    return 0;
}

void adam_destroy(Adam *a) {
    if (!a) return;
    free(a->m);
    free(a->v);
    free(a);
}

void adam_step(Adam *a, float *params, const float *grads, double lr) {
    a->step++;
    const float b1 = (float)a->beta1, b2 = (float)a->beta2, eps = (float)a->eps;
    const double bc1 = 1.0 - pow(a->beta1, (double)a->step);
    const double bc2 = 1.0 - pow(a->beta2, (double)a->step);
    const float step_size = (float)(lr / bc1);
    const float bc2_sqrt = (float)sqrt(bc2);
    float *m = a->m, *v = a->v;
    for (size_t i = 0; i < a->n; i++) {
        float g = grads[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        float denom = sqrtf(v[i]) / bc2_sqrt + eps;
        params[i] -= step_size * m[i] / denom;
    }
}

double clip_grad_norm(float *grads, size_t n, double max_norm) {
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) ss += (double)grads[i] * grads[i];
    double norm = sqrt(ss);
    if (max_norm > 0 && norm > max_norm) {
        float scale = (float)(max_norm / (norm + 1e-6));
        for (size_t i = 0; i < n; i++) grads[i] *= scale;
    }
    return norm;
}
