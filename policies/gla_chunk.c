/* gla_chunk.c: the chunkwise GLA of gla_chunk.h, forward and backward. Every innermost loop
 * runs over the GLA_LANES lanes with a fixed trip count, so it compiles to whole vector
 * operations (simd.h); the products of a chunk's steps with a state are register-blocked over
 * RB rows (or columns) so that each state element is loaded once per RB multiply-adds.
 *
 * Forward, per lane, chunk of n steps r = 0 .. n-1 (after the state S_in), a_r = m_r alpha_r:
 *   D[r] = D[r-1] a_r (D[-1] = 1),  E[r][s] = E[r-1][s] a_r (s < r), E[r][r] = 1;
 *   A[r][s] = q_r . (k_s * E[r][s]) for s <= r,
 *   o_r = (q_r * D[r])^T S_in + sum_{s <= r} A[r][s] v_s,
 *   S_out = diag(D[n-1]) S_in + sum_s (k_s * E[n-1][s]) v_s^T,
 * (q is given times the scale; * is per key channel). Unrolling the recurrence S_t =
 * diag(a_t) S_{t-1} + k_t v_t^T over the chunk gives exactly these sums. The factors D and E
 * are the e^{G_r} and e^{G_r - G_s} of the log-space form (G the in-chunk cumulative sum of
 * log alpha, reset at starts), built as running products: a multiply per (r, s, key) where the
 * exponential of a difference costs ~15 operations; never a division by a cumulative decay
 * (which overflows once gates are small), every factor in [0, 1], and a term across an
 * episode start is an exact 0 because a_u = 0 is one of its factors (no masks needed).
 *
 * Backward, from dO_r and dS_out (the gradient at S_out; dS in place), with
 * dA[r][s] = dO_r . v_s (s <= r):
 *   dq_r  = sum_{s <= r} dA[r][s] k_s * E[r][s] + D[r] * (S_in dO_r)            (times scale)
 *   dk_s  = sum_{r >= s} dA[r][s] q_r * E[r][s] + E[n-1][s] * (dS_out v_s)
 *   dv_s  = sum_{r >= s} A[r][s] dO_r + dS_out^T (k_s * E[n-1][s])
 *   dS_in = diag(D[n-1]) dS_out + sum_r (q_r * D[r]) dO_r^T
 * and d(log alpha_u) = alpha_u dL/dalpha_u: every term of the loss's linearization that has
 * a_u among its factors contributes its own value. The terms, per key channel i:
 *   P[r][s] = dA[r][s] q_r[i] k_s[i] E[r][s][i]  (intra, s < r: contains a_u for s < u <= r),
 *   X_r = q_r[i] D[r][i] (S_in dO_r)[i]          (contains u <= r),
 *   Y   = D[n-1][i] sum_j S_in[i][j] dS_out[i][j]    (contains every u of the chunk),
 *   Z_s = k_s[i] E[n-1][s][i] (dS_out v_s)[i]    (contains u > s),
 * so dg_u = sum_{s < u <= r} P[r][s] + sum_{r >= u} X_r + Y + sum_{s < u} Z_s: a reverse
 * cumulative sum (X), a forward one (Z) and the rectangle of P. The rectangle is, as in fla's
 * dg = revcumsum(q dq - k dk), a running sum over v < u of dG_v = k_v dk'_v - q_v dq'_v, with
 * dq', dk' the intra sums without the diagonal s = r: k_v dk'_v = sum_{r > v} P[r][v] and
 * q_v dq'_v = sum_{s < v} P[v][s], so a pair s < r enters at v = s and leaves at v = r, and
 * only the pairs with s < u <= r remain (the diagonal's two terms would cancel; leaving them
 * out keeps dg free of their rounding). The running sum restarts at each episode start (no
 * pair spans one, so that is exact and keeps the terms of earlier episodes out).
 * At a start u every term containing a_u is 0; dg_u is set to exactly 0 there (the running
 * sums would leave a rounding residue), as the scan does. */
