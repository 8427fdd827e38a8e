/* layers.c: forward / backward pairs of the policy layers (see layers.h for shapes and sources).
 * Math through <tgmath.h> and simd.h, so the same code runs in float and in the double build;
 * the row loops are vectorized (simd.h: the same results on every clone). */
#include "policies/simd.h" /* first: see simd.h */

#include "policies/layers.h"

#include <string.h>
#include <tgmath.h>

#include "policies/linalg.h"

#define sigmoid real_sigmoid

/* sum_i a[i] * b[i] * c[i], with real_dot's lanes and order. */
static inline real real_dot3(const real *a, const real *b, const real *c, int n) {
    real acc[SIMD_LANES] = {0};
    int i = 0;
    for (; i + SIMD_LANES <= n; i += SIMD_LANES)
        for (int l = 0; l < SIMD_LANES; l++) acc[l] += a[i + l] * b[i + l] * c[i + l];
    real s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++) s += a[i] * b[i] * c[i];
    return s;
}

void linear_forward(real *out, int ldo, const real *inp, int ldi, const real *weight,
                    const real *bias, int N, int C, int OC, bool naive) {
    /* inp is (N, C), weight is (OC, C), out is (N, OC) */
    if (bias) {
        for (int n = 0; n < N; n++) memcpy(out + (long)n * ldo, bias, (size_t)OC * sizeof *out);
        linalg_gemm(naive, false, true, N, OC, C, 1, inp, ldi, weight, C, 1, out, ldo);
    } else {
        linalg_gemm(naive, false, true, N, OC, C, 1, inp, ldi, weight, C, 0, out, ldo);
    }
}

void linear_forward_acc(real *out, int ldo, const real *inp, int ldi, const real *weight, int N,
                        int C, int OC, bool naive) {
    /* inp is (N, C), weight is (OC, C), out is (N, OC) */
    linalg_gemm(naive, false, true, N, OC, C, 1, inp, ldi, weight, C, 1, out, ldo);
}

void linear_backward(real *dinp, real *dweight, real *dbias, const real *dout, int ldo,
                     const real *inp, int ldi, const real *weight, int N, int C, int OC,
                     bool naive) {
    /* dout is (N, OC), inp is (N, C), weight is (OC, C) */
    if (dinp) linalg_gemm(naive, false, false, N, C, OC, 1, dout, ldo, weight, C, 1, dinp, ldi);
    linalg_gemm(naive, true, false, OC, C, N, 1, dout, ldo, inp, ldi, 1, dweight, C);
    if (dbias)
        for (int n = 0; n < N; n++) {
            const real *d = dout + (long)n * ldo;
            for (int o = 0; o < OC; o++) dbias[o] += d[o];
        }
}

POLICY_HOT void rmsnorm_forward(real *out, real *rstd, const real *inp, const real *weight, int N, int C) {
    /* inp is (N, C), weight is (C), out is (N, C), rstd is (N) */
    for (int n = 0; n < N; n++) {
        const real *x = inp + (long)n * C;
        real *y = out + (long)n * C;
        real r = 1 / sqrt(real_dot(x, x, C) / C + LAYERS_NORM_EPS);
        for (int i = 0; i < C; i++) y[i] = weight[i] * (x[i] * r);
        rstd[n] = r;
    }
}

POLICY_HOT void rmsnorm_backward(real *dinp, real *dweight, const real *dout, const real *inp,
                      const real *weight, const real *rstd, int N, int C) {
    /* y_i = w_i x_i r, r = (mean(x^2) + eps)^(-1/2), dr/dx_j = -r^3 x_j / C:
     * dx_j = r w_j dy_j - r^3 x_j / C * sum_i w_i dy_i x_i; dw_i = dy_i x_i r. */
    for (int n = 0; n < N; n++) {
        const real *x = inp + (long)n * C, *dy = dout + (long)n * C;
        real *dx = dinp + (long)n * C;
        real r = rstd[n];
        real c = r * r * r * real_dot3(weight, dy, x, C) / C;
        for (int i = 0; i < C; i++) {
            dx[i] += r * weight[i] * dy[i] - c * x[i];
            dweight[i] += dy[i] * x[i] * r;
        }
    }
}

POLICY_HOT void gated_rmsnorm_forward(real *out, real *rstd, const real *o, const real *u, int ldu,
                           const real *weight, int N, int H, int Vh) {
    /* o is (N, H * Vh), u is (N, H * Vh) with row stride ldu, weight is (Vh), rstd is (N, H) */
    int C = H * Vh;
    for (int n = 0; n < N; n++)
        for (int h = 0; h < H; h++) {
            const real *x = o + (long)n * C + h * Vh, *g = u + (long)n * ldu + h * Vh;
            real *y = out + (long)n * C + h * Vh;
            real r = 1 / sqrt(real_dot(x, x, Vh) / Vh + LAYERS_NORM_EPS);
            for (int i = 0; i < Vh; i++) y[i] = weight[i] * (x[i] * r) * (g[i] * sigmoid(g[i]));
            rstd[n * H + h] = r;
        }
}

