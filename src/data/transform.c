// Fitting the sparsity decision and applying it to rows; see transform.h.
#include "data/transform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"
#include "base/mem.h"
#include "base/sort.h"
#include "base/text.h"

// A numeric column tolerates this share of non-number values; beyond it the
// column is categorical. Below it, the few non-numbers are malformed rows.
#define TEXT_SHARE_MAX 0.01
// Standardised values are clipped so that an outlier at serving time cannot
// blow up the network (see standardise).
#define CLIP 10.0
// Bucket embeddings add capacity that small data overfits (measured on the
// 7,200-row Criteo sample: test AUC 0.673 with them, 0.681 without; on 180,000
// rows 0.740 with, 0.739 without). They are used when each bucket would see at
// least this many training rows on average.
#define ROWS_PER_BUCKET_MIN 2000
// A text column is multi-valued when at least this share of its values hold
// the separator.
#define MULTI_SHARE_MIN 0.05
// An integer column may be ids when each distinct value has this many rows on average.
#define ROWS_PER_ID_MIN 5
// It is ids when, besides more values held min_count times than there are buckets, the label
// rate per value predicts the label by this share better (in log loss) than ordered buckets
// do. Measured (BENCHMARKS.md): MovieLens 100K's user and item, 7.4% and 7.0%; the integer
// columns of German credit's five splits and Give Me Some Credit (age, durations, counts),
// -1.6% to +0.2%.
#define ID_GAIN_MIN 0.01
// ... and by this much summed over the rows (nats): the per-value rates make the labels e^10
// times likelier, which a few rows cannot (one positive among 5,000 rows: 1 nat).
#define ID_GAIN_NATS_MIN 10.0

void seer_transform_options_default(seer_transform_options *o) {
    memset(o, 0, sizeof *o);
    o->min_count = 5;
    o->max_vocab = 1u << 20;
    o->buckets = 16;
    o->max_tokens = 32;
}

static int listed(const char *name, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0) return 1;
    return 0;
}

typedef struct {
    uint64_t hash;
    uint64_t count;
} token_count;

static int cmp_token(const void *a, const void *b) {
    const token_count *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return (x->hash > y->hash) - (x->hash < y->hash);
}

// Skewness of the sample, to decide on the log transform. It does not depend
// on the scale, so the values are divided by a power of two above the largest
// first: cubes of numbers near 1e308 would overflow to a NaN skewness.
static double skewness(const double *v, size_t n) {
    if (n < 3) return 0.0;
    double top = 0, mean = 0, m2 = 0, m3 = 0;
    for (size_t i = 0; i < n; i++) top = fmax(top, fabs(v[i]));
    int e;
    frexp(top, &e);
    // A product by 2^-e rounds as ldexp does (both exactly), at a fraction of its cost; 2^-e
    // is a normal double for these e.
    int by_product = e >= -1022 && e <= 1022;
    double scale = by_product ? ldexp(1.0, -e) : 0;
    for (size_t i = 0; i < n; i++) mean += by_product ? v[i] * scale : ldexp(v[i], -e);
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = (by_product ? v[i] * scale : ldexp(v[i], -e)) - mean;
        m2 += d * d;
        m3 += d * d * d;
    }
    m2 /= (double)n;
    m3 /= (double)n;
    return m2 > 0 ? m3 / pow(m2, 1.5) : 0.0;
}

static float standardise(double v, double mean, double std);

// The correlation with the label, over the sampled rows, of the column's values as the network
// would see them: slog1p'd when log, standardised by mo and clipped (standardise). 0 when
// either side is constant.
static double label_correlation(const seer_col_stats *s, int log, const seer_moments *mo) {
    double mean = seer_moments_mean(mo), sd = seer_moments_std(mo);
    if (!(sd > 1e-6 * hypot(1.0, mean))) return 0.0;
    double n = 0, mz = 0, my = 0, szz = 0, syy = 0, szy = 0;
    for (size_t i = 0; i < s->n_sample; i++) {  // Welford's updates, for the co-moments
        double z = standardise(log ? seer_slog1p(s->sample[i]) : s->sample[i], mean, sd);
        double y = s->sample_y[i], dz = z - mz, dy = y - my;
        n += 1;
        mz += dz / n;
        my += dy / n;
        szz += dz * (z - mz);
        syy += dy * (y - my);
        szy += dz * (y - my);
    }
    return szz > 0 && syy > 0 ? szy / sqrt(szz * syy) : 0.0;
}

