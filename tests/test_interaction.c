// Tests of the interaction kernels (src/nn/interaction.c): the wide part,
// dense values as field embeddings, the FM second-order term, the DCN-v2
// cross step and FinalMLP's multi-head bilinear fusion.
//
// Each kernel has a golden test against tests/golden/{wide,dense_field,fm,
// cross,bilinear_fusion}.bin (written by tests/ref/make_golden.py in float64 from float32
// inputs) on strided buffers whose padding must stay untouched, a central
// finite-difference gradient check, and a test that its backward adds into the
// d* buffers rather than overwriting them. The FM kernels sum a row in chunks
// of 256 embedding dimensions; rows of D = 300 are checked against a double
// reference that uses the pairwise form sum_{i<j} <e_i, e_j> instead, and by
// finite differences.
//
// Gradient checks: L = sum(r * out) with a fixed random r, accumulated in
// double. Every kernel's output is affine in each single input (the FM term
// too: e_ik^2 appears in (sum_i e_ik)^2 and in sum_i e_ik^2 and cancels; the
// bilinear fusion is bilinear in o1 and o2, so affine in each element), so
// a central difference has no truncation error at any step. The step can
// therefore be large, GC_H = 0.25: the float rounding of L enters the
// numerical value divided by 2 GC_H = 0.5. It is a few ulps of the largest
// intermediate sum: about 1e-5 for the D = 300 FM (whose sums of squares are
// ~75), below 1e-6 elsewhere. Measured: worst scaled error 1.5e-5 (FM,
// D = 300), 7.6e-7 otherwise. The gradients are O(0.1..1), so GC_TOL = 1e-4 *
// max(1, |analytic|) leaves a margin of 6 (over 100 for the small cases) and
// still catches any wrong term, factor or index (those are O(0.01) at least).
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "golden.h"
#include "nn/fm_lanes.h"
#include "nn/interaction.h"

#define GC_H 0.25
#define GC_TOL 1e-4

#include "gradcheck.h"

// Golden comparisons: the kernels run in float on O(1) values, sums of at
// most 15 terms (the fusion's outputs: 33), so a few ulps (rtol 1e-5) plus an
// absolute floor for results that cancel to near 0. Measured: max abs 5.1e-7,
// max rel 2.8e-6 (an FM output, at -O0), under a fifth of the allowance; the
// fusion's under a tenth (-O3).
#define G_RTOL 1e-5
#define G_ATOL 1e-6

// The value left in padding that no kernel may write.
#define PAD 99.0f

// The scalar whose gradient is checked, as a function of the current inputs.
typedef double (*loss_fn)(void *ctx);

// Copies rows (rows, cols) into dst with row stride ld, the padding set to PAD.
static void to_strided(float *dst, size_t ld, const float *src, size_t rows, size_t cols) {
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < ld; j++) dst[i * ld + j] = j < cols ? src[i * cols + j] : PAD;
}

// The inverse, after checking that the padding still holds PAD.
static void from_strided(float *dst, const float *src, size_t ld, size_t rows, size_t cols) {
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = cols; j < ld; j++)
            if (src[i * ld + j] != PAD)
                cr_fatal("padding [%zu][%zu] was written: %g", i, j, (double)src[i * ld + j]);
        memcpy(dst + i * cols, src + i * ld, cols * sizeof *dst);
    }
}

// ---- golden ----------------------------------------------------------------

enum { WB = 5, WF = 3, WN = 2, WLD = WN + 3 };

// xd is read with row stride WLD, as the models read the dense part of x0.
Test(interaction, wide_golden) {
    golden g;
    open_golden(&g, "tests/golden/wide.bin");
    cr_assert(eq(sz, golden_numel(&g, "xw"), WB * WF));
    cr_assert(eq(sz, golden_numel(&g, "xd"), WB * WN));
    cr_assert(eq(sz, golden_numel(&g, "wd"), WN));
    cr_assert(eq(sz, golden_numel(&g, "bias"), 1));
    cr_assert(eq(sz, golden_numel(&g, "dout"), WB));
    float xd[WB * WLD], out[WB], dxw[WB * WF] = {0}, dwd[WN] = {0}, dbias[1] = {0};
    to_strided(xd, WLD, golden_get(&g, "xd"), WB, WN);
    seer_wide_forward(out, golden_get(&g, "xw"), xd, WLD, golden_get(&g, "wd"),
                      golden_get(&g, "bias"), WB, WF, WN);
    CHECK_GOLDEN(&g, "out", out, WB, G_RTOL, G_ATOL);
    seer_wide_backward(dxw, dwd, dbias, golden_get(&g, "dout"), xd, WLD, WB, WF, WN);
    CHECK_GOLDEN(&g, "dxw", dxw, WB * WF, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "dwd", dwd, WN, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "dbias", dbias, 1, G_RTOL, G_ATOL);
    golden_close(&g);
}

