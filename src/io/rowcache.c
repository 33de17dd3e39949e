// The cache file of encoded rows: written and read back through the model file container,
// its key and version checked before any row is used (rowcache.h). Not here: when a run uses
// a cache, its name and its key (train/train.c).
#include "io/rowcache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/ids.h"
#include "io/json_util.h"
#include "io/modelfile.h"
#include "io/transform_json.h"

// Tensors of a cache: six of rows, and a vocabulary per categorical column at most.
static size_t tensor_cap(const seer_transform *t) { return 6 + t->n_cols; }

// The three tensors of d, named prefix.ids, .dense and .y, into ts.
static size_t row_tensors(seer_tensor *ts, const char *const names[3], const seer_dataset *d) {
    // A tensor of no elements still needs an address.
    static const uint32_t none[1];
    ts[0] = (seer_tensor){names[0], SEER_DTYPE_U32, 2, {d->rows, d->S}, d->ids ? (void *)d->ids
                                                                                 : none};
    // Rows in memory, as encoded (a cache is written from rows held as they are).
    SEER_ASSERT(!d->pack);
    ts[1] = (seer_tensor){names[1], SEER_DTYPE_F32, 2, {d->rows, d->n_dense},
                          d->dense ? (void *)d->dense : none};
    ts[2] = (seer_tensor){names[2], SEER_DTYPE_F32, 1, {d->rows}, d->y ? (void *)d->y : none};
    return 3;
}

static const char *const train_names[3] = {"train.ids", "train.dense", "train.y"};
static const char *const valid_names[3] = {"valid.ids", "valid.dense", "valid.y"};

int seer_rowcache_write(const char *path, const char *key, const seer_transform *t,
                        const seer_dataset *tr, const seer_dataset *va, size_t skipped) {
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "seer_rowcache", SEER_ROWCACHE_VERSION);
    cJSON_AddStringToObject(doc, "key", key);
    cJSON_AddNumberToObject(doc, "skipped_rows", (double)skipped);
    cJSON_AddItemToObject(doc, "transform", seer_transform_json(t));
    char *json = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    seer_tensor *ts = calloc(tensor_cap(t), sizeof *ts);
    char (*names)[SEER_TENSOR_NAME_MAX + 1] = calloc(t->n_cols + 1, sizeof *names);
    int rc = SEER_OK;
    if (!json || !ts || !names) rc = seer_errorf(SEER_ENOMEM, "out of memory writing %s", path);
    size_t k = 0;
    if (rc == SEER_OK) {
        k += row_tensors(ts + k, train_names, tr);
        k += row_tensors(ts + k, valid_names, va);
        // The vocabularies as a model file holds them, for seer_transform_json_load.
        for (size_t j = 0; j < t->n_cols; j++) {
            const seer_column *c = &t->col[j];
            if (c->kind != SEER_COL_CATEGORICAL || c->hash_buckets) continue;
            snprintf(names[j], sizeof names[j], "vocab.%zu", j);
            ts[k++] = (seer_tensor){names[j], SEER_DTYPE_U64, 1, {c->n_vocab}, c->vocab};
        }
        // Checked at every load: the checksum in lanes (4-5x faster over the rows).
        rc = seer_modelfile_write_version(path, json, ts, k, SEER_MODELFILE_VERSION_LANES);
    }
    free(json);
    free(ts);
    free(names);
    return rc;
}

// Whether every id is a row of the table (emb_rows) or SEER_NO_ID and every label 0 or 1: the
// checksum tells a damaged file, not one written wrong, and an id past the table would be
// read and written out of bounds by training.
static int rows_ok(const uint32_t *ids, const float *y, size_t rows, size_t S, size_t emb_rows) {
    for (size_t i = 0; i < rows * S; i++)
        if (ids[i] >= emb_rows && ids[i] != SEER_NO_ID) return 0;
    for (size_t i = 0; i < rows; i++)
        if (y[i] != 0.0f && y[i] != 1.0f) return 0;
    return 1;
}

