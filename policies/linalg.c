/* linalg.c: linalg_gemm through cblas, and its plain-loop reference (see linalg.h). */
#include "policies/linalg.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__SSE2__)
#include <pmmintrin.h> /* _MM_SET_DENORMALS_ZERO_MODE */
#include <xmmintrin.h> /* _MM_SET_FLUSH_ZERO_MODE */
#endif

void linalg_gemm_naive(bool trans_a, bool trans_b, int M, int N, int K, real alpha,
                       const real *A, int lda, const real *B, int ldb, real beta, real *C,
                       int ldc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            real acc = 0;
            for (int k = 0; k < K; k++) {
                real a = trans_a ? A[(long)k * lda + i] : A[(long)i * lda + k];
                real b = trans_b ? B[(long)j * ldb + k] : B[(long)k * ldb + j];
                acc += a * b;
            }
            real *c = &C[(long)i * ldc + j];
            *c = beta == 0 ? alpha * acc : alpha * acc + beta * *c;
        }
}

void linalg_gemm(bool naive, bool trans_a, bool trans_b, int M, int N, int K, real alpha,
                 const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (naive || K <= 0) {
        linalg_gemm_naive(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    if (trans_b && !trans_a && (long)N * K <= LINALG_TRANSPOSE_MAX) {
        /* X W^T as X (W^T): OpenBLAS multiplies small untransposed operands with a kernel of
         * its own, while a transposed B takes its general path, which allocates buffers under a
         * lock shared by every thread of the process (16 rollout workers each stepping 32 envs
         * ran 19x slower per thread than one). W^T is copied onto this thread's stack. */
        real bt[LINALG_TRANSPOSE_MAX];
        for (int k = 0; k < K; k++)
            for (int j = 0; j < N; j++) bt[(long)k * N + j] = B[(long)j * ldb + k];
        B = bt, ldb = N, trans_b = false;
#ifdef PPO_REAL_DOUBLE
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
        return;
    }
    /* BLAS requires lda >= the row length of the stored matrix even when it is not read. */
    enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
#ifdef PPO_REAL_DOUBLE
    cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

void linalg_set_threads(int n) { openblas_set_num_threads(n); }

const char *linalg_blas_core(void) { return openblas_get_corename(); }

const char *linalg_blas_better_core(const char *chosen) {
    if (strcmp(chosen, "Prescott") != 0) return NULL;
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return NULL;
}

void linalg_choose_blas_core(char **argv) {
    if (getenv("OPENBLAS_CORETYPE")) return;
    const char *core = linalg_blas_better_core(linalg_blas_core());
    if (!core || setenv("OPENBLAS_CORETYPE", core, 1) != 0) return;
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");
}

#if defined(__x86_64__) || defined(__SSE2__)
void linalg_flush_denormals(void) {
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
}
#else
void linalg_flush_denormals(void) {}
#endif
