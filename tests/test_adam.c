// Tests of Adam: the dense step against torch.optim.Adam and the lazy row
// step against torch.optim.SparseAdam, three steps each (tests/golden/adam.bin
// and sparse_adam.bin, from tests/ref/make_golden.py), and the laziness of
// the row step.
//
// Tolerance: each step moves a weight by about lr = 1e-3 and the weights are
// O(1), so float rounding of the weights themselves (6e-8) dominates; an
// error in the step (a bias correction, eps placed differently, a missing
// moment) shows as 1e-5 or more. rtol 1e-6 with atol 1e-7 separates the two.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "golden.h"
#include "nn/adam.h"
#include "nn/embedding.h"

#define RTOL 1e-6
#define ATOL 1e-7

static const seer_adam_config adam_cfg = {.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f,
                                          .eps = 1e-7f};

static void open_golden(golden *g, const char *path) {
    cr_assert(eq(int, golden_open(g, path), 0), "cannot read %s; run tests from the repo root",
              path);
}

// Includes gradients of 1e-6, where eps = 1e-7 is a tenth of sqrt(v_hat) and
// its placement changes the step by 10%, and a gradient that is always 0.
Test(adam, dense_golden) {
    golden g;
    open_golden(&g, "tests/golden/adam.bin");
    size_t n = golden_numel(&g, "w0");
    float w[32], m[32] = {0}, v[32] = {0};
    cr_assert(le(sz, n, 32));
    memcpy(w, golden_get(&g, "w0"), n * sizeof *w);
    for (long t = 1; t <= 3; t++) {
        char gname[32], wname[32];
        snprintf(gname, sizeof gname, "g%ld", t - 1);
        snprintf(wname, sizeof wname, "w%ld", t);
        seer_adam_step(w, m, v, golden_get(&g, gname), n, &adam_cfg, t, NULL);
        CHECK_GOLDEN(&g, wname, w, n, RTOL, ATOL);
    }
    golden_close(&g);
}

// The table goes through the same path as the network's: per-batch unique ids,
// gradient rows summed per id, then the row step with the global step t. Ids
// repeat within a step, and some rows are left out of some steps (and row 5
// out of all): those must not move.
Test(adam, sparse_golden) {
    golden g;
    open_golden(&g, "tests/golden/sparse_adam.bin");
    enum { ROWS = 6, D = 3, CAP = 16 };
    cr_assert(eq(sz, golden_numel(&g, "table0"), ROWS * D));
    float table[ROWS * D], m[ROWS * D] = {0}, v[ROWS * D] = {0}, drows[CAP * D];
    uint32_t marks[2 * ROWS] = {0}, ids[CAP], uniq[CAP], slot[CAP];
    memcpy(table, golden_get(&g, "table0"), sizeof table);
    for (long t = 1; t <= 3; t++) {
        char iname[32], gname[32], tname[32];
        snprintf(iname, sizeof iname, "ids%ld", t - 1);
        snprintf(gname, sizeof gname, "g%ld", t - 1);
        snprintf(tname, sizeof tname, "table%ld", t);
        size_t n = golden_numel(&g, iname);
        cr_assert(le(sz, n, CAP));
        cr_assert(eq(sz, golden_numel(&g, gname), n * D));
        for (size_t i = 0; i < n; i++) ids[i] = (uint32_t)golden_get(&g, iname)[i];
        size_t n_uniq = seer_embedding_unique(uniq, slot, ids, n, marks, (uint32_t)t);
        memset(drows, 0, n_uniq * D * sizeof *drows);
        // Each occurrence is one row of width D: B = n, F = 1, ld_out = D.
        seer_embedding_backward(drows, slot, golden_get(&g, gname), D, n, 1, D);
        seer_adam_rows_step(table, m, v, uniq, drows, n_uniq, D, &adam_cfg, t, NULL);
        CHECK_GOLDEN(&g, tname, table, ROWS * D, RTOL, ATOL);
    }
    golden_close(&g);
}

// Rows not listed keep their weights and both moments bit for bit; listed
// rows move as the dense step moves them on the same row.
Test(adam, rows_lazy) {
    enum { ROWS = 5, D = 2 };
    float table[ROWS * D], m[ROWS * D], v[ROWS * D];
    for (int i = 0; i < ROWS * D; i++) {
        table[i] = 0.1f * (float)(i + 1);
        m[i] = 0.01f * (float)(i - 4);
        v[i] = 0.001f * (float)(i + 2);
    }
    float table0[ROWS * D], m0[ROWS * D], v0[ROWS * D];
    memcpy(table0, table, sizeof table);
    memcpy(m0, m, sizeof m);
    memcpy(v0, v, sizeof v);
    const uint32_t rows[2] = {3, 1};
    const float grad[2 * D] = {0.5f, -0.25f, 2.0f, 0.0f};  // rows 3, then 1
    seer_adam_rows_step(table, m, v, rows, grad, 2, D, &adam_cfg, 4, NULL);
    for (int r = 0; r < ROWS; r++) {
        if (r == 1 || r == 3) continue;
        cr_assert(eq(int, memcmp(table + r * D, table0 + r * D, D * sizeof(float)), 0),
                  "row %d moved", r);
        cr_assert(eq(int, memcmp(m + r * D, m0 + r * D, D * sizeof(float)), 0), "m row %d", r);
        cr_assert(eq(int, memcmp(v + r * D, v0 + r * D, D * sizeof(float)), 0), "v row %d", r);
    }
    // Both rows must have changed: the grad of each is not all zero.
    cr_assert(ne(flt, table[1 * D], table0[1 * D]));
    cr_assert(ne(flt, table[3 * D], table0[3 * D]));
}

