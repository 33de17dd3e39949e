// Reading interaction logs (see interactions.h): CSV/TSV through table.c, the MovieLens
// layouts with their own line splitter over data/source.c. Ids go through the id maps as
// they come; a bad line is recorded as "path:line:column: what".
#include "data/interactions.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/text.h"
#include "data/lines.h"
#include "data/sequences.h"
#include "data/source.h"
#include "data/table.h"

// One parsed interaction's fields, before the maps.
typedef struct {
    const char *f[4];     // user, item, rating, time
    size_t len[4];
    size_t col[4];        // 1-based byte column of each field
    int has[4];
} ifields;

enum { F_USER, F_ITEM, F_RATING, F_TIME };
static const char *const field_names[] = {"user", "item", "rating", "time"};

static int grow(seer_interactions *x, int rating, int time) {
    if (x->n < x->cap) return SEER_OK;
    size_t cap = x->cap ? x->cap * 2 : 4096;
    uint32_t *u = realloc(x->user, cap * sizeof *u);
    if (u) x->user = u;
    uint32_t *i = u ? realloc(x->item, cap * sizeof *i) : NULL;
    if (i) x->item = i;
    float *r = i && rating ? realloc(x->rating, cap * sizeof *r) : NULL;
    if (r) x->rating = r;
    double *t = i && time ? realloc(x->time, cap * sizeof *t) : NULL;
    if (t) x->time = t;
    if (!u || !i || (rating && !r) || (time && !t))
        return seer_errorf(SEER_ENOMEM, "interactions: out of memory at %zu", x->n);
    x->cap = cap;
    return SEER_OK;
}

// Adds one interaction; SEER_EDATA with "path:line:col: what" recorded for a bad field.
static int add(seer_interactions *x, const ifields *f, const char *path, size_t line,
               seer_idmap *users, seer_idmap *items) {
    double v[4] = {0, 0, 0, 0};
    for (int k = F_RATING; k <= F_TIME; k++)
        if (f->has[k] && !seer_parse_number(f->f[k], f->len[k], &v[k]))
            return seer_errorf(SEER_EDATA, "%s:%zu:%zu: %s '%.*s' is not a number", path, line,
                               f->col[k], field_names[k], (int)(f->len[k] > 64 ? 64 : f->len[k]),
                               f->f[k]);
    int rc = grow(x, f->has[F_RATING], f->has[F_TIME]);
    if (rc != SEER_OK) return rc;
    seer_idmap *maps[2] = {users, items};
    uint32_t *dst[2] = {&x->user[x->n], &x->item[x->n]};
    for (int k = F_USER; k <= F_ITEM; k++) {
        size_t len;
        const char *s = seer_trim(f->f[k], f->len[k], &len);
        rc = seer_idmap_add(maps[k], s, len, dst[k], NULL);
        if (rc == SEER_EDATA)
            return seer_errorf(SEER_EDATA, "%s:%zu:%zu: %s: %s", path, line, f->col[k],
                               field_names[k], seer_error_message());
        if (rc != SEER_OK) return rc;
    }
    if (f->has[F_RATING]) x->rating[x->n] = (float)v[F_RATING];
    if (f->has[F_TIME]) x->time[x->n] = v[F_TIME];
    x->n++;
    return SEER_OK;
}

// A bad line: skipped and counted with skip, else the error.
static int bad_line(seer_interactions *x, int rc, int skip) {
    if (rc != SEER_EDATA || !skip) return rc;
    if (!x->skipped) snprintf(x->first_bad, sizeof x->first_bad, "%s", seer_error_message());
    x->skipped++;
    return SEER_OK;
}

// Splits a MovieLens line into its four fields: "::" separated when sep2, else runs of
// tabs or spaces. SEER_EDATA naming the column for a missing or extra field.
static int split_movielens(ifields *f, char *s, size_t n, int sep2, const char *path,
                           size_t line) {
    size_t at = 0;
    for (int k = 0; k < 4; k++) {
        if (!sep2)
            while (at < n && (s[at] == ' ' || s[at] == '\t')) at++;
        if (at >= n)
            return seer_errorf(SEER_EDATA, "%s:%zu:%zu: expected 4 fields (user item rating "
                               "timestamp), found %d", path, line, at + 1, k);
        size_t end = at;
        while (end < n && (sep2 ? !(s[end] == ':' && end + 1 < n && s[end + 1] == ':')
                                : (s[end] != ' ' && s[end] != '\t')))
            end++;
        f->f[k] = s + at;
        f->len[k] = end - at;
        f->col[k] = at + 1;
        f->has[k] = 1;
        at = end + (end < n ? (sep2 ? 2 : 1) : 0);
    }
    if (!sep2)
        while (at < n && (s[at] == ' ' || s[at] == '\t')) at++;
    if (at < n)
        return seer_errorf(SEER_EDATA, "%s:%zu:%zu: more than 4 fields (user item rating "
                           "timestamp)", path, line, at + 1);
    return SEER_OK;
}

