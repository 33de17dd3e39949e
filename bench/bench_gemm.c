// GEMM throughput through seer_gemm (oneDNN sgemm) and seer_gemm_bf16 (oneDNN
// matmul on bf16 copies, fp32 accumulation; the _bf16 lines, conversion included):
// the machine's peak as seer sees it, and the shapes of the reference MLP's layers.
// Checks each product against seer_gemm_ref before timing; reports the median
// of repeated runs, one line per case.
//
//   build/bench_gemm      (BENCH_LAYERS=1: the 2048 peak and the GEMM-bound models' layers)
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/rng.h"
#include "nn/gemm.h"

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef void (*gemm_fn)(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                        const float *A, size_t lda, const float *B, size_t ldb, float beta,
                        float *C, size_t ldc);

// Times C = op(A) op(B) through fn and prints one line with the median of 9 runs and the fastest
// (on a shared machine, the least disturbed).
static void time_gemm(const char *name, gemm_fn fn, int ta, int tb, size_t M, size_t N, size_t K,
                      const float *A, const float *B, float *C) {
    size_t lda = ta ? M : K, ldb = tb ? K : N;
    double flops = 2.0 * (double)M * (double)N * (double)K;
    size_t reps = (size_t)(2e9 / flops) + 1;
    double t[9];
    fn(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N);  // warm-up (bf16: builds the primitive)
    for (int k = 0; k < 9; k++) {
        double t0 = seer_now();
        for (size_t i = 0; i < reps; i++) fn(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N);
        t[k] = (seer_now() - t0) / (double)reps;
    }
    qsort(t, 9, sizeof *t, cmp);
    printf("bench gemm_%s M=%zu N=%zu K=%zu ta=%d tb=%d us=%.2f gflops=%.1f best_gflops=%.1f\n",
           name, M, N, K, ta, tb, t[4] * 1e6, flops / t[4] * 1e-9, flops / t[0] * 1e-9);
}

// One fp32 line (seer_gemm) and one bf16 line (seer_gemm_bf16, name suffixed _bf16), each
// checked against seer_gemm_ref first. fp32 must match to 1e-3 (1 + |ref|); bf16 to
// 1e-2 sum_k |a_ik b_kj|, the bound from rounding both inputs to an 8-bit significand.
static void bench(const char *name, int ta, int tb, size_t M, size_t N, size_t K) {
    float *A = malloc(M * K * sizeof *A), *B = malloc(K * N * sizeof *B);
    float *C = malloc(M * N * sizeof *C), *R = malloc(M * N * sizeof *R);
    float *A_abs = malloc(M * K * sizeof *A), *B_abs = malloc(K * N * sizeof *B);
    float *S = malloc(M * N * sizeof *S);
    seer_rng r;
    seer_rng_init(&r, 1);
    for (size_t i = 0; i < M * K; i++) A[i] = (float)seer_rng_uniform(&r) - 0.5f;
    for (size_t i = 0; i < K * N; i++) B[i] = (float)seer_rng_uniform(&r) - 0.5f;
    for (size_t i = 0; i < M * K; i++) A_abs[i] = fabsf(A[i]);
    for (size_t i = 0; i < K * N; i++) B_abs[i] = fabsf(B[i]);
    size_t lda = ta ? M : K, ldb = tb ? K : N;
    if (M * N * K <= (size_t)1 << 27) {
        seer_gemm_ref(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, R, N);
        seer_gemm_ref(ta, tb, M, N, K, 1.0f, A_abs, lda, B_abs, ldb, 0.0f, S, N);
        seer_gemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N);
        for (size_t i = 0; i < M * N; i++)
            if (fabsf(C[i] - R[i]) > 1e-3f * (1.0f + fabsf(R[i]))) {
                fprintf(stderr, "bench_gemm: %s differs from the reference at %zu\n", name, i);
                exit(1);
            }
        seer_gemm_bf16(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N);
        for (size_t i = 0; i < M * N; i++)
            if (fabsf(C[i] - R[i]) > 1e-2f * S[i]) {
                fprintf(stderr, "bench_gemm: %s_bf16 differs from the reference at %zu\n", name,
                        i);
                exit(1);
            }
    }
    char name_bf16[64];
    snprintf(name_bf16, sizeof name_bf16, "%s_bf16", name);
    time_gemm(name, seer_gemm, ta, tb, M, N, K, A, B, C);
    time_gemm(name_bf16, seer_gemm_bf16, ta, tb, M, N, K, A, B, C);
    free(A);
    free(B);
    free(C);
    free(R);
    free(A_abs);
    free(B_abs);
    free(S);
}

int main(void) {
    // One thread: the 2 vCPUs here share one core (see BENCHMARKS.md).
    if (!getenv("OMP_NUM_THREADS")) omp_set_num_threads(1);
    bench("peak", 0, 0, 1024, 1024, 1024);
    if (getenv("BENCH_LAYERS")) {
        // The GEMM-bound models' layers at batch 1024 (BENCHMARKS.md, "Roofline"): the first
        // deep layer over deepfm's 64 fields of 16 (1024 wide), the 400-400 layers, and a
        // dcnv2 cross layer over x0 (649 wide); forward, dx and dw of each.
        static const size_t in[] = {1024, 400, 649}, out[] = {400, 400, 649};
        static const char *const names[] = {"l1024x400", "l400x400", "cross649"};
        bench("peak2048", 0, 0, 2048, 2048, 2048);
        for (int l = 0; l < 3; l++) {
            char name[64];
            snprintf(name, sizeof name, "%s_fwd", names[l]);
            bench(name, 0, 1, 1024, out[l], in[l]);
            snprintf(name, sizeof name, "%s_dx", names[l]);
            bench(name, 0, 0, 1024, in[l], out[l]);
            snprintf(name, sizeof name, "%s_dw", names[l]);
            bench(name, 1, 0, out[l], in[l], 1024);
        }
        return 0;
    }
    // The reference MLP on Criteo-like inputs (26 x 16 embeddings + 25 dense = 441).
    for (size_t b = 32; b <= 256; b *= 8) {
        bench("mlp_l1_fwd", 0, 1, b, 64, 441);
        bench("mlp_l1_dw", 1, 0, 64, 441, b);
        bench("mlp_l1_dx", 0, 0, b, 441, 64);
        bench("mlp_l2_fwd", 0, 1, b, 32, 64);
    }
    return 0;
}