// An average following the update (seer_follow) ends as the update followed by
// avg = w + (avg - w) * keep computed apart, bit for bit, for dense weights (a length that
// leaves a vector tail) and for rows of 16, 7 and 1 (a row's own share each); rows not
// listed keep their averages, and the weights and moments are those of an update without one.
static void follow_matches_apart(size_t D) {
    enum { N = 37, ROWS = 9, TOUCHED = 4 };
    float w[2][N], m[2][N], v[2][N], a[2][N], g[N];
    float tw[2][ROWS * 16], tm[2][ROWS * 16], tv[2][ROWS * 16], ta[2][ROWS * 16];
    float tg[TOUCHED * 16];
    const uint32_t rows[TOUCHED] = {7, 2, 0, 5};
    const float keep_rows[TOUCHED] = {0.5f, 0.999f, 0.0f, 0.75f};
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < N; i++) {
            w[k][i] = 0.05f * (float)(i - 17);
            m[k][i] = v[k][i] = 0;
            a[k][i] = 0.3f - 0.01f * (float)i;
        }
        for (size_t i = 0; i < ROWS * D; i++) {
            tw[k][i] = 0.02f * (float)i - 0.4f;
            tm[k][i] = tv[k][i] = 0;
            ta[k][i] = 0.1f + 0.03f * (float)i;
        }
    }
    for (long t = 1; t <= 3; t++) {
        for (int i = 0; i < N; i++) g[i] = 0.01f * (float)((i * 5 + t * 3) % 11) - 0.05f;
        for (size_t i = 0; i < TOUCHED * D; i++) tg[i] = 0.2f * (float)((i + (size_t)t) % 7) - 0.6f;
        const float keep = 0.9f - 0.1f * (float)t;
        seer_follow fd = {a[0], keep, NULL}, fr = {ta[0], 0, keep_rows};
        seer_adam_step(w[0], m[0], v[0], g, N, &adam_cfg, t, &fd);
        seer_adam_rows_step(tw[0], tm[0], tv[0], rows, tg, TOUCHED, D, &adam_cfg, t, &fr);
        seer_adam_step(w[1], m[1], v[1], g, N, &adam_cfg, t, NULL);
        seer_adam_rows_step(tw[1], tm[1], tv[1], rows, tg, TOUCHED, D, &adam_cfg, t, NULL);
        for (int i = 0; i < N; i++) a[1][i] = w[1][i] + (a[1][i] - w[1][i]) * keep;
        for (int r = 0; r < TOUCHED; r++)
            for (size_t k = 0; k < D; k++) {
                size_t j = rows[r] * D + k;
                ta[1][j] = tw[1][j] + (ta[1][j] - tw[1][j]) * keep_rows[r];
            }
    }
    cr_assert(eq(int, memcmp(w[0], w[1], sizeof w[0]), 0), "the weights moved otherwise");
    cr_assert(eq(int, memcmp(m[0], m[1], sizeof m[0]) | memcmp(v[0], v[1], sizeof v[0]), 0));
    cr_assert(eq(int, memcmp(a[0], a[1], sizeof a[0]), 0), "the dense average differs");
    cr_assert(eq(int, memcmp(tw[0], tw[1], ROWS * D * sizeof(float)), 0));
    cr_assert(eq(int, memcmp(ta[0], ta[1], ROWS * D * sizeof(float)), 0),
              "the rows' average differs (D %zu)", D);
    cr_assert(ne(flt, a[0][3], 0.3f - 0.01f * 3.0f), "the dense average did not move");
    cr_assert(eq(flt, ta[0][1 * D], 0.1f + 0.03f * (float)D), "an unlisted row's average moved");
    cr_assert(eq(flt, ta[0][0], tw[0][0]), "a share of 0 is the weight itself");
}

Test(adam, a_following_average_is_the_update_then_its_move_rows_of_16) { follow_matches_apart(16); }
Test(adam, a_following_average_is_the_update_then_its_move_rows_of_7) { follow_matches_apart(7); }
Test(adam, a_following_average_is_the_update_then_its_move_rows_of_1) { follow_matches_apart(1); }
