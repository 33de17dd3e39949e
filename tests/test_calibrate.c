// Calibration (train/calibrate.h, models/calibration.h): Platt's fit against a direct
// minimisation of the same objective, isotonic regression against hand-computed blocks, both
// maps strictly increasing (the order of scores and the AUC kept), the cases no increasing map
// fits, and a model file's round trip of each.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <string.h>

#include "base/rng.h"
#include "models/calibration.h"
#include "small_model.h"
#include "tmpdir.h"
#include "train/calibrate.h"
#include "train/metrics.h"

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

// Pool-adjacent-violators by hand, rows given out of order. Sorted by score the labels are
// 0 | 1 0 | 1 1 0: (2, 1) and (3, 0) violate and pool to 1/2; (4, 1) and (5, 1) tie at 1 and
// pool (equal rates pool too); (6, 0) then pools with them, 2/3 > 1/2. Blocks [1], [2, 3],
// [4, 6]: points at 1, 2.5, 5 with rates 0, 1/2, 2/3, squeezed by e = 1 / (2 (6 + 1)) = 1/14
// to 1/14 + 12/14 r: 1/14, 7/14, 9/14.
Test(calibrate, isotonic_pav_hand_computed) {
    double z[] = {4, 1, 6, 3, 5, 2}, x[6], p[6];
    float y[] = {1, 0, 0, 0, 1, 1};
    size_t K;
    cr_assert(eq(int, seer_isotonic_fit(z, y, 6, 6, x, p, &K), 1));
    cr_assert(eq(sz, K, 3));
    const double wx[] = {1, 2.5, 5}, wp[] = {1.0 / 14, 7.0 / 14, 9.0 / 14};
    for (size_t k = 0; k < 3; k++) {
        cr_assert(eq(dbl, x[k], wx[k]), "knot %zu x %g", k, x[k]);
        cr_assert(le(dbl, fabs(p[k] - wp[k]), 1e-15), "knot %zu p %.17g", k, p[k]);
    }
    // Rows of one score are one block: (0: 1/2), (1: 2/2); e = 1/10, p' = 0.1 + 0.8 r.
    double zt[] = {1, 0, 1, 0};
    float yt[] = {1, 0, 1, 1};
    cr_assert(eq(int, seer_isotonic_fit(zt, yt, 4, 6, x, p, &K), 1));
    cr_assert(eq(sz, K, 2));
    cr_assert(x[0] == 0 && x[1] == 1, "%g %g", x[0], x[1]);
    cr_assert(fabs(p[0] - 0.5) <= 1e-15 && fabs(p[1] - 0.9) <= 1e-15, "%.17g %.17g", p[0], p[1]);
    // Scores against the labels pool into one block: no increasing map.
    double zi[] = {-1, 0, 1};
    float yi[] = {1, 1, 0};
    cr_assert(eq(int, seer_isotonic_fit(zi, yi, 3, 6, x, p, &K), 0));
    cr_assert(eq(int, seer_isotonic_fit(zi, yi, 1, 6, x, p, &K), 0));
}

// Scores z uniform in [-4, 4], labels drawn from sigmoid(1.5 z - 0.5): a fit of many blocks.
enum { RN = 4000 };
static double rz[RN];
static float ry[RN];
static void random_case(uint64_t seed) {
    seer_rng r;
    seer_rng_init(&r, seed);
    for (size_t i = 0; i < RN; i++) {
        rz[i] = 8 * (seer_rng_uniform(&r) - 0.5);
        ry[i] = seer_rng_uniform(&r) < 1 / (1 + exp(-(1.5 * rz[i] - 0.5)));
    }
}

// The isotonic map of a config fitted on the random case (its knots as calibrate sets them).
static void isotonic_config(seer_net_config *c) {
    memset(c, 0, sizeof *c);
    double x[SEER_CALIB_KNOTS_MAX], p[SEER_CALIB_KNOTS_MAX], a, b;
    size_t K;
    cr_assert(eq(int, seer_isotonic_fit(rz, ry, RN, SEER_CALIB_KNOTS_MAX, x, p, &K), 1));
    cr_assert(eq(int, seer_platt_fit(rz, ry, RN, &a, &b), 1));
    c->calibrated = SEER_CALIBRATION_ISOTONIC;
    c->calib_a = (float)a;
    c->calib_knots = K;
    for (size_t k = 0; k < K; k++) c->calib_x[k] = (float)x[k], c->calib_y[k] = (float)p[k];
    cr_assert(eq(ptr, (void *)seer_calibration_invalid(c), NULL), "%s",
              seer_calibration_invalid(c));
}