static int fit_numeric(seer_column *c, const seer_col_stats *s, size_t buckets, int by_label,
                       int ple) {
    // v: the sample, then (from v + n) a sorted copy kept before the repeats leave v.
    double *v = malloc((2 * s->n_sample + 1) * sizeof *v);
    if (!v) return seer_errorf(SEER_ENOMEM, "out of memory fitting column '%s'", c->name);
    memcpy(v, s->sample, s->n_sample * sizeof *v);
    size_t n = s->n_sample;
    double skew = skewness(v, n);
    c->log = skew > 2.0 && !(s->min >= 0 && s->max <= 1);
    // The log spares a network's layers the tail, which the network can undo; a linear model
    // can only weigh the value, so there the scale that follows the label more closely wins
    // (German credit's amount, skewness 2.1 on split 1: r 0.11 plain, 0.05 logged; lr's mean
    // test AUC 0.7743 -> 0.7774, BENCHMARKS.md).
    double r_lin = 0, r_log = 0;
    if (c->log && s->sample_y && by_label) {
        r_lin = label_correlation(s, 0, &s->num);
        r_log = label_correlation(s, 1, &s->lnum);
        c->log = fabs(r_lin) <= fabs(r_log);
    }
    const seer_moments *mo = c->log ? &s->lnum : &s->num;
    c->mean = seer_moments_mean(mo);
    // A deviation below 1e-6 of the mean's size is rounding: the column is constant.
    double sd = seer_moments_std(mo);
    c->std = sd > 1e-6 * hypot(1.0, c->mean) ? sd : 1.0;
    for (size_t i = 0; i < n; i++) v[i] = c->log ? seer_slog1p(v[i]) : v[i];
    seer_sort_doubles(v, n);
    double *sorted = v + n;
    memcpy(sorted, v, n * sizeof *v);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || v[i] != v[i - 1]) v[distinct++] = v[i];
    c->n_edges = 0;
    if (buckets >= 2 && distinct >= 2) {
        c->edges = malloc(buckets * sizeof *c->edges);
        if (!c->edges) {
            free(v);
            return seer_errorf(SEER_ENOMEM, "out of memory fitting column '%s'", c->name);
        }
        if (distinct <= buckets) {
            // Few values: one bucket each, edges half way between neighbours.
            // (Halves first: the sum of two numbers near 1e308 overflows.)
            for (size_t i = 1; i < distinct; i++)
                c->edges[c->n_edges++] = 0.5 * v[i - 1] + 0.5 * v[i];
        } else {
            // Quantiles of the sample (with repeats, so equal-frequency buckets).
            for (size_t k = 1; k < buckets; k++) {
                double e = sorted[k * n / buckets];
                if (c->n_edges == 0 || e > c->edges[c->n_edges - 1]) c->edges[c->n_edges++] = e;
            }
        }
    }
    free(v);
    // Piecewise-linear buckets run from the training minimum to its maximum (the sample's ends
    // may fall short of them).
    c->ple = ple && c->n_edges;
    if (c->ple) {
        c->lo = c->log ? seer_slog1p(s->min) : s->min;
        c->hi = c->log ? seer_slog1p(s->max) : s->max;
    }
    char bucket_text[48] = ", no buckets";
    if (c->n_edges)
        snprintf(bucket_text, sizeof bucket_text, ", %zu %sbuckets", c->n_edges + 1,
                 c->ple ? "piecewise-linear " : "");
    char lin_text[64] = "";
    if (r_lin != 0 && !c->log)
        snprintf(lin_text, sizeof lin_text, " (not slog1p: label r %.2f plain, %.2f logged)",
                 r_lin, r_log);
    snprintf(c->reason, sizeof c->reason, "enhance: %sstandardise%s%s%s",
             c->log ? "slog1p, " : "", lin_text, s->missing ? ", missing flag" : "", bucket_text);
    return SEER_OK;
}

// The counts a categorical column's vocabulary comes from: whole values, or a
// multi-valued column's tokens.
static const seer_counter *token_counts(const seer_column *c, const seer_col_stats *s) {
    return c->multi && s->parts.slots ? &s->parts : &s->tokens;
}

static uint64_t salt_of(const char *name) { return seer_hash_bytes(name, strlen(name), 0x5a17); }

// The shared table's row of a token of a column: its salted hash.
static size_t shared_bucket(uint64_t h, uint64_t salt, size_t rows) {
    return (size_t)(seer_mix64(h ^ salt) % rows);
}

// One table for every hashed column: counts how many training tokens (of
// all columns) land in each row, saturating at 2 (two bits a row), then says
// per column which share of its tokens shares a row with another token.
static int fit_shared(seer_transform *t, const seer_profile *p, size_t rows) {
    uint8_t *seen = calloc((rows + 3) / 4, 1);
    if (!seen) return seer_errorf(SEER_ENOMEM, "out of memory measuring %zu shared rows", rows);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t j = 0; j < t->n_cols; j++) {
            seer_column *c = &t->col[j];
            if (!c->shared_table) continue;
            const seer_counter *tc = token_counts(c, &p->col[j]);
            uint64_t salt = salt_of(c->name);
            size_t collided = 0;
            for (size_t i = 0; i < tc->cap; i++) {
                uint64_t h = tc->slots[i].key;
                if (!h) continue;
                size_t b = shared_bucket(h, salt, rows), shift = 2 * (b % 4);
                unsigned n = seen[b / 4] >> shift & 3u;
                if (pass == 0 && n < 2) seen[b / 4] = (uint8_t)(seen[b / 4] + (1u << shift));
                collided += pass == 1 && n >= 2;
            }
            if (pass == 1)
                snprintf(c->reason, sizeof c->reason, "reduce: hash %zu%s tokens into the shared "
                         "%zu rows (%.1f%% share a row) + missing", tc->n,
                         tc->overflow ? "+" : "", rows,
                         tc->n ? 100.0 * (double)collided / (double)tc->n : 0.0);
        }
    }
    free(seen);
    return SEER_OK;
}

// Hashing: the share of the training tokens (distinct, as counted) that land
// in a bucket another token already took.
static void fit_hashed(seer_column *c, const seer_col_stats *s, size_t buckets) {
    const seer_counter *tc = token_counts(c, s);
    c->hash_buckets = buckets;
    uint8_t *used = calloc((buckets + 7) / 8, 1);
    size_t collided = 0;
    for (size_t i = 0; used && i < tc->cap; i++) {
        uint64_t h = tc->slots[i].key;
        if (!h) continue;
        size_t b = (size_t)(h % buckets);
        if (used[b / 8] & (1u << (b % 8))) collided++;
        used[b / 8] |= (uint8_t)(1u << (b % 8));
    }
    free(used);
    snprintf(c->reason, sizeof c->reason, "reduce: hash %zu%s tokens into %zu rows (%.1f%% "
             "collide) + missing", tc->n, tc->overflow ? "+" : "", buckets,
             tc->n ? 100.0 * (double)collided / (double)tc->n : 0.0);
}

