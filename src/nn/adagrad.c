// Adagrad updates.
#include "nn/adagrad.h"

#include <math.h>

// One update of n weights, and the average a (or NULL) following them by keep (nn/follow.h).
static void adagrad_update(float *restrict w, float *restrict G, const float *restrict g,
                           float *restrict a, float keep, size_t n, float lr, float eps) {
    for (size_t i = 0; i < n; i++) {
        G[i] += g[i] * g[i];
        w[i] -= lr * g[i] / (sqrtf(G[i]) + eps);
        if (a) a[i] = w[i] + (a[i] - w[i]) * keep;
    }
}

void seer_adagrad_step(float *w, float *G, const float *g, size_t n, float lr, float eps,
                       const seer_follow *follow) {
    adagrad_update(w, G, g, follow ? follow->avg : NULL, follow ? follow->keep : 0.0f, n, lr,
                   eps);
}

void seer_adagrad_rows_step(float *table, float *G, const uint32_t *rows, const float *grad_rows,
                            size_t n_rows, size_t D, float lr, float eps,
                            const seer_follow *follow) {
    float *avg = follow ? follow->avg : NULL;
    for (size_t i = 0; i < n_rows; i++) {
        if (i + 8 < n_rows) {
            __builtin_prefetch(table + (size_t)rows[i + 8] * D, 1);
            __builtin_prefetch(G + (size_t)rows[i + 8] * D, 1);
            if (avg) __builtin_prefetch(avg + (size_t)rows[i + 8] * D, 1);
        }
        size_t off = (size_t)rows[i] * D;
        adagrad_update(table + off, G + off, grad_rows + i * D, avg ? avg + off : NULL,
                       avg ? follow->keep_rows[i] : 0.0f, D, lr, eps);
    }
}
