// Tests of the transformer kernels: layer norm, GELU, causal multi-head self-attention over
// packed sequences, and softmax cross-entropy over a catalogue (full and sampled with log-Q).
//
// Each has a golden test against tests/golden/sasrec_*.bin (tests/ref/sasrec_ref.py, float64
// PyTorch on float32 inputs; the attention golden is PyTorch's padded, masked batch, compared
// on the valid rows) and a central finite-difference gradient check of L = sum(r * out) with a
// fixed random r, as tests/test_layers.c explains: h = 1e-2, float rounding of L about 1e-7,
// truncation below 1e-5 for these smooth kernels, so GC_TOL = 1e-4 leaves a margin and still
// catches any wrong term. One test checks that a later item never moves an earlier output.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/rng.h"
#include "golden.h"
#include "nn/attention.h"
#include "nn/gelu.h"
#include "nn/layernorm.h"
#include "nn/softmax_ce.h"

#define GC_H 1e-2
#define GC_TOL 1e-4

#include "gradcheck.h"

#define G_RTOL 1e-5
#define G_ATOL 1e-6

static void expect_close(const char *what, const float *got, const float *want, size_t n) {
    golden_diff d = golden_compare(got, want, n, G_RTOL, G_ATOL);
    cr_assert(d.n_bad == 0, "%s: %zu bad, first [%zu] got %.8g want %.8g (max abs %.3g)", what,
              d.n_bad, d.first, d.first_got, d.first_want, d.max_abs);
}

// ---- layer norm -------------------------------------------------------------------------------

Test(attention, layernorm_golden) {
    golden g;
    open_golden(&g, "tests/golden/sasrec_layernorm.bin");
    const size_t R = 4, D = 6;
    cr_assert(eq(sz, golden_numel(&g, "x"), R * D));
    float y[24], mean[4], rstd[4], dx[24] = {0}, dg[6] = {0}, db[6] = {0};
    const float *x = golden_get(&g, "x"), *gm = golden_get(&g, "g");
    seer_layernorm_forward(y, mean, rstd, x, gm, golden_get(&g, "b"), 1e-8f, R, D);
    seer_layernorm_backward(dx, dg, db, golden_get(&g, "dy"), x, mean, rstd, gm, R, D);
    expect_close("y", y, golden_get(&g, "y"), R * D);
    expect_close("dx", dx, golden_get(&g, "dx"), R * D);
    expect_close("dg", dg, golden_get(&g, "dg"), D);
    expect_close("db", db, golden_get(&g, "db"), D);
    golden_close(&g);
}

#define LR 3
#define LD 5
typedef struct {
    float x[LR * LD], g[LD], b[LD], r[LR * LD];
} ln_ctx;

static double ln_loss(void *p) {
    ln_ctx *c = p;
    float y[LR * LD], mean[LR], rstd[LR];
    seer_layernorm_forward(y, mean, rstd, c->x, c->g, c->b, 1e-5f, LR, LD);
    return dot(y, c->r, LR * LD);
}

Test(attention, layernorm_gradcheck) {
    seer_rng r;
    seer_rng_init(&r, 21);
    ln_ctx c;
    fill(c.x, LR * LD, &r, -2, 2);
    fill(c.g, LD, &r, 0.5, 1.5);
    fill(c.b, LD, &r, -1, 1);
    fill(c.r, LR * LD, &r, -1, 1);
    float y[LR * LD], mean[LR], rstd[LR], dx[LR * LD] = {0}, dg[LD] = {0}, db[LD] = {0};
    seer_layernorm_forward(y, mean, rstd, c.x, c.g, c.b, 1e-5f, LR, LD);
    seer_layernorm_backward(dx, dg, db, c.r, c.x, mean, rstd, c.g, LR, LD);
    gradcheck("layernorm dx", c.x, dx, LR * LD, ln_loss, &c);
    gradcheck("layernorm dg", c.g, dg, LD, ln_loss, &c);
    gradcheck("layernorm db", c.b, db, LD, ln_loss, &c);
}

// ---- GELU -------------------------------------------------------------------------------------

Test(attention, gelu_golden) {
    golden g;
    open_golden(&g, "tests/golden/sasrec_gelu.bin");
    size_t n = golden_numel(&g, "x");
    cr_assert(n <= 32);
    float y[32], dx[32] = {0};
    seer_gelu_forward(y, golden_get(&g, "x"), n);
    seer_gelu_backward(dx, golden_get(&g, "dy"), golden_get(&g, "x"), n);
    expect_close("y", y, golden_get(&g, "y"), n);
    expect_close("dx", dx, golden_get(&g, "dx"), n);
    golden_close(&g);
}

typedef struct {
    float x[16], r[16];
} gelu_ctx;

static double gelu_loss(void *p) {
    gelu_ctx *c = p;
    float y[16];
    seer_gelu_forward(y, c->x, 16);
    return dot(y, c->r, 16);
}

Test(attention, gelu_gradcheck) {
    seer_rng r;
    seer_rng_init(&r, 22);
    gelu_ctx c;
    fill(c.x, 16, &r, -3, 3);
    fill(c.r, 16, &r, -1, 1);
    float dx[16] = {0};
    seer_gelu_backward(dx, c.r, c.x, 16);
    gradcheck("gelu dx", c.x, dx, 16, gelu_loss, &c);
}

