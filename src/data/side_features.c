// Side features of users or items (see interactions.h): a CSV/TSV with a header, one row per
// id, read twice: the first pass finds which columns are numbers (every present value parses)
// and their mean and deviation, the second writes each entity's sparse row.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/text.h"
#include "data/interactions.h"
#include "data/table.h"

typedef struct {
    uint32_t row, feat;
    float val;
} entry;

typedef struct {
    entry *e;
    size_t n, cap;
} entries;

static int push(entries *es, uint32_t row, uint32_t feat, float val) {
    if (es->n == es->cap) {
        size_t cap = es->cap ? es->cap * 2 : 1024;
        entry *p = realloc(es->e, cap * sizeof *p);
        if (!p) return seer_errorf(SEER_ENOMEM, "side features: out of memory");
        es->e = p;
        es->cap = cap;
    }
    es->e[es->n++] = (entry){row, feat, val};
    return SEER_OK;
}

// Pass 1: numeric[j] (1 when every present value of column j is a number), its mean and std.
static int scan(seer_table *t, long id, int *numeric, double *mean, double *std) {
    size_t nc = seer_table_ncols(t), *cnt = calloc(nc, sizeof *cnt);
    double *sq = calloc(nc, sizeof *sq);
    if (!cnt || !sq) {
        free(cnt);
        free(sq);
        return seer_errorf(SEER_ENOMEM, "side features: out of memory");
    }
    for (size_t j = 0; j < nc; j++) numeric[j] = (long)j != id;
    seer_row row;
    int rc;
    while ((rc = seer_table_next(t, &row)) > 0)
        for (size_t j = 0; j < nc; j++) {
            double v;
            if (!numeric[j] || seer_is_missing(row.field[j], row.len[j])) continue;
            if (!seer_parse_number(row.field[j], row.len[j], &v)) {
                numeric[j] = 0;
                continue;
            }
            mean[j] += v;
            sq[j] += v * v;
            cnt[j]++;
        }
    for (size_t j = 0; j < nc; j++) {
        mean[j] = cnt[j] ? mean[j] / (double)cnt[j] : 0;
        double var = cnt[j] ? sq[j] / (double)cnt[j] - mean[j] * mean[j] : 0;
        std[j] = var > 1e-12 ? sqrt(var) : 1;
    }
    free(cnt);
    free(sq);
    return rc;
}

// The feature index of name (added when new) with its standardisation.
static int feature(seer_side_features *f, const char *name, size_t len, double mean, double std,
                   uint32_t *idx) {
    int added, rc = seer_idmap_add(&f->names, name, len, idx, &added);
    if (rc != SEER_OK || !added) return rc;
    double *m = realloc(f->mean, f->names.n * sizeof *m);
    if (m) f->mean = m;
    double *s = m ? realloc(f->std, f->names.n * sizeof *s) : NULL;
    if (s) f->std = s;
    if (!m || !s) return seer_errorf(SEER_ENOMEM, "side features: out of memory");
    f->mean[*idx] = mean;
    f->std[*idx] = std;
    return SEER_OK;
}

// The features of one row: a number "col" standardised; a token "col=value" for each
// '|'-separated part of other text.
static int row_features(seer_side_features *f, entries *es, const seer_table *t,
                        const seer_row *row, uint32_t ent, long id, const int *numeric,
                        const double *mean, const double *std) {
    char name[SEER_ID_LEN_MAX + 1];
    int rc = SEER_OK;
    for (size_t j = 0; j < row->n && rc == SEER_OK; j++) {
        if ((long)j == id || seer_is_missing(row->field[j], row->len[j])) continue;
        const char *col = seer_table_colname(t, j);
        uint32_t k;
        if (numeric[j]) {
            double v = 0;
            seer_parse_number(row->field[j], row->len[j], &v);
            rc = feature(f, col, strlen(col), mean[j], std[j], &k);
            if (rc == SEER_OK) rc = push(es, ent, k, (float)((v - mean[j]) / std[j]));
            continue;
        }
        for (const char *p = row->field[j], *end = p + row->len[j]; p < end && rc == SEER_OK;) {
            const char *bar = memchr(p, '|', (size_t)(end - p));
            size_t len, n = (size_t)((bar ? bar : end) - p);
            const char *tok = seer_trim(p, n, &len);
            int w = len ? snprintf(name, sizeof name, "%s=%.*s", col, (int)len, tok) : 0;
            if (w > 0 && (size_t)w < sizeof name) rc = feature(f, name, (size_t)w, 0, 1, &k);
            if (w > 0 && (size_t)w < sizeof name && rc == SEER_OK) rc = push(es, ent, k, 1);
            p += n + 1;
        }
    }
    return rc;
}