enum { DB = 4, DN = 3, DD = 5, DLDE = DN * DD + 4, DLDX = DN + 2 };

// e is written with row stride DLDE and x read with stride DLDX; e's padding
// must stay untouched.
Test(interaction, dense_field_golden) {
    golden g;
    open_golden(&g, "tests/golden/dense_field.bin");
    cr_assert(eq(sz, golden_numel(&g, "x"), DB * DN));
    cr_assert(eq(sz, golden_numel(&g, "v"), DN * DD));
    cr_assert(eq(sz, golden_numel(&g, "de"), DB * DN * DD));
    float x[DB * DLDX], e[DB * DLDE], de[DB * DLDE], got[DB * DN * DD], dv[DN * DD] = {0};
    to_strided(x, DLDX, golden_get(&g, "x"), DB, DN);
    for (size_t i = 0; i < DB * DLDE; i++) e[i] = PAD;
    seer_dense_field_forward(e, DLDE, x, DLDX, golden_get(&g, "v"), DB, DN, DD);
    from_strided(got, e, DLDE, DB, DN * DD);
    CHECK_GOLDEN(&g, "e", got, DB * DN * DD, G_RTOL, G_ATOL);
    to_strided(de, DLDE, golden_get(&g, "de"), DB, DN * DD);
    seer_dense_field_backward(dv, de, DLDE, x, DLDX, DB, DN, DD);
    CHECK_GOLDEN(&g, "dv", dv, DN * DD, G_RTOL, G_ATOL);
    golden_close(&g);
}

enum { FB = 4, FNF = 5, FD = 3, FLD = FNF * FD + 2 };

// e and de with row stride FLD; de's padding must stay untouched.
Test(interaction, fm_golden) {
    golden g;
    open_golden(&g, "tests/golden/fm.bin");
    cr_assert(eq(sz, golden_numel(&g, "e"), FB * FNF * FD));
    cr_assert(eq(sz, golden_numel(&g, "dout"), FB));
    float e[FB * FLD], out[FB] = {0}, de[FB * FLD], got[FB * FNF * FD];
    to_strided(e, FLD, golden_get(&g, "e"), FB, FNF * FD);
    seer_fm_forward(out, e, FLD, FB, FNF, FD);
    CHECK_GOLDEN(&g, "out", out, FB, G_RTOL, G_ATOL);
    float zeros[FB * FNF * FD] = {0};
    to_strided(de, FLD, zeros, FB, FNF * FD);
    seer_fm_backward(de, golden_get(&g, "dout"), e, FLD, FB, FNF, FD);
    from_strided(got, de, FLD, FB, FNF * FD);
    CHECK_GOLDEN(&g, "de", got, FB * FNF * FD, G_RTOL, G_ATOL);
    golden_close(&g);
}

enum { CB = 3, CD = 5, CN = CB * CD };

Test(interaction, cross_golden) {
    golden g;
    open_golden(&g, "tests/golden/cross.bin");
    const char *inputs[] = {"x0", "u", "xl", "dnext"};
    for (size_t i = 0; i < 4; i++) cr_assert(eq(sz, golden_numel(&g, inputs[i]), CN));
    const float *x0 = golden_get(&g, "x0"), *u = golden_get(&g, "u");
    float x_next[CN], du[CN], db[CD] = {0}, dx0[CN] = {0}, dxl[CN] = {0};
    seer_cross_forward(x_next, x0, u, golden_get(&g, "xl"), CN);
    CHECK_GOLDEN(&g, "x_next", x_next, CN, G_RTOL, G_ATOL);
    seer_cross_backward(du, db, dx0, dxl, golden_get(&g, "dnext"), x0, u, CB, CD);
    CHECK_GOLDEN(&g, "du", du, CN, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "dx0", dx0, CN, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "dxl", dxl, CN, G_RTOL, G_ATOL);
    // The bias of u = W x_l + b gets the rows' sum of the reference du.
    const float *du_ref = golden_get(&g, "du");
    float db_ref[CD] = {0};
    for (size_t b = 0; b < CB; b++)
        for (size_t j = 0; j < CD; j++) db_ref[j] += du_ref[b * CD + j];
    CHECK_CLOSE(db, db_ref, CD, G_RTOL, G_ATOL);
    golden_close(&g);
}