static int fit_categorical(seer_column *c, const seer_col_stats *s,
                           const seer_transform_options *o) {
    if (o->hash_buckets) {
        c->shared_table = o->hash_shared;
        if (!c->shared_table) fit_hashed(c, s, o->hash_buckets);
        else c->hash_buckets = o->hash_buckets;
        return SEER_OK;
    }
    const seer_counter *tc = token_counts(c, s);
    token_count *all = malloc((tc->n + 1) * sizeof *all);
    if (!all) return seer_errorf(SEER_ENOMEM, "out of memory fitting column '%s'", c->name);
    size_t n = 0;
    for (size_t i = 0; i < tc->cap; i++)
        if (tc->slots[i].key && tc->slots[i].count >= o->min_count)
            all[n++] = (token_count){tc->slots[i].key, tc->slots[i].count};
    qsort(all, n, sizeof *all, cmp_token);
    if (n > o->max_vocab) n = o->max_vocab;
    c->vocab = malloc((n + 1) * sizeof *c->vocab);
    if (!c->vocab) {
        free(all);
        return seer_errorf(SEER_ENOMEM, "out of memory fitting column '%s'", c->name);
    }
    for (size_t i = 0; i < n; i++) c->vocab[i] = all[i].hash;
    c->n_vocab = n;
    free(all);
    snprintf(c->reason, sizeof c->reason, "reduce: embed %zu tokens (count >= %zu) + OOV + missing",
             n, o->min_count);
    return SEER_OK;
}

static int fit_vector(seer_column *c, const seer_col_stats *s) {
    c->dims = s->vec_dims;
    c->vec_mean = malloc(c->dims * sizeof *c->vec_mean);
    c->vec_std = malloc(c->dims * sizeof *c->vec_std);
    if (!c->vec_mean || !c->vec_std)
        return seer_errorf(SEER_ENOMEM, "out of memory fitting column '%s'", c->name);
    for (size_t k = 0; k < c->dims; k++) {
        c->vec_mean[k] = seer_moments_mean(&s->vec[k]);
        double sd = seer_moments_std(&s->vec[k]);
        c->vec_std[k] = sd > 1e-6 ? sd : 1.0;
    }
    snprintf(c->reason, sizeof c->reason, "dense vector of %zu values, standardised", c->dims);
    return SEER_OK;
}

// A multi-valued column: slots for the most tokens training saw (at most
// max_tokens), its cardinality in tokens, and the pooling.
static void fit_multi(seer_column *c, const seer_col_stats *s, const seer_transform_options *o) {
    size_t most = s->parts.slots ? s->max_tokens : 1, cap = o->max_tokens;
    if (cap < 1 || cap > SEER_MULTI_SLOTS_MAX) cap = cap < 1 ? 1 : SEER_MULTI_SLOTS_MAX;
    c->slots = most < 1 ? 1 : most > cap ? cap : most;
    c->pool_sum = o->pool_sum;
    c->mean_tokens = s->parts.slots && s->present
                         ? (double)s->total_tokens / (double)s->present : 1.0;
    const seer_counter *tc = token_counts(c, s);
    if (s->count_tokens && !tc->overflow) c->cardinality = (double)tc->n;
}

// Row numbers of a file that was shuffled or split before it was written (a data frame's
// index saved with the rows): every value a distinct integer, and together they fill most of
// a range about as long as the rows. A measured quantity is rarely distinct per row and dense
// in its range at once; an id column is, and as a feature it only lets a model memorise rows.
static int shuffled_row_ids(const seer_column *c, const seer_col_stats *s, size_t text) {
    double n = (double)s->present;
    return s->all_integer && text == 0 && s->missing == 0 && s->present >= 1000 &&
           c->cardinality >= 0.95 * n && s->min >= 0 && s->max - s->min + 1 <= 2 * n;
}

// An integer column that passes the row-id rules becomes categorical when its values name
// things (users, items, stores) rather than measure them: then the label rate of each value
// predicts the label clearly better than any ordering of the values into buckets can, as
// measured on the training rows (data/id_rule.h). Binary labels only: regression and ziln
// keep their integer columns numeric. c->evidence gets the figures.
static int id_rule(seer_column *c, const seer_col_stats *s, const seer_profile *p, size_t text,
                   const seer_transform_options *o) {
    size_t d = s->ids.n, buckets = o->buckets >= 2 ? o->buckets : 16;
    if (p->task != SEER_TASK_BINARY || p->label_col < 0 || s->ids.dropped || !s->ids.slots ||
        text > 0 || !s->all_integer || d <= buckets || d > o->max_vocab ||
        (double)s->present < ROWS_PER_ID_MIN * (double)d)
        return SEER_OK;
    seer_id_evidence e;
    int rc = seer_id_evidence_measure(&s->ids, buckets, o->min_count, &e);
    if (rc != SEER_OK) return rc;
    // Values an embedding would learn (the others share one row): more than the buckets.
    if (e.vocab <= buckets) return SEER_OK;
    double gain = e.loss_buckets - e.loss_values;
    int ids = gain > ID_GAIN_MIN * e.loss_buckets && gain * e.rows > ID_GAIN_NATS_MIN;
    if (ids) c->kind = SEER_COL_CATEGORICAL;
    snprintf(c->evidence, sizeof c->evidence, "%s: per-value label rate %s %zu ordered buckets "
             "(log loss %.4f vs %.4f)", ids ? "integer id" : "not an id",
             ids ? "beats" : "does not beat", e.buckets, e.loss_values, e.loss_buckets);
    return SEER_OK;
}

