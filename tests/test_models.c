// Tests of whole networks (src/models/: mlp, lr, fm, wdl, deepfm, dcnv2
// parallel and stacked, finalmlp with one and two heads): one forward and
// backward compared tensor by tensor with PyTorch, ten Adam steps compared as
// a loss trajectory and final parameters, a finite-difference check of the
// loss gradient with respect to every parameter and table entry, and
// run-to-run determinism.
//
// The goldens (tests/golden/<model>.bin, the fm model's fm_model.bin, from
// tests/ref/make_golden.py) hold the batch (ids, dense, labels), the initial
// parameters, the logits, loss and every gradient of one step (the embedding
// table's as a dense (rows, D) gradient), then the losses of ten steps on that
// batch with lr 1e-2 (Adam for the dense block, SparseAdam for the tables) and
// the final parameters. Parameters are named layer by layer (w<l>, b<l>);
// the model's own block (n->extra: wd, bias and, for fm and deepfm, v;
// finalmlp's gate contexts and fusion weights) is "extra", and the width-1
// wide table of fm, wdl and deepfm is "wide", with gradients dextra and
// d_wide.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/error.h"
#include "base/rng.h"
#include "golden.h"
#include "models/net.h"
#include "nn/embedding.h"
#include "nn/fused_linear.h"
#include "nn/loss.h"
#include "train/average.h"

enum { B = 8, F = 3, N_DENSE = 2, ROWS = 10, CAP = 16 };

// One forward and backward in float against float64 PyTorch: logits and
// gradients are sums of a few dozen products, a few ulps off. Measured over
// all seven models: max rel 7.2e-7 on logits and loss (dcnv2 stacked), max abs
// 3e-8 on gradients of O(1e-2) (rel up to 8e-5 only where a gradient is 1e-4
// or less); every element within a sixth of its allowance (finalmlp's too,
// measured at -O3 -march=native). So rtol 1e-5 with
// an absolute floor of 1e-7 for the near-cancelled ones (still 1e-5 of a
// typical gradient); any wrong term is off by far more.
#define FWD_RTOL 1e-5
#define FWD_ATOL 1e-7
// Ten Adam steps with lr 1e-2 on one batch move each parameter by up to 0.1;
// the float run stays within 1.2e-7 absolute (2.4e-6 relative) of the float64
// reference, measured with -O0, -O1 and -O3 -march=native; dcnv2's cross
// weights, through two more products, within 3.7e-7 (5.9e-6, at -O0);
// finalmlp (two heads) within 2.4e-7 of a weight of 0.034 (-O3 only).
// Allowed: 1e-6 + 1e-5 |want|, a margin of 4 at that worst element, 5.7 at
// finalmlp's, 8 or more elsewhere. A wrong step size, bias correction, eps placement
// (the dense one in place of SparseAdam's for the table, 2e-6 here) or a
// gradient error of 1e-4 relative already exceeds it.
#define TRAIN_RTOL 1e-5
#define TRAIN_ATOL 1e-6

static const seer_adam_config adam_cfg = {.lr = 1e-2f, .beta1 = 0.9f, .beta2 = 0.999f,
                                          .eps = 1e-7f};

// A model under test: its kind, dcnv2's structure, its golden file,
// whether its fields are bags (multi-valued), finalmlp's fusion heads, and for the gradient
// checks of dcnv2's other shapes, no deep stack or no cross layers.
typedef struct {
    seer_model_kind kind;
    int stacked;
    const char *path;
    int bags;
    size_t heads;
    int no_hidden, no_cross;
} model_case;

// The bag cases: field 0 single, field 1 three slots averaged, field 2 two
// slots summed (make_golden.py's deepfm_bags), S = 6 ids a row.
enum { S_BAGS = 6 };
static const uint32_t bag_slots[F] = {1, 3, 2};
static const uint8_t bag_mean[F] = {0, 1, 0};

static const model_case mlp = {SEER_MODEL_MLP, 0, "tests/golden/mlp.bin", 0, 0, 0, 0};
static const model_case lr = {SEER_MODEL_LR, 0, "tests/golden/lr.bin", 0, 0, 0, 0};
static const model_case fm = {SEER_MODEL_FM, 0, "tests/golden/fm_model.bin", 0, 0, 0, 0};
static const model_case wdl = {SEER_MODEL_WDL, 0, "tests/golden/wdl.bin", 0, 0, 0, 0};
static const model_case deepfm = {SEER_MODEL_DEEPFM, 0, "tests/golden/deepfm.bin", 0, 0, 0, 0};
static const model_case dcnv2 = {SEER_MODEL_DCNV2, 0, "tests/golden/dcnv2.bin", 0, 0, 0, 0};
static const model_case dcnv2_stacked = {SEER_MODEL_DCNV2, 1, "tests/golden/dcnv2_stacked.bin",
                                         0, 0, 0, 0};
static const model_case deepfm_bags = {SEER_MODEL_DEEPFM, 0, "tests/golden/deepfm_bags.bin", 1,
                                       0, 0, 0};
static const model_case finalmlp = {SEER_MODEL_FINALMLP, 0, "tests/golden/finalmlp.bin", 0, 1,
                                    0, 0};
static const model_case finalmlp_heads = {SEER_MODEL_FINALMLP, 0,
                                          "tests/golden/finalmlp_heads.bin", 0, 2, 0, 0};

enum { GOLDEN_CROSS = 2 };  // dcnv2's cross layers in make_golden.py's files

// As make_golden.py builds them: D = 4 (lr: 1), hidden 6,5 (lr and fm: none),
// two cross layers for dcnv2. finalmlp: gates of 3; streams 6,5 and 4 with
// one head, or, for two heads (which must divide both last widths), 6,4 and 6.
static seer_net_config config_of(const model_case *m) {
    seer_net_config c = {.kind = m->kind, .n_fields = F, .n_dense = N_DENSE, .emb_rows = ROWS,
                         .emb_dim = m->kind == SEER_MODEL_LR ? 1 : 4, .batch_cap = CAP,
                         .stacked = m->stacked};
    if (m->kind != SEER_MODEL_LR && m->kind != SEER_MODEL_FM) {
        c.n_hidden = 2;
        c.hidden[0] = 6;
        c.hidden[1] = 5;
    }
    if (m->kind == SEER_MODEL_DCNV2) c.n_cross = m->no_cross ? 0 : GOLDEN_CROSS;
    if (m->no_hidden) c.n_hidden = 0;
    if (m->kind == SEER_MODEL_FINALMLP) {
        c.n_heads = m->heads;
        c.gate_hidden = 3;
        c.n_hidden2 = 1;
        c.hidden2[0] = m->heads == 1 ? 4 : 6;
        if (m->heads == 2) c.hidden[1] = 4;
    }
    if (m->bags) {
        c.n_slots = S_BAGS;
        c.field_slots = bag_slots;
        c.field_mean = bag_mean;
    }
    return c;
}

// The golden batch, and a net holding the golden initial parameters.
typedef struct {
    golden g;
    seer_net n;
    uint32_t ids[B * S_BAGS];
    const float *dense, *y;
} fixture;