#include "policies/simd.h" /* first: see simd.h */

#include "policies/gla_chunk.h"

#include <string.h>

#define L GLA_LANES
#define RB 4 /* rows (or columns) per register block */

#if defined(__GNUC__)
#define CHUNK_INLINE static inline __attribute__((always_inline))
#else
#define CHUNK_INLINE static inline
#endif

size_t gla_chunk_work_size(int Kh, int C) {
    return ((size_t)4 * C * Kh + (size_t)C * C + 3 * (size_t)C + 3 * (size_t)Kh) * L;
}

/* The start flags of n steps [n][L] as reals sf (1 at a start, else 0): selects on them
 * vectorize with the reals they choose between. */
CHUNK_INLINE void start_flags(real *restrict sf, const uint8_t *restrict st, int n) {
    for (int x = 0; x < n * L; x++) sf[x] = st[x] ? 1 : 0;
}

/* ar [Kh][L] = the effective decay of one step: 0 where it starts an episode (sf [L] != 0),
 * else alpha. */
CHUNK_INLINE void decay(real *restrict ar, const real *restrict alpha, const real *restrict sf,
                        int Kh) {
    for (int i = 0; i < Kh; i++)
        for (int l = 0; l < L; l++) {
            real a = alpha[i * L + l]; /* loaded either way, so the select vectorizes */
            ar[i * L + l] = sf[l] != 0 ? 0 : a;
        }
}

/* out[r][m] += sum_k a[r][k] b[k][m] for the rb (constant after inlining) rows r of a block:
 * a [rb][K][L], b [K][M][L], out [rb][M][L]. */
CHUNK_INLINE void rows_times_block(real *restrict out, const real *restrict a,
                                   const real *restrict b, int K, int M, int rb) {
    for (int m = 0; m < M; m++) {
        real s[RB][L];
#pragma GCC unroll 4
        for (int x = 0; x < rb; x++)
            for (int l = 0; l < L; l++) s[x][l] = out[((long)x * M + m) * L + l];
        for (int kk = 0; kk < K; kk++) {
            const real *bk = b + ((long)kk * M + m) * L;
#pragma GCC unroll 4
            for (int x = 0; x < rb; x++) {
                const real *ax = a + ((long)x * K + kk) * L;
                for (int l = 0; l < L; l++) s[x][l] += ax[l] * bk[l];
            }
        }
#pragma GCC unroll 4
        for (int x = 0; x < rb; x++)
            for (int l = 0; l < L; l++) out[((long)x * M + m) * L + l] = s[x][l];
    }
}

/* out [n][M][L] += a [n][K][L] times b [K][M][L] (per lane, a matrix product over k). */
CHUNK_INLINE void rows_times(real *out, const real *a, const real *b, int n, int K, int M) {
    int r = 0;
    for (; r + RB <= n; r += RB)
        rows_times_block(out + (long)r * M * L, a + (long)r * K * L, b, K, M, RB);
    for (; r < n; r++) rows_times_block(out + (long)r * M * L, a + (long)r * K * L, b, K, M, 1);
}

/* out[r][k] = sum_m a[r][m] b[k][m] for the rb rows of a block: a [rb][M][L], b [K][M][L],
 * out [rb][K][L]. */
CHUNK_INLINE void rows_dot_block(real *restrict out, const real *restrict a,
                                 const real *restrict b, int M, int K, int rb) {
    for (int kk = 0; kk < K; kk++) {
        real s[RB][L];
#pragma GCC unroll 4
        for (int x = 0; x < rb; x++)
            for (int l = 0; l < L; l++) s[x][l] = 0;
        for (int m = 0; m < M; m++) {
            const real *bm = b + ((long)kk * M + m) * L;
#pragma GCC unroll 4
            for (int x = 0; x < rb; x++) {
                const real *ax = a + ((long)x * M + m) * L;
                for (int l = 0; l < L; l++) s[x][l] += ax[l] * bm[l];
            }
        }
#pragma GCC unroll 4
        for (int x = 0; x < rb; x++)
            for (int l = 0; l < L; l++) out[((long)x * K + kk) * L + l] = s[x][l];
    }
}