// Decides the kind of one column from its statistics and the flags.
static int decide(seer_column *c, const seer_col_stats *s, size_t rows, const seer_profile *p,
                  size_t j, const seer_transform_options *o) {
    size_t text = s->present - s->numeric;
    // The Criteo layout fixes the types: I1..I13 numeric, C1..C26 categorical.
    // libFM's fields are feature indices: categorical.
    int criteo = p->format == SEER_FORMAT_CRITEO, libfm = p->format == SEER_FORMAT_LIBFM;
    int forced_num = listed(c->name, o->numeric, o->n_numeric) || (criteo && c->name[0] == 'I');
    int forced_cat = listed(c->name, o->categorical, o->n_categorical) ||
                     (criteo && c->name[0] == 'C') || (libfm && c->name[0] == 'F');
    int forced_multi = listed(c->name, o->multi, o->n_multi);
    if ((long)j == p->label_col) {
        c->kind = SEER_COL_LABEL;
        double share = 100.0 * (double)p->label_pos / (double)(rows ? rows : 1);
        if (p->task == SEER_TASK_BINARY)
            snprintf(c->reason, sizeof c->reason, "label (%.1f%% positive)", share);
        else
            snprintf(c->reason, sizeof c->reason, "label, %s (%.1f%% above 0)",
                     seer_task_names[p->task], share);
    } else if (listed(c->name, o->ignore, o->n_ignore)) {
        c->kind = SEER_COL_IGNORED;
        snprintf(c->reason, sizeof c->reason, "ignored by --ignore");
    } else if (s->present == 0) {
        c->kind = SEER_COL_IGNORED;
        snprintf(c->reason, sizeof c->reason, "ignored: always missing");
    } else if (c->cardinality < 1.5 && s->missing == 0 && !forced_num && !forced_cat) {
        c->kind = SEER_COL_IGNORED;
        snprintf(c->reason, sizeof c->reason, "ignored: constant");
    } else if (forced_multi) {
        c->kind = SEER_COL_CATEGORICAL;
        c->multi = 1;
    } else if (forced_cat) {
        c->kind = SEER_COL_CATEGORICAL;
    } else if (forced_num || (s->numeric > 0 && text <= TEXT_SHARE_MAX * (double)s->present)) {
        c->kind = SEER_COL_NUMERIC;
        if (!forced_num && s->all_integer && s->increasing && text == 0 && s->present >= 100) {
            c->kind = SEER_COL_IGNORED;
            snprintf(c->reason, sizeof c->reason, "ignored: row id (increasing integers)");
        } else if (!forced_num && shuffled_row_ids(c, s, text)) {
            c->kind = SEER_COL_IGNORED;
            snprintf(c->reason, sizeof c->reason, "ignored: row id (distinct integers filling "
                     "a range the size of the rows)");
        } else if (!forced_num) {
            return id_rule(c, s, p, text, o);
        }
    } else if (s->vec_dims && s->vectors == s->present) {
        c->kind = SEER_COL_VECTOR;
    } else if (s->parts.slots && (double)s->multi >= MULTI_SHARE_MIN * (double)s->present) {
        c->kind = SEER_COL_CATEGORICAL;
        c->multi = 1;
    } else {
        c->kind = SEER_COL_CATEGORICAL;
        if (s->present >= 1000 && c->cardinality >= 0.95 * (double)s->present) {
            c->kind = SEER_COL_IGNORED;
            snprintf(c->reason, sizeof c->reason, "ignored: unique per row (an id)");
        }
    }
    return SEER_OK;
}

