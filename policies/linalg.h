/* linalg.h: the matrix products of the policies, the only module that includes cblas.
 *
 * One product, C = alpha * op(A) op(B) + beta * C, row-major, as BLAS's xGEMM (cblas_sgemm when
 * `real` is float, cblas_dgemm when it is double; OpenBLAS, netlib CBLAS argument order):
 *   op(A) is [M, K]: A itself [M, K] with row stride lda, or (trans_a) A [K, M] transposed;
 *   op(B) is [K, N]: B itself [K, N] with row stride ldb, or (trans_b) B [N, K] transposed;
 *   C is [M, N] with row stride ldc.
 * The three uses in the networks, with X [N, IN] inputs, W [OUT, IN] weights (PyTorch's
 * nn.Linear layout), Y [N, OUT]:
 *   forward     Y  = X W^T            linalg_gemm(false, true, ...)
 *   input grad  dX += dY W            linalg_gemm(false, false, ...)
 *   weight grad dW += dY^T X          linalg_gemm(true, false, ...)
 * `naive` selects the plain triple loop (the reference the tests hold cblas to). Neither path
 * threads nor allocates; OpenBLAS's own thread count is the caller's (1 in ppo). */
#ifndef PPO_LINALG_H
#define PPO_LINALG_H

#include <stdbool.h>

#include "core/real.h"

/* Weights of up to this many reals are multiplied untransposed, from a copy of W^T on the stack
 * (linalg.c says why). */
#define LINALG_TRANSPOSE_MAX 16384

/* C [M, N] = alpha * op(A) op(B) + beta * C (see above). beta = 0 overwrites C (a NaN in C is
 * not propagated). M, N or K may be 0. */
void linalg_gemm(bool naive, bool trans_a, bool trans_b, int M, int N, int K, real alpha,
                 const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc);

/* The plain-loop reference of linalg_gemm: for each (i, j) a sum over k in increasing order,
 * accumulated in `real`. */
void linalg_gemm_naive(bool trans_a, bool trans_b, int M, int N, int K, real alpha,
                       const real *A, int lda, const real *B, int ldb, real beta, real *C,
                       int ldc);

/* Sets how many threads OpenBLAS may use for one product (openblas_set_num_threads). ppo uses
 * 1: its rollout workers and the learner's data-parallel halves are the parallelism, and a
 * threaded BLAS under several workers would oversubscribe the cores. */
void linalg_set_threads(int n);

/* Sets flush-to-zero and denormals-are-zero (x86 MXCSR; elsewhere nothing) for the calling
 * thread and the threads it creates afterwards: a subnormal float (below 1.2e-38) reads and is
 * written as 0. Products with subnormal operands take microcode assists of ~100 cycles; on
 * CartPole they made training 20-25% slower, while the results stayed bit-identical (their
 * contributions were below rounding). The same choice as TensorFlow's default and PyTorch's
 * torch.set_flush_denormal(True). */
void linalg_flush_denormals(void);

#endif
