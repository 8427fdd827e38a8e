/* gla_scan.h: the gated-linear-attention recurrence with episode resets, forward and backward,
 * for one (env, head) pair over T steps (Yang et al. 2023, arXiv 2312.06635, eq. 3-4 in the
 * recurrent form; fla-org fla/ops/gla/naive.py naive_recurrent_gla; README "The policy"):
 *   S_t = diag(m_t * alpha_t) S_{t-1} + k_t v_t^T,   o_t = S_t^T (q_t * scale),
 * S_t [Kh, Vh], q_t, k_t, alpha_t [Kh], v_t, o_t [Vh], scale = 1 / sqrt(Kh), m_t = 0 on an
 * episode's first step (the state is wiped before the update), 1 otherwise.
 *
 * Legend: T time steps, Kh keys and Vh values per head. Inputs of step t are at
 * base + t * stride (stride in reals, e.g. B * row width for rows n = t * B + b), so the
 * callers pass the (t = 0, b, head) address of each column block; start flags likewise at
 * start[t * sstride]. Mixes along time (the recurrence), keys and values; nothing else. */
#ifndef PPO_GLA_SCAN_H
#define PPO_GLA_SCAN_H

#include <stdint.h>

#include "core/real.h"

/* Strides of the per-step inputs and outputs of one (env, head) scan. */
typedef struct GlaScanIO {
    const real *q, *k, *v; /* [T] x [Kh], [Kh], [Vh], step stride `stride` */
    const real *alpha;     /* [T] x [Kh], step stride `astride` */
    const uint8_t *start;  /* [T], step stride `sstride` */
    long stride, astride, sstride;
} GlaScanIO;

/* Runs T steps from the state S [Kh, Vh] (updated in place to S_{T-1}).
 * o [T] x [Vh] (step stride ostride), or NULL: not wanted. hist [T, Kh * Vh], or NULL: S_t of
 * every step, for the backward pass. */
void gla_scan_forward(real *S, real *o, long ostride, real *hist, const GlaScanIO *io, int T,
                      int Kh, int Vh, real scale);

/* Backward through T steps, reverse in t, carrying dS [Kh, Vh] (scratch; zero at the segment
 * end): with dO_t = do_ at step t (step stride ostride),
 *   dS += (q_t scale) dO_t^T;  dq_t += scale * S_t dO_t;  dk_t += dS v_t;  dv_t += dS^T k_t;
 *   dg_t += m_t alpha_t .* rowsum(S_{t-1} .* dS)   (= rowsum((S_t - k_t v_t^T) .* dS),
 *   exactly 0 where m_t = 0; g = log alpha);  dS = diag(m_t alpha_t) dS.
 * S0 [Kh, Vh] is the state before step 0, hist [T, Kh * Vh] the S_t of gla_scan_forward.
 * dq, dk, dv use the step stride `stride` of io; dg the stride `astride`. All += . */
void gla_scan_backward(real *dq, real *dk, real *dv, real *dg, real *dS, const real *do_,
                       long ostride, const real *S0, const real *hist, const GlaScanIO *io,
                       int T, int Kh, int Vh, real scale);

/* The plain-loop reference of gla_scan_backward: each row sum over j in increasing order.
 * gla_scan_backward sums the same products in SIMD_LANES partial sums (simd.h) when Vh is a
 * multiple of SIMD_LANES, so the two agree up to float rounding. */
void gla_scan_backward_ref(real *dq, real *dk, real *dv, real *dg, real *dS, const real *do_,
                           long ostride, const real *S0, const real *hist, const GlaScanIO *io,
                           int T, int Kh, int Vh, real scale);

#endif
