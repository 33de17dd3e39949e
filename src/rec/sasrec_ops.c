// SASRec as a recommender kind (rec/model.h's seer_rec_ops): train on the model's histories
// (each user's items in time order) with the leave-one-out protocol of sasrec_train.h, the
// report carrying its test metrics; the user's vector is the network's last state over the
// latest maxlen items of its history (a known user) or of the request's recent items, so top-K
// is that vector times the shared item table, "item_vec". The network's other weights are
// one parameter, "sasrec" (1, seer_sasrec_rest_size), its shape in the settings.
#include <math.h>
#include <string.h>

#include "base/error.h"
#include "rec/kt_ops.h"
#include "rec/model.h"
#include "rec/sasrec_train.h"

static const char *const setting_names[] = {"maxlen", "blocks", "heads", "dropout"};

static void config_of(const seer_rec_model *m, seer_sasrec_config *c) {
    c->n_items = m->n_items;
    c->dim = m->dim;
    c->maxlen = (size_t)seer_rec_setting_get(m, setting_names[0], 0);
    c->blocks = (size_t)seer_rec_setting_get(m, setting_names[1], 0);
    c->heads = (size_t)seer_rec_setting_get(m, setting_names[2], 0);
    c->dropout = (float)seer_rec_setting_get(m, setting_names[3], 0);
}

static void options_of(seer_sasrec_options *s, const seer_rec_model *m,
                       const seer_rec_train_options *o) {
    seer_sasrec_options_default(s, m->n_items);
    s->net.dim = o->dim;
    if (o->maxlen) s->net.maxlen = o->maxlen;
    if (o->blocks) s->net.blocks = o->blocks;
    if (o->heads) s->net.heads = o->heads;
    if (o->dropout > 0) s->net.dropout = o->dropout;
    else if (o->dropout < 0) s->net.dropout = 0.0f;
    if (o->epochs != SEER_AUTO) s->epochs = o->epochs;
    if (o->batch != SEER_AUTO) s->batch = o->batch;
    if (o->lr != SEER_AUTO_REAL) s->lr = o->lr;
    if (o->patience) s->patience = o->patience;
    if (o->negatives) s->negatives = o->negatives;
    s->loss = o->sampled_loss ? SEER_SASREC_LOSS_SAMPLED : SEER_SASREC_LOSS_SOFTMAX;
    s->seed = o->seed;
    s->threads = o->threads;
    s->quiet = o->quiet;
}

static int sasrec_train(seer_rec_model *m, const seer_rec_data *d,
                        const seer_rec_train_options *o, seer_rec_train_report *r) {
    seer_sasrec_options s;
    options_of(&s, m, o);
    int rc = seer_sasrec_options_check(&s);
    if (rc != SEER_OK) return rc;
    m->dim = s.net.dim;
    float *item = seer_rec_param_new(m, "item_vec", m->n_items, s.net.dim);
    float *rest = item ? seer_rec_param_new(m, "sasrec", 1, seer_sasrec_rest_size(&s.net)) : NULL;
    if (!rest) return SEER_ENOMEM;  // recorded by seer_rec_param_new
    double v[4] = {(double)s.net.maxlen, (double)s.net.blocks, (double)s.net.heads,
                   s.net.dropout};
    for (int i = 0; i < 4; i++) seer_rec_setting_set(m, setting_names[i], v[i]);
    seer_sasrec_report sr;
    rc = seer_sasrec_train(item, rest, &s, m->hist_off, m->hist_item, m->n_users, &sr);
    if (rc != SEER_OK) return rc;
    seer_rec_setting_set(m, "epochs", (double)sr.best_epoch);
    r->epochs = sr.epochs_run;
    r->best_epoch = sr.best_epoch;
    r->valid_metric = sr.valid_ndcg10;
    r->valid_metric_name = "ndcg@10";
    r->has_test = 1;
    r->test_users = sr.users_evaluated;
    memcpy(r->test_hr, sr.hr, sizeof sr.hr);
    memcpy(r->test_ndcg, sr.ndcg, sizeof sr.ndcg);
    r->seconds_per_epoch = sr.seconds_per_epoch;
    r->flops_per_epoch = sr.flops_per_epoch;
    return SEER_OK;
}

