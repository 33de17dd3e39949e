// The network's part of a model file's JSON document: the "model" object
// written from a net config (seer_net_json) and read back into a network with
// its weights from the file's tensors (seer_net_json_load). Not here: the
// transform's part (transform_json.c) and the document (model.c).
#include "io/net_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "models/calibration.h"

cJSON *seer_net_json(const seer_net_config *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", seer_model_ops_of(c->kind)->name);
    cJSON_AddNumberToObject(o, "fields", (double)c->n_fields);
    cJSON_AddNumberToObject(o, "dense", (double)c->n_dense);
    cJSON_AddNumberToObject(o, "embedding_rows", (double)c->emb_rows);
    cJSON_AddNumberToObject(o, "emb_dim", (double)c->emb_dim);
    cJSON *h = cJSON_AddArrayToObject(o, "hidden");
    for (size_t l = 0; l < c->n_hidden; l++)
        cJSON_AddItemToArray(h, cJSON_CreateNumber((double)c->hidden[l]));
    cJSON_AddNumberToObject(o, "cross_layers", (double)c->n_cross);
    cJSON_AddBoolToObject(o, "stacked", c->stacked);
    if (c->kind == SEER_MODEL_FINALMLP) {
        cJSON *h2 = cJSON_AddArrayToObject(o, "hidden2");
        for (size_t l = 0; l < c->n_hidden2; l++)
            cJSON_AddItemToArray(h2, cJSON_CreateNumber((double)c->hidden2[l]));
        cJSON_AddNumberToObject(o, "heads", (double)c->n_heads);
        cJSON_AddNumberToObject(o, "gate_hidden", (double)c->gate_hidden);
    }
    cJSON_AddStringToObject(o, "optimizer", c->adagrad ? "adagrad" : "adam");
    cJSON_AddStringToObject(o, "precision", c->bf16 ? "bf16" : "fp32");
    cJSON_AddNumberToObject(o, "dropout", c->dropout);
    // Only the other tasks have these: a file without them is binary, as files always were.
    if (c->task != SEER_TASK_BINARY) cJSON_AddStringToObject(o, "task", seer_task_names[c->task]);
    if (c->task == SEER_TASK_REGRESSION) {
        cJSON *lab = cJSON_AddObjectToObject(o, "label_scale");
        cJSON_AddNumberToObject(lab, "mean", c->label_mean);
        cJSON_AddNumberToObject(lab, "sd", c->label_sd);
    }
    if (c->task == SEER_TASK_ZILN && c->label_max > 0)
        cJSON_AddNumberToObject(o, "label_max", c->label_max);
    if (c->calibrated == SEER_CALIBRATION_PLATT) {
        cJSON *cal = cJSON_AddObjectToObject(o, "calibration");
        cJSON_AddStringToObject(cal, "method", "platt");
        cJSON_AddNumberToObject(cal, "a", c->calib_a);
        cJSON_AddNumberToObject(cal, "b", c->calib_b);
    } else if (c->calibrated == SEER_CALIBRATION_ISOTONIC) {
        // Floats as doubles: cJSON's digits read back to the same float.
        cJSON *cal = cJSON_AddObjectToObject(o, "calibration");
        cJSON_AddStringToObject(cal, "method", "isotonic");
        cJSON_AddNumberToObject(cal, "slope", c->calib_a);
        cJSON *x = cJSON_AddArrayToObject(cal, "x"), *y = cJSON_AddArrayToObject(cal, "y");
        for (size_t k = 0; k < c->calib_knots; k++) {
            cJSON_AddItemToArray(x, cJSON_CreateNumber(c->calib_x[k]));
            cJSON_AddItemToArray(y, cJSON_CreateNumber(c->calib_y[k]));
        }
    }
    return o;
}

// An isotonic calibration's "slope" and knots "x" and "y", checked as the map needs them.
static int read_isotonic(const cJSON *cal, seer_net_config *c) {
    int ok = 1;
    double slope = num(cal, "slope", &ok);
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(cal, "x");
    const cJSON *y = cJSON_GetObjectItemCaseSensitive(cal, "y");
    int K = cJSON_IsArray(x) && cJSON_IsArray(y) ? cJSON_GetArraySize(x) : -1;
    if (!ok || K < 2 || K > SEER_CALIB_KNOTS_MAX || cJSON_GetArraySize(y) != K ||
        !(fabs(slope) < 1e6))
        return SEER_EDATA;
    c->calib_knots = (size_t)K;
    c->calib_a = (float)slope;
    for (int k = 0; k < K; k++) {
        const cJSON *xk = cJSON_GetArrayItem(x, k), *yk = cJSON_GetArrayItem(y, k);
        if (!cJSON_IsNumber(xk) || !cJSON_IsNumber(yk) || !(fabs(xk->valuedouble) < 1e30))
            return SEER_EDATA;
        c->calib_x[k] = (float)xk->valuedouble;
        c->calib_y[k] = (float)yk->valuedouble;
    }
    c->calibrated = SEER_CALIBRATION_ISOTONIC;
    return seer_calibration_invalid(c) ? SEER_EDATA : SEER_OK;
}