// The fusion with 3 heads of 2 x 3 units: B = 4, H1 = 6, H2 = 9.
enum { BB = 4, BH1 = 6, BH2 = 9, BNH = 3, BW = BNH * (BH1 / BNH) * (BH2 / BNH) };

Test(interaction, bilinear_fusion_golden) {
    golden g;
    open_golden(&g, "tests/golden/bilinear_fusion.bin");
    const char *names[] = {"o1", "o2", "w1", "w2", "bias", "W", "dout"};
    const size_t sizes[] = {BB * BH1, BB * BH2, BH1, BH2, 1, BW, BB};
    for (size_t i = 0; i < 7; i++) cr_assert(eq(sz, golden_numel(&g, names[i]), sizes[i]));
    const float *o1 = golden_get(&g, "o1"), *o2 = golden_get(&g, "o2");
    const float *W = golden_get(&g, "W");
    float out[BB], t[BB * BH2], work[BB * BH2];
    float do1[BB * BH1] = {0}, do2[BB * BH2] = {0}, dw1[BH1] = {0}, dw2[BH2] = {0};
    float dbias[1] = {0}, dW[BW] = {0};
    seer_bilinear_fusion_forward(out, t, o1, o2, golden_get(&g, "w1"), golden_get(&g, "w2"),
                                 golden_get(&g, "bias"), W, BB, BH1, BH2, BNH, SEER_PRECISION_FP32);
    CHECK_GOLDEN(&g, "out", out, BB, G_RTOL, G_ATOL);
    seer_bilinear_fusion_backward(do1, do2, dw1, dw2, dbias, dW, work, golden_get(&g, "dout"),
                                  o1, o2, t, golden_get(&g, "w1"), golden_get(&g, "w2"), W, BB, BH1,
                                  BH2, BNH, SEER_PRECISION_FP32);
    CHECK_GOLDEN(&g, "do1", do1, BB * BH1, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "do2", do2, BB * BH2, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "dw1", dw1, BH1, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "dw2", dw2, BH2, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "dbias", dbias, 1, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "dW", dW, BW, G_RTOL, G_ATOL);
    golden_close(&g);
}

// ---- FM rows wider than one chunk ------------------------------------------

// Two rows of 3 fields of D = 300: one full chunk of 256 dimensions and a
// partial one of 44. The padding of 5 makes a row's start no multiple of the
// chunk. Values in [-0.5, 0.5], which keeps the float rounding of the sums of
// squares (~75 here) well below the tolerances.
enum { XB = 2, XNF = 3, XD = 300, XLD = XNF * XD + 5 };
#define XAMP 0.5

// Either FM case: (FB, FNF, FD, FLD) or (XB, XNF, XD, XLD).
typedef struct {
    size_t B, nf, D, ld;
    float e[XB * XLD];  // (B, ld)
    float r[FB];        // (B)
} fm_ctx;

// e uniform in [-amp, amp), its padding PAD; r in [-1, 1).
static void fm_ctx_init(fm_ctx *c, size_t B, size_t nf, size_t D, size_t ld, double amp,
                        uint64_t seed) {
    cr_assert(le(sz, B, FB));
    cr_assert(le(sz, B * ld, XB * XLD));
    c->B = B;
    c->nf = nf;
    c->D = D;
    c->ld = ld;
    seer_rng r;
    seer_rng_init(&r, seed);
    fill(c->e, B * ld, &r, -amp, amp);
    for (size_t b = 0; b < B; b++)
        for (size_t j = nf * D; j < ld; j++) c->e[b * ld + j] = PAD;
    fill(c->r, B, &r, -1, 1);
}