// The network's last state over the latest maxlen items of the user's history followed by the
// items appended online (q->recent), or of an unknown user's recent items. The buffers are on
// the stack (at most SEER_SASREC_STACK_FLOATS, checked at training and at load): no
// allocation, safe from several threads.
static void sasrec_user_vector(const seer_rec_model *m, const seer_rec_query *q, float *vec,
                               float *bias) {
    seer_sasrec_config c;
    config_of(m, &c);
    const uint32_t *items = q->recent, *hist = NULL;
    size_t n = q->n_recent, n_hist = 0;
    if (q->user >= 0) {   // the history's tail, then the appended items
        hist = m->hist_item + m->hist_off[q->user];
        n_hist = m->hist_off[q->user + 1] - m->hist_off[q->user];
    }
    *bias = 0.0f;
    if (n + n_hist == 0) {
        memset(vec, 0, c.dim * sizeof *vec);
        return;
    }
    if (n > c.maxlen) {
        items += n - c.maxlen;
        n = c.maxlen;
    }
    if (n_hist > c.maxlen - n) {
        hist += n_hist - (c.maxlen - n);
        n_hist = c.maxlen - n;
    }
    // As many floats as this model's forward uses (137 KiB at maxlen 50 and width 64), not the
    // cap: the frame is what a thread's stack must hold.
    size_t need = seer_sasrec_infer_floats(&c);
    SEER_ASSERT(need <= SEER_SASREC_STACK_FLOATS);  // prepare refused settings that do not fit
    float mem[need];
    seer_sasrec_work w;
    int fits = seer_sasrec_work_carve_infer(&w, &c, mem, need);
    SEER_ASSERT(fits);  // prepare refused settings that do not fit
    w.off[0] = 0;
    if (n_hist) memcpy(w.item, hist, n_hist * sizeof *hist);
    if (n) memcpy(w.item + n_hist, items, n * sizeof *items);
    n += n_hist;
    w.off[1] = (uint32_t)n;
    seer_sasrec_params p;
    seer_sasrec_bind(&p, (float *)m->item_vec, seer_rec_param_get(m, "sasrec", NULL, NULL), &c);
    seer_sasrec_forward(&p, &c, &w, 1, NULL);
    memcpy(vec, w.h + (n - 1) * c.dim, c.dim * sizeof *vec);
}

static int sasrec_prepare(seer_rec_model *m) {
    if (seer_rec_is_kt_model(m)) {   // knowledge tracing: the same network, its own ops
        m->ops = &seer_rec_kt_ops;
        return m->ops->prepare(m);
    }
    seer_sasrec_config c;
    config_of(m, &c);
    size_t rows, cols;
    float *rest = seer_rec_param_get(m, "sasrec", &rows, &cols);
    seer_sasrec_options o;
    seer_sasrec_options_default(&o, m->n_items);
    o.net = c;
    if (!m->item_vec || !rest || m->dim == 0)
        return seer_errorf(SEER_EDATA, "sasrec: the model lacks its item table or network");
    int rc = seer_sasrec_options_check(&o);
    if (rc != SEER_OK)
        return seer_errorf(SEER_EDATA, "sasrec: the model's settings are invalid: %s",
                           seer_error_message());
    if (rows * cols != seer_sasrec_rest_size(&c))
        return seer_errorf(SEER_EDATA, "sasrec: the network holds %zu weights, its settings "
                           "need %zu", rows * cols, seer_sasrec_rest_size(&c));
    return SEER_OK;
}

const seer_rec_ops seer_rec_sasrec_ops = {
    .kind = SEER_REC_SASREC,
    .reg_grid = NULL,
    .by_rmse = 0,
    .train = sasrec_train,
    .user_vector = sasrec_user_vector,
    .score_items = NULL,
    .prepare = sasrec_prepare,
    .predict_rating = NULL,
};