// The optional "calibration" object (files before it have none: uncalibrated).
static int read_calibration(const cJSON *o, seer_net_config *c) {
    const cJSON *cal = cJSON_GetObjectItemCaseSensitive(o, "calibration");
    if (!cal) return SEER_OK;
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(cal, "method");
    if (!cJSON_IsObject(cal) || !cJSON_IsString(method)) return SEER_EDATA;
    if (strcmp(method->valuestring, "isotonic") == 0) return read_isotonic(cal, c);
    int ok = strcmp(method->valuestring, "platt") == 0;
    double a = ok ? num(cal, "a", &ok) : 0, b = ok ? num(cal, "b", &ok) : 0;
    if (!ok || !(a > 0 && a < 1e6) || !(fabs(b) < 1e6)) return SEER_EDATA;
    c->calibrated = SEER_CALIBRATION_PLATT;
    c->calib_a = (float)a;
    c->calib_b = (float)b;
    return SEER_OK;
}

// The optional "task" and, for regression, its "label_scale" (files before them: binary).
static int read_task(const cJSON *o, seer_net_config *c) {
    const cJSON *task = cJSON_GetObjectItemCaseSensitive(o, "task");
    c->task = SEER_TASK_BINARY;
    if (!task) return SEER_OK;
    int k = 0;
    while (cJSON_IsString(task) && seer_task_names[k] &&
           strcmp(seer_task_names[k], task->valuestring) != 0)
        k++;
    if (!cJSON_IsString(task) || !seer_task_names[k]) return SEER_EDATA;
    c->task = (seer_task)k;
    if (c->task == SEER_TASK_ZILN) {
        int has_max = 1;
        double max = num(o, "label_max", &has_max);
        if (has_max && !(max > 0 && max < 3e38)) return SEER_EDATA;
        c->label_max = has_max ? (float)max : 0.0f;
    }
    if (c->task != SEER_TASK_REGRESSION) return SEER_OK;
    const cJSON *lab = cJSON_GetObjectItemCaseSensitive(o, "label_scale");
    int ok = cJSON_IsObject(lab);
    double mean = ok ? num(lab, "mean", &ok) : 0, sd = ok ? num(lab, "sd", &ok) : 0;
    if (!ok || !(fabs(mean) < 3e38) || !(sd > 0 && sd < 3e38)) return SEER_EDATA;
    c->label_mean = (float)mean;
    c->label_sd = (float)sd;
    return SEER_OK;
}