/* out [n][K][L] = a [n][M][L] times b [K][M][L] transposed (per lane). */
CHUNK_INLINE void rows_dot(real *out, const real *a, const real *b, int n, int M, int K) {
    int r = 0;
    for (; r + RB <= n; r += RB)
        rows_dot_block(out + (long)r * K * L, a + (long)r * M * L, b, M, K, RB);
    for (; r < n; r++) rows_dot_block(out + (long)r * K * L, a + (long)r * M * L, b, M, K, 1);
}

/* out[k][m] = x[k] out[k][m] + sum_r a[r][k] b[r][m] for the rb columns m of a block:
 * out [K][M][L] (the block's first column), x [K][L], a [n][K][L], b [n][M][L] (likewise). */
CHUNK_INLINE void outer_block(real *restrict out, const real *restrict x, const real *restrict a,
                              const real *restrict b, int n, int K, int M, int rb) {
    for (int kk = 0; kk < K; kk++) {
        real s[RB][L];
        const real *xk = x + kk * L;
#pragma GCC unroll 4
        for (int y = 0; y < rb; y++)
            for (int l = 0; l < L; l++) s[y][l] = xk[l] * out[((long)kk * M + y) * L + l];
        for (int r = 0; r < n; r++) {
            const real *ar = a + ((long)r * K + kk) * L;
#pragma GCC unroll 4
            for (int y = 0; y < rb; y++) {
                const real *by = b + ((long)r * M + y) * L;
                for (int l = 0; l < L; l++) s[y][l] += ar[l] * by[l];
            }
        }
#pragma GCC unroll 4
        for (int y = 0; y < rb; y++)
            for (int l = 0; l < L; l++) out[((long)kk * M + y) * L + l] = s[y][l];
    }
}

/* out [K][M][L] = diag(x [K][L]) out + sum_r a[r] b[r]^T, a [n][K][L], b [n][M][L]. */
CHUNK_INLINE void outer_acc(real *out, const real *x, const real *a, const real *b, int n, int K,
                            int M) {
    int m = 0;
    for (; m + RB <= M; m += RB) outer_block(out + (long)m * L, x, a, b + (long)m * L, n, K, M, RB);
    for (; m < M; m++) outer_block(out + (long)m * L, x, a, b + (long)m * L, n, K, M, 1);
}

/* out[m] = sum_r a[r * astride] b[r][m] for the rb columns m of a block: a[r] [L], b [n][M][L]
 * (the block's first column), out [M][L] (likewise). */
CHUNK_INLINE void cols_sum_block(real *restrict out, const real *restrict a, long astride,
                                 const real *restrict b, int n, int M, int rb) {
    real s[RB][L];
#pragma GCC unroll 4
    for (int y = 0; y < rb; y++)
        for (int l = 0; l < L; l++) s[y][l] = 0;
    for (int r = 0; r < n; r++) {
        const real *ar = a + r * astride;
#pragma GCC unroll 4
        for (int y = 0; y < rb; y++) {
            const real *by = b + ((long)r * M + y) * L;
            for (int l = 0; l < L; l++) s[y][l] += ar[l] * by[l];
        }
    }
#pragma GCC unroll 4
    for (int y = 0; y < rb; y++)
        for (int l = 0; l < L; l++) out[(long)y * L + l] = s[y][l];
}

/* out [M][L] = sum_r a[r * astride] b[r], a[r] [L], b [n][M][L]. */
CHUNK_INLINE void cols_sum(real *out, const real *a, long astride, const real *b, int n, int M) {
    int m = 0;
    for (; m + RB <= M; m += RB)
        cols_sum_block(out + (long)m * L, a, astride, b + (long)m * L, n, M, RB);
    for (; m < M; m++) cols_sum_block(out + (long)m * L, a, astride, b + (long)m * L, n, M, 1);
}

