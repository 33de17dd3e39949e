// mf: biased matrix factorisation of explicit ratings by SGD (Funk; Koren, Bell, Volinsky
// 2009), with the learning rate decaying each epoch. The regularisation is chosen on a
// held-out part of each user's ratings by RMSE (rec/fit.c). Parameters: "user_vec"
// (n_users, D), "item_vec" (n_items, D), "user_bias" (n_users, 1), "item_bias" (n_items, 1),
// and the mean rating mu as a setting. As a recommender its score is the predicted rating:
// the user vector is p_u with the constant mu + b_u, the items q_i with b_i.
#include "rec/mf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "rec/model.h"
#include "rec/score.h"

static const float mf_regs[] = {0.02f, 0.04f, 0.06f, 0.08f, 0.1f, 0};

double seer_mf_loss(float *dp, float *dq, float *dbu, float *dbi, const float *p,
                    const float *q, float bu, float bi, float mu, float r, float reg, size_t D) {
    float dotpq = 0;
    double norm = (double)bu * bu + (double)bi * bi;
    for (size_t d = 0; d < D; d++) {
        dotpq += p[d] * q[d];
        norm += (double)p[d] * p[d] + (double)q[d] * q[d];
    }
    float e = r - (mu + bu + bi + dotpq);
    for (size_t d = 0; d < D; d++) {
        dp[d] += -e * q[d] + reg * p[d];
        dq[d] += -e * p[d] + reg * q[d];
    }
    *dbu += -e + reg * bu;
    *dbi += -e + reg * bi;
    return 0.5 * (double)e * e + 0.5 * reg * norm;
}

typedef struct {
    float *P, *Q, *bu, *bi;
    float mu;
    size_t D;
} mf_params;

// One SGD step on rating i of x.
static void step(mf_params *w, const seer_interactions *x, size_t i, float lr, float reg) {
    size_t D = w->D;
    float dp[SEER_REC_DIM_MAX], dq[SEER_REC_DIM_MAX], dbu = 0, dbi = 0;
    memset(dp, 0, D * sizeof *dp);
    memset(dq, 0, D * sizeof *dq);
    float *p = w->P + (size_t)x->user[i] * D, *q = w->Q + (size_t)x->item[i] * D;
    float *bu = &w->bu[x->user[i]], *bi = &w->bi[x->item[i]];
    seer_mf_loss(dp, dq, &dbu, &dbi, p, q, *bu, *bi, w->mu, x->rating[i], reg, D);
    for (size_t d = 0; d < D; d++) {
        p[d] -= lr * dp[d];
        q[d] -= lr * dq[d];
    }
    *bu -= lr * dbu;
    *bi -= lr * dbi;
}

// The training ratings (not held out) in order, shuffled each epoch.
static size_t *train_rows(const seer_rec_data *d, size_t *n) {
    size_t *rows = malloc((d->x->n ? d->x->n : 1) * sizeof *rows);
    *n = 0;
    for (size_t i = 0; rows && i < d->x->n; i++)
        if (!d->valid || !d->valid[i]) rows[(*n)++] = i;
    return rows;
}

static int new_params(seer_rec_model *m, mf_params *w, size_t D) {
    w->D = D;
    w->P = seer_rec_param_new(m, "user_vec", m->n_users, D);
    w->Q = w->P ? seer_rec_param_new(m, "item_vec", m->n_items, D) : NULL;
    w->bu = w->Q ? seer_rec_param_new(m, "user_bias", m->n_users, 1) : NULL;
    w->bi = w->bu ? seer_rec_param_new(m, "item_bias", m->n_items, 1) : NULL;
    return w->bi ? SEER_OK : SEER_ENOMEM;
}