int seer_net_json_load(seer_net *n, const cJSON *o, const seer_transform *t,
                       const seer_modelfile *f, const char *path, size_t batch_cap) {
    int ok = 1;
    seer_net_config c = {0};
    const seer_model_ops *ops = seer_model_ops_find(str(o, "kind", &ok));
    long fields = count_of(num(o, "fields", &ok), 1e6);
    long dense = count_of(num(o, "dense", &ok), 1e6);
    long rows = count_of(num(o, "embedding_rows", &ok), 4e9);
    long dim = count_of(num(o, "emb_dim", &ok), 4096);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "hidden");
    long cross = count_of(num(o, "cross_layers", &ok), SEER_LAYERS_MAX / 2);
    if (!ok || !ops || fields < 0 || dense < 0 || rows < 0 || dim < 1 || cross < 0 ||
        !cJSON_IsArray(h) || cJSON_GetArraySize(h) > SEER_LAYERS_MAX / 2 ||
        (size_t)fields != t->n_fields || (size_t)dense != t->n_dense ||
        (size_t)rows != t->emb_rows)
        return seer_errorf(SEER_EDATA, "%s: the model's network description is malformed", path);
    c.kind = ops->kind;
    c.n_fields = (size_t)fields;
    c.n_slots = t->n_slots;
    c.field_slots = t->field_slots;
    c.field_mean = t->field_mean;
    c.n_dense = (size_t)dense;
    c.emb_rows = (size_t)rows;
    c.emb_dim = (size_t)dim;
    c.n_cross = (size_t)cross;
    c.stacked = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "stacked"));
    const cJSON *opt = cJSON_GetObjectItemCaseSensitive(o, "optimizer");
    c.adagrad = cJSON_IsString(opt) && strcmp(opt->valuestring, "adagrad") == 0;
    const cJSON *prec = cJSON_GetObjectItemCaseSensitive(o, "precision");
    c.bf16 = cJSON_IsString(prec) && strcmp(prec->valuestring, "bf16") == 0;
    int has_dropout = 1;
    double dropout = num(o, "dropout", &has_dropout);
    c.dropout = has_dropout && dropout > 0 && dropout < 1 ? (float)dropout : 0.0f;
    if (read_calibration(o, &c) != SEER_OK)
        return seer_errorf(SEER_EDATA, "%s: the model's calibration is malformed", path);
    if (read_task(o, &c) != SEER_OK)
        return seer_errorf(SEER_EDATA, "%s: the model's task is malformed (binary, regression "
                           "or ziln, and a regression's label_scale)", path);
    const cJSON *hk;
    cJSON_ArrayForEach(hk, h) {
        long w = cJSON_IsNumber(hk) ? count_of(hk->valuedouble, 1 << 16) : -1;
        if (w < 1) return seer_errorf(SEER_EDATA, "%s: bad hidden layer width", path);
        c.hidden[c.n_hidden++] = (size_t)w;
    }
    if (c.kind == SEER_MODEL_FINALMLP) {
        // Only finalmlp files have these; absent keys read as the training defaults.
        const cJSON *h2 = cJSON_GetObjectItemCaseSensitive(o, "hidden2");
        if (h2 && (!cJSON_IsArray(h2) || cJSON_GetArraySize(h2) > SEER_LAYERS_MAX / 2))
            return seer_errorf(SEER_EDATA, "%s: bad second stream", path);
        cJSON_ArrayForEach(hk, h2) {
            long w = cJSON_IsNumber(hk) ? count_of(hk->valuedouble, 1 << 16) : -1;
            if (w < 1) return seer_errorf(SEER_EDATA, "%s: bad hidden layer width", path);
            c.hidden2[c.n_hidden2++] = (size_t)w;
        }
        if (!h2) c.hidden2[c.n_hidden2++] = 800;
        int has_heads = 1, has_gate = 1;
        long heads = count_of(num(o, "heads", &has_heads), 1 << 16);
        long gate = count_of(num(o, "gate_hidden", &has_gate), 1 << 16);
        c.n_heads = !has_heads ? 1 : heads > 0 ? (size_t)heads : 0;
        c.gate_hidden = !has_gate ? 64 : gate > 0 ? (size_t)gate : 0;
        const char *why = seer_net_config_invalid(&c);
        if (why) return seer_errorf(SEER_EDATA, "%s: finalmlp: %s", path, why);
    }
    if (c.task != SEER_TASK_BINARY) {
        const char *why = c.calibrated ? "a calibration is for binary models only"
                                       : seer_net_config_invalid(&c);
        if (why) return seer_errorf(SEER_EDATA, "%s: %s: %s", path, ops->name, why);
    }
    c.batch_cap = batch_cap;
    // Check the sizes against the tensors before allocating anything, so that
    // a description out of proportion to the file cannot ask for memory.
    size_t n_params, n_act;
    seer_net_plan plan;
    memset(&plan, 0, sizeof plan);
    ops->plan(&c, &plan);
    seer_net_sizes(&c, &n_params, &n_act);
    const seer_tensor *d = seer_modelfile_tensor(f, "dense");
    const seer_tensor *e = seer_modelfile_tensor(f, "embedding");
    const seer_tensor *w = seer_modelfile_tensor(f, "wide");
    if (!d || !e || d->dtype != SEER_DTYPE_F32 || e->dtype != SEER_DTYPE_F32 || d->ndim != 1 ||
        d->shape[0] != n_params || e->ndim != 2 || e->shape[0] != c.emb_rows ||
        e->shape[1] != plan.D || (plan.wide && (!w || w->dtype != SEER_DTYPE_F32 ||
                                                w->ndim != 1 || w->shape[0] != c.emb_rows)))
        return seer_errorf(SEER_EDATA, "%s: the model's tensors do not match its description",
                           path);
    int rc = seer_net_init(n, &c, 0);
    if (rc != SEER_OK) return rc;
    if (plan.wide) memcpy(n->wide, w->data, c.emb_rows * sizeof(float));
    memcpy(n->params, d->data, n->n_params * sizeof(float));
    memcpy(n->emb, e->data, c.emb_rows * n->D * sizeof(float));
    return SEER_OK;
}