// ---- attention --------------------------------------------------------------------------------

// The golden batch: lengths 5, 3, 1 packed, d = 8, two heads.
static const uint32_t att_off[4] = {0, 5, 8, 9};
#define AT 9
#define AD 8

Test(attention, attention_golden_causal_padded) {
    golden g;
    open_golden(&g, "tests/golden/sasrec_attention.bin");
    cr_assert(eq(sz, golden_numel(&g, "q"), AT * AD));
    const float *q = golden_get(&g, "q"), *k = golden_get(&g, "k"), *v = golden_get(&g, "v");
    float out[AT * AD], probs[2 * (25 + 9 + 1)], scratch[25];
    float dq[AT * AD] = {0}, dk[AT * AD] = {0}, dv[AT * AD] = {0};
    cr_assert(eq(sz, seer_attention_probs_size(att_off, 3, 2), 2 * (25 + 9 + 1)));
    seer_attention_forward(out, probs, NULL, NULL, q, k, v, att_off, 3, 2, AD);
    seer_attention_backward(dq, dk, dv, scratch, golden_get(&g, "dout"), probs, NULL, NULL, q, k,
                            v, att_off, 3, 2, AD);
    expect_close("out", out, golden_get(&g, "out"), AT * AD);
    expect_close("dq", dq, golden_get(&g, "dq"), AT * AD);
    expect_close("dk", dk, golden_get(&g, "dk"), AT * AD);
    expect_close("dv", dv, golden_get(&g, "dv"), AT * AD);
    golden_close(&g);
}

typedef struct {
    float q[AT * AD], k[AT * AD], v[AT * AD], r[AT * AD], drop[2 * 35];
    int use_drop;
} att_ctx;

static double att_loss(void *p) {
    att_ctx *c = p;
    float out[AT * AD], probs[70], pd[70];
    seer_attention_forward(out, probs, pd, c->use_drop ? c->drop : NULL, c->q, c->k, c->v,
                           att_off, 3, 2, AD);
    return dot(out, c->r, AT * AD);
}

static void att_gradcheck(int use_drop) {
    seer_rng r;
    seer_rng_init(&r, 23 + use_drop);
    att_ctx c;
    c.use_drop = use_drop;
    fill(c.q, AT * AD, &r, -1, 1);
    fill(c.k, AT * AD, &r, -1, 1);
    fill(c.v, AT * AD, &r, -1, 1);
    fill(c.r, AT * AD, &r, -1, 1);
    for (size_t i = 0; i < 70; i++) c.drop[i] = seer_rng_uniform(&r) < 0.3 ? 0.0f : 1.0f / 0.7f;
    float out[AT * AD], probs[70], pd[70], scratch[25];
    float dq[AT * AD] = {0}, dk[AT * AD] = {0}, dv[AT * AD] = {0};
    const float *drop = use_drop ? c.drop : NULL;
    seer_attention_forward(out, probs, pd, drop, c.q, c.k, c.v, att_off, 3, 2, AD);
    seer_attention_backward(dq, dk, dv, scratch, c.r, probs, pd, drop, c.q, c.k, c.v, att_off, 3,
                            2, AD);
    gradcheck("attention dq", c.q, dq, AT * AD, att_loss, &c);
    gradcheck("attention dk", c.k, dk, AT * AD, att_loss, &c);
    gradcheck("attention dv", c.v, dv, AT * AD, att_loss, &c);
}

Test(attention, attention_gradcheck) { att_gradcheck(0); }
Test(attention, attention_gradcheck_dropout) { att_gradcheck(1); }

// Changing the last row of a sequence (its latest item's q, k, v) moves no earlier output of
// that sequence, and nothing of the other sequences.
Test(attention, attention_never_sees_the_future) {
    seer_rng r;
    seer_rng_init(&r, 25);
    float q[AT * AD], k[AT * AD], v[AT * AD], out[AT * AD], out2[AT * AD], probs[70];
    fill(q, AT * AD, &r, -1, 1);
    fill(k, AT * AD, &r, -1, 1);
    fill(v, AT * AD, &r, -1, 1);
    seer_attention_forward(out, probs, NULL, NULL, q, k, v, att_off, 3, 2, AD);
    for (size_t j = 0; j < AD; j++) {  // row 4 is sequence 0's last
        q[4 * AD + j] += 3.0f;
        k[4 * AD + j] -= 2.0f;
        v[4 * AD + j] += 5.0f;
    }
    seer_attention_forward(out2, probs, NULL, NULL, q, k, v, att_off, 3, 2, AD);
    cr_assert(eq(int, memcmp(out, out2, 4 * AD * sizeof *out), 0), "earlier rows moved");
    cr_assert(eq(int, memcmp(out + 5 * AD, out2 + 5 * AD, 4 * AD * sizeof *out), 0));
    cr_assert(out[4 * AD] != out2[4 * AD], "the changed row itself must move");
}

// ---- softmax cross-entropy --------------------------------------------------------------------

