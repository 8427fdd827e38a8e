/* loss.c: the clipped PPO objective and its gradient (see loss.h). */
#include "algo/loss.h"

#include <math.h>
#include <stdlib.h>

#include "policies/categorical.h"
#include "policies/gaussian.h"

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

/* The clipped surrogate term of one sample, max(-A ratio, -A clip(ratio, 1 - c, 1 + c)), and
 * its derivative with respect to the ratio into *dratio: the unclipped branch carries the
 * gradient; when the clipped branch is strictly larger the ratio is outside [1-c, 1+c], where
 * clip has slope 0. */
static inline double surrogate(double ratio, double adv, double c, double *dratio) {
    double rc = fmin(fmax(ratio, 1.0 - c), 1.0 + c);
    double unclipped = -adv * ratio, clip_term = -adv * rc;
    *dratio = unclipped >= clip_term ? -adv : 0.0;
    return fmax(unclipped, clip_term);
}

/* The value term of one sample, value_row(V - R) or with clip_vloss
 * max(value_row(V - R), value_row(V_old + clip(V - V_old, -c, c) - R)) (0.5 e^2 or Huber's loss
 * with delta = vf_huber), and its derivative with respect to V into *dv. */
static inline double value_term(double v, double ret, double old_v, const PPOLossCoefs *coefs,
                                double *dv) {
    const double c = coefs->clip_coef;
    double l1 = value_row(v - ret, coefs->vf_huber, dv);
    if (coefs->clip_vloss) {
        double vc = old_v + fmin(fmax(v - old_v, -c), c), dvc;
        double l2 = value_row(vc - ret, coefs->vf_huber, &dvc);
        if (l1 < l2) *dv = 0.0; /* l2 > l1 only where the clip is active: slope 0 */
        return fmax(l1, l2);
    }
    return l1;
}

static PPOLossStats finish_stats(double pg, double vl, double ent, double kl, double clipped, double inv_n,
                                 const PPOLossCoefs *coefs) {
    PPOLossStats s;
    s.pg_loss = pg * inv_n;
    s.v_loss = vl * inv_n;
    s.entropy = ent * inv_n;
    s.approx_kl = kl * inv_n;
    s.clipfrac = clipped * inv_n;
    s.loss = s.pg_loss - coefs->ent_coef * s.entropy + coefs->vf_coef * s.v_loss;
    return s;
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
        double dratio;
        pg += surrogate(ratio, advantages[i], c, &dratio);
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
        double dv;
        vl += value_term(values[i], returns[i], old_values[i], coefs, &dv);
        dvalues[i] = (real)(coefs->vf_coef * dv * inv_n);
    }
    PPOLossStats s = finish_stats(pg, vl, ent, kl, clipped, inv_n, coefs);
    if (stats) *stats = s;
    return s.loss;
}

double ppo_loss_gaussian(int n, int D, const real *means, const real *log_std, const real *values,
                         const real *actions, const real *old_logprobs, const real *old_values,
                         const real *advantages, const real *returns, const PPOLossCoefs *coefs,
                         real *dmeans, real *dlog_std, real *dvalues, PPOLossStats *stats) {
    const double c = coefs->clip_coef, inv_n = 1.0 / n;
    double pg = 0, vl = 0, kl = 0, clipped = 0;
    const double h = gaussian_entropy(D, log_std); /* the same for every sample */
    double dls[D > 0 ? D : 1];
    for (int j = 0; j < D; j++) dls[j] = 0.0;
    for (int i = 0; i < n; i++) {
        const real *m = means + (size_t)i * D, *a = actions + (size_t)i * D;
        real *dm = dmeans + (size_t)i * D;
        double logratio = gaussian_logprob(D, m, log_std, a) - (double)old_logprobs[i];
        double ratio = exp(logratio);
        double dratio;
        pg += surrogate(ratio, advantages[i], c, &dratio);
        kl += (ratio - 1.0) - logratio;
        clipped += fabs(ratio - 1.0) > c;
        /* With z_j = (a_j - m_j) / sigma_j: d logp / d m_j = z_j / sigma_j,
         * d logp / d log_std_j = z_j^2 - 1. */
        double dlogp = dratio * ratio * inv_n;
        for (int j = 0; j < D; j++) {
            double inv_sigma = exp(-(double)log_std[j]);
            double z = ((double)a[j] - (double)m[j]) * inv_sigma;
            dm[j] = (real)(dlogp * z * inv_sigma);
            dls[j] += dlogp * (z * z - 1.0);
        }
        double dv;
        vl += value_term(values[i], returns[i], old_values[i], coefs, &dv);
        dvalues[i] = (real)(coefs->vf_coef * dv * inv_n);
    }
    /* - ent_coef * mean_i h: d h / d log_std_j = 1 for every sample */
    for (int j = 0; j < D; j++) dlog_std[j] = (real)(dls[j] - coefs->ent_coef);
    PPOLossStats s = finish_stats(pg, vl, h * n, kl, clipped, inv_n, coefs);
    if (stats) *stats = s;
    return s.loss;
}
