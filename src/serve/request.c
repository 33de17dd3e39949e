// Request bodies to encoded rows; see request.h. The one file that parses
// request JSON (cJSON). It does not score and knows nothing of HTTP.
//
// Each JSON object becomes a seer_row with one field per transform column (""
// where the key is missing or null) and goes through seer_transform_row, the
// function `seer predict` uses, so a row scores the same either way.
#include "serve/request.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"
#include "base/mem.h"
#include "base/text.h"
#include "data/idmap.h"
#include "serve/arena.h"
#include "serve/event.h"

// Columns whose encoding buffers live in the encoder itself: a request of a model of so
// few columns (Criteo's 40) costs no allocation for them.
#define INLINE_COLS 64

// What one row's encoding needs, sized for a transform, reused across rows.
typedef struct {
    const seer_transform *t;
    long *map;        // (n_cols) column j is field j, or -1 (an absent label, a number below)
    char **field;     // (n_cols)
    size_t *len;      // (n_cols)
    char *numbers;    // (n_cols, SEER_NUMBER_TEXT)
    seer_text joined;   // the text of array values, one after another
    size_t *joined_at;  // (n_cols) where a column's array text starts, or SIZE_MAX
    const cJSON **found;   // (2, n_cols) the item of each column in each object of a row
    int32_t *names;     // (mask + 1) open-addressed: a column index by its name's hash, or -1
    size_t mask;
    size_t *direct;     // (n_cols) numeric columns of the row whose JSON number goes as a double
    double *value;      // (n_cols) that number
    size_t n_direct;
    int doubles;        // numbers of numeric columns go to the transform as doubles, not text
    int strict;         // refuse unknown keys and rows with no column (the request rules)
    int lenient;        // with strict: unknown keys are ignored instead
    size_t n_missing;   // rows encoded with a value missing in some input column
    struct {            // the buffers above for up to INLINE_COLS columns
        long map[INLINE_COLS];
        char *field[INLINE_COLS];
        size_t len[INLINE_COLS], joined_at[INLINE_COLS];
        char numbers[INLINE_COLS * SEER_NUMBER_TEXT];
        const cJSON *found[2 * INLINE_COLS];
        int32_t names[4 * INLINE_COLS];
        size_t direct[INLINE_COLS];
        double value[INLINE_COLS];
    } in;
} encoder;

// The table of column names: 2 to 4 slots a column, a power of two.
static void index_names(encoder *e) {
    const seer_transform *t = e->t;
    for (size_t i = 0; i <= e->mask; i++) e->names[i] = -1;
    for (size_t j = 0; j < t->n_cols; j++) {
        const char *name = t->col[j].name;
        size_t i = (size_t)seer_hash_bytes(name, strlen(name), 0) & e->mask;
        while (e->names[i] >= 0) i = (i + 1) & e->mask;
        e->names[i] = (int32_t)j;
    }
}

static size_t names_slots(size_t n_cols) {
    size_t n = 4;
    while (n < 2 * n_cols) n *= 2;
    return n;
}

static int encoder_init(encoder *e, const seer_transform *t) {
    size_t n = t->n_cols ? t->n_cols : 1;
    e->t = t;
    e->strict = e->lenient = 0;
    e->n_missing = 0;
    e->joined = (seer_text){0};
    e->doubles = 0;
    e->n_direct = 0;
    e->mask = names_slots(n) - 1;
    if (n <= INLINE_COLS) {
        e->map = e->in.map;
        e->field = e->in.field;
        e->len = e->in.len;
        e->numbers = e->in.numbers;
        e->joined_at = e->in.joined_at;
        e->found = e->in.found;
        e->names = e->in.names;
        e->direct = e->in.direct;
        e->value = e->in.value;
        index_names(e);
        return SEER_OK;
    }
    e->map = malloc(n * sizeof *e->map);
    e->field = malloc(n * sizeof *e->field);
    e->len = malloc(n * sizeof *e->len);
    e->numbers = malloc(n * SEER_NUMBER_TEXT);
    e->joined_at = malloc(n * sizeof *e->joined_at);
    e->found = malloc(2 * n * sizeof *e->found);
    e->names = malloc((e->mask + 1) * sizeof *e->names);
    e->direct = malloc(n * sizeof *e->direct);
    e->value = malloc(n * sizeof *e->value);
    if (!e->map || !e->field || !e->len || !e->numbers || !e->joined_at || !e->found ||
        !e->names || !e->direct || !e->value) {
        SEER_FREE_ALL(e->map, e->field, e->len, e->numbers, e->joined_at, e->found, e->names,
                      e->direct, e->value);
        return seer_errorf(SEER_ENOMEM, "out of memory encoding a request");
    }
    index_names(e);
    return SEER_OK;
}

static void encoder_free(encoder *e) {
    free(e->joined.s);
    if (e->map == e->in.map) return;
    SEER_FREE_ALL(e->map, e->field, e->len, e->numbers, e->joined_at, e->found, e->names,
                  e->direct, e->value);
}