// The golden files name the parameters layer by layer (w<l>, b<l>). lr has no
// layers: its dense weights and bias, the model's own parameters, are its
// "layer 0". The other models' own parameters are one tensor, "extra".
typedef struct {
    float *w, *b, *dw, *db;
    size_t nw, nb;
} layer_view;

static size_t golden_layers(const seer_net *n) {
    return n->cfg.kind == SEER_MODEL_LR ? 1 : n->n_layers;
}

// Whether the golden file holds the model's own parameters as "extra".
static int has_extra(const seer_net *n) {
    return n->cfg.kind != SEER_MODEL_LR && n->plan.extra > 0;
}

static layer_view view_of(seer_net *n, size_t l) {
    if (n->cfg.kind == SEER_MODEL_LR) {
        size_t nd = n->cfg.n_dense;
        return (layer_view){n->extra, n->extra + nd, n->dextra, n->dextra + nd, nd, 1};
    }
    return (layer_view){n->w[l], n->b[l], n->dw[l], n->db[l],
                        n->layer_in[l] * n->layer_out[l], n->layer_out[l]};
}

static void fixture_init(fixture *x, const model_case *m) {
    cr_assert(eq(int, golden_open(&x->g, m->path), 0),
              "cannot read %s; run tests from the repo root", m->path);
    seer_net_config c = config_of(m);
    cr_assert(eq(int, seer_net_init(&x->n, &c, 1), SEER_OK));
    seer_net *n = &x->n;
    size_t S = n->S;
    cr_assert(eq(sz, golden_numel(&x->g, "ids"), B * S));
    for (size_t i = 0; i < B * S; i++) {
        float v = golden_get(&x->g, "ids")[i];
        x->ids[i] = v < 0 ? SEER_NO_ID : (uint32_t)v;
    }
    x->dense = golden_get(&x->g, "dense");
    x->y = golden_get(&x->g, "y");
    cr_assert(eq(sz, golden_numel(&x->g, "emb"), ROWS * n->D));
    memcpy(n->emb, golden_get(&x->g, "emb"), ROWS * n->D * sizeof(float));
    if (m->no_hidden || m->no_cross) {
        // A shape the file does not hold (gradient checks only): a layer takes the file's layer
        // of its place in the full net where their sizes agree, as the deep stack's do without
        // cross layers (weights that keep its ReLUs off their switch points); the others keep
        // their random start.
        size_t skip = m->no_cross ? GOLDEN_CROSS : 0;
        for (size_t l = 0; l < n->n_layers; l++) {
            char wn[32], bn[32];
            snprintf(wn, sizeof wn, "w%zu", l + skip);
            snprintf(bn, sizeof bn, "b%zu", l + skip);
            layer_view v = view_of(n, l);
            if (!golden_find(&x->g, wn) || golden_numel(&x->g, wn) != v.nw ||
                golden_numel(&x->g, bn) != v.nb)
                continue;
            memcpy(v.w, golden_get(&x->g, wn), v.nw * sizeof(float));
            memcpy(v.b, golden_get(&x->g, bn), v.nb * sizeof(float));
        }
        return;
    }
    for (size_t l = 0; l < golden_layers(n); l++) {
        char wn[32], bn[32];
        snprintf(wn, sizeof wn, "w%zu", l);
        snprintf(bn, sizeof bn, "b%zu", l);
        layer_view v = view_of(n, l);
        cr_assert(eq(sz, golden_numel(&x->g, wn), v.nw), "layer %zu weight size", l);
        cr_assert(eq(sz, golden_numel(&x->g, bn), v.nb), "layer %zu bias size", l);
        memcpy(v.w, golden_get(&x->g, wn), v.nw * sizeof(float));
        memcpy(v.b, golden_get(&x->g, bn), v.nb * sizeof(float));
    }
    // The file has no more layers, and its own parameters and wide table
    // exactly when the net has them.
    char wn[32];
    snprintf(wn, sizeof wn, "w%zu", golden_layers(n));
    cr_assert(eq(ptr, (void *)golden_find(&x->g, wn), NULL), "%s has more layers", m->path);
    cr_assert(eq(int, golden_find(&x->g, "extra") != NULL, has_extra(n)), "extra");
    cr_assert(eq(int, golden_find(&x->g, "wide") != NULL, n->plan.wide != 0), "wide table");
    if (has_extra(n)) {
        cr_assert(eq(sz, golden_numel(&x->g, "extra"), n->plan.extra));
        memcpy(n->extra, golden_get(&x->g, "extra"), n->plan.extra * sizeof(float));
    }
    if (n->plan.wide) {
        cr_assert(eq(sz, golden_numel(&x->g, "wide"), ROWS));
        memcpy(n->wide, golden_get(&x->g, "wide"), ROWS * sizeof(float));
    }
}

static void fixture_free(fixture *x) {
    seer_net_free(&x->n);
    golden_close(&x->g);
}

// Forward, loss and backward of one batch without an optimiser step: fills
// n->grads, and dtable (emb_rows, D) with the table's dense gradient scattered
// from the gathered embeddings' (seer_net_gathered_grad) through the same unique + backward
// path the train step uses; for a model with a wide part also dwide (emb_rows), scattered
// from dxw.
// Returns the loss.
static double loss_and_grads(seer_net *n, const uint32_t *ids, const float *dense,
                             const float *y, size_t nb, float *dtable, float *dwide) {
    size_t D = n->D;
    seer_net_forward(n, ids, dense, nb);
    double loss = seer_bce_logits_forward(n->logit, y, nb);
    seer_net_zero_grads(n, nb);
    seer_bce_logits_backward(n->dlogit, n->logit, y, nb);
    n->ops->backward(n, nb);

    uint32_t marks[2 * ROWS] = {0}, uniq[CAP * S_BAGS], slot[CAP * S_BAGS];
    float drows[CAP * S_BAGS * 4] = {0};
    cr_assert(le(sz, D, 4));
    // With bags, the forward laid them out: scatter through them as the train step does.
    int bags = n->S != F;
    size_t n_uniq = seer_embedding_unique(uniq, slot, bags ? n->bag_ids : ids,
                                          bags ? n->n_bag_ids : nb * F, marks, 1);
    size_t ld;
    const float *de = seer_net_gathered_grad(n, &ld);
    if (bags)
        seer_embedding_bag_backward(drows, slot, n->bag_off, n->bag_w, de, ld, nb, F, D);
    else
        seer_embedding_backward(drows, slot, de, ld, nb, F, D);
    memset(dtable, 0, ROWS * D * sizeof(float));
    for (size_t u = 0; u < n_uniq; u++)
        memcpy(dtable + uniq[u] * D, drows + u * D, D * sizeof(float));
    if (n->plan.wide) {
        float dw_rows[CAP * S_BAGS] = {0};
        if (bags)
            seer_embedding_bag_backward(dw_rows, slot, n->bag_off, n->bag_w, n->dxw, F, nb, F, 1);
        else
            seer_embedding_backward(dw_rows, slot, n->dxw, F, nb, F, 1);
        memset(dwide, 0, ROWS * sizeof(float));
        for (size_t u = 0; u < n_uniq; u++) dwide[uniq[u]] = dw_rows[u];
    }
    return loss;
}

