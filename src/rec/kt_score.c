// The next answer's P(correct) for many candidate exercises at once (kt.h's
// seer_kt_score_next). Causality makes it cheap: a candidate row at position n changes no
// earlier row, so the window's n rows run once and each candidate is one more row, through
// the same blocks: its query against the window's saved keys and values plus its own.
#include <math.h>
#include <string.h>

#include "nn/attention.h"
#include "nn/gemm.h"
#include "nn/layernorm.h"
#include "nn/layers.h"
#include "rec/kt.h"

#define LN_EPS 1e-8f   // sasrec's

size_t seer_kt_score_scratch(const seer_kt_config *c, size_t M) {
    size_t d = c->net.dim, L = c->net.maxlen;
    return M * (9 * d + L + 3) + 2 * M * d;
}

// The attention of candidate queries Q (M, d) over the window's keys and values Kw, Vw
// (n, d) and each candidate's own k, v (M, d): att (M, d). P: scratch (M, n + 1).
static void attend(float *att, float *P, const float *Q, const float *Kw, const float *Vw,
                   const float *Kc, const float *Vc, size_t n, size_t M, size_t NH, size_t d) {
    size_t dh = d / NH;
    float scale = 1.0f / sqrtf((float)dh);
    for (size_t h = 0; h < NH; h++) {
        size_t c = h * dh;
        if (n) seer_gemm(0, 1, M, n, dh, scale, Q + c, d, Kw + c, d, 0.0f, P, n + 1);
        for (size_t i = 0; i < M; i++) {
            float *row = P + i * (n + 1), self = 0.0f;
            for (size_t j = 0; j < dh; j++) self += Q[i * d + c + j] * Kc[i * d + c + j];
            row[n] = self * scale;
            seer_softmax_row(row, n + 1);
        }
        if (n) seer_gemm(0, 0, M, dh, n, 1.0f, P, n + 1, Vw + c, d, 0.0f, att + c, d);
        for (size_t i = 0; i < M; i++) {
            float w = P[i * (n + 1) + n], *a = att + i * d + c;
            const float *v = Vc + i * d + c;
            for (size_t j = 0; j < dh; j++) a[j] = (n ? a[j] : 0.0f) + w * v[j];
        }
    }
}

void seer_kt_score_next(float *out, float *scratch, const seer_kt_head *h,
                        const seer_sasrec_params *p, const seer_kt_config *c,
                        const seer_kt_work *k, size_t n, const uint32_t *prob,
                        const uint32_t *skill, size_t M) {
    size_t d = c->net.dim, L = c->net.maxlen;
    float *x = scratch, *e = x + M * d, *q = e + M * d, *Q = q + M * d, *K = Q + M * d,
          *V = K + M * d, *att = V + M * d, *y = att + M * d, *f = y + M * d,
          *mean = f + M * d, *rstd = mean + M, *P = rstd + M, *z = P + M * (L + 1);
    float prev[SEER_SASREC_DIM_MAX];
    if (n == 0) memcpy(prev, h->E + 2 * c->n_skill * d, d * sizeof(float));
    else {
        size_t r = 2 * (size_t)k->skill[n - 1] + k->answer[n - 1];
        float m = h->mu[k->prob[n - 1]];
        for (size_t j = 0; j < d; j++) prev[j] = h->E[r * d + j] + m * h->F[r * d + j];
    }
    for (size_t i = 0; i < M; i++) {   // as kt.c's embed, for a row at position n
        float m = h->mu[prob[i]];
        const float *C = h->C + (size_t)skill[i] * d, *D = h->D + (size_t)skill[i] * d,
                    *pos = p->pos + n * d,
                    *rr = h->R + (size_t)seer_kt_recent(k->skill, k->answer, n, skill[i]) * d,
                    *nn = h->N + (size_t)seer_kt_count(k->skill, n, skill[i]) * d;
        for (size_t j = 0; j < d; j++) {
            e[i * d + j] = C[j] + m * D[j];
            x[i * d + j] = prev[j];
            x[i * d + j] += e[i * d + j] + rr[j] + nn[j] + pos[j];
        }
    }
    seer_precision f32 = SEER_PRECISION_FP32;
    for (size_t b = 0; b < c->net.blocks; b++) {   // sasrec_pass.c's block_forward, one row
        const seer_sasrec_block *w = &p->blk[b];
        const seer_sasrec_saved *s = &k->w.blk[b];
        seer_layernorm_forward(q, mean, rstd, x, w->ln1_g, w->ln1_b, LN_EPS, M, d);
        seer_linear_forward(Q, q, w->wq, w->bq, M, d, d, f32);
        seer_linear_forward(K, x, w->wk, w->bk, M, d, d, f32);
        seer_linear_forward(V, x, w->wv, w->bv, M, d, d, f32);
        attend(att, P, Q, s->K, s->V, K, V, n, M, c->net.heads, d);
        for (size_t i = 0; i < M * d; i++) att[i] += q[i];
        seer_layernorm_forward(y, mean, rstd, att, w->ln2_g, w->ln2_b, LN_EPS, M, d);
        seer_linear_forward(f, y, w->w1, w->b1, M, d, d, f32);
        seer_relu_forward(f, f, M * d);
        seer_linear_forward(x, f, w->w2, w->b2, M, d, d, f32);
        for (size_t i = 0; i < M * d; i++) x[i] += y[i];
    }
    seer_layernorm_forward(y, mean, rstd, x, p->lnf_g, p->lnf_b, LN_EPS, M, d);
    for (size_t i = 0; i < M; i++) {
        memcpy(z + i * 2 * d, y + i * d, d * sizeof(float));
        memcpy(z + i * 2 * d + d, e + i * d, d * sizeof(float));
    }
    seer_linear_forward(f, z, h->W1, h->b1, M, 2 * d, d, f32);
    seer_relu_forward(f, f, M * d);
    for (size_t i = 0; i < M; i++) {
        float a = h->b2[0];
        for (size_t j = 0; j < d; j++) a += h->w2[j] * f[i * d + j];
        out[i] = a;
    }
    seer_sigmoid_forward(out, out, M);
}