// Appends n bytes of s to the joined text; SEER_ENOMEM.
static int join_put(encoder *e, const char *s, size_t n) {
    seer_text_add(&e->joined, s, n);
    return e->joined.failed ? seer_errorf(SEER_ENOMEM, "out of memory encoding a request")
                            : SEER_OK;
}

// The item named name in obj (the first, as the CSV reader would take the first
// column of a name, though headers cannot repeat one). Keys usually come in the
// transform's column order, so *cursor (the item after the last one found) is
// tried before a scan: a row costs O(keys), not O(keys * columns).
static const cJSON *find_key(const cJSON *obj, const cJSON **cursor, const char *name) {
    const cJSON *c = *cursor;
    if (c && c->string && strcmp(c->string, name) == 0) {
        *cursor = c->next;
        return c;
    }
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (it) *cursor = it->next;
    return it;
}

// The column named name, or -1: the column after the previous key's is tried first (keys
// usually come in the transform's order, some left out), then the table of names.
static long column_of(const encoder *e, const char *name, long prev) {
    const seer_transform *t = e->t;
    if (prev + 1 < (long)t->n_cols && strcmp(t->col[prev + 1].name, name) == 0) return prev + 1;
    size_t i = (size_t)seer_hash_bytes(name, strlen(name), 0) & e->mask;
    for (; e->names[i] >= 0; i = (i + 1) & e->mask)
        if (strcmp(t->col[e->names[i]].name, name) == 0) return e->names[i];
    return -1;
}

// The items of obj naming each column (found, n_cols), the "label" item (*alias) and *hits as
// the look-ups by name below count them, in one walk over obj's keys: O(keys), where a
// look-up of each column would scan the object for every column it lacks. 0 when a key
// naming a column comes twice: the caller looks up by name then (find_by_name), so which
// value counts, and so which message comes first, stays as it was.
static int walk_keys(const encoder *e, const cJSON *obj, const cJSON **found,
                     const cJSON **alias, size_t *hits) {
    const seer_transform *t = e->t;
    size_t n = 0;
    long prev = -1;
    for (size_t j = 0; j < t->n_cols; j++) found[j] = NULL;
    *alias = NULL;
    for (const cJSON *it = obj->child; it; it = it->next) {
        long j = column_of(e, it->string, prev);
        if (j >= 0 && found[j]) return 0;
        if (j >= 0) {
            found[j] = it;
            n++;
            prev = j;
        }
        if (!*alias && it->string[0] == 'l' && strcmp(it->string, "label") == 0) *alias = it;
    }
    // The label column looks for "label" too, when that is not its own name.
    int aliased = t->label_col >= 0 && strcmp(t->col[t->label_col].name, "label") != 0;
    *hits = n + (aliased && *alias);
    return 1;
}

// walk_keys' results by a look-up of each column's name, the first item of the name.
static void find_by_name(const encoder *e, const cJSON *obj, const cJSON **found,
                         const cJSON **alias, size_t *hits) {
    const seer_transform *t = e->t;
    const cJSON *cursor = obj->child;
    size_t n = 0;
    for (size_t j = 0; j < t->n_cols; j++) n += (found[j] = find_key(obj, &cursor,
                                                                      t->col[j].name)) != NULL;
    *alias = cJSON_GetObjectItemCaseSensitive(obj, "label");
    int aliased = t->label_col >= 0 && strcmp(t->col[t->label_col].name, "label") != 0;
    *hits = n + (aliased && *alias);
}

static const char *type_name(const cJSON *v) {
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsBool(v)) return "a boolean";
    return "not a number, a string or null";
}

// An array as the value of a multi-valued column (tokens: strings or numbers,
// joined by '|') or of a vector column (numbers, joined by ';'), written into
// the joined text at *at (the row's text is joined up before it is encoded).
static int join_array(encoder *e, const seer_column *c, const cJSON *v, const char *where,
                      const char *key, size_t *at) {
    char sep = c->multi ? SEER_MULTI_SEP : ';';
    if (!c->multi && c->kind != SEER_COL_VECTOR)
        return seer_errorf(SEER_EDATA, "%skey '%s' is an array, but column '%s' holds one value "
                           "(arrays are for multi-valued and vector columns)", where, key,
                           c->name);
    *at = e->joined.n;
    size_t i = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        char num[SEER_NUMBER_TEXT];
        const char *text = num;
        if (cJSON_IsNumber(it)) seer_number_text(num, it->valuedouble);
        else if (cJSON_IsString(it) && c->multi && !strchr(it->valuestring, SEER_MULTI_SEP))
            text = it->valuestring;
        else
            return seer_errorf(SEER_EDATA, "%skey '%s': element %zu is %s; expected %s", where,
                               key, i,
                               !cJSON_IsString(it) ? type_name(it)
                               : c->multi          ? "a string with a '|'"
                                                   : "not a number (a string)",
                               c->multi ? "a token (a string without '|' or a number)"
                                        : "a number");
        int rc = i ? join_put(e, &sep, 1) : SEER_OK;
        if (rc == SEER_OK) rc = join_put(e, text, strlen(text));
        if (rc != SEER_OK) return rc;
    }
    return join_put(e, "", 1);  // each array's text ends with its NUL
}

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void install_hooks(void) {
    cJSON_Hooks h = {seer_arena_malloc, seer_arena_free};
    cJSON_InitHooks(&h);
}

