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

static const float mf_regs[] = {0.03f, 0.04f, 0.05f, 0};
#ifndef MF_BAGS
#define MF_BAGS 3
#endif

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

// p . q with eight partial sums, which the compiler keeps in a vector register.
static float dot8(const float *p, const float *q, size_t D) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t d = 0;
    for (; d + 8 <= D; d += 8)
        for (size_t l = 0; l < 8; l++) acc[l] += p[d + l] * q[d + l];
    float t = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; d < D; d++) t += p[d] * q[d];
    return t;
}

void seer_mf_sgd_step(float *restrict p, float *restrict q, float *bu, float *bi, float mu,
                      float r, float lr, float reg, size_t D) {
    float e = r - (mu + *bu + *bi + dot8(p, q, D));
    for (size_t d = 0; d < D; d++) {
        float pd = p[d], qd = q[d];
        p[d] = pd - lr * (-e * qd + reg * pd);
        q[d] = qd - lr * (-e * pd + reg * qd);
    }
    *bu -= lr * (-e + reg * *bu);
    *bi -= lr * (-e + reg * *bi);
}

typedef struct {
    float *P, *Q, *bu, *bi;
    float mu;
    size_t D;
} mf_params;

// One SGD step on rating i of x.
static void step(mf_params *w, const seer_interactions *x, size_t i, float lr, float reg) {
    size_t D = w->D, u = x->user[i], it = x->item[i];
    seer_mf_sgd_step(w->P + u * D, w->Q + it * D, &w->bu[u], &w->bi[it], w->mu, x->rating[i],
                     lr, reg, D);
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

// SGD over the rows (n) from a seeded start: factors N(0, 0.01^2), biases 0, the learning
// rate times 0.97 after each epoch.
static void fit_one(mf_params *w, size_t nu, size_t ni, const seer_interactions *x, size_t *rows,
                    size_t n, size_t epochs, float lr, float reg, uint64_t seed) {
    seer_rng g;
    seer_rng_init(&g, seed);
    for (size_t i = 0; i < nu * w->D; i++) w->P[i] = (float)(0.01 * seer_rng_normal(&g));
    for (size_t i = 0; i < ni * w->D; i++) w->Q[i] = (float)(0.01 * seer_rng_normal(&g));
    memset(w->bu, 0, nu * sizeof *w->bu);
    memset(w->bi, 0, ni * sizeof *w->bi);
    for (size_t e = 0; e < epochs; e++, lr *= 0.97f) {
        for (size_t k = n; k > 1; k--) {   // Fisher-Yates
            size_t j = (size_t)seer_rng_below(&g, k), t = rows[k - 1];
            rows[k - 1] = rows[j];
            rows[j] = t;
        }
        for (size_t k = 0; k < n; k++) step(w, x, rows[k], lr, reg);
    }
}

// Bag b of B (D factors) into the model's (B D) factors: the mean of B models' predictions
// is one model whose user vectors are the bags' side by side over B and item vectors side by
// side, with the mean biases.
static void add_bag(mf_params *all, const mf_params *w, size_t b, size_t B, size_t nu,
                    size_t ni) {
    size_t D = w->D, DB = all->D;
    for (size_t u = 0; u < nu; u++) {
        for (size_t d = 0; d < D; d++) all->P[u * DB + b * D + d] = w->P[u * D + d] / (float)B;
        all->bu[u] += w->bu[u] / (float)B;
    }
    for (size_t i = 0; i < ni; i++) {
        memcpy(all->Q + i * DB + b * D, w->Q + i * D, D * sizeof *w->Q);
        all->bi[i] += w->bi[i] / (float)B;
    }
}

static int mf_train(seer_rec_model *m, const seer_rec_data *d, const seer_rec_train_options *o,
                    seer_rec_train_report *r) {
    if (!d->x->rating)
        return seer_errorf(SEER_EINVAL, "mf predicts ratings and the log has none (give "
                           "--rating COL); for implicit feedback use bpr, ease or twotower");
    // Choosing reg on the held-out part takes one bag: the bags change the level, not the
    // order of the regularisations.
    size_t D = o->dim, epochs = o->epochs == SEER_AUTO ? 80 : o->epochs, n = 0;
    size_t B = d->valid ? 1 : MF_BAGS;
    float lr = o->lr == SEER_AUTO_REAL ? 0.01f : o->lr;
    float reg = o->reg == SEER_AUTO_REAL ? 0.04f : o->reg;
    if (D * B > SEER_REC_DIM_MAX)
        return seer_errorf(SEER_EINVAL, "mf: --dim %zu, at most %d", D, SEER_REC_DIM_MAX / MF_BAGS);
    mf_params all, w = {0};
    int rc = new_params(m, &all, D * B);
    size_t *rows = rc == SEER_OK ? train_rows(d, &n) : NULL;
    w.D = D;
    w.P = malloc(m->n_users * D * sizeof *w.P);
    w.Q = malloc(m->n_items * D * sizeof *w.Q);
    w.bu = malloc((m->n_users + 1) * sizeof *w.bu);
    w.bi = malloc((m->n_items + 1) * sizeof *w.bi);
    if (rc == SEER_OK && (!rows || !w.P || !w.Q || !w.bu || !w.bi))
        rc = seer_errorf(SEER_ENOMEM, "mf: out of memory");
    double sum = 0;
    for (size_t k = 0; rc == SEER_OK && k < n; k++) sum += d->x->rating[rows[k]];
    all.mu = w.mu = rc == SEER_OK && n ? (float)(sum / (double)n) : 0;
    for (size_t b = 0; rc == SEER_OK && b < B; b++) {
        fit_one(&w, m->n_users, m->n_items, d->x, rows, n, epochs, lr, reg, o->seed + 7919 * b);
        add_bag(&all, &w, b, B, m->n_users, m->n_items);
    }
    free(rows);
    free(w.P);
    free(w.Q);
    free(w.bu);
    free(w.bi);
    seer_rec_setting_set(m, "mu", all.mu);
    seer_rec_setting_set(m, "reg", reg);
    seer_rec_setting_set(m, "epochs", (double)epochs);
    seer_rec_setting_set(m, "bags", (double)B);
    r->epochs = epochs;
    return rc;
}

static float mf_rating(const seer_rec_model *m, long user, uint32_t item) {
    size_t D = m->dim;
    const float *P = seer_rec_param_get(m, "user_vec", NULL, NULL);
    const float *bu = seer_rec_param_get(m, "user_bias", NULL, NULL);
    float mu = (float)seer_rec_setting_get(m, "mu", 0);
    // An item unseen in training has no bias nor vector: the mean rating.
    if (item >= m->n_items) return mu;
    float s = mu + m->item_bias[item];
    if (user < 0) return s;
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
