// The fp32 GEMM peak of this machine as seer's products reach it: the median rate of a few
// square sgemm through seer_gemm (oneDNN), for bench/roofline and seer train --json's
// "gflops_peak". Not a kernel: it allocates, and it takes time (at 2048, three products and a
// warm-up: 69 GFLOP, about 0.4 s at 190 GFLOP/s, 1 s at 77, and more wall time where other
// processes share the CPU).
//
// seer train's peak is timed in the measuring thread's CPU time: on a machine shared with
// other work (this project's: 2 vCPUs, a load of 6 to 13 while it was measured) wall time gave
// 13-16 GFLOP/s where the CPU time of the same products gave 105, the machine's rate.
#include "nn/gemm_peak.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/clock.h"
#include "base/rng.h"
#include "base/sort.h"
#include "base/threads.h"
#include "nn/gemm.h"

// The calling thread's CPU time in seconds.
static double thread_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double seer_gemm_measure(size_t n, int reps, int thread_time) {
    if (n == 0 || reps < 1 || reps > 64) return 0.0;
    float *A = aligned_alloc(64, n * n * sizeof(float));
    float *B = aligned_alloc(64, n * n * sizeof(float));
    float *C = aligned_alloc(64, n * n * sizeof(float));
    double rate[64], flops = 2.0 * (double)n * (double)n * (double)n;
    if (A && B && C) {
        seer_rng r;
        seer_rng_init(&r, 1);
        for (size_t i = 0; i < n * n; i++) A[i] = (float)seer_rng_uniform(&r) - 0.5f;
        for (size_t i = 0; i < n * n; i++) B[i] = (float)seer_rng_uniform(&r) - 0.5f;
        seer_gemm(0, 0, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);  // warm-up: pages, packing
        for (int k = 0; k < reps; k++) {
            double t0 = thread_time ? thread_seconds() : seer_now();
            seer_gemm(0, 0, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
            double t = (thread_time ? thread_seconds() : seer_now()) - t0;
            rate[k] = t > 0 ? flops / t * 1e-9 : 0.0;
        }
        seer_sort_doubles(rate, (size_t)reps);
    }
    double median = A && B && C ? rate[reps / 2] : 0.0;
    free(A);
    free(B);
    free(C);
    return median;
}

// In a thread of its own, so that its one OpenMP thread leaves the caller's setting alone.
static void *one_thread(void *out) {
    seer_threads_set(1);
    *(double *)out = seer_gemm_measure(SEER_GEMM_PEAK_N, 3, 1);
    return NULL;
}

double seer_gemm_peak_gflops(void) {
    double rate = 0.0;
    pthread_t t;
    if (pthread_create(&t, NULL, one_thread, &rate) != 0) return 0.0;
    pthread_join(t, NULL);
    return rate;
}