static void check_forward(const model_case *m) {
    fixture x;
    fixture_init(&x, m);
    seer_net_forward(&x.n, x.ids, x.dense, B);
    float loss = (float)seer_bce_logits_forward(x.n.logit, x.y, B);
    CHECK_GOLDEN(&x.g, "logits", x.n.logit, B, FWD_RTOL, FWD_ATOL);
    CHECK_GOLDEN(&x.g, "loss", &loss, 1, FWD_RTOL, 0.0);
    fixture_free(&x);
}

static void check_backward(const model_case *m) {
    fixture x;
    fixture_init(&x, m);
    seer_net *n = &x.n;
    float dtable[ROWS * 4], dwide[ROWS];
    loss_and_grads(n, x.ids, x.dense, x.y, B, dtable, dwide);
    for (size_t l = 0; l < golden_layers(n); l++) {
        char wn[32], bn[32];
        snprintf(wn, sizeof wn, "dw%zu", l);
        snprintf(bn, sizeof bn, "db%zu", l);
        layer_view v = view_of(n, l);
        CHECK_GOLDEN(&x.g, wn, v.dw, v.nw, FWD_RTOL, FWD_ATOL);
        CHECK_GOLDEN(&x.g, bn, v.db, v.nb, FWD_RTOL, FWD_ATOL);
    }
    CHECK_GOLDEN(&x.g, "d_emb", dtable, ROWS * n->D, FWD_RTOL, FWD_ATOL);
    if (has_extra(n)) CHECK_GOLDEN(&x.g, "dextra", n->dextra, n->plan.extra, FWD_RTOL, FWD_ATOL);
    if (n->plan.wide) CHECK_GOLDEN(&x.g, "d_wide", dwide, ROWS, FWD_RTOL, FWD_ATOL);
    fixture_free(&x);
}

static void check_train(const model_case *m) {
    fixture x;
    fixture_init(&x, m);
    seer_net *n = &x.n;
    float losses[10];
    for (int s = 0; s < 10; s++)
        losses[s] = (float)seer_net_train_step(n, x.ids, x.dense, x.y, B, &adam_cfg);
    cr_assert(eq(long, n->step, 10));
    CHECK_GOLDEN(&x.g, "losses", losses, 10, TRAIN_RTOL, 0.0);
    CHECK_GOLDEN(&x.g, "emb_final", n->emb, ROWS * n->D, TRAIN_RTOL, TRAIN_ATOL);
    for (size_t l = 0; l < golden_layers(n); l++) {
        char wn[32], bn[32];
        snprintf(wn, sizeof wn, "w%zu_final", l);
        snprintf(bn, sizeof bn, "b%zu_final", l);
        layer_view v = view_of(n, l);
        CHECK_GOLDEN(&x.g, wn, v.w, v.nw, TRAIN_RTOL, TRAIN_ATOL);
        CHECK_GOLDEN(&x.g, bn, v.b, v.nb, TRAIN_RTOL, TRAIN_ATOL);
    }
    if (has_extra(n))
        CHECK_GOLDEN(&x.g, "extra_final", n->extra, n->plan.extra, TRAIN_RTOL, TRAIN_ATOL);
    if (n->plan.wide) CHECK_GOLDEN(&x.g, "wide_final", n->wide, ROWS, TRAIN_RTOL, TRAIN_ATOL);
    fixture_free(&x);
}

Test(models, mlp_forward_golden) { check_forward(&mlp); }
Test(models, mlp_backward_golden) { check_backward(&mlp); }
Test(models, mlp_train_golden) { check_train(&mlp); }
Test(models, lr_forward_golden) { check_forward(&lr); }
Test(models, lr_backward_golden) { check_backward(&lr); }
Test(models, lr_train_golden) { check_train(&lr); }
Test(models, fm_forward_golden) { check_forward(&fm); }
Test(models, fm_backward_golden) { check_backward(&fm); }
Test(models, fm_train_golden) { check_train(&fm); }
Test(models, wdl_forward_golden) { check_forward(&wdl); }
Test(models, wdl_backward_golden) { check_backward(&wdl); }
Test(models, wdl_train_golden) { check_train(&wdl); }
Test(models, deepfm_forward_golden) { check_forward(&deepfm); }
Test(models, deepfm_backward_golden) { check_backward(&deepfm); }
Test(models, deepfm_train_golden) { check_train(&deepfm); }
Test(models, dcnv2_forward_golden) { check_forward(&dcnv2); }
Test(models, dcnv2_backward_golden) { check_backward(&dcnv2); }
Test(models, dcnv2_train_golden) { check_train(&dcnv2); }
Test(models, dcnv2_stacked_forward_golden) { check_forward(&dcnv2_stacked); }
Test(models, dcnv2_stacked_backward_golden) { check_backward(&dcnv2_stacked); }
Test(models, dcnv2_stacked_train_golden) { check_train(&dcnv2_stacked); }
Test(models, deepfm_bags_forward_golden) { check_forward(&deepfm_bags); }
Test(models, deepfm_bags_backward_golden) { check_backward(&deepfm_bags); }
Test(models, deepfm_bags_train_golden) { check_train(&deepfm_bags); }
Test(models, finalmlp_forward_golden) { check_forward(&finalmlp); }
Test(models, finalmlp_backward_golden) { check_backward(&finalmlp); }
Test(models, finalmlp_train_golden) { check_train(&finalmlp); }
Test(models, finalmlp_heads_forward_golden) { check_forward(&finalmlp_heads); }
Test(models, finalmlp_heads_backward_golden) { check_backward(&finalmlp_heads); }
Test(models, finalmlp_heads_train_golden) { check_train(&finalmlp_heads); }

// ---- finite differences ----------------------------------------------------
//
// Central differences of the mean BCE (double, from float logits) with step
// GC_H = 3e-3, moved to the nearest float and divided by the step taken. The
// loss is about 0.7 and the float rounding of the logits moves it by about
// 5e-8, up to 1e-5 in the numerical value; the truncation error is below
// 1e-6 (finalmlp's gates add sigmoids, but halving the step doubles its worst
// error: rounding there too). Measured: max |num - ana| 9e-6 (deepfm), 6.9e-6
// (finalmlp, a gate's output bias: 0.29 of its allowance), 5.1e-6 or less for
// the others, at most a fifth of the allowance. The gradients are
// O(1e-3..1e-1), so a gradient passes if |num - ana| <= 2e-5 + 1e-3 |ana|; a
// wrong term (a missing ReLU mask, a wrong 1/B, a dropped embedding
// occurrence) is off by 1e-3 or more. A perturbation that switches a ReLU
// makes the loss non-smooth: those elements are skipped (and counted; at most
// a few may be, 2 are for deepfm and dcnv2 stacked, 1 for each finalmlp case).

#define GC_H 3e-3
#define GC_ATOL 2e-5
#define GC_RTOL 1e-3