static int mf_train(seer_rec_model *m, const seer_rec_data *d, const seer_rec_train_options *o,
                    seer_rec_train_report *r) {
    if (!d->x->rating)
        return seer_errorf(SEER_EINVAL, "mf predicts ratings and the log has none (give "
                           "--rating COL); for implicit feedback use bpr, ease or twotower");
    size_t D = o->dim ? o->dim : 128, epochs = o->epochs == SEER_AUTO ? 60 : o->epochs, n;
    float lr = o->lr == SEER_AUTO_REAL ? 0.01f : o->lr;
    float reg = o->reg == SEER_AUTO_REAL ? 0.05f : o->reg;
    if (D > SEER_REC_DIM_MAX) return seer_errorf(SEER_EINVAL, "mf: --dim %zu, at most %d", D,
                                                 SEER_REC_DIM_MAX);
    mf_params w;
    int rc = new_params(m, &w, D);
    size_t *rows = rc == SEER_OK ? train_rows(d, &n) : NULL;
    if (rc != SEER_OK || !rows) {
        free(rows);
        return rc != SEER_OK ? rc : seer_errorf(SEER_ENOMEM, "mf: out of memory");
    }
    double sum = 0;
    for (size_t k = 0; k < n; k++) sum += d->x->rating[rows[k]];
    w.mu = n ? (float)(sum / (double)n) : 0;
    seer_rng g;
    seer_rng_init(&g, o->seed);
    for (size_t i = 0; i < (m->n_users + m->n_items) * D; i++) {
        float *t = i < m->n_users * D ? &w.P[i] : &w.Q[i - m->n_users * D];
        *t = (float)(0.1 * seer_rng_normal(&g));
    }
    for (size_t e = 0; e < epochs; e++, lr *= 0.96f) {
        for (size_t k = n; k > 1; k--) {   // Fisher-Yates
            size_t j = (size_t)seer_rng_below(&g, k), t = rows[k - 1];
            rows[k - 1] = rows[j];
            rows[j] = t;
        }
        for (size_t k = 0; k < n; k++) step(&w, d->x, rows[k], lr, reg);
    }
    free(rows);
    seer_rec_setting_set(m, "mu", w.mu);
    seer_rec_setting_set(m, "reg", reg);
    seer_rec_setting_set(m, "epochs", (double)epochs);
    r->epochs = epochs;
    return SEER_OK;
}

static float mf_rating(const seer_rec_model *m, long user, uint32_t item) {
    size_t D = m->dim;
    const float *P = seer_rec_param_get(m, "user_vec", NULL, NULL);
    const float *bu = seer_rec_param_get(m, "user_bias", NULL, NULL);
    float mu = (float)seer_rec_setting_get(m, "mu", 0), s = mu + m->item_bias[item];
    if (user < 0 || item >= m->n_items) return item < m->n_items ? s : mu;
    for (size_t d = 0; d < D; d++) s += P[(size_t)user * D + d] * m->item_vec[(size_t)item * D + d];
    return s + bu[user];
}

// A known user's p_u and mu + b_u; an unknown one's mean of its recent items' vectors and mu.
static void mf_user_vector(const seer_rec_model *m, const seer_rec_query *q, float *vec,
                           float *bias) {
    size_t D = m->dim;
    float mu = (float)seer_rec_setting_get(m, "mu", 0);
    if (q->user >= 0) {
        memcpy(vec, seer_rec_param_get(m, "user_vec", NULL, NULL) + (size_t)q->user * D,
               D * sizeof *vec);
        *bias = mu + seer_rec_param_get(m, "user_bias", NULL, NULL)[q->user];
        return;
    }
    memset(vec, 0, D * sizeof *vec);
    for (size_t k = 0; k < q->n_recent; k++)
        for (size_t d = 0; d < D; d++) vec[d] += m->item_vec[(size_t)q->recent[k] * D + d];
    for (size_t d = 0; q->n_recent && d < D; d++) vec[d] /= (float)q->n_recent;
    *bias = mu;
}

static int mf_prepare(seer_rec_model *m) {
    size_t r[4], c[4];
    const char *names[4] = {"user_vec", "item_vec", "user_bias", "item_bias"};
    size_t want_r[4] = {m->n_users, m->n_items, m->n_users, m->n_items};
    for (int k = 0; k < 4; k++)
        if (!seer_rec_param_get(m, names[k], &r[k], &c[k]) || r[k] != want_r[k] ||
            c[k] != (k < 2 ? c[0] : 1) || c[0] == 0 || c[0] > SEER_REC_DIM_MAX)
            return seer_errorf(SEER_EDATA, "mf: parameter %s missing or misshapen", names[k]);
    return SEER_OK;
}

const seer_rec_ops seer_rec_mf_ops = {
    .kind = SEER_REC_MF,
    .reg_grid = mf_regs,
    .by_rmse = 1,
    .train = mf_train,
    .user_vector = mf_user_vector,
    .prepare = mf_prepare,
    .predict_rating = mf_rating,
};
