// Adam's update alone (nn/adam.c), in the form this process runs: 512-bit where the CPU has
// AVX-512, AVX2 under DNNL_MAX_CPU_ISA=AVX2 (base/cpu.h). The dense step on the seed mlp's
// 39,233 weights and on the 738,001 of a 400-400-400 deepfm, and the row step on 1,000 rows
// of 16 scattered over a table of 22,000. Microseconds a step, the median of 9 runs of 200.
//
//   build/bench_adam && DNNL_MAX_CPU_ISA=AVX2 build/bench_adam
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/cpu.h"
#include "base/rng.h"
#include "nn/adam.h"

enum { RUNS = 9, STEPS = 200, D = 16, TABLE_ROWS = 22000, ROWS = 1000 };

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float *randoms(size_t n, seer_rng *r, float scale) {
    float *p = malloc(n * sizeof *p);
    if (!p) exit(1);
    for (size_t i = 0; i < n; i++) p[i] = (float)seer_rng_normal(r) * scale;
    return p;
}

static const seer_adam_config adam = {.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f,
                                      .eps = 1e-8f};

static void dense(size_t n, seer_rng *r) {
    float *w = randoms(n, r, 1), *g = randoms(n, r, 1e-3f);
    float *m = calloc(n, sizeof *m), *v = calloc(n, sizeof *v);
    double us[RUNS];
    long t = 1;
    for (int k = 0; k < RUNS; k++) {
        double t0 = seer_now();
        for (int s = 0; s < STEPS; s++) seer_adam_step(w, m, v, g, n, &adam, t++, NULL);
        us[k] = (seer_now() - t0) / STEPS * 1e6;
    }
    qsort(us, RUNS, sizeof *us, cmp);
    printf("bench adam_dense form=%s weights=%zu us_per_step=%.2f\n",
           seer_cpu_avx512() ? "avx512" : "avx2", n, us[RUNS / 2]);
    free(w), free(g), free(m), free(v);
}

static void rows(seer_rng *r) {
    float *table = randoms((size_t)TABLE_ROWS * D, r, 1), *g = randoms((size_t)ROWS * D, r, 1);
    float *m = calloc((size_t)TABLE_ROWS * D, sizeof *m);
    float *v = calloc((size_t)TABLE_ROWS * D, sizeof *v);
    uint32_t *ids = malloc(ROWS * sizeof *ids);
    if (!m || !v || !ids) exit(1);
    for (size_t i = 0; i < ROWS; i++) ids[i] = (uint32_t)(i * 7919 % TABLE_ROWS);  // distinct
    double us[RUNS];
    long t = 1;
    for (int k = 0; k < RUNS; k++) {
        double t0 = seer_now();
        for (int s = 0; s < STEPS; s++)
            seer_adam_rows_step(table, m, v, ids, g, ROWS, D, &adam, t++, NULL);
        us[k] = (seer_now() - t0) / STEPS * 1e6;
    }
    qsort(us, RUNS, sizeof *us, cmp);
    printf("bench adam_rows form=%s rows=%d dim=%d us_per_step=%.2f\n",
           seer_cpu_avx512() ? "avx512" : "avx2", ROWS, D, us[RUNS / 2]);
    free(table), free(g), free(m), free(v), free(ids);
}

int main(void) {
    seer_rng r;
    seer_rng_init(&r, 1);
    dense(39233, &r);    // the seed mlp 64-32 on Criteo-layout rows
    dense(738001, &r);   // deepfm 400-400-400
    rows(&r);
    return 0;
}
