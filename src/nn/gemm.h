// Dense matrix products: the one wrapper around the BLAS (oneDNN's sgemm).
//
// Row-major, as everywhere in seer: C(M,N) = alpha * op(A) * op(B) + beta * C,
// op(X) = X or X^T. seer_gemm_ref is a plain C loop used as the test oracle.
#ifndef SEER_NN_GEMM_H
#define SEER_NN_GEMM_H

#include <stddef.h>

// A (M,K) or, transposed, (K,M) with row stride lda; B (K,N) or (N,K) with ldb; C (M,N) with ldc.
void seer_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
               const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
               size_t ldc);
void seer_gemm_ref(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                   const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                   size_t ldc);

#endif
