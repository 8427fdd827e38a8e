/* simd.h: what lets the policies' own loops (everything but the matrix products) use the
 * vector units without changing a result.
 *
 * - Including this header turns on, for the rest of the including file (GCC), loop
 *   vectorization at -O2 and -fno-trapping-math (no effect on values: it only lets a
 *   conditional select be vectorized). Include it first, so the inline functions below are
 *   compiled with the same options as their callers and can be inlined into them.
 * - POLICY_HOT on a function: GCC compiles it for AVX-512, AVX2 and baseline x86-64 and picks
 *   one at load time (target_clones). ISO C mode keeps -ffp-contract=off, and no
 *   reassociation is allowed, so every clone computes bit for bit the same results.
 * - Reductions are written with SIMD_LANES independent partial sums (real_dot), combined in a
 *   fixed order: vectorizable without -ffast-math, and deterministic.
 * - real_exp and real_log1p_unit: exp and log1p written so that loops calling them vectorize
 *   (libm's are opaque calls). In the double build (gradient checks) they are libm's. */
#ifndef PPO_SIMD_H
#define PPO_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic", "no-trapping-math")
#define POLICY_HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define POLICY_HOT
#endif

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/real.h"

#define SIMD_LANES 8

/* sum_i a[i] * b[i] over n, as SIMD_LANES partial sums (lane l takes i = l mod SIMD_LANES)
 * combined pairwise, then the tail in order. */
static inline real real_dot(const real *a, const real *b, int n) {
    real acc[SIMD_LANES] = {0};
    int i = 0;
    for (; i + SIMD_LANES <= n; i += SIMD_LANES)
        for (int l = 0; l < SIMD_LANES; l++) acc[l] += a[i + l] * b[i + l];
    real s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

#ifdef PPO_REAL_DOUBLE
static inline real real_exp(real x) { return exp(x); }
static inline real real_log1p_unit(real u) { return log1p(u); }
static inline real real_tanh(real x) { return tanh(x); }
#else
/* e^x in float, Cephes expf's method (S. Moshier, cephes/single/expf.c: x = n ln2 + r with
 * ln2 split in two, a degree-6 polynomial for e^r, 2^n built in the exponent bits), ~1 ulp;
 * x is clamped to [-87.3, 88.3] (results for x beyond are those at the clamp). n is rounded
 * to nearest by adding and subtracting 1.5 * 2^23. */
static inline float real_exp(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    float t = x * 1.44269504088896341f + 12582912.0f;
    float n = t - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * (r * r) + r + 1.0f;
    /* 2^n, n in [-126, 127], from t's bits; in unsigned arithmetic, which wraps where a NaN or
     * Inf x gives bits far from 2^23 (signed, that would overflow: undefined behaviour) */
    uint32_t bits;
    memcpy(&bits, &t, sizeof bits);
    uint32_t e = (bits - 0x4B400000u + 127u) << 23;
    float s;
    memcpy(&s, &e, sizeof s);
    return y * s;
}

/* log(1 + u) for u in [0, 1]: 2 atanh(s), s = u / (2 + u) in [0, 1/3] (no cancellation), by
 * its odd series to s^15 (truncation < 2 s^17 / 17 < 1e-9). */
static inline float real_log1p_unit(float u) {
    float s = u / (2.0f + u), t = s * s;
    float p = 1.0f / 15;
    p = p * t + 1.0f / 13;
    p = p * t + 1.0f / 11;
    p = p * t + 1.0f / 9;
    p = p * t + 1.0f / 7;
    p = p * t + 1.0f / 5;
    p = p * t + 1.0f / 3;
    p = p * t + 1.0f;
    return 2.0f * s * p;
}

/* tanh(x) in float: for |x| < 0.4 its Taylor series to x^11 (truncation < 3e-8 relative);
 * beyond, sign(x) (1 - e) / (1 + e) with e = e^(-2|x|) <= 0.45 (no cancellation). Both are
 * computed and one selected, so loops vectorize. */
static inline float real_tanh(float x) {
    float ax = x < 0 ? -x : x, t = x * x;
    float p = -1382.0f / 155925;
    p = p * t + 62.0f / 2835;
    p = p * t - 17.0f / 315;
    p = p * t + 2.0f / 15;
    p = p * t - 1.0f / 3;
    float small = x + x * t * p;
    float e = real_exp(-2.0f * ax);
    float big = (1.0f - e) / (1.0f + e);
    big = x < 0 ? -big : big;
    return ax < 0.4f ? small : big;
}
#endif

/* sigmoid(x) = 1 / (1 + e^-x) */
static inline real real_sigmoid(real x) { return 1 / (1 + real_exp(-x)); }

#endif
