// Platt scaling and isotonic regression fitted on held-out rows (train/calibrate.h).
#include "train/calibrate.h"

#include <math.h>
#include <stdlib.h>

#include "base/error.h"

// Platt's targets' mean log loss of sigmoid(a z + b), and its gradient and Hessian (2x2).
static double platt_loss(const double *z, const float *y, size_t n, double t1, double t0,
                         double a, double b, double g[2], double h[3]) {
    double loss = 0;
    g[0] = g[1] = h[0] = h[1] = h[2] = 0;
    for (size_t i = 0; i < n; i++) {
        double s = a * z[i] + b, t = y[i] >= 0.5f ? t1 : t0;
        // log(1 + e^s) - t s without overflow; p = sigmoid(s).
        loss += (s > 0 ? s : 0) + log1p(exp(-fabs(s))) - t * s;
        double p = s >= 0 ? 1 / (1 + exp(-s)) : exp(s) / (1 + exp(s)), w = p * (1 - p);
        g[0] += (p - t) * z[i], g[1] += p - t;
        h[0] += w * z[i] * z[i], h[1] += w * z[i], h[2] += w;
    }
    return loss;
}

int seer_platt_fit(const double *z, const float *y, size_t n, double *a, double *b) {
    *a = 1, *b = 0;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) pos += y[i] >= 0.5f;
    if (n < 2 || pos == 0 || pos == n) return 0;
    double t1 = (pos + 1.0) / (pos + 2.0), t0 = 1.0 / (n - pos + 2.0);
    double A = 1, B = 0, g[2], h[3];
    double f = platt_loss(z, y, n, t1, t0, A, B, g, h);
    for (int it = 0; it < 100; it++) {
        // The Newton step of the 2x2 system, the Hessian's diagonal nudged so it solves.
        double h0 = h[0] + 1e-12, h2 = h[2] + 1e-12, det = h0 * h2 - h[1] * h[1];
        if (!(det > 0)) break;
        double da = (h2 * g[0] - h[1] * g[1]) / det, db = (h0 * g[1] - h[1] * g[0]) / det;
        double step = 1, fn = f, gn[2], hn[3];
        for (; step > 1e-10; step /= 2) {
            fn = platt_loss(z, y, n, t1, t0, A - step * da, B - step * db, gn, hn);
            if (fn <= f) break;
        }
        if (step <= 1e-10) break;
        A -= step * da, B -= step * db;
        double drop = f - fn;
        f = fn, g[0] = gn[0], g[1] = gn[1], h[0] = hn[0], h[1] = hn[1], h[2] = hn[2];
        if (drop <= 1e-12 * (1 + fabs(f))) break;
    }
    if (!(A > 0) || !isfinite(A) || !isfinite(B)) return 0;
    *a = A, *b = B;
    return 1;
}

typedef struct {
    double z;
    float y;
} scored;

typedef struct {
    double lo, hi;      // the block's lowest and highest score
    double pos, rows;   // its positives and rows
} block;

static int by_score(const void *a, const void *b) {
    double x = ((const scored *)a)->z, y = ((const scored *)b)->z;
    return (x > y) - (x < y);
}

// b[0..nb) to at most max blocks: block i joins group (its first row) * max / rows.
static size_t merge_to(block *b, size_t nb, size_t max, double rows) {
    size_t out = 0;
    double first = 0, group = -1;
    for (size_t i = 0; i < nb; first += b[i].rows, i++) {
        double g = floor(first * (double)max / rows);
        if (out && g == group) {
            b[out - 1].hi = b[i].hi, b[out - 1].pos += b[i].pos, b[out - 1].rows += b[i].rows;
        } else {
            b[out++] = b[i];
            group = g;
        }
    }
    return out;
}

