// Predictions of a model for the rows of a table, batch by batch, and what is
// made of them: metrics over a file (seer eval) and the scores of a file (the
// public seer_model_score_file).
#include "train/predict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seer.h"

#include "base/error.h"
#include "train/value_metrics.h"

typedef struct {
    float *p, *y;
    size_t n, cap;
} collected;

static int collect(void *ctx, const float *p, const float *y, size_t n) {
    collected *c = ctx;
    if (c->n + n > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->n + n) cap *= 2;
        float *np = realloc(c->p, cap * sizeof *np);
        float *ny = np ? realloc(c->y, cap * sizeof *ny) : NULL;
        if (np) c->p = np;
        if (ny) c->y = ny;
        if (!np || !ny)
            return seer_errorf(SEER_ENOMEM, "out of memory holding %zu predictions", cap);
        c->cap = cap;
    }
    memcpy(c->p + c->n, p, n * sizeof *p);
    memcpy(c->y + c->n, y, n * sizeof *y);
    c->n += n;
    return SEER_OK;
}

// Scores a batch's b rows and hands them on; a hole (a skipped row keeping its place) gets
// p and y NaN.
static int flush_batch(seer_model *m, const uint32_t *ids, const float *dense, float *y,
                       float *p, const unsigned char *hole, size_t b, seer_predict_fn fn,
                       void *ctx) {
    seer_net_predict(&m->net, ids, dense, b, p);
    for (size_t i = 0; i < b; i++)
        if (hole[i]) p[i] = y[i] = NAN;
    return fn(ctx, p, y, b);
}

int seer_predict_table(seer_model *m, seer_table *tab, int need_label, int skip_bad,
                       size_t *skipped, seer_predict_fn fn, void *ctx) {
    return seer_predict_table_rows(m, tab, need_label, skip_bad, skipped, NULL, fn, ctx);
}

int seer_predict_table_rows(seer_model *m, seer_table *tab, int need_label, int skip_bad,
                            size_t *skipped, seer_predict_row_fn row_fn, seer_predict_fn fn,
                            void *ctx) {
    const seer_transform *t = &m->tf;
    size_t cap = m->net.cfg.batch_cap, S = t->n_slots, nd = t->n_dense;
    long *map = malloc((t->n_cols + 1) * sizeof *map);
    uint32_t *ids = malloc((cap * S + 1) * sizeof *ids);
    float *dense = malloc((cap * nd + 1) * sizeof *dense);
    float *y = malloc(cap * sizeof *y), *p = malloc(cap * sizeof *p);
    unsigned char *hole = malloc(cap);
    int rc = SEER_OK;
    if (!map || !ids || !dense || !y || !p || !hole)
        rc = seer_errorf(SEER_ENOMEM, "out of memory");
    if (rc == SEER_OK) rc = seer_transform_bind(t, tab, map, need_label);
    size_t b = 0, reader_bad = seer_table_bad_rows(tab);
    seer_row row;
    while (rc == SEER_OK) {
        int more = seer_table_next(tab, &row);
        if (more < 0) {
            rc = more;
            break;
        }
        // Rows the reader skipped before this one (or before the end) hold their places too.
        size_t holes = 0;
        if (skip_bad == SEER_SKIP_HOLD) {
            holes = seer_table_bad_rows(tab) - reader_bad;
            reader_bad += holes;
        }
        for (; holes && rc == SEER_OK; holes--) {
            if (row_fn && (rc = row_fn(ctx, NULL)) != SEER_OK) break;
            memset(ids + b * S, 0, S * sizeof *ids);
            memset(dense + b * nd, 0, nd * sizeof *dense);
            hole[b++] = 1;
            if (b == cap) {
                rc = flush_batch(m, ids, dense, y, p, hole, b, fn, ctx);
                b = 0;
            }
        }
        if (rc != SEER_OK) break;
        if (more && row_fn) rc = row_fn(ctx, &row);
        if (rc != SEER_OK) break;
        if (more) {
            rc = seer_transform_row(t, map, &row, seer_table_path(tab), ids + b * S, dense + b * nd,
                                    y + b);
            hole[b] = 0;
            if (rc == SEER_EDATA && skip_bad) {
                if ((*skipped)++ < SEER_BAD_ROWS_KEPT)
                    fprintf(stderr, "seer: skipped: %s\n", seer_error_message());
                rc = SEER_OK;
                if (skip_bad != SEER_SKIP_HOLD) continue;
                memset(ids + b * S, 0, S * sizeof *ids);
                memset(dense + b * nd, 0, nd * sizeof *dense);
                hole[b] = 1;
            }
            if (rc != SEER_OK) break;
            b++;
        }
        if (b == cap || (!more && b)) {
            rc = flush_batch(m, ids, dense, y, p, hole, b, fn, ctx);
            b = 0;
        }
        if (!more) break;
    }
    if (rc == SEER_OK) *skipped += seer_table_bad_rows(tab);
    free(map);
    free(ids);
    free(dense);
    free(y);
    free(p);
    free(hole);
    return rc;
}

int seer_eval_file(seer_model *m, const char *path, seer_format format, int skip_bad,
                   seer_binary_metrics *out, size_t *skipped) {
    if (!m || !path || !out || !skipped)
        return seer_errorf(SEER_EINVAL, "seer_eval_file: a NULL argument");
    seer_table_options topt = {format, skip_bad};
    seer_table *tab;
    int rc = seer_table_open(&tab, path, &topt);
    if (rc != SEER_OK) return rc;
    collected c = {0};
    rc = seer_predict_table(m, tab, 1, skip_bad, skipped, collect, &c);
    seer_table_close(tab);
    if (rc == SEER_OK && c.n == 0) rc = seer_errorf(SEER_EDATA, "%s: no data rows", path);
    seer_task task = m->net.cfg.task;
    if (rc == SEER_OK && task != SEER_TASK_BINARY)
        rc = seer_value_metrics_compute(out, c.p, c.y, c.n, task);
    else if (rc == SEER_OK)
        rc = seer_binary_metrics_compute(out, c.p, c.y, c.n);
    // The model's cost matrix, when it has one (seer_train_options.cost_fn and cost_fp).
    double fn = seer_model_training_number(m, "cost_fn", 0);
    double fp = seer_model_training_number(m, "cost_fp", 0);
    if (rc == SEER_OK && fn > 0 && fp > 0) seer_binary_metrics_cost(out, c.p, c.y, c.n, fn, fp);
    free(c.p);
    free(c.y);
    return rc;
}

int seer_model_score_file(seer_model *m, const char *path, seer_format format, float **scores,
                          size_t *n) {
    if (!m || !path || !scores || !n)
        return seer_errorf(SEER_EINVAL, "seer_model_score_file: a NULL argument");
    *scores = NULL;
    *n = 0;
    if ((unsigned)format > SEER_FORMAT_LIBFM)
        return seer_errorf(SEER_EINVAL, "unknown format %d", (int)format);
    seer_table_options topt = {format, 0};
    seer_table *tab;
    int rc = seer_table_open(&tab, path, &topt);
    if (rc != SEER_OK) return rc;
    collected c = {0};
    size_t skipped = 0;
    rc = seer_predict_table(m, tab, 0, 0, &skipped, collect, &c);
    seer_table_close(tab);
    free(c.y);
    if (rc != SEER_OK) {
        free(c.p);
        return rc;
    }
    *scores = c.p;
    *n = c.n;
    return SEER_OK;
}
