// Tests of the averaged weights (train/average.h) against averages worked out by hand: the
// bias-corrected exponential moving average of the dense weights, the lazy catch-up of
// embedding rows, and the exchange with the net's weights.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <string.h>

#include "train/average.h"

// A net of 1 dense weight and an embedding table of 2 rows of width 2, enough for the average
// (it reads params, emb, the step and the rows the step touched).
typedef struct {
    seer_net n;
    float params[1], emb[4];
    uint32_t uniq[2];
} tiny_net;

static void tiny_init(tiny_net *t) {
    memset(t, 0, sizeof *t);
    t->n.n_params = 1;
    t->n.params = t->params;
    t->n.emb = t->emb;
    t->n.D = 2;
    t->n.cfg.emb_rows = 2;
    t->n.uniq = t->uniq;
}

// A training step: the weights become w (dense) and the rows touched get their values.
static void tiny_step(tiny_net *t, float w, int touch_row0, float row0) {
    t->n.step++;
    t->params[0] = w;
    t->n.n_uniq = 0;
    if (touch_row0) {
        t->emb[0] = t->emb[1] = row0;
        t->uniq[t->n.n_uniq++] = 0;
    }
}

// Dense weights 1, 3, -2 in steps 1-3 with d = 0.9: the average is
// (1 - d)(d^2 * 1 + d * 3 - 2) / (1 - d^3) = 0.1 * 1.51 / 0.271 = 0.557196, whatever the
// weights were before step 1.
Test(average, dense_weights_bias_corrected) {
    tiny_net t;
    tiny_init(&t);
    t.params[0] = 100;  // the initial weights never count
    seer_weight_avg a;
    cr_assert(eq(int, seer_weight_avg_init(&a, &t.n, 0.9), SEER_OK));
    tiny_step(&t, 1, 0, 0);
    cr_assert(ieee_ulp_eq(flt, a.params[0], 100.0f, 0), "not averaged before the call");
    seer_weight_avg_step(&a, &t.n);
    cr_assert(ieee_ulp_eq(flt, a.params[0], 1.0f, 0), "after one step: that step's weights");
    tiny_step(&t, 3, 0, 0);
    seer_weight_avg_step(&a, &t.n);
    tiny_step(&t, -2, 0, 0);
    seer_weight_avg_step(&a, &t.n);
    cr_assert(fabs(a.params[0] - 0.1 * 1.51 / 0.271) < 1e-6, "%.9g", (double)a.params[0]);
    seer_weight_avg_free(&a);
}

// Row 0 is touched in steps 1 (value 2) and 3 (value 5), row 1 never (value 7). d = 0.5.
// After step 3, row 0's average stands for steps 1-3 with the touching step's value for the
// step it skipped: 5 + (2 - 5) * d^2 (1 - d) / (1 - d^3) = 5 - 3 * 0.125 / 0.875 = 4.571429.
// Caught up to step 4 (row 0 still 5): 5 + (4.571429 - 5) d (1 - d^3) / (1 - d^4)
// = 5 - 0.428571 * 0.4375 / 0.9375 = 4.8. Row 1, never touched, averages to its own value.
Test(average, rows_caught_up_lazily) {
    tiny_net t;
    tiny_init(&t);
    t.emb[2] = t.emb[3] = 7;
    seer_weight_avg a;
    cr_assert(eq(int, seer_weight_avg_init(&a, &t.n, 0.5), SEER_OK));
    tiny_step(&t, 0, 1, 2);
    seer_weight_avg_step(&a, &t.n);
    cr_assert(ieee_ulp_eq(flt, a.emb[0], 2.0f, 0));
    tiny_step(&t, 0, 0, 0);
    seer_weight_avg_step(&a, &t.n);
    tiny_step(&t, 0, 1, 5);
    seer_weight_avg_step(&a, &t.n);
    cr_assert(fabs(a.emb[0] - (5 - 3 * 0.125 / 0.875)) < 1e-6, "%.9g", (double)a.emb[0]);
    cr_assert(ieee_ulp_eq(flt, a.emb[0], a.emb[1], 0), "the row's every value alike");
    tiny_step(&t, 0, 0, 0);
    seer_weight_avg_step(&a, &t.n);
    seer_weight_avg_catch_up(&a, &t.n);
    cr_assert(fabs(a.emb[0] - 4.8) < 1e-6, "%.9g", (double)a.emb[0]);
    cr_assert(ieee_ulp_eq(flt, a.emb[2], 7.0f, 0), "an untouched row: its own value");
    cr_assert(eq(long, a.last[0], 4));
    seer_weight_avg_free(&a);
}

// A row touched in every step averages as a dense weight given the same values (its share
// is the dense one's): 2, 4, 6 with d = 0.5 give
// (1 - d)(d^2 * 2 + d * 4 + 6) / (1 - d^3) = 0.5 * 8.5 / 0.875 = 4.857143.
Test(average, a_row_touched_every_step_as_a_dense_weight) {
    tiny_net t;
    tiny_init(&t);
    seer_weight_avg a;
    cr_assert(eq(int, seer_weight_avg_init(&a, &t.n, 0.5), SEER_OK));
    for (int s = 1; s <= 3; s++) {
        tiny_step(&t, 2.0f * (float)s, 1, 2.0f * (float)s);
        seer_weight_avg_step(&a, &t.n);
    }
    cr_assert(fabs(a.params[0] - 0.5 * 8.5 / 0.875) < 1e-6, "%.9g", (double)a.params[0]);
    cr_assert(ieee_ulp_eq(flt, a.emb[0], a.params[0], 0), "%.9g", (double)a.emb[0]);
    cr_assert(eq(long, a.last[0], 3));
    seer_weight_avg_free(&a);
}

// Weights that never change average to themselves, and the exchange is its own inverse.
Test(average, constant_weights_and_the_exchange) {
    tiny_net t;
    tiny_init(&t);
    t.emb[0] = 1.5f;
    t.emb[3] = -4;
    seer_weight_avg a;
    cr_assert(eq(int, seer_weight_avg_init(&a, &t.n, 0.999), SEER_OK));
    for (int s = 0; s < 50; s++) {
        tiny_step(&t, 0.25f, s % 7 == 0, 1.5f);
        t.emb[1] = 1.5f;
        seer_weight_avg_step(&a, &t.n);
    }
    seer_weight_avg_catch_up(&a, &t.n);
    cr_assert(fabs(a.params[0] - 0.25) < 1e-6 && fabs(a.emb[0] - 1.5) < 1e-6 &&
              fabs(a.emb[3] + 4) < 1e-6);
    a.params[0] = 9;
    seer_weight_avg_swap(&a, &t.n);
    cr_assert(ieee_ulp_eq(flt, t.params[0], 9.0f, 0));
    cr_assert(ieee_ulp_eq(flt, a.params[0], 0.25f, 0));
    seer_weight_avg_swap(&a, &t.n);
    cr_assert(ieee_ulp_eq(flt, t.params[0], 0.25f, 0));
    cr_assert(ieee_ulp_eq(flt, a.params[0], 9.0f, 0));
    seer_weight_avg_free(&a);
}
