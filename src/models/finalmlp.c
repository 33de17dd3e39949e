// FinalMLP (Mao et al., AAAI 2023), as FuxiCTR's FinalMLP without context
// features (fs1_context = fs2_context = []): two MLP streams over x0, each
// behind its own feature gate, fused by multi-head bilinear aggregation.
//
//   c_s (D) ─Linear─ReLU─Linear─sigmoid─▶ s_s (d)          s = 1, 2; once per batch
//   x_s = x0 * 2 s_s                  (B, d), elementwise in every row
//   o1 = stack1(x_1) (B, H1),  o2 = stack2(x_2) (B, H2)     Linear-ReLU stacks
//   logit = bias + w1.o1 + w2.o2 + sum_k o1_k^T W_k o2_k    seer_bilinear_fusion
//
// A gate's input is a learned context vector c_s, the same for every row, so
// the gate is computed once per batch (in row 0 of its layers' activations)
// and its gradient is a sum over the rows. No dropout in the gates; --dropout
// applies to both streams' stacks.
//
// Layers: 0 and 1 the gate of stream 1 (D -> G with ReLU, G -> d with
// sigmoid), 2 and 3 the gate of stream 2, then stream 1's stack (hidden),
// then stream 2's (hidden2). There is no output layer: the fusion's weights
// are the model's own parameters (extra): c_1 (D), c_2 (D), w1 (H1), w2 (H2),
// bias, W (NH, H1/NH, H2/NH). Scratch per row: x_1 (d), x_2 (d) and the
// fusion's saved products t (H2); the same places of dscratch hold dx_1, dx_2
// and the fusion backward's work buffer.
//
// Init: Xavier uniform for every layer and for w1, w2 (FuxiCTR: Xavier
// normal); W Xavier uniform with FuxiCTR's fans (its w_xy is one
// (NH * H1/NH * H2/NH, 1) matrix), so the bilinear term starts near 0. The
// contexts start uniform in [-0.05, 0.05], like embedding rows. FuxiCTR starts
// them at 0; with zero biases the gate's hidden ReLU then sees exactly 0 and
// passes no gradient, so only the gate's output bias ever learns. Small random
// contexts let the whole gate learn, and it still starts near 1.
#include <math.h>
#include <string.h>

#include "base/error.h"
#include "models/net.h"
#include "models/stack.h"
#include "nn/interaction.h"
#include "nn/layers.h"

enum { GATES = 4 };  // layers of the two gates, before the streams

// The widths of the streams' outputs: their last hidden layers.
static size_t width1(const seer_net_config *c) { return c->hidden[c->n_hidden - 1]; }
static size_t width2(const seer_net_config *c) { return c->hidden2[c->n_hidden2 - 1]; }

// The model's own parameters (n->extra), or their gradients (n->dextra).
typedef struct {
    float *ctx[2];   // (D) each: the gates' context vectors
    float *w1, *w2;  // (H1), (H2)
    float *bias;     // (1)
    float *W;        // (NH, H1/NH, H2/NH)
} own_view;

static own_view own_of(const seer_net *n, float *base) {
    own_view v;
    v.ctx[0] = base;
    v.ctx[1] = base + n->D;
    v.w1 = base + 2 * n->D;
    v.w2 = v.w1 + width1(&n->cfg);
    v.bias = v.w2 + width2(&n->cfg);
    v.W = v.bias + 1;
    return v;
}

// The first stream 400-400-400, the second 800, one head, gates of 64.
static void finalmlp_defaults(seer_net_config *c) {
    seer_stack_defaults(c);
    memset(c->hidden2, 0, sizeof c->hidden2);
    c->n_hidden2 = 1;
    c->hidden2[0] = 800;
    c->n_heads = 1;
    c->gate_hidden = 64;
}

static const char *finalmlp_invalid(const seer_net_config *c) {
    if (c->n_hidden < 1 || c->n_hidden2 < 1)
        return "each stream needs at least one hidden layer (--hidden, --hidden2)";
    if (c->n_hidden > SEER_LAYERS_MAX / 2 || c->n_hidden2 > SEER_LAYERS_MAX / 2 ||
        GATES + c->n_hidden + c->n_hidden2 > SEER_LAYERS_MAX)
        return "the two streams may have 12 hidden layers in all";
    if (c->gate_hidden < 1) return "the feature gates need a hidden width of at least 1";
    if (c->n_heads < 1 || width1(c) % c->n_heads || width2(c) % c->n_heads)
        return "--heads must divide the last width of each stream (--hidden, --hidden2)";
    return NULL;
}

