/* gla_chunk.h: the GLA recurrence of gla_lanes.h in its chunkwise form (Yang et al. 2023,
 * "Gated Linear Attention Transformers with Hardware-Efficient Training", arXiv 2312.06635,
 * sections 3-4; fla-org/flash-linear-attention fla/ops/gla chunk kernels), forward and
 * backward, with episode resets: T steps cut into chunks of C; within a chunk every output is
 * a masked, decayed attention over the chunk's own steps plus the state before the chunk, and
 * the state is carried from chunk to chunk only. Same lanes, layout and results (up to float
 * rounding) as gla_lanes_forward / gla_lanes_backward, which stay the reference.
 *
 * Layout (lane-minor, L = GLA_LANES): per step t, q, k, alpha [Kh][L]; v, o [Vh][L]; start [L];
 * a state S [Kh][Vh][L]. Arrays over T steps put step t at t * (one step's size). Lanes the
 * caller does not use hold zeros (they stay zero).
 *
 * The math per lane (derivation and backward in gla_chunk.c): with the effective decay
 * a_t = m_t alpha_t (0 at an episode's first step) and, for steps s <= r of one chunk,
 *   E[r][s] = prod_{s < u <= r} a_u  (= e^{G_r - G_s} with G the in-chunk cumulative sum of
 *   log alpha, or 0 where an episode starts in (s, r]),   D[r] = prod_{first <= u <= r} a_u,
 * per key channel i:
 *   o_r = sum_i q_r[i] D[r][i] S_in[i][:] + sum_{s <= r} A[r][s] v_s,
 *   A[r][s] = sum_i q_r[i] k_s[i] E[r][s][i],
 *   S_out[i][:] = D[last][i] S_in[i][:] + sum_s E[last][s][i] k_s[i] v_s.
 * Each factor is a product of numbers in [0, 1], computed by multiplying (never by dividing one
 * cumulative decay by another), so nothing overflows and a masked term is exactly 0. */
#ifndef PPO_GLA_CHUNK_H
#define PPO_GLA_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "core/real.h"
#include "policies/gla_lanes.h" /* GLA_LANES */

#define GLA_CHUNK_MAX 64 /* the longest chunk */

/* Reals of the scratch `work` that gla_chunk_forward and gla_chunk_backward need for chunks of
 * C steps (1 <= C <= GLA_CHUNK_MAX): (4 C Kh + C^2 + 3 C + 3 Kh) * GLA_LANES, independent of
 * T and of Vh (every [Kh][Vh] state lives in the caller's S, dS and hist). */
size_t gla_chunk_work_size(int Kh, int C);

/* Runs T steps from the state S [Kh][Vh][L] (updated in place to the state after step T-1),
 * chunk by chunk (chunks of C steps; the last may be shorter). q [T][Kh][L] is q * scale; k,
 * alpha [T][Kh][L] (alpha in [0, 1]); v [T][Vh][L]; start [T][L]. Writes o [T][Vh][L] unless
 * NULL (NULL: only the states are computed, a fraction of the work) and the state after every
 * chunk into hist [ceil(T / C)][Kh][Vh][L] unless NULL. work: gla_chunk_work_size(Kh, C)
 * reals. */
void gla_chunk_forward(real *S, real *o, real *hist, const real *q, const real *k, const real *v,
                       const real *alpha, const uint8_t *start, int T, int Kh, int Vh, int C,
                       real *work);

/* Backward through T steps, chunk by chunk in reverse, carrying dS [Kh][Vh][L] (in: the
 * gradient at the state after step T-1, zero at a sequence's end; out: at the state before
 * step 0). dO [T][Vh][L] is the gradient of o; S0 [Kh][Vh][L] the state before step 0 and
 * hist [ceil(T / C)][Kh][Vh][L] the states after each chunk (of gla_chunk_forward with the
 * same C). Writes (=) dq, dk, dg [T][Kh][L] (dq with respect to q before the scale; dg with
 * respect to log alpha, exactly 0 where a start wipes the state) and dv [T][Vh][L]. work:
 * gla_chunk_work_size(Kh, C) reals. */
void gla_chunk_backward(real *dq, real *dk, real *dv, real *dg, real *dS, const real *dO,
                        const real *S0, const real *hist, const real *q, const real *k,
                        const real *v, const real *alpha, const uint8_t *start, int T, int Kh,
                        int Vh, real scale, int C, real *work);

#endif
