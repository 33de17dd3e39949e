// The log record of one online event (see event.h): written from the texts the request
// parser found for each column, read back into a row for the learner's transform.
// It parses no JSON; an old record (JSON text) goes to request.c's reader.
#include "serve/event.h"

#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/error.h"
#include "base/mem.h"
#include "serve/request.h"

// Appends a u32 length and the n bytes of s.
static void put_text(seer_text *out, const char *s, size_t n) {
    unsigned char le[4];
    seer_put_le32(le, (uint32_t)n);
    seer_text_add(out, le, 4);
    seer_text_add(out, s, n);
}

void seer_event_write(seer_text *out, const seer_transform *t, char *const *field,
                      const size_t *len) {
    unsigned char kind = SEER_EVENT_VALUES, le[4];
    size_t n = 0;
    for (size_t j = 0; j < t->n_cols; j++) {
        seer_col_kind k = t->col[j].kind;
        n += k != SEER_COL_LABEL && k != SEER_COL_IGNORED && len[j] > 0;
    }
    seer_text_add(out, &kind, 1);
    if (t->label_col >= 0) put_text(out, field[t->label_col], len[t->label_col]);
    else put_text(out, "", 0);
    seer_put_le32(le, (uint32_t)n);
    seer_text_add(out, le, 4);
    for (size_t j = 0; j < t->n_cols; j++) {
        seer_col_kind k = t->col[j].kind;
        if (k == SEER_COL_LABEL || k == SEER_COL_IGNORED || len[j] == 0) continue;
        put_text(out, t->col[j].name, strlen(t->col[j].name));
        put_text(out, field[j], len[j]);
    }
}

void seer_event_reader_free(seer_event_reader *r) {
    SEER_FREE_ALL(r->map, r->field, r->len, r->at, r->values.s);
    memset(r, 0, sizeof *r);
}

// Room for n columns; SEER_ENOMEM.
static int reserve(seer_event_reader *r, size_t n) {
    if (n <= r->cap_cols) return SEER_OK;
    long *map = realloc(r->map, n * sizeof *map);
    if (map) r->map = map;
    char **field = realloc(r->field, n * sizeof *field);
    if (field) r->field = field;
    size_t *len = realloc(r->len, n * sizeof *len);
    if (len) r->len = len;
    size_t *at = realloc(r->at, n * sizeof *at);
    if (at) r->at = at;
    if (!map || !field || !len || !at)
        return seer_errorf(SEER_ENOMEM, "out of memory reading an event");
    r->cap_cols = n;
    return SEER_OK;
}

// The next u32-long text of rec[0..n) at *off into *s, *len; SEER_EDATA past the end.
static int get_text(const char *rec, size_t n, size_t *off, const char **s, size_t *len) {
    if (n - *off < 4) return seer_errorf(SEER_EDATA, "the event record ends at byte %zu", *off);
    *len = seer_get_le32(rec + *off);
    *off += 4;
    if (n - *off < *len)
        return seer_errorf(SEER_EDATA, "the event record ends inside a text at byte %zu", *off);
    *s = rec + *off;
    *off += *len;
    return SEER_OK;
}

// The column of t named name[0..n), trying hint first (records list columns in order).
static long column_of(const seer_transform *t, const char *name, size_t n, size_t hint) {
    for (size_t k = 0; k < t->n_cols; k++) {
        size_t j = (hint + k) % t->n_cols;
        const char *c = t->col[j].name;
        if (strlen(c) == n && memcmp(c, name, n) == 0) return (long)j;
    }
    return -1;
}

// Copies a text with its NUL into r->values for column j.
static void keep(seer_event_reader *r, long j, const char *s, size_t n) {
    r->at[j] = r->values.n;
    r->len[j] = n;
    seer_text_add(&r->values, s, n);
    seer_text_add(&r->values, "", 1);
}

