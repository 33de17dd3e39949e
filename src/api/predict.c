// The scores of a data file written as text (seer predict), to a file atomically or to
// stdout (seer.h: seer_predict_file, seer_predict_write): one line per input row, or CSV or
// JSON lines with each row's id beside its score.
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/text.h"
#include "train/predict.h"

const char *const seer_scores_format_names[] = {"text", "csv", "jsonl", NULL};

// The ids of the rows read and not yet written: their text one after another, NUL-ended;
// a row without one (skipped by the reader) has none (has[i] 0). Emptied at each batch.
typedef struct {
    char *text;
    size_t len, cap;
    size_t *at;          // (rows) where each id starts in text
    unsigned char *has;  // (rows)
    size_t rows, at_cap, has_cap;
} id_queue;

typedef struct {
    FILE *f;
    const char *name;   // for messages: the -o path, or "stdout"
    seer_scores_format layout;
    long id_col;        // -1: no id
    id_queue q;
} score_out;

static int grow(void **p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return SEER_OK;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *n = realloc(*p, c * size);
    if (!n) return seer_errorf(SEER_ENOMEM, "out of memory holding row ids");
    *p = n;
    *cap = c;
    return SEER_OK;
}

// A row as read: its id into the queue.
static int take_id(void *ctx, const seer_row *row) {
    score_out *o = ctx;
    id_queue *q = &o->q;
    int rc = grow((void **)&q->at, &q->at_cap, q->rows + 1, sizeof *q->at);
    if (rc == SEER_OK) rc = grow((void **)&q->has, &q->has_cap, q->rows + 1, 1);
    if (rc != SEER_OK) return rc;
    int has = row && (size_t)o->id_col < row->n;
    size_t n = has ? row->len[o->id_col] : 0;
    rc = grow((void **)&q->text, &q->cap, q->len + n + 1, 1);
    if (rc != SEER_OK) return rc;
    if (has) memcpy(q->text + q->len, row->field[o->id_col], n);
    q->text[q->len + n] = '\0';
    q->at[q->rows] = q->len;
    q->has[q->rows++] = (unsigned char)has;
    q->len += n + 1;
    return SEER_OK;
}

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

// Row i of a batch in the chosen layout; its id is q's row i when there is an id.
static void write_row(score_out *o, size_t i, float p) {
    const char *id = o->id_col >= 0 && o->q.has[i] ? o->q.text + o->q.at[i] : NULL;
    if (o->layout == SEER_SCORES_JSONL) {
        fputc('{', o->f);
        if (o->id_col >= 0) {
            fputs("\"id\":", o->f);
            if (id) json_string(o->f, id);
            else fputs("null", o->f);
            fputc(',', o->f);
        }
        if (isnan(p)) fputs("\"score\":null}\n", o->f);
        else fprintf(o->f, "\"score\":%.7g}\n", (double)p);
        return;
    }
    if (o->id_col >= 0) {
        if (id) seer_csv_field_write(o->f, id);
        fputc(',', o->f);
    }
    if (isnan(p)) fputc('\n', o->f);
    else fprintf(o->f, "%.7g\n", (double)p);
}

// One line per input row; a skipped row's score is empty (null), so the lines still line up.
static int write_scores(void *ctx, const float *p, const float *y, size_t n) {
    score_out *o = ctx;
    for (size_t i = 0; i < n; i++) write_row(o, i, p[i]);
    o->q.rows = o->q.len = 0;
    if (ferror(o->f))
        return seer_errorf(SEER_EIO, "%s: writing scores failed: %s", o->name, strerror(errno));
    return SEER_OK;
}

// The id column of the open table, or SEER_EINVAL naming it.
static int find_id(seer_table *tab, const char *name, long *col) {
    *col = -1;
    if (!name) return SEER_OK;
    *col = seer_table_find(tab, name);
    if (*col < 0)
        return seer_errorf(SEER_EINVAL, "--id: %s has no column '%s'", seer_table_path(tab),
                           name);
    return SEER_OK;
}

static int check_options(const seer_predict_options *o) {
    if ((unsigned)o->layout > SEER_SCORES_JSONL)
        return seer_errorf(SEER_EINVAL, "seer_predict_write: unknown layout %d", (int)o->layout);
    if (o->id_column && o->layout == SEER_SCORES_TEXT)
        return seer_errorf(SEER_EINVAL, "seer_predict_write: an id column needs the csv or "
                           "jsonl layout");
    return SEER_OK;
}

int seer_predict_write(seer_model *m, const char *data, const seer_predict_options *o,
                       size_t *skipped) {
    if (!m || !data || !o || !skipped)
        return seer_errorf(SEER_EINVAL, "seer_predict_write: a NULL argument");
    int rc = check_options(o);
    if (rc != SEER_OK) return rc;
    seer_table_options topt = {o->format, o->skip_bad_rows};
    seer_table *tab = NULL;
    seer_atomic_file af = {0};
    score_out so = {o->out ? NULL : stdout, o->out ? o->out : "stdout", o->layout, -1, {0}};
    rc = seer_table_open(&tab, data, &topt);
    if (rc == SEER_OK) rc = find_id(tab, o->id_column, &so.id_col);
    if (rc == SEER_OK && o->out) rc = seer_atomic_open(&af, o->out);
    if (rc == SEER_OK && o->out) so.f = af.f;
    *skipped = 0;
    if (rc == SEER_OK && o->layout == SEER_SCORES_CSV)
        fputs(so.id_col >= 0 ? "id,score\n" : "score\n", so.f);
    if (rc == SEER_OK)
        rc = seer_predict_table_rows(m, tab, 0, o->skip_bad_rows ? SEER_SKIP_HOLD : 0, skipped,
                                     so.id_col >= 0 ? take_id : NULL, write_scores, &so);
    if (o->out && af.f) {
        if (rc == SEER_OK) rc = seer_atomic_commit(&af);
        else seer_atomic_abort(&af);
    }
    if (tab) seer_table_close(tab);
    free(so.q.text);
    free(so.q.at);
    free(so.q.has);
    return rc;
}

int seer_predict_file(seer_model *m, const char *data, seer_format format, int skip_bad_rows,
                      const char *out, size_t *skipped) {
    seer_predict_options o = {format, skip_bad_rows, out, NULL, SEER_SCORES_TEXT};
    return seer_predict_write(m, data, &o, skipped);
}
