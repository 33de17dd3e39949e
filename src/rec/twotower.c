// twotower: retrieval by two towers (rec/twotower.h), a user tower over the user's id, its
// recent items and side features, an item tower over the item's id and side features,
// trained by in-batch softmax with log-Q correction and a temperature, Adam throughout.
//
// A training row is an interaction (u, i); u's recent items are the last N of its training
// history in time order, i itself left out (the window of N + 1 less i, else its oldest), so
// that the tower learns to find an item from the others, as it must for an item it has not
// seen. After training the item tower is run over the catalogue ("item_vec") and the user
// tower over every known user with its last N items ("user_vec"); top-K then multiplies them
// as for every dot-product kind. An unknown user's vector is the user tower on recent items
// and features with a zero id embedding.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rng.h"
#include "base/threads.h"
#include "rec/model.h"
#include "rec/twotower.h"

#define TT_DIM 64
#define TT_DIM_MAX 512
#define TT_HIDDEN 128
#define TT_HIDDEN_MAX 2048
#define TT_RECENT 50
#define TT_TEMPERATURE 0.1
#define TT_EPOCHS 5
#define TT_BATCH 512
#define TT_LR 0.005f
#define TT_REG 0.0f
// A side feature's value (standardised: numbers by the file's mean and deviation, 1 for a
// token) is held to [-TT_FEATURE_MAX, TT_FEATURE_MAX], a non-finite one is 0, in training and
// in a request alike, so that one outlier or a request's 1e38 cannot swamp the tower.
#define TT_FEATURE_MAX 10.0f

static float feature_value(float v) {
    if (!isfinite(v)) return 0.0f;
    return v > TT_FEATURE_MAX ? TT_FEATURE_MAX : v < -TT_FEATURE_MAX ? -TT_FEATURE_MAX : v;
}

// The model's tensors as views: tables, towers, and the shapes the settings record.
typedef struct {
    size_t E, N;
    const float *user, *hist, *item, *ufeat, *ifeat;   // feature tables NULL when none
    size_t n_uf, n_if;
    seer_rec_tower tu, ti;
} tt_view;

static int tt_view_get(tt_view *v, const seer_rec_model *m) {
    memset(v, 0, sizeof *v);
    size_t r, c, uc, tr, tc, ir, ic;
    v->user = seer_rec_param_get(m, "user_emb", &r, &c);
    v->hist = seer_rec_param_get(m, "hist_emb", &ir, &ic);
    v->item = seer_rec_param_get(m, "item_emb", &tr, &tc);
    v->ufeat = seer_rec_param_get(m, "user_feat_emb", &v->n_uf, &uc);
    v->ifeat = seer_rec_param_get(m, "item_feat_emb", &v->n_if, &ic);
    v->E = c;
    v->N = (size_t)seer_rec_setting_get(m, "recent", TT_RECENT);
    size_t H = (size_t)seer_rec_setting_get(m, "hidden", TT_HIDDEN);
    if (!v->user || !v->hist || !v->item || r != m->n_users || ir != m->n_items ||
        tr != m->n_items || tc != c || c == 0 || c > TT_DIM_MAX || H > TT_HIDDEN_MAX ||
        v->N == 0 || v->N > 100000 || (v->ufeat && uc != c) || (v->ifeat && ic != c))
        return seer_errorf(SEER_EDATA, "twotower model: its tables do not fit %zu users and "
                           "%zu items", m->n_users, m->n_items);
    size_t in_u = c * (2 + (v->ufeat != NULL)), in_i = c * (1 + (v->ifeat != NULL));
    float *wu = seer_rec_param_get(m, "tower.user", &r, &uc);
    float *wi = seer_rec_param_get(m, "tower.item", &ir, &ic);
    if (!wu || !wi || r * uc != seer_rec_tower_size(in_u, H, c) ||
        ir * ic != seer_rec_tower_size(in_i, H, c))
        return seer_errorf(SEER_EDATA, "twotower model: tower.user or tower.item missing or "
                           "not of hidden width %zu", H);
    seer_rec_tower_view(&v->tu, wu, in_u, H, c);
    seer_rec_tower_view(&v->ti, wi, in_i, H, c);
    return SEER_OK;
}