// The CSR of f from the entries, by entity.
static int build_csr(seer_side_features *f, const entries *es, size_t rows) {
    f->rows = rows;
    f->off = calloc(rows + 1, sizeof *f->off);
    f->feat = malloc((es->n ? es->n : 1) * sizeof *f->feat);
    f->val = malloc((es->n ? es->n : 1) * sizeof *f->val);
    if (!f->off || !f->feat || !f->val)
        return seer_errorf(SEER_ENOMEM, "side features: out of memory");
    for (size_t i = 0; i < es->n; i++) f->off[es->e[i].row + 1]++;
    for (size_t r = 0; r < rows; r++) f->off[r + 1] += f->off[r];
    uint64_t *at = malloc((rows + 1) * sizeof *at);
    if (!at) return seer_errorf(SEER_ENOMEM, "side features: out of memory");
    memcpy(at, f->off, (rows + 1) * sizeof *at);
    for (size_t i = 0; i < es->n; i++) {
        uint64_t k = at[es->e[i].row]++;
        f->feat[k] = es->e[i].feat;
        f->val[k] = es->e[i].val;
    }
    free(at);
    return SEER_OK;
}

static int read_rows(seer_side_features *f, seer_table *t, long id, const seer_idmap *map,
                     size_t *unknown) {
    size_t nc = seer_table_ncols(t);
    int *numeric = calloc(nc, sizeof *numeric);
    double *mean = calloc(nc, sizeof *mean), *std = calloc(nc, sizeof *std);
    entries es = {0};
    int rc = numeric && mean && std ? scan(t, id, numeric, mean, std)
                                    : seer_errorf(SEER_ENOMEM, "side features: out of memory");
    if (rc == SEER_OK) rc = seer_table_rewind(t);
    seer_row row;
    while (rc == SEER_OK && (rc = seer_table_next(t, &row)) > 0) {
        size_t len;
        const char *s = seer_trim(row.field[id], row.len[id], &len);
        long ent = seer_idmap_find(map, s, len);
        rc = SEER_OK;
        if (ent < 0) (*unknown)++;
        else rc = row_features(f, &es, t, &row, (uint32_t)ent, id, numeric, mean, std);
    }
    if (rc == SEER_OK) rc = build_csr(f, &es, map->n);
    free(es.e);
    free(numeric);
    free(mean);
    free(std);
    return rc;
}

int seer_side_features_read(seer_side_features *out, const char *path, const char *id_col,
                            const seer_idmap *map, size_t *unknown) {
    memset(out, 0, sizeof *out);
    *unknown = 0;
    seer_table *t;
    int rc = seer_table_open(&t, path, NULL);
    if (rc != SEER_OK) return rc;
    long id = id_col ? seer_table_find(t, id_col) : 0;
    if (id < 0) rc = seer_errorf(SEER_EINVAL, "%s: no column '%s' for the ids", path, id_col);
    if (rc == SEER_OK) rc = read_rows(out, t, id, map, unknown);
    seer_table_close(t);
    if (rc != SEER_OK) seer_side_features_free(out);
    return rc;
}

size_t seer_side_features_encode(const seer_side_features *f, const char *const *names,
                                 const char *const *values, size_t n_pairs, uint32_t *feat,
                                 float *val, size_t cap) {
    char name[SEER_ID_LEN_MAX + 1];
    size_t n = 0;
    for (size_t i = 0; i < n_pairs && n < cap; i++) {
        double v;
        long k = seer_idmap_find(&f->names, names[i], strlen(names[i]));
        if (k >= 0 && seer_parse_number(values[i], strlen(values[i]), &v)) {
            feat[n] = (uint32_t)k;
            val[n++] = (float)((v - f->mean[k]) / f->std[k]);
            continue;
        }
        int w = snprintf(name, sizeof name, "%s=%s", names[i], values[i]);
        k = w > 0 && (size_t)w < sizeof name ? seer_idmap_find(&f->names, name, (size_t)w) : -1;
        if (k < 0) continue;
        feat[n] = (uint32_t)k;
        val[n++] = 1;
    }
    return n;
}

void seer_side_features_free(seer_side_features *f) {
    free(f->off);
    free(f->feat);
    free(f->val);
    free(f->mean);
    free(f->std);
    seer_idmap_free(&f->names);
    memset(f, 0, sizeof *f);
}
