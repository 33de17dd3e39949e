// Rows held in memory, by column name, and their scores (seer.h: seer_rows).
//
// A row keeps the text of each value, as a file's row would, and scoring hands every row to
// seer_transform_row, the encoder of seer predict, in chunks of the model's batch_cap (the
// chunks of seer predict), so that the same texts give the same scores to the bit. Numbers
// become text by seer_number_text, the server's spelling of a JSON number.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/mem.h"
#include "base/text.h"
#include "io/model.h"

#define MISSING SIZE_MAX

struct seer_rows {
    const seer_model *m;
    size_t n_cols;      // of the model's transform
    size_t n, cap;      // rows, and rows of room in at
    size_t *at;         // (cap, n_cols) where each value's text starts in text, or MISSING
    seer_text text;     // the values' texts, each ending with its NUL
    // Scoring's buffers, sized for the model once, so that scoring allocates nothing: the
    // column map, one row's fields, and the inputs of a chunk of batch_cap rows.
    long *map;          // (n_cols) column j is field j; the label is not read (-1)
    char **field;       // (n_cols)
    size_t *len;        // (n_cols)
    uint32_t *ids;      // (batch_cap, n_slots)
    float *dense;       // (batch_cap, n_dense)
};

void seer_rows_free(seer_rows *r) {
    if (!r) return;
    SEER_FREE_ALL(r->at, r->text.s, r->map, r->field, r->len, r->ids, r->dense);
    free(r);
}

int seer_rows_new(seer_rows **out, const seer_model *m) {
    if (!out || !m) return seer_errorf(SEER_EINVAL, "seer_rows_new: a NULL argument");
    seer_rows *r = calloc(1, sizeof *r);
    if (!r) return seer_errorf(SEER_ENOMEM, "out of memory for rows");
    const seer_transform *t = &m->tf;
    size_t nc = t->n_cols, cap = m->net.cfg.batch_cap;
    r->m = m;
    r->n_cols = nc;
    r->map = malloc((nc + 1) * sizeof *r->map);
    r->field = malloc((nc + 1) * sizeof *r->field);
    r->len = malloc((nc + 1) * sizeof *r->len);
    r->ids = malloc((cap * t->n_slots + 1) * sizeof *r->ids);
    r->dense = malloc((cap * t->n_dense + 1) * sizeof *r->dense);
    if (!r->map || !r->field || !r->len || !r->ids || !r->dense) {
        seer_rows_free(r);
        return seer_errorf(SEER_ENOMEM, "out of memory for rows");
    }
    for (size_t j = 0; j < nc; j++) r->map[j] = (long)j == t->label_col ? -1 : (long)j;
    *out = r;
    return SEER_OK;
}

int seer_rows_add(seer_rows *r) {
    if (!r) return seer_errorf(SEER_EINVAL, "seer_rows_add: a NULL argument");
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        size_t *at = realloc(r->at, cap * (r->n_cols ? r->n_cols : 1) * sizeof *at);
        if (!at) return seer_errorf(SEER_ENOMEM, "out of memory for %zu rows", cap);
        r->at = at;
        r->cap = cap;
    }
    for (size_t j = 0; j < r->n_cols; j++) r->at[r->n * r->n_cols + j] = MISSING;
    r->n++;
    return SEER_OK;
}

size_t seer_rows_count(const seer_rows *r) { return r ? r->n : 0; }

void seer_rows_clear(seer_rows *r) {
    if (!r) return;
    r->n = 0;
    r->text.n = 0;
    r->text.failed = 0;   // a value that once found no memory does not spoil the next rows
}

int seer_rows_set_string(seer_rows *r, const char *column, const char *value) {
    if (!r || !column || !value)
        return seer_errorf(SEER_EINVAL, "seer_rows_set: a NULL argument");
    if (!r->n) return seer_errorf(SEER_EINVAL, "rows: '%s' set before seer_rows_add", column);
    const seer_transform *t = &r->m->tf;
    size_t j = 0;
    while (j < t->n_cols && strcmp(t->col[j].name, column) != 0) j++;
    if (j == t->n_cols)
        return seer_errorf(SEER_EINVAL, "rows: no column named '%s' in the model "
                           "(seer_model_input lists its columns)", column);
    size_t at = r->text.n;
    seer_text_add(&r->text, value, strlen(value) + 1);
    if (r->text.failed) return seer_errorf(SEER_ENOMEM, "out of memory for the rows' values");
    r->at[(r->n - 1) * r->n_cols + j] = at;
    return SEER_OK;
}

int seer_rows_set_number(seer_rows *r, const char *column, double value) {
    char text[SEER_NUMBER_TEXT];
    seer_number_text(text, value);
    return seer_rows_set_string(r, column, text);
}

// Row i as a file row: value texts, "" where missing (a missing value in a file too).
static void as_row(const seer_rows *r, size_t i, char **field, size_t *len) {
    static char empty[1] = "";
    for (size_t j = 0; j < r->n_cols; j++) {
        size_t at = r->at[i * r->n_cols + j];
        field[j] = at == MISSING ? empty : r->text.s + at;
        len[j] = strlen(field[j]);
    }
}

int seer_model_score(seer_model *m, const seer_rows *rows, float *out) {
    if (!m || !rows || !out) return seer_errorf(SEER_EINVAL, "seer_model_score: a NULL argument");
    if (rows->m != m || rows->n_cols != m->tf.n_cols)
        return seer_errorf(SEER_EINVAL, "seer_model_score: rows of another model");
    const seer_transform *t = &m->tf;
    size_t cap = m->net.cfg.batch_cap, S = t->n_slots, nd = t->n_dense, nc = t->n_cols;
    char **field = rows->field;
    size_t *len = rows->len;
    uint32_t *ids = rows->ids;
    float *dense = rows->dense, y;
    int rc = SEER_OK;
    for (size_t i0 = 0; rc == SEER_OK && i0 < rows->n; i0 += cap) {
        size_t b = rows->n - i0 < cap ? rows->n - i0 : cap;
        for (size_t i = 0; rc == SEER_OK && i < b; i++) {
            as_row(rows, i0 + i, field, len);
            seer_row row = {nc, field, len, i0 + i + 1};
            rc = seer_transform_row(t, rows->map, &row, "rows", ids + i * S, dense + i * nd,
                                    &y);
        }
        if (rc == SEER_OK) seer_net_predict(&m->net, ids, dense, b, out + i0);
    }
    return rc;
}
