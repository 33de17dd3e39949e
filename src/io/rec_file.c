// Saving and loading recommenders (see rec_file.h).
#include "io/rec_file.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/json_util.h"
#include "io/modelfile.h"

#define TENSORS_MAX (8 + SEER_REC_PARAMS_MAX + 12)

typedef struct {
    seer_tensor t[TENSORS_MAX];
    size_t n;
    char names[SEER_REC_PARAMS_MAX][SEER_TENSOR_NAME_MAX + 1];
} tensor_list;

static void put(tensor_list *l, const char *name, seer_dtype dt, size_t rows, size_t cols,
                const void *data) {
    SEER_ASSERT(l->n < TENSORS_MAX);
    seer_tensor *t = &l->t[l->n++];
    memset(t, 0, sizeof *t);
    t->name = name;
    t->dtype = dt;
    t->ndim = cols ? 2 : 1;
    t->shape[0] = rows;
    t->shape[1] = cols;
    t->data = data;
}

// An id map's bytes as u32 words (the tail zero-padded): a copy the caller frees.
static uint32_t *words_of(const seer_idmap *m, size_t *n_words) {
    *n_words = (m->names_len + 3) / 4;
    uint32_t *w = calloc(*n_words ? *n_words : 1, 4);
    if (w && m->names_len) memcpy(w, m->names, m->names_len);
    return w;
}

static void put_features(tensor_list *l, const seer_side_features *f, const char *pre,
                         uint32_t *words, size_t n_words) {
    static char names[2][6][16];
    int s = pre[0] == 'u' ? 0 : 1;
    const char *suffix[6] = {"off", "feat", "val", "names", "mean", "std"};
    for (int k = 0; k < 6; k++) snprintf(names[s][k], 16, "%s.%s", pre, suffix[k]);
    size_t nnz = (size_t)f->off[f->rows];
    put(l, names[s][0], SEER_DTYPE_U64, f->rows + 1, 0, f->off);
    put(l, names[s][1], SEER_DTYPE_U32, nnz, 0, f->feat);
    put(l, names[s][2], SEER_DTYPE_F32, nnz, 0, f->val);
    put(l, names[s][3], SEER_DTYPE_U32, n_words, 0, words);
    put(l, names[s][4], SEER_DTYPE_U64, f->names.n, 0, f->mean);
    put(l, names[s][5], SEER_DTYPE_U64, f->names.n, 0, f->std);
}

static char *document(const seer_rec_model *m) {
    cJSON *doc = cJSON_CreateObject(), *r = cJSON_CreateObject(), *s = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "kind", "recommender");
    cJSON_AddStringToObject(r, "model", seer_rec_kind_names[m->kind]);
    cJSON_AddNumberToObject(r, "users", (double)m->n_users);
    cJSON_AddNumberToObject(r, "items", (double)m->n_items);
    cJSON_AddNumberToObject(r, "users_bytes", (double)m->users.names_len);
    cJSON_AddNumberToObject(r, "items_bytes", (double)m->items.names_len);
    cJSON_AddBoolToObject(r, "ratings", m->has_rating);
    cJSON_AddNumberToObject(r, "user_features", (double)m->user_feats.names.n);
    cJSON_AddNumberToObject(r, "item_features", (double)m->item_feats.names.n);
    cJSON_AddNumberToObject(r, "user_features_bytes", (double)m->user_feats.names.names_len);
    cJSON_AddNumberToObject(r, "item_features_bytes", (double)m->item_feats.names.names_len);
    cJSON_AddStringToObject(r, "data", m->data_name);
    for (size_t i = 0; i < m->n_settings; i++) add_exact(s, m->settings[i].name, m->settings[i].value);
    cJSON_AddItemToObject(r, "settings", s);
    cJSON *p = cJSON_CreateArray();
    for (size_t i = 0; i < m->n_params; i++) cJSON_AddItemToArray(p, cJSON_CreateString(m->params[i].name));
    cJSON_AddItemToObject(r, "params", p);
    cJSON_AddItemToObject(doc, "recommender", r);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return text;
}

int seer_rec_file_save(const seer_rec_model *m, const char *path) {
    static tensor_list l;   // large for a stack; saving is not concurrent
    memset(&l, 0, sizeof l);
    size_t nw[4];
    uint32_t *w[4] = {words_of(&m->users, &nw[0]), words_of(&m->items, &nw[1]),
                      words_of(&m->user_feats.names, &nw[2]), words_of(&m->item_feats.names, &nw[3])};
    char *json = document(m);
    int rc = w[0] && w[1] && w[2] && w[3] && json ? SEER_OK
                                                   : seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
    if (rc == SEER_OK) {
        put(&l, "rec.users", SEER_DTYPE_U32, nw[0], 0, w[0]);
        put(&l, "rec.items", SEER_DTYPE_U32, nw[1], 0, w[1]);
        put(&l, "rec.pop", SEER_DTYPE_F32, m->n_items, 0, m->pop);
        put(&l, "rec.hist_off", SEER_DTYPE_U64, m->n_users + 1, 0, m->hist_off);
        put(&l, "rec.hist_item", SEER_DTYPE_U32, (size_t)m->hist_off[m->n_users], 0, m->hist_item);
        for (size_t i = 0; i < m->n_params; i++) {
            snprintf(l.names[i], sizeof l.names[i], "p.%s", m->params[i].name);
            put(&l, l.names[i], SEER_DTYPE_F32, m->params[i].rows, m->params[i].cols,
                m->params[i].data);
        }
        if (m->user_feats.rows) put_features(&l, &m->user_feats, "uf", w[2], nw[2]);
        if (m->item_feats.rows) put_features(&l, &m->item_feats, "if", w[3], nw[3]);
        rc = seer_modelfile_write(path, json, l.t, l.n);
    }
    for (int k = 0; k < 4; k++) free(w[k]);
    cJSON_free(json);
    return rc;
}

int seer_rec_file_check(const char *path) {
    char *json;
    int rc = seer_modelfile_peek_json(path, &json);
    if (rc != SEER_OK) return rc;
    cJSON *doc = cJSON_Parse(json);
    free(json);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(doc, "kind");
    rc = cJSON_IsString(k) && !strcmp(k->valuestring, "recommender");
    cJSON_Delete(doc);
    return rc;
}