// The forward and backward against the pairwise form in double:
// out[b] = sum_{i<j} <e_i, e_j>, de[b,i,:] = dout[b] sum_{j != i} e_j.
// The float kernel subtracts sums of squares of ~75 and is off by a few ulps
// of that: measured max abs 1.3e-5 on outputs of ~4, and 3e-8 on gradients
// of ~0.3 (sums of two values). Allowed: 1e-4 and 1e-6; one
// element dropped or doubled at the chunk boundary moves an output by ~0.1
// and a gradient by ~0.25.
Test(interaction, fm_wide_rows_reference) {
    fm_ctx c;
    fm_ctx_init(&c, XB, XNF, XD, XLD, XAMP, 31);
    float out[XB] = {0}, want[XB], de[XB * XLD], want_de[XB * XLD];
    for (size_t i = 0; i < XB * XLD; i++) de[i] = want_de[i] = i % XLD < XNF * XD ? 0.0f : PAD;
    seer_fm_forward(out, c.e, XLD, XB, XNF, XD);
    seer_fm_backward(de, c.r, c.e, XLD, XB, XNF, XD);
    for (size_t b = 0; b < XB; b++) {
        const float *e = c.e + b * XLD;
        double s = 0.0;
        for (size_t i = 0; i < XNF; i++)
            for (size_t j = i + 1; j < XNF; j++)
                for (size_t k = 0; k < XD; k++) s += (double)e[i * XD + k] * e[j * XD + k];
        want[b] = (float)s;
        for (size_t i = 0; i < XNF; i++)
            for (size_t k = 0; k < XD; k++) {
                double g = 0.0;
                for (size_t j = 0; j < XNF; j++)
                    if (j != i) g += e[j * XD + k];
                want_de[b * XLD + i * XD + k] = (float)(c.r[b] * g);
            }
    }
    CHECK_CLOSE(out, want, XB, 0.0, 1e-4);
    CHECK_CLOSE(de, want_de, XB * XLD, 0.0, 1e-6);
}

// ---- gradient checks -------------------------------------------------------

typedef struct {
    float xw[WB * WF], xd[WB * WLD], wd[WN], bias[1], r[WB];
} wide_ctx;

static double wide_loss(void *p) {
    wide_ctx *c = p;
    float out[WB];
    seer_wide_forward(out, c->xw, c->xd, WLD, c->wd, c->bias, WB, WF, WN);
    return dot(c->r, out, WB);
}

Test(interaction, wide_gradcheck) {
    seer_rng r;
    seer_rng_init(&r, 21);
    wide_ctx c;
    fill(c.xw, WB * WF, &r, -1, 1);
    fill(c.xd, WB * WLD, &r, -1, 1);
    fill(c.wd, WN, &r, -1, 1);
    fill(c.bias, 1, &r, -1, 1);
    fill(c.r, WB, &r, -1, 1);
    float dxw[WB * WF] = {0}, dwd[WN] = {0}, dbias[1] = {0};
    // dL/dout = r.
    seer_wide_backward(dxw, dwd, dbias, c.r, c.xd, WLD, WB, WF, WN);
    gradcheck("wide dxw", c.xw, dxw, WB * WF, wide_loss, &c);
    gradcheck("wide dwd", c.wd, dwd, WN, wide_loss, &c);
    gradcheck("wide dbias", c.bias, dbias, 1, wide_loss, &c);
}

typedef struct {
    float x[DB * DLDX], v[DN * DD], r[DB * DLDE];
} dense_field_ctx;

static double dense_field_loss(void *p) {
    dense_field_ctx *c = p;
    float e[DB * DLDE] = {0};
    seer_dense_field_forward(e, DLDE, c->x, DLDX, c->v, DB, DN, DD);
    return dot(c->r, e, DB * DLDE);
}

// The values x are data (no gradient); v is the parameter.
Test(interaction, dense_field_gradcheck) {
    seer_rng r;
    seer_rng_init(&r, 22);
    dense_field_ctx c;
    fill(c.x, DB * DLDX, &r, -1, 1);
    fill(c.v, DN * DD, &r, -1, 1);
    fill(c.r, DB * DLDE, &r, -1, 1);
    float dv[DN * DD] = {0};
    seer_dense_field_backward(dv, c.r, DLDE, c.x, DLDX, DB, DN, DD);
    gradcheck("dense_field dv", c.v, dv, DN * DD, dense_field_loss, &c);
}

static double fm_loss(void *p) {
    fm_ctx *c = p;
    float out[FB] = {0};
    seer_fm_forward(out, c->e, c->ld, c->B, c->nf, c->D);
    return dot(c->r, out, c->B);
}

// Over every element of e, padding included (whose gradient must be 0).
static void fm_gradcheck(const char *what, size_t B, size_t nf, size_t D, size_t ld,
                         double amp, uint64_t seed) {
    fm_ctx c;
    fm_ctx_init(&c, B, nf, D, ld, amp, seed);
    float *de = calloc(B * ld, sizeof *de);
    cr_assert(not(eq(ptr, de, NULL)));
    seer_fm_backward(de, c.r, c.e, ld, B, nf, D);
    gradcheck(what, c.e, de, B * ld, fm_loss, &c);
    free(de);
}

Test(interaction, fm_gradcheck) { fm_gradcheck("fm de", FB, FNF, FD, FLD, 1.0, 23); }

Test(interaction, fm_wide_rows_gradcheck) {
    fm_gradcheck("fm de, D=300", XB, XNF, XD, XLD, XAMP, 24);
}