static void finalmlp_plan(const seer_net_config *c, seer_net_plan *p) {
    SEER_ASSERT(finalmlp_invalid(c) == NULL);
    size_t D = c->emb_dim, d = c->n_fields * D + c->n_dense, G = c->gate_hidden;
    size_t H1 = width1(c), H2 = width2(c), NH = c->n_heads;
    p->D = D;
    for (size_t s = 0; s < 2; s++) {
        p->in[2 * s] = D;
        p->out[2 * s] = G;
        p->in[2 * s + 1] = G;
        p->out[2 * s + 1] = d;
    }
    seer_stack_plan(p, GATES, c->hidden, c->n_hidden, d);
    seer_stack_plan(p, GATES + c->n_hidden, c->hidden2, c->n_hidden2, d);
    p->n_layers = GATES + c->n_hidden + c->n_hidden2;
    p->extra = 2 * D + H1 + H2 + 1 + NH * (H1 / NH) * (H2 / NH);
    p->scratch = 2 * d + H2;
    p->n_once = GATES;
}

// A row's operations beyond the layers: each stream's gate applied, 2d forward and 6d backward;
// the bilinear fusion's products, 2 H1 H2 / NH forward and twice that backward, and its dot
// products, 2 H1 + 3 H2 forward and 4 H1 + 6 H2 backward (interaction.c). The gates' layers
// run once a batch (plan.n_once).
static double finalmlp_flops(const seer_net_config *c) {
    double d = (double)(c->n_fields * c->emb_dim + c->n_dense);
    double H1 = (double)width1(c), H2 = (double)width2(c), NH = (double)c->n_heads;
    return 16.0 * d + 6.0 * H1 * H2 / NH + 6.0 * H1 + 9.0 * H2;
}

static void finalmlp_init(seer_net *n, seer_rng *r) {
    const seer_net_config *c = &n->cfg;
    size_t H1 = width1(c), H2 = width2(c), NH = c->n_heads, nw = NH * (H1 / NH) * (H2 / NH);
    seer_stack_init(n, 0, n->n_layers, r);
    own_view p = own_of(n, n->extra);
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; i < n->D; i++) p.ctx[s][i] = (float)(seer_rng_uniform(r) * 0.1 - 0.05);
    seer_net_init_linear(p.w1, p.bias, H1, 1, r);
    seer_net_init_linear(p.w2, p.bias, H2, 1, r);
    double limit = sqrt(6.0 / (1.0 + (double)nw));
    for (size_t i = 0; i < nw; i++) p.W[i] = (float)((seer_rng_uniform(r) * 2 - 1) * limit);
}

// Gate s from its context into row 0 of h[2s] (G, after ReLU) and h[2s+1]
// (d, the sigmoid; the gate is twice that).
static void gate_forward(seer_net *n, size_t s, const float *ctx) {
    seer_precision prec = seer_net_precision(n);
    size_t l = 2 * s, G = n->cfg.gate_hidden, d = n->n_in;
    seer_linear_forward(n->h[l], ctx, n->w[l], n->b[l], 1, n->D, G, prec);
    seer_relu_forward(n->h[l], n->h[l], G);
    seer_linear_forward(n->h[l + 1], n->h[l], n->w[l + 1], n->b[l + 1], 1, G, d, prec);
    seer_sigmoid_forward(n->h[l + 1], n->h[l + 1], d);
}

// From dsig (d; row 0 of dh[2s+1], set by the caller) back to the context
// and the gate's weights: grads += ..., dctx += .... Uses row 0 of dh[2s] and
// of dz[2s], dz[2s+1] (the gradients of the Linear outputs).
static void gate_backward(seer_net *n, size_t s, const float *ctx, float *dctx) {
    seer_precision prec = seer_net_precision(n);
    size_t l = 2 * s, G = n->cfg.gate_hidden, d = n->n_in;
    float *dz = n->dz[l + 1], *dh = n->dh[l], *dr = n->dz[l];
    const float *sig = n->h[l + 1], *h = n->h[l];
    seer_sigmoid_backward(dz, n->dh[l + 1], sig, d);
    seer_linear_backward(dh, n->dw[l + 1], n->db[l + 1], dz, h, n->w[l + 1], 1, G, d, prec);
    seer_relu_backward(dr, dh, h, G);
    seer_linear_backward(dctx, n->dw[l], n->db[l], dr, ctx, n->w[l], 1, n->D, G, prec);
}

