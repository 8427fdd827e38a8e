/* normalize.c: running statistics, observation normalization and reward scaling (see
 * normalize.h). */
#include "algo/normalize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int running_stats_init(RunningStats *rs, int dim, Err *err) {
    rs->dim = dim;
    rs->mean = calloc((size_t)dim, sizeof(double));
    rs->var = malloc((size_t)dim * sizeof(double));
    if (!rs->mean || !rs->var) {
        running_stats_free(rs);
        return err_set(err, "out of memory for normalization statistics of %d values", dim);
    }
    for (int j = 0; j < dim; j++) rs->var[j] = 1.0;
    rs->count = NORM_COUNT0;
    return 0;
}

void running_stats_free(RunningStats *rs) {
    free(rs->mean);
    free(rs->var);
    rs->mean = rs->var = NULL;
}

void running_stats_merge(RunningStats *rs, const double *bmean, const double *bvar, double bcount) {
    const double tot = rs->count + bcount;
    for (int j = 0; j < rs->dim; j++) {
        double delta = bmean[j] - rs->mean[j];
        double m_a = rs->var[j] * rs->count, m_b = bvar[j] * bcount;
        double m2 = m_a + m_b + delta * delta * rs->count * bcount / tot;
        rs->mean[j] = rs->mean[j] + delta * bcount / tot;
        rs->var[j] = m2 / tot;
    }
    rs->count = tot;
}

void running_stats_normalize(const RunningStats *rs, double clip, const float *x, float *out) {
    for (int j = 0; j < rs->dim; j++) {
        double z = ((double)x[j] - rs->mean[j]) / sqrt(rs->var[j] + NORM_EPSILON);
        out[j] = (float)(z < -clip ? -clip : z > clip ? clip : z);
    }
}

int normalizer_init(Normalizer *n, bool obs_on, bool reward_on, double clip_obs, double clip_reward,
                    double gamma, int obs_dim, int n_envs, Err *err) {
    memset(n, 0, sizeof *n);
    n->obs_on = obs_on;
    n->reward_on = reward_on;
    n->clip_obs = clip_obs;
    n->clip_reward = clip_reward;
    n->gamma = gamma;
    n->n_envs = n_envs;
    n->returns = calloc((size_t)n_envs, sizeof(double));
    if (!n->returns) return err_set(err, "out of memory for the reward scaling of %d envs", n_envs);
    if (running_stats_init(&n->obs, obs_dim, err) || running_stats_init(&n->ret, 1, err)) {
        normalizer_free(n);
        return -1;
    }
    return 0;
}

void normalizer_free(Normalizer *n) {
    running_stats_free(&n->obs);
    running_stats_free(&n->ret);
    free(n->returns);
    n->returns = NULL;
}

/* The mean [dim] and population variance [dim] of x [rows, dim] over the ranks of d, and the
 * total count. 0 or -1 (a failed collective). */
static int batch_moments(Dist *d, int dim, const float *x, size_t rows, double *mean, double *var,
                         double *count) {
    double s[dim + 1];
    for (int j = 0; j < dim; j++) s[j] = 0.0;
    s[dim] = (double)rows;
    for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < dim; j++) s[j] += x[r * dim + j];
    if (dist_sum_double(d, s, (size_t)dim + 1, NULL)) return -1;
    *count = s[dim];
    for (int j = 0; j < dim; j++) {
        mean[j] = s[j] / *count;
        var[j] = 0.0;
    }
    for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < dim; j++) {
            double e = x[r * dim + j] - mean[j];
            var[j] += e * e;
        }
    if (dist_sum_double(d, var, (size_t)dim, NULL)) return -1;
    for (int j = 0; j < dim; j++) var[j] /= *count;
    return 0;
}

/* The mean and population variance of x [n] over the ranks of d, and the total count. 0 or -1. */
static int return_moments(Dist *d, int n, const double *x, double *mean, double *var, double *count) {
    double s[2] = {0.0, (double)n};
    for (int i = 0; i < n; i++) s[0] += x[i];
    if (dist_sum_double(d, s, 2, NULL)) return -1;
    *count = s[1];
    *mean = s[0] / s[1];
    double v = 0.0;
    for (int i = 0; i < n; i++) v += (x[i] - *mean) * (x[i] - *mean);
    if (dist_sum_double(d, &v, 1, NULL)) return -1;
    *var = v / s[1];
    return 0;
}

int normalizer_after_rollout(Normalizer *n, Dist *d, int T, int N, const float *raw_obs, float *rewards,
                             const uint8_t *terminated) {
    if (n->reward_on) {
        double step_returns[N > 0 ? N : 1];
        for (int t = 0; t < T; t++) {
            float *r = rewards + (size_t)t * N;
            const uint8_t *term = terminated + (size_t)t * N;
            for (int i = 0; i < N; i++) {
                n->returns[i] = n->returns[i] * n->gamma * (1 - term[i]) + r[i];
                step_returns[i] = n->returns[i];
            }
            double mean, var, count;
            if (return_moments(d, N, step_returns, &mean, &var, &count)) return -1;
            running_stats_merge(&n->ret, &mean, &var, count);
            const double scale = sqrt(n->ret.var[0] + NORM_EPSILON), c = n->clip_reward;
            for (int i = 0; i < N; i++) {
                double z = r[i] / scale;
                r[i] = (float)(z < -c ? -c : z > c ? c : z);
            }
        }
    }
    if (n->obs_on) {
        const int O = n->obs.dim;
        double mean[O], var[O], count;
        if (batch_moments(d, O, raw_obs + (size_t)N * O, (size_t)T * N, mean, var, &count)) return -1;
        running_stats_merge(&n->obs, mean, var, count);
    }
    return 0;
}
