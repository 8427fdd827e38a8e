/* gla_scan.c: the GLA recurrence, forward and backward (see gla_scan.h for the math). */
#include "gla_scan.h"

#include <string.h>

void gla_scan_forward(real *S, real *o, long ostride, real *hist, const GlaScanIO *io, int T,
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

void gla_scan_backward(real *dq, real *dk, real *dv, real *dg, real *dS, const real *do_,
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