typedef struct {
    float x0[CN], u[CN], xl[CN], r[CN];
} cross_ctx;

// Random x0, u, x_l and r in [-1, 1].
static void cross_ctx_init(cross_ctx *c, uint64_t seed) {
    seer_rng r;
    seer_rng_init(&r, seed);
    fill(c->x0, CN, &r, -1, 1);
    fill(c->u, CN, &r, -1, 1);
    fill(c->xl, CN, &r, -1, 1);
    fill(c->r, CN, &r, -1, 1);
}

static double cross_loss(void *p) {
    cross_ctx *c = p;
    float x_next[CN];
    seer_cross_forward(x_next, c->x0, c->u, c->xl, CN);
    return dot(c->r, x_next, CN);
}

Test(interaction, cross_gradcheck) {
    cross_ctx c;
    cross_ctx_init(&c, 25);
    float du[CN], db[CD] = {0}, dx0[CN] = {0}, dxl[CN] = {0};
    seer_cross_backward(du, db, dx0, dxl, c.r, c.x0, c.u, CB, CD);
    gradcheck("cross du", c.u, du, CN, cross_loss, &c);
    gradcheck("cross dx0", c.x0, dx0, CN, cross_loss, &c);
    gradcheck("cross dxl", c.xl, dxl, CN, cross_loss, &c);
}

typedef struct {
    float o1[BB * BH1], o2[BB * BH2], w1[BH1], w2[BH2], bias[1], r[BB];
    float W[BH1 * BH2];  // room for one head; NH heads use the first NH (H1/NH) (H2/NH)
    size_t NH;
} fusion_ctx;

static double fusion_loss(void *p) {
    fusion_ctx *c = p;
    float out[BB], t[BB * BH2];
    seer_bilinear_fusion_forward(out, t, c->o1, c->o2, c->w1, c->w2, c->bias, c->W, BB, BH1, BH2,
                                 c->NH, SEER_PRECISION_FP32);
    return dot(c->r, out, BB);
}

static void fusion_ctx_init(fusion_ctx *c, size_t NH, uint64_t seed) {
    seer_rng r;
    seer_rng_init(&r, seed);
    fill(c->o1, BB * BH1, &r, -1, 1);
    fill(c->o2, BB * BH2, &r, -1, 1);
    fill(c->w1, BH1, &r, -1, 1);
    fill(c->w2, BH2, &r, -1, 1);
    fill(c->bias, 1, &r, -1, 1);
    fill(c->W, BH1 * BH2, &r, -1, 1);
    fill(c->r, BB, &r, -1, 1);
    c->NH = NH;
}

// Three heads, and one head over the same widths.
static void fusion_gradcheck(size_t NH, uint64_t seed) {
    fusion_ctx c;
    fusion_ctx_init(&c, NH, seed);
    size_t nw = NH * (BH1 / NH) * (BH2 / NH);
    float out[BB], t[BB * BH2], work[BB * BH2];
    float do1[BB * BH1] = {0}, do2[BB * BH2] = {0}, dw1[BH1] = {0}, dw2[BH2] = {0};
    float dbias[1] = {0}, dW[BH1 * BH2] = {0};
    seer_bilinear_fusion_forward(out, t, c.o1, c.o2, c.w1, c.w2, c.bias, c.W, BB, BH1, BH2, NH,
                                 SEER_PRECISION_FP32);
    seer_bilinear_fusion_backward(do1, do2, dw1, dw2, dbias, dW, work, c.r, c.o1, c.o2, t, c.w1,
                                  c.w2, c.W, BB, BH1, BH2, NH, SEER_PRECISION_FP32);
    gradcheck("fusion do1", c.o1, do1, BB * BH1, fusion_loss, &c);
    gradcheck("fusion do2", c.o2, do2, BB * BH2, fusion_loss, &c);
    gradcheck("fusion dw1", c.w1, dw1, BH1, fusion_loss, &c);
    gradcheck("fusion dw2", c.w2, dw2, BH2, fusion_loss, &c);
    gradcheck("fusion dbias", c.bias, dbias, 1, fusion_loss, &c);
    gradcheck("fusion dW", c.W, dW, nw, fusion_loss, &c);
}

Test(interaction, bilinear_fusion_gradcheck) { fusion_gradcheck(BNH, 32); }
Test(interaction, bilinear_fusion_one_head_gradcheck) { fusion_gradcheck(1, 33); }

// ---- backward accumulates --------------------------------------------------

