// Platt scaling fitted on held-out rows (train/calibrate.h).
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

int seer_net_calibrate(seer_net *n, const seer_dataset *d) {
    double *z = malloc((d->rows + 1) * sizeof *z);
    if (!z) return seer_errorf(SEER_ENOMEM, "out of memory calibrating on %zu rows", d->rows);
    n->cfg.calibrated = 0;
    size_t cap = n->cfg.batch_cap;
    for (size_t s = 0; s < d->rows; s += cap) {
        size_t B = d->rows - s < cap ? d->rows - s : cap;
        seer_net_forward(n, d->ids + s * d->S, d->dense + s * d->n_dense, B);
        for (size_t i = 0; i < B; i++) z[s + i] = n->logit[i];
    }
    double a, b;
    int fitted = seer_platt_fit(z, d->y, d->rows, &a, &b);
    free(z);
    if (fitted) {
        n->cfg.calibrated = 1;
        n->cfg.calib_a = (float)a;
        n->cfg.calib_b = (float)b;
    }
    return fitted;
}
