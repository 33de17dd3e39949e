// Dense matrix products: the one wrapper around the BLAS (oneDNN's sgemm).
//
// Row-major, as everywhere in seer: C(M,N) = alpha * op(A) * op(B) + beta * C,
// op(X) = X or X^T. seer_gemm_ref is a plain C loop used as the test oracle.
// seer_gemm_bf16 is the reduced-precision variant for --precision bf16.
#ifndef SEER_NN_GEMM_H
#define SEER_NN_GEMM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

// The precision a product multiplies in. The kernels that multiply take it from their caller,
// so that a reader sees it at the call: a training step of a --precision bf16 model passes
// bf16, everything else (predictions, scoring views, the tests' oracles) fp32.
typedef enum { SEER_PRECISION_FP32, SEER_PRECISION_BF16 } seer_precision;

// A (M,K) or, transposed, (K,M) with row stride lda; B (K,N) or (N,K) with ldb; C (M,N) with ldc.
void seer_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
               const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
               size_t ldc);
// oneDNN generates most of its fp32 kernels at the first product of a process: 13 to 50 ms of one
// thread here (BENCHMARKS.md, "The first product"), which a whole `seer train` of 90,000 rows
// otherwise spends inside its first training step. seer_gemm_prepare has a thread of its own make
// that first product (a 4 x 4 one), so that the caller's work meanwhile (reading and encoding a
// file) overlaps it; a product the caller makes before it is done waits inside oneDNN, which builds
// the kernels once. seer_gemm_prepared waits for the thread; call it before returning, also on
// errors. every_shape: also one product of every kind gemm.c tells apart (one row, a few, many; one
// output column or several; each arrangement of transposes), some of whose kernels oneDNN builds
// apart (a server, whose requests score one row and whose micro-batches many). Where no thread can
// be started, the first product builds the kernels, as without it. Where a limit on the address
// space (RLIMIT_AS, which the thread's stack and malloc arena would take from) leaves too little
// room for one (seer_side_thread_allowed) there is no thread; with every_shape the caller makes the
// products itself, at once: in a server's first request the process has grown (HTTP, learner and
// log threads) and oneDNN 2.6 aborted when its kernels found no room (`seer serve` under
// `ulimit -v` 150,000-250,000 KB: SIGABRT or SIGSEGV in most starts). Without every_shape nothing
// is built ahead there: kernels a run never uses would take room its model needs.
typedef struct {
    pthread_t thread;
    int started;
} seer_gemm_preparer;
void seer_gemm_prepare(seer_gemm_preparer *p, int every_shape);
void seer_gemm_prepared(seer_gemm_preparer *p);
// Same contract as seer_gemm (any alpha and beta; beta == 0 never reads C), but A and B are
// rounded to bf16 (round to nearest even) and multiplied with fp32 accumulation; C stays fp32.
// For --precision bf16: about half the memory traffic and, on CPUs with AVX512-BF16 or AMX, more
// multiply throughput. Each product carries a relative error up to about 2^-7 (two roundings
// to an 8-bit significand), so |C - exact| <= ~1e-2 * sum_k |a_ik b_kj|. Deterministic: the
// same call with the same OpenMP thread count gives bit-identical results.
// On a CPU without a bf16 matmul in oneDNN (AVX2 only, or DNNL_MAX_CPU_ISA=AVX2) it emulates:
// the same rounded operands, multiplied and summed in fp32, so the results agree with a bf16
// machine's to the same tolerance, without the speed; a warning on stderr says so once.
// Not thread-safe: one training thread calls it (overlapping calls abort). The first call for
// a shape (trans_a, trans_b, M, N, K, ldc, alpha, beta) creates and caches a oneDNN primitive
// and may grow internal buffers; later calls for that shape do not allocate in seer.
void seer_gemm_bf16(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                    const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                    size_t ldc);
// 1 when seer_gemm_bf16 runs on oneDNN's bf16 matmul, 0 when it emulates (decided at the first
// call of either function, from the CPU, or forced below).
int seer_gemm_bf16_native(void);
// Nonzero: seer_gemm_bf16 emulates from now on, as on a CPU without bf16, so that tests run the
// emulation on any machine. 0 undoes that (but not a fallback the CPU made necessary).
void seer_gemm_bf16_emulate(int on);
// seer_gemm or seer_gemm_bf16, as prec says. seer_gemm (fp32) is thread-safe: threads scoring
// beside a bf16 training step (a server and its online learner) pass fp32 and stay off the bf16
// scratch, which one thread at a time may use.
void seer_gemm_in(seer_precision prec, int trans_a, int trans_b, size_t M, size_t N, size_t K,
                  float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
                  float *C, size_t ldc);
// dst (n) = x (n) rounded to bf16 (round to nearest even), as seer_gemm_bf16 rounds its inputs.
void seer_bf16_round(uint16_t *dst, const float *x, size_t n);
// seer_gemm_bf16's product on operands already rounded: A16 and B16 dense in op's layout
// (A16 (M,K), or (K,M) with trans_a; B16 (K,N), or (N,K) with trans_b). For a bf16 copy made
// once and used by many products, and for the peak of bench/roofline. 1 when done on oneDNN's
// bf16 matmul; 0 when that is not there (seer_gemm_bf16_native() is 0) or failed, and C is
// untouched: the caller multiplies another way. Not thread-safe, as seer_gemm_bf16.
int seer_gemm_bf16_rounded(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                           const uint16_t *A16, const uint16_t *B16, float beta, float *C,
                           size_t ldc);
// seer_gemm_bf16 on operands rounded beforehand (seer_bf16_round): A16 and B16 dense in op's
// layout, as for seer_gemm_bf16_rounded. C gets what seer_gemm_bf16 gives on the fp32 values they
// were rounded from, on every machine (where there is no bf16 matmul, or it fails, the same
// emulation), so that a training step may round an operand once for several products. Not
// thread-safe, as seer_gemm_bf16.
void seer_gemm_bf16_pre(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                        const uint16_t *A16, const uint16_t *B16, float beta, float *C,
                        size_t ldc);
// 1 when oneDNN has VNNI int8 instructions on this CPU (AVX512-VNNI, AVX-VNNI or AMX).
int seer_gemm_int8_native(void);
// C (M,N) = A (M,K) B (K,N), unsigned by signed 8-bit integers summed in 32 bits (oneDNN's
// gemm_u8s8s32, all dense, row-major). 1, or 0 when oneDNN failed. For bench/roofline.
int seer_gemm_u8s8s32(size_t M, size_t N, size_t K, const uint8_t *A, const int8_t *B,
                      int32_t *C);
void seer_gemm_ref(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                   const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                   size_t ldc);

#endif
