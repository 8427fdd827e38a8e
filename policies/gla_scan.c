/* gla_scan.c: the GLA recurrence, forward and backward (see gla_scan.h for the math). The
 * loops over the Vh values of a state row are vectorized (simd.h). */
#include "policies/simd.h" /* first: see simd.h */

#include "policies/gla_scan.h"

#include <string.h>

POLICY_HOT void gla_scan_forward(real *S, real *o, long ostride, real *hist, const GlaScanIO *io, int T,
                      int Kh, int Vh, real scale) {
    /* S is (Kh, Vh); per step q, k, alpha are (Kh), v and o are (Vh) */
    for (int t = 0; t < T; t++) {
        const real *q = io->q + t * io->stride, *k = io->k + t * io->stride;
        const real *v = io->v + t * io->stride, *a = io->alpha + t * io->astride;
        if (io->start[t * io->sstride]) {
            for (int i = 0; i < Kh; i++)
                for (int j = 0; j < Vh; j++) S[i * Vh + j] = k[i] * v[j];
        } else {
            for (int i = 0; i < Kh; i++) {
                real ai = a[i], ki = k[i];
                real *Si = S + i * Vh;
                for (int j = 0; j < Vh; j++) Si[j] = ai * Si[j] + ki * v[j];
            }
        }
        if (o) {
            real *ot = o + t * ostride;
            for (int j = 0; j < Vh; j++) ot[j] = 0;
            for (int i = 0; i < Kh; i++) {
                real qi = q[i] * scale;
                const real *Si = S + i * Vh;
                for (int j = 0; j < Vh; j++) ot[j] += qi * Si[j];
            }
        }
        if (hist) memcpy(hist + (long)t * Kh * Vh, S, (size_t)Kh * Vh * sizeof *S);
    }
}

void gla_scan_backward_ref(real *dq, real *dk, real *dv, real *dg, real *dS, const real *do_,
                       long ostride, const real *S0, const real *hist, const GlaScanIO *io,
                       int T, int Kh, int Vh, real scale) {
    long KV = (long)Kh * Vh;
    memset(dS, 0, (size_t)KV * sizeof *dS);
    for (int t = T - 1; t >= 0; t--) {
        long so = t * io->stride, ao = t * io->astride;
        const real *q = io->q + so, *k = io->k + so, *v = io->v + so, *a = io->alpha + ao;
        const real *dOt = do_ + t * ostride;
        const real *St = hist + t * KV, *Sp = t > 0 ? hist + (t - 1) * KV : S0;
        int keep = !io->start[t * io->sstride];
        real *dqt = dq + so, *dkt = dk + so, *dvt = dv + so, *dgt = dg + ao;
        for (int i = 0; i < Kh; i++) {
            real qi = q[i] * scale, ki = k[i];
            real *dSi = dS + i * Vh;
            const real *Sti = St + i * Vh, *Spi = Sp + i * Vh;
            real sq = 0, sk = 0, sg = 0;
            for (int j = 0; j < Vh; j++) {
                dSi[j] += qi * dOt[j];
                sq += Sti[j] * dOt[j];
                sk += dSi[j] * v[j];
                dvt[j] += dSi[j] * ki;
                sg += Spi[j] * dSi[j];
            }
            dqt[i] += scale * sq;
            dkt[i] += sk;
            if (keep) {
                dgt[i] += a[i] * sg;
                for (int j = 0; j < Vh; j++) dSi[j] *= a[i];
            } else {
                for (int j = 0; j < Vh; j++) dSi[j] = 0;
            }
        }
    }
}

/* One state row i of one backward step (all pointers distinct rows): dS_i += qi dO;
 * dv += dS_i ki; returns the three row sums S_t,i . dO, dS_i . v and S_{t-1},i . dS_i in
 * SIMD_LANES partial sums. Vh is a multiple of SIMD_LANES. */
static inline void scan_backward_row(real *restrict dSi, real *restrict dv,
                                     const real *restrict Sti, const real *restrict Spi,
                                     const real *restrict dO, const real *restrict v, real qi,
                                     real ki, int Vh, real *sq, real *sk, real *sg) {
    real aq[SIMD_LANES] = {0}, ak[SIMD_LANES] = {0}, ag[SIMD_LANES] = {0};
    for (int j0 = 0; j0 < Vh; j0 += SIMD_LANES)
        for (int l = 0; l < SIMD_LANES; l++) {
            int j = j0 + l;
            real ds = dSi[j] + qi * dO[j];
            dSi[j] = ds;
            aq[l] += Sti[j] * dO[j];
            ak[l] += ds * v[j];
            dv[j] += ds * ki;
            ag[l] += Spi[j] * ds;
        }
#define LANE_SUM(x) (((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7])))
    *sq = LANE_SUM(aq);
    *sk = LANE_SUM(ak);
    *sg = LANE_SUM(ag);
#undef LANE_SUM
}

POLICY_HOT void gla_scan_backward(real *dq, real *dk, real *dv, real *dg, real *dS,
                                  const real *do_, long ostride, const real *S0,
                                  const real *hist, const GlaScanIO *io, int T, int Kh, int Vh,
                                  real scale) {
    if (Vh % SIMD_LANES != 0) {
        gla_scan_backward_ref(dq, dk, dv, dg, dS, do_, ostride, S0, hist, io, T, Kh, Vh, scale);
        return;
    }
    long KV = (long)Kh * Vh;
    memset(dS, 0, (size_t)KV * sizeof *dS);
    for (int t = T - 1; t >= 0; t--) {
        long so = t * io->stride, ao = t * io->astride;
        const real *q = io->q + so, *k = io->k + so, *v = io->v + so, *a = io->alpha + ao;
        const real *dOt = do_ + t * ostride;
        const real *St = hist + t * KV, *Sp = t > 0 ? hist + (t - 1) * KV : S0;
        int keep = !io->start[t * io->sstride];
        real *dqt = dq + so, *dkt = dk + so, *dvt = dv + so, *dgt = dg + ao;
        for (int i = 0; i < Kh; i++) {
            real *dSi = dS + i * Vh;
            real sq, sk, sg;
            scan_backward_row(dSi, dvt, St + i * Vh, Sp + i * Vh, dOt, v, q[i] * scale, k[i], Vh,
                              &sq, &sk, &sg);
            dqt[i] += scale * sq;
            dkt[i] += sk;
            real ai = keep ? a[i] : 0;
            if (keep) dgt[i] += ai * sg;
            for (int j = 0; j < Vh; j++) dSi[j] *= ai;
        }
    }
}