// x (E) += the feature row's pooled embeddings: sum of val * table[feat].
static void pool_features(float *x, const float *table, size_t n_rows, size_t E,
                          const uint32_t *feat, const float *val, size_t n) {
    for (size_t k = 0; k < n; k++) {
        if (feat[k] >= n_rows) continue;
        const float *e = table + (size_t)feat[k] * E;
        float v = feature_value(val[k]);
        for (size_t j = 0; j < E; j++) x[j] += v * e[j];
    }
}

// The user tower's input row x (in_u) of a user (-1: unknown, zero id embedding) with recent
// items (the last N are used) and features.
static void user_row(const tt_view *v, float *x, long user, const uint32_t *recent, size_t n_rec,
                     const uint32_t *feat, const float *val, size_t n_feat, size_t n_items) {
    size_t E = v->E;
    memset(x, 0, v->tu.in * sizeof *x);
    if (user >= 0) memcpy(x, v->user + (size_t)user * E, E * sizeof *x);
    size_t from = n_rec > v->N ? n_rec - v->N : 0, n = 0;
    for (size_t k = from; k < n_rec; k++) n += recent[k] < n_items;
    for (size_t k = from; k < n_rec; k++) {
        if (recent[k] >= n_items) continue;
        const float *e = v->hist + (size_t)recent[k] * E;
        for (size_t j = 0; j < E; j++) x[E + j] += e[j] / (float)n;
    }
    if (v->ufeat) pool_features(x + 2 * E, v->ufeat, v->n_uf, E, feat, val, n_feat);
}

// The item tower's input row of item i.
static void item_row(const tt_view *v, float *x, const seer_rec_model *m, uint32_t i) {
    size_t E = v->E;
    memset(x, 0, v->ti.in * sizeof *x);
    memcpy(x, v->item + (size_t)i * E, E * sizeof *x);
    const seer_side_features *f = &m->item_feats;
    if (v->ifeat && i < f->rows)
        pool_features(x + E, v->ifeat, v->n_if, E, f->feat + f->off[i], f->val + f->off[i],
                      f->off[i + 1] - f->off[i]);
}

// "item_vec" and "user_vec" from the trained towers, cap rows at a time through the GEMM.
static int tt_vectors(seer_rec_model *m, size_t cap) {
    tt_view v;
    int rc = tt_view_get(&v, m);
    if (rc != SEER_OK) return rc;
    size_t E = v.E, in = v.tu.in > v.ti.in ? v.tu.in : v.ti.in;
    float *iv = seer_rec_param_new(m, "item_vec", m->n_items, E);
    float *uv = iv ? seer_rec_param_new(m, "user_vec", m->n_users, E) : NULL;
    float *x = malloc(cap * in * sizeof *x), *h = malloc((cap * v.tu.H + 1) * sizeof *h);
    if (!uv || !x || !h) {
        SEER_FREE_ALL(x, h);
        return uv ? seer_errorf(SEER_ENOMEM, "out of memory for twotower's vectors") : SEER_ENOMEM;
    }
    for (size_t at = 0; at < m->n_items; at += cap) {
        size_t B = m->n_items - at < cap ? m->n_items - at : cap;
        for (size_t b = 0; b < B; b++) item_row(&v, x + b * v.ti.in, m, (uint32_t)(at + b));
        seer_rec_tower_forward(&v.ti, iv + at * E, h, x, B);
    }
    const seer_side_features *f = &m->user_feats;
    for (size_t at = 0; at < m->n_users; at += cap) {
        size_t B = m->n_users - at < cap ? m->n_users - at : cap;
        for (size_t b = 0; b < B; b++) {
            size_t u = at + b, o = u < f->rows ? f->off[u] : 0;
            size_t nf = u < f->rows ? f->off[u + 1] - o : 0;
            user_row(&v, x + b * v.tu.in, (long)u, m->hist_item + m->hist_off[u],
                     m->hist_off[u + 1] - m->hist_off[u], nf ? f->feat + o : NULL,
                     nf ? f->val + o : NULL, nf, m->n_items);
        }
        seer_rec_tower_forward(&v.tu, uv + at * E, h, x, B);
    }
    SEER_FREE_ALL(x, h);
    m->dim = E;
    return SEER_OK;
}

