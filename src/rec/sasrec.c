// SASRec's network (sasrec.h): parameter views, initialisation, the batch's buffers, and the
// forward and backward of a packed batch, wired from the nn/ kernels. Training, evaluation
// and the recommender's ops are in sasrec_train.c and sasrec_ops.c.
#include "rec/sasrec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "nn/attention.h"
#include "nn/layernorm.h"
#include "nn/layers.h"
#include "nn/softmax_ce.h"

#define LN_EPS 1e-8f

size_t seer_sasrec_rest_size(const seer_sasrec_config *c) {
    size_t d = c->dim;
    return c->maxlen * d + c->blocks * (5 * d * d + 9 * d) + 2 * d;
}

void seer_sasrec_bind(seer_sasrec_params *p, float *item, float *rest,
                      const seer_sasrec_config *c) {
    size_t d = c->dim;
    memset(p, 0, sizeof *p);
    p->item = item;
    p->pos = rest;
    float *at = rest + c->maxlen * d;
    for (size_t b = 0; b < c->blocks; b++) {
        seer_sasrec_block *k = &p->blk[b];
        float **order[14] = {&k->ln1_g, &k->ln1_b, &k->wq, &k->bq, &k->wk, &k->bk, &k->wv,
                             &k->bv, &k->ln2_g, &k->ln2_b, &k->w1, &k->b1, &k->w2, &k->b2};
        static const int square[14] = {0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0};
        for (int i = 0; i < 14; i++) {
            *order[i] = at;
            at += square[i] ? d * d : d;
        }
    }
    p->lnf_g = at;
    p->lnf_b = at + d;
}

static void glorot(float *w, size_t rows, size_t cols, seer_rng *rng) {
    double a = sqrt(6.0 / (double)(rows + cols));
    for (size_t i = 0; i < rows * cols; i++)
        w[i] = (float)(a * (2.0 * seer_rng_uniform(rng) - 1.0));
}

static void ones(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = 1.0f;
}

void seer_sasrec_init_params(seer_sasrec_params *p, const seer_sasrec_config *c, seer_rng *rng) {
    size_t d = c->dim;
    glorot(p->item, c->n_items, d, rng);
    glorot(p->pos, c->maxlen, d, rng);
    for (size_t b = 0; b < c->blocks; b++) {
        seer_sasrec_block *k = &p->blk[b];
        float *w[5] = {k->wq, k->wk, k->wv, k->w1, k->w2};
        float *bias[5] = {k->bq, k->bk, k->bv, k->b1, k->b2};
        for (int i = 0; i < 5; i++) {
            glorot(w[i], d, d, rng);
            memset(bias[i], 0, d * sizeof(float));
        }
        ones(k->ln1_g, d);
        ones(k->ln2_g, d);
        memset(k->ln1_b, 0, d * sizeof(float));
        memset(k->ln2_b, 0, d * sizeof(float));
    }
    ones(p->lnf_g, d);
    memset(p->lnf_b, 0, d * sizeof(float));
}

// ---- buffers ----------------------------------------------------------------------------------

// Hands out aligned pieces of one block; with base NULL it only counts.
typedef struct {
    float *base;
    size_t at;
} carver;

static float *take(carver *k, size_t n) {
    float *p = k->base ? k->base + k->at : NULL;
    k->at += (n + 15) & ~(size_t)15;
    return p;
}

// infer: one sequence, no dropout, no backward, every block sharing one set of buffers.
static void carve(seer_sasrec_work *w, const seer_sasrec_config *c, carver *k, int infer) {
    size_t T = w->T_cap, d = c->dim, Td = T * d, L = c->maxlen;
    w->off = (uint32_t *)take(k, w->S_cap + 1);
    w->item = (uint32_t *)take(k, T);
    w->pos = (uint32_t *)take(k, T);
    w->target = infer ? NULL : (uint32_t *)take(k, T);
    w->drop_emb = infer ? NULL : take(k, Td);
    for (size_t b = 0; b < c->blocks; b++) {
        seer_sasrec_saved *s = &w->blk[b];
        if (infer && b > 0) {
            *s = w->blk[0];
            continue;
        }
        float **td[10] = {&s->x, &s->q, &s->Q, &s->K, &s->V, &s->att, &s->m, &s->y, &s->f1,
                          &s->drop2};
        for (int i = 0; i < (infer ? 9 : 10); i++) *td[i] = take(k, Td);
        float **tr[4] = {&s->ln1_m, &s->ln1_r, &s->ln2_m, &s->ln2_r};
        for (int i = 0; i < 4; i++) *tr[i] = take(k, T);
        s->probs = take(k, w->probs_cap);
        s->probs_d = infer ? NULL : take(k, w->probs_cap);
        s->drop_att = infer ? NULL : take(k, w->probs_cap);
    }
    w->x_last = infer ? w->blk[0].x : take(k, Td);
    w->h = take(k, Td);
    w->lnf_m = take(k, T);
    w->lnf_r = take(k, T);
    if (infer) return;
    float **g[8] = {&w->dx, &w->dq, &w->dy, &w->df, &w->dQ, &w->dK, &w->dV, &w->dh};
    for (int i = 0; i < 8; i++) *g[i] = take(k, Td);
    w->att_scratch = take(k, L * L);
    w->ce_scratch =
        w->ce_chunk ? take(k, seer_softmax_ce_full_scratch(w->ce_chunk, c->n_items, d)) : NULL;
}

int seer_sasrec_work_init(seer_sasrec_work *w, const seer_sasrec_config *c, size_t S_cap,
                          size_t ce_chunk) {
    memset(w, 0, sizeof *w);
    w->S_cap = S_cap;
    w->T_cap = S_cap * c->maxlen;
    w->probs_cap = S_cap * c->heads * c->maxlen * c->maxlen;
    w->ce_chunk = ce_chunk;
    carver k = {NULL, 0};
    carve(w, c, &k, 0);
    w->block = aligned_alloc(64, ((k.at * sizeof(float)) + 63) & ~(size_t)63);
    if (!w->block)
        return seer_errorf(SEER_ENOMEM, "sasrec: out of memory for a batch of %zu sequences "
                           "(%zu MiB)", S_cap, k.at * sizeof(float) >> 20);
    k = (carver){w->block, 0};
    carve(w, c, &k, 0);
    return SEER_OK;
}

void seer_sasrec_work_free(seer_sasrec_work *w) {
    free(w->block);
    memset(w, 0, sizeof *w);
}

size_t seer_sasrec_infer_floats(const seer_sasrec_config *c) {
    seer_sasrec_work w = {.S_cap = 1, .T_cap = c->maxlen,
                          .probs_cap = c->heads * c->maxlen * c->maxlen};
    carver k = {NULL, 0};
    carve(&w, c, &k, 1);
    return k.at + 16;
}

int seer_sasrec_work_carve_infer(seer_sasrec_work *w, const seer_sasrec_config *c, float *mem,
                                 size_t n_floats) {
    if (n_floats < seer_sasrec_infer_floats(c)) return 0;
    memset(w, 0, sizeof *w);
    w->S_cap = 1;
    w->T_cap = c->maxlen;
    w->probs_cap = c->heads * c->maxlen * c->maxlen;
    float *base = (float *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    carver k = {base, 0};
    carve(w, c, &k, 1);
    return 1;
}
