// Factorisation machine (Rendle 2010): bias + first-order weights + pairwise
// interactions of every field embedding, dense values included as x_j * v_j.
#include "models/fm_part.h"

static void fm_plan(const seer_net_config *c, seer_net_plan *p) {
    p->D = c->emb_dim;
    p->wide = 1;
    p->extra = seer_fm_part_params(c);
    p->scratch = seer_fm_part_width(c);
    p->gather_to_scratch = 1;
}

static void fm_backward(seer_net *n, size_t B) {
    seer_fm_part_backward(n, B);
    seer_fm_part_finish(n, B);
}

const seer_model_ops seer_model_fm = {
    .name = "fm",
    .kind = SEER_MODEL_FM,
    .plan = fm_plan,
    .init = seer_fm_part_init,
    .forward = seer_fm_part_forward,
    .backward = fm_backward,
    .batch = 256,
    .flops = seer_fm_part_flops,
};
