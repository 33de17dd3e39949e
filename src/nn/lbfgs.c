// L-BFGS (Nocedal and Wright, algorithm 7.4 and 7.5): the two-loop recursion over the last m
// steps and gradient changes, with a backtracking line search on the Armijo condition. A pair
// whose curvature s.y is not positive is not kept, so the direction stays one of descent.
#include "nn/lbfgs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

void seer_lbfgs_config_default(seer_lbfgs_config *c) {
    c->m = 10;
    c->max_iter = 500;
    c->gtol = 1e-6;
    c->ftol = 1e-10;
}

static double dot(const double *a, const double *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double max_abs(const double *a, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fabs(a[i]) > m ? fabs(a[i]) : m;
    return m;
}

// d = -H g from the k most recent pairs (s, y) held in rings of m, newest at (top - 1) % m.
static void direction(double *d, const double *g, size_t n, const double *s, const double *y,
                      const double *rho, double *alpha, size_t m, size_t k, size_t top) {
    for (size_t i = 0; i < n; i++) d[i] = -g[i];
    for (size_t j = 0; j < k; j++) {
        size_t p = (top + m - 1 - j) % m;
        alpha[p] = rho[p] * dot(s + p * n, d, n);
        for (size_t i = 0; i < n; i++) d[i] -= alpha[p] * y[p * n + i];
    }
    if (k) {  // the initial Hessian: s.y / y.y of the newest pair
        size_t p = (top + m - 1) % m;
        double gamma = 1.0 / (rho[p] * dot(y + p * n, y + p * n, n));
        for (size_t i = 0; i < n; i++) d[i] *= gamma;
    }
    for (size_t j = k; j-- > 0;) {
        size_t p = (top + m - 1 - j) % m;
        double beta = rho[p] * dot(y + p * n, d, n);
        for (size_t i = 0; i < n; i++) d[i] += (alpha[p] - beta) * s[p * n + i];
    }
}

// Backtracks from step t along d until f falls by the Armijo condition: 1 and the new point in
// xn, gn, *fn_out; 0 when no step of 40 halvings lowers f.
static int line_search(const double *x, double f, const double *g, const double *d, double t,
                       double *xn, double *gn, double *fn_out, size_t n, seer_lbfgs_fn fn,
                       void *ctx, size_t *evals) {
    double slope = dot(g, d, n);
    for (int tries = 0; tries < 40; tries++, t *= 0.5) {
        for (size_t i = 0; i < n; i++) xn[i] = x[i] + t * d[i];
        double fx = fn(xn, gn, n, ctx);
        (*evals)++;
        if (isfinite(fx) && fx <= f + 1e-4 * t * slope) {
            *fn_out = fx;
            return 1;
        }
    }
    return 0;
}

int seer_lbfgs_minimize(double *x, size_t n, seer_lbfgs_fn fn, void *ctx,
                        const seer_lbfgs_config *c, seer_lbfgs_result *r) {
    size_t m = c->m ? c->m : 1;
    double *buf = malloc((2 * m * n + 4 * n + 2 * m) * sizeof *buf);
    if (!buf) return seer_errorf(SEER_ENOMEM, "out of memory for L-BFGS over %zu weights", n);
    double *s = buf, *y = s + m * n, *g = y + m * n, *d = g + n, *xn = d + n, *gn = xn + n;
    double *rho = gn + n, *alpha = rho + m;
    memset(r, 0, sizeof *r);
    double f = fn(x, g, n, ctx);
    r->evals = 1;
    size_t k = 0, top = 0;
    while (max_abs(g, n) > c->gtol && r->iters < c->max_iter) {
        direction(d, g, n, s, y, rho, alpha, m, k, top);
        double gd = dot(g, d, n);
        if (!(gd < 0)) {  // not a descent direction: start again from the gradient
            k = 0;
            for (size_t i = 0; i < n; i++) d[i] = -g[i];
            gd = dot(g, d, n);
        }
        // The first step is scaled to a unit move; later ones start from the full step.
        double t = k ? 1.0 : 1.0 / sqrt(-gd), fn_new;
        if (!line_search(x, f, g, d, t, xn, gn, &fn_new, n, fn, ctx, &r->evals)) break;
        r->iters++;
        double *sp = s + top * n, *yp = y + top * n;
        for (size_t i = 0; i < n; i++) {
            sp[i] = xn[i] - x[i];
            yp[i] = gn[i] - g[i];
        }
        double sy = dot(sp, yp, n);
        if (sy > 1e-12 * dot(yp, yp, n)) {
            rho[top] = 1.0 / sy;
            top = (top + 1) % m;
            k = k < m ? k + 1 : m;
        }
        double fall = f - fn_new;
        memcpy(x, xn, n * sizeof *x);
        memcpy(g, gn, n * sizeof *g);
        f = fn_new;
        if (fall <= c->ftol * (fabs(f) > 1 ? fabs(f) : 1)) {
            r->converged = 1;
            break;
        }
    }
    r->f = f;
    r->gmax = max_abs(g, n);
    if (r->gmax <= c->gtol) r->converged = 1;
    free(buf);
    return SEER_OK;
}
