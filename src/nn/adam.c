// Adam updates.
#include "nn/adam.h"

#include <math.h>

#include "base/cpu.h"

// Rows this far ahead are prefetched: the table rows of a batch are scattered
// over a table far larger than the caches, so the loop would otherwise wait
// on memory for every row (measured: 5% of a Criteo-like epoch before).
#define PREFETCH_AHEAD 8

// One update of n contiguous weights, bias corrections precomputed, and the average a (or
// NULL) following them by keep. The arrays never overlap; restrict lets the loop vectorise
// without checks (the test of a is the loop's own: -O3 takes it out of the loop). Inlined
// into each instruction-set variant of the loops below.
static inline __attribute__((always_inline)) void adam_update(
    float *restrict w, float *restrict m, float *restrict v, const float *restrict g,
    float *restrict a, float keep, size_t n, float b1, float b2, float eps, float step,
    float inv_sqrt_bc2) {
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        w[i] -= step * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
        if (a) a[i] = w[i] + (a[i] - w[i]) * keep;
    }
}

static inline __attribute__((always_inline)) void adam_rows(
    float *table, float *m, float *v, const uint32_t *rows, const float *grad_rows,
    size_t n_rows, size_t D, float b1, float b2, float eps, float step,
    const seer_follow *f) {
    float *avg = f ? f->avg : NULL;
    for (size_t i = 0; i < n_rows; i++) {
        if (i + PREFETCH_AHEAD < n_rows) {
            size_t ahead = (size_t)rows[i + PREFETCH_AHEAD] * D;
            for (size_t k = 0; k < D; k += 16) {
                __builtin_prefetch(table + ahead + k, 1);
                __builtin_prefetch(m + ahead + k, 1);
                __builtin_prefetch(v + ahead + k, 1);
                if (avg) __builtin_prefetch(avg + ahead + k, 1);
            }
        }
        size_t off = (size_t)rows[i] * D;
        adam_update(table + off, m + off, v + off, grad_rows + i * D, avg ? avg + off : NULL,
                    avg ? f->keep_rows[i] : 0.0f, D, b1, b2, eps, step, 1.0f);
    }
}

// The two loops in 512-bit vectors. Adam is bound by its division and square root, and
// sixteen lanes do twice the work of eight an instruction where the CPU has full-width units
// (Zen 5: the seed mlp's 39,233 weights 8.1 -> 5.3 us a step, bench/bench_adam). The bits are
// the same: both operations round exactly, and the same expression contracts to the same FMAs.
#if SEER_HAVE_AVX512_CLONES
SEER_TARGET_AVX512 static void adam_update_avx512(float *w, float *m, float *v, const float *g,
                                                  float *a, float keep, size_t n, float b1,
                                                  float b2, float eps, float step,
                                                  float inv_sqrt_bc2) {
    adam_update(w, m, v, g, a, keep, n, b1, b2, eps, step, inv_sqrt_bc2);
}

SEER_TARGET_AVX512 static void adam_rows_avx512(float *table, float *m, float *v,
                                                const uint32_t *rows, const float *grad_rows,
                                                size_t n_rows, size_t D, float b1, float b2,
                                                float eps, float step,
                                                const seer_follow *f) {
    adam_rows(table, m, v, rows, grad_rows, n_rows, D, b1, b2, eps, step, f);
}
#endif

static void adam_update_any(float *w, float *m, float *v, const float *g, float *a, float keep,
                            size_t n, float b1, float b2, float eps, float step,
                            float inv_sqrt_bc2) {
#if SEER_HAVE_AVX512_CLONES
    if (seer_cpu_avx512()) {
        adam_update_avx512(w, m, v, g, a, keep, n, b1, b2, eps, step, inv_sqrt_bc2);
        return;
    }
#endif
    adam_update(w, m, v, g, a, keep, n, b1, b2, eps, step, inv_sqrt_bc2);
}

void seer_adam_step(float *w, float *m, float *v, const float *g, size_t n,
                    const seer_adam_config *c, long t, const seer_follow *follow) {
    double bc1 = 1.0 - pow(c->beta1, (double)t);
    double bc2 = 1.0 - pow(c->beta2, (double)t);
    adam_update_any(w, m, v, g, follow ? follow->avg : NULL, follow ? follow->keep : 0.0f, n,
                    c->beta1, c->beta2, c->eps, (float)(c->lr / bc1), (float)(1.0 / sqrt(bc2)));
}

void seer_adam_rows_step(float *table, float *m, float *v, const uint32_t *rows,
                         const float *grad_rows, size_t n_rows, size_t D,
                         const seer_adam_config *c, long t, const seer_follow *follow) {
    // SparseAdam's arrangement (torch/optim/_functional.py, sparse_adam):
    // w -= lr * sqrt(bc2) / bc1 * m / (sqrt(v) + eps). It differs from the dense
    // one only in eps, which acts as eps / sqrt(bc2) there: visible for small
    // gradients in the first steps.
    double bc1 = 1.0 - pow(c->beta1, (double)t);
    double bc2 = 1.0 - pow(c->beta2, (double)t);
    float step = (float)(c->lr * sqrt(bc2) / bc1);
#if SEER_HAVE_AVX512_CLONES
    if (seer_cpu_avx512()) {
        adam_rows_avx512(table, m, v, rows, grad_rows, n_rows, D, c->beta1, c->beta2, c->eps,
                         step, follow);
        return;
    }
#endif
    adam_rows(table, m, v, rows, grad_rows, n_rows, D, c->beta1, c->beta2, c->eps, step, follow);
}