typedef struct {
    seer_net *n;
    const uint32_t *ids;
    const float *dense, *y;
    size_t nb;
    uint8_t mask[CAP * 64];  // the ReLU pattern of the unperturbed forward
    size_t n_mask;
} gc_ctx;

// The rows of layer l's output that hold a ReLU's in a forward of nb rows.
// The ReLU layers are the hidden stack: after dcnv2's cross layers, whose h
// holds their linear parts; lr has none. finalmlp's stacks follow its four
// gate layers, of which 0 and 2 end in a ReLU, in one row (the gate is the
// same for every row), and 1 and 3 in a sigmoid.
static size_t relu_rows(const seer_net *n, size_t l, size_t nb) {
    size_t first = n->cfg.kind == SEER_MODEL_DCNV2 ? n->cfg.n_cross : 0, count = n->cfg.n_hidden;
    if (n->cfg.kind == SEER_MODEL_FINALMLP) {
        if (l < 4) return l % 2 == 0;
        first = 4;
        count += n->cfg.n_hidden2;
    }
    return l >= first && l < first + count ? nb : 0;
}

// Loss at the current parameters; writes the ReLU pattern into mask (n_mask).
static double gc_loss(gc_ctx *c, uint8_t *mask) {
    seer_net *n = c->n;
    seer_net_forward(n, c->ids, c->dense, c->nb);
    size_t k = 0;
    for (size_t l = 0; l < n->n_layers; l++)
        for (size_t i = 0; i < relu_rows(n, l, c->nb) * n->layer_out[l]; i++)
            mask[k++] = n->h[l][i] > 0.0f;
    c->n_mask = k;
    return seer_bce_logits_forward(n->logit, c->y, c->nb);
}

// Checks ana (count) against differences of the loss in x (count).
// Returns the number of elements skipped at a ReLU switch.
static size_t gc_check(const char *what, gc_ctx *c, float *x, const float *ana, size_t count) {
    uint8_t mp[CAP * 64], mm[CAP * 64];
    size_t skipped = 0;
    for (size_t i = 0; i < count; i++) {
        float x0 = x[i], xp = (float)(x0 + GC_H), xm = (float)(x0 - GC_H);
        x[i] = xp;
        double lp = gc_loss(c, mp);
        x[i] = xm;
        double lm = gc_loss(c, mm);
        x[i] = x0;
        if (memcmp(mp, c->mask, c->n_mask) || memcmp(mm, c->mask, c->n_mask)) {
            skipped++;
            continue;
        }
        double num = (lp - lm) / ((double)xp - (double)xm);
        if (!(fabs(num - ana[i]) <= GC_ATOL + GC_RTOL * fabs(ana[i])))
            cr_fatal("%s[%zu]: numerical %.7g analytic %.7g (|diff| %.3g > %g + %g |ana|)", what,
                     i, num, ana[i], fabs(num - ana[i]), GC_ATOL, GC_RTOL);
    }
    return skipped;
}

static void check_gradients(const model_case *m) {
    fixture x;
    fixture_init(&x, m);
    seer_net *n = &x.n;
    float grads[1024], dtable[ROWS * 4], dwide[ROWS];
    cr_assert(le(sz, n->n_params, 1024));
    size_t relu = 0;
    for (size_t l = 0; l < n->n_layers; l++) relu += relu_rows(n, l, B) * n->layer_out[l];
    cr_assert(le(sz, relu, CAP * 64), "the ReLU pattern does not fit gc_ctx.mask");
    loss_and_grads(n, x.ids, x.dense, x.y, B, dtable, dwide);
    memcpy(grads, n->grads, n->n_params * sizeof(float));
    gc_ctx c = {.n = n, .ids = x.ids, .dense = x.dense, .y = x.y, .nb = B};
    gc_loss(&c, c.mask);
    // Every dense parameter of every layer and the model's own, then every
    // table entry (untouched rows must come out 0 both ways).
    size_t count = n->n_params + ROWS * n->D;
    size_t skipped = gc_check("params", &c, n->params, grads, n->n_params);
    skipped += gc_check("emb", &c, n->emb, dtable, ROWS * n->D);
    if (n->plan.wide) {
        skipped += gc_check("wide", &c, n->wide, dwide, ROWS);
        count += ROWS;
    }
    cr_assert(le(sz, skipped, 5), "%zu of %zu elements skipped at a ReLU switch (stacked %d, "
              "no hidden %d, no cross %d)", skipped, count, m->stacked, m->no_hidden, m->no_cross);
    fixture_free(&x);
}

Test(models, mlp_gradcheck) { check_gradients(&mlp); }
Test(models, lr_gradcheck) { check_gradients(&lr); }
Test(models, fm_gradcheck) { check_gradients(&fm); }
Test(models, wdl_gradcheck) { check_gradients(&wdl); }
Test(models, deepfm_gradcheck) { check_gradients(&deepfm); }
Test(models, dcnv2_gradcheck) { check_gradients(&dcnv2); }
Test(models, dcnv2_stacked_gradcheck) { check_gradients(&dcnv2_stacked); }
// dcnv2's backward routes the output layer's gradient by shape: into x_C's and the deep part's,
// into dx0 for either when it is x0 itself.
Test(models, dcnv2_other_shapes_gradcheck) {
    static const model_case shapes[] = {
        {SEER_MODEL_DCNV2, 0, dcnv2.path, 0, 0, 1, 0}, {SEER_MODEL_DCNV2, 1, dcnv2.path, 0, 0, 1, 0},
        {SEER_MODEL_DCNV2, 0, dcnv2.path, 0, 0, 0, 1}, {SEER_MODEL_DCNV2, 1, dcnv2.path, 0, 0, 0, 1},
        {SEER_MODEL_DCNV2, 0, dcnv2.path, 0, 0, 1, 1}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) check_gradients(&shapes[i]);
}
Test(models, deepfm_bags_gradcheck) { check_gradients(&deepfm_bags); }
Test(models, finalmlp_gradcheck) { check_gradients(&finalmlp); }
Test(models, finalmlp_heads_gradcheck) { check_gradients(&finalmlp_heads); }

// ---- determinism -----------------------------------------------------------

// Random batches of CAP rows; ids over the whole table, so rows repeat. With
// bags (S slots a row), the slots after a bag's first are unused at random.
static void random_batch(seer_rng *r, uint32_t *ids, float *dense, float *y, size_t S) {
    for (size_t i = 0; i < CAP * S; i++) ids[i] = (uint32_t)seer_rng_below(r, ROWS);
    for (size_t b = 0; S != F && b < CAP; b++)
        for (size_t f = 0, s = 0; f < F; s += bag_slots[f++])
            for (size_t k = 1; k < bag_slots[f]; k++)
                if (seer_rng_uniform(r) < 0.4) ids[b * S + s + k] = SEER_NO_ID;
    for (size_t i = 0; i < CAP * N_DENSE; i++) dense[i] = (float)(seer_rng_uniform(r) * 2 - 1);
    for (size_t i = 0; i < CAP; i++) y[i] = seer_rng_uniform(r) < 0.5 ? 0.0f : 1.0f;
}

