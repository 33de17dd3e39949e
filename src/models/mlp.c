// The reference model: x0 -> [Linear -> ReLU] x n_hidden -> Linear -> logit.
// With --hidden 64,32: Dense 64 ReLU, Dense 32 ReLU, Dense 1 (the sigmoid is in the loss; with
// --task ziln, Dense 3: the head of net.h).

#include <string.h>

#include "models/net.h"
#include "models/stack.h"

static void mlp_defaults(seer_net_config *c) {
    memset(c->hidden, 0, sizeof c->hidden);
    c->n_hidden = 2;
    c->hidden[0] = 64;
    c->hidden[1] = 32;
}

static void mlp_plan(const seer_net_config *c, seer_net_plan *p) {
    p->D = c->emb_dim;
    size_t L = c->n_hidden;
    size_t width = seer_stack_plan(p, 0, c->hidden, L, c->n_fields * p->D + c->n_dense);
    p->in[L] = width;
    p->out[L] = seer_net_outputs(c);  // the head
    p->n_layers = L + 1;
}

static void mlp_init(seer_net *n, seer_rng *r) { seer_stack_init(n, 0, n->n_layers, r); }

static void mlp_forward(seer_net *n, size_t B) {
    seer_tower_forward(n, 0, n->n_layers - 1, n->x0, n->logit, B);
}

static void mlp_backward(seer_net *n, size_t B) {
    seer_tower_backward(n, 0, n->n_layers - 1, n->x0, n->dx0, n->dlogit, B);
}

const seer_model_ops seer_model_mlp = {
    .name = "mlp",
    .kind = SEER_MODEL_MLP,
    .plan = mlp_plan,
    .init = mlp_init,
    .forward = mlp_forward,
    .backward = mlp_backward,
    .defaults = mlp_defaults,
    .batch = 256,
    .any_task = 1,
};
