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

/* The name of the kernel set OpenBLAS chose when it loaded (openblas_get_corename): "Haswell",
 * "SkylakeX", "Zen", ... */
const char *linalg_blas_core(void);

/* The kernel set to ask OpenBLAS for instead of `chosen` (what it chose: linalg_blas_core), or
 * NULL to keep its choice. OpenBLAS before 0.3.25 (Debian 12 ships 0.3.21) falls back to its generic SSE3 kernels,
 * "Prescott", on Intel models its runtime detection does not know, such as the "Intel(R)
 * Xeon(R) Processor" of Sapphire Rapids virtual machines (OpenMathLib/OpenBLAS issue 4267,
 * fixed by pull request 4268). On such a CPU with AVX-512 (F, CD, BW, DQ and VL) this returns
 * "SkylakeX", with AVX2 and FMA "Haswell"; otherwise, and for any other choice, NULL. */
const char *linalg_blas_better_core(const char *chosen);

/* OpenBLAS reads OPENBLAS_CORETYPE once, when it loads, before main. If that variable is unset
 * and linalg_blas_better_core(linalg_blas_core()) names a kernel set, sets it and executes this
 * program again (/proc/self/exe with the same argv and environment), so that the new process
 * loads the better kernels; the variable, now set, stops a second round. Returns only if
 * nothing was to be done or the exec failed (the variable is then unset again and the program
 * goes on with OpenBLAS's own choice). Call it first in main, before any output, thread or MPI
 * call. */
void linalg_choose_blas_core(char **argv);

/* Sets flush-to-zero and denormals-are-zero (x86 MXCSR; elsewhere nothing) for the calling
 * thread and the threads it creates afterwards: a subnormal float (below 1.2e-38) reads and is
 * written as 0. Products with subnormal operands take microcode assists of ~100 cycles; on
 * CartPole they made training 20-25% slower, while the results stayed bit-identical (their
 * contributions were below rounding). The same choice as TensorFlow's default and PyTorch's
 * torch.set_flush_denormal(True). */
void linalg_flush_denormals(void);

#endif