// Two nets from the same seed, trained 20 steps on the same batches, are
// bit-identical, and training did move them. One of them starts every step with
// garbage in its activation gradients: the step zeroes what the backward adds into.
static void check_deterministic(const model_case *m) {
    seer_net_config cfg = config_of(m);
    seer_net a, b, init;
    cr_assert(eq(int, seer_net_init(&a, &cfg, 42), SEER_OK));
    cr_assert(eq(int, seer_net_init(&b, &cfg, 42), SEER_OK));
    cr_assert(eq(int, seer_net_init(&init, &cfg, 42), SEER_OK));
    seer_rng ra, rb;
    seer_rng_init(&ra, 7);
    seer_rng_init(&rb, 7);
    uint32_t ids[CAP * S_BAGS];
    float dense[CAP * N_DENSE], y[CAP];
    for (int s = 0; s < 20; s++) {
        random_batch(&ra, ids, dense, y, a.S);
        double la = seer_net_train_step(&a, ids, dense, y, CAP, &adam_cfg);
        random_batch(&rb, ids, dense, y, b.S);
        for (size_t i = 0; i < b.n_dact * CAP; i++) b.dact[i] = 1e30f;
        double lb = seer_net_train_step(&b, ids, dense, y, CAP, &adam_cfg);
        cr_assert(eq(int, memcmp(&la, &lb, sizeof la), 0), "step %d: loss %.17g vs %.17g", s,
                  la, lb);
    }
    size_t emb_bytes = ROWS * a.D * sizeof(float), par_bytes = a.n_params * sizeof(float);
    cr_assert(eq(int, memcmp(a.params, b.params, par_bytes), 0), "params differ");
    cr_assert(eq(int, memcmp(a.emb, b.emb, emb_bytes), 0), "embedding table differs");
    cr_assert(eq(int, memcmp(a.adam_m, b.adam_m, par_bytes), 0), "adam m differs");
    cr_assert(eq(int, memcmp(a.emb_v, b.emb_v, emb_bytes), 0), "table v differs");
    cr_assert(ne(int, memcmp(a.params, init.params, par_bytes), 0), "training moved nothing");
    cr_assert(ne(int, memcmp(a.emb, init.emb, emb_bytes), 0), "the table did not move");
    if (a.plan.wide) {
        size_t wide_bytes = ROWS * sizeof(float);
        cr_assert(eq(int, memcmp(a.wide, b.wide, wide_bytes), 0), "wide table differs");
        cr_assert(eq(int, memcmp(a.wide_v, b.wide_v, wide_bytes), 0), "wide table v differs");
        cr_assert(ne(int, memcmp(a.wide, init.wide, wide_bytes), 0), "the wide table did not move");
    }
    seer_net_free(&a);
    seer_net_free(&b);
    seer_net_free(&init);
}

// Averaged weights moved inside the update (seer_weight_avg_follow, seer_net_gradients and
// seer_net_update) are those of a step followed by seer_weight_avg_step, bit for bit: the
// weights, the dense average and every row's, after 20 steps whose rows repeat; with Adam, or
// with Adagrad.
static void check_average_follows(const model_case *m, int adagrad) {
    seer_net_config cfg = config_of(m);
    cfg.adagrad = adagrad;
    seer_net a, b;
    cr_assert(eq(int, seer_net_init(&a, &cfg, 42), SEER_OK));
    cr_assert(eq(int, seer_net_init(&b, &cfg, 42), SEER_OK));
    seer_weight_avg va, vb;
    cr_assert(eq(int, seer_weight_avg_init(&va, &a, 0.9), SEER_OK));
    cr_assert(eq(int, seer_weight_avg_init(&vb, &b, 0.9), SEER_OK));
    seer_rng r;
    seer_rng_init(&r, 7);
    uint32_t ids[CAP * S_BAGS];
    float dense[CAP * N_DENSE], y[CAP];
    for (int s = 0; s < 20; s++) {
        random_batch(&r, ids, dense, y, a.S);
        seer_net_train_step(&a, ids, dense, y, CAP, &adam_cfg);
        seer_weight_avg_step(&va, &a);
        seer_net_gradients(&b, ids, dense, y, CAP);
        seer_net_follow f;
        cr_assert(eq(int, seer_weight_avg_follow(&vb, &b, &f), SEER_OK));
        seer_net_update(&b, &adam_cfg, &f);
    }
    seer_weight_avg_catch_up(&va, &a);
    seer_weight_avg_catch_up(&vb, &b);
    size_t emb_bytes = ROWS * a.D * sizeof(float), par_bytes = a.n_params * sizeof(float);
    cr_assert(eq(int, memcmp(a.params, b.params, par_bytes), 0), "params differ");
    cr_assert(eq(int, memcmp(a.emb, b.emb, emb_bytes), 0), "embedding table differs");
    cr_assert(eq(int, memcmp(va.params, vb.params, par_bytes), 0), "dense averages differ");
    cr_assert(eq(int, memcmp(va.emb, vb.emb, emb_bytes), 0), "row averages differ");
    cr_assert(eq(int, memcmp(va.last, vb.last, ROWS * sizeof *va.last), 0));
    cr_assert(ne(int, memcmp(va.emb, a.emb, emb_bytes), 0), "the average is the weights");
    if (a.plan.wide)
        cr_assert(eq(int, memcmp(va.wide, vb.wide, ROWS * sizeof(float)), 0), "wide averages");
    seer_weight_avg_free(&va);
    seer_weight_avg_free(&vb);
    seer_net_free(&a);
    seer_net_free(&b);
}

Test(models, mlp_average_follows_the_update) { check_average_follows(&mlp, 0); }
Test(models, wdl_average_follows_the_update) { check_average_follows(&wdl, 0); }
Test(models, deepfm_bags_average_follows_the_update) { check_average_follows(&deepfm_bags, 0); }
Test(models, wdl_average_follows_an_adagrad_update) { check_average_follows(&wdl, 1); }

Test(models, mlp_deterministic) { check_deterministic(&mlp); }
Test(models, lr_deterministic) { check_deterministic(&lr); }
Test(models, fm_deterministic) { check_deterministic(&fm); }
Test(models, wdl_deterministic) { check_deterministic(&wdl); }
Test(models, deepfm_deterministic) { check_deterministic(&deepfm); }
Test(models, dcnv2_deterministic) { check_deterministic(&dcnv2); }
Test(models, dcnv2_stacked_deterministic) { check_deterministic(&dcnv2_stacked); }
Test(models, deepfm_bags_deterministic) { check_deterministic(&deepfm_bags); }
Test(models, finalmlp_deterministic) { check_deterministic(&finalmlp); }
Test(models, finalmlp_heads_deterministic) { check_deterministic(&finalmlp_heads); }

// ---- scoring views ---------------------------------------------------------