int seer_isotonic_fit(const double *z, const float *y, size_t n, size_t max_knots, double *x,
                      double *p, size_t *knots) {
    *knots = 0;
    scored *s = malloc((n + 1) * sizeof *s);
    block *b = malloc((n + 1) * sizeof *b);
    if (!s || !b) {
        free(s), free(b);
        return seer_errorf(SEER_ENOMEM, "out of memory calibrating on %zu rows", n);
    }
    size_t m = 0, nb = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(z[i])) s[m++] = (scored){z[i], y[i] >= 0.5f};
    qsort(s, m, sizeof *s, by_score);
    for (size_t i = 0; i < m; i++) {
        if (nb && s[i].z == b[nb - 1].hi) b[nb - 1].pos += s[i].y, b[nb - 1].rows++;
        else b[nb++] = (block){s[i].z, s[i].z, s[i].y, 1};
        // Pool while the block before has a rate at or above the last one's (cross-multiplied,
        // exact in doubles): equal rates too, so that the rates of the blocks left increase.
        while (nb > 1 && b[nb - 2].pos * b[nb - 1].rows >= b[nb - 1].pos * b[nb - 2].rows) {
            b[nb - 2].hi = b[nb - 1].hi;
            b[nb - 2].pos += b[nb - 1].pos, b[nb - 2].rows += b[nb - 1].rows;
            nb--;
        }
    }
    if (nb > max_knots) nb = merge_to(b, nb, max_knots, (double)m);
    double e = 0.5 / ((double)n + 1);
    for (size_t k = 0; k < nb; k++) {
        x[k] = (b[k].lo + b[k].hi) / 2;
        p[k] = e + (1 - 2 * e) * (b[k].pos / b[k].rows);
    }
    free(s), free(b);
    *knots = nb;
    return nb >= 2;
}

// The isotonic knots of z against y into n->cfg as floats, a knot that does not rise above
// the one before in float (scores closer than its precision) left out. 1 when >= 2 are left.
static int set_isotonic(seer_net_config *c, const double *z, const float *y, size_t rows,
                        double slope) {
    double x[SEER_CALIB_KNOTS_MAX], p[SEER_CALIB_KNOTS_MAX];
    size_t K;
    int fitted = seer_isotonic_fit(z, y, rows, SEER_CALIB_KNOTS_MAX, x, p, &K);
    if (fitted <= 0) return fitted;
    c->calib_knots = 0;
    for (size_t k = 0; k < K; k++) {
        float xk = (float)x[k], pk = (float)p[k];
        size_t j = c->calib_knots;
        if (j && !(xk > c->calib_x[j - 1] && pk > c->calib_y[j - 1])) continue;
        c->calib_x[j] = xk, c->calib_y[j] = pk;
        c->calib_knots++;
    }
    c->calib_a = (float)slope, c->calib_b = 0;
    return c->calib_knots >= 2;
}

int seer_net_calibrate(seer_net *n, const seer_dataset *d, int method) {
    double *z = malloc((d->rows + 1) * sizeof *z);
    if (!z) return seer_errorf(SEER_ENOMEM, "out of memory calibrating on %zu rows", d->rows);
    n->cfg.calibrated = SEER_CALIBRATION_NONE;
    size_t cap = n->cfg.batch_cap;
    // Packed rows are written out a batch at a time.
    float *scratch = d->pack ? malloc(cap * d->n_dense * sizeof *scratch) : NULL;
    if (d->pack && !scratch) {
        free(z);
        return seer_errorf(SEER_ENOMEM, "out of memory calibrating on %zu rows", d->rows);
    }
    for (size_t s = 0; s < d->rows; s += cap) {
        size_t B = d->rows - s < cap ? d->rows - s : cap;
        seer_net_forward(n, d->ids + s * d->S, seer_dataset_dense_rows(d, s, B, scratch), B);
        for (size_t i = 0; i < B; i++) z[s + i] = n->logit[i];
    }
    free(scratch);
    double a, b;
    int fitted = seer_platt_fit(z, d->y, d->rows, &a, &b);
    if (method == SEER_CALIBRATION_ISOTONIC) {
        fitted = set_isotonic(&n->cfg, z, d->y, d->rows, fitted ? a : 1.0);
    } else if (fitted) {
        n->cfg.calib_a = (float)a;
        n->cfg.calib_b = (float)b;
    }
    free(z);
    if (fitted > 0) n->cfg.calibrated = method;
    return fitted > 0 ? method : fitted;
}