// A training run: the network, the interactions trained on, one batch's inputs.
typedef struct {
    seer_tt_net net;
    uint32_t *pu, *pi;               // (n_pairs) the interactions not held out
    size_t n_pairs, cap, N, max_uf, max_if;
    uint32_t *bu, *bi;               // (cap)
    uint32_t *rec_ids, *uf_ids, *if_ids;   // (cap N), (cap max_uf), (cap max_if)
    float *rec_w, *uf_w, *if_w;
    uint32_t *rec_off, *uf_off, *if_off;   // (cap + 1)
    float *logq_item, *logq;         // (n_items), (cap)
} tt_run;

static void tt_run_free(tt_run *s) {
    seer_tt_net_free(&s->net);
    SEER_FREE_ALL(s->pu, s->pi, s->bu, s->bi, s->rec_ids, s->uf_ids, s->if_ids, s->rec_w,
                  s->uf_w, s->if_w, s->rec_off, s->uf_off, s->if_off, s->logq_item, s->logq);
}

static size_t longest_row(const seer_side_features *f) {
    size_t mx = 0;
    for (size_t r = 0; r < f->rows; r++)
        if (f->off[r + 1] - f->off[r] > mx) mx = f->off[r + 1] - f->off[r];
    return mx;
}

static void init_normal(float *w, size_t n, float sd, seer_rng *r) {
    for (size_t i = 0; i < n; i++) w[i] = sd * (float)seer_rng_normal(r);
}

// PyTorch's default for Linear: weights and biases uniform in +-1/sqrt(fan_in).
static void init_tower(const seer_rec_tower *t, seer_rng *r) {
    size_t n1 = t->H ? t->H : t->out;
    float a = 1.0f / sqrtf((float)t->in), b = t->H ? 1.0f / sqrtf((float)t->H) : 0.0f;
    for (size_t k = 0; k < n1 * t->in + n1; k++)
        t->w1[k] = a * (2.0f * (float)seer_rng_uniform(r) - 1.0f);
    for (size_t k = 0; t->H && k < t->out * t->H + t->out; k++)
        t->w2[k] = b * (2.0f * (float)seer_rng_uniform(r) - 1.0f);
}

// The model's parameters, initialised: embeddings N(0, 0.1^2), towers as PyTorch's Linear.
static int tt_params_new(seer_rec_model *m, size_t E, size_t H, seer_rng *r) {
    size_t n_uf = m->user_feats.rows ? m->user_feats.names.n : 0;
    size_t n_if = m->item_feats.rows ? m->item_feats.names.n : 0;
    size_t in_u = E * (2 + (n_uf > 0)), in_i = E * (1 + (n_if > 0));
    struct { const char *name; size_t rows, cols; } p[] = {
        {"user_emb", m->n_users, E}, {"hist_emb", m->n_items, E}, {"item_emb", m->n_items, E},
        {"user_feat_emb", n_uf, E}, {"item_feat_emb", n_if, E},
        {"tower.user", 1, seer_rec_tower_size(in_u, H, E)},
        {"tower.item", 1, seer_rec_tower_size(in_i, H, E)},
    };
    for (size_t k = 0; k < sizeof p / sizeof *p; k++) {
        if (p[k].rows == 0) continue;
        float *w = seer_rec_param_new(m, p[k].name, p[k].rows, p[k].cols);
        if (!w) return SEER_ENOMEM;
        if (k < 5) init_normal(w, p[k].rows * p[k].cols, 0.1f, r);
    }
    seer_rec_setting_set(m, "hidden", (double)H);
    tt_view v;
    int rc = tt_view_get(&v, m);
    if (rc != SEER_OK) return rc;
    init_tower(&v.tu, r);
    init_tower(&v.ti, r);
    return SEER_OK;
}

