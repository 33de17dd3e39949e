// lr by full-batch L-BFGS (train/solve_lr.h). In double, over the rows in memory; the weights
// go back to the network's floats once solved.
#include "train/solve_lr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

double seer_lr_objective(const double *x, double *g, size_t n, void *problem) {
    const seer_lr_problem *p = problem;
    const seer_dataset *d = p->d;
    size_t E = p->emb_rows, nd = d->n_dense, S = d->S;
    SEER_ASSERT(n == E + nd + 1);
    const double *w = x + E, bias = x[E + nd];
    memset(g, 0, n * sizeof *g);
    double loss = 0;
    for (size_t r = 0; r < d->rows; r++) {
        const uint32_t *ids = d->ids + r * S;
        const float *dense = d->dense + r * nd;
        double z = bias, y = d->y[r];
        for (size_t s = 0; s < S; s++) z += x[ids[s]];
        for (size_t j = 0; j < nd; j++) z += w[j] * dense[j];
        // log(1 + e^z) - y z without overflow, and its derivative sigmoid(z) - y.
        loss += (z > 0 ? z : 0) + log1p(exp(-fabs(z))) - y * z;
        double e = (z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))) - y;
        for (size_t s = 0; s < S; s++) g[ids[s]] += e;
        for (size_t j = 0; j < nd; j++) g[E + j] += e * dense[j];
        g[E + nd] += e;
    }
    double inv = 1.0 / (double)d->rows, sq = 0;
    for (size_t i = 0; i < n; i++) g[i] *= inv;
    for (size_t i = 0; i < E + nd; i++) {
        sq += x[i] * x[i];
        g[i] += p->l2 * x[i];
    }
    return loss * inv + 0.5 * p->l2 * sq;
}

int seer_lr_solve(seer_net *n, const seer_dataset *d, double l2, size_t max_iter,
                  seer_lbfgs_result *r) {
    SEER_ASSERT(n->cfg.kind == SEER_MODEL_LR && n->D == 1 && d->S == n->cfg.n_fields);
    size_t E = n->cfg.emb_rows, nd = n->cfg.n_dense, np = E + nd + 1;
    double *x = calloc(np, sizeof *x);
    if (!x) return seer_errorf(SEER_ENOMEM, "out of memory for lr's %zu weights", np);
    seer_lr_problem p = {d, E, l2};
    seer_lbfgs_config c;
    seer_lbfgs_config_default(&c);
    c.max_iter = max_iter;
    int rc = seer_lbfgs_minimize(x, np, seer_lr_objective, &p, &c, r);
    if (rc == SEER_OK) {
        for (size_t i = 0; i < E; i++) n->emb[i] = (float)x[i];
        for (size_t j = 0; j <= nd; j++) n->extra[j] = (float)x[E + j];
    }
    free(x);
    return rc;
}