int seer_transform_fit(seer_transform *t, const seer_profile *p, const seer_transform_options *o) {
    memset(t, 0, sizeof *t);
    t->label_col = -1;
    if (p->rows == 0) return seer_errorf(SEER_EDATA, "%s: no data rows", p->path);
    if (p->label_col >= 0 && p->task == SEER_TASK_ZILN && p->label_pos == 0)
        return seer_errorf(SEER_EDATA, "%s: every training row has label 0 in column '%s': a "
                           "ziln model needs some amounts above 0", p->path,
                           p->names[p->label_col]);
    if (p->label_col >= 0 && p->task == SEER_TASK_BINARY &&
        (p->label_pos == 0 || p->label_pos == p->rows))
        return seer_errorf(SEER_EDATA, "%s: every training row has label %d in column '%s': a "
                           "binary model needs both classes", p->path, p->label_pos ? 1 : 0,
                           p->names[p->label_col]);
    // The Criteo and libFM layouts are fixed formats; CSV and TSV are sniffed again per file.
    t->format = p->format == SEER_FORMAT_CRITEO || p->format == SEER_FORMAT_LIBFM
                    ? p->format : SEER_FORMAT_AUTO;
    t->n_cols = p->n_cols;
    t->label_col = p->label_col;
    t->task = p->task;
    t->col = calloc(p->n_cols, sizeof *t->col);
    if (!t->col) return seer_errorf(SEER_ENOMEM, "out of memory fitting the transform");
    size_t buckets = o->buckets;
    if (buckets && p->rows < ROWS_PER_BUCKET_MIN * buckets) buckets = 0;
    int rc = SEER_OK;
    for (size_t j = 0; j < p->n_cols && rc == SEER_OK; j++) {
        seer_column *c = &t->col[j];
        const seer_col_stats *s = &p->col[j];
        c->name = strdup(p->names[j]);
        c->missing_rate = (double)s->missing / (double)(p->rows ? p->rows : 1);
        c->cardinality = s->count_tokens && !s->tokens.overflow ? (double)s->tokens.n
                                                                : round(seer_hll_estimate(&s->hll));
        rc = decide(c, s, p->rows, p, j, o);
        if (rc != SEER_OK) break;
        if (c->multi) fit_multi(c, s, o);
        if (c->kind == SEER_COL_NUMERIC && s->numeric == 0) c->kind = SEER_COL_IGNORED;
        if (c->kind == SEER_COL_NUMERIC)
            rc = fit_numeric(c, s, buckets, o->scale_by_label, o->bucket_ple);
        if (c->kind == SEER_COL_NUMERIC && s->first_text_line) {
            // The few non-numbers are malformed rows; say where the first one is.
            size_t used = strlen(c->reason);
            snprintf(c->reason + used, sizeof c->reason - used, "; %zu not numbers, first '%s' "
                     "on line %zu", s->present - s->numeric, s->first_text, s->first_text_line);
        }
        if (c->kind == SEER_COL_CATEGORICAL) rc = fit_categorical(c, s, o);
        if (c->multi && rc == SEER_OK) {
            size_t used = strlen(c->reason);
            snprintf(c->reason + used, sizeof c->reason - used, "; %s of up to %zu tokens a row "
                     "(%.1f on average%s)", c->pool_sum ? "sum" : "mean", c->slots,
                     c->mean_tokens, s->max_tokens > c->slots ? ", more are cut" : "");
        }
        if (c->kind == SEER_COL_VECTOR) rc = fit_vector(c, s);
        // A missing flag is only worth a column when training saw missing values.
        c->flag = c->kind == SEER_COL_NUMERIC && s->missing ? 1 : -1;
    }
    if (rc == SEER_OK && o->hash_buckets && o->hash_shared) rc = fit_shared(t, p, o->hash_buckets);
    for (size_t j = 0; j < t->n_cols && rc == SEER_OK; j++) {
        seer_column *c = &t->col[j];
        size_t used = strlen(c->reason);
        if (c->evidence[0])
            snprintf(c->reason + used, sizeof c->reason - used, "; %s", c->evidence);
    }
    if (rc == SEER_OK) rc = seer_transform_finish(t);
    if (rc == SEER_OK && t->n_fields == 0 && t->n_dense == 0)
        rc = seer_errorf(SEER_EDATA, "%s: no usable feature column (all ignored)", p->path);
    if (rc != SEER_OK) seer_transform_free(t);
    return rc;
}

// A numeric column's buckets are an embedding field unless they are piecewise-linear values.
static int bucket_field(const seer_column *c) {
    return c->kind == SEER_COL_NUMERIC && c->n_edges && !c->ple;
}

// The layout encoded rows hold their dense values in: the piecewise-linear blocks, in the
// order of the row, as two floats each (data/dense_pack.h).
static int pack_layout(seer_transform *t) {
    size_t n = 0, *starts = malloc((2 * t->n_cols + 1) * sizeof *starts);
    if (!starts) return seer_errorf(SEER_ENOMEM, "out of memory building the transform");
    size_t *lens = starts + t->n_cols;
    for (size_t j = 0; j < t->n_cols; j++) {
        const seer_column *c = &t->col[j];
        if (!c->ple) continue;
        // Columns in order give blocks in order (seer_transform_finish places them so).
        starts[n] = (size_t)c->ple_dense;
        lens[n++] = c->n_edges + 1;
    }
    int rc = seer_dense_pack_init(&t->pack, t->n_dense, starts, lens, n);
    free(starts);
    return rc;
}

