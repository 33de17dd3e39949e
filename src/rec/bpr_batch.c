// bpr's batch: gather the triples' rows, the BPR score and loss with L2, the gradients into
// the tables' gathered rows; see bpr.h.
#include "rec/bpr.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "nn/bpr_loss.h"
#include "nn/embedding.h"
#include "seer.h"

int seer_bpr_batch_ws_init(seer_bpr_batch_ws *ws, size_t cap, size_t D) {
    memset(ws, 0, sizeof *ws);
    ws->cap = cap;
    ws->D = D;
    ws->pu = malloc(cap * D * sizeof *ws->pu);
    ws->dpu = malloc(cap * D * sizeof *ws->dpu);
    ws->q = malloc(2 * cap * D * sizeof *ws->q);
    ws->dq = malloc(2 * cap * D * sizeof *ws->dq);
    ws->bq = malloc(2 * cap * sizeof *ws->bq);
    ws->dbq = malloc(2 * cap * sizeof *ws->dbq);
    ws->x = malloc(cap * sizeof *ws->x);
    ws->dx = malloc(cap * sizeof *ws->dx);
    if (!ws->pu || !ws->dpu || !ws->q || !ws->dq || !ws->bq || !ws->dbq || !ws->x || !ws->dx) {
        seer_bpr_batch_ws_free(ws);
        return seer_errorf(SEER_ENOMEM, "out of memory for a bpr batch of %zu", cap);
    }
    return SEER_OK;
}

void seer_bpr_batch_ws_free(seer_bpr_batch_ws *ws) {
    SEER_FREE_ALL(ws->pu, ws->dpu, ws->q, ws->dq, ws->bq, ws->dbq, ws->x, ws->dx);
    memset(ws, 0, sizeof *ws);
}

// The sum of x[k]^2 (n) in 16 float lanes, so that it vectorises (one double accumulator
// took a quarter of a batch's time); the lanes are summed in double.
static double sum_squares(const float *x, size_t n) {
    float lane[16] = {0};
    size_t k = 0;
    for (; k + 16 <= n; k += 16)
        for (size_t j = 0; j < 16; j++) lane[j] += x[k + j] * x[k + j];
    double s = 0.0;
    for (; k < n; k++) s += (double)x[k] * x[k];
    for (size_t j = 0; j < 16; j++) s += lane[j];
    return s;
}

// dst (n, D) += a * src (n, D): the L2 term's gradient.
static void add_scaled(float *dst, const float *src, float a, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] += a * src[i];
}

double seer_bpr_batch(seer_bpr_batch_ws *ws, seer_rec_table *user, seer_rec_table *item,
                      seer_rec_table *bias, const uint32_t *users, const uint32_t *items,
                      size_t B, float reg) {
    size_t D = ws->D;
    seer_rec_table_gather(user, users, B);
    seer_rec_table_gather(item, items, 2 * B);
    seer_rec_table_gather(bias, items, 2 * B);
    seer_embedding_forward(ws->pu, D, user->w, users, B, 1, D);
    seer_embedding_forward(ws->q, D, item->w, items, 2 * B, 1, D);
    seer_embedding_forward(ws->bq, 1, bias->w, items, 2 * B, 1, 1);
    const float *qi = ws->q, *qj = ws->q + B * D;
    seer_bpr_score_forward(ws->x, ws->pu, qi, qj, ws->bq, ws->bq + B, B, D);
    double l2 = sum_squares(ws->pu, B * D) + sum_squares(ws->q, 2 * B * D);
    double loss = (seer_bpr_loss_forward(ws->x, B) + reg * l2) / (double)B;

    memset(ws->dx, 0, B * sizeof *ws->dx);
    memset(ws->dpu, 0, B * D * sizeof *ws->dpu);
    memset(ws->dq, 0, 2 * B * D * sizeof *ws->dq);
    memset(ws->dbq, 0, 2 * B * sizeof *ws->dbq);
    seer_bpr_loss_backward(ws->dx, ws->x, 1.0f / (float)B, B);
    seer_bpr_score_backward(ws->dpu, ws->dq, ws->dq + B * D, ws->dbq, ws->dbq + B, ws->dx,
                            ws->pu, qi, qj, B, D);
    add_scaled(ws->dpu, ws->pu, 2.0f * reg / (float)B, B * D);
    add_scaled(ws->dq, ws->q, 2.0f * reg / (float)B, 2 * B * D);
    seer_embedding_backward(user->drows, user->slot, ws->dpu, D, B, 1, D);
    seer_embedding_backward(item->drows, item->slot, ws->dq, D, 2 * B, 1, D);
    seer_embedding_backward(bias->drows, bias->slot, ws->dbq, 1, 2 * B, 1, 1);
    return loss;
}
