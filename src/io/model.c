// Saving and loading whole models: one model file whose JSON document holds
// the transform (transform_json.c), the network (net_json.c) and the training
// metadata, and whose tensors hold the weights. Checkpoints (checkpoint.c)
// save through the same seer_model_save_with; copies are clone.c's.
#include "io/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/json_util.h"
#include "io/model_save.h"
#include "io/modelfile.h"
#include "io/net_json.h"
#include "io/transform_json.h"

static void add_finite(cJSON *j, const char *key, double x) {
    if (isfinite(x)) cJSON_AddNumberToObject(j, key, x);
}

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
    if (info->task == SEER_TASK_BINARY) {
        add_finite(j, "auc", info->auc);
        add_finite(j, "logloss", info->logloss);
        add_finite(j, "accuracy", info->accuracy);
        add_finite(j, "train_logloss", info->train_logloss);
    } else {  // a value's metrics: a log loss or an AUC of it would be NaN
        add_finite(j, "rmse", info->rmse);
        add_finite(j, "mae", info->mae);
        add_finite(j, "normalized_gini", info->normalized_gini);
        add_finite(j, "spearman", info->spearman);
        add_finite(j, "loss", info->loss);
        add_finite(j, "train_loss", info->train_loss);
    }
    if (info->solver) {  // a run's settings, from the seer that chooses them from the data
        cJSON_AddNumberToObject(j, "max_epochs", (double)info->max_epochs);
        cJSON_AddNumberToObject(j, "patience", (double)info->patience);
        if (strcmp(info->solver, "lbfgs") == 0) cJSON_AddNumberToObject(j, "l2", info->l2);
        cJSON_AddStringToObject(j, "solver", info->solver);
        if (info->average_decay > 0)
            cJSON_AddNumberToObject(j, "average_decay", info->average_decay);
        cJSON_AddStringToObject(j, "settings_from", info->settings_from);
    }
    if (info->cost_fn > 0 && info->cost_fp > 0) {
        cJSON_AddNumberToObject(j, "cost_fn", info->cost_fn);
        cJSON_AddNumberToObject(j, "cost_fp", info->cost_fp);
        cJSON_AddNumberToObject(j, "threshold", info->cost_fp / (info->cost_fp + info->cost_fn));
    }
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
    if (c->kind == SEER_COL_NUMERIC && c->ple && !(isfinite(c->lo) && isfinite(c->hi)))
        return "lo";
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
    if (out) *out = NULL;
    if (!out || !path) return seer_errorf(SEER_EINVAL, "seer_model_load: a NULL argument");
    // batch_cap sizes every buffer of the network; far past any batch, the sizes overflow.
    if (batch_cap > SEER_BATCH_CAP_MAX)
        return seer_errorf(SEER_EINVAL, "seer_model_load: batch_cap %zu is more than %d rows",
                           batch_cap, SEER_BATCH_CAP_MAX);
    if (!batch_cap) batch_cap = SEER_SCORE_ROWS;
    seer_modelfile *f;
    int rc = seer_modelfile_open(&f, path);
    if (rc != SEER_OK) return rc;
    seer_model *m = calloc(1, sizeof *m);
    cJSON *doc = cJSON_Parse(seer_modelfile_json(f));
    if (!m || !doc) {
        rc = m ? seer_errorf(SEER_EDATA, "%s: the model's JSON does not parse", path)
               : seer_errorf(SEER_ENOMEM, "out of memory");
    } else if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "kind"))) {
        // A recommender's file (io/rec_file.h) holds no transform nor network.
        rc = seer_errorf(SEER_EINVAL, "%s: a recommender's model file: use seer recommend, "
                         "seer eval or seer serve (seer/recommend.h)", path);
    } else if (cJSON_GetObjectItemCaseSensitive(doc, "seer_value")) {
        // seer value's MLP (api/value_file.h) scores users of a log, not rows.
        rc = seer_errorf(SEER_EDATA, "%s: a model of seer value: score a log's users with seer "
                         "value LOG ... --load-model %s", path, path);
    } else {
        rc = seer_transform_json_load(&m->tf, cJSON_GetObjectItemCaseSensitive(doc, "transform"),
                                      f, path);
        if (rc == SEER_OK) {
            rc = seer_net_json_load(&m->net, cJSON_GetObjectItemCaseSensitive(doc, "model"),
                                    &m->tf, f, path, batch_cap);
            if (rc != SEER_OK) seer_transform_free(&m->tf);
            // The file keeps the task once, with the network; the label checks read it here.
            else m->tf.task = m->net.cfg.task;
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

double seer_model_training_number(const seer_model *m, const char *key, double fallback) {
    cJSON *tr = m->training_json ? cJSON_Parse(m->training_json) : NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(tr, key);
    double x = cJSON_IsNumber(v) ? v->valuedouble : fallback;
    cJSON_Delete(tr);
    return x;
}