int seer_transform_finish(seer_transform *t) {
    size_t F = 0, nd = 0, nflag = 0;
    for (size_t j = 0; j < t->n_cols; j++) {
        seer_column *c = &t->col[j];
        if (c->kind != SEER_COL_NUMERIC || !c->n_edges) c->ple = 0;
        F += c->kind == SEER_COL_CATEGORICAL || bucket_field(c);
        nd += c->kind == SEER_COL_NUMERIC ? 1 : c->kind == SEER_COL_VECTOR ? c->dims : 0;
        nd += c->ple ? c->n_edges + 1 : 0;
        nflag += c->kind == SEER_COL_NUMERIC && c->flag >= 0;
        if (c->kind == SEER_COL_LABEL) t->label_col = (long)j;
    }
    t->n_fields = F;
    t->n_dense = nd + nflag;
    t->field_offset = calloc(F + 1, sizeof *t->field_offset);
    t->field_rows = calloc(F + 1, sizeof *t->field_rows);
    t->field_col = calloc(F + 1, sizeof *t->field_col);
    t->field_slots = calloc(F + 1, sizeof *t->field_slots);
    t->field_mean = calloc(F + 1, sizeof *t->field_mean);
    t->dense_col = calloc(t->n_dense + 1, sizeof *t->dense_col);
    if (!t->field_offset || !t->field_rows || !t->field_col || !t->field_slots ||
        !t->field_mean || !t->dense_col)
        return seer_errorf(SEER_ENOMEM, "out of memory building the transform");
    // Categorical fields first, then bucket fields; numbers, then flags.
    size_t f = 0, d = 0, rows = 0, slots = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t j = 0; j < t->n_cols; j++) {
            seer_column *c = &t->col[j];
            int is_field = pass == 0 ? c->kind == SEER_COL_CATEGORICAL : bucket_field(c);
            if (pass == 0 && c->kind == SEER_COL_NUMERIC) {
                c->dense = (long)d;
                t->dense_col[d++] = (long)j;
            }
            if (pass == 0 && c->kind == SEER_COL_VECTOR) {
                c->dense = (long)d;
                for (size_t k = 0; k < c->dims; k++) t->dense_col[d++] = (long)j;
            }
            if (pass == 1 && c->ple) {
                c->ple_dense = (long)d;
                for (size_t k = 0; k <= c->n_edges; k++) t->dense_col[d++] = (long)j;
            }
            if (pass == 1 && c->kind == SEER_COL_NUMERIC && c->flag >= 0) {
                c->flag = (long)d;
                t->dense_col[d++] = (long)j;
            }
            if (!is_field) continue;
            c->field = (long)f;
            if (!c->multi || c->slots < 1) c->slots = 1;
            if (c->slots > SEER_MULTI_SLOTS_MAX) c->slots = SEER_MULTI_SLOTS_MAX;
            c->slot = (long)slots;
            slots += c->slots;
            t->field_slots[f] = (uint32_t)c->slots;
            t->field_mean[f] = c->multi && !c->pool_sum;
            t->field_col[f] = (long)j;
            t->field_offset[f] = rows;
            t->field_rows[f] = pass == 1 ? c->n_edges + 2
                               : c->shared_table ? 2
                               : (c->hash_buckets ? c->hash_buckets : c->n_vocab) + 2;
            if (c->shared_table) {
                c->salt = salt_of(c->name);
                t->shared_rows = c->hash_buckets;
            }
            rows += t->field_rows[f];
            f++;
        }
    }
    for (size_t j = 0; j < t->n_cols; j++) {
        seer_column *c = &t->col[j];
        if (c->kind != SEER_COL_NUMERIC && c->kind != SEER_COL_VECTOR) c->dense = -1;
        if (c->kind != SEER_COL_NUMERIC) c->flag = -1;
        if (!(c->kind == SEER_COL_CATEGORICAL || bucket_field(c))) c->field = c->slot = -1;
        if (!c->ple) c->ple_dense = -1;
        if (c->kind != SEER_COL_CATEGORICAL) c->multi = 0;
        if (c->kind == SEER_COL_CATEGORICAL) {
            int rc = seer_vocab_map_init(&c->lookup, c->vocab, c->n_vocab, 2);
            if (rc != SEER_OK) return rc;
        }
    }
    t->shared_offset = rows;
    for (size_t j = 0; j < t->n_cols; j++)
        if (t->col[j].shared_table && t->col[j].hash_buckets != t->shared_rows)
            return seer_errorf(SEER_EDATA, "columns share a hashed table of different sizes");
    t->emb_rows = rows + t->shared_rows;
    t->n_slots = slots;
    return pack_layout(t);
}

void seer_transform_free(seer_transform *t) {
    for (size_t j = 0; t->col && j < t->n_cols; j++) {
        seer_column *c = &t->col[j];
        SEER_FREE_ALL(c->name, c->edges, c->vocab, c->vec_mean, c->vec_std);
        seer_vocab_map_free(&c->lookup);
    }
    SEER_FREE_ALL(t->col, t->field_offset, t->field_rows, t->field_col, t->field_slots,
                  t->field_mean, t->dense_col);
    seer_dense_pack_free(&t->pack);
    memset(t, 0, sizeof *t);
    t->label_col = -1;
}

int seer_transform_bind(const seer_transform *t, const seer_table *tab, long *map, int need_label) {
    for (size_t j = 0; j < t->n_cols; j++) {
        const seer_column *c = &t->col[j];
        map[j] = -1;
        // Scoring without a label leaves the label column unread: rows still to be labelled
        // (empty, or '?') score like any other.
        if (c->kind == SEER_COL_IGNORED || (c->kind == SEER_COL_LABEL && !need_label)) continue;
        map[j] = seer_table_find(tab, c->name);
        if (map[j] >= 0) continue;
        return seer_errorf(SEER_EDATA, "%s: no column named '%s', which the model %s",
                           seer_table_path(tab), c->name,
                           c->kind == SEER_COL_LABEL ? "needs as the label to evaluate"
                                                     : "was trained with");
    }
    return SEER_OK;
}

// (v - mean) / std, clipped to [-CLIP, CLIP]. For values near DBL_MAX the
// difference overflows to an infinity, which the clip turns into +-CLIP like
// any other outlier, so the network sees a finite input. mean and std are
// finite and std > 0 (the fit and the loader see to it), so it is never NaN.
static float standardise(double v, double mean, double std) {
    double z = (v - mean) / std;
    return (float)(z > CLIP ? CLIP : z < -CLIP ? -CLIP : z);
}