void seer_request_init(void) { pthread_once(&hooks_once, install_hooks); }

int seer_request_transform_error(const char *where) {
    char what[512];
    const char *m = seer_error_message();
    if (m[0] == ':') {
        const char *p = strstr(m, ": ");
        if (p) m = p + 2;
    }
    snprintf(what, sizeof what, "%s", m);
    return seer_errorf(SEER_EDATA, "%s%s", where, what);
}

// Whether key names column j, or is "label" standing for the label column.
static int names_column(const seer_transform *t, const char *key) {
    for (size_t j = 0; j < t->n_cols; j++)
        if (strcmp(t->col[j].name, key) == 0) return 1;
    return t->label_col >= 0 && strcmp(key, "label") == 0;
}

// The input columns' names, for a message: "x, n, color" (at most a few, then "...").
static void column_names(const seer_transform *t, char *out, size_t cap) {
    size_t n = 0, shown = 0;
    out[0] = '\0';
    for (size_t j = 0; j < t->n_cols && n < cap; j++) {
        seer_col_kind k = t->col[j].kind;
        if (k == SEER_COL_LABEL || k == SEER_COL_IGNORED) continue;
        if (shown == 8) {
            snprintf(out + n, cap - n, ", ...");
            return;
        }
        n += (size_t)snprintf(out + n, cap - n, "%s%s", shown++ ? ", " : "", t->col[j].name);
    }
}

// Whether a key before it in its object has the same name. cJSON links the first child's
// prev to the last child, whose next is NULL: the walk back stops there.
static int repeated_key(const cJSON *it) {
    for (const cJSON *p = it->prev; p && p->next; p = p->prev)
        if (strcmp(p->string, it->string) == 0) return 1;
    return 0;
}

// The key rules on one object: no key twice (JSON leaves it to the reader which one counts),
// and every key names a column unless lenient. where ("rows[3]: ", "user: ") starts a message.
static int check_keys(const seer_transform *t, int lenient, const cJSON *obj, const char *where) {
    for (const cJSON *it = obj->child; it; it = it->next) {
        int known = names_column(t, it->string);
        if (known && repeated_key(it))
            return seer_errorf(SEER_EDATA, "%skey '%s' appears twice", where, it->string);
        if (!known && !lenient) {
            char names[200];
            column_names(t, names, sizeof names);
            return seer_errorf(SEER_EDATA, "%skey '%s' names no column of the model (its "
                               "columns: %s; seer serve --lenient ignores such keys)", where,
                               it->string, names);
        }
    }
    return SEER_OK;
}

// The request rules on one row's objects (strict encoders only): the key rules on its own
// object (hits[k] keys of objs[k] were found naming a column, so a scan is needed only when
// that is short of its size; a rank's user object, objs[0] of two, was checked once for the
// request), and some input column has a value.
static int check_row(encoder *e, const cJSON *const *objs, size_t n, const size_t *hits,
                     size_t present, size_t inputs, const char *where) {
    const cJSON *own = objs[n - 1];
    if (own && (size_t)cJSON_GetArraySize(own) != hits[n - 1]) {
        int rc = check_keys(e->t, e->lenient, own, where);
        if (rc != SEER_OK) return rc;
    }
    if (present == 0 && inputs > 0) {
        char names[200];
        column_names(e->t, names, sizeof names);
        return seer_errorf(SEER_EDATA, "%shas a value for none of the model's columns (%s)",
                           where, names);
    }
    if (present < inputs) e->n_missing++;
    return SEER_OK;
}

