// One training step of each model at the GEMM-bound sizes of BENCHMARKS.md (39 fields of 16 and
// 25 dense values, as the Criteo-like data encodes; hidden 400-400-400, 3 cross layers, batch
// 1024), on random rows, timed alone: no reading, no encoding. Prints the step's FLOPs a row
// (seer_net_flops), samples/s, GFLOP/s and the fraction of the one-thread fp32 peak measured in
// the same run, just before and after the model's steps (2048^3 sgemm): the median step against
// the median product, and the fastest step against the fastest product (best_*: on a machine
// shared with other work, the least disturbed of each), and the same in the thread's CPU time
// (cpu_*: the median step's rate against the median product's, both in CPU seconds, so that
// the time other processes held the CPU is not counted; meaningful with one thread).
// gemm_ms and other_ms split the mean step's CPU time between its products (every call of
// seer_gemm_in and seer_gemm_bf16_pre, with the rounding of a bf16 step's operands: this
// program wraps them at link time, CMakeLists.txt) and the rest (the
// interaction kernels, activations, the embedding work, Adam, memset and copies);
// gemm_gflops is the products' own rate, gemm_share their part of the step. A step cannot
// run nearer the peak than its products do: cpu_fraction <= gemm_share * gemm_gflops / peak.
//
//   build/bench_step [model ...]     (BENCH_STEPS=30, BENCH_BF16=1 for --precision bf16,
//                                     BENCH_PEAK=0 without the peak, for perf record,
//                                     BENCH_SHAPES=1 for each shape's products apart)
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/rng.h"
#include "models/net.h"
#include "nn/gemm.h"
#include "nn/gemm_peak.h"

enum { F = 39, N_DENSE = 25, D = 16, ROWS = 40000, BATCH = 1024 };

// The calling thread's CPU time: with one OpenMP thread (the default here) it is all the work,
// and unlike wall time it does not count the time other processes held the CPU.
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// The products' CPU time and FLOPs so far (one thread: the caller's time is all of it).
static double gemm_cpu, gemm_flops;

void __real_seer_gemm_in(seer_precision prec, int trans_a, int trans_b, size_t M, size_t N,
                         size_t K, float alpha, const float *A, size_t lda, const float *B,
                         size_t ldb, float beta, float *C, size_t ldc);
void __wrap_seer_gemm_in(seer_precision prec, int trans_a, int trans_b, size_t M, size_t N,
                         size_t K, float alpha, const float *A, size_t lda, const float *B,
                         size_t ldb, float beta, float *C, size_t ldc);

// BENCH_SHAPES=1: each shape's products apart (time and rate), printed after each model.
typedef enum { KIND_FP32, KIND_BF16, KIND_FUSED, KIND_FUSED_BF16 } product_kind;
static const char *const kind_names[] = {"fp32", "bf16", "fused", "fused_bf16"};
typedef struct {
    int ta, tb;
    product_kind kind;  // fused: a training forward with its bias and ReLU (nn/fused_linear.h)
    size_t M, N, K;
    double cpu, flops;
    long calls;
} shape_time;
static shape_time shapes[64];
static size_t n_shapes;

// One product of the step, cpu seconds long: the totals, and its shape's.
static void count_product(int ta, int tb, product_kind kind, size_t M, size_t N, size_t K,
                          double cpu) {
    double flops = 2.0 * (double)M * (double)N * (double)K;
    gemm_cpu += cpu;
    gemm_flops += flops;
    size_t i = 0;
    while (i < n_shapes && !(shapes[i].ta == ta && shapes[i].tb == tb && shapes[i].kind == kind &&
                             shapes[i].M == M && shapes[i].N == N && shapes[i].K == K))
        i++;
    if (i == n_shapes) {
        if (n_shapes == sizeof shapes / sizeof *shapes) return;
        shapes[n_shapes++] = (shape_time){ta, tb, kind, M, N, K, 0, 0, 0};
    }
    shapes[i].cpu += cpu;
    shapes[i].flops += flops;
    shapes[i].calls++;
}

static void print_shapes(const char *name, int steps) {
    if (!getenv("BENCH_SHAPES") || !atoi(getenv("BENCH_SHAPES"))) return;
    for (size_t i = 0; i < n_shapes; i++)
        printf("shape %s %s M=%zu N=%zu K=%zu ta=%d tb=%d calls_per_step=%.1f ms_per_step=%.3f "
               "gflops=%.1f\n", name, kind_names[shapes[i].kind], shapes[i].M, shapes[i].N,
               shapes[i].K, shapes[i].ta, shapes[i].tb, (double)shapes[i].calls / steps,
               1e3 * shapes[i].cpu / steps, shapes[i].flops / shapes[i].cpu * 1e-9);
    n_shapes = 0;
}