/* out [L] = sum_i x[i] y[i] over x, y [K][L]. */
CHUNK_INLINE void lane_dot(real *restrict out, const real *restrict x, const real *restrict y,
                           int K) {
    real s[L] = {0};
    for (int i = 0; i < K; i++)
        for (int l = 0; l < L; l++) s[l] += x[i * L + l] * y[i * L + l];
    for (int l = 0; l < L; l++) out[l] = s[l];
}

/* Forward, one pair s < r of row r: ke [Kh][L] = k_s * E[r-1][s] becomes k_s * E[r][s]
 * (times a_r) and out [L] = A[r][s] = q_r . ke. */
CHUNK_INLINE void fwd_pair(real *restrict ke, real *restrict out, const real *restrict ar,
                           const real *restrict qr, int Kh) {
    real s[L] = {0};
    for (int i = 0; i < Kh; i++)
        for (int l = 0; l < L; l++) {
            real e = ke[i * L + l] * ar[i * L + l];
            ke[i * L + l] = e;
            s[l] += qr[i * L + l] * e;
        }
    for (int l = 0; l < L; l++) out[l] = s[l];
}

/* Backward, one pair s < r of row r: e [Kh][L] = E[r-1][s] becomes E[r][s]; out [L] = A[r][s];
 * dq_r += dA k_s * E, dk_s += dA q_r * E (da [L] = dA[r][s]). */
CHUNK_INLINE void bwd_pair(real *restrict e, real *restrict out, real *restrict dqr,
                           real *restrict dks, const real *restrict ar, const real *restrict qr,
                           const real *restrict ks, const real *restrict da, int Kh) {
    real s[L] = {0};
    for (int i = 0; i < Kh; i++)
        for (int l = 0; l < L; l++) {
            const int x = i * L + l;
            real ei = e[x] * ar[x];
            e[x] = ei;
            real ke = ks[x] * ei;
            s[l] += qr[x] * ke;
            dqr[x] += da[l] * ke;
            dks[x] += da[l] * qr[x] * ei;
        }
    for (int l = 0; l < L; l++) out[l] = s[l];
}

/* One chunk's state-only forward: S = diag(D[n-1]) S + sum_s (k_s * E[n-1][s]) v_s^T, with
 * KE [n][Kh][L] (scratch) built by the reverse running product; e, ar [Kh][L] scratch. */
CHUNK_INLINE void chunk_state(real *S, const real *kc, const real *vc, const real *ac,
                              const real *sf, int n, int Kh, int Vh, real *restrict KE,
                              real *restrict e, real *restrict ar) {
    const long KL = (long)Kh * L;
    for (long x = 0; x < KL; x++) e[x] = 1;
    for (int s = n - 1; s >= 0; s--) { /* e = E[n-1][s], then times a_s */
        decay(ar, ac + s * KL, sf + (long)s * L, Kh);
        const real *ks = kc + s * KL;
        real *kes = KE + s * KL;
        for (long x = 0; x < KL; x++) {
            kes[x] = ks[x] * e[x];
            e[x] *= ar[x];
        }
    }
    outer_acc(S, e, KE, vc, n, Kh, Vh); /* e = D[n-1] */
}

/* One chunk's forward with outputs (see the top of the file); KE, QD [C][Kh][L], Ar [C][L],
 * ar, Dc [Kh][L] scratch. */
