// Saving and loading whole models: transform + network + metadata.
// The only user of cJSON in the library.
#include "io/model.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/json_util.h"
#include "io/model_save.h"
#include "io/modelfile.h"
#include "io/net_json.h"
#include "io/transform_json.h"

char *seer_training_json(const seer_training_info *info) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "data", info->data);
    cJSON_AddNumberToObject(j, "epochs", (double)info->epochs);
    cJSON_AddNumberToObject(j, "best_epoch", (double)info->best_epoch);
    cJSON_AddNumberToObject(j, "batch", (double)info->batch);
    cJSON_AddNumberToObject(j, "lr", info->lr);
    cJSON_AddNumberToObject(j, "seed", (double)info->seed);
    cJSON_AddNumberToObject(j, "threads", info->threads);
    cJSON_AddNumberToObject(j, "train_rows", (double)info->train_rows);
    cJSON_AddNumberToObject(j, "valid_rows", (double)info->valid_rows);
    cJSON_AddStringToObject(j, "evaluated_on", info->evaluated_on);
    if (isfinite(info->auc)) cJSON_AddNumberToObject(j, "auc", info->auc);
    cJSON_AddNumberToObject(j, "logloss", info->logloss);
    cJSON_AddNumberToObject(j, "accuracy", info->accuracy);
    cJSON_AddNumberToObject(j, "train_logloss", info->train_logloss);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

static int all_finite(const double *x, size_t n, int positive) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || (positive && !(x[i] > 0))) return 0;
    return 1;
}

// The key of the first number of column c that the loader would refuse (not
// finite, or a deviation not above 0), or NULL.
static const char *bad_number(const seer_column *c) {
    if (!isfinite(c->missing_rate)) return "missing_rate";
    if (!isfinite(c->cardinality)) return "cardinality";
    if (c->kind == SEER_COL_NUMERIC && !isfinite(c->mean)) return "mean";
    if (c->kind == SEER_COL_NUMERIC && !all_finite(&c->std, 1, 1)) return "std";
    if (c->kind == SEER_COL_NUMERIC && !all_finite(c->edges, c->n_edges, 0)) return "edges";
    if (c->kind == SEER_COL_VECTOR && !all_finite(c->vec_mean, c->dims, 0)) return "means";
    if (c->kind == SEER_COL_VECTOR && !all_finite(c->vec_std, c->dims, 1)) return "stds";
    return NULL;
}

// Saves the model, plus extra tensors and a "checkpoint" object when given.
// Every number is checked first, so that no file is written that the loader
// refuses (the tensors' in seer_modelfile_write).
int seer_model_save_with(const seer_model *m, const char *path, const seer_tensor *extra,
                         size_t n_extra, cJSON *checkpoint) {
    const seer_transform *t = &m->tf;
    const seer_net *n = &m->net;
    for (size_t j = 0; j < t->n_cols; j++) {
        const char *bad = bad_number(&t->col[j]);
        if (bad) {
            cJSON_Delete(checkpoint);
            return seer_errorf(SEER_EINTERNAL, "%s: not written: column %zu ('%s') has a "
                               "non-finite \"%s\"", path, j + 1, t->col[j].name, bad);
        }
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "seer", 1);
    cJSON_AddItemToObject(doc, "model", seer_net_json(&n->cfg));
    cJSON_AddItemToObject(doc, "transform", seer_transform_json(t));
    cJSON *training = m->training_json ? cJSON_Parse(m->training_json) : NULL;
    cJSON_AddItemToObject(doc, "training", training ? training : cJSON_CreateObject());
    if (checkpoint) cJSON_AddItemToObject(doc, "checkpoint", checkpoint);
    char *json = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);

    seer_tensor *ts = calloc(t->n_cols + 3 + n_extra, sizeof *ts);
    char (*names)[SEER_TENSOR_NAME_MAX + 1] = calloc(t->n_cols + 3, sizeof *names);
    if (!json || !ts || !names) {
        free(json);
        free(ts);
        free(names);
        return seer_errorf(SEER_ENOMEM, "out of memory saving %s", path);
    }
    size_t k = 0;
    ts[k++] = (seer_tensor){"dense", SEER_DTYPE_F32, 1, {n->n_params}, n->params};
    ts[k++] = (seer_tensor){"embedding", SEER_DTYPE_F32, 2, {n->cfg.emb_rows, n->D}, n->emb};
    if (n->plan.wide)
        ts[k++] = (seer_tensor){"wide", SEER_DTYPE_F32, 1, {n->cfg.emb_rows}, n->wide};
    for (size_t j = 0; j < t->n_cols; j++) {
        if (t->col[j].kind != SEER_COL_CATEGORICAL || t->col[j].hash_buckets) continue;
        snprintf(names[k], sizeof names[k], "vocab.%zu", j);
        ts[k] = (seer_tensor){names[k], SEER_DTYPE_U64, 1, {t->col[j].n_vocab}, t->col[j].vocab};
        k++;
    }
    for (size_t i = 0; i < n_extra; i++) ts[k++] = extra[i];
    int rc = seer_modelfile_write(path, json, ts, k);
    free(json);
    free(ts);
    free(names);
    return rc;
}

