// Reading a transaction or event log into memory (log.h says what is kept and why).
#include "value/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"
#include "base/text.h"
#include "data/lines.h"
#include "data/source.h"

#define MAX_FIELDS 256


// Splits s[0, len) at sep (' ': runs of spaces and tabs, the ends ignored) into fields trimmed
// of spaces; returns their count (at most MAX_FIELDS + 1, meaning too many).
static size_t split(const char *s, size_t len, char sep, const char **f, size_t *flen) {
    size_t n = 0, i = 0;
    if (sep == ' ') {
        while (n <= MAX_FIELDS) {
            while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
            if (i == len) break;
            size_t b = i;
            while (i < len && s[i] != ' ' && s[i] != '\t') i++;
            if (n < MAX_FIELDS) f[n] = s + b, flen[n] = i - b;
            n++;
        }
        return n;
    }
    for (size_t b = 0; n <= MAX_FIELDS; i++) {
        if (i < len && s[i] != sep) continue;
        if (n < MAX_FIELDS) f[n] = seer_trim(s + b, i - b, &flen[n]);
        n++;
        b = i + 1;
        if (i >= len) break;
    }
    return n;
}

static char *copy(const char *s, size_t n) {
    char *c = malloc(n + 1);
    if (c) memcpy(c, s, n), c[n] = 0;
    return c;
}

static int grow_table(seer_value_log *log) {
    size_t n = log->n_slots ? 2 * log->n_slots : 1024;
    uint32_t *t = calloc(n, sizeof *t);
    if (!t) return SEER_ENOMEM;
    for (size_t i = 0; i < log->n_users; i++) {
        const char *u = log->user_names[i];
        size_t h = seer_hash_bytes(u, strlen(u), 0) & (n - 1);
        while (t[h]) h = (h + 1) & (n - 1);
        t[h] = (uint32_t)i + 1;
    }
    free(log->slots);
    log->slots = t;
    log->n_slots = n;
    return SEER_OK;
}

// The index of user s[0, n), added when new.
static int intern_user(seer_value_log *log, const char *s, size_t n, uint32_t *out) {
    if (2 * (log->n_users + 1) > log->n_slots && grow_table(log)) return SEER_ENOMEM;
    size_t h = seer_hash_bytes(s, n, 0) & (log->n_slots - 1);
    for (; log->slots[h]; h = (h + 1) & (log->n_slots - 1)) {
        const char *u = log->user_names[log->slots[h] - 1];
        if (strncmp(u, s, n) == 0 && strlen(u) == n) {   // u ends at its NUL, maybe before n
            *out = log->slots[h] - 1;
            return SEER_OK;
        }
    }
    if (log->n_users == UINT32_MAX - 1) return SEER_ENOMEM;
    if (log->n_users == log->users_cap) {
        size_t cap = log->users_cap ? 2 * log->users_cap : 1024;
        char **p = realloc(log->user_names, cap * sizeof *p);
        if (!p) return SEER_ENOMEM;
        log->user_names = p;
        log->users_cap = cap;
    }
    char *name = copy(s, n);
    if (!name) return SEER_ENOMEM;
    log->user_names[log->n_users] = name;
    log->slots[h] = (uint32_t)++log->n_users;
    *out = (uint32_t)log->n_users - 1;
    return SEER_OK;
}

// The event type of s[0, n): its index, -1 past the first SEER_VALUE_EVENTS_MAX; a new one is
// added only when add (a record on or before the cutoff).
static int intern_event(seer_value_log *log, const char *s, size_t n, int add, int8_t *out) {
    *out = -1;
    for (size_t i = 0; i < log->n_events; i++)
        // By length first: a name holding a NUL byte is shorter than its field, and reading
        // it at n ran past its end.
        if (strlen(log->event_names[i]) == n && memcmp(log->event_names[i], s, n) == 0) {
            *out = (int8_t)i;
            return SEER_OK;
        }
    if (!add || log->n_events == SEER_VALUE_EVENTS_MAX) return SEER_OK;
    if (!(log->event_names[log->n_events] = copy(s, n))) return SEER_ENOMEM;
    *out = (int8_t)log->n_events++;
    return SEER_OK;
}