// Encodes the merge of objs[0..n) (a later object's key wins) into one row.
// where ("rows[3]: " or "") starts every message.
static int encode_objects(encoder *e, const cJSON *const *objs, size_t n, int need_label,
                          const char *where, uint32_t *ids, float *dense, float *y) {
    const seer_transform *t = e->t;
    const cJSON *alias[2] = {NULL, NULL};
    size_t hits[2] = {0, 0}, present = 0, inputs = 0;
    SEER_ASSERT(n <= 2);
    for (size_t k = 0; k < n; k++) {
        if (objs[k] && !cJSON_IsObject(objs[k]))
            return seer_errorf(SEER_EDATA, "%sis %s, not a JSON object", where,
                               cJSON_IsArray(objs[k]) ? "an array" : "a value");
        const cJSON **found = e->found + k * t->n_cols;
        if (objs[k] && !walk_keys(e, objs[k], found, &alias[k], &hits[k]))
            find_by_name(e, objs[k], found, &alias[k], &hits[k]);
    }
    e->joined.n = 0;
    e->n_direct = 0;
    for (size_t j = 0; j < t->n_cols; j++) {
        const seer_column *c = &t->col[j];
        e->map[j] = (long)j;
        e->field[j] = "";
        e->len[j] = 0;
        e->joined_at[j] = SIZE_MAX;
        int label = c->kind == SEER_COL_LABEL;
        const cJSON *v = NULL;
        const char *key = c->name;
        // A later object's value wins; the label column takes "label" when its name is absent.
        for (size_t k = 0; k < n; k++) {
            if (!objs[k]) continue;
            const cJSON *vk = e->found[k * t->n_cols + j];
            if (!vk && label && alias[k] && strcmp(c->name, "label") != 0) {
                vk = alias[k];
                key = "label";
            }
            if (vk) v = vk;
        }
        if (c->kind == SEER_COL_IGNORED) continue;
        if (!label) inputs++;
        if (label && (!v || cJSON_IsNull(v))) {
            if (need_label)
                return seer_errorf(SEER_EDATA, "%skey '%s' (the label) is missing", where,
                                   c->name);
            e->map[j] = -1;
            continue;
        }
        if (!v || cJSON_IsNull(v)) continue;
        if (!label) present++;
        char *num = e->numbers + j * SEER_NUMBER_TEXT;
        if (cJSON_IsString(v)) {
            e->field[j] = v->valuestring;
        } else if (cJSON_IsNumber(v) && e->doubles && c->kind == SEER_COL_NUMERIC &&
                   isfinite(v->valuedouble)) {
            // The number itself, not its text read back (the same double; see request.h).
            e->map[j] = -1;
            e->value[j] = v->valuedouble;
            e->direct[e->n_direct++] = j;
            continue;
        } else if (cJSON_IsNumber(v)) {
            seer_number_text(num, v->valuedouble);
            e->field[j] = num;
        } else if (label && cJSON_IsBool(v)) {
            strcpy(num, cJSON_IsTrue(v) ? "1" : "0");
            e->field[j] = num;
        } else if (cJSON_IsArray(v)) {
            int rc = join_array(e, c, v, where, key, &e->joined_at[j]);
            if (rc != SEER_OK) return rc;
            continue;  // its text is in place once the row's arrays are all joined
        } else {
            return seer_errorf(SEER_EDATA, "%skey '%s' is %s; expected a number, a string or null",
                               where, key, type_name(v));
        }
        e->len[j] = strlen(e->field[j]);
    }
    if (e->strict) {
        int rc = check_row(e, objs, n, hits, present, inputs, where);
        if (rc != SEER_OK) return rc;
    }
    for (size_t j = 0; j < t->n_cols; j++) {
        if (e->joined_at[j] == SIZE_MAX) continue;
        e->field[j] = e->joined.s + e->joined_at[j];
        e->len[j] = strlen(e->field[j]);
    }
    seer_row row = {t->n_cols, e->field, e->len, 0};
    int rc = seer_transform_row(t, e->map, &row, "", ids, dense, y);
    if (rc != SEER_OK) return seer_request_transform_error(where);
    for (size_t i = 0; i < e->n_direct; i++)
        seer_transform_number(t, e->direct[i], e->value[e->direct[i]], ids, dense);
    return SEER_OK;
}

// The byte where a string would hold a NUL (a raw 0 byte, or the escape \u0000), or len.
// cJSON would keep such a string and C would cut it at the NUL: "a\u0000b" read as "a".
// Outside strings a backslash is malformed anyway, so escapes are skipped two bytes at a time
// (the byte after a backslash is not looked at). memchr finds the next backslash and any
// zero byte before it: a body is mostly neither.
static size_t nul_at(const char *json, size_t len) {
    size_t i = 0;
    while (i < len) {
        const char *bs = memchr(json + i, '\\', len - i);
        size_t b = bs ? (size_t)(bs - json) : len;
        const char *zero = memchr(json + i, '\0', b - i);
        if (zero) return (size_t)(zero - json);
        if (b + 1 >= len) return len;
        if (json[b + 1] == 'u' && b + 6 <= len && memcmp(json + b + 2, "0000", 4) == 0) return b;
        i = b + 2;
    }
    return len;
}