// Bucket of v: the number of edges <= v (binary search).
static size_t bucket_of(const double *edges, size_t n, double v) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (edges[mid] <= v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

// The piecewise-linear buckets of v (n_edges + 1 values): bucket k spans [edge k-1, edge k]
// with lo and hi as the outer ends; it holds 1 when v is at or above its end, 0 at or below its
// start, and the share of the way between them otherwise. Missing, when training saw missing
// values: all 0 beside the flag, as the network learnt them. Missing where training saw none
// (no flag): the training mean's buckets, as its standardised value is the mean's (0); all 0
// there would be a value below the minimum, far from anything the network saw.
//
// Bucket k starts where bucket k - 1 ends, so with K the buckets that start below v, every
// bucket before K - 1 ends at or below v (1), every one from K on starts at or above it (0), and
// only bucket K - 1 needs the share; K comes from a binary search, not a test per bucket.
static void encode_ple(const seer_column *c, double v, int missing, float *out) {
    size_t n = c->n_edges + 1;
    if (missing && c->flag < 0) {
        v = c->mean;
        missing = 0;
    }
    size_t K = 0;
    if (!missing && v > c->lo) {
        size_t lo = 0, hi = c->n_edges;  // K - 1 = the edges below v
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (c->edges[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        K = lo + 1;
    }
    for (size_t k = 0; k + 1 < K; k++) out[k] = 1.0f;
    if (K) {
        size_t k = K - 1;
        double a = k == 0 ? c->lo : c->edges[k - 1], b = k == c->n_edges ? c->hi : c->edges[k];
        // Halves: the difference of two numbers near 1e308 overflows.
        out[k] = (float)(v >= b ? 1.0 : (0.5 * v - 0.5 * a) / (0.5 * b - 0.5 * a));
    }
    for (size_t k = K; k < n; k++) out[k] = 0.0f;
}

// The global row of one token of a categorical column.
static uint32_t token_row(const seer_transform *t, const seer_column *c, uint64_t h) {
    size_t first = t->field_offset[c->field];
    if (c->shared_table) return (uint32_t)(t->shared_offset + shared_bucket(h, c->salt,
                                                                            t->shared_rows));
    if (c->hash_buckets) return (uint32_t)(first + 2 + h % c->hash_buckets);
    long id = seer_vocab_map_get(&c->lookup, h);
    return (uint32_t)(first + (size_t)(id < 0 ? 0 : id));
}

typedef struct {
    const seer_transform *t;
    const seer_column *c;
    uint32_t *ids;
    size_t n;
} multi_ctx;

static void put_token(void *ctx, const char *tok, size_t len) {
    multi_ctx *m = ctx;
    if (m->n == m->c->slots) return;  // cut: the first `slots` tokens count
    uint64_t h = seer_hash_bytes(tok, len, 0);
    m->ids[m->n++] = token_row(m->t, m->c, h ? h : 1);
}

// ids (slots) of a multi-valued value: its first tokens' rows, then
// SEER_NO_ID; a missing or empty value is the missing row alone.
static void encode_multi(const seer_transform *t, const seer_column *c, const char *s, size_t len,
                         int missing, uint32_t *ids) {
    multi_ctx m = {t, c, ids, 0};
    if (!missing) seer_split_tokens(s, len, put_token, &m);
    if (m.n == 0) ids[m.n++] = (uint32_t)t->field_offset[c->field] + 1;
    for (size_t i = m.n; i < c->slots; i++) ids[i] = SEER_NO_ID;
}

// A categorical value's row: the missing row, or its token's.
static void encode_category(const seer_transform *t, const seer_column *c, int missing,
                            uint64_t h, uint32_t *ids) {
    ids[c->slot] = missing ? (uint32_t)t->field_offset[c->field] + 1 : token_row(t, c, h);
}

// A numeric value (v: 0 when missing): its standardised value, missing flag, piecewise-linear
// buckets or bucket row.
static void encode_number(const seer_transform *t, const seer_column *c, int missing, double v,
                          uint32_t *ids, float *dense) {
    if (c->log) v = seer_slog1p(v);
    dense[c->dense] = missing ? 0.0f : standardise(v, c->mean, c->std);
    if (c->flag >= 0) dense[c->flag] = (float)missing;
    if (c->ple) encode_ple(c, v, missing, dense + c->ple_dense);
    if (c->field >= 0)
        ids[c->slot] = (uint32_t)(t->field_offset[c->field] +
                                   (missing ? 0 : 1 + bucket_of(c->edges, c->n_edges, v)));
}

int seer_transform_row(const seer_transform *t, const long *map, const seer_row *row,
                       const char *path, uint32_t *ids, float *dense, float *y) {
    *y = NAN;
    // Look-ups in large vocabularies miss the cache: hash every token of the
    // row and prefetch its slot first, so that the misses overlap.
    uint64_t hash[SEER_COLS_MAX];
    SEER_ASSERT(t->n_cols <= SEER_COLS_MAX);  // the reader and the loader both limit it
    for (size_t j = 0; j < t->n_cols; j++) {
        const seer_column *c = &t->col[j];
        if (c->kind != SEER_COL_CATEGORICAL || c->multi || map[j] < 0) continue;
        size_t len, k = (size_t)map[j];
        const char *s = seer_trim(row->field[k], row->len[k], &len);
        uint64_t h = seer_hash_bytes(s, len, 0);
        hash[j] = h ? h : 1;
        seer_vocab_map_prefetch(&c->lookup, hash[j]);
    }
    for (size_t j = 0; j < t->n_cols; j++) {
        const seer_column *c = &t->col[j];
        if (c->kind == SEER_COL_IGNORED || map[j] < 0) continue;
        size_t len, k = (size_t)map[j];
        const char *s = seer_trim(row->field[k], row->len[k], &len);
        int missing = seer_is_missing(s, len);
        if (c->kind == SEER_COL_LABEL) {
            double v;
            const char *why = seer_label_invalid(t->task, s, len, &v);
            if (why)
                return seer_errorf(SEER_EDATA, "%s:%zu:%zu: label '%.*s' in column '%s' %s", path,
                                   row->line, k + 1, (int)(len > 40 ? 40 : len), s, c->name, why);
            *y = (float)v;
        } else if (c->kind == SEER_COL_VECTOR) {
            double v[SEER_VECTOR_DIMS_MAX];
            size_t n = missing ? 0 : seer_parse_vector(s, len, v, c->dims);
            if (!missing && n != c->dims)
                return seer_errorf(SEER_EDATA, "%s:%zu:%zu: '%.*s' in column '%s' is not %zu "
                                   "numbers separated by ';'", path, row->line, k + 1,
                                   (int)(len > 40 ? 40 : len), s, c->name, c->dims);
            for (size_t i = 0; i < c->dims; i++)
                dense[c->dense + (long)i] =
                    missing ? 0.0f : standardise(v[i], c->vec_mean[i], c->vec_std[i]);
        } else if (c->multi) {
            encode_multi(t, c, s, len, missing, ids + c->slot);
        } else if (c->kind == SEER_COL_CATEGORICAL) {
            encode_category(t, c, missing, hash[j], ids);
        } else {
            double v = 0.0;
            if (!missing && !seer_parse_number(s, len, &v))
                return seer_errorf(SEER_EDATA, "%s:%zu:%zu: '%.*s' in numeric column '%s' is not "
                                   "a number", path, row->line, k + 1, (int)(len > 40 ? 40 : len),
                                   s, c->name);
            encode_number(t, c, missing, v, ids, dense);
        }
    }
    return SEER_OK;
}

int seer_transform_takes_words(const seer_transform *t, const seer_raw_rows *r) {
    if (r->dropped || r->n_cols != t->n_cols) return 0;
    for (size_t j = 0; j < t->n_cols; j++) {
        const seer_column *c = &t->col[j];
        int ok = c->kind == SEER_COL_IGNORED ||
                 (c->kind == SEER_COL_LABEL && r->num_at[j] >= 0 && !r->text_seen[j]) ||
                 (c->kind == SEER_COL_CATEGORICAL && !c->multi && r->hash_at[j] >= 0) ||
                 (c->kind == SEER_COL_NUMERIC && r->num_at[j] >= 0 && !r->text_seen[j]);
        if (!ok) return 0;
    }
    return 1;
}

float seer_transform_words_label(const seer_transform *t, const seer_raw_rows *r,
                                 const uint64_t *w) {
    if (t->label_col < 0) return NAN;
    uint64_t bits = w[r->num_at[t->label_col]];
    double v = 0.0;  // a missing label's (the profile pass refuses one where it matters)
    if (bits != SEER_RAW_MISSING) memcpy(&v, &bits, sizeof v);
    return (float)v;
}

void seer_transform_words(const seer_transform *t, const seer_raw_rows *r, const uint64_t *w,
                          uint32_t *ids, float *dense, float *y) {
    for (size_t j = 0; j < t->n_cols; j++) {
        const seer_column *c = &t->col[j];
        if (c->kind == SEER_COL_CATEGORICAL) seer_vocab_map_prefetch(&c->lookup, w[r->hash_at[j]]);
    }
    for (size_t j = 0; j < t->n_cols; j++) {
        const seer_column *c = &t->col[j];
        if (c->kind == SEER_COL_CATEGORICAL) {
            uint64_t h = w[r->hash_at[j]];
            encode_category(t, c, h == 0, h, ids);
        } else if (c->kind == SEER_COL_NUMERIC) {
            uint64_t bits = w[r->num_at[j]];
            int missing = bits == SEER_RAW_MISSING;
            double v = 0.0;
            if (!missing) memcpy(&v, &bits, sizeof v);
            encode_number(t, c, missing, v, ids, dense);
        }
    }
    *y = seer_transform_words_label(t, r, w);
}

const char *const seer_col_kind_names[] = {"ignored", "label", "numeric", "categorical",
                                           "vector"};

// The printed profile calls a multi-valued categorical column "multi".
static const char *kind_name(const seer_column *c) {
    return c->multi ? "multi" : seer_col_kind_names[c->kind];
}

void seer_transform_print(const seer_transform *t, FILE *out) {
    // The name column is as wide as the longest name (28 at least), so no name is cut.
    int w = 28;
    for (size_t j = 0; j < t->n_cols; j++) {
        size_t n = strlen(t->col[j].name);
        if (n > (size_t)w) w = n > 4096 ? 4096 : (int)n;
    }
    fprintf(out, "%-*s %-12s %8s %12s  %s\n", w, "column", "type", "missing", "cardinality",
            "decision");
    for (size_t j = 0; j < t->n_cols; j++) {
        const seer_column *c = &t->col[j];
        fprintf(out, "%-*s %-12s %7.1f%% %12.0f  %s\n", w, c->name,
                kind_name(c),
                100.0 * c->missing_rate, c->cardinality, c->reason);
    }
    fprintf(out, "inputs: %zu embedding fields (%zu rows", t->n_fields, t->emb_rows);
    if (t->n_slots > t->n_fields) fprintf(out, ", %zu ids a row", t->n_slots);
    fprintf(out, "), %zu dense values\n", t->n_dense);
}

// Numeric column j's value given as the number v (a request's JSON number, finite), encoded
// as seer_transform_row encodes the text of that number (which reads back as v exactly), with
// no text made and parsed again: the same encode_number.
void seer_transform_number(const seer_transform *t, size_t j, double v, uint32_t *ids,
                           float *dense) {
    encode_number(t, &t->col[j], 0, v, ids, dense);
}