int seer_model_save(const seer_model *m, const char *path) {
    return seer_model_save_with(m, path, NULL, 0, NULL);
}

int seer_model_load(seer_model **out, const char *path, size_t batch_cap) {
    if (!batch_cap) batch_cap = SEER_SCORE_ROWS;
    *out = NULL;
    seer_modelfile *f;
    int rc = seer_modelfile_open(&f, path);
    if (rc != SEER_OK) return rc;
    seer_model *m = calloc(1, sizeof *m);
    cJSON *doc = cJSON_Parse(seer_modelfile_json(f));
    if (!m || !doc) {
        rc = m ? seer_errorf(SEER_EDATA, "%s: the model's JSON does not parse", path)
               : seer_errorf(SEER_ENOMEM, "out of memory");
    } else {
        rc = seer_transform_json_load(&m->tf, cJSON_GetObjectItemCaseSensitive(doc, "transform"), f, path);
        if (rc == SEER_OK) {
            rc = seer_net_json_load(&m->net, cJSON_GetObjectItemCaseSensitive(doc, "model"),
                                    &m->tf, f, path, batch_cap);
            if (rc != SEER_OK) seer_transform_free(&m->tf);
        }
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(doc, "training");
        if (rc == SEER_OK && tr) m->training_json = cJSON_PrintUnformatted(tr);
        if (m) m->file_id = seer_modelfile_id(f);
    }
    cJSON_Delete(doc);
    seer_modelfile_close(f);
    if (rc != SEER_OK) {
        free(m);
        return rc;
    }
    *out = m;
    return SEER_OK;
}

void seer_model_free(seer_model *m) {
    if (!m) return;
    seer_transform_free(&m->tf);
    seer_net_free(&m->net);
    free(m->training_json);
    free(m);
}

// Copies n bytes into a new buffer (a few spare bytes, as the loader's); 0 without memory.
static int dup_bytes(void *dst, const void *src, size_t n) {
    void *p = NULL;
    if (src) {
        p = malloc(n + 8);
        if (!p) return 0;
        memcpy(p, src, n);
    }
    memcpy(dst, &p, sizeof p);
    return 1;
}

