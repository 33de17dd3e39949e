// The file of seer value's MLP (api/value_file.h).
#include "api/value_file.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/json_util.h"
#include "io/modelfile.h"

int seer_value_file_save(const char *path, const seer_value_mlp *net, const seer_value_log *log,
                         const seer_value_options *o) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "seer_value", 1);
    cJSON_AddStringToObject(j, "model", seer_value_model_names[net->ziln ? SEER_VALUE_ZILN
                                                                         : SEER_VALUE_MSE]);
    cJSON *w = cJSON_AddArrayToObject(j, "widths");
    for (size_t l = 0; l <= net->L; l++) cJSON_AddItemToArray(w, cJSON_CreateNumber(net->width[l]));
    add_exact(j, "y_scale", net->y_scale);
    cJSON_AddBoolToObject(j, "amount", o->amount != NULL);
    cJSON *ev = cJSON_AddArrayToObject(j, "events");
    for (size_t e = 0; e < log->n_events; e++)
        cJSON_AddItemToArray(ev, cJSON_CreateString(log->event_names[e]));
    cJSON_AddNumberToObject(j, "horizon_days", o->horizon);
    cJSON_AddNumberToObject(j, "cutoff_day", o->cutoff);
    char *json = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!json) return seer_errorf(SEER_ENOMEM, "out of memory writing %s", path);
    const seer_tensor t[3] = {
        {"params", SEER_DTYPE_F32, 1, {net->n_params}, net->params},
        {"mean", SEER_DTYPE_F32, 1, {net->F}, net->mean},
        {"inv_std", SEER_DTYPE_F32, 1, {net->F}, net->inv_std}};
    int rc = seer_modelfile_write(path, json, t, 3);
    free(json);
    return rc;
}

// The document's widths and settings into *o (model, hidden), *F and *scale; SEER_EDATA
// naming what is wrong, or what does not fit the log (features F, the amount, event types).
static int read_doc(const char *path, const cJSON *j, const seer_value_log *log,
                    const seer_value_options *run, seer_value_options *o, size_t *F,
                    double *scale) {
    int ok = 1;
    const char *model = str(j, "model", &ok);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "widths");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "events");
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(j, "amount");
    double hd = num(j, "horizon_days", &ok);
    *scale = num(j, "y_scale", &ok);
    int L = cJSON_IsArray(w) ? cJSON_GetArraySize(w) - 1 : -1;
    if (!ok || !cJSON_IsArray(ev) || !cJSON_IsBool(amount) || L < 1 ||
        L > SEER_VALUE_HIDDEN_MAX + 1 || !(hd >= 1 && hd <= 36600) || !(*scale > 0) ||
        !isfinite(*scale))
        return seer_errorf(SEER_EDATA, "%s: a value model's document is malformed", path);
    o->model = strcmp(model, "ziln") == 0  ? SEER_VALUE_ZILN
               : strcmp(model, "mse") == 0 ? SEER_VALUE_MSE : SEER_VALUE_BGNBD;
    long width[SEER_VALUE_HIDDEN_MAX + 2];
    for (int l = 0; l <= L; l++) {
        const cJSON *x = cJSON_GetArrayItem(w, l);
        width[l] = cJSON_IsNumber(x) ? count_of(x->valuedouble, 4096) : -1;
        if (width[l] < 1) return seer_errorf(SEER_EDATA, "%s: bad width in \"widths\"", path);
    }
    if (o->model == SEER_VALUE_BGNBD || width[L] != (o->model == SEER_VALUE_ZILN ? 3 : 1))
        return seer_errorf(SEER_EDATA, "%s: \"model\" is not ziln or mse with its head", path);
    o->n_hidden = (size_t)L - 1;
    for (int l = 1; l < L; l++) o->hidden[l - 1] = (size_t)width[l];
    *F = (size_t)width[0];
    if (cJSON_IsTrue(amount) != (run->amount != NULL))
        return seer_errorf(SEER_EDATA, "%s: the model was trained %s --amount; score with%s it",
                           path, run->amount ? "without" : "with", run->amount ? "out" : "");
    int n_ev = cJSON_GetArraySize(ev), same = (size_t)n_ev == log->n_events;
    for (int e = 0; same && e < n_ev; e++) {
        const cJSON *name = cJSON_GetArrayItem(ev, e);
        same = cJSON_IsString(name) && strcmp(name->valuestring, log->event_names[e]) == 0;
    }
    if (!same)
        return seer_errorf(SEER_EDATA, "%s: the model counts %d event types, the log's first %zu "
                           "by the cutoff differ (names or order): its features would not be "
                           "the model's", path, n_ev, log->n_events);
    return SEER_OK;
}

// Copies the f32 tensor name of n values into dst; SEER_EDATA when absent or of another size.
static int tensor(const char *path, const seer_modelfile *f, const char *name, float *dst,
                  size_t n) {
    const seer_tensor *t = seer_modelfile_tensor(f, name);
    if (!t || t->dtype != SEER_DTYPE_F32 || t->ndim != 1 || t->shape[0] != n)
        return seer_errorf(SEER_EDATA, "%s: tensor \"%s\" is missing or not %zu floats", path,
                           name, n);
    memcpy(dst, t->data, n * sizeof *dst);
    return SEER_OK;
}

int seer_value_file_load(const char *path, seer_value_mlp *net, const seer_value_log *log,
                         const seer_value_options *o) {
    seer_modelfile *f;
    int rc = seer_modelfile_open(&f, path);
    if (rc) return rc;
    cJSON *j = cJSON_Parse(seer_modelfile_json(f));
    int ok = 1;
    if (!j || num(j, "seer_value", &ok) != 1 || !ok)
        rc = seer_errorf(SEER_EDATA, "%s: not a seer value model (a model of seer train scores "
                         "rows with seer predict)", path);
    seer_value_options mo = *o;
    size_t F = 0;
    double scale = 1;
    if (!rc) rc = read_doc(path, j, log, o, &mo, &F, &scale);
    cJSON_Delete(j);
    if (!rc) rc = seer_value_mlp_alloc(net, F, &mo);
    if (!rc) rc = tensor(path, f, "params", net->params, net->n_params);
    if (!rc) rc = tensor(path, f, "mean", net->mean, F);
    if (!rc) rc = tensor(path, f, "inv_std", net->inv_std, F);
    net->y_scale = scale;
    seer_modelfile_close(f);
    return rc;
}