// A view borrows the trained parameters and scores exactly as its source,
// whatever its own batch capacity; it allocates no table of its own.
static void check_view(const model_case *m) {
    seer_net_config cfg = config_of(m);
    seer_net src, view;
    cr_assert(eq(int, seer_net_init(&src, &cfg, 42), SEER_OK));
    seer_rng r;
    seer_rng_init(&r, 9);
    uint32_t ids[CAP * S_BAGS];
    float dense[CAP * N_DENSE], y[CAP], p_src[CAP], p_view[CAP];
    for (int s = 0; s < 5; s++) {
        random_batch(&r, ids, dense, y, src.S);
        seer_net_train_step(&src, ids, dense, y, CAP, &adam_cfg);
    }
    random_batch(&r, ids, dense, y, src.S);
    seer_net_predict(&src, ids, dense, CAP, p_src);
    cr_assert(eq(int, seer_net_init_view(&view, &src, CAP), SEER_OK));
    cr_assert(eq(ptr, view.emb, src.emb));
    cr_assert(eq(ptr, view.params, src.params));
    seer_net_predict(&view, ids, dense, CAP, p_view);
    cr_assert(eq(int, memcmp(p_src, p_view, sizeof p_src), 0), "a view scores differently");
    seer_net_free(&view);
    // In smaller batches the GEMM may sum in another order: equal to rounding.
    cr_assert(eq(int, seer_net_init_view(&view, &src, 3), SEER_OK));
    for (size_t s = 0; s < CAP; s += 3) {
        size_t nb = CAP - s < 3 ? CAP - s : 3;
        seer_net_predict(&view, ids + s * src.S, dense + s * N_DENSE, nb, p_view + s);
    }
    for (size_t i = 0; i < CAP; i++)
        cr_assert(ieee_ulp_eq(flt, p_src[i], p_view[i], 64), "row %zu: %.9g vs %.9g", i,
                  (double)p_src[i], (double)p_view[i]);
    // Pointed at another net of the same shapes, the view scores as that one.
    seer_net other, wider;
    cr_assert(eq(int, seer_net_init(&other, &cfg, 7), SEER_OK));
    float p_other[CAP];
    seer_net_predict(&other, ids, dense, CAP, p_other);
    cr_assert(eq(int, seer_net_view_retarget(&view, &other), 1));
    cr_assert(eq(ptr, view.emb, other.emb));
    for (size_t s = 0; s < CAP; s += 3) {
        size_t nb = CAP - s < 3 ? CAP - s : 3;
        seer_net_predict(&view, ids + s * src.S, dense + s * N_DENSE, nb, p_view + s);
    }
    for (size_t i = 0; i < CAP; i++)
        cr_assert(ieee_ulp_eq(flt, p_other[i], p_view[i], 64), "row %zu", i);
    seer_net_config cfg_wider = cfg;
    cfg_wider.emb_dim = 8;
    cr_assert(eq(int, seer_net_init(&wider, &cfg_wider, 7), SEER_OK));
    cr_assert(eq(int, seer_net_view_retarget(&view, &wider), m->kind == SEER_MODEL_LR),
              "a net of other shapes (lr ignores the width)");
    seer_net_free(&other);
    seer_net_free(&wider);
    seer_net_free(&view);
    cr_assert(eq(ptr, view.emb, NULL));
    seer_net_predict(&src, ids, dense, CAP, p_view);  // the source still owns its tables
    cr_assert(eq(int, memcmp(p_src, p_view, sizeof p_src), 0));
    seer_net_free(&src);
}

Test(models, mlp_view) { check_view(&mlp); }
Test(models, lr_view) { check_view(&lr); }
Test(models, fm_view) { check_view(&fm); }
Test(models, wdl_view) { check_view(&wdl); }
Test(models, deepfm_view) { check_view(&deepfm); }
Test(models, dcnv2_view) { check_view(&dcnv2); }
Test(models, dcnv2_stacked_view) { check_view(&dcnv2_stacked); }
Test(models, deepfm_bags_view) { check_view(&deepfm_bags); }
Test(models, finalmlp_view) { check_view(&finalmlp); }
Test(models, finalmlp_heads_view) { check_view(&finalmlp_heads); }

// A view's buffers are one mapping that nothing touches until a batch does: made for 1,024
// rows, it has no page in memory; after one row, only the pages that row wrote.
Test(models, view_pages_only_what_it_scores) {
    seer_net_config cfg = config_of(&deepfm);
    seer_net src, view;
    cr_assert(eq(int, seer_net_init(&src, &cfg, 42), SEER_OK));
    cr_assert(eq(int, seer_net_init_view(&view, &src, 1024), SEER_OK));
    long page = sysconf(_SC_PAGESIZE);
    size_t pages = (view.view_map_bytes + (size_t)page - 1) / (size_t)page;
    unsigned char *in = malloc(pages);
    cr_assert(ne(ptr, in, NULL));
    cr_assert(eq(int, mincore(view.view_map, view.view_map_bytes, in), 0));
    size_t resident = 0;
    for (size_t i = 0; i < pages; i++) resident += in[i] & 1;
    cr_assert(eq(sz, resident, 0), "%zu of %zu pages in memory before any batch", resident, pages);
    seer_rng r;
    seer_rng_init(&r, 3);
    uint32_t ids[CAP * S_BAGS];
    float dense[CAP * N_DENSE], y[CAP], p[1];
    random_batch(&r, ids, dense, y, src.S);
    seer_net_predict(&view, ids, dense, 1, p);
    cr_assert(eq(int, mincore(view.view_map, view.view_map_bytes, in), 0));
    resident = 0;
    for (size_t i = 0; i < pages; i++) resident += in[i] & 1;
    cr_assert(gt(sz, resident, 0));
    cr_assert(lt(sz, resident, pages / 4), "%zu of %zu pages in memory after one row", resident,
              pages);
    free(in);
    seer_net_free(&view);
    seer_net_free(&src);
}

// Each kind's defaults: its own published configuration over the options every kind's files
// and checkpoints record (the mlp's widths, dcnv2's cross layers, finalmlp's second stream).
Test(models, config_default_per_kind) {
    static const struct {
        seer_model_kind kind;
        size_t n_hidden, width0, batch;
    } want[] = {{SEER_MODEL_LR, 2, 64, 256},       {SEER_MODEL_MLP, 2, 64, 256},
                {SEER_MODEL_FM, 2, 64, 256},       {SEER_MODEL_WDL, 3, 400, 1024},
                {SEER_MODEL_DEEPFM, 3, 400, 1024}, {SEER_MODEL_DCNV2, 3, 400, 1024},
                {SEER_MODEL_FINALMLP, 3, 400, 1024}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        seer_net_config c;
        seer_net_config_default(&c, want[i].kind);
        const char *name = seer_model_ops_of(want[i].kind)->name;
        cr_assert(eq(int, (int)c.kind, (int)want[i].kind), "%s", name);
        cr_assert(eq(sz, c.n_hidden, want[i].n_hidden), "%s", name);
        cr_assert(eq(sz, c.hidden[0], want[i].width0), "%s", name);
        cr_assert(eq(sz, c.hidden[c.n_hidden - 1], want[i].n_hidden == 2 ? 32 : 400), "%s", name);
        cr_assert(eq(sz, c.hidden[c.n_hidden], 0), "%s: a width past the last", name);
        cr_assert(eq(sz, seer_model_ops_of(want[i].kind)->batch, want[i].batch), "%s", name);
        cr_assert(eq(sz, c.emb_dim, 16), "%s", name);
        cr_assert(eq(sz, c.n_cross, 3), "%s", name);
        cr_assert(eq(sz, c.n_hidden2, 1), "%s", name);
        cr_assert(eq(sz, c.hidden2[0], 800), "%s", name);
        cr_assert(eq(sz, c.n_heads, 1), "%s", name);
        cr_assert(eq(sz, c.gate_hidden, 64), "%s", name);
        cr_assert(eq(sz, c.n_fields + c.n_dense + c.emb_rows + c.batch_cap, 0), "%s", name);
        cr_assert(eq(ptr, (void *)seer_net_config_invalid(&c), NULL), "%s", name);
    }
}

