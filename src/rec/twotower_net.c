// twotower's network: one batch's forward and backward, and its Adam update; see twotower.h.
#include "rec/twotower.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "nn/embedding.h"
#include "nn/inbatch_softmax.h"
#include "seer.h"

static float *alloc_f(size_t n) { return malloc((n ? n : 1) * sizeof(float)); }

static int alloc_acts(seer_tt_net *n) {
    size_t c = n->cap, E = n->E;
    n->xu = alloc_f(c * n->tu.in);
    n->dxu = alloc_f(c * n->tu.in);
    n->hu = alloc_f(c * n->tu.H);
    n->dzu = alloc_f(c * n->tu.H);
    n->A = alloc_f(c * E);
    n->dA = alloc_f(c * E);
    n->xi = alloc_f(c * n->ti.in);
    n->dxi = alloc_f(c * n->ti.in);
    n->hi = alloc_f(c * n->ti.H);
    n->dzi = alloc_f(c * n->ti.H);
    n->V = alloc_f(c * E);
    n->dV = alloc_f(c * E);
    n->zz = alloc_f(c * c);
    return n->xu && n->dxu && n->hu && n->dzu && n->A && n->dA && n->xi && n->dxi && n->hi &&
           n->dzi && n->V && n->dV && n->zz;
}

// The gradients' and moments' towers over two blocks, each holding both towers.
static int alloc_towers(seer_tt_net *n) {
    size_t su = seer_rec_tower_size(n->tu.in, n->tu.H, n->tu.out);
    size_t si = seer_rec_tower_size(n->ti.in, n->ti.H, n->ti.out);
    n->grads = calloc(su + si, sizeof(float));
    n->moments = calloc(4 * (su + si), sizeof(float));
    if (!n->grads || !n->moments) return 0;
    float *mo = n->moments;
    seer_rec_tower_view(&n->gu, n->grads, n->tu.in, n->tu.H, n->tu.out);
    seer_rec_tower_view(&n->gi, n->grads + su, n->ti.in, n->ti.H, n->ti.out);
    seer_rec_tower_view(&n->mu, mo, n->tu.in, n->tu.H, n->tu.out);
    seer_rec_tower_view(&n->vu, mo + su, n->tu.in, n->tu.H, n->tu.out);
    seer_rec_tower_view(&n->mi, mo + 2 * su, n->ti.in, n->ti.H, n->ti.out);
    seer_rec_tower_view(&n->vi, mo + 2 * su + si, n->ti.in, n->ti.H, n->ti.out);
    return 1;
}

int seer_tt_net_init(seer_tt_net *n, float *user, size_t n_users, float *hist, float *item,
                     size_t n_items, float *ufeat, size_t n_uf, float *ifeat, size_t n_if,
                     size_t E, const seer_rec_tower *tu, const seer_rec_tower *ti, size_t cap,
                     size_t cap_bag) {
    memset(n, 0, sizeof *n);
    n->E = E;
    n->cap = cap;
    n->cap_bag = cap_bag;
    n->has_uf = ufeat != NULL;
    n->has_if = ifeat != NULL;
    n->tu = *tu;
    n->ti = *ti;
    int rc = seer_rec_table_init(&n->user, user, n_users, E, cap);
    if (rc == SEER_OK) rc = seer_rec_table_init(&n->hist, hist, n_items, E, cap_bag);
    if (rc == SEER_OK) rc = seer_rec_table_init(&n->item, item, n_items, E, cap);
    if (rc == SEER_OK && ufeat) rc = seer_rec_table_init(&n->ufeat, ufeat, n_uf, E, cap_bag);
    if (rc == SEER_OK && ifeat) rc = seer_rec_table_init(&n->ifeat, ifeat, n_if, E, cap_bag);
    if (rc == SEER_OK && !(alloc_acts(n) && alloc_towers(n)))
        rc = seer_errorf(SEER_ENOMEM, "out of memory for twotower's batch of %zu", cap);
    if (rc != SEER_OK) seer_tt_net_free(n);
    return rc;
}

void seer_tt_net_free(seer_tt_net *n) {
    seer_rec_table_free(&n->user);
    seer_rec_table_free(&n->hist);
    seer_rec_table_free(&n->item);
    seer_rec_table_free(&n->ufeat);
    seer_rec_table_free(&n->ifeat);
    SEER_FREE_ALL(n->grads, n->moments, n->xu, n->dxu, n->hu, n->dzu, n->A, n->dA, n->xi,
                  n->dxi, n->hi, n->dzi, n->V, n->dV, n->zz);
    memset(n, 0, sizeof *n);
}