// The depth of arrays and objects open at byte at of json (brackets in strings not counted).
static size_t nesting_at(const char *json, size_t at) {
    size_t depth = 0;
    int in_string = 0;
    for (size_t i = 0; i < at; i++) {
        char c = json[i];
        if (in_string) {
            if (c == '\\') i++;
            else if (c == '"') in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if ((c == ']' || c == '}') && depth) {
            depth--;
        }
    }
    return depth;
}

// The whole of json[0..len) as one JSON value: white space may follow it, nothing else.
static int parse(const char *json, size_t len, cJSON **out) {
    *out = NULL;
    size_t nul = nul_at(json, len);
    if (nul < len)
        return seer_errorf(SEER_EDATA, "a NUL character (%s) at byte %zu: strings may not "
                           "hold one", json[nul] ? "\\u0000" : "a zero byte", nul);
    const char *end = NULL;
    unsigned long failures = seer_arena_failures();
    cJSON *doc = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    // cJSON reports a failed allocation as a parse error: the server's, not the client's
    if (!doc && seer_arena_failures() != failures)
        return seer_errorf(SEER_ENOMEM, "out of memory parsing %zu bytes of JSON", len);
    size_t at = end && end >= json && end <= json + len ? (size_t)(end - json) : 0;
    if (!doc && nesting_at(json, at) >= CJSON_NESTING_LIMIT)
        return seer_errorf(SEER_EDATA, "JSON nested deeper than %d arrays and objects at byte %zu",
                           CJSON_NESTING_LIMIT, at);
    if (!doc) return seer_errorf(SEER_EDATA, "malformed JSON at byte %zu", at);
    while (at < len && strchr(" \t\r\n", json[at])) at++;
    if (at < len) {
        cJSON_Delete(doc);
        return seer_errorf(SEER_EDATA, "trailing bytes after the JSON value at byte %zu", at);
    }
    *out = doc;
    return SEER_OK;
}

// Encodes one JSON object given as text; with record, also appends its event record.
static int encode_one(const seer_transform *t, const char *json, size_t len, int need_label,
                      uint32_t *ids, float *dense, float *y, seer_text *record) {
    cJSON *doc;
    int rc = parse(json, len, &doc);
    if (rc != SEER_OK) return rc;
    encoder e;
    rc = encoder_init(&e, t);
    if (rc == SEER_OK) {
        const cJSON *objs[1] = {doc};
        rc = encode_objects(&e, objs, 1, need_label, "", ids, dense, y);
        if (rc == SEER_OK && record) seer_event_write(record, t, e.field, e.len);
        if (rc == SEER_OK && record && record->failed)
            rc = seer_errorf(SEER_ENOMEM, "out of memory for an event");
        encoder_free(&e);
    }
    cJSON_Delete(doc);
    return rc;
}

int seer_request_encode_row(const seer_transform *t, const char *json, size_t len,
                            int need_label, uint32_t *ids, float *dense, float *y) {
    return encode_one(t, json, len, need_label, ids, dense, y, NULL);
}

int seer_request_event_record(const seer_transform *t, const char *json, size_t len,
                              uint32_t *ids, float *dense, seer_text *record) {
    float y;
    return encode_one(t, json, len, 1, ids, dense, &y, record);
}

void seer_request_rows_free(seer_request_rows *r) {
    free(r->ids);
    free(r->dense);
    free(r->y);
    memset(r, 0, sizeof *r);
}

// Room for n rows of t's shapes. The room is kept in elements, not rows: the next
// request may come for a model with more slots or dense inputs per row.
static int rows_reserve(seer_request_rows *r, const seer_transform *t, size_t n) {
    size_t n_ids = n * t->n_slots + 1, n_dense = n * t->n_dense + 1;
    if (n_ids > r->ids_cap) {
        uint32_t *ids = realloc(r->ids, n_ids * sizeof *ids);
        if (!ids) return seer_errorf(SEER_ENOMEM, "out of memory for %zu rows", n);
        r->ids = ids;
        r->ids_cap = n_ids;
    }
    if (n_dense > r->dense_cap) {
        float *dense = realloc(r->dense, n_dense * sizeof *dense);
        if (!dense) return seer_errorf(SEER_ENOMEM, "out of memory for %zu rows", n);
        r->dense = dense;
        r->dense_cap = n_dense;
    }
    if (n > r->y_cap) {
        float *y = realloc(r->y, n * sizeof *y);
        if (!y) return seer_errorf(SEER_ENOMEM, "out of memory for %zu rows", n);
        r->y = y;
        r->y_cap = n;
    }
    return SEER_OK;
}

// The array under key in doc, checked: SEER_EDATA naming the key otherwise.
static int get_array(const cJSON *doc, const char *key, size_t max, const cJSON **arr,
                     size_t *n, int *too_many) {
    if (!cJSON_IsObject(doc)) return seer_errorf(SEER_EDATA, "the body is not a JSON object");
    *arr = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (!*arr) return seer_errorf(SEER_EDATA, "key '%s' is missing", key);
    if (!cJSON_IsArray(*arr)) return seer_errorf(SEER_EDATA, "key '%s' is not an array", key);
    *n = (size_t)cJSON_GetArraySize(*arr);
    if (*n > max) {
        *too_many = 1;
        return seer_errorf(SEER_EDATA, "'%s' holds %zu entries, more than the limit of %zu", key,
                           *n, max);
    }
    return SEER_OK;
}

// Encodes each item of arr merged over base (NULL for none) into out.
static int encode_array(const seer_transform *t, const cJSON *base, const cJSON *arr, size_t n,
                        const char *key, seer_request_rows *out) {
    int rc = rows_reserve(out, t, n);
    encoder e;
    if (rc == SEER_OK) rc = encoder_init(&e, t);
    if (rc != SEER_OK) return rc;
    e.strict = 1;
    e.lenient = out->lenient;
    e.doubles = 1;
    size_t S = t->n_slots, nd = t->n_dense, i = 0;
    char where[64];
    for (const cJSON *it = arr->child; it && rc == SEER_OK; it = it->next, i++) {
        snprintf(where, sizeof where, "%s[%zu]: ", key, i);
        const cJSON *objs[2] = {base, it};
        rc = encode_objects(&e, objs + (base ? 0 : 1), base ? 2 : 1, 0, where, out->ids + i * S,
                            out->dense + i * nd, out->y + i);
    }
    encoder_free(&e);
    if (rc == SEER_OK) out->n = n;
    if (rc == SEER_OK) out->n_missing = e.n_missing;
    return rc;
}

// The rows of body's array `key`, each merged over the object `user_key` when
// that is given and present (predict: none; rank: the user's features).
static int encode_body(const seer_transform *t, const char *body, size_t len, size_t max_rows,
                       const char *key, const char *user_key, seer_request_rows *out) {
    out->n = 0;
    out->n_missing = 0;
    out->too_many = 0;
    // The document lives in the thread's arena: no cJSON_Delete, seer_arena_end drops it.
    seer_request_init();
    seer_arena_begin();
    cJSON *doc;
    int rc = parse(body, len, &doc);
    if (rc != SEER_OK) {
        seer_arena_end();
        return rc;
    }
    const cJSON *arr;
    size_t n;
    rc = get_array(doc, key, max_rows, &arr, &n, &out->too_many);
    const cJSON *user = rc == SEER_OK && user_key
                            ? cJSON_GetObjectItemCaseSensitive(doc, user_key) : NULL;
    if (cJSON_IsNull(user)) user = NULL;
    if (user && !cJSON_IsObject(user))
        rc = seer_errorf(SEER_EDATA, "key '%s' is not a JSON object", user_key);
    // The user's keys once for the request, so that one of no candidates is refused for
    // them as one of many would be.
    if (rc == SEER_OK && user) rc = check_keys(t, out->lenient, user, "user: ");
    if (rc == SEER_OK) rc = encode_array(t, user, arr, n, key, out);
    seer_arena_end();
    return rc;
}

int seer_request_predict(const seer_transform *t, const char *body, size_t len, size_t max_rows,
                         seer_request_rows *out) {
    return encode_body(t, body, len, max_rows, "rows", NULL, out);
}

int seer_request_rank(const seer_transform *t, const char *body, size_t len, size_t max_rows,
                      seer_request_rows *out) {
    return encode_body(t, body, len, max_rows, "candidates", "user", out);
}

void seer_request_events_free(seer_request_events *e) {
    for (size_t i = 0; i < e->n; i++) free(e->record[i]);
    free(e->record);
    free(e->len);
    memset(e, 0, sizeof *e);
}

int seer_request_events_parse(const seer_transform *t, const char *body, size_t len,
                              size_t max_events, seer_request_events *out) {
    int lenient = out->lenient;
    memset(out, 0, sizeof *out);
    out->lenient = lenient;
    cJSON *doc;
    int rc = parse(body, len, &doc);
    if (rc != SEER_OK) return rc;
    const cJSON *events;
    size_t n;
    rc = get_array(doc, "events", max_events, &events, &n, &out->too_many);
    encoder e;
    uint32_t *ids = NULL;
    float *dense = NULL;
    int have_encoder = rc == SEER_OK && (rc = encoder_init(&e, t)) == SEER_OK;
    if (have_encoder) {
        e.strict = 1;
        e.lenient = lenient;
        out->record = calloc(n + 1, sizeof *out->record);
        out->len = calloc(n + 1, sizeof *out->len);
        ids = malloc((t->n_slots + 1) * sizeof *ids);
        dense = malloc((t->n_dense + 1) * sizeof *dense);
        if (!out->record || !out->len || !ids || !dense)
            rc = seer_errorf(SEER_ENOMEM, "out of memory for events");
    }
    size_t i = 0;
    char where[64];
    for (const cJSON *it = rc == SEER_OK ? events->child : NULL; it && rc == SEER_OK;
         it = it->next, i++) {
        // The request rules and the encoding with a label, on the parsed object.
        snprintf(where, sizeof where, "events[%zu]: ", i);
        const cJSON *objs[1] = {it};
        float y;
        rc = encode_objects(&e, objs, 1, 1, where, ids, dense, &y);
        if (rc != SEER_OK) break;
        seer_text record = {0};
        seer_event_write(&record, t, e.field, e.len);
        out->record[i] = record.s;
        out->len[i] = record.n;
        out->n = i + 1;
        if (record.failed) rc = seer_errorf(SEER_ENOMEM, "out of memory for events");
    }
    if (have_encoder) {
        out->n_missing = e.n_missing;
        encoder_free(&e);
    }
    free(ids);
    free(dense);
    cJSON_Delete(doc);
    if (rc != SEER_OK) {
        int too_many = out->too_many;
        seer_request_events_free(out);
        out->too_many = too_many;
    }
    return rc;
}

// The last part of a path: "/data/train.csv" -> "train.csv".
static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *seer_request_names_only(const char *json) {
    cJSON *doc = cJSON_Parse(json);
    if (!doc) return NULL;
    for (cJSON *it = cJSON_IsObject(doc) ? doc->child : NULL; it; it = it->next) {
        if (!cJSON_IsString(it) || !strchr(it->valuestring, '/')) continue;
        char *name = strdup(base_name(it->valuestring));
        if (!name || !cJSON_SetValuestring(it, name)) {
            free(name);
            cJSON_Delete(doc);
            return NULL;
        }
        free(name);
    }
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    char *copy = text ? strdup(text) : NULL;   // the caller frees with free(), not cJSON_free
    cJSON_free(text);
    return copy;
}

int seer_request_reload_path(const char *body, size_t len, char **path) {
    *path = NULL;
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
        i++;
    if (i == len) return SEER_OK;
    cJSON *doc;
    int rc = parse(body, len, &doc);
    if (rc != SEER_OK) return rc;
    const cJSON *p = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "path") : NULL;
    if (!cJSON_IsObject(doc)) rc = seer_errorf(SEER_EDATA, "the body is not a JSON object");
    else if (p && !cJSON_IsNull(p) && !cJSON_IsString(p))
        rc = seer_errorf(SEER_EDATA, "key 'path' is not a string");
    else if (cJSON_IsString(p) && (*path = strdup(p->valuestring)) == NULL)
        rc = seer_errorf(SEER_ENOMEM, "out of memory");
    cJSON_Delete(doc);
    return rc;
}