static int tt_run_init(tt_run *s, seer_rec_model *m, const seer_rec_data *d, size_t cap) {
    memset(s, 0, sizeof *s);
    tt_view v;
    int rc = tt_view_get(&v, m);
    if (rc != SEER_OK) return rc;
    s->cap = cap;
    s->N = v.N;
    s->max_uf = longest_row(&m->user_feats);
    s->max_if = longest_row(&m->item_feats);
    size_t cap_bag = cap * (v.N > s->max_uf ? (v.N > s->max_if ? v.N : s->max_if)
                                             : (s->max_uf > s->max_if ? s->max_uf : s->max_if));
    rc = seer_tt_net_init(&s->net, (float *)v.user, m->n_users, (float *)v.hist,
                          (float *)v.item, m->n_items, (float *)v.ufeat, v.n_uf,
                          (float *)v.ifeat, v.n_if, v.E, &v.tu, &v.ti, cap, cap_bag);
    if (rc != SEER_OK) return rc;
    size_t n = d->x->n;
    s->pu = malloc((n + 1) * sizeof *s->pu);
    s->pi = malloc((n + 1) * sizeof *s->pi);
    s->bu = malloc(cap * sizeof *s->bu);
    s->bi = malloc(cap * sizeof *s->bi);
    s->rec_ids = malloc((cap * s->N + 1) * sizeof *s->rec_ids);
    s->rec_w = malloc((cap * s->N + 1) * sizeof *s->rec_w);
    s->uf_ids = malloc((cap * s->max_uf + 1) * sizeof *s->uf_ids);
    s->uf_w = malloc((cap * s->max_uf + 1) * sizeof *s->uf_w);
    s->if_ids = malloc((cap * s->max_if + 1) * sizeof *s->if_ids);
    s->if_w = malloc((cap * s->max_if + 1) * sizeof *s->if_w);
    s->rec_off = malloc((cap + 1) * sizeof *s->rec_off);
    s->uf_off = malloc((cap + 1) * sizeof *s->uf_off);
    s->if_off = malloc((cap + 1) * sizeof *s->if_off);
    s->logq_item = malloc((m->n_items + 1) * sizeof *s->logq_item);
    s->logq = malloc(cap * sizeof *s->logq);
    if (!s->pu || !s->pi || !s->bu || !s->bi || !s->rec_ids || !s->rec_w || !s->uf_ids ||
        !s->uf_w || !s->if_ids || !s->if_w || !s->rec_off || !s->uf_off || !s->if_off ||
        !s->logq_item || !s->logq)
        return seer_errorf(SEER_ENOMEM, "out of memory for twotower's %zu interactions", n);
    for (size_t k = 0; k < n; k++) {
        if (d->valid && d->valid[k]) continue;
        s->pu[s->n_pairs] = d->x->user[k];
        s->pi[s->n_pairs++] = d->x->item[k];
    }
    // q_i: the share of the training rows holding item i, as batches draw them.
    double total = 0.0;
    for (size_t i = 0; i < m->n_items; i++) total += m->pop[i];
    for (size_t i = 0; i < m->n_items; i++)
        s->logq_item[i] = (float)log((m->pop[i] + 0.5) / (total + 0.5));
    return SEER_OK;
}

// Row b's recent items: u's last N training items with i left out (its latest occurrence
// within the last N + 1; else the oldest of those N + 1 is dropped). Returns the count.
static size_t recent_window(uint32_t *out, const seer_rec_model *m, uint32_t u, uint32_t i,
                            size_t N) {
    const uint32_t *h = m->hist_item + m->hist_off[u];
    size_t L = m->hist_off[u + 1] - m->hist_off[u], from = L > N + 1 ? L - N - 1 : 0;
    size_t skip = L;
    for (size_t p = L; p > from; p--)
        if (h[p - 1] == i) {
            skip = p - 1;
            break;
        }
    if (skip == L && L - from > N) skip = from;
    size_t n = 0;
    for (size_t p = from; p < L; p++)
        if (p != skip) out[n++] = h[p];
    return n;
}

