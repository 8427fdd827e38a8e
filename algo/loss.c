/* loss.c: the clipped PPO objective and its gradient (see loss.h). */
#include "algo/loss.h"

#include <math.h>
#include <stdlib.h>

#include "policies/categorical.h"

int ppo_normalize_advantages(Dist *d, int n, real *adv) {
    double s[2] = {0.0, (double)n}; /* sum, count */
    for (int i = 0; i < n; i++) s[0] += adv[i];
    if (dist_sum_double(d, s, 2, NULL)) return -1;
    if (s[1] < 2) return 0;
    double mean = s[0] / s[1], var = 0.0;
    for (int i = 0; i < n; i++) var += ((double)adv[i] - mean) * ((double)adv[i] - mean);
    if (dist_sum_double(d, &var, 1, NULL)) return -1;
    const double std = sqrt(var / (s[1] - 1));
    for (int i = 0; i < n; i++) adv[i] = (real)(((double)adv[i] - mean) / (std + 1e-8));
    return 0;
}

/* The value loss of one row for the error e = V - R and its derivative d/dV: 0.5 e^2 and e, or
 * with delta > 0 Huber's loss (Huber 1964; PyTorch's smooth_l1_loss with beta = delta, times
 * delta): 0.5 e^2 where |e| <= delta, delta (|e| - 0.5 delta) beyond, whose slope is e clipped to
 * [-delta, delta]. */
static double value_row(double e, double delta, double *de) {
    if (delta > 0 && fabs(e) > delta) {
        *de = e > 0 ? delta : -delta;
        return delta * (fabs(e) - 0.5 * delta);
    }
    *de = e;
    return 0.5 * e * e;
}

double ppo_loss(int n, int A, const real *logits, const real *values, const int32_t *actions,
                const real *old_logprobs, const real *old_values, const real *advantages,
                const real *returns, const PPOLossCoefs *coefs, real *dlogits, real *dvalues,
                PPOLossStats *stats) {
    const double c = coefs->clip_coef, inv_n = 1.0 / n;
    double pg = 0, vl = 0, ent = 0, kl = 0, clipped = 0;
    double logp[A > 0 ? A : 1];
    for (int i = 0; i < n; i++) {
        const real *z = logits + (size_t)i * A;
        real *dz = dlogits + (size_t)i * A;
        categorical_log_softmax(A, z, logp);
        int a = actions[i];
        double h = categorical_entropy(A, logp);
        double logratio = logp[a] - (double)old_logprobs[i];
        double ratio = exp(logratio);
        double adv = advantages[i];
        double rc = fmin(fmax(ratio, 1.0 - c), 1.0 + c);
        double unclipped = -adv * ratio, clip_term = -adv * rc;
        /* d pg_i / d ratio: the unclipped branch carries the gradient; when the clipped branch
         * is strictly larger the ratio is outside [1-c, 1+c], where clip has slope 0. */
        double dratio = unclipped >= clip_term ? -adv : 0.0;
        pg += fmax(unclipped, clip_term);
        ent += h;
        kl += (ratio - 1.0) - logratio;
        clipped += fabs(ratio - 1.0) > c;
        /* loss_i / n = (pg_i - ent_coef * h_i + vf_coef * v_i) / n;
         * d logp_a / d z_j = [j == a] - p_j;  d h / d z_j = -p_j (logp_j + h). */
        double dlogp = dratio * ratio * inv_n;
        for (int j = 0; j < A; j++) {
            double p = exp(logp[j]);
            double g = dlogp * ((j == a) - p) + coefs->ent_coef * inv_n * p * (logp[j] + h);
            dz[j] = (real)g;
        }
        double v = values[i], ret = returns[i], dv;
        double l1 = value_row(v - ret, coefs->vf_huber, &dv);
        if (coefs->clip_vloss) {
            double vc = (double)old_values[i] + fmin(fmax(v - (double)old_values[i], -c), c), dvc;
            double l2 = value_row(vc - ret, coefs->vf_huber, &dvc);
            vl += fmax(l1, l2);
            if (l1 < l2) dv = 0.0; /* l2 > l1 only where the clip is active: slope 0 */
        } else {
            vl += l1;
        }
        dvalues[i] = (real)(coefs->vf_coef * dv * inv_n);
    }
    PPOLossStats s;
    s.pg_loss = pg * inv_n;
    s.v_loss = vl * inv_n;
    s.entropy = ent * inv_n;
    s.approx_kl = kl * inv_n;
    s.clipfrac = clipped * inv_n;
    s.loss = s.pg_loss - coefs->ent_coef * s.entropy + coefs->vf_coef * s.v_loss;
    if (stats) *stats = s;
    return s.loss;
}
