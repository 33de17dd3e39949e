// bpr: user and item factors and item biases trained on implicit feedback with the BPR loss
// (Rendle et al., UAI 2009): each training interaction (u, i) is paired with an item j the
// user has not interacted with, drawn uniformly or, with pop_negatives, in proportion to
// popularity^0.75 (word2vec's smoothing: uniform negatives are mostly items nobody ranks
// high anyway, so popular negatives teach more), and p_u . q_i + b_i is pushed above
// p_u . q_j + b_j. Adam (or SGD) on the rows a batch touched. The score of (u, i) is
// p_u . q_i + b_i: top-K reads "item_vec" and "item_bias" as for every dot-product kind.
#include "rec/bpr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rng.h"
#include "base/search.h"
#include "base/threads.h"
#include "rec/model.h"

#define BPR_DIM_MAX 1024
#define BPR_NEG_TRIES 16    // draws until a negative the user has not seen; then it is kept
#define BPR_POP_POWER 0.75

static const float bpr_regs[] = {1e-2f, 2e-2f, 0};

// The negatives' distribution: NULL (uniform), or the cumulative popularity^0.75 (n_items).
static int negative_cdf(double **out, const seer_rec_model *m, int pop) {
    *out = NULL;
    if (!pop) return SEER_OK;
    double *cdf = malloc((m->n_items ? m->n_items : 1) * sizeof *cdf), s = 0.0;
    if (!cdf) return seer_errorf(SEER_ENOMEM, "out of memory for bpr's negatives");
    for (size_t i = 0; i < m->n_items; i++) cdf[i] = s += pow(m->pop[i] + 1.0, BPR_POP_POWER);
    *out = cdf;
    return SEER_OK;
}

static uint32_t draw_negative(const seer_rec_model *m, const double *cdf, uint32_t u,
                              seer_rng *r) {
    size_t n_seen;
    const uint32_t *seen = seer_rec_seen(m, u, &n_seen);
    uint32_t j = 0;
    for (int t = 0; t < BPR_NEG_TRIES; t++) {
        if (cdf) {
            double x = seer_rng_uniform(r) * cdf[m->n_items - 1];
            j = (uint32_t)seer_cdf_index(cdf, m->n_items, x);
        } else {
            j = (uint32_t)seer_rng_below(r, m->n_items);
        }
        if (!seer_sorted_holds(seen, n_seen, j)) break;
    }
    return j;
}

// The training run's state: the tables, the batch, the interactions trained on.
typedef struct {
    seer_rec_table user, item, bias;
    seer_bpr_batch_ws ws;
    uint32_t *pair_user, *pair_item;   // (n_pairs) the interactions not held out
    size_t n_pairs;
    uint32_t *bu, *bi;                 // (batch), (2 batch) a batch's ids
    double *cdf;
} bpr_run;

static void bpr_run_free(bpr_run *s) {
    seer_rec_table_free(&s->user);
    seer_rec_table_free(&s->item);
    seer_rec_table_free(&s->bias);
    seer_bpr_batch_ws_free(&s->ws);
    SEER_FREE_ALL(s->pair_user, s->pair_item, s->bu, s->bi, s->cdf);
}

static void init_normal(float *w, size_t n, float sd, seer_rng *r) {
    for (size_t i = 0; i < n; i++) w[i] = sd * (float)seer_rng_normal(r);
}

