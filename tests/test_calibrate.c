// Platt scaling (train/calibrate.h): the fit against a direct minimisation of the same
// objective, the order of scores kept, and the cases no increasing map fits.
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <string.h>

#include "base/rng.h"
#include "small_model.h"
#include "tmpdir.h"
#include "train/calibrate.h"

// Platt's smoothed-target log loss of sigmoid(a z + b), summed.
static double objective(const double *z, const float *y, size_t n, double a, double b) {
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) pos += y[i] >= 0.5f;
    double t1 = (pos + 1.0) / (pos + 2.0), t0 = 1.0 / (n - pos + 2.0), f = 0;
    for (size_t i = 0; i < n; i++) {
        double s = a * z[i] + b, t = y[i] >= 0.5f ? t1 : t0;
        f += log1p(exp(s)) - t * s;
    }
    return f;
}

Test(calibrate, platt_recovers_a_known_map) {
    // Labels drawn from sigmoid(0.5 z - 1) of scores z: the fit finds about a 0.5, b -1, and
    // no nearby (a, b) has a lower objective (a grid of steps 1e-3 around it).
    enum { N = 20000 };
    static double z[N];
    static float y[N];
    seer_rng r;
    seer_rng_init(&r, 7);
    for (size_t i = 0; i < N; i++) {
        z[i] = 8 * (seer_rng_uniform(&r) - 0.5);
        y[i] = seer_rng_uniform(&r) < 1 / (1 + exp(-(0.5 * z[i] - 1)));
    }
    double a, b;
    cr_assert(eq(int, seer_platt_fit(z, y, N, &a, &b), 1));
    cr_assert(fabs(a - 0.5) < 0.05 && fabs(b + 1) < 0.1, "a %g b %g", a, b);
    double f = objective(z, y, N, a, b);
    for (int da = -1; da <= 1; da++)
        for (int db = -1; db <= 1; db++)
            cr_assert(objective(z, y, N, a + 1e-3 * da, b + 1e-3 * db) >= f - 1e-9);
}

Test(calibrate, platt_refuses_what_no_increasing_map_fits) {
    double z[] = {-2, -1, 1, 2}, a = 0, b = 0;
    float inverted[] = {1, 1, 0, 0}, one_class[] = {1, 1, 1, 1};
    cr_assert(eq(int, seer_platt_fit(z, inverted, 4, &a, &b), 0));
    cr_assert(eq(dbl, a, 1.0));
    cr_assert(eq(dbl, b, 0.0));
    cr_assert(eq(int, seer_platt_fit(z, one_class, 4, &a, &b), 0));
    cr_assert(eq(int, seer_platt_fit(z, inverted, 1, &a, &b), 0));
    // Separable rows: the smoothed targets keep a finite.
    float separable[] = {0, 0, 1, 1};
    cr_assert(eq(int, seer_platt_fit(z, separable, 4, &a, &b), 1));
    cr_assert(isfinite(a) && a > 0 && isfinite(b), "a %g b %g", a, b);
}

// A model trained with a hold-out is calibrated by default; the file keeps the map, the loaded
// model scores the same, and --calibration none (calibration 0) gives the plain sigmoid with
// the same order of scores.
Test(calibrate, trained_model_keeps_and_applies_it) {
    char dir[] = "/tmp/seer_test_calibrate_XXXXXX", csv[128], path[128];
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
    snprintf(csv, sizeof csv, "%s/t.csv", dir);
    snprintf(path, sizeof path, "%s/m.seer", dir);
    cr_assert(eq(int, write_small_model(csv, path, 1, 8), SEER_OK), "%s", seer_error_message());
    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_MLP);
    o.data = csv;
    o.label = "label";
    o.quiet = 1;
    o.epochs = 3;
    o.valid_frac = 0.2;
    seer_model *m = NULL, *plain = NULL, *back = NULL;
    seer_train_report r;
    cr_assert(eq(int, seer_train(&o, &m, &r), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, r.calibrated, 1));
    cr_assert(r.calib_a > 0);
    cr_assert(eq(int, m->net.cfg.calibrated, 1));
    o.calibration = 0;
    cr_assert(eq(int, seer_train(&o, &plain, &r), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, r.calibrated, 0));
    cr_assert(eq(int, seer_model_save(m, path), SEER_OK));
    cr_assert(eq(int, seer_model_load(&back, path, SEER_SCORE_ROWS), SEER_OK));
    cr_assert(eq(int, back->net.cfg.calibrated, 1));
    cr_assert(eq(flt, back->net.cfg.calib_a, m->net.cfg.calib_a));
    cr_assert(eq(flt, back->net.cfg.calib_b, m->net.cfg.calib_b));
    float *a = NULL, *b = NULL, *c = NULL;
    size_t na, nb, nc;
    cr_assert(eq(int, seer_model_score_file(m, csv, SEER_FORMAT_AUTO, &a, &na), SEER_OK));
    cr_assert(eq(int, seer_model_score_file(back, csv, SEER_FORMAT_AUTO, &b, &nb), SEER_OK));
    cr_assert(eq(int, seer_model_score_file(plain, csv, SEER_FORMAT_AUTO, &c, &nc), SEER_OK));
    cr_assert(eq(sz, na, 2000));
    cr_assert(eq(sz, nb, na));
    for (size_t i = 0; i < na; i++) {
        cr_assert(memcmp(&a[i], &b[i], sizeof a[i]) == 0, "row %zu", i);
        // Same weights (same seed and data), the map increasing: pairs keep their order.
        int kept = !i || (c[i] > c[i - 1]) == (a[i] > a[i - 1]) || c[i] == c[i - 1] ||
                   a[i] == a[i - 1];
        cr_assert(kept, "row %zu", i);
    }
    free(a), free(b), free(c);
    seer_model_free(m), seer_model_free(plain), seer_model_free(back);
    remove_tree(dir);
}