// Only finalmlp refuses a config, with its phrase; the other kinds take the same one.
Test(models, config_invalid_per_kind) {
    seer_net_config c;
    seer_net_config_default(&c, SEER_MODEL_FINALMLP);
    c.n_heads = 3;  // divides neither 400 nor 800
    cr_assert(eq(str, (char *)seer_net_config_invalid(&c),
                 "--heads must divide the last width of each stream (--hidden, --hidden2)"));
    c.n_heads = 1;
    c.gate_hidden = 0;
    cr_assert(eq(str, (char *)seer_net_config_invalid(&c),
                 "the feature gates need a hidden width of at least 1"));
    c.n_hidden2 = 0;
    cr_assert(eq(str, (char *)seer_net_config_invalid(&c),
                 "each stream needs at least one hidden layer (--hidden, --hidden2)"));
    c.kind = SEER_MODEL_DEEPFM;
    cr_assert(eq(ptr, (void *)seer_net_config_invalid(&c), NULL));
}

// The precision is the caller's, per call: a --precision bf16 net multiplies in bf16 inside a
// training step only; its predictions are fp32, the same bits as an fp32 twin's.
Test(models, bf16_only_inside_a_training_step) {
    seer_net_config c32 = config_of(&mlp), c16 = c32;
    c16.bf16 = 1;
    seer_net a, b;
    cr_assert(eq(int, seer_net_init(&a, &c16, 42), SEER_OK));
    cr_assert(eq(int, seer_net_init(&b, &c32, 42), SEER_OK));
    seer_rng r;
    seer_rng_init(&r, 7);
    uint32_t ids[CAP * S_BAGS];
    float dense[CAP * N_DENSE], y[CAP], pa[CAP], pb[CAP];
    random_batch(&r, ids, dense, y, a.S);
    seer_net_predict(&a, ids, dense, CAP, pa);
    seer_net_predict(&b, ids, dense, CAP, pb);
    cr_assert(eq(int, memcmp(pa, pb, sizeof pa), 0), "a bf16 net's predictions are not fp32");
    cr_assert(eq(int, (int)seer_net_precision(&a), (int)SEER_PRECISION_FP32));
    seer_net_train_step(&a, ids, dense, y, CAP, &adam_cfg);
    seer_net_train_step(&b, ids, dense, y, CAP, &adam_cfg);
    cr_assert(ne(int, memcmp(a.params, b.params, a.n_params * sizeof(float)), 0),
              "the bf16 step multiplied in fp32");
    a.training = 1;
    cr_assert(eq(int, (int)seer_net_precision(&a), (int)SEER_PRECISION_BF16));
    a.training = 0;
    seer_net_free(&a);
    seer_net_free(&b);
}

// A layer's dz that seer_net_zero_grads leaves alone (every per-row layer's, and rows past
// the first of finalmlp's once-a-batch gates, whose dh too) is written whole before it is
// read: NaN left in them by anything before the step changes nothing of it, with dropout
// (whose scale the ReLU's backward applies) and without.
static void check_dz_overwritten(seer_model_kind kind, float dropout) {
    seer_net_config c;
    seer_net_config_default(&c, kind);
    c.n_fields = F;
    c.n_dense = N_DENSE;
    c.emb_dim = 4;
    c.emb_rows = ROWS;
    c.n_hidden = 2;
    c.hidden[0] = 8;
    c.hidden[1] = 4;
    c.hidden[2] = 0;
    c.n_cross = 2;
    c.gate_hidden = 5;
    c.hidden2[0] = 6;
    c.dropout = dropout;
    c.batch_cap = CAP;
    seer_net a, b;
    cr_assert(eq(int, seer_net_init(&a, &c, 3), SEER_OK));
    cr_assert(eq(int, seer_net_init(&b, &c, 3), SEER_OK));
    for (size_t l = 0; l < b.n_layers; l++) {
        cr_assert(eq(int, b.dz[l] != NULL, l < b.plan.n_once), "layer %zu's dz", l);
        if (!b.dz[l]) continue;  // a layer per row makes its dh its dz in place
        size_t from = b.layer_out[l], n = CAP * b.layer_out[l];
        for (size_t i = from; i < n; i++) b.dz[l][i] = NAN;
        for (size_t i = from; i < n; i++) b.dh[l][i] = NAN;
    }
    uint32_t ids[B * F];
    float dense[B * N_DENSE], y[B];
    for (size_t i = 0; i < B * F; i++) ids[i] = (uint32_t)((i * 7) % ROWS);
    for (size_t i = 0; i < B * N_DENSE; i++) dense[i] = (float)(i % 5) * 0.3f - 0.6f;
    for (size_t i = 0; i < B; i++) y[i] = (float)(i % 2);
    double la = seer_net_train_step(&a, ids, dense, y, B, &adam_cfg);
    double lb = seer_net_train_step(&b, ids, dense, y, B, &adam_cfg);
    cr_assert(eq(dbl, la, lb));
    cr_assert(eq(int, memcmp(a.params, b.params, a.n_params * sizeof(float)), 0));
    cr_assert(eq(int, memcmp(a.emb, b.emb, ROWS * a.D * sizeof(float)), 0));
    seer_net_free(&a);
    seer_net_free(&b);
}

Test(models, mlp_dz_written_whole) {
    check_dz_overwritten(SEER_MODEL_MLP, 0.0f);
    check_dz_overwritten(SEER_MODEL_MLP, 0.25f);
}
Test(models, deepfm_dz_written_whole) {
    check_dz_overwritten(SEER_MODEL_DEEPFM, 0.0f);
    check_dz_overwritten(SEER_MODEL_DEEPFM, 0.25f);
}
Test(models, dcnv2_dz_written_whole) {
    check_dz_overwritten(SEER_MODEL_DCNV2, 0.0f);
    check_dz_overwritten(SEER_MODEL_DCNV2, 0.25f);
}
Test(models, finalmlp_dz_written_whole) {
    check_dz_overwritten(SEER_MODEL_FINALMLP, 0.0f);
    check_dz_overwritten(SEER_MODEL_FINALMLP, 0.25f);
}