CHUNK_INLINE void chunk_out(real *S, real *oc, const real *qc, const real *kc, const real *vc,
                            const real *ac, const real *sf, int n, int Kh, int Vh,
                            real *restrict KE, real *restrict QD, real *restrict Ar,
                            real *restrict ar, real *restrict Dc) {
    const long KL = (long)Kh * L, VL = (long)Vh * L;
    for (long x = 0; x < KL; x++) Dc[x] = 1;
    for (int r = 0; r < n; r++) {
        const real *qr = qc + r * KL, *kr = kc + r * KL;
        real *qd = QD + r * KL, *ke = KE + r * KL;
        decay(ar, ac + r * KL, sf + (long)r * L, Kh);
        for (long x = 0; x < KL; x++) {
            Dc[x] *= ar[x];
            qd[x] = qr[x] * Dc[x];
            ke[x] = kr[x];
        }
        for (int s = 0; s < r; s++) fwd_pair(KE + s * KL, Ar + s * L, ar, qr, Kh);
        lane_dot(Ar + r * L, qr, kr, Kh);
        cols_sum(oc + r * VL, Ar, L, vc, r + 1, Vh); /* o_r = sum_{s <= r} A[r][s] v_s */
    }
    rows_times(oc, QD, S, n, Kh, Vh);    /* o_r += (q_r * D[r])^T S_in */
    outer_acc(S, Dc, KE, vc, n, Kh, Vh); /* KE = k_s * E[n-1][s], Dc = D[n-1] */
}

POLICY_HOT void gla_chunk_forward(real *S, real *o, real *hist, const real *q, const real *k,
                                  const real *v, const real *alpha, const uint8_t *start, int T,
                                  int Kh, int Vh, int C, real *work) {
    const long KL = (long)Kh * L, VL = (long)Vh * L, KVL = (long)Kh * Vh * L;
    real *KE = work;             /* [C][Kh][L]: k_s * E[r][s] of the current row r */
    real *QD = KE + C * KL;      /* [C][Kh][L]: q_r * D[r] */
    real *Ar = QD + C * KL;      /* [C][L]: A[r][s] of the current row */
    real *ar = Ar + (long)C * L; /* [Kh][L]: a_r */
    real *Dc = ar + KL;          /* [Kh][L]: D[r] */
    real *sf = Dc + KL;          /* [C][L]: the start flags */
    for (int t0 = 0, c = 0; t0 < T; t0 += C, c++) {
        const int n = T - t0 < C ? T - t0 : C;
        const real *qc = q + t0 * KL, *kc = k + t0 * KL, *vc = v + t0 * VL, *ac = alpha + t0 * KL;
        start_flags(sf, start + (long)t0 * L, n);
        if (o)
            chunk_out(S, o + t0 * VL, qc, kc, vc, ac, sf, n, Kh, Vh, KE, QD, Ar, ar, Dc);
        else
            chunk_state(S, kc, vc, ac, sf, n, Kh, Vh, KE, Dc, ar);
        if (hist) memcpy(hist + c * KVL, S, sizeof(real) * (size_t)KVL);
    }
}

/* The running sums of the backward over one chunk's n steps ([n][Kh][L] each; acc [Kh][L]
 * scratch): dg_u = sum_{v < u} (k_v dk'_v - q_v dq'_v), restarting at episode starts (dq', dk'
 * the intra sums without the diagonal); then the diagonal, dq_r += dA[r][r] k_r and dk_r +=
 * dA[r][r] q_r (dAd [n][L]). */
CHUNK_INLINE void back_rect(real *restrict dg, real *restrict dq, real *restrict dk,
                            real *restrict acc, const real *restrict q, const real *restrict k,
                            const real *restrict dAd, const real *restrict sf, int n, int Kh) {
    const long KL = (long)Kh * L;
    for (long x = 0; x < KL; x++) acc[x] = 0;
    for (int u = 0; u < n; u++)
        for (int i = 0; i < Kh; i++)
            for (int l = 0; l < L; l++) {
                long x = u * KL + i * L + l;
                real run = acc[i * L + l];
                run = sf[u * L + l] != 0 ? 0 : run;
                dg[x] = run;
                acc[i * L + l] = run + (k[x] * dk[x] - q[x] * dq[x]);
                dq[x] += dAd[u * L + l] * k[x];
                dk[x] += dAd[u * L + l] * q[x];
            }
}