// Each backward run into buffers holding d0 must give d0 + (its result into
// zeros): the models sum several contributions into one gradient (the FM
// and the deep part into the same field embeddings, every cross layer into dx0).
#define CHECK_ADDS(d0, once, twice, n)                                          \
    do {                                                                        \
        float sum_[128];                                                        \
        cr_assert(le(sz, (n), 128));                                            \
        for (size_t i_ = 0; i_ < (n); i_++) sum_[i_] = (d0)[i_] + (once)[i_];   \
        CHECK_CLOSE(twice, sum_, n, 1e-6, 1e-6);                                \
    } while (0)

Test(interaction, wide_backward_adds) {
    seer_rng r;
    seer_rng_init(&r, 26);
    wide_ctx c;
    fill(c.xd, WB * WLD, &r, -1, 1);
    fill(c.r, WB, &r, -1, 1);
    float dxw[WB * WF] = {0}, dwd[WN] = {0}, dbias[1] = {0};
    float dxw0[WB * WF], dwd0[WN], dbias0[1], dxw2[WB * WF], dwd2[WN], dbias2[1];
    fill(dxw0, WB * WF, &r, -1, 1);
    fill(dwd0, WN, &r, -1, 1);
    fill(dbias0, 1, &r, -1, 1);
    memcpy(dxw2, dxw0, sizeof dxw0);
    memcpy(dwd2, dwd0, sizeof dwd0);
    memcpy(dbias2, dbias0, sizeof dbias0);
    seer_wide_backward(dxw, dwd, dbias, c.r, c.xd, WLD, WB, WF, WN);
    seer_wide_backward(dxw2, dwd2, dbias2, c.r, c.xd, WLD, WB, WF, WN);
    CHECK_ADDS(dxw0, dxw, dxw2, WB * WF);
    CHECK_ADDS(dwd0, dwd, dwd2, WN);
    CHECK_ADDS(dbias0, dbias, dbias2, 1);
}

Test(interaction, dense_field_backward_adds) {
    seer_rng r;
    seer_rng_init(&r, 27);
    dense_field_ctx c;
    fill(c.x, DB * DLDX, &r, -1, 1);
    fill(c.r, DB * DLDE, &r, -1, 1);
    float dv[DN * DD] = {0}, dv0[DN * DD], dv2[DN * DD];
    fill(dv0, DN * DD, &r, -1, 1);
    memcpy(dv2, dv0, sizeof dv0);
    seer_dense_field_backward(dv, c.r, DLDE, c.x, DLDX, DB, DN, DD);
    seer_dense_field_backward(dv2, c.r, DLDE, c.x, DLDX, DB, DN, DD);
    CHECK_ADDS(dv0, dv, dv2, DN * DD);
}

// The FM forward adds too: the models put the wide part into the logit first.
Test(interaction, fm_forward_and_backward_add) {
    seer_rng r;
    seer_rng_init(&r, 28);
    float e[FB * FLD], dout[FB], out[FB] = {0}, out0[FB], out2[FB];
    float de[FB * FLD] = {0}, de0[FB * FLD], de2[FB * FLD];
    fill(e, FB * FLD, &r, -1, 1);
    fill(dout, FB, &r, -1, 1);
    fill(out0, FB, &r, -1, 1);
    fill(de0, FB * FLD, &r, -1, 1);
    memcpy(out2, out0, sizeof out0);
    memcpy(de2, de0, sizeof de0);
    seer_fm_forward(out, e, FLD, FB, FNF, FD);
    seer_fm_forward(out2, e, FLD, FB, FNF, FD);
    CHECK_ADDS(out0, out, out2, FB);
    seer_fm_backward(de, dout, e, FLD, FB, FNF, FD);
    seer_fm_backward(de2, dout, e, FLD, FB, FNF, FD);
    CHECK_ADDS(de0, de, de2, FB * FLD);
}

static uint32_t float_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