static int read_movielens(seer_interactions *x, seer_source *src,
                          const seer_interactions_options *o, seer_idmap *users,
                          seer_idmap *items) {
    seer_lines r;
    int rc = seer_lines_init(&r, src), sep2 = -1;
    if (rc != SEER_OK) return rc;
    const char *path = seer_source_path(src);
    char *s = NULL;
    size_t n = 0;
    while ((rc = seer_lines_next(&r, &s, &n)) == 1) {
        size_t line = r.line;
        if (n == 0) continue;
        if (sep2 < 0) sep2 = n > 1 && strstr(s, "::") && (size_t)(strstr(s, "::") - s) < n;
        ifields f;
        memset(&f, 0, sizeof f);
        rc = split_movielens(&f, s, n, sep2, path, line);
        if (rc == SEER_OK) rc = add(x, &f, path, line, users, items);
        if ((rc = bad_line(x, rc, o->skip_bad_rows)) != SEER_OK) break;
    }
    seer_lines_free(&r);
    return rc < 0 ? rc : SEER_OK;
}

// The table's column named name for field k, or SEER_EINVAL naming it and the columns.
static int find_col(const seer_table *t, const char *name, const char *opt, long *out) {
    *out = seer_table_find(t, name);
    if (*out >= 0) return SEER_OK;
    seer_text cols = {0};
    for (size_t j = 0; j < seer_table_ncols(t); j++)
        seer_text_put(&cols, "%s%s", j ? ", " : "", seer_table_colname(t, j));
    int rc = seer_errorf(SEER_EINVAL, "%s: %s '%s' is no column of its header (%s)",
                         seer_table_path(t), opt, name, cols.s ? cols.s : "");
    free(cols.s);
    return rc;
}

static int read_csv(seer_interactions *x, seer_table *t, const seer_interactions_options *o,
                    seer_idmap *users, seer_idmap *items) {
    const char *names[4] = {o->user_col ? o->user_col : "user", o->item_col ? o->item_col : "item",
                            o->rating_col, o->time_col};
    static const char *const opts[4] = {"--user", "--item", "--rating", "--time"};
    long col[4] = {-1, -1, -1, -1};
    for (int k = 0; k < 4; k++) {
        int rc = names[k] ? find_col(t, names[k], opts[k], &col[k]) : SEER_OK;
        if (rc != SEER_OK) return rc;
    }
    seer_row row;
    int rc;
    // The table skips malformed rows itself (it was opened with skip_bad_rows), so an error
    // from it is one no row can be skipped past: a corrupt or truncated stream, which it
    // reports again on every call. (Skipping it as a row looped forever.)
    while ((rc = seer_table_next(t, &row)) != 0) {
        if (rc < 0) return rc;
        ifields f;
        memset(&f, 0, sizeof f);
        for (int k = 0; k < 4; k++) {
            if (col[k] < 0) continue;
            size_t c = 1;
            for (long j = 0; j < col[k]; j++) c += row.len[j] + 1;
            f.f[k] = row.field[col[k]];
            f.len[k] = row.len[col[k]];
            f.col[k] = c;
            f.has[k] = 1;
        }
        rc = add(x, &f, seer_table_path(t), row.line, users, items);
        if ((rc = bad_line(x, rc, o->skip_bad_rows)) != SEER_OK) return rc;
    }
    // The rows the table skipped count with the lines add refused.
    size_t table_bad = seer_table_bad_rows(t);
    const char *const *why;
    if (!x->skipped && table_bad && seer_table_bad_messages(t, &why))
        snprintf(x->first_bad, sizeof x->first_bad, "%s", why[0]);
    x->skipped += table_bad;
    return SEER_OK;
}

static int finish(seer_interactions *x, const char *path, int rc) {
    if (rc == SEER_OK && x->n == 0)
        rc = seer_errorf(SEER_EDATA, "%s: no interactions", path);
    if (rc != SEER_OK) seer_interactions_free(x);
    return rc;
}