// More blocks than max_knots merge to at most that many, their rates still increasing.
Test(calibrate, isotonic_merges_to_max_knots) {
    random_case(3);
    double x[SEER_CALIB_KNOTS_MAX], p[SEER_CALIB_KNOTS_MAX], xs[5], ps[5];
    size_t K, Ks;
    cr_assert(eq(int, seer_isotonic_fit(rz, ry, RN, SEER_CALIB_KNOTS_MAX, x, p, &K), 1));
    cr_assert(gt(sz, K, 5), "%zu blocks", K);
    cr_assert(eq(int, seer_isotonic_fit(rz, ry, RN, 5, xs, ps, &Ks), 1));
    cr_assert(le(sz, Ks, 5));
    cr_assert(ge(sz, Ks, 2));
    for (size_t k = 1; k < Ks; k++) cr_assert(xs[k] > xs[k - 1] && ps[k] > ps[k - 1]);
}

// The map rises strictly over a fine grid of logits well past its knots, meets its knots, and
// is continuous where its ends begin.
Test(calibrate, isotonic_map_strictly_increasing) {
    random_case(5);
    seer_net_config c;
    isotonic_config(&c);
    cr_assert(ge(sz, c.calib_knots, 8), "%zu knots", c.calib_knots);
    enum { G = 16001 };
    static float z[G], p[G];
    for (size_t i = 0; i < G; i++) z[i] = -8.0f + 1e-3f * (float)i;
    seer_calibration_apply(&c, z, p, G);
    // Strictly where a float can tell the steps of 1e-3 apart (p within [0.001, 0.999]: its
    // slope there is above 1e-3 p (1 - p), its spacing 6e-8), never falling anywhere.
    for (size_t i = 1; i < G; i++) {
        int distinct = p[i - 1] > 1e-3f && p[i] < 0.999f;
        cr_assert(distinct ? p[i] > p[i - 1] : p[i] >= p[i - 1], "z %g: p %.9g after %.9g",
                  (double)z[i], (double)p[i], (double)p[i - 1]);
    }
    cr_assert(p[0] > 0 && p[G - 1] < 1);
    size_t K = c.calib_knots;
    float at[2] = {c.calib_x[0], c.calib_x[K - 1]}, near[2] = {c.calib_x[0] - 1e-2f,
                                                              c.calib_x[K - 1] + 1e-2f};
    float pa[2], pn[2];
    seer_calibration_apply(&c, c.calib_x, pa, 1);
    cr_assert(le(dbl, fabs(pa[0] - c.calib_y[0]), 1e-6));
    seer_calibration_apply(&c, at, pa, 2);
    seer_calibration_apply(&c, near, pn, 2);
    cr_assert(pn[0] < pa[0] && pa[0] - pn[0] < 1e-2, "%.9g %.9g", pn[0], pa[0]);
    cr_assert(pn[1] > pa[1] && pn[1] - pa[1] < 1e-2, "%.9g %.9g", pn[1], pa[1]);
}

// Scores of a random case keep their AUC to the bit through the isotonic map (fitted on other
// rows of the same kind): it creates no ties.
Test(calibrate, isotonic_keeps_the_auc) {
    random_case(9);
    seer_net_config c;
    isotonic_config(&c);
    random_case(10);
    static float z[RN], plain[RN], cal[RN];
    for (size_t i = 0; i < RN; i++) z[i] = (float)rz[i];
    c.calibrated = SEER_CALIBRATION_NONE;
    seer_calibration_apply(&c, z, plain, RN);
    c.calibrated = SEER_CALIBRATION_ISOTONIC;
    seer_calibration_apply(&c, z, cal, RN);
    double before, after;
    cr_assert(eq(int, seer_auc(&before, plain, ry, RN), SEER_OK));
    cr_assert(eq(int, seer_auc(&after, cal, ry, RN), SEER_OK));
    cr_assert(gt(dbl, before, 0.7));
    cr_assert(eq(dbl, after, before));
}

// Knots that a file could hold but the map cannot use are refused by the check loading runs.
Test(calibrate, isotonic_invalid_knots) {
    random_case(5);
    seer_net_config c;
    isotonic_config(&c);
    seer_net_config bad = c;
    bad.calib_y[1] = bad.calib_y[0];
    cr_assert(ne(ptr, (void *)seer_calibration_invalid(&bad), NULL));
    bad = c, bad.calib_x[2] = bad.calib_x[1];
    cr_assert(ne(ptr, (void *)seer_calibration_invalid(&bad), NULL));
    bad = c, bad.calib_y[0] = 0;
    cr_assert(ne(ptr, (void *)seer_calibration_invalid(&bad), NULL));
    bad = c, bad.calib_a = 0;
    cr_assert(ne(ptr, (void *)seer_calibration_invalid(&bad), NULL));
    bad = c, bad.calib_knots = 1;
    cr_assert(ne(ptr, (void *)seer_calibration_invalid(&bad), NULL));
    bad = c, bad.calib_x[0] = NAN;
    cr_assert(ne(ptr, (void *)seer_calibration_invalid(&bad), NULL));
}

