// Logistic regression: logit = bias + sum_f w(id_f) + w_dense . dense.
// The per-token weights are the width-1 embedding table, so x0 already holds
// them: x0 = [w(id_1) .. w(id_F) | dense], and the model adds it up.
#include "models/net.h"
#include "nn/interaction.h"

// The model's own parameters: w_dense (n_dense), then the bias.
static void lr_plan(const seer_net_config *c, seer_net_plan *p) {
    p->D = 1;
    p->extra = c->n_dense + 1;
}

// Its sums a row, forward and backward: F + 2nd each way.
static double lr_flops(const seer_net_config *c) {
    return 2.0 * (double)c->n_fields + 4.0 * (double)c->n_dense;
}

static void lr_init(seer_net *n, seer_rng *r) {
    seer_net_init_linear(n->extra, n->extra + n->cfg.n_dense, n->cfg.n_dense, 1, r);
}

// x0's first F columns are the gathered weights; its dense part starts at F.
static void lr_forward(seer_net *n, size_t B) {
    size_t F = n->cfg.n_fields, nd = n->cfg.n_dense;
    for (size_t b = 0; b < B; b++) {
        const float *x = n->x0 + b * n->n_in;
        float z = n->extra[nd];
        for (size_t f = 0; f < F; f++) z += x[f];
        for (size_t j = 0; j < nd; j++) z += n->extra[j] * x[F + j];
        n->logit[b] = z;
    }
}

static void lr_backward(seer_net *n, size_t B) {
    size_t F = n->cfg.n_fields, nd = n->cfg.n_dense;
    for (size_t b = 0; b < B; b++) {
        const float *x = n->x0 + b * n->n_in;
        float *dx = n->dx0 + b * n->n_in;
        float g = n->dlogit[b];
        n->dextra[nd] += g;
        for (size_t f = 0; f < F; f++) dx[f] += g;
        for (size_t j = 0; j < nd; j++) n->dextra[j] += g * x[F + j];
    }
}

const seer_model_ops seer_model_lr = {
    .name = "lr",
    .kind = SEER_MODEL_LR,
    .plan = lr_plan,
    .init = lr_init,
    .forward = lr_forward,
    .backward = lr_backward,
    .batch = 256,
    .flops = lr_flops,
};
