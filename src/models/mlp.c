// The reference model: x0 -> [Linear -> ReLU] x n_hidden -> Linear -> logit.
// With --hidden 64,32: Dense 64 ReLU, Dense 32 ReLU, Dense 1 (the sigmoid is in the loss).
#include <stddef.h>

#include "models/net.h"
#include "nn/layers.h"

static void mlp_shape(const seer_net_config *c, size_t n_in, size_t *in, size_t *out,
                      size_t *n_layers) {
    size_t width = n_in;
    for (size_t l = 0; l < c->n_hidden; l++) {
        in[l] = width;
        out[l] = c->hidden[l];
        width = c->hidden[l];
    }
    in[c->n_hidden] = width;
    out[c->n_hidden] = 1;
    *n_layers = c->n_hidden + 1;
}

static void mlp_sizes(const seer_net_config *c, size_t *n_params, size_t *n_act) {
    size_t in[SEER_LAYERS_MAX], out[SEER_LAYERS_MAX], L;
    mlp_shape(c, c->n_fields * c->emb_dim + c->n_dense, in, out, &L);
    *n_params = 0;
    *n_act = 0;
    for (size_t l = 0; l < L; l++) {
        *n_params += in[l] * out[l] + out[l];
        if (l + 1 < L) *n_act += out[l];
    }
}

static void mlp_bind(seer_net *n) {
    mlp_shape(&n->cfg, n->n_in, n->layer_in, n->layer_out, &n->n_layers);
    size_t p = 0, a = 0, B = n->cfg.batch_cap;
    for (size_t l = 0; l < n->n_layers; l++) {
        size_t nw = n->layer_in[l] * n->layer_out[l];
        n->w[l] = n->params + p;
        n->dw[l] = n->grads + p;
        n->b[l] = n->params + p + nw;
        n->db[l] = n->grads + p + nw;
        p += nw + n->layer_out[l];
        if (l + 1 < n->n_layers) {
            n->h[l] = n->act + a;
            n->dh[l] = n->dact + a;
            a += B * n->layer_out[l];
        }
    }
}

static void mlp_init(seer_net *n, seer_rng *r) {
    for (size_t l = 0; l < n->n_layers; l++)
        seer_net_init_linear(n->w[l], n->b[l], n->layer_in[l], n->layer_out[l], r);
}

static void mlp_forward(seer_net *n, size_t B) {
    const float *x = n->x0;
    size_t last = n->n_layers - 1;
    for (size_t l = 0; l < last; l++) {
        seer_linear_forward(n->h[l], x, n->w[l], n->b[l], B, n->layer_in[l], n->layer_out[l]);
        seer_relu_forward(n->h[l], n->h[l], B * n->layer_out[l]);
        x = n->h[l];
    }
    seer_linear_forward(n->logit, x, n->w[last], n->b[last], B, n->layer_in[last], 1);
}

static void mlp_backward(seer_net *n, size_t B) {
    size_t last = n->n_layers - 1;
    for (size_t l = 0; l < last; l++)
        for (size_t i = 0; i < B * n->layer_out[l]; i++) n->dh[l][i] = 0.0f;
    const float *x_last = last ? n->h[last - 1] : n->x0;
    float *dx_last = last ? n->dh[last - 1] : n->dx0;
    seer_linear_backward(dx_last, n->dw[last], n->db[last], n->dlogit, x_last, n->w[last], B,
                         n->layer_in[last], 1);
    for (size_t l = last; l-- > 0;) {
        // h[l] holds the ReLU output; dh[l] the gradient w.r.t. it. Mask in place.
        float *dh = n->dh[l];
        const float *h = n->h[l];
        for (size_t i = 0; i < B * n->layer_out[l]; i++) dh[i] = h[i] > 0.0f ? dh[i] : 0.0f;
        const float *x = l ? n->h[l - 1] : n->x0;
        float *dx = l ? n->dh[l - 1] : n->dx0;
        seer_linear_backward(dx, n->dw[l], n->db[l], dh, x, n->w[l], B, n->layer_in[l],
                             n->layer_out[l]);
    }
}

const seer_model_ops seer_model_mlp = {
    .name = "mlp",
    .sizes = mlp_sizes,
    .bind = mlp_bind,
    .init = mlp_init,
    .forward = mlp_forward,
    .backward = mlp_backward,
};
