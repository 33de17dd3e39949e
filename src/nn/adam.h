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

typedef struct {
    float lr;
    float beta1;
    float beta2;
    float eps;
} seer_adam_config;

// An average that follows the weights an update moves (train/average.h keeps it): right after
// each weight's update, in the same pass, avg = w + (avg - w) * keep, so that the rows are
// fetched once for both (a pass of its own was 10-12% of an mlp's loop). avg is shaped as the
// weights (the dense block, or the whole table); keep is one share for every weight of a
// dense step, keep_rows (n_rows) one a row of a row step. The bits are those of the update
// followed by that expression.
typedef struct {
    float *avg;
    float keep;
    const float *keep_rows;
} seer_adam_follow;

// w, m, v, g (n). t counts steps from 1. follow: an average to move after it, or NULL.
void seer_adam_step(float *w, float *m, float *v, const float *g, size_t n,
                    const seer_adam_config *c, long t, const seer_adam_follow *follow);
// For each i < n_rows: the row r = rows[i] of table, m and v (each (rows, D))
// takes one Adam step with gradient grad_rows (n_rows, D) row i; follow (or NULL): an average
// of the table, whose row r moves by keep_rows[i].
void seer_adam_rows_step(float *table, float *m, float *v, const uint32_t *rows,
                         const float *grad_rows, size_t n_rows, size_t D,
                         const seer_adam_config *c, long t, const seer_adam_follow *follow);

#endif
