// bpr's batch, open to the tests: the loss of a batch of (user, positive, negative) triples
// and its gradient into the gathered rows of the three tables (rec/row_table.h).
#ifndef SEER_REC_BPR_H
#define SEER_REC_BPR_H

#include <stddef.h>
#include <stdint.h>

#include "rec/row_table.h"

// The scratch of a batch of up to cap triples with D-dim factors.
typedef struct {
    float *pu, *dpu;     // (cap, D) the users' rows and their gradients
    float *q, *dq;       // (2 cap, D) the positives' rows, then the negatives'
    float *bq, *dbq;     // (2 cap) their biases
    float *x, *dx;       // (cap) score differences
    size_t cap, D;
} seer_bpr_batch_ws;

int seer_bpr_batch_ws_init(seer_bpr_batch_ws *ws, size_t cap, size_t D);
void seer_bpr_batch_ws_free(seer_bpr_batch_ws *ws);

// users (B), items (2B): row b's positive items[b], its negative items[B + b]. Gathers the
// rows of user (user factors), item (item factors) and bias (item biases, (n_items, 1)),
// returns the batch's loss, mean over b of
//   softplus(-(p_u . (q_i - q_j) + b_i - b_j)) + reg (|p_u|^2 + |q_i|^2 + |q_j|^2),
// and writes its gradient into the tables' drows (zeroed by the gather).
double seer_bpr_batch(seer_bpr_batch_ws *ws, seer_rec_table *user, seer_rec_table *item,
                      seer_rec_table *bias, const uint32_t *users, const uint32_t *items,
                      size_t B, float reg);

#endif