static int grow_records(seer_value_log *log) {
    size_t cap = log->cap ? 2 * log->cap : 4096;
    uint32_t *u = realloc(log->user, cap * sizeof *u);
    if (u) log->user = u;
    int32_t *d = realloc(log->day, cap * sizeof *d);
    if (d) log->day = d;
    double *a = realloc(log->amount, cap * sizeof *a);
    if (a) log->amount = a;
    int8_t *e = realloc(log->event, cap * sizeof *e);
    if (e) log->event = e;
    if (!u || !d || !a || !e) return SEER_ENOMEM;
    log->cap = cap;
    return SEER_OK;
}

// Which field holds each role: user, time, amount, event (-1 when not asked for).
typedef struct {
    int user, time, amount, event;
    size_t n;
} roles;

// The field named name among names (n), or SEER_EINVAL naming the option and the columns.
static int find_column(const char *opt, const char *name, const char *const *names,
                       const size_t *lens, size_t n, const char *path, int *out) {
    *out = -1;
    if (!name) return SEER_OK;
    for (size_t i = 0; i < n; i++)
        if (strlen(name) == lens[i] && strncmp(name, names[i], lens[i]) == 0) {
            *out = (int)i;
            return SEER_OK;
        }
    seer_text t = {0};
    for (size_t i = 0; i < n; i++)
        seer_text_put(&t, "%s%.*s", i ? ", " : "", (int)lens[i], names[i]);
    int rc = seer_errorf(SEER_EINVAL, "%s '%s' is not a column of %s (its columns: %s)", opt, name,
                         path, t.s ? t.s : "none");
    free(t.s);
    return rc;
}

static int find_roles(const seer_value_options *o, const char *const *names, const size_t *lens,
                      size_t n, roles *r) {
    r->n = n;
    int rc = find_column("--user", o->user, names, lens, n, o->path, &r->user);
    if (!rc) rc = find_column("--time", o->time, names, lens, n, o->path, &r->time);
    if (!rc) rc = find_column("--amount", o->amount, names, lens, n, o->path, &r->amount);
    if (!rc) rc = find_column("--event", o->event, names, lens, n, o->path, &r->event);
    if (!rc && (r->user < 0 || r->time < 0))
        rc = seer_errorf(SEER_EINVAL, "--user and --time are required");
    return rc;
}

// The columns' roles from o->columns, or from the header (the first line).
static int read_roles(seer_lines *l, const seer_value_options *o, roles *r) {
    const char *f[MAX_FIELDS];
    size_t flen[MAX_FIELDS];
    if (o->columns) {
        if (o->n_columns > MAX_FIELDS)
            return seer_errorf(SEER_EINVAL, "--columns names more than %d columns", MAX_FIELDS);
        for (size_t i = 0; i < o->n_columns; i++) f[i] = o->columns[i], flen[i] = strlen(f[i]);
        return find_roles(o, f, flen, o->n_columns, r);
    }
    char *s;
    size_t len;
    int rc = seer_lines_next(l, &s, &len);
    if (rc == 0) return seer_errorf(SEER_EDATA, "%s: empty file", o->path);
    if (rc < 0) return rc;
    size_t n = split(s, len, o->sep, f, flen);
    if (n > MAX_FIELDS)
        return seer_errorf(SEER_EDATA, "%s:1: more than %d columns", o->path, MAX_FIELDS);
    return find_roles(o, f, flen, n, r);
}

// A number from 0 to SEER_VALUE_AMOUNT_MAX from f[0, n), or SEER_EDATA at path:line:col.
static int parse_amount(const char *f, size_t n, const char *path, size_t line, size_t col,
                        double *out) {
    char tmp[64], *end;
    if (n == 0 || n >= sizeof tmp) end = tmp, tmp[0] = 1;
    else memcpy(tmp, f, n), tmp[n] = 0, *out = strtod(tmp, &end);
    if (*end || n == 0 || !(*out >= 0 && *out <= SEER_VALUE_AMOUNT_MAX))
        return seer_errorf(SEER_EDATA, "%s:%zu:%zu: amount '%.*s' is not a number from 0 to %g",
                           path, line, col, (int)(n > 40 ? 40 : n), f, SEER_VALUE_AMOUNT_MAX);
    return SEER_OK;
}