// A --precision bf16 net rounds each layer's weight and input once at its forward and keeps them
// for its backward (net.h's bf16 copies). Trained side by side with a twin that has no copies
// (and so rounds every operand at every product), it ends with the same parameters to the bit,
// for every kind, with dropout too: no layer's input or weight changed between its forward and
// its backward. Native where the CPU has a bf16 matmul, and emulated.
static void check_bf16_copies(const model_case *m, float dropout) {
    seer_net_config cfg = config_of(m);
    cfg.bf16 = 1;
    cfg.dropout = dropout;
    seer_net kept, each;
    cr_assert(eq(int, seer_net_init(&kept, &cfg, 42), SEER_OK));
    cr_assert(eq(int, seer_net_init(&each, &cfg, 42), SEER_OK));
    cr_assert(ne(ptr, kept.bf16, NULL));
    free(each.bf16);
    each.bf16 = NULL;
    seer_rng r;
    seer_rng_init(&r, 11);
    uint32_t ids[CAP * S_BAGS];
    float dense[CAP * N_DENSE], y[CAP];
    for (int s = 0; s < 4; s++) {
        random_batch(&r, ids, dense, y, kept.S);
        double la = seer_net_train_step(&kept, ids, dense, y, CAP, &adam_cfg);
        double lb = seer_net_train_step(&each, ids, dense, y, CAP, &adam_cfg);
        cr_assert(eq(dbl, la, lb), "kind %d step %d: loss %.17g vs %.17g", m->kind, s, la, lb);
    }
    cr_assert(eq(int, memcmp(kept.params, each.params, kept.n_params * sizeof(float)), 0),
              "kind %d: the parameters differ", m->kind);
    cr_assert(eq(int, memcmp(kept.emb, each.emb, cfg.emb_rows * kept.D * sizeof(float)), 0));
    seer_net_free(&kept);
    seer_net_free(&each);
}

static void check_bf16_copies_all(void) {
    const model_case *all[] = {&mlp, &wdl, &deepfm, &dcnv2, &dcnv2_stacked, &deepfm_bags,
                               &finalmlp, &finalmlp_heads};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        check_bf16_copies(all[i], 0.0f);
        check_bf16_copies(all[i], 0.3f);
    }
}

Test(models, bf16_copies_kept_from_the_forward_change_nothing) { check_bf16_copies_all(); }

Test(models, bf16_copies_kept_from_the_forward_change_nothing_emulated) {
    seer_gemm_bf16_emulate(1);
    check_bf16_copies_all();
}

// One training forward and backward of n on the batch (no optimiser step); the loss. A bf16
// net's dense gradients are fp32 sums of products of bf16 copies, as its steps have them.
static double step_grads(seer_net *n, const uint32_t *ids, const float *dense, const float *y,
                         size_t nb) {
    n->training = 1;
    seer_net_forward(n, ids, dense, nb);
    double loss = seer_bce_logits_forward(n->logit, y, nb);
    seer_net_zero_grads(n, nb);
    seer_bce_logits_backward(n->dlogit, n->logit, y, nb);
    n->ops->backward(n, nb);
    n->training = 0;
    return loss;
}

// A training step runs a layer's forward (SEER_NET_FUSED_MIN weights, SEER_NET_FUSED_OUT_MIN
// outputs, SEER_NET_FUSED_ROWS rows) as one matmul with its bias and ReLU (nn/fused_linear.h). On the
// same batch and weights as a twin whose forwards all go through sgemm, it gives the same loss
// and dense gradients within rounding (the two sum in another order): the stacks of mlp and
// deepfm, dcnv2's cross layers and stack. And the fused forward did run.
static void check_fused_forward(seer_model_kind kind, int bf16) {
    enum { FB = 96 };
    size_t width = kind == SEER_MODEL_DCNV2 ? 300 : 4;  // dcnv2: cross layers of 300 x 300
    seer_net_config cfg = {.kind = kind, .n_fields = F, .n_dense = width * 2, .emb_rows = ROWS,
                           .emb_dim = 4, .batch_cap = FB, .n_hidden = 2, .hidden = {300, 256},
                           .n_cross = kind == SEER_MODEL_DCNV2 ? 1 : 0, .bf16 = bf16};
    seer_net fused, plain;
    cr_assert(eq(int, seer_net_init(&fused, &cfg, 42), SEER_OK));
    cr_assert(eq(int, seer_net_init(&plain, &cfg, 42), SEER_OK));
    seer_rng r;
    seer_rng_init(&r, 12);
    size_t nd = cfg.n_dense;
    uint32_t ids[FB * F];
    float *dense = malloc(FB * nd * sizeof *dense), y[FB];
    cr_assert(ne(ptr, dense, NULL));
    for (size_t i = 0; i < FB * F; i++) ids[i] = (uint32_t)seer_rng_below(&r, ROWS);
    for (size_t i = 0; i < FB * nd; i++) dense[i] = (float)(seer_rng_uniform(&r) * 2 - 1);
    for (size_t i = 0; i < FB; i++) y[i] = seer_rng_uniform(&r) < 0.5 ? 0.0f : 1.0f;
    size_t runs = seer_linear_fused_runs();
    double la = step_grads(&fused, ids, dense, y, FB);
    cr_assert(gt(sz, seer_linear_fused_runs(), runs), "kind %d: no forward ran fused", kind);
    seer_linear_fused_allow(0);
    runs = seer_linear_fused_runs();
    double lb = step_grads(&plain, ids, dense, y, FB);
    cr_assert(eq(sz, seer_linear_fused_runs(), runs), "kind %d: a forward ran fused", kind);
    seer_linear_fused_allow(1);
    cr_assert(le(dbl, fabs(la - lb), 1e-6 * (1 + fabs(lb))), "kind %d: loss %.9g fused, %.9g not",
              kind, la, lb);
    double scale = 0;
    for (size_t i = 0; i < plain.n_params; i++) scale = fmax(scale, fabs(plain.grads[i]));
    cr_assert(gt(dbl, scale, 0.0));
    for (size_t i = 0; i < fused.n_params; i++)
        cr_assert(le(dbl, fabs((double)fused.grads[i] - plain.grads[i]), 1e-5 * scale),
                  "kind %d: gradient %zu is %.9g fused, %.9g not (largest %.3g)", kind, i,
                  fused.grads[i], plain.grads[i], scale);
    free(dense);
    seer_net_free(&fused);
    seer_net_free(&plain);
}

Test(models, fused_forward_gives_the_plain_gradients) {
    check_fused_forward(SEER_MODEL_MLP, 0);
    check_fused_forward(SEER_MODEL_DEEPFM, 0);
    check_fused_forward(SEER_MODEL_DCNV2, 0);
}

// The same for a bf16 step, on its rounded copies, where the CPU has a bf16 matmul (elsewhere
// a bf16 step keeps its emulated products: nothing to compare).
Test(models, fused_forward_gives_the_plain_gradients_bf16) {
    if (!seer_gemm_bf16_native()) cr_skip_test("no bf16 matmul on this CPU: bf16 steps emulate");
    check_fused_forward(SEER_MODEL_MLP, 1);
    check_fused_forward(SEER_MODEL_DEEPFM, 1);
    check_fused_forward(SEER_MODEL_DCNV2, 1);
}
