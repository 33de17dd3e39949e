// Logistic regression: logit = bias + sum_f w(id_f) + w_dense . dense.
// The per-token weights are the width-1 embedding table, so x0 already holds
// them: x0 = [w(id_1) .. w(id_F) | dense], and the model adds it up.
#include <stddef.h>

#include "models/net.h"

static void lr_sizes(const seer_net_config *c, size_t *n_params, size_t *n_act) {
    *n_params = c->n_dense + 1;
    *n_act = 0;
}

static void lr_bind(seer_net *n) {
    n->n_layers = 1;
    n->layer_in[0] = n->cfg.n_dense;
    n->layer_out[0] = 1;
    n->w[0] = n->params;
    n->dw[0] = n->grads;
    n->b[0] = n->params + n->cfg.n_dense;
    n->db[0] = n->grads + n->cfg.n_dense;
}

static void lr_init(seer_net *n, seer_rng *r) {
    seer_net_init_linear(n->w[0], n->b[0], n->cfg.n_dense, 1, r);
}

static void lr_forward(seer_net *n, size_t B) {
    size_t F = n->cfg.n_fields, nd = n->cfg.n_dense;
    for (size_t b = 0; b < B; b++) {
        const float *x = n->x0 + b * n->n_in;
        float z = n->b[0][0];
        for (size_t f = 0; f < F; f++) z += x[f];
        for (size_t j = 0; j < nd; j++) z += n->w[0][j] * x[F + j];
        n->logit[b] = z;
    }
}

static void lr_backward(seer_net *n, size_t B) {
    size_t F = n->cfg.n_fields, nd = n->cfg.n_dense;
    for (size_t b = 0; b < B; b++) {
        const float *x = n->x0 + b * n->n_in;
        float *dx = n->dx0 + b * n->n_in;
        float g = n->dlogit[b];
        n->db[0][0] += g;
        for (size_t f = 0; f < F; f++) dx[f] += g;
        for (size_t j = 0; j < nd; j++) {
            n->dw[0][j] += g * x[F + j];
            dx[F + j] += g * n->w[0][j];
        }
    }
}

const seer_model_ops seer_model_lr = {
    .name = "lr",
    .sizes = lr_sizes,
    .bind = lr_bind,
    .init = lr_init,
    .forward = lr_forward,
    .backward = lr_backward,
};
