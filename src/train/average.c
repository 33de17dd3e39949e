// The average of a net's weights over its recent steps (average.h says how and why).
#include "train/average.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

// The most entries of the power tables (16 MiB): a decay so near 1 that d^k stays above 1e-16
// past them computes the rest with pow.
#define POW_TABLE_MAX ((size_t)1 << 20)
// Rows ahead whose averages are prefetched.
#define AHEAD 8

// The power tables of a's decay (average.h). SEER_ENOMEM.
static int fill_tables(seer_weight_avg *a) {
    double k16 = ceil(log(1e-16) / log(a->decay));
    a->n_pow = k16 < (double)POW_TABLE_MAX ? (size_t)k16 + 1 : POW_TABLE_MAX;
    a->pow_d = malloc(a->n_pow * sizeof *a->pow_d);
    a->one_minus = malloc(a->n_pow * sizeof *a->one_minus);
    if (!a->pow_d || !a->one_minus)
        return seer_errorf(SEER_ENOMEM, "out of memory for the averaged weights' tables");
    double ln_d = log(a->decay);
    for (size_t k = 0; k < a->n_pow; k++) {
        a->pow_d[k] = exp((double)k * ln_d);
        a->one_minus[k] = -expm1((double)k * ln_d);
    }
    return SEER_OK;
}

int seer_weight_avg_init(seer_weight_avg *a, const seer_net *n, double decay) {
    memset(a, 0, sizeof *a);
    a->decay = decay;
    size_t rows = n->cfg.emb_rows, D = n->D;
    a->params = malloc(n->n_params * sizeof(float) + 4);
    a->emb = malloc(rows * D * sizeof(float) + 4);
    a->wide = malloc((n->plan.wide ? rows : 1) * sizeof(float));
    a->last = malloc((rows + 1) * sizeof *a->last);
    int rc = a->params && a->emb && a->wide && a->last
                 ? fill_tables(a)
                 : seer_errorf(SEER_ENOMEM, "out of memory for the averaged weights (%zu rows)",
                               rows);
    if (rc != SEER_OK) {
        seer_weight_avg_free(a);
        return rc;
    }
    memcpy(a->params, n->params, n->n_params * sizeof(float));
    memcpy(a->emb, n->emb, rows * D * sizeof(float));
    if (n->plan.wide) memcpy(a->wide, n->wide, rows * sizeof(float));
    for (size_t r = 0; r < rows; r++) a->last[r] = (uint64_t)n->step;
    a->step = n->step;
    return SEER_OK;
}

int seer_weight_avg_adopt(seer_weight_avg *a, const seer_net *n, double decay, float *params,
                          float *emb, float *wide, uint64_t *last) {
    memset(a, 0, sizeof *a);
    a->decay = decay;
    a->params = params;
    a->emb = emb;
    a->wide = wide ? wide : malloc(sizeof(float));
    a->last = last;
    int rc = a->wide ? fill_tables(a) : seer_errorf(SEER_ENOMEM, "out of memory");
    if (rc != SEER_OK) {
        seer_weight_avg_free(a);
        return rc;
    }
    a->step = n->step;  // the dense average is brought up to every step
    return SEER_OK;
}

static double pow_d(const seer_weight_avg *a, long k) {
    return (size_t)k < a->n_pow ? a->pow_d[k] : pow(a->decay, (double)k);
}

static double one_minus_pow_d(const seer_weight_avg *a, long k) {
    return (size_t)k < a->n_pow ? a->one_minus[k] : -expm1((double)k * log(a->decay));
}

// The share of the old average kept when it moves from step s to step t with the weight
// unchanged since: d^(t-s) (1 - d^s) / (1 - d^t); 0 from step 0 (nothing averaged yet).
static double kept_share(const seer_weight_avg *a, long s, long t) {
    if (s >= t) return 1.0;
    if (s <= 0) return 0.0;
    return pow_d(a, t - s) * one_minus_pow_d(a, s) / one_minus_pow_d(a, t);
}

static void move_toward(float *m, const float *w, size_t n, double keep) {
    float k = (float)keep;
    for (size_t i = 0; i < n; i++) m[i] = w[i] + (m[i] - w[i]) * k;
}

// Row r of the tables brought up to step t.
static void row_to(seer_weight_avg *a, const seer_net *n, size_t r, long t) {
    double keep = kept_share(a, (long)a->last[r], t);
    size_t D = n->D;
    move_toward(a->emb + r * D, n->emb + r * D, D, keep);
    if (n->plan.wide) move_toward(a->wide + r, n->wide + r, 1, keep);
    a->last[r] = (uint64_t)t;
}

void seer_weight_avg_step(seer_weight_avg *a, const seer_net *n) {
    long t = n->step;
    move_toward(a->params, n->params, n->n_params, kept_share(a, a->step, t));
    a->step = t;
    // The rows are scattered over the tables: ask for a few ahead while this one is averaged.
    for (size_t i = 0; i < n->n_uniq; i++) {
        if (i + AHEAD < n->n_uniq) {
            size_t r = n->uniq[i + AHEAD];
            __builtin_prefetch(a->emb + r * n->D, 1);
            __builtin_prefetch(a->last + r, 1);
        }
        row_to(a, n, n->uniq[i], t);
    }
}

int seer_weight_avg_follow(seer_weight_avg *a, const seer_net *n, seer_net_follow *f) {
    size_t rows = n->n_uniq;
    if (rows > a->keep_cap) {
        float *k = realloc(a->keep_rows, rows * sizeof *k);
        if (!k) return seer_errorf(SEER_ENOMEM, "out of memory for the averaged rows' shares");
        a->keep_rows = k;
        a->keep_cap = rows;
    }
    long t = n->step;
    f->params = (seer_follow){a->params, (float)kept_share(a, a->step, t), NULL};
    a->step = t;
    for (size_t i = 0; i < rows; i++) {
        if (i + AHEAD < rows) __builtin_prefetch(a->last + n->uniq[i + AHEAD], 1);
        size_t r = n->uniq[i];
        a->keep_rows[i] = (float)kept_share(a, (long)a->last[r], t);
        a->last[r] = (uint64_t)t;
    }
    f->emb = (seer_follow){a->emb, 0, a->keep_rows};
    f->wide = (seer_follow){a->wide, 0, a->keep_rows};
    return SEER_OK;
}

void seer_weight_avg_catch_up(seer_weight_avg *a, const seer_net *n) {
    for (size_t r = 0; r < n->cfg.emb_rows; r++)
        if (a->last[r] != (uint64_t)n->step) row_to(a, n, r, n->step);
}

static void swap_floats(float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float t = x[i];
        x[i] = y[i];
        y[i] = t;
    }
}

void seer_weight_avg_swap(seer_weight_avg *a, seer_net *n) {
    swap_floats(a->params, n->params, n->n_params);
    swap_floats(a->emb, n->emb, n->cfg.emb_rows * n->D);
    if (n->plan.wide) swap_floats(a->wide, n->wide, n->cfg.emb_rows);
}

void seer_weight_avg_free(seer_weight_avg *a) {
    free(a->params);
    free(a->emb);
    free(a->wide);
    free(a->last);
    free(a->pow_d);
    free(a->one_minus);
    free(a->keep_rows);
    memset(a, 0, sizeof *a);
}
