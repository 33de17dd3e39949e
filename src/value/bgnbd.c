// BG/NBD and Gamma-Gamma by maximum likelihood (bgnbd.h gives the likelihoods and sources).
#include "value/bgnbd.h"

#include <math.h>
#include <string.h>

#include "base/error.h"
#include "nn/lbfgs.h"

double seer_digamma(double v) {
    double r = 0;
    while (v < 10) r -= 1 / v, v += 1;
    double f = 1 / (v * v);
    return r + log(v) - 0.5 / v -
           f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

double seer_hyp2f1(double a, double b, double c, double z) {
    double term = 1, sum = 1;
    for (int k = 0; k < 100000; k++) {
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
        sum += term;
        if (fabs(term) < 1e-15 * fabs(sum)) break;
    }
    return sum;
}

// The k positive parameters p that minimise nll by L-BFGS over their logs (from log p = 0), and
// *ll the log-likelihood there. Both models are fitted so; rc is L-BFGS's.
static int fit_positive(double *p, size_t k, double *ll, seer_lbfgs_fn nll, void *ctx) {
    double lp[4] = {0, 0, 0, 0};
    SEER_ASSERT(k <= 4);
    seer_lbfgs_config c;
    seer_lbfgs_config_default(&c);
    c.gtol = 1e-8;
    c.ftol = 1e-14;
    seer_lbfgs_result res;
    int rc = seer_lbfgs_minimize(lp, k, nll, ctx, &c, &res);
    for (size_t i = 0; i < k; i++) p[i] = exp(lp[i]);
    *ll = -res.f;
    return rc;
}

// One customer's BG/NBD log-likelihood; its gradient added into g (4) unless NULL.
static double bgnbd_one(const double *p, double x, double t_x, double T, double *g) {
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double A12 = lgamma(r + x) - lgamma(r) + r * log(al) + lgamma(a + b) + lgamma(b + x) -
                 lgamma(b) - lgamma(a + b + x);
    double A3 = -(r + x) * log(al + T);
    double A4 = x > 0 ? log(a) - log(b + x - 1) - (r + x) * log(al + t_x) : -INFINITY;
    double hi = A3 > A4 ? A3 : A4, L = hi + log(exp(A3 - hi) + exp(A4 - hi));
    if (g) {
        double w3 = exp(A3 - L), w4 = exp(A4 - L);
        double dab = seer_digamma(a + b) - seer_digamma(a + b + x);
        g[0] += seer_digamma(r + x) - seer_digamma(r) + log(al) - w3 * log(al + T) -
                (x > 0 ? w4 * log(al + t_x) : 0);
        g[1] += r / al - w3 * (r + x) / (al + T) - (x > 0 ? w4 * (r + x) / (al + t_x) : 0);
        g[2] += dab + (x > 0 ? w4 / a : 0);
        g[3] += dab + seer_digamma(b + x) - seer_digamma(b) - (x > 0 ? w4 / (b + x - 1) : 0);
    }
    return A12 + L;
}

double seer_bgnbd_ll(const double p[4], const double *x, const double *t_x, const double *T,
                     size_t n, double *g) {
    double ll = 0;
    if (g) memset(g, 0, 4 * sizeof *g);
    for (size_t i = 0; i < n; i++) ll += bgnbd_one(p, x[i], t_x[i], T[i], g);
    return ll;
}

typedef struct {
    const double *x, *t_x, *T;
    size_t n;
} bgnbd_data;

// The negative log-likelihood of the parameters exp(lp) and its gradient in lp.
static double bgnbd_nll(const double *lp, double *g, size_t k, void *ctx) {
    const bgnbd_data *d = ctx;
    double p[4];
    for (int i = 0; i < 4; i++) p[i] = exp(lp[i]);
    double ll = seer_bgnbd_ll(p, d->x, d->t_x, d->T, d->n, g);
    for (int i = 0; i < 4; i++) g[i] *= -p[i];
    return isfinite(ll) ? -ll : INFINITY;
}

int seer_bgnbd_fit(double p[4], double *ll, const double *x, const double *t_x, const double *T,
                   size_t n) {
    bgnbd_data d = {x, t_x, T, n};
    return fit_positive(p, 4, ll, bgnbd_nll, &d);
}

double seer_bgnbd_expected(const double p[4], double t, double x, double t_x, double T) {
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double z = t / (al + T + t);
    double h = seer_hyp2f1(r + x, b + x, a + b + x - 1, z);
    double num = (a + b + x - 1) / (a - 1) * (1 - pow((al + T) / (al + T + t), r + x) * h);
    double den = 1 + (x > 0 ? a / (b + x - 1) * pow((al + T) / (al + t_x), r + x) : 0);
    return num / den;
}

double seer_bgnbd_p_repeat(const double p[4], double t, double x, double t_x, double T) {
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double alive = 1 / (1 + (x > 0 ? a / (b + x - 1) * pow((al + T) / (al + t_x), r + x) : 0));
    return alive * (1 - pow((al + T) / (al + T + t), r + x));
}

double seer_gg_ll(const double p[3], const double *x, const double *m, size_t n, double *g) {
    double P = p[0], q = p[1], gm = p[2], ll = 0;
    if (g) memset(g, 0, 3 * sizeof *g);
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0 && m[i] > 0)) continue;
        double px = P * x[i], lgm = log(gm + m[i] * x[i]);
        ll += lgamma(px + q) - lgamma(px) - lgamma(q) + q * log(gm) + (px - 1) * log(m[i]) +
              px * log(x[i]) - (px + q) * lgm;
        if (!g) continue;
        double dpq = seer_digamma(px + q);
        g[0] += x[i] * (dpq - seer_digamma(px) + log(m[i]) + log(x[i]) - lgm);
        g[1] += dpq - seer_digamma(q) + log(gm) - lgm;
        g[2] += q / gm - (px + q) / (gm + m[i] * x[i]);
    }
    return ll;
}

typedef struct {
    const double *x, *m;
    size_t n;
} gg_data;

static double gg_nll(const double *lp, double *g, size_t k, void *ctx) {
    const gg_data *d = ctx;
    double p[3];
    for (int i = 0; i < 3; i++) p[i] = exp(lp[i]);
    double ll = seer_gg_ll(p, d->x, d->m, d->n, g);
    for (int i = 0; i < 3; i++) g[i] *= -p[i];
    return isfinite(ll) ? -ll : INFINITY;
}

int seer_gg_fit(double p[3], double *ll, const double *x, const double *m, size_t n) {
    gg_data d = {x, m, n};
    return fit_positive(p, 3, ll, gg_nll, &d);
}

double seer_gg_expected(const double p[3], double x, double m) {
    double P = p[0], q = p[1], gm = p[2];
    if (x > 0 && m > 0) return (gm + m * x) * P / (P * x + q - 1);
    return q > 1 ? P * gm / (q - 1) : NAN;
}