/* Through S_in: dq_r += D[r] * W[r] (W[r] = S_in dO_r); dg_u += sum_{r >= u} q_r D[r] W[r];
 * D[r] becomes q_r * D[r]. acc [Kh][L] scratch. */
CHUNK_INLINE void back_in(real *restrict dq, real *restrict dg, real *restrict D,
                          real *restrict acc, const real *restrict W, const real *restrict q,
                          int n, int Kh) {
    const long KL = (long)Kh * L;
    for (long x = 0; x < KL; x++) acc[x] = 0;
    for (int r = n - 1; r >= 0; r--)
        for (long x = 0; x < KL; x++) {
            long y = r * KL + x;
            real dw = D[y] * W[y];
            dq[y] += dw;
            acc[x] += q[y] * dw;
            dg[y] += acc[x];
            D[y] *= q[y];
        }
}

/* Through S_out: dk_s += EL[s] * W[s] (EL[s] = E[n-1][s], W[s] = dS_out v_s); dg_u += sum_{s <
 * u} k_s EL[s] W[s]; EL[s] becomes k_s * EL[s]. acc [Kh][L] scratch. */
CHUNK_INLINE void back_out(real *restrict dk, real *restrict dg, real *restrict EL,
                           real *restrict acc, const real *restrict W, const real *restrict k,
                           int n, int Kh) {
    const long KL = (long)Kh * L;
    for (long x = 0; x < KL; x++) acc[x] = 0;
    for (int s = 0; s < n; s++)
        for (long x = 0; x < KL; x++) {
            long y = s * KL + x;
            real z = EL[y] * W[y];
            dg[y] += acc[x];
            dk[y] += z;
            EL[y] *= k[y];
            acc[x] += k[y] * z;
        }
}

/* dg_u += Y (every u), then exactly 0 at starts; dq *= scale. */
CHUNK_INLINE void back_final(real *restrict dg, real *restrict dq, const real *restrict Y,
                             const real *restrict sf, int n, int Kh, real scale) {
    const long KL = (long)Kh * L;
    for (int u = 0; u < n; u++)
        for (int i = 0; i < Kh; i++)
            for (int l = 0; l < L; l++) {
                long x = u * KL + i * L + l;
                real g = dg[x] + Y[i * L + l];
                dg[x] = sf[u * L + l] != 0 ? 0 : g;
                dq[x] *= scale;
            }
}

