// Adagrad against the formula worked in double, and its lazy row form.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>

#include "nn/adagrad.h"

Test(adagrad, by_hand) {
    // One weight, lr 0.1, eps 1e-10, gradients 0.5 then -1:
    // G = 0.25, w = 1 - 0.1 * 0.5 / 0.5 = 0.9;
    // G = 1.25, w = 0.9 + 0.1 * 1 / sqrt(1.25) = 0.98944271909999...
    float w = 1.0f, G = 0.0f, g1 = 0.5f, g2 = -1.0f;
    seer_adagrad_step(&w, &G, &g1, 1, 0.1f, 1e-10f, NULL);
    cr_assert(ieee_ulp_eq(flt, w, 0.9f, 2));
    seer_adagrad_step(&w, &G, &g2, 1, 0.1f, 1e-10f, NULL);
    cr_assert(ieee_ulp_eq(flt, G, 1.25f, 0));
    cr_assert(epsilon_eq(flt, w, (float)(0.9 + 0.1 / sqrt(1.25)), 1e-6f));
}

Test(adagrad, many_steps_match_double) {
    enum { N = 37, STEPS = 20 };
    float w[N], G[N] = {0}, g[N];
    double wd[N], Gd[N] = {0};
    for (int i = 0; i < N; i++) w[i] = (float)(wd[i] = 0.1 * (i - 18));
    for (int s = 0; s < STEPS; s++) {
        for (int i = 0; i < N; i++) g[i] = (float)sin(0.7 * i + 1.3 * s);
        seer_adagrad_step(w, G, g, N, 0.05f, 1e-10f, NULL);
        for (int i = 0; i < N; i++) {
            Gd[i] += (double)g[i] * g[i];
            wd[i] -= 0.05 * g[i] / (sqrt(Gd[i]) + 1e-10);
        }
    }
    // Float rounding over 20 steps of size <= 0.05: far below 1e-5.
    for (int i = 0; i < N; i++) cr_assert(epsilon_eq(dbl, w[i], wd[i], 1e-5), "w[%d]", i);
}

Test(adagrad, rows_are_lazy) {
    enum { ROWS = 5, D = 3 };
    float table[ROWS * D], G[ROWS * D] = {0}, before[ROWS * D];
    for (int i = 0; i < ROWS * D; i++) before[i] = table[i] = (float)i;
    uint32_t rows[2] = {3, 1};
    float grads[2 * D] = {1, 2, 3, -1, -2, -3};
    seer_adagrad_rows_step(table, G, rows, grads, 2, D, 0.1f, 1e-10f, NULL);
    for (int r = 0; r < ROWS; r++)
        for (int k = 0; k < D; k++) {
            float want = before[r * D + k];
            // The first step of Adagrad moves each touched weight by lr * sign(g).
            if (r == 3) want -= 0.1f;
            if (r == 1) want += 0.1f;
            cr_assert(epsilon_eq(flt, table[r * D + k], want, 1e-6f), "row %d col %d", r, k);
            if (r != 1 && r != 3) cr_assert(ieee_ulp_eq(flt, G[r * D + k], 0.0f, 0));
        }
}
