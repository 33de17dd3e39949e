// The `--format seq` reader (sequences.h): lines split on spaces and tabs, the first token
// the user, every other an item; ids through the maps; a bad line named path:line:column.
#include "data/sequences.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "data/lines.h"
#include "data/table.h"

static int push(seer_interactions *x, uint32_t user, uint32_t item) {
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 4096;
        uint32_t *u = realloc(x->user, cap * sizeof *u);
        if (u) x->user = u;
        uint32_t *i = u ? realloc(x->item, cap * sizeof *i) : NULL;
        if (i) x->item = i;
        double *t = i ? realloc(x->time, cap * sizeof *t) : NULL;
        if (t) x->time = t;
        if (!t) return seer_errorf(SEER_ENOMEM, "sequences: out of memory at %zu", x->n);
        x->cap = cap;
    }
    x->user[x->n] = user;
    x->item[x->n] = item;
    x->time[x->n] = (double)x->n;
    x->n++;
    return SEER_OK;
}

// One line's tokens: the user, then its items. SEER_EDATA naming the column.
static int parse_line(seer_interactions *x, const char *s, size_t n, const char *path,
                      size_t line, seer_idmap *users, seer_idmap *items) {
    size_t at = 0, tokens = 0, n0 = x->n;
    uint32_t user = 0;
    int rc = SEER_OK;
    while (rc == SEER_OK) {
        while (at < n && (s[at] == ' ' || s[at] == '\t')) at++;
        if (at >= n) break;
        size_t end = at;
        while (end < n && s[end] != ' ' && s[end] != '\t') end++;
        uint32_t idx;
        rc = seer_idmap_add(tokens ? items : users, s + at, end - at, &idx, NULL);
        if (rc == SEER_EDATA)
            rc = seer_errorf(SEER_EDATA, "%s:%zu:%zu: %s: %s", path, line, at + 1,
                             tokens ? "item" : "user", seer_error_message());
        else if (rc == SEER_OK && tokens) rc = push(x, user, idx);
        user = tokens ? user : idx;
        tokens++;
        at = end;
    }
    if (rc == SEER_OK && tokens == 1)
        rc = seer_errorf(SEER_EDATA, "%s:%zu:%zu: user '%.*s' has no item (a line is \"user "
                         "item item ...\")", path, line, n + 1, (int)(n > 64 ? 64 : n), s);
    if (rc != SEER_OK) x->n = n0;
    return rc;
}

int seer_sequences_read_source(seer_interactions *out, seer_source *src, int skip_bad_rows,
                               seer_idmap *users, seer_idmap *items) {
    memset(out, 0, sizeof *out);
    const char *path = seer_source_path(src);
    seer_lines r;
    int rc = seer_lines_init(&r, src);
    if (rc != SEER_OK) return rc;
    char *s = NULL;
    size_t n = 0;
    while ((rc = seer_lines_next(&r, &s, &n)) == 1) {
        rc = parse_line(out, s, n, path, r.line, users, items);
        if (rc == SEER_EDATA && skip_bad_rows) {
            if (!out->skipped++)
                snprintf(out->first_bad, sizeof out->first_bad, "%s", seer_error_message());
            rc = SEER_OK;
        }
        if (rc != SEER_OK) break;
    }
    seer_lines_free(&r);
    if (rc == SEER_OK && out->n == 0) rc = seer_errorf(SEER_EDATA, "%s: no sequences", path);
    if (rc != SEER_OK) seer_interactions_free(out);
    return rc;
}

int seer_sequences_read(seer_interactions *out, const char *path, int skip_bad_rows,
                        seer_idmap *users, seer_idmap *items) {
    seer_source *src;
    memset(out, 0, sizeof *out);
    int rc = seer_source_open(&src, path);
    if (rc != SEER_OK) return rc;
    rc = seer_sequences_read_source(out, src, skip_bad_rows, users, items);
    seer_source_close(src);
    return rc;
}

int seer_sequences_csr(const seer_interactions *x, size_t n_users, uint64_t **off,
                       uint32_t **items) {
    *off = calloc(n_users + 1, sizeof **off);
    *items = malloc((x->n ? x->n : 1) * sizeof **items);
    uint64_t *at = malloc((n_users ? n_users : 1) * sizeof *at);
    if (!*off || !*items || !at) {
        free(*off);
        free(*items);
        free(at);
        *off = NULL;
        *items = NULL;
        return seer_errorf(SEER_ENOMEM, "sequences: out of memory for %zu users", n_users);
    }
    for (size_t i = 0; i < x->n; i++) (*off)[x->user[i] + 1]++;
    for (size_t u = 0; u < n_users; u++) (*off)[u + 1] += (*off)[u];
    memcpy(at, *off, n_users * sizeof *at);
    for (size_t i = 0; i < x->n; i++) (*items)[at[x->user[i]]++] = x->item[i];
    free(at);
    return SEER_OK;
}