static int bpr_run_init(bpr_run *s, seer_rec_model *m, const seer_rec_data *d, size_t D,
                        size_t batch, int pop_negatives, seer_rng *r) {
    memset(s, 0, sizeof *s);
    float *uv = seer_rec_param_new(m, "user_vec", m->n_users, D);
    float *iv = uv ? seer_rec_param_new(m, "item_vec", m->n_items, D) : NULL;
    float *ib = iv ? seer_rec_param_new(m, "item_bias", m->n_items, 1) : NULL;
    if (!ib) return seer_errorf(SEER_ENOMEM, "out of memory for bpr's factors");
    init_normal(uv, m->n_users * D, 0.01f, r);
    init_normal(iv, m->n_items * D, 0.01f, r);
    int rc = seer_rec_table_init(&s->user, uv, m->n_users, D, batch);
    if (rc == SEER_OK) rc = seer_rec_table_init(&s->item, iv, m->n_items, D, 2 * batch);
    if (rc == SEER_OK) rc = seer_rec_table_init(&s->bias, ib, m->n_items, 1, 2 * batch);
    if (rc == SEER_OK) rc = seer_bpr_batch_ws_init(&s->ws, batch, D);
    if (rc == SEER_OK) rc = negative_cdf(&s->cdf, m, pop_negatives);
    if (rc != SEER_OK) return rc;
    size_t n = d->x->n;
    s->pair_user = malloc((n + 1) * sizeof *s->pair_user);
    s->pair_item = malloc((n + 1) * sizeof *s->pair_item);
    s->bu = malloc(batch * sizeof *s->bu);
    s->bi = malloc(2 * batch * sizeof *s->bi);
    if (!s->pair_user || !s->pair_item || !s->bu || !s->bi)
        return seer_errorf(SEER_ENOMEM, "out of memory for bpr's %zu interactions", n);
    for (size_t k = 0; k < n; k++) {
        if (d->valid && d->valid[k]) continue;
        s->pair_user[s->n_pairs] = d->x->user[k];
        s->pair_item[s->n_pairs++] = d->x->item[k];
    }
    return SEER_OK;
}

// One epoch over the pairs in a fresh order; returns the mean batch loss.
static double bpr_epoch(bpr_run *s, const seer_rec_model *m, size_t batch, float reg,
                        const seer_adam_config *c, int sgd, long *step, seer_rng *r) {
    for (size_t k = s->n_pairs; k > 1; k--) {
        size_t j = (size_t)seer_rng_below(r, k);
        uint32_t tu = s->pair_user[k - 1], ti = s->pair_item[k - 1];
        s->pair_user[k - 1] = s->pair_user[j];
        s->pair_item[k - 1] = s->pair_item[j];
        s->pair_user[j] = tu;
        s->pair_item[j] = ti;
    }
    double sum = 0.0;
    size_t n_batches = 0;
    for (size_t at = 0; at < s->n_pairs; at += batch) {
        size_t B = s->n_pairs - at < batch ? s->n_pairs - at : batch;
        for (size_t b = 0; b < B; b++) {
            s->bu[b] = s->pair_user[at + b];
            s->bi[b] = s->pair_item[at + b];
            s->bi[B + b] = draw_negative(m, s->cdf, s->bu[b], r);
        }
        sum += seer_bpr_batch(&s->ws, &s->user, &s->item, &s->bias, s->bu, s->bi, B, reg);
        ++*step;
        seer_rec_table_step(&s->user, c, *step, sgd);
        seer_rec_table_step(&s->item, c, *step, sgd);
        seer_rec_table_step(&s->bias, c, *step, sgd);
        n_batches++;
    }
    return n_batches ? sum / (double)n_batches : 0.0;
}

// The kind's defaults where the options say SEER_AUTO (chosen on a validation part of
// MovieLens 100K's u1.base, BENCHMARKS.md).
#define BPR_DIM 64
#define BPR_EPOCHS 80
#define BPR_BATCH 1024
#define BPR_LR 0.01f
#define BPR_REG 1e-4f