// out[b, 0 .. E) (row stride ld) = sum over bag b of w * table rows; gathers the table's rows.
static void bag_forward(float *out, size_t ld, seer_rec_table *t, const seer_tt_bags *g,
                        size_t B) {
    seer_rec_table_gather(t, g->ids, g->off[B]);
    seer_embedding_bag_forward(out, ld, t->w, g->ids, g->off, g->w, B, 1, t->D);
}

void seer_tt_inputs(seer_tt_net *n, const seer_tt_batch *b) {
    size_t B = b->B, E = n->E, lu = n->tu.in, li = n->ti.in;
    seer_rec_table_gather(&n->user, b->users, B);
    seer_embedding_forward(n->xu, lu, n->user.w, b->users, B, 1, E);
    bag_forward(n->xu + E, lu, &n->hist, &b->recent, B);
    if (n->has_uf) bag_forward(n->xu + 2 * E, lu, &n->ufeat, &b->user_feat, B);
    seer_rec_table_gather(&n->item, b->items, B);
    seer_embedding_forward(n->xi, li, n->item.w, b->items, B, 1, E);
    if (n->has_if) bag_forward(n->xi + E, li, &n->ifeat, &b->item_feat, B);
}

static void bag_backward(seer_rec_table *t, const seer_tt_bags *g, const float *dout,
                         size_t ld, size_t B) {
    seer_embedding_bag_backward(t->drows, t->slot, g->off, g->w, dout, ld, B, 1, t->D);
}

// The L2 term of x (n): returns reg times its squared norm, adds its gradient (scaled) to dx.
static double l2(float *dx, const float *x, size_t n, float reg, float scale) {
    double s = 0.0;
    for (size_t k = 0; k < n; k++) {
        s += (double)x[k] * x[k];
        dx[k] += 2.0f * reg * scale * x[k];
    }
    return reg * s;
}

double seer_tt_step(seer_tt_net *n, const seer_tt_batch *b, float inv_tau, float reg) {
    size_t B = b->B, E = n->E, lu = n->tu.in, li = n->ti.in;
    seer_tt_inputs(n, b);
    seer_rec_tower_forward(&n->tu, n->A, n->hu, n->xu, B);
    seer_rec_tower_forward(&n->ti, n->V, n->hi, n->xi, B);
    memset(n->dA, 0, B * E * sizeof *n->dA);
    memset(n->dV, 0, B * E * sizeof *n->dV);
    double loss = seer_inbatch_softmax(n->dA, n->dV, n->zz, n->A, n->V, b->logq, b->items, B,
                                       E, inv_tau, 1.0f / (float)B);
    size_t su = seer_rec_tower_size(n->tu.in, n->tu.H, n->tu.out);
    memset(n->grads, 0, (su + seer_rec_tower_size(li, n->ti.H, n->ti.out)) * sizeof(float));
    memset(n->dxu, 0, B * lu * sizeof *n->dxu);
    memset(n->dxi, 0, B * li * sizeof *n->dxi);
    if (reg > 0.0f) {
        loss += l2(n->dxu, n->xu, B * lu, reg, 1.0f / (float)B);
        loss += l2(n->dxi, n->xi, B * li, reg, 1.0f / (float)B);
    }
    seer_rec_tower_backward(&n->tu, &n->gu, n->dxu, n->dzu, n->dA, n->hu, n->xu, B);
    seer_rec_tower_backward(&n->ti, &n->gi, n->dxi, n->dzi, n->dV, n->hi, n->xi, B);
    seer_embedding_backward(n->user.drows, n->user.slot, n->dxu, lu, B, 1, E);
    bag_backward(&n->hist, &b->recent, n->dxu + E, lu, B);
    if (n->has_uf) bag_backward(&n->ufeat, &b->user_feat, n->dxu + 2 * E, lu, B);
    seer_embedding_backward(n->item.drows, n->item.slot, n->dxi, li, B, 1, E);
    if (n->has_if) bag_backward(&n->ifeat, &b->item_feat, n->dxi + E, li, B);
    return loss / (double)B;
}

void seer_tt_update(seer_tt_net *n, const seer_adam_config *c, long k) {
    seer_rec_tower_adam(&n->tu, &n->gu, &n->mu, &n->vu, c, k);
    seer_rec_tower_adam(&n->ti, &n->gi, &n->mi, &n->vi, c, k);
    seer_rec_table_step(&n->user, c, k, 0);
    seer_rec_table_step(&n->hist, c, k, 0);
    seer_rec_table_step(&n->item, c, k, 0);
    if (n->has_uf) seer_rec_table_step(&n->ufeat, c, k, 0);
    if (n->has_if) seer_rec_table_step(&n->ifeat, c, k, 0);
}
