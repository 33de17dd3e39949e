// The transform's part of a model file's JSON document: the "transform"
// object written (seer_transform_json) and read back and checked
// (seer_transform_json_load). Not here: the network's part (net_json.c) and
// the document and its tensors (model.c).
#include "io/transform_json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/json_util.h"

static int index_of(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

cJSON *seer_transform_json(const seer_transform *t) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", seer_format_names[t->format]);
    cJSON *cols = cJSON_AddArrayToObject(o, "columns");
    for (size_t j = 0; j < t->n_cols; j++) {
        const seer_column *c = &t->col[j];
        cJSON *cj = cJSON_CreateObject();
        cJSON_AddStringToObject(cj, "name", c->name);
        cJSON_AddStringToObject(cj, "kind", seer_col_kind_names[c->kind]);
        cJSON_AddStringToObject(cj, "decision", c->reason);
        cJSON_AddNumberToObject(cj, "missing_rate", c->missing_rate);
        cJSON_AddNumberToObject(cj, "cardinality", c->cardinality);
        if (c->kind == SEER_COL_NUMERIC) {
            cJSON_AddBoolToObject(cj, "log", c->log);
            add_exact(cj, "mean", c->mean);
            add_exact(cj, "std", c->std);
            cJSON_AddBoolToObject(cj, "missing_flag", c->flag >= 0);
            cJSON *e = cJSON_AddArrayToObject(cj, "edges");
            for (size_t k = 0; k < c->n_edges; k++)
                cJSON_AddItemToArray(e, exact_number(c->edges[k]));
            if (c->ple) {  // absent in files before piecewise-linear buckets: embedded buckets
                cJSON_AddBoolToObject(cj, "piecewise_linear", 1);
                add_exact(cj, "lo", c->lo);
                add_exact(cj, "hi", c->hi);
            }
        }
        if (c->kind == SEER_COL_VECTOR) {
            cJSON *mean = cJSON_AddArrayToObject(cj, "means");
            cJSON *std = cJSON_AddArrayToObject(cj, "stds");
            for (size_t k = 0; k < c->dims; k++) {
                cJSON_AddItemToArray(mean, exact_number(c->vec_mean[k]));
                cJSON_AddItemToArray(std, exact_number(c->vec_std[k]));
            }
        }
        if (c->kind == SEER_COL_CATEGORICAL) {
            cJSON_AddNumberToObject(cj, "vocab", (double)c->n_vocab);
            cJSON_AddNumberToObject(cj, "hash_buckets", (double)c->hash_buckets);
            if (c->shared_table) cJSON_AddBoolToObject(cj, "shared_table", 1);
            if (c->multi) {
                cJSON_AddNumberToObject(cj, "slots", (double)c->slots);
                cJSON_AddStringToObject(cj, "pooling", c->pool_sum ? "sum" : "mean");
            }
        }
        cJSON_AddItemToArray(cols, cj);
    }
    return o;
}

// A finite number under key, or 0 with *bad set to key when it is absent, not
// a number, or not finite (cJSON reads 1e999 as infinity); *bad keeps the first.
static double finite_num(const cJSON *o, const char *key, const char **bad) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) return v->valuedouble;
    if (!*bad) *bad = key;
    return 0;
}

// A string under key, or "" with *bad set as finite_num does.
static const char *col_str(const cJSON *o, const char *key, const char **bad) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v)) return v->valuestring;
    if (!*bad) *bad = key;
    return "";
}

// n finite numbers of the array under key into out (n): those > 0 when
// positive; else *bad = key.
static void finite_array(const cJSON *o, const char *key, double *out, size_t n, int positive,
                         const char **bad) {
    if (*bad) return;  // an earlier fault, out of memory for out among them
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *v;
    size_t k = 0;
    cJSON_ArrayForEach(v, a) {
        if (k == n || !cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
            (positive && !(v->valuedouble > 0)))
            break;
        out[k++] = v->valuedouble;
    }
    if (k != n || !cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) *bad = key;
}

// Piecewise-linear buckets need edges in order between lo and hi.
static int ple_ends_hold(const seer_column *c) {
    if (c->n_edges == 0) return 0;
    for (size_t k = 1; k < c->n_edges; k++)
        if (!(c->edges[k - 1] <= c->edges[k])) return 0;
    return c->lo <= c->edges[0] && c->edges[c->n_edges - 1] <= c->hi;
}

