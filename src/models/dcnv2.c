// DCN-v2 (Wang et al. 2021) with full-rank cross layers over x0 = [e | dense]:
//   x_{l+1} = x0 * (W_l x_l + b_l) + x_l,   l = 0 .. C-1
// parallel (default): logit = Linear([x_C, deep(x0)]); stacked: Linear(deep(x_C)).
//
// Layers: 0 .. C-1 the cross layers' linear parts (d, d), their outputs u_l in
// h[l]; C .. C+H-1 the deep stack; C+H the output layer. Scratch per row: the
// cross outputs x_1 .. x_C (C * d), then, for the parallel form, the
// concatenation [x_C, deep] fed to the output layer. The backward needs one gradient of d a row
// (the start of dscratch): that of x_C, which becomes that of each x_l in turn, in place, since
// x_l's gradient is x_{l+1}'s (the identity) plus what layer l's product adds.
#include <string.h>

#include "models/net.h"
#include "models/stack.h"
#include "nn/gemm.h"
#include "nn/interaction.h"
#include "nn/layers.h"

static size_t deep_width(const seer_net_config *c, size_t d) {
    return c->n_hidden ? c->hidden[c->n_hidden - 1] : d;
}

static void dcn_plan(const seer_net_config *c, seer_net_plan *p) {
    size_t d = c->n_fields * c->emb_dim + c->n_dense, C = c->n_cross, H = c->n_hidden;
    p->D = c->emb_dim;
    for (size_t l = 0; l < C; l++) {
        p->in[l] = d;
        p->out[l] = d;
    }
    size_t width = seer_stack_plan(p, C, c->hidden, H, d);
    p->in[C + H] = c->stacked ? width : d + deep_width(c, d);
    p->out[C + H] = seer_net_outputs(c);  // the head
    p->n_layers = C + H + 1;
    p->scratch = C * d + (c->stacked ? 0 : d + deep_width(c, d));
    p->scratch_forward_only = p->scratch - (C ? d : 0);
}

// The cross layers' elementwise part a row (interaction.c): 2d forward, 5d backward each.
static double dcn_flops(const seer_net_config *c) {
    double d = (double)(c->n_fields * c->emb_dim + c->n_dense);
    return 7.0 * d * (double)c->n_cross;
}

// A ziln head's weights start at 0, so that its first outputs are its bias, the data's answer
// (seer_net_init_head): the cross layers multiply standardised inputs, and on outlying rows of
// a small table their products reach thousands, which a random head turned into sigma at its
// floor and a first epoch's loss in the millions (CDNOW's customers: BENCHMARKS.md).
static void dcn_init(seer_net *n, seer_rng *r) {
    seer_stack_init(n, 0, n->n_layers, r);
    size_t h = n->n_layers - 1;
    if (n->cfg.task == SEER_TASK_ZILN)
        memset(n->w[h], 0, n->layer_in[h] * n->layer_out[h] * sizeof *n->w[h]);
}

static void dcn_forward(seer_net *n, size_t B) {
    seer_precision prec = seer_net_precision(n);
    size_t d = n->n_in, C = n->cfg.n_cross, H = n->cfg.n_hidden, out = C + H;
    const float *xl = n->x0;
    for (size_t l = 0; l < C; l++) {
        float *next = n->scratch + l * B * d;
        seer_net_linear_forward(n, l, n->h[l], xl, B);
        seer_cross_forward(next, n->x0, n->h[l], xl, B * d);
        xl = next;
    }
    if (n->cfg.stacked) {
        seer_tower_forward(n, C, H, xl, n->logit, B);
        return;
    }
    seer_stack_forward(n, C, H, n->x0, B);
    const float *deep = H ? n->h[out - 1] : n->x0;
    size_t dw = deep_width(&n->cfg, d), ld = d + dw;
    float *cat = n->scratch + C * B * d;
    for (size_t b = 0; b < B; b++) {
        memcpy(cat + b * ld, xl + b * d, d * sizeof(float));
        memcpy(cat + b * ld + d, deep + b * dw, dw * sizeof(float));
    }
    seer_linear_forward(n->logit, cat, n->w[out], n->b[out], B, ld, n->layer_out[out], prec);
}

static void dcn_backward(seer_net *n, size_t B) {
    seer_precision prec = seer_net_precision(n);
    size_t d = n->n_in, C = n->cfg.n_cross, H = n->cfg.n_hidden, out = C + H;
    const float *xC = C ? n->scratch + (C - 1) * B * d : n->x0;
    float *g = C ? n->dscratch : n->dx0;  // x_C's gradient; then x_l's, down to x_1
    if (n->cfg.stacked) {
        seer_tower_backward(n, C, H, xC, g, n->dlogit, B);
    } else {
        // The output layer over [x_C, deep]: its weights' gradient from the saved concatenation,
        // and its input's gradient added straight into x_C's and the deep part's, the two
        // column blocks of its weights (no concatenated gradient to split).
        size_t dw = deep_width(&n->cfg, d), ld = d + dw, n_out = n->layer_out[out];
        const float *cat = n->scratch + C * B * d, *w = n->w[out];
        float *ddeep = H ? n->dh[out - 1] : n->dx0;
        seer_linear_backward(NULL, n->dw[out], n->db[out], n->dlogit, cat, w, B, ld, n_out, prec);
        seer_gemm_in(prec, 0, 0, B, d, n_out, 1.0f, n->dlogit, n_out, w, ld, 1.0f, g, d);
        seer_gemm_in(prec, 0, 0, B, dw, n_out, 1.0f, n->dlogit, n_out, w + d, ld, 1.0f, ddeep, dw);
        seer_stack_backward(n, C, H, n->x0, n->dx0, B);
    }
    for (size_t l = C; l-- > 0;) {
        const float *xl = l ? n->scratch + (l - 1) * B * d : n->x0;
        float *dxl = l ? g : n->dx0;
        seer_cross_backward(n->dh[l], n->db[l], n->dx0, l ? NULL : n->dx0, g, n->x0, n->h[l], B,
                            d);
        seer_net_linear_backward(n, l, dxl, NULL, n->dh[l], xl, B);
    }
}

// Three cross layers.
static void dcn_defaults(seer_net_config *c) {
    seer_stack_defaults(c);
    c->n_cross = 3;
}

const seer_model_ops seer_model_dcnv2 = {
    .name = "dcnv2",
    .kind = SEER_MODEL_DCNV2,
    .plan = dcn_plan,
    .init = dcn_init,
    .forward = dcn_forward,
    .backward = dcn_backward,
    .defaults = dcn_defaults,
    .batch = 1024,
    .flops = dcn_flops,
    .any_task = 1,
};