POLICY_HOT void gla_chunk_backward(real *dq, real *dk, real *dv, real *dg, real *dS,
                                   const real *dO, const real *S0, const real *hist,
                                   const real *q, const real *k, const real *v,
                                   const real *alpha, const uint8_t *start, int T, int Kh,
                                   int Vh, real scale, int C, real *work) {
    const long KL = (long)Kh * L, VL = (long)Vh * L, KVL = (long)Kh * Vh * L, CL = (long)C * L;
    real *E = work;         /* [C][Kh][L]: E[r][s] of the current row r */
    real *D = E + C * KL;   /* [C][Kh][L]: D[r], then q_r * D[r] */
    real *EL = D + C * KL;  /* [C][Kh][L]: E[n-1][s], then k_s * E[n-1][s] */
    real *W = EL + C * KL;  /* [C][Kh][L]: S_in dO_r, then dS_out v_s */
    real *A = W + C * KL;   /* [C][C][L]: A[r][s] */
    real *dAr = A + C * CL; /* [C][L]: dA[r][s] of the current row */
    real *dAd = dAr + CL;   /* [C][L]: dA[r][r] */
    real *ar = dAd + CL;    /* [Kh][L]: a_r */
    real *acc = ar + KL;    /* [Kh][L]: running sums */
    real *Dl = acc + KL;    /* [Kh][L]: D[n-1], then Y */
    real *sf = Dl + KL;     /* [C][L]: the start flags */
    const int nc = (T + C - 1) / C;
    for (int c = nc - 1; c >= 0; c--) {
        const long t0 = (long)c * C;
        const int n = T - t0 < C ? (int)(T - t0) : C;
        const real *Sin = c > 0 ? hist + (c - 1) * KVL : S0;
        const real *qc = q + t0 * KL, *kc = k + t0 * KL, *vc = v + t0 * VL, *ac = alpha + t0 * KL;
        const real *dOc = dO + t0 * VL;
        start_flags(sf, start + t0 * L, n);
        real *dqc = dq + t0 * KL, *dkc = dk + t0 * KL, *dvc = dv + t0 * VL, *dgc = dg + t0 * KL;
        memset(dqc, 0, sizeof(real) * (size_t)(n * KL));
        memset(dkc, 0, sizeof(real) * (size_t)(n * KL));
        /* D[r] forward, E[n-1][s] backward (running products) */
        for (int r = 0; r < n; r++) {
            decay(ar, ac + r * KL, sf + (long)r * L, Kh);
            for (long x = 0; x < KL; x++) D[r * KL + x] = (r > 0 ? D[(r - 1) * KL + x] : 1) * ar[x];
        }
        for (long x = 0; x < KL; x++) EL[(n - 1) * KL + x] = 1;
        for (int s = n - 2; s >= 0; s--) {
            decay(ar, ac + (s + 1) * KL, sf + (long)(s + 1) * L, Kh);
            for (long x = 0; x < KL; x++) EL[s * KL + x] = EL[(s + 1) * KL + x] * ar[x];
        }
        /* intra-chunk, row by row (E[r][s] updated in place): A, dA; dq, dk without the
         * diagonal */
        for (int r = 0; r < n; r++) {
            const real *qr = qc + r * KL, *kr = kc + r * KL;
            decay(ar, ac + r * KL, sf + (long)r * L, Kh);
            rows_dot(dAr, vc, dOc + r * VL, r + 1, Vh, 1); /* dA[r][s] = v_s . dO_r */
            for (int s = 0; s < r; s++)
                bwd_pair(E + s * KL, A + r * CL + s * L, dqc + r * KL, dkc + s * KL, ar, qr,
                         kc + s * KL, dAr + s * L, Kh);
            for (long x = 0; x < KL; x++) E[r * KL + x] = 1;
            lane_dot(A + r * CL + r * L, qr, kr, Kh);
            memcpy(dAd + r * L, dAr + r * L, sizeof(real) * L);
        }
        for (int s = 0; s < n; s++) /* dv_s = sum_{r >= s} A[r][s] dO_r */
            cols_sum(dvc + s * VL, A + s * CL + s * L, CL, dOc + s * VL, n - s, Vh);
        back_rect(dgc, dqc, dkc, acc, qc, kc, dAd, sf, n, Kh);
        rows_dot(W, dOc, Sin, n, Vh, Kh); /* W[r] = S_in dO_r */
        for (long x = 0; x < KL; x++) Dl[x] = D[(n - 1) * KL + x];
        back_in(dqc, dgc, D, acc, W, qc, n, Kh);
        rows_dot(W, vc, dS, n, Vh, Kh); /* W[s] = dS_out v_s */
        back_out(dkc, dgc, EL, acc, W, kc, n, Kh);
        rows_times(dvc, EL, dS, n, Kh, Vh); /* dv_s += dS_out^T (k_s * E[n-1][s]) */
        for (int i = 0; i < Kh; i++) {      /* Y = D[n-1] * rowsum(S_in .* dS_out) */
            lane_dot(acc + i * L, Sin + (long)i * Vh * L, dS + (long)i * Vh * L, Vh);
            for (int l = 0; l < L; l++) acc[i * L + l] *= Dl[i * L + l];
        }
        outer_acc(dS, Dl, D, dOc, n, Kh, Vh); /* dS_in = D[n-1] dS_out + sum_r q_r D[r] dO_r^T */
        back_final(dgc, dqc, acc, sf, n, Kh, scale);
    }
}