// One line's record appended to log.
static int add_record(seer_value_log *log, const seer_value_options *o, const roles *r,
                      const char *s, size_t len, size_t line) {
    const char *f[MAX_FIELDS];
    size_t flen[MAX_FIELDS];
    size_t n = split(s, len, o->sep, f, flen);
    if (n != r->n)
        return seer_errorf(SEER_EDATA, "%s:%zu: %zu fields where %zu columns are named", o->path,
                           line, n > MAX_FIELDS ? n - 1 : n, r->n);
    if (log->n == UINT32_MAX)  // users.c sorts records by a 32-bit index
        return seer_errorf(SEER_EDATA, "%s:%zu: more than %u records", o->path, line, UINT32_MAX);
    if (log->n == log->cap && grow_records(log)) return seer_errorf(SEER_ENOMEM, "out of memory");
    size_t i = log->n;
    int rc = seer_value_date_parse(f[r->time], flen[r->time], &log->day[i]);
    if (rc) {
        char why[160];
        snprintf(why, sizeof why, "%s", seer_error_message());
        return seer_errorf(SEER_EDATA, "%s:%zu:%zu: %s", o->path, line,
                           (size_t)(f[r->time] - s) + 1, why);
    }
    if (memchr(f[r->user], 0, flen[r->user]))   // ids are written out as text
        return seer_errorf(SEER_EDATA, "%s:%zu:%zu: the user id holds a NUL byte", o->path,
                           line, (size_t)(f[r->user] - s) + 1);
    if (flen[r->user] == 0)
        return seer_errorf(SEER_EDATA, "%s:%zu:%zu: empty user", o->path, line,
                           (size_t)(f[r->user] - s) + 1);
    log->amount[i] = 1;
    if (r->amount >= 0) {
        rc = parse_amount(f[r->amount], flen[r->amount], o->path, line,
                          (size_t)(f[r->amount] - s) + 1, &log->amount[i]);
        if (rc) return rc;
    }
    log->event[i] = -1;
    if (r->event >= 0 &&
        intern_event(log, f[r->event], flen[r->event], log->day[i] <= o->cutoff, &log->event[i]))
        return seer_errorf(SEER_ENOMEM, "out of memory");
    if (intern_user(log, f[r->user], flen[r->user], &log->user[i]))
        return seer_errorf(SEER_ENOMEM, "out of memory for %zu users", log->n_users);
    log->n++;
    return SEER_OK;
}

int seer_value_log_read(seer_value_log *log, const seer_value_options *o) {
    memset(log, 0, sizeof *log);
    seer_source *src;
    int rc = seer_source_open(&src, o->path);
    if (rc) return rc;
    rc = seer_value_log_read_source(log, src, o);
    seer_source_close(src);
    return rc;
}

int seer_value_log_read_source(seer_value_log *log, seer_source *src,
                               const seer_value_options *o) {
    memset(log, 0, sizeof *log);
    seer_lines l;
    int rc = seer_lines_init(&l, src);
    roles r;
    if (!rc) rc = read_roles(&l, o, &r);
    char *s;
    size_t len;
    while (!rc && (rc = seer_lines_next(&l, &s, &len)) == 1) {
        size_t flen;
        seer_trim(s, len, &flen);
        rc = flen ? add_record(log, o, &r, s, len, l.line) : SEER_OK;  // blank lines skipped
    }
    log->lines = l.line;
    if (!rc && log->n == 0) rc = seer_errorf(SEER_EDATA, "%s: no records", o->path);
    seer_lines_free(&l);
    if (rc) seer_value_log_free(log);
    return rc;
}

void seer_value_log_free(seer_value_log *log) {
    free(log->user);
    free(log->day);
    free(log->amount);
    free(log->event);
    for (size_t i = 0; i < log->n_users; i++) free(log->user_names[i]);
    free(log->user_names);
    free(log->slots);
    for (size_t i = 0; i < log->n_events; i++) free(log->event_names[i]);
    memset(log, 0, sizeof *log);
}