// ---------------------------------------------------------------- /v1/recommend

// v as an id's or a value's text: a string as it is, a number as a CSV holds it (an integer's
// digits); NULL for another type.
static const char *rec_text(seer_request_rec *r, const cJSON *v) {
    if (cJSON_IsString(v)) return v->valuestring;
    if (!cJSON_IsNumber(v) || r->n_numbers == sizeof r->numbers / sizeof *r->numbers) return NULL;
    char *buf = r->numbers[r->n_numbers++];
    seer_number_text(buf, v->valuedouble);
    return buf;
}

static int rec_list(seer_request_rec *r, const cJSON *v) {
    if (!cJSON_IsArray(v)) return seer_errorf(SEER_EDATA, "\"recent_items\" must be an array");
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        if (r->n_recent == SEER_REQUEST_RECENT_MAX)
            return seer_errorf(SEER_EDATA, "\"recent_items\": more than %d",
                               SEER_REQUEST_RECENT_MAX);
        const char *s = rec_text(r, e);
        if (!s) return seer_errorf(SEER_EDATA, "\"recent_items\" holds a value that is no id");
        r->recent[r->n_recent++] = s;
    }
    return SEER_OK;
}

static int rec_features(seer_request_rec *r, const cJSON *v) {
    if (!cJSON_IsObject(v)) return seer_errorf(SEER_EDATA, "\"features\" must be an object");
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        if (r->n_features == SEER_REQUEST_FEATURES_MAX)
            return seer_errorf(SEER_EDATA, "\"features\": more than %d",
                               SEER_REQUEST_FEATURES_MAX);
        const char *s = cJSON_IsNull(e) ? NULL : rec_text(r, e);
        if (cJSON_IsNull(e)) continue;   // a missing value, as in a row
        if (!s) return seer_errorf(SEER_EDATA, "feature \"%.64s\": a string or a number",
                                   e->string);
        r->names[r->n_features] = e->string;
        r->values[r->n_features++] = s;
    }
    return SEER_OK;
}

