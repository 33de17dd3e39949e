// DeepFM (Guo et al. 2017): the FM part plus a deep part over the same field
// embeddings, flattened: logit = wide + FM + Linear(ReLU stack(ea)).

#include "models/fm_part.h"
#include "models/stack.h"

static void deepfm_plan(const seer_net_config *c, seer_net_plan *p) {
    p->D = c->emb_dim;
    p->wide = 1;
    p->extra = seer_fm_part_params(c);
    p->scratch = seer_fm_part_width(c);
    p->gather_to_scratch = 1;
    size_t H = c->n_hidden;
    size_t width = seer_stack_plan(p, 0, c->hidden, H, seer_fm_part_width(c));
    p->in[H] = width;
    p->out[H] = 1;
    p->n_layers = H + 1;
}

static void deepfm_init(seer_net *n, seer_rng *r) {
    seer_stack_init(n, 0, n->n_layers, r);
    seer_fm_part_init(n, r);
}

static void deepfm_forward(seer_net *n, size_t B) {
    size_t H = n->n_layers - 1;
    seer_fm_part_forward(n, B);
    seer_tower_forward(n, 0, H, n->scratch, n->h[H], B);
    for (size_t b = 0; b < B; b++) n->logit[b] += n->h[H][b];
}

static void deepfm_backward(seer_net *n, size_t B) {
    size_t H = n->n_layers - 1;
    seer_fm_part_backward(n, B);
    seer_tower_backward(n, 0, H, n->scratch, n->dscratch, n->dlogit, B);
    seer_fm_part_finish(n, B);
}

const seer_model_ops seer_model_deepfm = {
    .name = "deepfm",
    .kind = SEER_MODEL_DEEPFM,
    .plan = deepfm_plan,
    .init = deepfm_init,
    .forward = deepfm_forward,
    .backward = deepfm_backward,
    .defaults = seer_stack_defaults,
    .batch = 1024,
    .flops = seer_fm_part_flops,
};