// d (zeroed) gets the rows of the three tensors named names, encoded by t.
static int read_rows(seer_dataset *d, seer_modelfile *f, const char *const names[3],
                     const seer_transform *t, const char *path) {
    size_t S = t->n_slots, n_dense = t->n_dense;
    const seer_tensor *ids = seer_modelfile_tensor(f, names[0]);
    const seer_tensor *dense = seer_modelfile_tensor(f, names[1]);
    const seer_tensor *y = seer_modelfile_tensor(f, names[2]);
    if (!ids || !dense || !y || ids->dtype != SEER_DTYPE_U32 || dense->dtype != SEER_DTYPE_F32 ||
        y->dtype != SEER_DTYPE_F32 || ids->ndim != 2 || dense->ndim != 2 || y->ndim != 1)
        return seer_errorf(SEER_EDATA, "%s: tensors of %s are missing or of another type", path,
                           names[0]);
    size_t rows = y->shape[0];
    seer_dataset_init(d, S, n_dense);
    if (ids->shape[0] != rows || dense->shape[0] != rows || ids->shape[1] != S ||
        dense->shape[1] != n_dense)
        return seer_errorf(SEER_EDATA, "%s: %s does not match its transform's shape", path,
                           names[0]);
    // No rows (a hold-out of none, which --valid FILE fills): memory that can grow. Else the
    // file's own mapping, which the first dataset with rows takes over (one mapping: the pages
    // the checks touched stay mapped, and the address space holds the file once), or a mapping
    // of the rows' pages.
    int rc = SEER_OK;
    if (rows) {
        size_t bytes;
        void *map = seer_modelfile_give_map(f, &bytes);
        rc = seer_dataset_map_file(d, seer_modelfile_fd(f), map, bytes,
                                   seer_modelfile_offset(f, dense), seer_modelfile_offset(f, y),
                                   rows, ids->data, path);
    } else {
        rc = seer_dataset_reserve(d, 1);
    }
    // The ids checked are the dataset's own copy, which nothing else can change.
    if (rc == SEER_OK && !rows_ok(d->ids, d->y, rows, S, t->emb_rows))
        rc = seer_errorf(SEER_EDATA, "%s: %s holds an id past the table or a label not 0 or 1",
                         path, names[0]);
    return rc;
}

// The first line of the key that differs from want's, for the reason a cache is stale.
static int stale(const char *path, const char *have, const char *want) {
    while (*have && *want) {
        size_t a = strcspn(have, "\n"), b = strcspn(want, "\n");
        if (a != b || memcmp(have, want, a) != 0)
            return seer_errorf(SEER_EDATA, "%s: stale: it was written for '%.*s', not '%.*s'",
                               path, (int)a, have, (int)b, want);
        have += a + (have[a] == '\n');
        want += b + (want[b] == '\n');
    }
    return *have || *want ? seer_errorf(SEER_EDATA, "%s: stale: written for other settings",
                                        path)
                          : SEER_OK;
}

// The document's version and key against this seer's and the caller's.
static int check_doc(const cJSON *doc, const char *key, const char *path, size_t *skipped) {
    if (!doc) return seer_errorf(SEER_EDATA, "%s: its JSON does not parse", path);
    int ok = 1;
    double version = num(doc, "seer_rowcache", &ok);
    if (!ok) return seer_errorf(SEER_EDATA, "%s: not a cache of encoded rows", path);
    if (version != SEER_ROWCACHE_VERSION)
        return seer_errorf(SEER_EDATA, "%s: a cache of version %g; this seer reads version %d",
                           path, version, SEER_ROWCACHE_VERSION);
    const char *have = str(doc, "key", &ok);
    long n = count_of(num(doc, "skipped_rows", &ok), 1e15);
    if (!ok || n < 0) return seer_errorf(SEER_EDATA, "%s: no key or skipped_rows", path);
    *skipped = (size_t)n;
    return stale(path, have, key);
}

int seer_rowcache_read(const char *path, const char *key, seer_transform *t, seer_dataset *tr,
                       seer_dataset *va, size_t *skipped) {
    seer_modelfile *f;
    // Mapped, not read: the rows' dense values and labels are read in place (data/dataset.h).
    int rc = seer_modelfile_open_mapped(&f, path);
    if (rc != SEER_OK) return rc;
    cJSON *doc = cJSON_Parse(seer_modelfile_json(f));
    rc = check_doc(doc, key, path, skipped);
    int have_tf = 0;
    if (rc == SEER_OK) {
        rc = seer_transform_json_load(t, cJSON_GetObjectItemCaseSensitive(doc, "transform"), f,
                                      path);
        have_tf = rc == SEER_OK;
    }
    if (rc == SEER_OK) rc = read_rows(tr, f, train_names, t, path);
    if (rc == SEER_OK) rc = read_rows(va, f, valid_names, t, path);
    cJSON_Delete(doc);
    seer_modelfile_close(f);
    if (rc != SEER_OK) {
        if (have_tf) seer_transform_free(t);
        seer_dataset_free(tr);
        seer_dataset_free(va);
    }
    return rc;
}