// A model calibrated by isotonic regression keeps its knots in the file, and the loaded model
// scores the same bits; its scores keep the order of the plain model's (same seed and data).
Test(calibrate, isotonic_model_round_trip) {
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
    o.calibration = SEER_CALIBRATION_ISOTONIC;
    seer_model *m = NULL, *plain = NULL, *back = NULL;
    seer_train_report r;
    cr_assert(eq(int, seer_train(&o, &m, &r), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, r.calibrated, SEER_CALIBRATION_ISOTONIC));
    cr_assert(ge(sz, r.calib_knots, 2));
    cr_assert(eq(sz, r.calib_knots, m->net.cfg.calib_knots));
    o.calibration = SEER_CALIBRATION_NONE;
    cr_assert(eq(int, seer_train(&o, &plain, NULL), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, seer_model_save(m, path), SEER_OK));
    cr_assert(eq(int, seer_model_load(&back, path, SEER_SCORE_ROWS), SEER_OK));
    const seer_net_config *c = &m->net.cfg, *cb = &back->net.cfg;
    cr_assert(eq(int, cb->calibrated, SEER_CALIBRATION_ISOTONIC));
    cr_assert(eq(sz, cb->calib_knots, c->calib_knots));
    cr_assert(eq(flt, cb->calib_a, c->calib_a));
    cr_assert(eq(int, memcmp(cb->calib_x, c->calib_x, c->calib_knots * sizeof(float)), 0));
    cr_assert(eq(int, memcmp(cb->calib_y, c->calib_y, c->calib_knots * sizeof(float)), 0));
    float *a = NULL, *b = NULL, *pl = NULL;
    size_t na, nb, np;
    cr_assert(eq(int, seer_model_score_file(m, csv, SEER_FORMAT_AUTO, &a, &na), SEER_OK));
    cr_assert(eq(int, seer_model_score_file(back, csv, SEER_FORMAT_AUTO, &b, &nb), SEER_OK));
    cr_assert(eq(int, seer_model_score_file(plain, csv, SEER_FORMAT_AUTO, &pl, &np), SEER_OK));
    cr_assert(eq(sz, nb, na));
    cr_assert(eq(int, memcmp(a, b, na * sizeof *a), 0), "the loaded model scores differently");
    for (size_t i = 1; i < na; i++) {
        int kept = (pl[i] > pl[i - 1]) == (a[i] > a[i - 1]) || pl[i] == pl[i - 1];
        cr_assert(kept, "row %zu: plain %.9g %.9g, isotonic %.9g %.9g", i, (double)pl[i - 1],
                  (double)pl[i], (double)a[i - 1], (double)a[i]);
    }
    free(a), free(b), free(pl);
    seer_model_free(m), seer_model_free(plain), seer_model_free(back);
    remove_tree(dir);
}

// Platt's map and the plain sigmoid are the float formulas they always were, bit for bit,
// through seer_calibration_apply: files calibrated by Platt or not at all score as before.
Test(calibrate, platt_and_none_unchanged) {
    random_case(4);
    static float z[RN], p[RN];
    for (size_t i = 0; i < RN; i++) z[i] = (float)rz[i];
    seer_net_config c;
    memset(&c, 0, sizeof c);
    c.calibrated = SEER_CALIBRATION_PLATT, c.calib_a = 0.7f, c.calib_b = -0.3f;
    seer_calibration_apply(&c, z, p, RN);
    for (size_t i = 0; i < RN; i++) {
        float want = 1.0f / (1.0f + expf(-(0.7f * z[i] + -0.3f)));
        cr_assert(memcmp(&p[i], &want, sizeof want) == 0, "row %zu", i);
    }
    c.calibrated = SEER_CALIBRATION_NONE;
    seer_calibration_apply(&c, z, p, RN);
    for (size_t i = 0; i < RN; i++) {
        float want = 1.0f / (1.0f + expf(-z[i]));
        cr_assert(memcmp(&p[i], &want, sizeof want) == 0, "row %zu", i);
    }
}