// Reads the texts of a record of values into r's fields for t's columns.
static int read_values(seer_event_reader *r, const seer_transform *t, const char *rec,
                       size_t n) {
    size_t off = 1, len = 0, count;
    const char *s = NULL;
    r->values.n = 0;
    r->values.failed = 0;   // a failed allocation spoils one record, not the ones after it
    int rc = get_text(rec, n, &off, &s, &len);
    if (rc == SEER_OK && t->label_col >= 0) keep(r, t->label_col, s, len);
    if (rc == SEER_OK && n - off < 4)
        rc = seer_errorf(SEER_EDATA, "the event record ends at byte %zu", off);
    if (rc != SEER_OK) return rc;
    count = seer_get_le32(rec + off);
    off += 4;
    size_t hint = 0;
    for (size_t i = 0; i < count && rc == SEER_OK; i++) {
        const char *name = NULL, *value = NULL;
        size_t name_len = 0, value_len = 0;
        rc = get_text(rec, n, &off, &name, &name_len);
        if (rc == SEER_OK) rc = get_text(rec, n, &off, &value, &value_len);
        long j = rc == SEER_OK ? column_of(t, name, name_len, hint) : -1;
        // A column the learner's model does not have (after a reload) is left out.
        if (j < 0 || t->col[j].kind == SEER_COL_LABEL || t->col[j].kind == SEER_COL_IGNORED)
            continue;
        keep(r, j, value, value_len);
        hint = (size_t)j + 1;
    }
    if (rc == SEER_OK && off != n)
        rc = seer_errorf(SEER_EDATA, "the event record has extra bytes after byte %zu", off);
    if (rc == SEER_OK && r->values.failed)
        rc = seer_errorf(SEER_ENOMEM, "out of memory reading an event");
    return rc;
}

int seer_event_encode(seer_event_reader *r, const seer_transform *t, const char *rec, size_t n,
                      uint32_t *ids, float *dense, float *y) {
    if (n == 0 || rec[0] != SEER_EVENT_VALUES)
        return seer_request_encode_row(t, rec, n, 1, ids, dense, y);
    int rc = reserve(r, t->n_cols ? t->n_cols : 1);
    if (rc != SEER_OK) return rc;
    for (size_t j = 0; j < t->n_cols; j++) {
        r->map[j] = (long)j;
        r->len[j] = 0;
        r->at[j] = SIZE_MAX;
    }
    rc = read_values(r, t, rec, n);
    if (rc != SEER_OK) return rc;
    for (size_t j = 0; j < t->n_cols; j++)
        r->field[j] = r->at[j] == SIZE_MAX ? "" : r->values.s + r->at[j];
    seer_row row = {t->n_cols, r->field, r->len, 0};
    rc = seer_transform_row(t, r->map, &row, "", ids, dense, y);
    return rc == SEER_OK ? rc : seer_request_transform_error("");
}

void seer_event_seq_write(seer_text *out, const char *user, size_t user_len, const char *item,
                          size_t item_len) {
    unsigned char kind = SEER_EVENT_SEQ;
    seer_text_add(out, &kind, 1);
    put_text(out, user, user_len);
    put_text(out, item, item_len);
}

int seer_event_seq_read(const char *rec, size_t n, char *buf, const char **user,
                        const char **item) {
    if (n < 1 || (unsigned char)rec[0] != SEER_EVENT_SEQ)
        return seer_errorf(SEER_EDATA, "the record is no sequence event (byte 0)");
    size_t off = 1, len[2] = {0, 0};
    const char *s[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        int rc = get_text(rec, n, &off, &s[i], &len[i]);
        if (rc != SEER_OK) return rc;
        if (len[i] == 0 || memchr(s[i], 0, len[i]))
            return seer_errorf(SEER_EDATA, "the sequence event's %s id at byte %zu is empty or "
                               "holds a NUL", i ? "item" : "user", off - len[i]);
    }
    if (off != n) return seer_errorf(SEER_EDATA, "bytes after the sequence event at byte %zu", off);
    memcpy(buf, s[0], len[0]);
    buf[len[0]] = '\0';
    memcpy(buf + len[0] + 1, s[1], len[1]);
    buf[len[0] + 1 + len[1]] = '\0';
    *user = buf;
    *item = buf + len[0] + 1;
    return SEER_OK;
}