void __wrap_seer_gemm_in(seer_precision prec, int trans_a, int trans_b, size_t M, size_t N,
                         size_t K, float alpha, const float *A, size_t lda, const float *B,
                         size_t ldb, float beta, float *C, size_t ldc) {
    double c0 = cpu_now();
    __real_seer_gemm_in(prec, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    count_product(trans_a, trans_b, prec == SEER_PRECISION_BF16 ? KIND_BF16 : KIND_FP32, M, N, K,
                  cpu_now() - c0);
}

// A bf16 step's products on operands it rounded once (seer_net_linear_*), and the rounding,
// which seer_gemm_in's products count in their time: both are the products' time here too.
void __real_seer_gemm_bf16_pre(int trans_a, int trans_b, size_t M, size_t N, size_t K,
                               float alpha, const uint16_t *A16, const uint16_t *B16, float beta,
                               float *C, size_t ldc);
void __wrap_seer_gemm_bf16_pre(int trans_a, int trans_b, size_t M, size_t N, size_t K,
                               float alpha, const uint16_t *A16, const uint16_t *B16, float beta,
                               float *C, size_t ldc);
void __real_seer_bf16_round(uint16_t *dst, const float *x, size_t n);
void __wrap_seer_bf16_round(uint16_t *dst, const float *x, size_t n);

void __wrap_seer_gemm_bf16_pre(int trans_a, int trans_b, size_t M, size_t N, size_t K,
                               float alpha, const uint16_t *A16, const uint16_t *B16, float beta,
                               float *C, size_t ldc) {
    double c0 = cpu_now();
    __real_seer_gemm_bf16_pre(trans_a, trans_b, M, N, K, alpha, A16, B16, beta, C, ldc);
    count_product(trans_a, trans_b, KIND_BF16, M, N, K, cpu_now() - c0);
}

// A training step's fused forward (nn/fused_linear.h): a product with its bias and ReLU.
int __real_seer_linear_fused_forward(float *y, const float *x, const float *w, const float *b,
                                     size_t B, size_t n_in, size_t n_out, int relu);
int __wrap_seer_linear_fused_forward(float *y, const float *x, const float *w, const float *b,
                                     size_t B, size_t n_in, size_t n_out, int relu);

int __wrap_seer_linear_fused_forward(float *y, const float *x, const float *w, const float *b,
                                     size_t B, size_t n_in, size_t n_out, int relu) {
    double c0 = cpu_now();
    int done = __real_seer_linear_fused_forward(y, x, w, b, B, n_in, n_out, relu);
    if (done) count_product(0, 1, KIND_FUSED, B, n_out, n_in, cpu_now() - c0);
    return done;
}

int __real_seer_linear_fused_forward_bf16(float *y, const uint16_t *x16, const uint16_t *w16,
                                          const float *b, size_t B, size_t n_in, size_t n_out,
                                          int relu);
int __wrap_seer_linear_fused_forward_bf16(float *y, const uint16_t *x16, const uint16_t *w16,
                                          const float *b, size_t B, size_t n_in, size_t n_out,
                                          int relu);

int __wrap_seer_linear_fused_forward_bf16(float *y, const uint16_t *x16, const uint16_t *w16,
                                          const float *b, size_t B, size_t n_in, size_t n_out,
                                          int relu) {
    double c0 = cpu_now();
    int done = __real_seer_linear_fused_forward_bf16(y, x16, w16, b, B, n_in, n_out, relu);
    if (done) count_product(0, 1, KIND_FUSED_BF16, B, n_out, n_in, cpu_now() - c0);
    return done;
}

void __wrap_seer_bf16_round(uint16_t *dst, const float *x, size_t n) {
    double c0 = cpu_now();
    __real_seer_bf16_round(dst, x, n);
    gemm_cpu += cpu_now() - c0;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// The one-thread fp32 peak, interleaved with the steps: the fastest 2048^3 product seen so far
// (peak_best) and the median of each call's three (peak_median).
static float *pa, *pb, *pc;
static double peak_best, peak_median, peak_cpu;

static void peak_sample(void) {
    if (getenv("BENCH_PEAK") && !atoi(getenv("BENCH_PEAK"))) return;  // perf record of steps
    size_t n = SEER_GEMM_PEAK_N;
    double flops = 2.0 * (double)n * n * n, t[3], c[3];
    if (!pa) {
        pa = calloc(n * n, sizeof *pa);
        pb = calloc(n * n, sizeof *pb);
        pc = calloc(n * n, sizeof *pc);
        if (!pa || !pb || !pc) exit(1);
        for (size_t i = 0; i < n * n; i++) pa[i] = pb[i] = (float)(i % 7) * 0.1f;
        seer_gemm(0, 0, n, n, n, 1.0f, pa, n, pb, n, 0.0f, pc, n);
    }
    for (int k = 0; k < 3; k++) {
        double t0 = seer_now(), c0 = cpu_now();
        seer_gemm(0, 0, n, n, n, 1.0f, pa, n, pb, n, 0.0f, pc, n);
        t[k] = seer_now() - t0;
        c[k] = cpu_now() - c0;
        if (flops / t[k] * 1e-9 > peak_best) peak_best = flops / t[k] * 1e-9;
    }
    qsort(t, 3, sizeof *t, cmp);
    qsort(c, 3, sizeof *c, cmp);
    peak_median = flops / t[1] * 1e-9;
    peak_cpu = flops / c[1] * 1e-9;
}

static void bench(const char *name, int steps) {
    const seer_model_ops *ops = seer_model_ops_find(name);
    if (!ops) {
        fprintf(stderr, "bench_step: no model %s\n", name);
        exit(1);
    }
    seer_net_config c;
    seer_net_config_default(&c, ops->kind);
    c.n_fields = F;
    c.n_dense = N_DENSE;
    c.emb_dim = D;
    c.emb_rows = ROWS;
    c.n_hidden = 3;
    c.hidden[0] = c.hidden[1] = c.hidden[2] = 400;
    c.batch_cap = BATCH;
    c.bf16 = getenv("BENCH_BF16") && atoi(getenv("BENCH_BF16"));
    seer_net n;
    if (seer_net_init(&n, &c, 1) != 0) exit(1);
    uint32_t *ids = malloc(BATCH * F * sizeof *ids);
    float *dense = malloc(BATCH * N_DENSE * sizeof *dense), *y = malloc(BATCH * sizeof *y);
    seer_rng r;
    seer_rng_init(&r, 2);
    seer_adam_config adam = seer_net_optimiser(&c, 1e-3f);
    double *t = malloc((size_t)steps * sizeof *t), *ct = malloc((size_t)steps * sizeof *ct);
    peak_sample();
    double step_cpu = 0, step_gemm = 0, step_gemm_flops = 0;
    for (int s = -3; s < steps; s++) {
        for (size_t i = 0; i < BATCH * F; i++)
            ids[i] = (uint32_t)(i % F * (ROWS / F) + seer_rng_below(&r, ROWS / F));
        for (size_t i = 0; i < BATCH * N_DENSE; i++) dense[i] = (float)seer_rng_uniform(&r) - 0.5f;
        for (size_t i = 0; i < BATCH; i++) y[i] = seer_rng_uniform(&r) < 0.25 ? 1.0f : 0.0f;
        if (s == 0) n_shapes = 0;  // the warm-up steps' products not counted
        double g0 = gemm_cpu, f0 = gemm_flops;
        double t0 = seer_now(), c0 = cpu_now();
        seer_net_train_step(&n, ids, dense, y, BATCH, &adam);
        if (s < 0) continue;
        t[s] = seer_now() - t0;
        ct[s] = cpu_now() - c0;
        step_cpu += ct[s];
        step_gemm += gemm_cpu - g0;
        step_gemm_flops += gemm_flops - f0;
    }
    double cpu_peak_before = peak_cpu;
    peak_sample();
    double peak = peak_median, cpu_peak = (cpu_peak_before + peak_cpu) / 2;
    qsort(ct, (size_t)steps, sizeof *ct, cmp);
    double cpu_gflops = seer_net_flops(&c, BATCH) * BATCH / ct[steps / 2] * 1e-9;
    qsort(t, (size_t)steps, sizeof *t, cmp);
    double flops = seer_net_flops(&c, BATCH), sps = BATCH / t[steps / 2], best = BATCH / t[0];
    printf("bench step_%s%s B=%d flops_per_sample=%.4g samples_per_s=%.0f gflops=%.1f "
           "fraction=%.2f peak=%.1f best_samples_per_s=%.0f best_fraction=%.2f peak_best=%.1f "
           "cpu_gflops=%.1f cpu_peak=%.1f cpu_fraction=%.2f gemm_ms=%.2f other_ms=%.2f "
           "gemm_gflops=%.1f gemm_share=%.3f\n",
           name,
           c.bf16 ? "_bf16" : "", BATCH, flops, sps, flops * sps * 1e-9,
           flops * sps * 1e-9 / peak, peak, best, flops * best * 1e-9 / peak_best, peak_best,
           cpu_gflops, cpu_peak, cpu_gflops / cpu_peak, 1e3 * step_gemm / steps,
           1e3 * (step_cpu - step_gemm) / steps, step_gemm_flops / step_gemm * 1e-9,
           step_gemm / step_cpu);
    print_shapes(name, steps);
    seer_net_free(&n);
    free(ids);
    free(dense);
    free(y);
    free(t);
    free(ct);
}

int main(int argc, char **argv) {
    if (!getenv("OMP_NUM_THREADS")) omp_set_num_threads(1);
    int steps = getenv("BENCH_STEPS") ? atoi(getenv("BENCH_STEPS")) : 30;
    if (steps < 1) steps = 1;
    static const char *const all[] = {"lr", "mlp", "wdl", "deepfm", "dcnv2", "finalmlp"};
    if (argc > 1)
        for (int i = 1; i < argc; i++) bench(argv[i], steps);
    else
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) bench(all[i], steps);
    return 0;
}
