// Knowledge tracing's head on sasrec's blocks (kt.h): the Rasch embeddings in, the MLP and
// the cross-entropy out, and their gradients.
#include "rec/kt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "nn/layers.h"

size_t seer_kt_head_size(const seer_kt_config *c) {
    size_t d = c->net.dim, ns = c->n_skill, ni = 2 * ns + 1;
    return 2 * ns * d + 2 * ni * d + c->n_prob + 2 * d * d + 2 * d + 1 + (SEER_KT_PATTERNS + SEER_KT_COUNTS) * d;
}

void seer_kt_bind(seer_kt_head *h, float *flat, const seer_kt_config *c) {
    size_t d = c->net.dim, ns = c->n_skill, ni = 2 * ns + 1;
    h->C = flat;
    h->D = h->C + ns * d;
    h->E = h->D + ns * d;
    h->F = h->E + ni * d;
    h->mu = h->F + ni * d;
    h->W1 = h->mu + c->n_prob;
    h->b1 = h->W1 + 2 * d * d;
    h->w2 = h->b1 + d;
    h->b2 = h->w2 + d;
    h->R = h->b2 + 1;
    h->N = h->R + SEER_KT_PATTERNS * d;
}

static void glorot(float *w, size_t rows, size_t cols, seer_rng *rng) {
    double a = sqrt(6.0 / (double)(rows + cols));
    for (size_t i = 0; i < rows * cols; i++)
        w[i] = (float)(a * (2.0 * seer_rng_uniform(rng) - 1.0));
}

void seer_kt_init(seer_kt_head *h, seer_sasrec_params *p, const seer_kt_config *c,
                  seer_rng *rng) {
    size_t d = c->net.dim, ns = c->n_skill, ni = 2 * ns + 1;
    seer_sasrec_config net = c->net;
    net.n_items = 0;   // its item table is not this model's
    float *item = p->item;
    p->item = NULL;
    seer_sasrec_init_params(p, &net, rng);
    p->item = item;
    glorot(h->C, ns, d, rng);
    glorot(h->D, ns, d, rng);
    glorot(h->E, ni, d, rng);
    glorot(h->F, ni, d, rng);
    memset(h->mu, 0, c->n_prob * sizeof(float));
    glorot(h->W1, d, 2 * d, rng);
    memset(h->b1, 0, d * sizeof(float));
    glorot(h->w2, 1, d, rng);
    h->b2[0] = 0.0f;
    glorot(h->R, SEER_KT_PATTERNS, d, rng);
    glorot(h->N, SEER_KT_COUNTS, d, rng);
}

int seer_kt_work_init(seer_kt_work *k, const seer_kt_config *c, size_t S_cap, int train) {
    memset(k, 0, sizeof *k);
    int rc = seer_sasrec_work_init(&k->w, &c->net, S_cap, 0);
    if (rc != SEER_OK) return rc;
    size_t T = k->w.T_cap, d = c->net.dim;
    size_t floats = T * d + 2 * T * d + T * d + T + (train ? 3 * T * d : 0);
    k->block = malloc(floats * sizeof(float));
    k->prob = malloc(T * sizeof *k->prob);
    k->skill = malloc(T * sizeof *k->skill);
    k->answer = malloc(T);
    k->recent = malloc(T);
    k->count = malloc(T);
    if (!k->block || !k->prob || !k->skill || !k->answer || !k->recent || !k->count) {
        seer_kt_work_free(k);
        return seer_errorf(SEER_ENOMEM, "kt: out of memory for a batch of %zu windows", S_cap);
    }
    k->e = k->block;
    k->z = k->e + T * d;
    k->u = k->z + 2 * T * d;
    k->p = k->u + T * d;
    if (train) {
        k->dz = k->p + T;
        k->du = k->dz + 2 * T * d;
    }
    return SEER_OK;
}

void seer_kt_work_free(seer_kt_work *k) {
    seer_sasrec_work_free(&k->w);
    free(k->block);
    free(k->prob);
    free(k->skill);
    free(k->answer);
    free(k->recent);
    free(k->count);
    memset(k, 0, sizeof *k);
}

// out = A[r] + m B[r] (d).
static void rasch(float *out, const float *A, const float *B, size_t r, float m, size_t d) {
    const float *a = A + r * d, *b = B + r * d;
    for (size_t j = 0; j < d; j++) out[j] = a[j] + m * b[j];
}

unsigned seer_kt_recent(const uint32_t *skill, const uint8_t *answer, size_t n, uint32_t s) {
    unsigned c = 0, bits = 0;
    for (size_t i = n; i-- > 0 && c < SEER_KT_RECENT;)
        if (skill[i] == s) bits |= (unsigned)answer[i] << c++;
    return (1u << c) - 1 + bits;
}

unsigned seer_kt_count(const uint32_t *skill, size_t n, uint32_t s) {
    static const unsigned edge[SEER_KT_COUNTS - 1] = {1, 2, 3, 4, 5, 7, 10, 15, 25};
    unsigned c = 0, b = 0;
    for (size_t i = 0; i < n; i++) c += skill[i] == s;
    while (b < SEER_KT_COUNTS - 1 && c >= edge[b]) b++;
    return b;
}

