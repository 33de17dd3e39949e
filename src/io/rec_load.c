// Loading a recommender's model file (the layout is in rec_file.h): every count, offset and
// index is checked against the others before the model uses it.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/json_util.h"
#include "io/modelfile.h"
#include "io/rec_file.h"

typedef struct {
    const seer_modelfile *f;
    const char *path;
} source;

static size_t numel(const seer_tensor *t) {
    size_t n = 1;
    for (size_t d = 0; d < t->ndim; d++) n *= t->shape[d];
    return t->ndim ? n : 0;
}

// The tensor name of dtype dt and n elements (n SIZE_MAX: any), or NULL with SEER_EDATA.
static const void *get(const source *s, const char *name, seer_dtype dt, size_t n) {
    const seer_tensor *t = seer_modelfile_tensor(s->f, name);
    if (!t || t->dtype != dt || (n != SIZE_MAX && numel(t) != n)) {
        seer_errorf(SEER_EDATA, "%s: tensor %s missing or not of %zu elements", s->path, name, n);
        return NULL;
    }
    return t->data;
}

static void *copy(const void *src, size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (p && bytes) memcpy(p, src, bytes);
    return p;
}

static int load_map(const source *s, seer_idmap *m, const char *name, size_t n, size_t bytes) {
    const uint32_t *w = get(s, name, SEER_DTYPE_U32, (bytes + 3) / 4);
    if (!w) return SEER_EDATA;
    int rc = seer_idmap_from_names(m, (const char *)w, bytes, n);
    if (rc == SEER_EDATA)
        return seer_errorf(SEER_EDATA, "%s: %s: %s", s->path, name, seer_error_message());
    return rc;
}

// A CSR (off (rows + 1), idx (off[rows])) whose indices are below limit: 1 when sound.
static int csr_ok(const uint64_t *off, size_t rows, const uint32_t *idx, size_t nnz,
                  size_t limit) {
    if (off[0] != 0 || off[rows] != nnz) return 0;
    for (size_t r = 0; r < rows; r++)
        if (off[r + 1] < off[r]) return 0;
    for (size_t i = 0; i < nnz; i++)
        if (idx[i] >= limit) return 0;
    return 1;
}

static int load_history(const source *s, seer_rec_model *m) {
    const float *pop = get(s, "rec.pop", SEER_DTYPE_F32, m->n_items);
    const uint64_t *off = pop ? get(s, "rec.hist_off", SEER_DTYPE_U64, m->n_users + 1) : NULL;
    const uint32_t *item = off ? get(s, "rec.hist_item", SEER_DTYPE_U32, SIZE_MAX) : NULL;
    if (!item) return SEER_EDATA;
    size_t nnz = numel(seer_modelfile_tensor(s->f, "rec.hist_item"));
    if (!csr_ok(off, m->n_users, item, nnz, m->n_items))
        return seer_errorf(SEER_EDATA, "%s: the users' histories are inconsistent", s->path);
    m->pop = copy(pop, m->n_items * sizeof *pop);
    m->hist_off = copy(off, (m->n_users + 1) * sizeof *off);
    m->hist_item = copy(item, nnz * sizeof *item);
    if (!m->pop || !m->hist_off || !m->hist_item)
        return seer_errorf(SEER_ENOMEM, "%s: out of memory", s->path);
    return seer_rec_model_set_history(m);
}

static int load_params(const source *s, seer_rec_model *m, const cJSON *names) {
    int n = cJSON_GetArraySize(names);
    if (!cJSON_IsArray(names) || n > SEER_REC_PARAMS_MAX)
        return seer_errorf(SEER_EDATA, "%s: bad \"params\"", s->path);
    for (int i = 0; i < n; i++) {
        const cJSON *nm = cJSON_GetArrayItem(names, i);
        char tname[SEER_TENSOR_NAME_MAX + 1];
        if (!cJSON_IsString(nm) || strlen(nm->valuestring) >= SEER_REC_NAME_MAX)
            return seer_errorf(SEER_EDATA, "%s: bad parameter name", s->path);
        snprintf(tname, sizeof tname, "p.%s", nm->valuestring);
        const seer_tensor *t = seer_modelfile_tensor(s->f, tname);
        if (!t || t->dtype != SEER_DTYPE_F32 || t->ndim != 2)
            return seer_errorf(SEER_EDATA, "%s: parameter %s missing or not a matrix", s->path,
                               nm->valuestring);
        float *p = seer_rec_param_new(m, nm->valuestring, t->shape[0], t->shape[1]);
        if (!p) return SEER_ENOMEM;
        memcpy(p, t->data, numel(t) * sizeof *p);
    }
    return SEER_OK;
}

static int load_settings(const source *s, seer_rec_model *m, const cJSON *o) {
    const cJSON *v;
    if (!cJSON_IsObject(o)) return seer_errorf(SEER_EDATA, "%s: bad \"settings\"", s->path);
    cJSON_ArrayForEach(v, o) {
        if (!cJSON_IsNumber(v) || strlen(v->string) >= SEER_REC_NAME_MAX ||
            m->n_settings == SEER_REC_SETTINGS_MAX)
            return seer_errorf(SEER_EDATA, "%s: bad setting", s->path);
        seer_rec_setting_set(m, v->string, v->valuedouble);
    }
    return SEER_OK;
}

