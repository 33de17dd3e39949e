// Adagrad (Duchi et al. 2011), dense and lazy-by-row, as PyTorch computes it
// with initial accumulator 0: G += g^2; w -= lr * g / (sqrt(G) + eps).
// The lazy form updates only the rows a batch touched; rows not seen keep
// their accumulators, so it is exact for sparse gradients.
#ifndef SEER_NN_ADAGRAD_H
#define SEER_NN_ADAGRAD_H

#include <stddef.h>
#include <stdint.h>

#include "nn/follow.h"

// w, G, g (n). follow: an average to move after it (nn/follow.h), or NULL.
void seer_adagrad_step(float *w, float *G, const float *g, size_t n, float lr, float eps,
                       const seer_follow *follow);
// For each i < n_rows: row rows[i] of table and G (each (rows, D)) takes one
// step with grad_rows (n_rows, D) row i; follow (or NULL): an average of the table, whose row
// rows[i] moves by keep_rows[i].
void seer_adagrad_rows_step(float *table, float *G, const uint32_t *rows, const float *grad_rows,
                            size_t n_rows, size_t D, float lr, float eps,
                            const seer_follow *follow);

#endif
