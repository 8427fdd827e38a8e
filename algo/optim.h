/* optim.h: Adam (Kingma & Ba 2015, Algorithm 1, in the form of torch.optim.Adam without
 * weight decay or amsgrad) and the global gradient-norm clip (torch.nn.utils.clip_grad_norm_),
 * over the one contiguous parameter buffer of a policy.
 *
 * Shapes: params [P], grads [P], and the Adam moments m [P], v [P] owned by Adam, all in the
 * policy's layout. */
#ifndef PPO_OPTIM_H
#define PPO_OPTIM_H

#include <stddef.h>

#include "core/err.h"

typedef struct Adam {
    size_t n;     /* P */
    float *m;     /* [P] first moment */
    float *v;     /* [P] second moment */
    long step;    /* updates applied so far */
    double beta1, beta2, eps;
} Adam;

/* Creates Adam state for n parameters with zero moments, betas (0.9, 0.999) and eps. */
int adam_create(Adam **out, size_t n, double eps, Err *err);
void adam_destroy(Adam *a);

/* One Adam update with learning rate lr:
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). */
void adam_step(Adam *a, float *params, const float *grads, double lr);

/* The global L2 norm of grads [n] (accumulated in double). If it exceeds max_norm > 0, scales
 * grads by max_norm / (norm + 1e-6) as torch's clip_grad_norm_. Returns the norm before
 * clipping. */
double clip_grad_norm(float *grads, size_t n, double max_norm);

#endif
