// The FM part; see fm_part.h.
#include "models/fm_part.h"

#include <string.h>

#include "nn/interaction.h"

size_t seer_fm_part_params(const seer_net_config *c) {
    return c->n_dense + 1 + c->n_dense * c->emb_dim;
}

size_t seer_fm_part_width(const seer_net_config *c) {
    return (c->n_fields + c->n_dense) * c->emb_dim;
}

double seer_fm_part_flops(const seer_net_config *c) {
    double F = (double)c->n_fields, nd = (double)c->n_dense, D = (double)c->emb_dim;
    return 2 * F + 4 * nd + 3 * nd * D + 7 * (F + nd) * D + 2 * D;
}

void seer_fm_part_init(seer_net *n, seer_rng *r) {
    size_t nd = n->cfg.n_dense;
    seer_net_init_linear(n->extra, n->extra + nd, nd, 1, r);
    float *v = n->extra + nd + 1;
    for (size_t i = 0; i < nd * n->D; i++) v[i] = (float)(seer_rng_uniform(r) * 0.1 - 0.05);
}

void seer_fm_part_forward(seer_net *n, size_t B) {
    size_t F = n->cfg.n_fields, nd = n->cfg.n_dense, D = n->D;
    size_t ld = (F + nd) * D;
    const float *wd = n->extra, *bias = n->extra + nd, *v = n->extra + nd + 1;
    float *ea = n->scratch;  // e_1 .. e_F are there already (the plan's gather_to_scratch)
    seer_dense_field_forward(ea + F * D, ld, n->x0 + F * D, n->n_in, v, B, nd, D);
    seer_wide_forward(n->logit, n->xw, n->x0 + F * D, n->n_in, wd, bias, B, F, nd);
    seer_fm_forward(n->logit, ea, ld, B, F + nd, D);
}

void seer_fm_part_backward(seer_net *n, size_t B) {
    size_t F = n->cfg.n_fields, nd = n->cfg.n_dense, D = n->D;
    size_t ld = (F + nd) * D;
    float *dwd = n->dextra, *dbias = n->dextra + nd;
    seer_wide_backward(n->dxw, dwd, dbias, n->dlogit, n->x0 + F * D, n->n_in, B, F, nd);
    seer_fm_backward(n->dscratch, n->dlogit, n->scratch, ld, B, F + nd, D);
}

void seer_fm_part_finish(seer_net *n, size_t B) {
    size_t F = n->cfg.n_fields, nd = n->cfg.n_dense, D = n->D;
    size_t ld = (F + nd) * D;
    const float *dea = n->dscratch;  // the table's rows read e_1 .. e_F's part from there
    seer_dense_field_backward(n->dextra + nd + 1, dea + F * D, ld, n->x0 + F * D, n->n_in, B, nd,
                              D);
}