static int load_features(const source *s, seer_side_features *f, const char *pre, size_t rows,
                         size_t n, size_t bytes) {
    char nm[6][16];
    const char *suffix[6] = {"off", "feat", "val", "names", "mean", "std"};
    for (int k = 0; k < 6; k++) snprintf(nm[k], 16, "%s.%s", pre, suffix[k]);
    if (!seer_modelfile_tensor(s->f, nm[0])) return SEER_OK;   // none given at training
    const uint64_t *off = get(s, nm[0], SEER_DTYPE_U64, rows + 1);
    const uint32_t *feat = off ? get(s, nm[1], SEER_DTYPE_U32, SIZE_MAX) : NULL;
    size_t nnz = feat ? numel(seer_modelfile_tensor(s->f, nm[1])) : 0;
    const float *val = feat ? get(s, nm[2], SEER_DTYPE_F32, nnz) : NULL;
    const uint64_t *mean = val ? get(s, nm[4], SEER_DTYPE_U64, n) : NULL;
    const uint64_t *sd = mean ? get(s, nm[5], SEER_DTYPE_U64, n) : NULL;
    if (!sd) return SEER_EDATA;
    if (!csr_ok(off, rows, feat, nnz, n))
        return seer_errorf(SEER_EDATA, "%s: side features %s inconsistent", s->path, pre);
    int rc = load_map(s, &f->names, nm[3], n, bytes);
    if (rc != SEER_OK) return rc;
    f->rows = rows;
    f->off = copy(off, (rows + 1) * 8);
    f->feat = copy(feat, nnz * 4);
    f->val = copy(val, nnz * 4);
    f->mean = copy(mean, n * 8);
    f->std = copy(sd, n * 8);
    return f->off && f->feat && f->val && f->mean && f->std
               ? SEER_OK : seer_errorf(SEER_ENOMEM, "%s: out of memory", s->path);
}

// The counts of the document, each a whole number in range.
static int counts(const source *s, const cJSON *r, size_t c[8]) {
    const char *keys[8] = {"users", "items", "users_bytes", "items_bytes", "user_features",
                           "item_features", "user_features_bytes", "item_features_bytes"};
    for (int k = 0; k < 8; k++) {
        int ok = 1;
        long v = count_of(num(r, keys[k], &ok), 1e12);
        if (!ok || v < 0) return seer_errorf(SEER_EDATA, "%s: bad \"%s\"", s->path, keys[k]);
        c[k] = (size_t)v;
    }
    return SEER_OK;
}

static int load_doc(const source *s, seer_rec_model *m, const cJSON *doc) {
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(doc, "recommender");
    int ok = 1;
    seer_rec_kind kind;
    const char *model = str(r, "model", &ok);
    if (!ok || seer_rec_kind_parse(model, &kind) != SEER_OK)
        return seer_errorf(SEER_EDATA, "%s: no recommender kind", s->path);
    seer_rec_model_init(m, kind);
    if (!m->ops) return seer_errorf(SEER_EDATA, "%s: %s is not in this build", s->path, model);
    size_t c[8];
    int rc = counts(s, r, c);
    if (rc == SEER_OK) rc = load_map(s, &m->users, "rec.users", c[0], c[2]);
    if (rc == SEER_OK) rc = load_map(s, &m->items, "rec.items", c[1], c[3]);
    m->n_users = c[0];
    m->n_items = c[1];
    m->has_rating = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ratings"));
    snprintf(m->data_name, sizeof m->data_name, "%s", str(r, "data", &ok));
    if (rc == SEER_OK) rc = load_history(s, m);
    if (rc == SEER_OK) rc = load_settings(s, m, cJSON_GetObjectItemCaseSensitive(r, "settings"));
    if (rc == SEER_OK) rc = load_params(s, m, cJSON_GetObjectItemCaseSensitive(r, "params"));
    if (rc == SEER_OK) rc = load_features(s, &m->user_feats, "uf", c[0], c[4], c[6]);
    if (rc == SEER_OK) rc = load_features(s, &m->item_feats, "if", c[1], c[5], c[7]);
    if (rc != SEER_OK) return rc;
    seer_rec_model_views(m);
    rc = m->ops->prepare(m);
    if (rc == SEER_EDATA) return seer_errorf(SEER_EDATA, "%s: %s", s->path, seer_error_message());
    return rc;
}

int seer_rec_file_load(seer_rec_model *m, const char *path) {
    memset(m, 0, sizeof *m);
    seer_modelfile *f;
    int rc = seer_modelfile_open(&f, path);
    if (rc != SEER_OK) return rc;
    source s = {f, path};
    cJSON *doc = cJSON_Parse(seer_modelfile_json(f));
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(doc, "kind");
    if (!cJSON_IsString(k) || strcmp(k->valuestring, "recommender"))
        rc = seer_errorf(SEER_EINVAL, "%s: not a recommender's model file", path);
    else rc = load_doc(&s, m, doc);
    cJSON_Delete(doc);
    seer_modelfile_close(f);
    if (rc != SEER_OK) seer_rec_model_free(m);
    return rc;
}
