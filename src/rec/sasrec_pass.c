// SASRec's forward and backward over a packed batch (the equations are in sasrec.h). Each
// backward step sits in the reverse order of its forward, and adds into the parameter
// gradients; the activation gradients are written or zeroed here, as each needs.
#include <math.h>
#include <string.h>

#include "nn/attention.h"
#include "nn/gemm.h"
#include "nn/layernorm.h"
#include "nn/layers.h"
#include "rec/sasrec.h"

#define LN_EPS 1e-8f

// mask (n): 0 with probability p, else 1/(1-p). 16 bits of a draw per element.
static void dropout_mask(float *mask, size_t n, float p, seer_rng *rng) {
    uint32_t cut = (uint32_t)(p * 65536.0f);
    float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i += 4) {
        uint64_t r = seer_rng_next(rng);
        for (size_t j = i; j < i + 4 && j < n; j++, r >>= 16)
            mask[j] = (uint32_t)(r & 0xffff) < cut ? 0.0f : keep;
    }
}

static void mul(float *x, const float *mask, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] *= mask[i];
}

// Positions and the embedding sum of every row into the first block's input.
static void embed(const seer_sasrec_params *p, const seer_sasrec_config *c, seer_sasrec_work *w,
                  size_t S) {
    size_t d = c->dim, L = c->maxlen, T = w->off[S];
    float scale = sqrtf((float)d), *x = w->blk[0].x;
    for (size_t s = 0; s < S; s++) {
        size_t n = w->off[s + 1] - w->off[s];
        for (size_t k = 0; k < n; k++) w->pos[w->off[s] + k] = (uint32_t)(L - n + k);
    }
    for (size_t t = 0; t < T; t++) {
        const float *e = p->item + (size_t)w->item[t] * d, *q = p->pos + (size_t)w->pos[t] * d;
        for (size_t j = 0; j < d; j++) x[t * d + j] = e[j] * scale + q[j];
    }
}

static void block_forward(const seer_sasrec_block *k, const seer_sasrec_config *c,
                          seer_sasrec_saved *s, float *out, const uint32_t *off, size_t S,
                          size_t T, seer_rng *rng) {
    size_t d = c->dim, Td = T * d;
    seer_precision f32 = SEER_PRECISION_FP32;
    seer_layernorm_forward(s->q, s->ln1_m, s->ln1_r, s->x, k->ln1_g, k->ln1_b, LN_EPS, T, d);
    seer_linear_forward(s->Q, s->q, k->wq, k->bq, T, d, d, f32);
    seer_linear_forward(s->K, s->x, k->wk, k->bk, T, d, d, f32);
    seer_linear_forward(s->V, s->x, k->wv, k->bv, T, d, d, f32);
    const float *drop = NULL;
    if (rng) {
        dropout_mask(s->drop_att, seer_attention_probs_size(off, S, c->heads), c->dropout, rng);
        drop = s->drop_att;
    }
    seer_attention_forward(s->att, s->probs, s->probs_d, drop, s->Q, s->K, s->V, off, S,
                           c->heads, d);
    for (size_t i = 0; i < Td; i++) s->m[i] = s->q[i] + s->att[i];
    seer_layernorm_forward(s->y, s->ln2_m, s->ln2_r, s->m, k->ln2_g, k->ln2_b, LN_EPS, T, d);
    seer_linear_forward(s->f1, s->y, k->w1, k->b1, T, d, d, f32);
    seer_relu_forward(s->f1, s->f1, Td);
    if (rng) {  // the first mask is not kept: the ReLU's backward finds it from f1 == 0
        dropout_mask(s->drop2, Td, c->dropout, rng);
        mul(s->f1, s->drop2, Td);
    }
    // out may be s->x (inference shares the buffers): x is not read past this point.
    seer_linear_forward(out, s->f1, k->w2, k->b2, T, d, d, f32);
    if (rng) {
        dropout_mask(s->drop2, Td, c->dropout, rng);
        mul(out, s->drop2, Td);
    }
    for (size_t i = 0; i < Td; i++) out[i] += s->y[i];
}

void seer_sasrec_forward(const seer_sasrec_params *p, const seer_sasrec_config *c,
                         seer_sasrec_work *w, size_t S, seer_rng *rng) {
    embed(p, c, w, S);
    seer_sasrec_forward_inputs(p, c, w, S, rng);
}

void seer_sasrec_forward_inputs(const seer_sasrec_params *p, const seer_sasrec_config *c,
                                seer_sasrec_work *w, size_t S, seer_rng *rng) {
    size_t T = w->off[S];
    if (c->dropout <= 0.0f) rng = NULL;
    if (rng) {
        dropout_mask(w->drop_emb, T * c->dim, c->dropout, rng);
        mul(w->blk[0].x, w->drop_emb, T * c->dim);
    }
    for (size_t b = 0; b < c->blocks; b++) {
        float *out = b + 1 < c->blocks ? w->blk[b + 1].x : w->x_last;
        block_forward(&p->blk[b], c, &w->blk[b], out, w->off, S, T, rng);
    }
    seer_layernorm_forward(w->h, w->lnf_m, w->lnf_r, w->x_last, p->lnf_g, p->lnf_b, LN_EPS, T,
                           c->dim);
}