// Reads column j of the transform into c; on failure *bad names the key at fault.
static void load_column(seer_column *c, const cJSON *cj, size_t j, const seer_modelfile *f,
                        const char **bad) {
    c->flag = -1;
    int kind = index_of(col_str(cj, "kind", bad), seer_col_kind_names, 5);
    c->name = strdup(col_str(cj, "name", bad));
    snprintf(c->reason, sizeof c->reason, "%s", col_str(cj, "decision", bad));
    c->missing_rate = finite_num(cj, "missing_rate", bad);
    c->cardinality = finite_num(cj, "cardinality", bad);
    if (kind < 0 && !*bad) *bad = "kind";
    if (!c->name && !*bad) *bad = "name (out of memory)";
    if (*bad) return;
    c->kind = (seer_col_kind)kind;
    if (c->kind == SEER_COL_NUMERIC) {
        c->log = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cj, "log"));
        c->mean = finite_num(cj, "mean", bad);
        c->std = finite_num(cj, "std", bad);
        if (!(c->std > 0) && !*bad) *bad = "std";
        c->flag = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cj, "missing_flag")) ? 1 : -1;
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(cj, "edges");
        if (!cJSON_IsArray(e) && !*bad) *bad = "edges";
        if (*bad) return;
        c->n_edges = (size_t)cJSON_GetArraySize(e);
        c->edges = calloc(c->n_edges + 1, sizeof *c->edges);
        if (!c->edges) *bad = "edges (out of memory)";
        else finite_array(cj, "edges", c->edges, c->n_edges, 0, bad);
        c->ple = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cj, "piecewise_linear"));
        if (c->ple && !*bad) {
            c->lo = finite_num(cj, "lo", bad);
            c->hi = finite_num(cj, "hi", bad);
            if (!*bad && !ple_ends_hold(c)) *bad = "piecewise_linear";
        }
    }
    if (c->kind == SEER_COL_VECTOR) {
        const cJSON *mean = cJSON_GetObjectItemCaseSensitive(cj, "means");
        int dims = cJSON_IsArray(mean) ? cJSON_GetArraySize(mean) : 0;
        if (dims < 2 || dims > SEER_VECTOR_DIMS_MAX) *bad = "means";
        if (*bad) return;
        c->dims = (size_t)dims;
        c->vec_mean = calloc(c->dims, sizeof *c->vec_mean);
        c->vec_std = calloc(c->dims, sizeof *c->vec_std);
        if (!c->vec_mean || !c->vec_std) *bad = "means (out of memory)";
        finite_array(cj, "means", c->vec_mean, c->dims, 0, bad);
        finite_array(cj, "stds", c->vec_std, c->dims, 1, bad);
        if (*bad) return;
    }
    if (c->kind != SEER_COL_CATEGORICAL) return;
    long hashed = count_of(finite_num(cj, "hash_buckets", bad), 4e9);
    if (hashed < 0 && !*bad) *bad = "hash_buckets";
    if (*bad) return;
    c->hash_buckets = (size_t)hashed;
    c->shared_table = hashed > 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cj,
                                                                                  "shared_table"));
    const cJSON *pool = cJSON_GetObjectItemCaseSensitive(cj, "pooling");
    if (pool) {
        int sum = cJSON_IsString(pool) && strcmp(pool->valuestring, "sum") == 0;
        int mean = cJSON_IsString(pool) && strcmp(pool->valuestring, "mean") == 0;
        long slots = count_of(finite_num(cj, "slots", bad), SEER_MULTI_SLOTS_MAX);
        if (!sum && !mean) *bad = "pooling";
        else if (slots < 1 && !*bad) *bad = "slots";
        if (*bad) return;
        c->multi = 1;
        c->pool_sum = sum;
        c->slots = (size_t)slots;
    }
    if (hashed) return;
    char name[SEER_TENSOR_NAME_MAX + 1];
    snprintf(name, sizeof name, "vocab.%zu", j);
    const seer_tensor *v = seer_modelfile_tensor(f, name);
    long n = count_of(finite_num(cj, "vocab", bad), 1e9);
    if (!*bad && (!v || v->dtype != SEER_DTYPE_U64 || v->ndim != 1 || n < 0 ||
                  v->shape[0] != (size_t)n))
        *bad = "vocab (or its tensor)";
    if (*bad) return;
    c->n_vocab = (size_t)n;
    c->vocab = malloc((size_t)n * sizeof(uint64_t) + 8);
    if (!c->vocab) *bad = "vocab (out of memory)";
    else memcpy(c->vocab, v->data, (size_t)n * sizeof(uint64_t));
}

int seer_transform_json_load(seer_transform *t, const cJSON *o, const seer_modelfile *f,
                             const char *path) {
    int ok = 1;
    memset(t, 0, sizeof *t);
    t->label_col = -1;
    int fmt = index_of(str(o, "format", &ok), seer_format_names, 5);
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(o, "columns");
    if (!ok || fmt < 0 || !cJSON_IsArray(cols) || cJSON_GetArraySize(cols) > SEER_COLS_MAX)
        return seer_errorf(SEER_EDATA, "%s: the model's transform is malformed (its format or "
                           "column list)", path);
    t->format = (seer_format)fmt;
    t->n_cols = (size_t)cJSON_GetArraySize(cols);
    t->col = calloc(t->n_cols + 1, sizeof *t->col);
    if (!t->col) return seer_errorf(SEER_ENOMEM, "out of memory loading %s", path);
    size_t j = 0;
    const char *bad = NULL;
    const cJSON *cj;
    cJSON_ArrayForEach(cj, cols) {
        load_column(&t->col[j], cj, j, f, &bad);
        if (bad) break;
        j++;
    }
    if (bad) {
        // Column numbers count from 1 in messages, as the data columns do.
        const char *name = t->col[j].name ? t->col[j].name : "?";
        int rc = seer_errorf(SEER_EDATA, "%s: the model's transform is malformed: column %zu of "
                             "%zu ('%.64s') has no valid \"%s\"", path, j + 1, t->n_cols, name,
                             bad);
        seer_transform_free(t);
        return rc;
    }
    int rc = seer_transform_finish(t);
    if (rc != SEER_OK) seer_transform_free(t);
    return rc;
}