// Rows eight at a time (nn/fm_lanes.c) give each row the bits it gets alone (a single row
// goes through the row loop): the same additions in the same order, no product fused. The
// values span 2^-6..2^6 so that a fused or reordered sum shows in the last bits. Sizes where
// the lanes take nothing (D = 4, 12, 264) are checked the same way.
Test(interaction, fm_forward_eight_rows_at_once_have_the_bits_of_one) {
    static const size_t dims[] = {8, 16, 24, 64, 256, 4, 12, 264}, rows[] = {8, 9, 23, 64};
    static const size_t fields[] = {1, 3, 39};
    seer_rng r;
    seer_rng_init(&r, 31);
    for (size_t di = 0; di < sizeof dims / sizeof *dims; di++)
        for (size_t ni = 0; ni < sizeof fields / sizeof *fields; ni++)
            for (size_t bi = 0; bi < sizeof rows / sizeof *rows; bi++) {
                size_t D = dims[di], nf = fields[ni], B = rows[bi], ld = nf * D + 3;
                float *e = malloc(B * ld * sizeof *e), *out = malloc(B * sizeof *out);
                float *alone = malloc(B * sizeof *alone);
                cr_assert(e && out && alone);
                for (size_t i = 0; i < B * ld; i++)
                    e[i] = (float)((seer_rng_uniform(&r) * 2 - 1) *
                                   ldexp(1.0, (int)seer_rng_below(&r, 13) - 6));
                fill(out, B, &r, -1, 1);
                memcpy(alone, out, B * sizeof *out);
                seer_fm_forward(out, e, ld, B, nf, D);
                for (size_t b = 0; b < B; b++) seer_fm_forward(alone + b, e + b * ld, ld, 1, nf, D);
                for (size_t b = 0; b < B; b++)
                    cr_assert(eq(u32, float_bits(out[b]), float_bits(alone[b])),
                              "D %zu, %zu fields, %zu rows: row %zu is %.9g, alone %.9g", D, nf,
                              B, b, out[b], alone[b]);
                free(e);
                free(out);
                free(alone);
            }
#ifdef __AVX2__
    float e[8 * 16] = {0}, out[8] = {0};
    cr_assert(eq(sz, seer_fm_forward_lanes(out, e, 16, 8, 1, 16), 8), "the lanes took no rows");
#endif
}

// du is written whole (only the layer has it); db, dx0 and dxl are added to.
Test(interaction, cross_backward_writes_du_and_adds_the_rest) {
    cross_ctx c;
    cross_ctx_init(&c, 29);
    seer_rng r;
    seer_rng_init(&r, 129);
    float du[CN], db[CD] = {0}, dx0[CN] = {0}, dxl[CN] = {0};
    float du2[CN], db0[CD], db2[CD], dx00[CN], dxl0[CN], dx02[CN], dxl2[CN];
    fill(du2, CN, &r, -1, 1);  // stale values, which must not show
    fill(db0, CD, &r, -1, 1);
    fill(dx00, CN, &r, -1, 1);
    fill(dxl0, CN, &r, -1, 1);
    memcpy(db2, db0, sizeof db0);
    memcpy(dx02, dx00, sizeof dx00);
    memcpy(dxl2, dxl0, sizeof dxl0);
    seer_cross_backward(du, db, dx0, dxl, c.r, c.x0, c.u, CB, CD);
    seer_cross_backward(du2, db2, dx02, dxl2, c.r, c.x0, c.u, CB, CD);
    for (size_t i = 0; i < CN; i++) cr_assert(eq(flt, du2[i], du[i]), "du[%zu]", i);
    CHECK_ADDS(db0, db, db2, CD);
    CHECK_ADDS(dx00, dx0, dx02, CN);
    CHECK_ADDS(dxl0, dxl, dxl2, CN);
}

// Without dxl (x_l's gradient kept where dnext is), the rest is the same, to the bit.
Test(interaction, cross_backward_without_dxl) {
    cross_ctx c;
    cross_ctx_init(&c, 31);
    float du[CN], db[CD] = {0}, dx0[CN] = {0}, dxl[CN] = {0};
    float du2[CN], db2[CD] = {0}, dx02[CN] = {0};
    seer_cross_backward(du, db, dx0, dxl, c.r, c.x0, c.u, CB, CD);
    seer_cross_backward(du2, db2, dx02, NULL, c.r, c.x0, c.u, CB, CD);
    cr_assert(eq(int, memcmp(du, du2, sizeof du), 0));
    cr_assert(eq(int, memcmp(db, db2, sizeof db), 0));
    cr_assert(eq(int, memcmp(dx0, dx02, sizeof dx0), 0));
}

// In DCN-v2's first layer x_l is x0 itself: dx0 and dxl are one buffer, and
// both contributions must land in it.
Test(interaction, cross_backward_aliased) {
    cross_ctx c;
    cross_ctx_init(&c, 30);
    float du[CN], db[CD] = {0}, dx0[CN] = {0}, dxl[CN] = {0};
    float du2[CN], db2[CD] = {0}, dboth[CN] = {0};
    seer_cross_backward(du, db, dx0, dxl, c.r, c.x0, c.u, CB, CD);
    seer_cross_backward(du2, db2, dboth, dboth, c.r, c.x0, c.u, CB, CD);
    CHECK_ADDS(dx0, dxl, dboth, CN);
    cr_assert(eq(int, memcmp(du, du2, sizeof du), 0));
    cr_assert(eq(int, memcmp(db, db2, sizeof db), 0));
}

