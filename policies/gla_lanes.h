/* gla_lanes.h: the GLA recurrence of gla_scan.h for GLA_LANES (env, head) pairs at once, each
 * pair one lane of every array: a step's work is the same arithmetic on every lane, so the loops
 * over lanes vectorize whole and the row sums of the backward (over a state row's Vh values)
 * are plain adds in each lane instead of sums across a vector. The learner's sequence forward
 * and backward run on these; gla_scan.c (one pair at a time) stays the reference.
 *
 * Layout (lane-minor, L = GLA_LANES): per step t, q, k, alpha [Kh][L]; v, o [Vh][L]; start [L];
 * the state S [Kh][Vh][L]. Arrays over T steps put step t at t * (one step's size). Lanes the
 * caller does not use hold zeros (they stay zero). The math per lane is gla_scan.h's:
 *   S_t = diag(m_t alpha_t) S_{t-1} + k_t v_t^T,   o_t = S_t^T q_t   (q given times scale),
 * in the same order of operations as gla_scan_forward (so the outputs are bit for bit those of
 * the one-pair scan) and, for the backward, as gla_scan_backward_ref. */
#ifndef PPO_GLA_LANES_H
#define PPO_GLA_LANES_H

#include <stdint.h>

#include "core/real.h"

#define GLA_LANES 16

/* Runs T steps from the state S [Kh][Vh][L] (updated in place to S_{T-1}). q [T][Kh][L] is
 * q * scale; k, alpha [T][Kh][L]; v [T][Vh][L]; start [T][L]. Writes o [T][Vh][L] unless NULL
 * and the state after every step into hist [T][Kh][Vh][L] unless NULL. */
void gla_lanes_forward(real *restrict S, real *restrict o, real *restrict hist,
                       const real *restrict q, const real *restrict k, const real *restrict v,
                       const real *restrict alpha, const uint8_t *restrict start, int T, int Kh,
                       int Vh);

/* Backward through T steps, reverse in t, carrying dS [Kh][Vh][L] (in: the gradient at the
 * state after step T-1, zero at a sequence's end; out: at the state before step 0). dO
 * [T][Vh][L] is the gradient of o; S0 [Kh][Vh][L] the state before step 0 and hist
 * [T][Kh][Vh][L] the states after each step (of gla_lanes_forward). Writes (=) dq, dk, dg
 * [T][Kh][L] (dq with respect to q before the scale; dg with respect to log alpha, 0 where a
 * start wipes the state) and dv [T][Vh][L].
 * No two arrays of either function overlap (restrict: it lets the lane loops vectorize). */
void gla_lanes_backward(real *restrict dq, real *restrict dk, real *restrict dv,
                        real *restrict dg, real *restrict dS, const real *restrict dO,
                        const real *restrict S0, const real *restrict hist,
                        const real *restrict q, const real *restrict k, const real *restrict v,
                        const real *restrict alpha, const uint8_t *restrict start, int T, int Kh,
                        int Vh, real scale);

#endif
