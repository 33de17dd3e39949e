// lr by full-batch L-BFGS (train/solve_lr.h). In double, over the rows in memory; the weights
// go back to the network's floats once solved.
#include "train/solve_lr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

// Adds d's summed log loss to the return value and its gradient (not yet averaged) into g.
static double add_rows(const double *x, double *g, const seer_dataset *d, size_t E) {
    size_t nd = d->n_dense, S = d->S;
    const double *w = x + E, bias = x[E + nd];
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
    return loss;
}

double seer_lr_objective(const double *x, double *g, size_t n, void *problem) {
    const seer_lr_problem *p = problem;
    size_t E = p->emb_rows, nd = p->d->n_dense;
    SEER_ASSERT(n == E + nd + 1);
    SEER_ASSERT(!p->d2 || (p->d2->S == p->d->S && p->d2->n_dense == nd));
    memset(g, 0, n * sizeof *g);
    double loss = add_rows(x, g, p->d, E);
    size_t rows = p->d->rows;
    if (p->d2) loss += add_rows(x, g, p->d2, E), rows += p->d2->rows;
    double inv = 1.0 / (double)rows, sq = 0;
    for (size_t i = 0; i < n; i++) g[i] *= inv;
    for (size_t i = 0; i < E + nd; i++) {
        sq += x[i] * x[i];
        g[i] += p->l2 * x[i];
    }
    return loss * inv + 0.5 * p->l2 * sq;
}

// x's weights into n's floats.
static void to_net(seer_net *n, const double *x) {
    size_t E = n->cfg.emb_rows, nd = n->cfg.n_dense;
    for (size_t i = 0; i < E; i++) n->emb[i] = (float)x[i];
    for (size_t j = 0; j <= nd; j++) n->extra[j] = (float)x[E + j];
}

int seer_lr_solve(seer_net *n, const seer_dataset *d, const seer_dataset *va, double l2,
                  size_t max_iter, double *l2_used, seer_lbfgs_result *r) {
    SEER_ASSERT(n->cfg.kind == SEER_MODEL_LR && n->D == 1 && d->S == n->cfg.n_fields);
    static const double path[] = SEER_LR_L2_PATH;
    int choose = l2 < 0 && va && va->rows;
    size_t E = n->cfg.emb_rows, nd = n->cfg.n_dense, np = E + nd + 1;
    size_t tries = choose ? SEER_LR_L2_PATH_LEN : 1;
    double *x = calloc(np, sizeof *x), *best = calloc(np, sizeof *best);
    double *g = malloc(np * sizeof *g);
    if (!x || !best || !g) {
        free(x), free(best), free(g);
        return seer_errorf(SEER_ENOMEM, "out of memory for lr's %zu weights", np);
    }
    seer_lbfgs_config c;
    seer_lbfgs_config_default(&c);
    c.max_iter = max_iter;
    double best_loss = INFINITY;
    int rc = SEER_OK;
    for (size_t t = 0; t < tries && rc == SEER_OK; t++) {
        double l2_t = choose ? path[t] : l2 < 0 ? 1.0 / (double)d->rows : l2;
        seer_lr_problem p = {d, E, l2_t, NULL};
        seer_lbfgs_result res;
        rc = seer_lbfgs_minimize(x, np, seer_lr_objective, &p, &c, &res);
        // The hold-out's mean log loss is the objective on its rows without the penalty.
        seer_lr_problem held = {va, E, 0, NULL};
        double loss = choose ? seer_lr_objective(x, g, np, &held) : 0;
        if (rc == SEER_OK && (t == 0 || loss < best_loss)) {
            best_loss = loss;
            memcpy(best, x, np * sizeof *x);
            *l2_used = p.l2;
            *r = res;
        }
    }
    if (rc == SEER_OK) to_net(n, best);
    free(x), free(best), free(g);
    return rc;
}

int seer_lr_refit(seer_net *n, const seer_dataset *d, const seer_dataset *va, double l2,
                  size_t max_iter, double *l2_used, seer_lbfgs_result *r) {
    SEER_ASSERT(n->cfg.kind == SEER_MODEL_LR && n->D == 1 && va->rows);
    size_t E = n->cfg.emb_rows, nd = n->cfg.n_dense, np = E + nd + 1;
    double *x = malloc(np * sizeof *x);
    if (!x) return seer_errorf(SEER_ENOMEM, "out of memory for lr's %zu weights", np);
    for (size_t i = 0; i < E; i++) x[i] = n->emb[i];
    for (size_t j = 0; j <= nd; j++) x[E + j] = n->extra[j];
    seer_lbfgs_config c;
    seer_lbfgs_config_default(&c);
    c.max_iter = max_iter;
    // The same penalty against the summed loss as the solve that chose it: more rows, less l2.
    seer_lr_problem all = {d, E, l2 * (double)d->rows / (double)(d->rows + va->rows), va};
    *l2_used = all.l2;
    int rc = seer_lbfgs_minimize(x, np, seer_lr_objective, &all, &c, r);
    if (rc == SEER_OK) to_net(n, x);
    free(x);
    return rc;
}