// The columns are copied with their owned arrays (name, edges, vocab,
// vec_mean, vec_std: a new owned member of seer_column must be added here),
// and seer_transform_finish rebuilds the lookups and field tables, as the
// loader does.
static int clone_transform(seer_transform *t, const seer_transform *src) {
    memset(t, 0, sizeof *t);
    t->label_col = -1;
    t->format = src->format;
    t->n_cols = src->n_cols;
    t->col = calloc(src->n_cols + 1, sizeof *t->col);
    int ok = t->col != NULL;
    for (size_t j = 0; ok && j < src->n_cols; j++) {
        const seer_column *s = &src->col[j];
        seer_column *c = &t->col[j];
        *c = *s;
        c->name = NULL;
        c->edges = NULL;
        c->vocab = NULL;
        c->vec_mean = c->vec_std = NULL;
        memset(&c->lookup, 0, sizeof c->lookup);
        ok = (c->name = strdup(s->name)) != NULL &&
             dup_bytes(&c->edges, s->edges, s->n_edges * sizeof *s->edges) &&
             dup_bytes(&c->vocab, s->vocab, s->n_vocab * sizeof *s->vocab) &&
             dup_bytes(&c->vec_mean, s->vec_mean, s->dims * sizeof *s->vec_mean) &&
             dup_bytes(&c->vec_std, s->vec_std, s->dims * sizeof *s->vec_std);
    }
    int rc = ok ? seer_transform_finish(t)
                : seer_errorf(SEER_ENOMEM, "out of memory copying a transform");
    if (rc != SEER_OK) seer_transform_free(t);
    return rc;
}

int seer_model_clone(seer_model **out, const seer_model *m, int with_moments) {
    *out = NULL;
    seer_model *c = calloc(1, sizeof *c);
    if (!c) return seer_errorf(SEER_ENOMEM, "out of memory copying a model");
    int rc = clone_transform(&c->tf, &m->tf);
    if (rc != SEER_OK) {
        free(c);
        return rc;
    }
    SEER_ASSERT(c->tf.emb_rows == m->tf.emb_rows && c->tf.n_dense == m->tf.n_dense);
    const seer_net *s = &m->net;
    seer_net_config cfg = s->cfg;
    // The config points into the transform; the copy's must point into its own.
    cfg.field_slots = c->tf.field_slots;
    cfg.field_mean = c->tf.field_mean;
    rc = seer_net_init(&c->net, &cfg, 0);
    if (rc == SEER_OK && m->training_json && !(c->training_json = strdup(m->training_json)))
        rc = seer_errorf(SEER_ENOMEM, "out of memory copying a model");
    if (rc != SEER_OK) {
        seer_model_free(c);
        return rc;
    }
    seer_net *n = &c->net;
    size_t fb = sizeof(float), rows = cfg.emb_rows, np = s->n_params, ne = rows * s->D;
    memcpy(n->params, s->params, np * fb);
    memcpy(n->emb, s->emb, ne * fb);
    if (s->plan.wide) memcpy(n->wide, s->wide, rows * fb);
    if (with_moments) {
        memcpy(n->adam_m, s->adam_m, np * fb);
        memcpy(n->adam_v, s->adam_v, np * fb);
        memcpy(n->emb_m, s->emb_m, ne * fb);
        memcpy(n->emb_v, s->emb_v, ne * fb);
        if (s->plan.wide) {
            memcpy(n->wide_m, s->wide_m, rows * fb);
            memcpy(n->wide_v, s->wide_v, rows * fb);
        }
    } else {
        float **moments[] = {&n->adam_m, &n->adam_v, &n->emb_m, &n->emb_v, &n->wide_m,
                             &n->wide_v};
        for (size_t i = 0; i < sizeof moments / sizeof *moments; i++) {
            free(*moments[i]);
            *moments[i] = NULL;
        }
    }
    n->step = s->step;
    n->drop_rng = s->drop_rng;
    *out = c;
    return SEER_OK;
}

double seer_model_training_number(const seer_model *m, const char *key, double fallback) {
    cJSON *tr = m->training_json ? cJSON_Parse(m->training_json) : NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(tr, key);
    double x = cJSON_IsNumber(v) ? v->valuedouble : fallback;
    cJSON_Delete(tr);
    return x;
}
