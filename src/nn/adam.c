// Adam updates.
#include "nn/adam.h"

#include <math.h>

// Rows this far ahead are prefetched: the table rows of a batch are scattered
// over a table far larger than the caches, so the loop would otherwise wait
// on memory for every row (measured: 5% of a Criteo-like epoch before).
#define PREFETCH_AHEAD 8

// One update of n contiguous weights, bias corrections precomputed. The
// arrays never overlap; restrict lets the loop vectorise without checks.
static void adam_update(float *restrict w, float *restrict m, float *restrict v,
                        const float *restrict g, size_t n, float b1, float b2, float eps,
                        float step, float inv_sqrt_bc2) {
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        w[i] -= step * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
    }
}

void seer_adam_step(float *w, float *m, float *v, const float *g, size_t n,
                    const seer_adam_config *c, long t) {
    double bc1 = 1.0 - pow(c->beta1, (double)t);
    double bc2 = 1.0 - pow(c->beta2, (double)t);
    adam_update(w, m, v, g, n, c->beta1, c->beta2, c->eps, (float)(c->lr / bc1),
                (float)(1.0 / sqrt(bc2)));
}

void seer_adam_rows_step(float *table, float *m, float *v, const uint32_t *rows,
                         const float *grad_rows, size_t n_rows, size_t D,
                         const seer_adam_config *c, long t) {
    // SparseAdam's arrangement (torch/optim/_functional.py, sparse_adam):
    // w -= lr * sqrt(bc2) / bc1 * m / (sqrt(v) + eps). It differs from the dense
    // one only in eps, which acts as eps / sqrt(bc2) there: visible for small
    // gradients in the first steps.
    double bc1 = 1.0 - pow(c->beta1, (double)t);
    double bc2 = 1.0 - pow(c->beta2, (double)t);
    float step = (float)(c->lr * sqrt(bc2) / bc1), inv_sqrt_bc2 = 1.0f;
    for (size_t i = 0; i < n_rows; i++) {
        if (i + PREFETCH_AHEAD < n_rows) {
            size_t ahead = (size_t)rows[i + PREFETCH_AHEAD] * D;
            for (size_t k = 0; k < D; k += 16) {
                __builtin_prefetch(table + ahead + k, 1);
                __builtin_prefetch(m + ahead + k, 1);
                __builtin_prefetch(v + ahead + k, 1);
            }
        }
        size_t off = (size_t)rows[i] * D;
        adam_update(table + off, m + off, v + off, grad_rows + i * D, D, c->beta1, c->beta2,
                    c->eps, step, inv_sqrt_bc2);
    }
}
