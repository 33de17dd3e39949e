// Wide & Deep (Cheng et al. 2016): a wide linear part over the same ids and
// dense values, plus the deep MLP over x0; logit = wide + deep.
// Own parameters: wd (n_dense) and the bias, the wide part's dense weights.

#include "models/net.h"
#include "models/stack.h"
#include "nn/interaction.h"

static void wdl_plan(const seer_net_config *c, seer_net_plan *p) {
    p->D = c->emb_dim;
    p->wide = 1;
    p->extra = c->n_dense + 1;
    size_t H = c->n_hidden;
    size_t width = seer_stack_plan(p, 0, c->hidden, H, c->n_fields * p->D + c->n_dense);
    p->in[H] = width;
    p->out[H] = 1;
    p->n_layers = H + 1;
}

// The wide part's sums a row, forward and backward (interaction.c): 2F + 4nd.
static double wdl_flops(const seer_net_config *c) {
    return 2.0 * (double)c->n_fields + 4.0 * (double)c->n_dense;
}

static void wdl_init(seer_net *n, seer_rng *r) {
    seer_stack_init(n, 0, n->n_layers, r);
    seer_net_init_linear(n->extra, n->extra + n->cfg.n_dense, n->cfg.n_dense, 1, r);
}

static void wdl_forward(seer_net *n, size_t B) {
    size_t H = n->n_layers - 1, F = n->cfg.n_fields, nd = n->cfg.n_dense;
    seer_wide_forward(n->logit, n->xw, n->x0 + F * n->D, n->n_in, n->extra, n->extra + nd, B, F,
                      nd);
    seer_tower_forward(n, 0, H, n->x0, n->h[H], B);
    for (size_t b = 0; b < B; b++) n->logit[b] += n->h[H][b];
}

static void wdl_backward(seer_net *n, size_t B) {
    size_t H = n->n_layers - 1, F = n->cfg.n_fields, nd = n->cfg.n_dense;
    seer_wide_backward(n->dxw, n->dextra, n->dextra + nd, n->dlogit, n->x0 + F * n->D, n->n_in,
                       B, F, nd);
    seer_tower_backward(n, 0, H, n->x0, n->dx0, n->dlogit, B);
}

const seer_model_ops seer_model_wdl = {
    .name = "wdl",
    .kind = SEER_MODEL_WDL,
    .plan = wdl_plan,
    .init = wdl_init,
    .forward = wdl_forward,
    .backward = wdl_backward,
    .defaults = seer_stack_defaults,
    .batch = 1024,
    .flops = wdl_flops,
};
