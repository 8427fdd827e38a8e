/* gla_lanes.c: the GLA recurrence over GLA_LANES (env, head) pairs at once (see gla_lanes.h).
 * Every innermost loop runs over the lanes, with a fixed trip count, so it compiles to whole
 * vector operations (simd.h). */
#include "policies/simd.h" /* first: see simd.h */

#include "policies/gla_lanes.h"

#include <string.h>

#define L GLA_LANES

POLICY_HOT void gla_lanes_forward(real *restrict S, real *restrict o, real *restrict hist,
                                  const real *restrict q, const real *restrict k,
                                  const real *restrict v, const real *restrict alpha,
                                  const uint8_t *restrict start, int T, int Kh, int Vh) {
    const long KV = (long)Kh * Vh;
    for (int t = 0; t < T; t++) {
        const real *qt = q + (long)t * Kh * L, *kt = k + (long)t * Kh * L;
        const real *vt = v + (long)t * Vh * L, *at = alpha + (long)t * Kh * L;
        const uint8_t *st = start + (long)t * L;
        for (int i = 0; i < Kh; i++) {
            const real *ki = kt + i * L, *ai = at + i * L;
            for (int j = 0; j < Vh; j++) {
                real *Sij = S + ((long)i * Vh + j) * L;
                const real *vj = vt + j * L;
                for (int l = 0; l < L; l++) {
                    real kv = ki[l] * vj[l];
                    real kept = ai[l] * Sij[l] + kv;
                    Sij[l] = st[l] ? kv : kept;
                }
            }
        }
        if (o) {
            real *ot = o + (long)t * Vh * L;
            memset(ot, 0, sizeof(real) * (size_t)Vh * L);
            for (int i = 0; i < Kh; i++) {
                const real *qi = qt + i * L;
                for (int j = 0; j < Vh; j++) {
                    const real *Sij = S + ((long)i * Vh + j) * L;
                    real *oj = ot + j * L;
                    for (int l = 0; l < L; l++) oj[l] += qi[l] * Sij[l];
                }
            }
        }
        if (hist) memcpy(hist + (long)t * KV * L, S, sizeof(real) * (size_t)KV * L);
    }
}

POLICY_HOT void gla_lanes_backward(real *restrict dq, real *restrict dk, real *restrict dv,
                                   real *restrict dg, real *restrict dS, const real *restrict dO, const real *restrict S0, const real *restrict hist,
                                   const real *restrict q, const real *restrict k, const real *restrict v,
                                   const real *restrict alpha, const uint8_t *restrict start, int T, int Kh,
                                   int Vh, real scale) {
    const long KV = (long)Kh * Vh;
    for (int t = T - 1; t >= 0; t--) {
        const real *qt = q + (long)t * Kh * L, *kt = k + (long)t * Kh * L;
        const real *vt = v + (long)t * Vh * L, *at = alpha + (long)t * Kh * L;
        const real *dOt = dO + (long)t * Vh * L;
        const real *St = hist + (long)t * KV * L, *Sp = t > 0 ? hist + (long)(t - 1) * KV * L : S0;
        const uint8_t *st = start + (long)t * L;
        real *dqt = dq + (long)t * Kh * L, *dkt = dk + (long)t * Kh * L;
        real *dvt = dv + (long)t * Vh * L, *dgt = dg + (long)t * Kh * L;
        memset(dvt, 0, sizeof(real) * (size_t)Vh * L);
        for (int i = 0; i < Kh; i++) {
            const real *qi = qt + i * L, *ki = kt + i * L, *ai = at + i * L;
            real sq[L], sk[L], sg[L];
            for (int l = 0; l < L; l++) sq[l] = sk[l] = sg[l] = 0;
            for (int j = 0; j < Vh; j++) {
                const long ij = ((long)i * Vh + j) * L;
                real *dSij = dS + ij;
                const real *Stij = St + ij, *Spij = Sp + ij, *dOj = dOt + j * L, *vj = vt + j * L;
                real *dvj = dvt + j * L;
                for (int l = 0; l < L; l++) {
                    real ds = dSij[l] + qi[l] * dOj[l];
                    dSij[l] = ds;
                    sq[l] += Stij[l] * dOj[l];
                    sk[l] += ds * vj[l];
                    dvj[l] += ds * ki[l];
                    sg[l] += Spij[l] * ds;
                }
            }
            real keep[L];
            for (int l = 0; l < L; l++) {
                keep[l] = st[l] ? 0 : ai[l];
                dqt[i * L + l] = scale * sq[l];
                dkt[i * L + l] = sk[l];
                dgt[i * L + l] = st[l] ? 0 : ai[l] * sg[l];
            }
            for (int j = 0; j < Vh; j++) {
                real *dSij = dS + ((long)i * Vh + j) * L;
                for (int l = 0; l < L; l++) dSij[l] = st[l] ? 0 : dSij[l] * keep[l];
            }
        }
    }
}