// A side-feature row r of f into the bag arrays at *at.
static void feature_bag(uint32_t *ids, float *w, size_t *at, const seer_side_features *f,
                        size_t r) {
    if (r >= f->rows) return;
    for (uint64_t k = f->off[r]; k < f->off[r + 1]; k++) {
        ids[*at] = f->feat[k];
        w[(*at)++] = feature_value(f->val[k]);
    }
}

// The batch of the pairs [at, at + B).
static void tt_batch(seer_tt_batch *b, tt_run *s, const seer_rec_model *m, size_t at, size_t B) {
    size_t nr = 0, nu = 0, ni = 0;
    s->rec_off[0] = s->uf_off[0] = s->if_off[0] = 0;
    for (size_t k = 0; k < B; k++) {
        uint32_t u = s->pu[at + k], i = s->pi[at + k];
        s->bu[k] = u;
        s->bi[k] = i;
        s->logq[k] = s->logq_item[i];
        size_t n = recent_window(s->rec_ids + nr, m, u, i, s->N);
        for (size_t j = 0; j < n; j++) s->rec_w[nr + j] = 1.0f / (float)n;
        s->rec_off[k + 1] = (uint32_t)(nr += n);
        feature_bag(s->uf_ids, s->uf_w, &nu, &m->user_feats, u);
        feature_bag(s->if_ids, s->if_w, &ni, &m->item_feats, i);
        s->uf_off[k + 1] = (uint32_t)nu;
        s->if_off[k + 1] = (uint32_t)ni;
    }
    *b = (seer_tt_batch){.B = B, .users = s->bu, .items = s->bi, .logq = s->logq,
                         .recent = {s->rec_ids, s->rec_off, s->rec_w},
                         .user_feat = {s->uf_ids, s->uf_off, s->uf_w},
                         .item_feat = {s->if_ids, s->if_off, s->if_w}};
}

static double tt_epoch(tt_run *s, const seer_rec_model *m, float inv_tau, float reg,
                       const seer_adam_config *c, long *step, seer_rng *r) {
    for (size_t k = s->n_pairs; k > 1; k--) {
        size_t j = (size_t)seer_rng_below(r, k);
        uint32_t tu = s->pu[k - 1], ti = s->pi[k - 1];
        s->pu[k - 1] = s->pu[j];
        s->pi[k - 1] = s->pi[j];
        s->pu[j] = tu;
        s->pi[j] = ti;
    }
    double sum = 0.0;
    size_t n_batches = 0;
    // A last batch of fewer than 2 rows has no negatives: it is left out of the epoch.
    for (size_t at = 0; at + 1 < s->n_pairs; at += s->cap) {
        size_t B = s->n_pairs - at < s->cap ? s->n_pairs - at : s->cap;
        seer_tt_batch b;
        tt_batch(&b, s, m, at, B);
        sum += seer_tt_step(&s->net, &b, inv_tau, reg);
        seer_tt_update(&s->net, c, ++*step);
        n_batches++;
    }
    return n_batches ? sum / (double)n_batches : 0.0;
}