static int rec_key(seer_request_rec *r, const cJSON *v) {
    const char *key = v->string;
    if (!strcmp(key, "user")) {
        r->user = cJSON_IsNull(v) ? NULL : rec_text(r, v);
        if (!r->user && !cJSON_IsNull(v))
            return seer_errorf(SEER_EDATA, "\"user\" must be a string or an integer");
        return SEER_OK;
    }
    if (!strcmp(key, "k")) {
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
            v->valuedouble < 1 || v->valuedouble > 10000)
            return seer_errorf(SEER_EDATA, "\"k\" must be a whole number from 1 to 10000");
        r->k = (size_t)v->valuedouble;
        return SEER_OK;
    }
    if (!strcmp(key, "include_seen")) {
        if (!cJSON_IsBool(v)) return seer_errorf(SEER_EDATA, "\"include_seen\" must be true or false");
        r->include_seen = cJSON_IsTrue(v);
        return SEER_OK;
    }
    if (!strcmp(key, "recent_items")) return rec_list(r, v);
    if (!strcmp(key, "features")) return rec_features(r, v);
    return seer_errorf(SEER_EDATA, "unknown key \"%.64s\" (user, k, include_seen, recent_items, "
                       "features)", key);
}

int seer_request_recommend(const char *body, size_t len, seer_request_rec *out) {
    memset(out, 0, offsetof(seer_request_rec, numbers));
    out->n_numbers = 0;
    out->k = 10;
    cJSON *doc;
    int rc = parse(body, len, &doc);
    if (rc != SEER_OK) return rc;
    out->doc = doc;
    if (!cJSON_IsObject(doc)) rc = seer_errorf(SEER_EDATA, "the body must be a JSON object");
    const cJSON *v;
    if (rc == SEER_OK)
        cJSON_ArrayForEach(v, doc) {
            if ((rc = rec_key(out, v)) != SEER_OK) break;
        }
    if (rc != SEER_OK) seer_request_recommend_free(out);
    return rc;
}