static void targets_of(uint32_t *t, const float *f, size_t n) {
    for (size_t i = 0; i < n; i++) t[i] = (uint32_t)f[i];
}

Test(attention, softmax_ce_full_golden) {
    golden g;
    open_golden(&g, "tests/golden/sasrec_softmax_ce.bin");
    const size_t P = 5, N = 7, D = 4;
    uint32_t t[5];
    targets_of(t, golden_get(&g, "t"), P);
    float dh[20] = {0}, dE[28] = {0}, scratch[64];
    cr_assert(seer_softmax_ce_full_scratch(2, N, D) <= 64);
    // chunk 2 < P: the rows are taken in three chunks.
    double loss = seer_softmax_ce_full(dh, dE, scratch, golden_get(&g, "h"), golden_get(&g, "E"),
                                       t, P, N, D, 2, 1.0f / P);
    cr_assert(fabs(loss / P - golden_get(&g, "loss")[0]) < 1e-6, "loss %.8g", loss / P);
    expect_close("dh", dh, golden_get(&g, "dh"), P * D);
    expect_close("dE", dE, golden_get(&g, "dE"), N * D);
    golden_close(&g);
}

Test(attention, softmax_ce_sampled_logq_golden) {
    golden g;
    open_golden(&g, "tests/golden/sasrec_sampled_ce.bin");
    const size_t P = 5, N = 7, D = 4, M = 4;
    uint32_t t[5], neg[4];
    targets_of(t, golden_get(&g, "t"), P);
    targets_of(neg, golden_get(&g, "neg"), M);
    float dh[20] = {0}, dE[28] = {0}, scratch[3 * 5 + 2 * 4 * 4];
    double loss = seer_softmax_ce_sampled(dh, dE, scratch, golden_get(&g, "h"),
                                          golden_get(&g, "E"), t, neg, golden_get(&g, "logq"), P,
                                          M, D, 3, 1.0f / P);
    cr_assert(fabs(loss / P - golden_get(&g, "loss")[0]) < 1e-6, "loss %.8g", loss / P);
    expect_close("dh", dh, golden_get(&g, "dh"), P * D);
    expect_close("dE", dE, golden_get(&g, "dE"), N * D);
    golden_close(&g);
}

typedef struct {
    float h[4 * 3], E[6 * 3];
    uint32_t t[4], neg[3];
    float logq[6];
    int sampled;
} ce_ctx;

static double ce_loss(void *p) {
    ce_ctx *c = p;
    float dh[12] = {0}, dE[18] = {0}, scratch[64];
    if (c->sampled)
        return seer_softmax_ce_sampled(dh, dE, scratch, c->h, c->E, c->t, c->neg, c->logq, 4, 3,
                                       3, 4, 1.0f);
    return seer_softmax_ce_full(dh, dE, scratch, c->h, c->E, c->t, 4, 6, 3, 3, 1.0f);
}

static void ce_gradcheck(int sampled) {
    seer_rng r;
    seer_rng_init(&r, 26 + sampled);
    ce_ctx c = {.t = {1, 5, 0, 5}, .neg = {2, 5, 4}, .sampled = sampled};
    fill(c.h, 12, &r, -1, 1);
    fill(c.E, 18, &r, -1, 1);
    fill(c.logq, 6, &r, -3, -1);
    float dh[12] = {0}, dE[18] = {0}, scratch[64];
    if (sampled)
        seer_softmax_ce_sampled(dh, dE, scratch, c.h, c.E, c.t, c.neg, c.logq, 4, 3, 3, 4, 1.0f);
    else
        seer_softmax_ce_full(dh, dE, scratch, c.h, c.E, c.t, 4, 6, 3, 3, 1.0f);
    gradcheck("ce dh", c.h, dh, 12, ce_loss, &c);
    gradcheck("ce dE", c.E, dE, 18, ce_loss, &c);
}

Test(attention, softmax_ce_full_gradcheck) { ce_gradcheck(0); }
Test(attention, softmax_ce_sampled_gradcheck) { ce_gradcheck(1); }

// The backward adds: a second call doubles the gradients.
Test(attention, softmax_ce_adds_into_gradients) {
    seer_rng r;
    seer_rng_init(&r, 28);
    float h[12], E[18], dh[12] = {0}, dE[18] = {0}, dh2[12] = {0}, dE2[18] = {0}, s[64];
    uint32_t t[4] = {0, 1, 2, 5};
    fill(h, 12, &r, -1, 1);
    fill(E, 18, &r, -1, 1);
    seer_softmax_ce_full(dh, dE, s, h, E, t, 4, 6, 3, 3, 1.0f);
    seer_softmax_ce_full(dh2, dE2, s, h, E, t, 4, 6, 3, 3, 1.0f);
    seer_softmax_ce_full(dh2, dE2, s, h, E, t, 4, 6, 3, 3, 1.0f);
    for (size_t i = 0; i < 12; i++) cr_assert(fabsf(dh2[i] - 2 * dh[i]) < 1e-6f);
    for (size_t i = 0; i < 18; i++) cr_assert(fabsf(dE2[i] - 2 * dE[i]) < 1e-6f);
}
