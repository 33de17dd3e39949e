// Linear-ReLU stacks; see stack.h.
#include "models/stack.h"

#include <string.h>

#include "nn/layers.h"

void seer_stack_defaults(seer_net_config *c) {
    memset(c->hidden, 0, sizeof c->hidden);
    c->n_hidden = 3;
    c->hidden[0] = c->hidden[1] = c->hidden[2] = 400;
}

size_t seer_stack_plan(seer_net_plan *p, size_t first, const size_t *hidden, size_t count,
                       size_t n_in) {
    size_t width = n_in;
    for (size_t l = 0; l < count; l++) {
        p->in[first + l] = width;
        p->out[first + l] = hidden[l];
        width = hidden[l];
    }
    return width;
}

// Inverted dropout (Srivastava et al. 2014) on a ReLU output, in place: each
// unit is zeroed with probability p, the others scaled by 1 / (1 - p). A
// dropped unit reads 0 like an inactive one, so the backward's ReLU mask
// covers it; the kept ones carry the scale, applied there too.
static void dropout_forward(float *h, size_t n, float p, seer_rng *r) {
    float scale = 1.0f / (1.0f - p);
    uint64_t keep_below = (uint64_t)((1.0 - (double)p) * 18446744073709551616.0);
    for (size_t i = 0; i < n; i++) h[i] = seer_rng_next(r) < keep_below ? h[i] * scale : 0.0f;
}

static float dropout_scale(const seer_net *n) {
    return n->training && n->cfg.dropout > 0 ? 1.0f / (1.0f - n->cfg.dropout) : 1.0f;
}

void seer_stack_forward(seer_net *n, size_t first, size_t count, const float *x, size_t B) {
    for (size_t l = first; l < first + count; l++) {
        seer_net_linear_relu_forward(n, l, n->h[l], x, B);
        if (n->training && n->cfg.dropout > 0)
            dropout_forward(n->h[l], B * n->layer_out[l], n->cfg.dropout, &n->drop_rng);
        x = n->h[l];
    }
}

void seer_stack_backward(seer_net *n, size_t first, size_t count, const float *x, float *dx,
                         size_t B) {
    float scale = dropout_scale(n);
    for (size_t l = first + count; l-- > first;) {
        // h[l] holds the ReLU (and dropout) output, dh[l] the gradient w.r.t. it, which
        // becomes, in place, the gradient w.r.t. the Linear's output (no reader needs the
        // first any more; a separate buffer cost a pass over it), and the bias gets its sum
        // in the same pass. Dropout's backward is the scale of the kept units (a dropped
        // unit's output is 0, so the ReLU's mask covers it).
        seer_relu_bias_backward(n->dh[l], n->db[l], n->dh[l], n->h[l], scale, B, n->layer_out[l]);
        const float *xl = l > first ? n->h[l - 1] : x;
        float *dxl = l > first ? n->dh[l - 1] : dx;
        seer_net_linear_backward(n, l, dxl, NULL, n->dh[l], xl, B);
    }
}

void seer_tower_forward(seer_net *n, size_t first, size_t H, const float *x, float *out,
                        size_t B) {
    size_t top = first + H;
    seer_stack_forward(n, first, H, x, B);
    seer_net_linear_forward(n, top, out, H ? n->h[top - 1] : x, B);
}

void seer_tower_backward(seer_net *n, size_t first, size_t H, const float *x, float *dx,
                         const float *dout, size_t B) {
    size_t top = first + H;
    seer_net_linear_backward(n, top, H ? n->dh[top - 1] : dx, n->db[top], dout,
                             H ? n->h[top - 1] : x, B);
    seer_stack_backward(n, first, H, x, dx, B);
}

void seer_stack_init(seer_net *n, size_t first, size_t count, seer_rng *r) {
    for (size_t l = first; l < first + count; l++)
        seer_net_init_linear(n->w[l], n->b[l], n->layer_in[l], n->layer_out[l], r);
}