POLICY_HOT void gated_rmsnorm_backward(real *do_, real *du, int ldu, real *dweight, const real *dout,
                            const real *o, const real *u, const real *weight, const real *rstd,
                            int N, int H, int Vh) {
    /* y = nrm * swish(u), nrm_i = w_i x_i r: dnrm = dy swish(u); du = dy nrm swish'(u) with
     * swish'(u) = s (1 + u (1 - s)), s = sigmoid(u); then RMSNorm's backward with dnrm. */
    int C = H * Vh;
    for (int n = 0; n < N; n++)
        for (int h = 0; h < H; h++) {
            const real *x = o + (long)n * C + h * Vh, *g = u + (long)n * ldu + h * Vh;
            const real *dy = dout + (long)n * C + h * Vh;
            real *dx = do_ + (long)n * C + h * Vh, *dg = du + (long)n * ldu + h * Vh;
            real r = rstd[n * H + h];
            real dnrm[GATED_MAX_VH];
            for (int i = 0; i < Vh; i++) {
                real s = sigmoid(g[i]);
                real xn = x[i] * r;
                dnrm[i] = dy[i] * (g[i] * s);
                dg[i] += dy[i] * (weight[i] * xn) * (s * (1 + g[i] * (1 - s)));
                dweight[i] += dnrm[i] * xn;
            }
            real c = r * r * r * real_dot3(weight, dnrm, x, Vh) / Vh;
            for (int i = 0; i < Vh; i++) dx[i] += r * weight[i] * dnrm[i] - c * x[i];
        }
}

POLICY_HOT void swiglu_forward(real *out, const real *h, int N, int F) {
    /* h is (N, 2F): [a | b]; out is (N, F) = silu(a) * b */
    for (int n = 0; n < N; n++) {
        const real *a = h + (long)n * 2 * F, *b = a + F;
        real *y = out + (long)n * F;
        for (int i = 0; i < F; i++) y[i] = a[i] * sigmoid(a[i]) * b[i];
    }
}

POLICY_HOT void swiglu_backward(real *dh, const real *dout, const real *h, int N, int F) {
    /* d/da silu(a) = s (1 + a (1 - s)), s = sigmoid(a) */
    for (int n = 0; n < N; n++) {
        const real *a = h + (long)n * 2 * F, *b = a + F, *dy = dout + (long)n * F;
        real *da = dh + (long)n * 2 * F, *db = da + F;
        for (int i = 0; i < F; i++) {
            real s = sigmoid(a[i]);
            da[i] += dy[i] * b[i] * (s * (1 + a[i] * (1 - s)));
            db[i] += dy[i] * (a[i] * s);
        }
    }
}

POLICY_HOT void gate_forward(real *alpha, const real *z, long n, real tau) {
    /* logsigmoid(z) = min(z, 0) - log1p(exp(-|z|)), stable for either sign */
    for (long i = 0; i < n; i++) {
        real ls = (z[i] < 0 ? z[i] : 0) - real_log1p_unit(real_exp(-fabs(z[i])));
        alpha[i] = real_exp(ls / tau);
    }
}

POLICY_HOT void gate_backward(real *dz, const real *z, long n, real tau) {
    for (long i = 0; i < n; i++) dz[i] *= sigmoid(-z[i]) / tau;
}

POLICY_HOT void tanh_forward(real *x, int ld, int N, int C) {
    for (int n = 0; n < N; n++)
        for (int i = 0; i < C; i++) x[(long)n * ld + i] = real_tanh(x[(long)n * ld + i]);
}

POLICY_HOT void tanh_backward(real *dx, int ldd, const real *y, int ldy, int N, int C) {
    for (int n = 0; n < N; n++)
        for (int i = 0; i < C; i++) {
            real t = y[(long)n * ldy + i];
            dx[(long)n * ldd + i] *= 1 - t * t;
        }
}

void input_features(real *inp, int N, const real *obs, int O, const uint8_t *start,
                    const int32_t *prev_action, int A, bool with_prev, bool with_start) {
    /* obs is (N, O), start and prev_action are (N), inp is (N, O + A? + 1?) */
    const int IN = O + (with_prev ? A : 0) + (with_start ? 1 : 0);
    for (int n = 0; n < N; n++) {
        real *x = inp + (long)n * IN;
        memcpy(x, obs + (long)n * O, (size_t)O * sizeof *x);
        int c = O;
        if (with_prev) {
            memset(x + c, 0, (size_t)A * sizeof *x);
            int32_t a = prev_action ? prev_action[n] : -1;
            if (!start[n] && a >= 0 && a < A) x[c + a] = 1;
            c += A;
        }
        if (with_start) x[c] = start[n] ? 1 : 0;
    }
}

POLICY_HOT void relu_forward(real *x, int ld, int N, int C) {
    for (int n = 0; n < N; n++)
        for (int i = 0; i < C; i++) {
            real v = x[(long)n * ld + i];
            x[(long)n * ld + i] = v < 0 ? 0 : v; /* a NaN stays NaN */
        }
}

POLICY_HOT void relu_backward(real *dx, int ldd, const real *y, int ldy, int N, int C) {
    for (int n = 0; n < N; n++)
        for (int i = 0; i < C; i++)
            if (y[(long)n * ldy + i] <= 0) dx[(long)n * ldd + i] = 0;
}
