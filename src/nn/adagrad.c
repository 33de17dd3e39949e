// Adagrad updates.
#include "nn/adagrad.h"

#include <math.h>

static void adagrad_update(float *restrict w, float *restrict G, const float *restrict g, size_t n,
                           float lr, float eps) {
    for (size_t i = 0; i < n; i++) {
        G[i] += g[i] * g[i];
        w[i] -= lr * g[i] / (sqrtf(G[i]) + eps);
    }
}

void seer_adagrad_step(float *w, float *G, const float *g, size_t n, float lr, float eps) {
    adagrad_update(w, G, g, n, lr, eps);
}

void seer_adagrad_rows_step(float *table, float *G, const uint32_t *rows, const float *grad_rows,
                            size_t n_rows, size_t D, float lr, float eps) {
    for (size_t i = 0; i < n_rows; i++) {
        if (i + 8 < n_rows) {
            __builtin_prefetch(table + (size_t)rows[i + 8] * D, 1);
            __builtin_prefetch(G + (size_t)rows[i + 8] * D, 1);
        }
        size_t off = (size_t)rows[i] * D;
        adagrad_update(table + off, G + off, grad_rows + i * D, D, lr, eps);
    }
}
