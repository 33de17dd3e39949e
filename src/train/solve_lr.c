// lr by full-batch L-BFGS (train/solve_lr.h). In double, over the rows in memory; the weights
// go back to the network's floats once solved.
#include "train/solve_lr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

// Adds d's summed log loss to the return value and its gradient (not yet averaged) into g.
static double add_rows(const double *x, double *g, const seer_dataset *d, size_t E,
                       float *row) {
    size_t nd = d->n_dense, S = d->S;
    const double *w = x + E, bias = x[E + nd];
    double loss = 0;
    for (size_t r = 0; r < d->rows; r++) {
        const uint32_t *ids = d->ids + r * S;
        const float *dense = seer_dataset_dense_rows(d, r, 1, row);
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
    float row[SEER_PACK_DENSE_MAX];  // a packed row written out (packed rows are no wider)
    double loss = add_rows(x, g, p->d, E, row);
    size_t rows = p->d->rows;
    if (p->d2) loss += add_rows(x, g, p->d2, E, row), rows += p->d2->rows;
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

// Row r of a then b (r counted across both).
static void copy_row(seer_dataset *to, const seer_dataset *a, const seer_dataset *b, size_t r) {
    const seer_dataset *f = r < a->rows ? a : b;
    SEER_ASSERT(f->pack == to->pack);
    // Both held alike (make_fold): the row is copied as it is held.
    size_t i = r < a->rows ? r : r - a->rows, o = to->rows++, S = f->S, nd = f->n_held;
    memcpy(to->ids + o * S, f->ids + i * S, S * sizeof *f->ids);
    memcpy(to->dense + o * nd, f->dense + i * nd, nd * sizeof *f->dense);
    to->y[o] = f->y[i];
}

// The rows of a then b split in fold k of K: every K-th row (from the k-th) into held, the
// rest into fit. Systematic rather than random, so a file sorted by anything (time, label)
// still gives folds alike.
static int make_fold(const seer_dataset *a, const seer_dataset *b, size_t k, size_t K,
                     seer_dataset *fit, seer_dataset *held) {
    size_t n = a->rows + b->rows, nh = (n - k + K - 1) / K;
    seer_dataset_init(fit, a->S, a->n_dense);
    seer_dataset_init(held, a->S, a->n_dense);
    seer_dataset_use_pack(fit, a->pack);
    seer_dataset_use_pack(held, a->pack);
    int rc = seer_dataset_reserve(fit, n - nh);
    if (rc == SEER_OK) rc = seer_dataset_reserve(held, nh);
    for (size_t r = 0; r < n && rc == SEER_OK; r++) copy_row(r % K == k ? held : fit, a, b, r);
    return rc;
}

// Solves x on p for every stride-th l2 of SEER_LR_L2_PATH in turn (each from the last one's
// weights) and adds each one's summed log loss on held to loss[t].
static int path_losses(double *x, double *g, size_t np, const seer_lr_problem *p,
                       const seer_dataset *held, const seer_lbfgs_config *c, size_t stride,
                       double *loss) {
    static const double path[] = SEER_LR_L2_PATH;
    memset(x, 0, np * sizeof *x);
    for (size_t t = 0; t < SEER_LR_L2_PATH_LEN; t += stride) {
        seer_lr_problem q = *p;
        q.l2 = path[t];
        seer_lbfgs_result res;
        int rc = seer_lbfgs_minimize(x, np, seer_lr_objective, &q, c, &res);
        if (rc != SEER_OK) return rc;
        seer_lr_problem h = {held, p->emb_rows, 0, NULL};
        loss[t] += seer_lr_objective(x, g, np, &h) * (double)held->rows;
    }
    return SEER_OK;
}

size_t seer_lr_one_se(const double *fold, const size_t *rows, size_t K, size_t T) {
    SEER_ASSERT(K >= 2 && K <= SEER_LR_CV_FOLDS && T >= 1);
    double total[SEER_LR_L2_PATH_LEN] = {0};
    size_t n = 0, best = 0;
    for (size_t k = 0; k < K; k++) n += rows[k];
    for (size_t t = 0; t < T; t++) {
        for (size_t k = 0; k < K; k++) total[t] += fold[k * T + t];
        if (total[t] < total[best]) best = t;
    }
    for (size_t t = 0; t < best; t++) {
        // The folds' mean losses at t less those at best: paired, so what a fold's rows share
        // cancels and the spread is that of the difference.
        double dk[SEER_LR_CV_FOLDS], mean = 0, ss = 0;
        for (size_t k = 0; k < K; k++) {
            dk[k] = (fold[k * T + t] - fold[k * T + best]) / (double)(rows[k] ? rows[k] : 1);
            mean += dk[k] / (double)K;
        }
        for (size_t k = 0; k < K; k++) ss += (dk[k] - mean) * (dk[k] - mean);
        double se = sqrt(ss / (double)(K - 1) / (double)K);
        if ((total[t] - total[best]) / (double)n <= se) return t;
    }
    return best;
}

// The l2 of SEER_LR_L2_PATH of the least log loss: over SEER_LR_CV_FOLDS folds of d and va
// together where they are small (a hold-out of a few dozen rows picks l2 by its noise), the
// strongest within a standard error of it (seer_lr_one_se); on va alone otherwise, where
// every other l2 of the path is enough (its many rows choose well and each solve costs more).
// The returned l2 is scaled to the same penalty against d's rows.
static int choose_l2(const seer_dataset *d, const seer_dataset *va, size_t E,
                     const seer_lbfgs_config *c, double *x, double *g, size_t np, double *l2) {
    static const double path[] = SEER_LR_L2_PATH;
    size_t n = d->rows + va->rows, K = d->rows <= SEER_LR_CV_ROWS ? SEER_LR_CV_FOLDS : 1;
    size_t stride = K == 1 ? 2 : 1;
    double loss[SEER_LR_L2_PATH_LEN];
    for (size_t t = 0; t < SEER_LR_L2_PATH_LEN; t++) loss[t] = t % stride ? INFINITY : 0;
    int rc = SEER_OK;
    if (K == 1) {
        seer_lr_problem p = {d, E, 0, NULL};
        rc = path_losses(x, g, np, &p, va, c, stride, loss);
    }
    // fold[k][t]: fold k's summed log loss at path[t], for the spread of the estimate.
    double fold[SEER_LR_CV_FOLDS * SEER_LR_L2_PATH_LEN] = {0};
    size_t fold_rows[SEER_LR_CV_FOLDS];
    for (size_t k = 0; k < K && K > 1 && rc == SEER_OK; k++) {
        seer_dataset fit, held;
        rc = make_fold(d, va, k, K, &fit, &held);
        seer_lr_problem p = {&fit, E, 0, NULL};
        double *fk = fold + k * SEER_LR_L2_PATH_LEN;
        if (rc == SEER_OK) rc = path_losses(x, g, np, &p, &held, c, stride, fk);
        fold_rows[k] = held.rows;
        for (size_t t = 0; t < SEER_LR_L2_PATH_LEN; t++) loss[t] += fk[t];
        seer_dataset_free(&fit);
        seer_dataset_free(&held);
    }
    size_t best = 0;
    for (size_t t = 1; t < SEER_LR_L2_PATH_LEN; t++)
        if (loss[t] < loss[best]) best = t;
    if (K > 1 && rc == SEER_OK) best = seer_lr_one_se(fold, fold_rows, K, SEER_LR_L2_PATH_LEN);
    // A fold fits (K-1)/K of the n rows: the same penalty against the summed loss on d's.
    *l2 = K == 1 ? path[best] : path[best] * ((double)(n - n / K) / (double)d->rows);
    return rc;
}

int seer_lr_solve(seer_net *n, const seer_dataset *d, const seer_dataset *va, double l2,
                  size_t max_iter, double *l2_used, seer_lbfgs_result *r) {
    SEER_ASSERT(n->cfg.kind == SEER_MODEL_LR && n->D == 1 && d->S == n->cfg.n_fields);
    size_t E = n->cfg.emb_rows, nd = n->cfg.n_dense, np = E + nd + 1;
    double *x = calloc(np, sizeof *x), *g = malloc(np * sizeof *g);
    if (!x || !g) {
        free(x), free(g);
        return seer_errorf(SEER_ENOMEM, "out of memory for lr's %zu weights", np);
    }
    seer_lbfgs_config c;
    seer_lbfgs_config_default(&c);
    c.max_iter = max_iter;
    int rc = SEER_OK;
    if (l2 < 0 && va && va->rows) rc = choose_l2(d, va, E, &c, x, g, np, &l2);
    else if (l2 < 0) l2 = 1.0 / (double)d->rows;
    seer_lr_problem p = {d, E, l2, NULL};
    memset(x, 0, np * sizeof *x);
    if (rc == SEER_OK) rc = seer_lbfgs_minimize(x, np, seer_lr_objective, &p, &c, r);
    *l2_used = l2;
    if (rc == SEER_OK) to_net(n, x);
    free(x), free(g);
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