void seer_request_recommend_free(seer_request_rec *r) {
    cJSON_Delete(r->doc);
    r->doc = NULL;
}

// ---------------------------------------------------------------- /v1/events of a recommender

// The id of key in event i: a non-empty string, or a whole number as its digits (into num).
static int seq_id(const cJSON *ev, const char *key, size_t i, char *num, const char **s,
                  size_t *n) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    if (!v) return seer_errorf(SEER_EDATA, "events[%zu]: \"%s\" is missing", i, key);
    if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble)) {
        seer_number_text(num, v->valuedouble);
        *s = num;
    } else if (cJSON_IsString(v) && *v->valuestring) {
        *s = v->valuestring;
    } else {
        return seer_errorf(SEER_EDATA, "events[%zu]: \"%s\" must be a non-empty string or an "
                           "integer", i, key);
    }
    *n = strlen(*s);
    if (*n > SEER_ID_LEN_MAX)
        return seer_errorf(SEER_EDATA, "events[%zu]: \"%s\" is longer than %d bytes", i, key,
                           SEER_ID_LEN_MAX);
    return SEER_OK;
}

static int seq_event(const cJSON *ev, size_t i, seer_text *record) {
    if (!cJSON_IsObject(ev)) return seer_errorf(SEER_EDATA, "events[%zu]: not an object", i);
    const cJSON *v;
    int seen[2] = {0, 0};   // user, item: each once
    cJSON_ArrayForEach(v, ev) {
        int k = !strcmp(v->string, "user") ? 0 : !strcmp(v->string, "item") ? 1 : -1;
        if (k < 0)
            return seer_errorf(SEER_EDATA, "events[%zu]: unknown key \"%.64s\" (user, item)", i,
                               v->string);
        if (seen[k]++)
            return seer_errorf(SEER_EDATA, "events[%zu]: \"%s\" given twice", i, v->string);
    }
    char unum[SEER_NUMBER_TEXT], inum[SEER_NUMBER_TEXT];
    const char *user, *item;
    size_t nu, ni;
    int rc = seq_id(ev, "user", i, unum, &user, &nu);
    if (rc == SEER_OK) rc = seq_id(ev, "item", i, inum, &item, &ni);
    if (rc == SEER_OK) seer_event_seq_write(record, user, nu, item, ni);
    if (rc == SEER_OK && record->failed) rc = seer_errorf(SEER_ENOMEM, "out of memory for events");
    return rc;
}

int seer_request_seq_events_parse(const char *body, size_t len, size_t max_events,
                                  seer_request_seq_events *out) {
    memset(out, 0, sizeof *out);
    cJSON *doc;
    int rc = parse(body, len, &doc);
    if (rc != SEER_OK) return rc;
    const cJSON *events;
    size_t n = 0;
    rc = get_array(doc, "events", max_events, &events, &n, &out->too_many);
    if (rc == SEER_OK && cJSON_GetArraySize(doc) != 1)
        rc = seer_errorf(SEER_EDATA, "the body holds a key other than \"events\"");
    if (rc == SEER_OK) {
        out->record = calloc(n + 1, sizeof *out->record);
        out->len = calloc(n + 1, sizeof *out->len);
        if (!out->record || !out->len) rc = seer_errorf(SEER_ENOMEM, "out of memory for events");
    }
    size_t i = 0;
    for (const cJSON *ev = rc == SEER_OK ? events->child : NULL; ev && rc == SEER_OK;
         ev = ev->next, i++) {
        seer_text record = {0};
        rc = seq_event(ev, i, &record);
        out->record[i] = record.s;
        out->len[i] = record.n;
        out->n = i + 1;
    }
    cJSON_Delete(doc);
    if (rc != SEER_OK) seer_request_seq_events_free(out);
    return rc;
}

void seer_request_seq_events_free(seer_request_seq_events *e) {
    for (size_t i = 0; e->record && i < e->n; i++) free(e->record[i]);
    free(e->record);
    free(e->len);
    int too_many = e->too_many;
    memset(e, 0, sizeof *e);
    e->too_many = too_many;
}