// The exercise rows e and the network's inputs x = e + y(previous) + P[position].
static void embed(const seer_kt_head *h, const seer_sasrec_params *p, const seer_kt_config *c,
                  seer_kt_work *k, size_t S) {
    size_t d = c->net.dim, start = 2 * c->n_skill;
    float *x = k->w.blk[0].x;
    for (size_t s = 0; s < S; s++)
        for (uint32_t t = k->w.off[s]; t < k->w.off[s + 1]; t++) {
            size_t pos = t - k->w.off[s];
            k->w.pos[t] = (uint32_t)pos;
            float *e = k->e + (size_t)t * d, *xt = x + (size_t)t * d;
            rasch(e, h->C, h->D, k->skill[t], h->mu[k->prob[t]], d);
            if (pos == 0) rasch(xt, h->E, h->F, start, 0.0f, d);
            else rasch(xt, h->E, h->F, 2 * (size_t)k->skill[t - 1] + k->answer[t - 1],
                       h->mu[k->prob[t - 1]], d);
            uint32_t r0 = k->w.off[s];
            k->recent[t] = (uint8_t)seer_kt_recent(k->skill + r0, k->answer + r0, pos,
                                                   k->skill[t]);
            k->count[t] = (uint8_t)seer_kt_count(k->skill + r0, pos, k->skill[t]);
            const float *q = p->pos + pos * d, *rr = h->R + (size_t)k->recent[t] * d,
                        *nn = h->N + (size_t)k->count[t] * d;
            for (size_t j = 0; j < d; j++) xt[j] += e[j] + rr[j] + nn[j] + q[j];
        }
}

void seer_kt_forward(const seer_kt_head *h, const seer_sasrec_params *p, const seer_kt_config *c,
                     seer_kt_work *k, size_t S, seer_rng *rng) {
    size_t d = c->net.dim, T = k->w.off[S];
    embed(h, p, c, k, S);
    seer_sasrec_forward_inputs(p, &c->net, &k->w, S, rng);
    for (size_t t = 0; t < T; t++) {
        memcpy(k->z + t * 2 * d, k->w.h + t * d, d * sizeof(float));
        memcpy(k->z + t * 2 * d + d, k->e + t * d, d * sizeof(float));
    }
    seer_linear_forward(k->u, k->z, h->W1, h->b1, T, 2 * d, d, SEER_PRECISION_FP32);
    seer_relu_forward(k->u, k->u, T * d);
    for (size_t t = 0; t < T; t++) {
        float a = h->b2[0];
        for (size_t j = 0; j < d; j++) a += h->w2[j] * k->u[t * d + j];
        k->p[t] = a;
    }
    seer_sigmoid_forward(k->p, k->p, T);
}

// d(exercise or interaction) g at row r with scalar m = mu[prob]: into the tables' grads.
static void rasch_back(float *gA, float *gB, float *gmu, const float *B, size_t r, float m,
                       const float *g, size_t d) {
    float *a = gA + r * d, *b = gB + r * d;
    const float *bb = B + r * d;
    float dm = 0.0f;
    for (size_t j = 0; j < d; j++) {
        a[j] += g[j];
        b[j] += m * g[j];
        dm += bb[j] * g[j];
    }
    if (gmu) *gmu += dm;
}

double seer_kt_backward(seer_kt_head *gh, seer_sasrec_params *gp, const seer_kt_head *h,
                        const seer_sasrec_params *p, const seer_kt_config *c, seer_kt_work *k,
                        size_t S, float scale) {
    size_t d = c->net.dim, T = k->w.off[S], start = 2 * c->n_skill;
    double loss = 0.0;
    for (size_t t = 0; t < T; t++) {   // logit's gradient (p - a) scale, then w2 and b2
        float pt = k->p[t], y = (float)k->answer[t];
        loss -= y ? log(pt > 1e-12f ? pt : 1e-12f) : log(1.0f - pt > 1e-12f ? 1.0f - pt : 1e-12f);
        float g = (pt - y) * scale;
        gh->b2[0] += g;
        for (size_t j = 0; j < d; j++) {
            gh->w2[j] += g * k->u[t * d + j];
            k->du[t * d + j] = g * h->w2[j];
        }
    }
    seer_relu_bias_backward(k->du, gh->b1, k->du, k->u, 1.0f, T, d);
    memset(k->dz, 0, T * 2 * d * sizeof(float));
    seer_linear_backward(k->dz, gh->W1, NULL, k->du, k->z, h->W1, T, 2 * d, d,
                         SEER_PRECISION_FP32);
    for (size_t t = 0; t < T; t++) memcpy(k->w.dh + t * d, k->dz + t * 2 * d, d * sizeof(float));
    seer_sasrec_backward_inputs(gp, p, &c->net, &k->w, S);
    for (size_t s = 0; s < S; s++)
        for (uint32_t t = k->w.off[s]; t < k->w.off[s + 1]; t++) {
            size_t pos = t - k->w.off[s];
            const float *dx = k->w.dx + (size_t)t * d;
            float *de = k->dz + (size_t)t * 2 * d + d, *dp = gp->pos + pos * d,
                  *dr = gh->R + (size_t)k->recent[t] * d, *dn = gh->N + (size_t)k->count[t] * d;
            for (size_t j = 0; j < d; j++) {
                de[j] += dx[j];
                dp[j] += dx[j];
                dr[j] += dx[j];
                dn[j] += dx[j];
            }
            rasch_back(gh->C, gh->D, gh->mu + k->prob[t], h->D, k->skill[t], h->mu[k->prob[t]],
                       de, d);
            if (pos == 0) rasch_back(gh->E, gh->F, NULL, h->F, start, 0.0f, dx, d);
            else rasch_back(gh->E, gh->F, gh->mu + k->prob[t - 1], h->F,
                            2 * (size_t)k->skill[t - 1] + k->answer[t - 1],
                            h->mu[k->prob[t - 1]], dx, d);
        }
    return loss;
}

double seer_kt_flops(const seer_kt_config *c, double T, double sum_n2) {
    seer_sasrec_config net = c->net;
    net.n_items = 0;
    double d = (double)c->net.dim;
    return seer_sasrec_flops(&net, T, sum_n2) + 3.0 * 2.0 * (2.0 * d * d) * T;
}