// x (B, d) = x0 * 2 sig, sig (d) the same for every row.
static void apply_gate(float *x, const float *x0, const float *sig, size_t B, size_t d) {
    for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < d; j++) x[b * d + j] = x0[b * d + j] * (2.0f * sig[j]);
}

// dx0 += dx * 2 sig; dsig[j] += 2 sum_b dx[b,j] x0[b,j]. restrict: none of these overlap, so
// the loop over j vectorises without checks.
static void apply_gate_backward(float *restrict dx0, float *restrict dsig,
                                const float *restrict dx, const float *restrict x0,
                                const float *restrict sig, size_t B, size_t d) {
    for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < d; j++) {
            dx0[b * d + j] += dx[b * d + j] * (2.0f * sig[j]);
            dsig[j] += 2.0f * dx[b * d + j] * x0[b * d + j];
        }
}

static void finalmlp_forward(seer_net *n, size_t B) {
    seer_precision prec = seer_net_precision(n);
    const seer_net_config *c = &n->cfg;
    size_t d = n->n_in, first2 = GATES + c->n_hidden, last = n->n_layers - 1;
    own_view p = own_of(n, n->extra);
    float *x[2] = {n->scratch, n->scratch + B * d}, *t = n->scratch + 2 * B * d;
    for (size_t s = 0; s < 2; s++) {
        gate_forward(n, s, p.ctx[s]);
        apply_gate(x[s], n->x0, n->h[2 * s + 1], B, d);
    }
    seer_stack_forward(n, GATES, c->n_hidden, x[0], B);
    seer_stack_forward(n, first2, c->n_hidden2, x[1], B);
    seer_bilinear_fusion_forward(n->logit, t, n->h[first2 - 1], n->h[last], p.w1, p.w2, p.bias,
                                 p.W, B, width1(c), width2(c), c->n_heads, prec);
}

static void finalmlp_backward(seer_net *n, size_t B) {
    seer_precision prec = seer_net_precision(n);
    const seer_net_config *c = &n->cfg;
    size_t d = n->n_in, first2 = GATES + c->n_hidden, last = n->n_layers - 1;
    size_t H1 = width1(c), H2 = width2(c);
    own_view p = own_of(n, n->extra), dp = own_of(n, n->dextra);
    const float *x[2] = {n->scratch, n->scratch + B * d}, *t = n->scratch + 2 * B * d;
    float *dx[2] = {n->dscratch, n->dscratch + B * d}, *work = n->dscratch + 2 * B * d;
    seer_bilinear_fusion_backward(n->dh[first2 - 1], n->dh[last], dp.w1, dp.w2, dp.bias, dp.W,
                                  work, n->dlogit, n->h[first2 - 1], n->h[last], t, p.w1, p.w2,
                                  p.W, B, H1, H2, c->n_heads, prec);
    seer_stack_backward(n, first2, c->n_hidden2, x[1], dx[1], B);
    seer_stack_backward(n, GATES, c->n_hidden, x[0], dx[0], B);
    for (size_t s = 2; s-- > 0;) {
        apply_gate_backward(n->dx0, n->dh[2 * s + 1], dx[s], n->x0, n->h[2 * s + 1], B, d);
        gate_backward(n, s, p.ctx[s], dp.ctx[s]);
    }
}

const seer_model_ops seer_model_finalmlp = {
    .name = "finalmlp",
    .kind = SEER_MODEL_FINALMLP,
    .plan = finalmlp_plan,
    .init = finalmlp_init,
    .forward = finalmlp_forward,
    .backward = finalmlp_backward,
    .defaults = finalmlp_defaults,
    .batch = 1024,
    .invalid = finalmlp_invalid,
    .flops = finalmlp_flops,
};
