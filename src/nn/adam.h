// Adam (Kingma & Ba 2015, Algorithm 1), dense and lazy-by-row.
//
// w -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps), the
// arrangement PyTorch's Adam uses, so golden trajectories match to rounding.
// The lazy form updates only the rows a batch touched, with the global step t,
// and follows PyTorch's SparseAdam, which places eps differently:
// w -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps).
#ifndef SEER_NN_ADAM_H
#define SEER_NN_ADAM_H

#include <stddef.h>
#include <stdint.h>

#include "nn/follow.h"

typedef struct {
    float lr;
    float beta1;
    float beta2;
    float eps;
} seer_adam_config;

// w, m, v, g (n). t counts steps from 1. follow: an average to move after it, or NULL.
void seer_adam_step(float *w, float *m, float *v, const float *g, size_t n,
                    const seer_adam_config *c, long t, const seer_follow *follow);
// For each i < n_rows: the row r = rows[i] of table, m and v (each (rows, D))
// takes one Adam step with gradient grad_rows (n_rows, D) row i; follow (or NULL): an average
// of the table, whose row r moves by keep_rows[i].
void seer_adam_rows_step(float *table, float *m, float *v, const uint32_t *rows,
                         const float *grad_rows, size_t n_rows, size_t D,
                         const seer_adam_config *c, long t, const seer_follow *follow);

#endif
