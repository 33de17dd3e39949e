// oneDNN's matmul primitive, for the products sgemm does not make: bf16 operands
// (seer_gemm_bf16, gemm.c) and a layer's forward with its bias and ReLU applied as the output is
// written (fused_linear.c). One cache of primitives and one scratchpad serve both.
//
// A product is described by what its kernels depend on (seer_matmul_desc) and by the OpenMP
// thread count of the calling thread, which oneDNN fixes when it makes a primitive. Making one
// JIT-compiles kernels (about a millisecond), so primitives are cached (64; the oldest is made
// again when another comes), and a description oneDNN cannot make is remembered with its status
// and fails at once after. The memory objects have no buffers of their own: each call points them
// at the caller's, so a cached product allocates nothing. Under a limit on the address space
// (ulimit -v) a primitive is made only while 32 MiB more could be mapped: oneDNN's JIT faults
// rather than fails when it cannot map its code.
//
// One caller at a time: a call while another thread is inside returns SEER_MATMUL_BUSY and leaves
// C as it was; the caller multiplies another way.
#ifndef SEER_NN_MATMUL_H
#define SEER_NN_MATMUL_H

#include <stddef.h>

// C (M,N) = alpha op(A) op(B) [+ bias] [then max(0, .)] + beta C.
//   op(A) (M,K): A dense (M,K), or with trans_a dense (K,M) read transposed
//   op(B) (K,N): B dense (K,N), or with trans_b dense (N,K) read transposed
//   C (M,N) with row stride ldc; beta 0 never reads it. bias (N) is added to every row.
typedef struct {
    int trans_a, trans_b;
    size_t M, N, K, ldc;
    int bf16;         // A and B bf16 (uint16_t, seer_bf16_round), else fp32; C fp32 either way
    int bias, relu;   // bias only with alpha 1
    float alpha, beta;
} seer_matmul_desc;

// What seer_matmul returns besides 0 (done): oneDNN's status (a dnnl_status_t, always > 0) when it
// cannot make or run the product, or when the memory for its scratchpad cannot be had
// (dnnl_out_of_memory); or this, when another thread is inside.
#define SEER_MATMUL_BUSY (-1)

// The product d describes on A, B, bias (NULL without d->bias) into C. 0 when done; otherwise
// C is untouched (a failed run fails before its kernels write).
int seer_matmul(const seer_matmul_desc *d, const void *A, const void *B, const float *bias,
                float *C);
// The primitive of d made (and cached) without running it: 0, or what seer_matmul would return.
int seer_matmul_make(const seer_matmul_desc *d);

#endif