// w->dx holds d(out); leaves d(the block's input) in w->dx.
static void block_backward(seer_sasrec_block *g, const seer_sasrec_block *k,
                           const seer_sasrec_config *c, const seer_sasrec_saved *s,
                           seer_sasrec_work *w, size_t S, size_t T, int dropped) {
    size_t d = c->dim, Td = T * d, bytes = Td * sizeof(float);
    seer_precision f32 = SEER_PRECISION_FP32;
    float scale = dropped ? 1.0f / (1.0f - c->dropout) : 1.0f;
    // out = y + drop2 (W2 f1 + b2): dy = dout; df = dout * drop2.
    memcpy(w->dy, w->dx, bytes);
    memcpy(w->df, w->dx, bytes);
    if (dropped) mul(w->df, s->drop2, Td);
    float *df1 = w->dK, *dz1 = w->dV;  // free until the attention's backward
    memset(df1, 0, bytes);
    seer_linear_backward(df1, g->w2, g->b2, w->df, s->f1, k->w2, T, d, d, f32);
    seer_relu_bias_backward(dz1, g->b1, df1, s->f1, scale, T, d);
    seer_linear_backward(w->dy, g->w1, NULL, dz1, s->y, k->w1, T, d, d, f32);
    // y = LN2(m), m = q + att: dq = datt = dm.
    memset(w->dq, 0, bytes);
    seer_layernorm_backward(w->dq, g->ln2_g, g->ln2_b, w->dy, s->m, s->ln2_m, s->ln2_r, k->ln2_g,
                            T, d);
    memset(w->dQ, 0, bytes);
    memset(w->dK, 0, bytes);
    memset(w->dV, 0, bytes);
    seer_attention_backward(w->dQ, w->dK, w->dV, w->att_scratch, w->dq, s->probs, s->probs_d,
                            dropped ? s->drop_att : NULL, s->Q, s->K, s->V, w->off, S, c->heads,
                            d);
    memset(w->dx, 0, bytes);
    seer_linear_backward(w->dq, g->wq, g->bq, w->dQ, s->q, k->wq, T, d, d, f32);
    seer_linear_backward(w->dx, g->wk, g->bk, w->dK, s->x, k->wk, T, d, d, f32);
    seer_linear_backward(w->dx, g->wv, g->bv, w->dV, s->x, k->wv, T, d, d, f32);
    seer_layernorm_backward(w->dx, g->ln1_g, g->ln1_b, w->dq, s->x, s->ln1_m, s->ln1_r, k->ln1_g,
                            T, d);
}

void seer_sasrec_backward_inputs(seer_sasrec_params *g, const seer_sasrec_params *p,
                                 const seer_sasrec_config *c, seer_sasrec_work *w, size_t S) {
    size_t d = c->dim, T = w->off[S];
    int dropped = c->dropout > 0.0f;
    memset(w->dx, 0, T * d * sizeof(float));
    seer_layernorm_backward(w->dx, g->lnf_g, g->lnf_b, w->dh, w->x_last, w->lnf_m, w->lnf_r,
                            p->lnf_g, T, d);
    for (size_t b = c->blocks; b-- > 0;)
        block_backward(&g->blk[b], &p->blk[b], c, &w->blk[b], w, S, T, dropped);
    if (dropped) mul(w->dx, w->drop_emb, T * d);
}

void seer_sasrec_backward(seer_sasrec_params *g, const seer_sasrec_params *p,
                          const seer_sasrec_config *c, seer_sasrec_work *w, size_t S) {
    size_t d = c->dim, T = w->off[S];
    seer_sasrec_backward_inputs(g, p, c, w, S);
    float scale = sqrtf((float)d);
    for (size_t t = 0; t < T; t++) {
        const float *dx = w->dx + t * d;
        float *de = g->item + (size_t)w->item[t] * d, *dp = g->pos + (size_t)w->pos[t] * d;
        for (size_t j = 0; j < d; j++) {
            de[j] += scale * dx[j];
            dp[j] += dx[j];
        }
    }
}

double seer_sasrec_flops(const seer_sasrec_config *c, double T, double sum_n2) {
    double d = (double)c->dim;
    double linear = 30.0 * d * d * T;   // 5 products of 2 d^2 a row, the backward twice that
    double attention = 12.0 * sum_n2 * d;   // 2 products forward, 4 backward, n^2 dh each head
    return (double)c->blocks * (linear + attention) + 6.0 * T * (double)c->n_items * d;
}