static int read_any(seer_interactions *out, seer_source *src, const seer_interactions_options *o,
                    seer_idmap *users, seer_idmap *items) {
    memset(out, 0, sizeof *out);
    char path[512];
    snprintf(path, sizeof path, "%s", seer_source_path(src));
    int rc;
    if (o->format == SEER_FORMAT_MOVIELENS) {
        rc = read_movielens(out, src, o, users, items);
        seer_source_close(src);
        return finish(out, path, rc);
    }
    if (o->format == SEER_FORMAT_SEQ) {  // data/sequences.c
        rc = seer_sequences_read_source(out, src, o->skip_bad_rows, users, items);
        seer_source_close(src);
        return rc;
    }
    if (o->format != SEER_FORMAT_AUTO && o->format != SEER_FORMAT_CSV &&
        o->format != SEER_FORMAT_TSV) {
        seer_source_close(src);
        return seer_errorf(SEER_EINVAL, "%s: an interaction log is csv, tsv, movielens or seq, "
                           "not %s", path, seer_format_names[o->format]);
    }
    seer_source_close(src);
    seer_table *t;
    seer_table_options to = {o->format, o->skip_bad_rows};
    rc = seer_table_open(&t, path, &to);
    if (rc != SEER_OK) return rc;
    rc = read_csv(out, t, o, users, items);
    seer_table_close(t);
    return finish(out, path, rc);
}

int seer_interactions_read(seer_interactions *out, const char *path,
                           const seer_interactions_options *o, seer_idmap *users,
                           seer_idmap *items) {
    seer_source *src;
    memset(out, 0, sizeof *out);
    int rc = seer_source_open(&src, path);
    return rc != SEER_OK ? rc : read_any(out, src, o, users, items);
}

int seer_interactions_read_memory(seer_interactions *out, const void *data, size_t n,
                                  const char *name, const seer_interactions_options *o,
                                  seer_idmap *users, seer_idmap *items) {
    memset(out, 0, sizeof *out);
    if (o->format != SEER_FORMAT_MOVIELENS && o->format != SEER_FORMAT_SEQ) {
        seer_table *t;
        seer_table_options to = {o->format, o->skip_bad_rows};
        int rc = seer_table_open_memory(&t, data, n, name, 0, &to);
        if (rc != SEER_OK) return rc;
        rc = read_csv(out, t, o, users, items);
        seer_table_close(t);
        return finish(out, name, rc);
    }
    seer_source *src;
    int rc = seer_source_open_memory(&src, data, n, name, 0);
    return rc != SEER_OK ? rc : read_any(out, src, o, users, items);
}

void seer_interactions_free(seer_interactions *x) {
    free(x->user);
    free(x->item);
    free(x->rating);
    free(x->time);
    memset(x, 0, sizeof *x);
}

typedef struct {
    double t;
    uint64_t i;
} timed;

// By time, ties by file order (a stable sort of the user's interactions).
static int by_time(const void *a, const void *b) {
    const timed *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

// Sorts each user's run of idx by time; tmp holds the longest run.
static void sort_runs(uint64_t *idx, const uint64_t *off, size_t n_users, const double *time,
                      timed *tmp) {
    for (size_t u = 0; u < n_users; u++) {
        size_t n = (size_t)(off[u + 1] - off[u]);
        uint64_t *run = idx + off[u];
        for (size_t k = 0; k < n; k++) tmp[k] = (timed){time[run[k]], run[k]};
        qsort(tmp, n, sizeof *tmp, by_time);
        for (size_t k = 0; k < n; k++) run[k] = tmp[k].i;
    }
}

int seer_interactions_by_user(const seer_interactions *x, size_t n_users, uint64_t **off,
                              uint64_t **idx) {
    *off = calloc(n_users + 1, sizeof **off);
    *idx = malloc((x->n ? x->n : 1) * sizeof **idx);
    uint64_t *at = malloc((n_users + 1) * sizeof *at);
    timed *tmp = x->time ? malloc((x->n ? x->n : 1) * sizeof *tmp) : NULL;
    if (!*off || !*idx || !at || (x->time && !tmp)) {
        free(*off);
        free(*idx);
        free(at);
        free(tmp);
        *off = *idx = NULL;
        return seer_errorf(SEER_ENOMEM, "interactions: out of memory");
    }
    for (size_t i = 0; i < x->n; i++) (*off)[x->user[i] + 1]++;
    for (size_t u = 0; u < n_users; u++) (*off)[u + 1] += (*off)[u];
    memcpy(at, *off, (n_users + 1) * sizeof *at);
    for (size_t i = 0; i < x->n; i++) (*idx)[at[x->user[i]]++] = i;
    if (x->time) sort_runs(*idx, *off, n_users, x->time, tmp);
    free(at);
    free(tmp);
    return SEER_OK;
}
