// Fitting a recommender (see fit.h): hold out, choose the regularisation, train on all.
#include "rec/fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "rec/rank_metrics.h"
#include "rec/score.h"

void seer_rec_hold_out(unsigned char *valid, const seer_interactions *x, const uint64_t *off,
                       const uint64_t *idx, size_t n_users, double frac, uint64_t seed) {
    memset(valid, 0, x->n);
    seer_rng r;
    seer_rng_init(&r, seed ^ 0x7265636f6d6d656eULL);
    for (size_t u = 0; u < n_users; u++) {
        size_t n = (size_t)(off[u + 1] - off[u]);
        size_t h = (size_t)floor(frac * (double)n + 0.5);
        if (h >= n) h = n ? n - 1 : 0;
        if (x->time) {   // the latest h, as a test split by time would
            for (size_t k = n - h; k < n; k++) valid[idx[off[u] + k]] = 1;
            continue;
        }
        for (size_t left = n, k = 0; k < n && h; k++, left--)   // h of n, uniformly
            if (seer_rng_below(&r, left) < h) {
                valid[idx[off[u] + k]] = 1;
                h--;
            }
    }
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

// The held-out items of user u rated at least min_rating, sorted and distinct, into rel;
// returns the count.
static size_t held_out(const seer_rec_data *d, size_t u, float min_rating, uint32_t *rel) {
    size_t n = 0;
    for (uint64_t k = d->user_off[u]; k < d->user_off[u + 1]; k++) {
        uint64_t i = d->user_idx[k];
        if (d->valid[i] && (!d->x->rating || d->x->rating[i] >= min_rating))
            rel[n++] = d->x->item[i];
    }
    qsort(rel, n, sizeof *rel, cmp_u32);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (!w || rel[i] != rel[w - 1]) rel[w++] = rel[i];
    return w;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

// The median rating of the log: the held-out items rated at least this are the relevant ones,
// as a test counts the items a user liked (MovieLens: 4, the --min-rating of the benchmarks).
static float median_rating(const seer_interactions *x) {
    if (!x->rating) return 0;
    float *r = malloc(x->n * sizeof *r), med;
    if (!r) return 0;
    memcpy(r, x->rating, x->n * sizeof *r);
    qsort(r, x->n, sizeof *r, cmp_float);
    med = r[x->n / 2];
    free(r);
    return med;
}

double seer_rec_valid_ndcg(const seer_rec_model *m, const seer_rec_data *d, size_t k) {
    size_t top_cap = k < 20 ? 20 : k;
    float *scratch = malloc(seer_rec_top_scratch(m) * sizeof *scratch);
    seer_rec_hit *top = malloc(top_cap * sizeof *top);
    uint32_t *rel = malloc((d->x->n ? d->x->n : 1) * sizeof *rel);
    double sum = 0;
    size_t users = 0;
    float min_rating = median_rating(d->x);
    for (size_t u = 0; scratch && top && rel && u < m->n_users; u++) {
        size_t n_rel = held_out(d, u, min_rating, rel), n;
        if (!n_rel) continue;
        seer_rec_query q = {.user = (long)u};
        int from_pop;
        seer_rec_top(m, &q, k, 0, top, &n, &from_pop, scratch, NULL);
        seer_rank_metrics met;
        seer_rank_metrics_of(&met, top, n, rel, n_rel);
        // NDCG at k itself: the cutoffs' table holds 10, the one used.
        sum += k == 10 ? met.ndcg[1] : met.ndcg[k == 5 ? 0 : 2];
        users++;
    }
    free(scratch);
    free(top);
    free(rel);
    return users ? sum / (double)users : NAN;
}

double seer_rec_valid_rmse(const seer_rec_model *m, const seer_rec_data *d) {
    double se = 0;
    size_t n = 0;
    for (size_t i = 0; i < d->x->n; i++) {
        if (!d->valid[i]) continue;
        double e = m->ops->predict_rating(m, d->x->user[i], d->x->item[i]) - d->x->rating[i];
        se += e * e;
        n++;
    }
    return n ? sqrt(se / (double)n) : NAN;
}

// Trains m on d with reg and readies its views.
static int train_once(seer_rec_model *m, const seer_rec_data *d, const seer_rec_train_options *o,
                      float reg, seer_rec_train_report *r) {
    seer_rec_train_options oo = *o;
    oo.reg = reg;
    int rc = m->ops->train(m, d, &oo, r);
    if (rc != SEER_OK) return rc;
    seer_rec_model_views(m);
    return m->ops->prepare(m);
}

// The validation metric a kind's grid is chosen by.
static const char *metric_name(const seer_rec_ops *ops) {
    return ops->by_rmse ? "rmse" : "ndcg@10";
}

// No held-out user to score (a log of one user, or of repeats only): the grid's first value,
// not a choice, said as the default.
static void no_choice(const seer_rec_model *m, seer_rec_train_report *r, float *reg) {
    *reg = m->ops->reg_grid[0];
    r->valid_metric = NAN;
    r->valid_metric_name = metric_name(m->ops);
    r->reg_from = "default";
}

// The grid's best regularisation on the held-out part of d (valid set), into *best.
static int choose_reg(seer_rec_model *m, seer_rec_data *d, const seer_rec_train_options *o,
                      seer_rec_train_report *r, float *best) {
    const seer_rec_ops *ops = m->ops;
    double best_score = NAN;
    *best = ops->reg_grid[0];
    for (const float *g = ops->reg_grid; *g > 0; g++) {
        int rc = train_once(m, d, o, *g, r);
        if (rc != SEER_OK) return rc;
        double s = ops->by_rmse ? seer_rec_valid_rmse(m, d) : seer_rec_valid_ndcg(m, d, 10);
        if (!o->quiet)
            fprintf(stderr, "seer: %s reg %g: validation %s %.5f\n",
                    seer_rec_kind_names[m->kind], (double)*g, metric_name(ops), s);
        int better = isnan(best_score) || (ops->by_rmse ? s < best_score : s > best_score);
        if (!isnan(s) && better) {
            best_score = s;
            *best = *g;
        }
    }
    if (isnan(best_score)) {
        no_choice(m, r, best);
        return SEER_OK;
    }
    r->valid_metric = best_score;
    r->valid_metric_name = metric_name(ops);
    r->reg_from = "validation";
    return SEER_OK;
}

static int fit_with(seer_rec_model *m, const seer_interactions *x, const seer_rec_train_options *o,
                    seer_rec_train_report *r, const uint64_t *off, const uint64_t *idx) {
    seer_rec_data d = {x, off, idx, NULL};
    float reg = o->reg;
    r->valid_metric = NAN;
    r->valid_metric_name = "";
    r->reg_from = "given";
    int rc = SEER_OK;
    if (reg == SEER_AUTO_REAL && m->ops->reg_grid && o->valid_frac > 0) {
        unsigned char *valid = malloc(x->n);
        if (!valid) return seer_errorf(SEER_ENOMEM, "out of memory");
        seer_rec_hold_out(valid, x, off, idx, m->users.n, o->valid_frac, o->seed);
        d.valid = valid;
        // Nothing held out (every user too short a history): no grid to train (choose_reg's
        // answer when nobody scores, without the training).
        if (memchr(valid, 1, x->n)) {
            rc = seer_rec_model_set_data(m, x, off, idx, valid);
            if (rc == SEER_OK) rc = choose_reg(m, &d, o, r, &reg);
        } else {
            no_choice(m, r, &reg);
        }
        d.valid = NULL;
        free(valid);
    } else if (reg == SEER_AUTO_REAL && m->ops->reg_grid) {
        reg = m->ops->reg_grid[0];
    }
    if (rc == SEER_OK) rc = seer_rec_model_set_data(m, x, off, idx, NULL);
    if (rc == SEER_OK) rc = train_once(m, &d, o, reg, r);
    // A kind without a grid, left to its default, says what it used as the setting "reg".
    r->reg = reg == SEER_AUTO_REAL ? (float)seer_rec_setting_get(m, "reg", reg) : reg;
    if (r->reg == SEER_AUTO_REAL) {  // a kind without a "reg" setting (sasrec) uses none
        r->reg = NAN;
        r->reg_from = "none";
    }
    return rc;
}

int seer_rec_fit(seer_rec_model *m, const seer_interactions *x, const seer_rec_train_options *o,
                 seer_rec_train_report *r) {
    if (!m->ops)
        return seer_errorf(SEER_EINVAL, "--model %s: not in this build of seer",
                           seer_rec_kind_names[m->kind]);
    uint64_t *off, *idx;
    int rc = seer_interactions_by_user(x, m->users.n, &off, &idx);
    if (rc != SEER_OK) return rc;
    rc = fit_with(m, x, o, r, off, idx);
    free(off);
    free(idx);
    return rc;
}
