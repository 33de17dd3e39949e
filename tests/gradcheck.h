// Helpers shared by the kernel tests: random fills, a double dot product, a
// finite-difference gradient check, and opening a golden file.
//
// Include after defining GC_H (the central-difference step) and GC_TOL (the
// largest |numerical - analytic| / max(1, |analytic|) that passes): each test
// file states why its values are sound for its kernels.
#ifndef SEER_TESTS_GRADCHECK_H
#define SEER_TESTS_GRADCHECK_H

#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stddef.h>

#include "base/rng.h"
#include "golden.h"

static inline void fill(float *x, size_t n, seer_rng *r, double lo, double hi) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(lo + (hi - lo) * seer_rng_uniform(r));
}

static inline double dot(const float *a, const float *b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

// The scalar whose gradient is checked, as a function of the current inputs.
typedef double (*loss_fn)(void *ctx);

// Compares ana (n), the analytic gradient of L with respect to x (n), with
// central differences of L, and fails the test at the worst element.
static void gradcheck(const char *what, float *x, const float *ana, size_t n, loss_fn L,
                      void *ctx) {
    double worst = 0.0, worst_num = 0.0, worst_ana = 0.0;
    size_t worst_i = 0;
    for (size_t i = 0; i < n; i++) {
        float x0 = x[i];
        float xp = (float)(x0 + GC_H), xm = (float)(x0 - GC_H);
        x[i] = xp;
        double lp = L(ctx);
        x[i] = xm;
        double lm = L(ctx);
        x[i] = x0;
        double num = (lp - lm) / ((double)xp - (double)xm);
        double err = fabs(num - ana[i]) / fmax(1.0, fabs(ana[i]));
        if (err > worst || isnan(err)) {
            worst = err;
            worst_i = i;
            worst_num = num;
            worst_ana = ana[i];
        }
    }
    if (!(worst <= GC_TOL))
        cr_fatal("%s: gradcheck [%zu] numerical %.7g analytic %.7g (scaled error %.3g > %g)",
                 what, worst_i, worst_num, worst_ana, worst, GC_TOL);
}

static void open_golden(golden *g, const char *path) {
    cr_assert(eq(int, golden_open(g, path), 0), "cannot read %s; run tests from the repo root",
              path);
}

#endif