static int bpr_train(seer_rec_model *m, const seer_rec_data *d, const seer_rec_train_options *o,
                     seer_rec_train_report *rep) {
    size_t D = o->dim == SEER_AUTO || o->dim == 0 ? BPR_DIM : o->dim;
    size_t epochs = o->epochs == SEER_AUTO ? BPR_EPOCHS : o->epochs;
    size_t batch = o->batch == SEER_AUTO || o->batch == 0 ? BPR_BATCH : o->batch;
    float lr = o->lr == SEER_AUTO_REAL ? BPR_LR : o->lr;
    float reg = o->reg == SEER_AUTO_REAL ? BPR_REG : o->reg;
    if (D > BPR_DIM_MAX)
        return seer_errorf(SEER_EINVAL, "bpr: --dim %zu is more than %d", D, BPR_DIM_MAX);
    if (!(lr > 0.0f) || !(reg >= 0.0f) || !isfinite(lr) || !isfinite(reg))
        return seer_errorf(SEER_EINVAL, "bpr: --lr must be > 0 and --reg >= 0");
    if (m->n_items < 2) return seer_errorf(SEER_EDATA, "bpr: needs at least 2 items");
    seer_threads_set(o->threads > 0 ? o->threads : 1);
    seer_rng r;
    seer_rng_init(&r, o->seed);
    bpr_run s;
    int rc = bpr_run_init(&s, m, d, D, batch, o->pop_negatives, &r);
    seer_adam_config c = {lr, 0.9f, 0.999f, 1e-8f};
    long step = 0;
    for (size_t e = 0; rc == SEER_OK && e < epochs; e++) {
        double loss = bpr_epoch(&s, m, batch, reg, &c, o->sgd, &step, &r);
        if (!isfinite(loss))
            rc = seer_errorf(SEER_EDATA, "bpr: the loss diverged at epoch %zu (lower --lr)",
                             e + 1);
        else if (!o->quiet && ((e + 1) % 10 == 0 || e + 1 == epochs))
            fprintf(stderr, "bpr: epoch %zu loss %.5f\n", e + 1, loss);
    }
    bpr_run_free(&s);
    if (rc != SEER_OK) return rc;
    m->dim = D;
    seer_rec_setting_set(m, "epochs", (double)epochs);
    seer_rec_setting_set(m, "lr", lr);
    seer_rec_setting_set(m, "reg", reg);
    seer_rec_setting_set(m, "pop_negatives", o->pop_negatives);
    rep->epochs = epochs;
    rep->reg = reg;
    return SEER_OK;
}

// A known user's factors; an unknown user's, the mean of its recent items' factors (the
// items it chose stand for its taste; bpr learns nothing from side features).
static void bpr_user_vector(const seer_rec_model *m, const seer_rec_query *q, float *vec,
                            float *bias) {
    size_t D = m->dim;
    *bias = 0.0f;
    if (q->user >= 0) {
        const float *uv = seer_rec_param_get(m, "user_vec", NULL, NULL);
        memcpy(vec, uv + (size_t)q->user * D, D * sizeof *vec);
        return;
    }
    memset(vec, 0, D * sizeof *vec);
    size_t n = 0;
    for (size_t k = 0; k < q->n_recent; k++) {
        if (q->recent[k] >= m->n_items) continue;
        const float *v = m->item_vec + (size_t)q->recent[k] * D;
        for (size_t j = 0; j < D; j++) vec[j] += v[j];
        n++;
    }
    for (size_t j = 0; n && j < D; j++) vec[j] /= (float)n;
}

static int bpr_prepare(seer_rec_model *m) {
    size_t ur, uc, ir, ic, br, bc;
    const float *uv = seer_rec_param_get(m, "user_vec", &ur, &uc);
    const float *iv = seer_rec_param_get(m, "item_vec", &ir, &ic);
    const float *ib = seer_rec_param_get(m, "item_bias", &br, &bc);
    if (!uv || !iv || !ib)
        return seer_errorf(SEER_EDATA, "bpr model: user_vec, item_vec or item_bias missing");
    if (ur != m->n_users || ir != m->n_items || br != m->n_items || uc != ic || bc != 1 ||
        uc == 0 || uc > BPR_DIM_MAX)
        return seer_errorf(SEER_EDATA,
                           "bpr model: user_vec (%zu, %zu), item_vec (%zu, %zu), item_bias "
                           "(%zu, %zu) do not fit %zu users and %zu items",
                           ur, uc, ir, ic, br, bc, m->n_users, m->n_items);
    m->dim = uc;
    return SEER_OK;
}

const seer_rec_ops seer_rec_bpr_ops = {
    .kind = SEER_REC_BPR,
    .reg_grid = bpr_regs,
    .by_rmse = 0,
    .train = bpr_train,
    .user_vector = bpr_user_vector,
    .score_items = NULL,
    .prepare = bpr_prepare,
    .predict_rating = NULL,
};
