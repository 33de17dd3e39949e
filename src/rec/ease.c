// EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the item-item
// matrix B minimising |X - X B|^2 + lambda |B|^2 with diag B = 0, in closed form:
// P = (G + lambda I)^-1 with G = X^T X, B = I - P diagM(1 / diag P), i.e.
// B_ij = -P_ij / P_jj off the diagonal. X is binary (a user did or did not interact with
// an item); a user's scores are the sum of B's rows of the user's items.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "nn/linalg.h"
#include "rec/model.h"

static const float ease_lambdas[] = {100, 200, 300, 500, 1000, 2000, 0};

// G (n, n) += X^T X over the users' distinct items (m->seen_*).
static void gram(double *G, const seer_rec_model *m) {
    size_t n = m->n_items;
    for (size_t u = 0; u < m->n_users; u++) {
        size_t k;
        const uint32_t *s = seer_rec_seen(m, (uint32_t)u, &k);
        for (size_t a = 0; a < k; a++) {
            double *row = G + (size_t)s[a] * n;
            for (size_t b = 0; b < k; b++) row[s[b]] += 1.0;
        }
    }
}

static int ease_train(seer_rec_model *m, const seer_rec_data *d, const seer_rec_train_options *o,
                      seer_rec_train_report *r) {
    size_t n = m->n_items;
    if (n > SEER_EASE_ITEMS_MAX)
        return seer_errorf(SEER_EINVAL, "ease: %zu items, more than its limit of %d (its "
                           "item-item matrix takes items^2 x 12 bytes); use bpr or twotower",
                           n, SEER_EASE_ITEMS_MAX);
    double lambda = o->reg == SEER_AUTO_REAL ? 300.0 : (double)o->reg;
    double *P = calloc(n > 0 ? n * n : 1, sizeof *P);
    if (!P) return seer_errorf(SEER_ENOMEM, "ease: %zu x %zu doubles: out of memory", n, n);
    gram(P, m);
    for (size_t i = 0; i < n; i++) P[i * n + i] += lambda;
    int rc = seer_spd_inverse(P, n);
    float *B = rc == SEER_OK ? seer_rec_param_new(m, "ease_b", n, n) : NULL;
    if (rc == SEER_OK && !B) rc = SEER_ENOMEM;
    for (size_t i = 0; rc == SEER_OK && i < n; i++)
        for (size_t j = 0; j < n; j++)
            B[i * n + j] = i == j ? 0.0f : (float)(-P[i * n + j] / P[j * n + j]);
    free(P);
    seer_rec_setting_set(m, "lambda", lambda);
    r->epochs = 0;
    return rc;
}

// scores (n_items) = sum of B's rows of the user's items (a known user's distinct training
// items, else the recent ones given).
static void ease_scores(const seer_rec_model *m, const seer_rec_query *q, float *scores) {
    size_t n = m->n_items, k;
    const float *B = seer_rec_param_get(m, "ease_b", NULL, NULL);
    const uint32_t *items = q->user >= 0 ? seer_rec_seen(m, (uint32_t)q->user, &k) : q->recent;
    if (q->user < 0) k = q->n_recent;
    memset(scores, 0, n * sizeof *scores);
    for (size_t a = 0; a < k; a++) {
        const float *row = B + (size_t)items[a] * n;
        for (size_t j = 0; j < n; j++) scores[j] += row[j];
    }
}

static int ease_prepare(seer_rec_model *m) {
    size_t rows, cols;
    if (!seer_rec_param_get(m, "ease_b", &rows, &cols) || rows != m->n_items ||
        cols != m->n_items)
        return seer_errorf(SEER_EDATA, "ease: no item-item matrix of %zu x %zu", m->n_items,
                           m->n_items);
    return SEER_OK;
}

const seer_rec_ops seer_rec_ease_ops = {
    .kind = SEER_REC_EASE,
    .reg_grid = ease_lambdas,
    .train = ease_train,
    .score_items = ease_scores,
    .prepare = ease_prepare,
};
