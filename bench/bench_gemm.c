// Single-precision GEMM throughput through seer_gemm (oneDNN): the machine's
// fp32 peak as seer sees it, and the shapes of the reference MLP's layers.
// Checks each product against seer_gemm_ref before timing; reports the median
// of repeated runs, one line per case.
//
//   build/bench_gemm
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

static void bench(const char *name, int ta, int tb, size_t M, size_t N, size_t K) {
    float *A = malloc(M * K * sizeof *A), *B = malloc(K * N * sizeof *B);
    float *C = malloc(M * N * sizeof *C), *R = malloc(M * N * sizeof *R);
    seer_rng r;
    seer_rng_init(&r, 1);
    for (size_t i = 0; i < M * K; i++) A[i] = (float)seer_rng_uniform(&r) - 0.5f;
    for (size_t i = 0; i < K * N; i++) B[i] = (float)seer_rng_uniform(&r) - 0.5f;
    size_t lda = ta ? M : K, ldb = tb ? K : N;
    if (M * N * K <= (size_t)1 << 27) {
        seer_gemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N);
        seer_gemm_ref(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, R, N);
        for (size_t i = 0; i < M * N; i++)
            if (fabsf(C[i] - R[i]) > 1e-3f * (1.0f + fabsf(R[i]))) {
                fprintf(stderr, "bench_gemm: %s differs from the reference at %zu\n", name, i);
                exit(1);
            }
    }
    double flops = 2.0 * (double)M * (double)N * (double)K;
    size_t reps = (size_t)(2e9 / flops) + 1;
    double t[9];
    for (int k = 0; k < 9; k++) {
        double t0 = seer_now();
        for (size_t i = 0; i < reps; i++)
            seer_gemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N);
        t[k] = (seer_now() - t0) / (double)reps;
    }
    qsort(t, 9, sizeof *t, cmp);
    printf("bench gemm_%s M=%zu N=%zu K=%zu ta=%d tb=%d us=%.2f gflops=%.1f\n", name, M, N, K, ta,
           tb, t[4] * 1e6, flops / t[4] * 1e-9);
    free(A);
    free(B);
    free(C);
    free(R);
}

int main(void) {
    // One thread: the 2 vCPUs here share one core (see BENCHMARKS.md).
    if (!getenv("OMP_NUM_THREADS")) omp_set_num_threads(1);
    bench("peak", 0, 0, 1024, 1024, 1024);
    // The reference MLP on Criteo-like inputs (26 x 16 embeddings + 25 dense = 441).
    for (size_t b = 32; b <= 256; b *= 8) {
        bench("mlp_l1_fwd", 0, 1, b, 64, 441);
        bench("mlp_l1_dw", 1, 0, 64, 441, b);
        bench("mlp_l1_dx", 0, 0, b, 441, 64);
        bench("mlp_l2_fwd", 0, 1, b, 32, 64);
    }
    return 0;
}