Test(interaction, bilinear_fusion_backward_adds) {
    fusion_ctx c;
    fusion_ctx_init(&c, BNH, 34);
    seer_rng r;
    seer_rng_init(&r, 35);
    float out[BB], t[BB * BH2], work[BB * BH2];
    seer_bilinear_fusion_forward(out, t, c.o1, c.o2, c.w1, c.w2, c.bias, c.W, BB, BH1, BH2, BNH,
                                 SEER_PRECISION_FP32);
    float do1[BB * BH1] = {0}, do2[BB * BH2] = {0}, dw1[BH1] = {0}, dw2[BH2] = {0};
    float dbias[1] = {0}, dW[BW] = {0};
    float do10[BB * BH1], do20[BB * BH2], dw10[BH1], dw20[BH2], dbias0[1], dW0[BW];
    fill(do10, BB * BH1, &r, -1, 1);
    fill(do20, BB * BH2, &r, -1, 1);
    fill(dw10, BH1, &r, -1, 1);
    fill(dw20, BH2, &r, -1, 1);
    fill(dbias0, 1, &r, -1, 1);
    fill(dW0, BW, &r, -1, 1);
    float do12[BB * BH1], do22[BB * BH2], dw12[BH1], dw22[BH2], dbias2[1], dW2[BW];
    memcpy(do12, do10, sizeof do10);
    memcpy(do22, do20, sizeof do20);
    memcpy(dw12, dw10, sizeof dw10);
    memcpy(dw22, dw20, sizeof dw20);
    memcpy(dbias2, dbias0, sizeof dbias0);
    memcpy(dW2, dW0, sizeof dW0);
    seer_bilinear_fusion_backward(do1, do2, dw1, dw2, dbias, dW, work, c.r, c.o1, c.o2, t, c.w1,
                                  c.w2, c.W, BB, BH1, BH2, BNH, SEER_PRECISION_FP32);
    seer_bilinear_fusion_backward(do12, do22, dw12, dw22, dbias2, dW2, work, c.r, c.o1, c.o2, t,
                                  c.w1, c.w2, c.W, BB, BH1, BH2, BNH, SEER_PRECISION_FP32);
    CHECK_ADDS(do10, do1, do12, BB * BH1);
    CHECK_ADDS(do20, do2, do22, BB * BH2);
    CHECK_ADDS(dw10, dw1, dw12, BH1);
    CHECK_ADDS(dw20, dw2, dw22, BH2);
    CHECK_ADDS(dbias0, dbias, dbias2, 1);
    CHECK_ADDS(dW0, dW, dW2, BW);
}

// The dense fields' backward sums over the rows in registers, eight dimensions at a time
// (interaction.c): against a double reference, at widths with and without whole blocks of
// eight, on strided rows, added to what dv held.
Test(interaction, dense_field_backward_in_blocks_of_eight) {
    static const size_t dims[] = {1, 3, 8, 12, 16, 24};
    seer_rng r;
    seer_rng_init(&r, 32);
    for (size_t di = 0; di < sizeof dims / sizeof *dims; di++) {
        size_t D = dims[di], n = 5, B = 37, ld_e = n * D + 2, ld_x = n + 3;
        float *de = malloc(B * ld_e * sizeof *de), *x = malloc(B * ld_x * sizeof *x);
        float *dv = malloc(n * D * sizeof *dv);
        double *want = malloc(n * D * sizeof *want);
        cr_assert(de && x && dv && want);
        fill(de, B * ld_e, &r, -1, 1);
        fill(x, B * ld_x, &r, -3, 3);
        fill(dv, n * D, &r, -1, 1);
        for (size_t i = 0; i < n * D; i++) want[i] = dv[i];
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < n; j++)
                for (size_t k = 0; k < D; k++)
                    want[j * D + k] += (double)de[b * ld_e + j * D + k] * x[b * ld_x + j];
        seer_dense_field_backward(dv, de, ld_e, x, ld_x, B, n, D);
        for (size_t i = 0; i < n * D; i++)
            cr_assert(le(dbl, fabs(dv[i] - want[i]), 1e-5 * (1 + fabs(want[i]))),
                      "D %zu: dv[%zu] %.9g, not %.9g", D, i, dv[i], want[i]);
        free(de);
        free(x);
        free(dv);
        free(want);
    }
}
