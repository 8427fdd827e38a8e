/* layers.h: the layers the policies are built from, each an X_forward / X_backward pair in the
 * style of karpathy/llm.c train_gpt2.c (outputs, saved values, inputs, weights, dimensions;
 * backward: input and weight gradients, dout, saved values, inputs, weights, dimensions).
 * Backward functions accumulate (+=) into every gradient they are given.
 *
 * Legend: N rows (tokens: time steps x envs), C input width, OC output width, F hidden width.
 * Every layer acts on each row independently (it mixes only along the feature axis).
 * Matrices are row-major with an explicit row stride (ld*) where they may be a column block of
 * a wider buffer; weights are [OC, C] (PyTorch nn.Linear). `naive` routes matrix products
 * through the plain-loop reference (linalg.h). */
#ifndef PPO_LAYERS_H
#define PPO_LAYERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/real.h"

/* RMSNorm's epsilon, as fla-org's RMSNorm (norm_eps = 1e-5). */
#define LAYERS_NORM_EPS ((real)1e-5)

/* Linear: out [N, OC] (row stride ldo) = inp [N, C] (stride ldi) weight^T + bias, weight
 * [OC, C], bias [OC] or NULL (no bias). */
void linear_forward(real *out, int ldo, const real *inp, int ldi, const real *weight,
                    const real *bias, int N, int C, int OC, bool naive);
/* Linear without bias, accumulating: out [N, OC] (stride ldo) += inp [N, C] (stride ldi)
 * weight^T (a residual branch added onto the stream). */
void linear_forward_acc(real *out, int ldo, const real *inp, int ldi, const real *weight, int N,
                        int C, int OC, bool naive);
/* dinp [N, C] (stride ldi; NULL: not wanted) += dout weight; dweight [OC, C] += dout^T inp;
 * dbias [OC] (NULL: no bias) += column sums of dout [N, OC] (stride ldo). */
void linear_backward(real *dinp, real *dweight, real *dbias, const real *dout, int ldo,
                     const real *inp, int ldi, const real *weight, int N, int C, int OC,
                     bool naive);

/* RMSNorm (Zhang & Sennrich 2019, eq. 4): out [N, C] = weight * inp / rms, with
 * rms = sqrt(mean(inp^2) + eps) per row; rstd [N] = 1 / rms is saved for backward. */
void rmsnorm_forward(real *out, real *rstd, const real *inp, const real *weight, int N, int C);
/* dinp [N, C] += d/dinp; dweight [C] += d/dweight, from dout [N, C]. */
void rmsnorm_backward(real *dinp, real *dweight, const real *dout, const real *inp,
                      const real *weight, const real *rstd, int N, int C);

/* The GLA output gate with its per-head RMSNorm (fla-org fla/modules FusedRMSNormGated, used by
 * fla/layers/gla.py): for each row and head h of H, on o's head slice [Vh] (C = H * Vh):
 *   out = weight * o_h / sqrt(mean(o_h^2) + eps) * swish(u_h), swish(u) = u * sigmoid(u).
 * o [N, C], u [N, C] (stride ldu), weight [Vh] shared by the heads, rstd [N, H] saved. */
void gated_rmsnorm_forward(real *out, real *rstd, const real *o, const real *u, int ldu,
                           const real *weight, int N, int H, int Vh);
/* do_ [N, C] and du [N, C] (stride ldu) and dweight [Vh] += their gradients from dout [N, C]. */
void gated_rmsnorm_backward(real *do_, real *du, int ldu, real *dweight, const real *dout,
                            const real *o, const real *u, const real *weight, const real *rstd,
                            int N, int H, int Vh);

/* gated_rmsnorm_backward handles heads of up to this many values. */
#define GATED_MAX_VH 1024

/* SwiGLU's gate (Shazeer 2020, "GLU Variants Improve Transformer", eq. 6, without biases):
 * out [N, F] = silu(h[:, :F]) * h[:, F:], h [N, 2F] = [x W_1^T | x W_3^T]. */
void swiglu_forward(real *out, const real *h, int N, int F);
/* dh [N, 2F] += the gradient of both halves, from dout [N, F]. */
void swiglu_backward(real *dh, const real *dout, const real *h, int N, int F);

/* GLA's forget gate (arXiv 2312.06635 section 4.4; fla/layers/gla.py): alpha [n] =
 * exp(logsigmoid(z) / tau), in (0, 1), from the gate logits z [n] = W_a2 W_a1 x + b_a. */
void gate_forward(real *alpha, const real *z, long n, real tau);
/* Turns dz [n], holding dL/dg for g = log alpha = logsigmoid(z) / tau, into dL/dz in place:
 * dz *= sigmoid(-z) / tau. */
void gate_backward(real *dz, const real *z, long n, real tau);

/* The input features of the recurrent policies (rnn.c), one row per env step: inp [N, IN] =
 * [obs [O] | onehot(prev_action) [A] when with_prev | start flag [1] when with_start], IN the
 * sum. The one-hot is all zeros where start[n] = 1 (no previous action in the episode), for an
 * action outside 0 .. A-1, and when prev_action is NULL. obs [N, O], start [N], prev_action [N]. */
void input_features(real *inp, int N, const real *obs, int O, const uint8_t *start,
                    const int32_t *prev_action, int A, bool with_prev, bool with_start);

/* ReLU in place on a [N, C] block with row stride ld (CleanRL's encoder activation); a NaN
 * stays NaN. */
void relu_forward(real *x, int ld, int N, int C);
/* dx [N, C] (stride ldd) = 0 where y <= 0, y the saved ReLU output [N, C] (stride ldy). */
void relu_backward(real *dx, int ldd, const real *y, int ldy, int N, int C);

/* tanh in place on a [N, C] block with row stride ld (CleanRL's Agent activation). */
void tanh_forward(real *x, int ld, int N, int C);
/* dx [N, C] (stride ldd) *= 1 - y^2, y the saved tanh output [N, C] (stride ldy). */
void tanh_backward(real *dx, int ldd, const real *y, int ldy, int N, int C);

#endif