static int tt_train(seer_rec_model *m, const seer_rec_data *d, const seer_rec_train_options *o,
                    seer_rec_train_report *rep) {
    size_t E = o->dim == SEER_AUTO || o->dim == 0 ? TT_DIM : o->dim;
    size_t epochs = o->epochs == SEER_AUTO ? TT_EPOCHS : o->epochs;
    size_t batch = o->batch == SEER_AUTO || o->batch == 0 ? TT_BATCH : o->batch;
    float lr = o->lr == SEER_AUTO_REAL ? TT_LR : o->lr;
    float reg = o->reg == SEER_AUTO_REAL ? TT_REG : o->reg;
    double tau = seer_rec_setting_get(m, "temperature", TT_TEMPERATURE);
    if (E > TT_DIM_MAX)
        return seer_errorf(SEER_EINVAL, "twotower: --dim %zu is more than %d", E, TT_DIM_MAX);
    if (!(lr > 0.0f) || !isfinite(lr) || !(reg >= 0.0f) || !isfinite(reg))
        return seer_errorf(SEER_EINVAL, "twotower: --lr must be > 0 and --reg >= 0");
    if (batch < 2 || batch > 65536)
        return seer_errorf(SEER_EINVAL, "twotower: --batch %zu is not in [2, 65536]", batch);
    seer_threads_set(o->threads > 0 ? o->threads : 1);
    seer_rng r;
    seer_rng_init(&r, o->seed);
    seer_rec_setting_set(m, "recent", seer_rec_setting_get(m, "recent", TT_RECENT));
    seer_rec_setting_set(m, "temperature", tau);
    int rc = tt_params_new(m, E, (size_t)seer_rec_setting_get(m, "hidden", TT_HIDDEN), &r);
    tt_run s = {0};
    if (rc == SEER_OK) rc = tt_run_init(&s, m, d, batch);
    seer_adam_config c = {lr, 0.9f, 0.999f, 1e-8f};
    long step = 0;
    for (size_t e = 0; rc == SEER_OK && e < epochs; e++) {
        double loss = tt_epoch(&s, m, (float)(1.0 / tau), reg, &c, &step, &r);
        if (!isfinite(loss))
            rc = seer_errorf(SEER_EDATA, "twotower: the loss diverged at epoch %zu (lower --lr)",
                             e + 1);
        else if (!o->quiet && ((e + 1) % 5 == 0 || e + 1 == epochs))
            fprintf(stderr, "twotower: epoch %zu loss %.5f\n", e + 1, loss);
    }
    tt_run_free(&s);
    if (rc == SEER_OK) rc = tt_vectors(m, batch);
    if (rc != SEER_OK) return rc;
    seer_rec_setting_set(m, "epochs", (double)epochs);
    seer_rec_setting_set(m, "lr", lr);
    rep->epochs = epochs;
    seer_rec_setting_set(m, "reg", reg);
    rep->reg = reg;
    return SEER_OK;
}

// A known user's vector was computed at training ("user_vec"); an unknown one's is the user
// tower on its recent items and features, with a zero id embedding.
static void tt_user_vector(const seer_rec_model *m, const seer_rec_query *q, float *vec,
                           float *bias) {
    *bias = 0.0f;
    if (q->user >= 0) {
        const float *uv = seer_rec_param_get(m, "user_vec", NULL, NULL);
        memcpy(vec, uv + (size_t)q->user * m->dim, m->dim * sizeof *vec);
        return;
    }
    tt_view v;
    if (tt_view_get(&v, m) != SEER_OK) {  // prepare checked it; never here
        memset(vec, 0, m->dim * sizeof *vec);
        return;
    }
    float x[3 * TT_DIM_MAX], h[TT_HIDDEN_MAX];
    user_row(&v, x, -1, q->recent, q->n_recent, q->feat, q->feat_val, q->n_feat, m->n_items);
    seer_rec_tower_forward_one(&v.tu, vec, h, x);
}

static int tt_prepare(seer_rec_model *m) {
    tt_view v;
    int rc = tt_view_get(&v, m);
    if (rc != SEER_OK) return rc;
    size_t ur, uc, ir, ic;
    const float *uv = seer_rec_param_get(m, "user_vec", &ur, &uc);
    const float *iv = seer_rec_param_get(m, "item_vec", &ir, &ic);
    if (!uv || !iv || ur != m->n_users || ir != m->n_items || uc != v.E || ic != v.E)
        return seer_errorf(SEER_EDATA, "twotower model: user_vec or item_vec missing or "
                           "misshapen");
    if ((v.ufeat && v.n_uf != m->user_feats.names.n) ||
        (v.ifeat && v.n_if != m->item_feats.names.n))
        return seer_errorf(SEER_EDATA, "twotower model: its feature tables do not fit the "
                           "side features it holds");
    m->dim = v.E;
    return SEER_OK;
}

const seer_rec_ops seer_rec_twotower_ops = {
    .kind = SEER_REC_TWOTOWER,
    .reg_grid = NULL,
    .by_rmse = 0,
    .train = tt_train,
    .user_vector = tt_user_vector,
    .score_items = NULL,
    .prepare = tt_prepare,
    .predict_rating = NULL,
};
