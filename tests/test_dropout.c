// Dropout in the deep stack: what a training forward does to the units, a
// finite-difference check of the gradient through a fixed mask, and that
// predictions never drop.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <string.h>

#include "base/error.h"
#include "models/net.h"
#include "nn/loss.h"

#define B 16
#define F 3
#define ND 2
#define ROWS 12

static seer_net_config config(float p) {
    seer_net_config c = {.kind = SEER_MODEL_MLP, .n_fields = F, .n_dense = ND, .emb_rows = ROWS,
                         .emb_dim = 4, .n_hidden = 2, .hidden = {24, 12}, .batch_cap = B,
                         .dropout = p};
    return c;
}

static void batch(uint32_t *ids, float *dense, float *y) {
    seer_rng r;
    seer_rng_init(&r, 3);
    for (size_t i = 0; i < B * F; i++) ids[i] = (uint32_t)seer_rng_below(&r, ROWS);
    for (size_t i = 0; i < B * ND; i++) dense[i] = (float)seer_rng_normal(&r);
    for (size_t i = 0; i < B; i++) y[i] = (float)(i % 2);
}

Test(dropout, units_dropped_or_scaled) {
    seer_net n;
    seer_net_config c = config(0.5f);
    cr_assert(eq(int, seer_net_init(&n, &c, 1), SEER_OK));
    uint32_t ids[B * F];
    float dense[B * ND], y[B], eval[B * 24];
    batch(ids, dense, y);
    seer_net_forward(&n, ids, dense, B);
    memcpy(eval, n.h[0], sizeof eval);
    n.training = 1;
    seer_net_forward(&n, ids, dense, B);
    n.training = 0;
    size_t positive = 0, dropped = 0;
    for (size_t i = 0; i < B * 24; i++) {
        float t = n.h[0][i];
        cr_assert(t == 0.0f || fabsf(t - 2.0f * eval[i]) <= 1e-6f * fabsf(t),
                  "unit %zu: %g in training, %g in prediction", i, t, eval[i]);
        if (eval[i] > 0) {
            positive++;
            dropped += t == 0.0f;
        }
    }
    // Binomial(positive, 1/2): with over a hundred units, 0.5 +- 0.15 (over 3 sigma) holds.
    cr_assert(gt(sz, positive, 120));
    double share = (double)dropped / (double)positive;
    cr_assert(gt(dbl, share, 0.35), "dropped %f", share);
    cr_assert(lt(dbl, share, 0.65), "dropped %f", share);
    // Predictions do not drop: the same as without dropout.
    float p1[B], p2[B];
    seer_net_predict(&n, ids, dense, B, p1);
    seer_net_predict(&n, ids, dense, B, p2);
    cr_assert(eq(int, memcmp(p1, p2, sizeof p1), 0));
    seer_net_free(&n);
}

// The loss of a training forward with the mask the generator state gives;
// active (B * 36) gets which units came out positive.
static double loss_with_mask(seer_net *n, const seer_rng *mask, const uint32_t *ids,
                             const float *dense, const float *y, uint8_t *active) {
    n->drop_rng = *mask;
    n->training = 1;
    seer_net_forward(n, ids, dense, B);
    n->training = 0;
    for (size_t i = 0; i < B * 24; i++) active[i] = n->h[0][i] > 0;
    for (size_t i = 0; i < B * 12; i++) active[B * 24 + i] = n->h[1][i] > 0;
    return seer_bce_logits_forward(n->logit, y, B);
}

Test(dropout, gradcheck_through_fixed_mask) {
    seer_net n;
    seer_net_config c = config(0.3f);
    cr_assert(eq(int, seer_net_init(&n, &c, 2), SEER_OK));
    uint32_t ids[B * F];
    float dense[B * ND], y[B];
    batch(ids, dense, y);
    seer_rng mask = n.drop_rng;
    uint8_t base[B * 36], plus[B * 36], minus[B * 36];
    loss_with_mask(&n, &mask, ids, dense, y, base);
    seer_net_zero_grads(&n, B);
    seer_bce_logits_backward(n.dlogit, n.logit, y, B);
    n.training = 1;
    n.ops->backward(&n, B);
    n.training = 0;
    // Every 7th parameter of the first two layers and all of the last: central
    // differences in double of the float loss (h 3e-3; see test_models.c for the bound).
    size_t checked = 0, skipped = 0;
    for (size_t i = 0; i < n.n_params; i += (i < n.n_params - 40 ? 7 : 1)) {
        float keep = n.params[i];
        n.params[i] = keep + 3e-3f;
        double lp = loss_with_mask(&n, &mask, ids, dense, y, plus);
        n.params[i] = keep - 3e-3f;
        double lm = loss_with_mask(&n, &mask, ids, dense, y, minus);
        n.params[i] = keep;
        if (memcmp(plus, base, sizeof base) || memcmp(minus, base, sizeof base)) {
            skipped++;  // the perturbation switched a ReLU: the loss is not smooth there
            continue;
        }
        double num = (lp - lm) / ((double)(keep + 3e-3f) - (double)(keep - 3e-3f));
        double ana = n.grads[i];
        cr_assert(le(dbl, fabs(num - ana), 2e-5 + 1e-3 * fabs(ana)),
                  "param %zu: numerical %g analytic %g", i, num, ana);
        checked++;
    }
    cr_assert(gt(sz, checked, 100), "%zu checked, %zu skipped at a ReLU switch", checked, skipped);
    seer_net_free(&n);
}
