// Training checkpoints: a model file that also holds the optimiser moments,
// the best epoch's weights and a "checkpoint" object with where the run
// stands, written through the model's save (model_save.h) and read back over
// the model's load. Not here: the decision when to write one (train/).
#include "io/checkpoint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/json_util.h"
#include "io/model_save.h"
#include "io/modelfile.h"

static void add_u64_hex(cJSON *o, const char *key, uint64_t v) {
    char s[24];
    snprintf(s, sizeof s, "%016llx", (unsigned long long)v);
    cJSON_AddStringToObject(o, key, s);
}

int seer_checkpoint_write(const seer_model *m, const char *path, const seer_checkpoint_state *st,
                          const float *best_params, const float *best_emb,
                          const float *best_wide) {
    const seer_net *n = &m->net;
    size_t rows = n->cfg.emb_rows, np = n->n_params, D = n->D;
    seer_tensor ts[13];
    size_t k = 0;
    ts[k++] = (seer_tensor){"adam.m", SEER_DTYPE_F32, 1, {np}, n->adam_m};
    ts[k++] = (seer_tensor){"adam.v", SEER_DTYPE_F32, 1, {np}, n->adam_v};
    ts[k++] = (seer_tensor){"embedding.m", SEER_DTYPE_F32, 2, {rows, D}, n->emb_m};
    ts[k++] = (seer_tensor){"embedding.v", SEER_DTYPE_F32, 2, {rows, D}, n->emb_v};
    if (n->plan.wide) {
        ts[k++] = (seer_tensor){"wide.m", SEER_DTYPE_F32, 1, {rows}, n->wide_m};
        ts[k++] = (seer_tensor){"wide.v", SEER_DTYPE_F32, 1, {rows}, n->wide_v};
    }
    if (best_params) {
        ts[k++] = (seer_tensor){"best.dense", SEER_DTYPE_F32, 1, {np}, best_params};
        ts[k++] = (seer_tensor){"best.embedding", SEER_DTYPE_F32, 2, {rows, D}, best_emb};
        if (n->plan.wide)
            ts[k++] = (seer_tensor){"best.wide", SEER_DTYPE_F32, 1, {rows}, best_wide};
    }
    if (st->avg_params) {
        ts[k++] = (seer_tensor){"average.dense", SEER_DTYPE_F32, 1, {np}, st->avg_params};
        ts[k++] = (seer_tensor){"average.embedding", SEER_DTYPE_F32, 2, {rows, D}, st->avg_emb};
        ts[k++] = (seer_tensor){"average.last", SEER_DTYPE_U64, 1, {rows}, st->avg_last};
        if (n->plan.wide)
            ts[k++] = (seer_tensor){"average.wide", SEER_DTYPE_F32, 1, {rows}, st->avg_wide};
    }
    cJSON *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "step", (double)st->step);
    cJSON_AddNumberToObject(c, "epoch", (double)st->epoch);
    cJSON_AddNumberToObject(c, "batch", (double)st->batch);
    cJSON *r = cJSON_AddArrayToObject(c, "rng");
    for (int i = 0; i < 4; i++) {
        char s[24];
        snprintf(s, sizeof s, "%016llx", (unsigned long long)st->rng[i]);
        cJSON_AddItemToArray(r, cJSON_CreateString(s));
    }
    cJSON *dr = cJSON_AddArrayToObject(c, "dropout_rng");
    for (int i = 0; i < 4; i++) {
        char s[24];
        snprintf(s, sizeof s, "%016llx", (unsigned long long)n->drop_rng.s[i]);
        cJSON_AddItemToArray(dr, cJSON_CreateString(s));
    }
    add_exact(c, "loss_sum", st->loss_sum);
    cJSON_AddNumberToObject(c, "epochs_run", (double)st->epochs_run);
    if (isfinite(st->best_score)) add_exact(c, "best_score", st->best_score);
    cJSON_AddNumberToObject(c, "best_epoch", (double)st->best_epoch);
    cJSON_AddNumberToObject(c, "since_best", (double)st->since_best);
    if (isfinite(st->best_auc)) add_exact(c, "best_auc", st->best_auc);
    add_exact(c, "best_logloss", st->best_logloss);
    add_exact(c, "best_accuracy", st->best_accuracy);
    add_exact(c, "best_positive_rate", st->best_positive_rate);
    cJSON_AddNumberToObject(c, "best_rows", (double)st->best_rows);
    cJSON_AddNumberToObject(c, "batch_size", (double)st->batch_size);
    add_u64_hex(c, "seed", st->seed);
    if (st->settings[0]) cJSON_AddStringToObject(c, "settings", st->settings);
    if (st->avg_params) add_exact(c, "average_decay", st->avg_decay);
    if (st->online_seq || st->online_applied || st->online_source) {
        cJSON *on = cJSON_AddObjectToObject(c, "online");
        add_u64_hex(on, "seq", st->online_seq);
        add_u64_hex(on, "applied", st->online_applied);
        if (st->online_source) add_u64_hex(on, "source", st->online_source);
        if (st->online_at_path) add_u64_hex(on, "at_path", st->online_at_path);
    }
    return seer_model_save_with(m, path, ts, k, c);
}

// Copies the f32 tensor name of exactly numel values into dst (allocating it
// when *dst is NULL); 0 when absent or the wrong size.
static int copy_tensor(const seer_modelfile *f, const char *name, size_t numel, float **dst) {
    const seer_tensor *t = seer_modelfile_tensor(f, name);
    if (!t || t->dtype != SEER_DTYPE_F32) return 0;
    size_t have = 1;
    for (size_t d = 0; d < t->ndim; d++) have *= t->shape[d];
    if (have != numel) return 0;
    if (!*dst) *dst = malloc(numel * sizeof(float) + 4);
    if (!*dst) return 0;
    memcpy(*dst, t->data, numel * sizeof(float));
    return 1;
}

// The u64 tensor name of exactly numel values into a new *dst; 0 when absent or the wrong size.
static int copy_u64_tensor(const seer_modelfile *f, const char *name, size_t numel,
                           uint64_t **dst) {
    const seer_tensor *t = seer_modelfile_tensor(f, name);
    if (!t || t->dtype != SEER_DTYPE_U64 || t->ndim != 1 || t->shape[0] != numel) return 0;
    *dst = malloc((numel + 1) * sizeof **dst);
    if (!*dst) return 0;
    memcpy(*dst, t->data, numel * sizeof **dst);
    return 1;
}

void seer_checkpoint_average_free(seer_checkpoint_state *st) {
    free(st->avg_params);
    free(st->avg_emb);
    free(st->avg_wide);
    free(st->avg_last);
    st->avg_params = st->avg_emb = st->avg_wide = NULL;
    st->avg_last = NULL;
    st->avg_decay = 0;
}

static uint64_t hex_u64(const cJSON *v, int *ok) {
    unsigned long long x = 0;
    if (!cJSON_IsString(v) || sscanf(v->valuestring, "%16llx", &x) != 1) *ok = 0;
    return (uint64_t)x;
}

int seer_checkpoint_read(seer_model **out, const char *path, size_t batch_cap,
                         seer_checkpoint_state *st, float **best_params, float **best_emb,
                         float **best_wide) {
    *out = NULL;
    *best_params = *best_emb = *best_wide = NULL;
    memset(st, 0, sizeof *st);
    seer_model *m;
    int rc = seer_model_load(&m, path, batch_cap);
    if (rc != SEER_OK) return rc;
    seer_modelfile *f;
    rc = seer_modelfile_open(&f, path);
    if (rc != SEER_OK) {
        seer_model_free(m);
        return rc;
    }
    cJSON *doc = cJSON_Parse(seer_modelfile_json(f));
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "checkpoint");
    int ok = c != NULL;
    seer_net *n = &m->net;
    size_t rows = n->cfg.emb_rows, np = n->n_params, D = n->D;
    if (ok) {
        st->step = (long)num(c, "step", &ok);
        st->epoch = (size_t)count_of(num(c, "epoch", &ok), 1e9);
        st->batch = (size_t)count_of(num(c, "batch", &ok), 1e12);
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "rng");
        ok = ok && cJSON_IsArray(r) && cJSON_GetArraySize(r) == 4;
        for (int i = 0; ok && i < 4; i++) st->rng[i] = hex_u64(cJSON_GetArrayItem(r, i), &ok);
        const cJSON *dr = cJSON_GetObjectItemCaseSensitive(c, "dropout_rng");
        ok = ok && cJSON_IsArray(dr) && cJSON_GetArraySize(dr) == 4;
        for (int i = 0; ok && i < 4; i++)
            m->net.drop_rng.s[i] = hex_u64(cJSON_GetArrayItem(dr, i), &ok);
        st->loss_sum = num(c, "loss_sum", &ok);
        st->epochs_run = (size_t)count_of(num(c, "epochs_run", &ok), 1e9);
        int has_score = 1;
        st->best_score = num(c, "best_score", &has_score);
        if (!has_score) st->best_score = -INFINITY;
        st->best_epoch = (size_t)count_of(num(c, "best_epoch", &ok), 1e9);
        st->since_best = (size_t)count_of(num(c, "since_best", &ok), 1e9);
        int has_auc = 1;
        st->best_auc = num(c, "best_auc", &has_auc);
        if (!has_auc) st->best_auc = NAN;
        st->best_logloss = num(c, "best_logloss", &ok);
        st->best_accuracy = num(c, "best_accuracy", &ok);
        st->best_positive_rate = num(c, "best_positive_rate", &ok);
        st->best_rows = (size_t)count_of(num(c, "best_rows", &ok), 1e15);
        st->batch_size = (size_t)count_of(num(c, "batch_size", &ok), 1e9);
        st->seed = hex_u64(cJSON_GetObjectItemCaseSensitive(c, "seed"), &ok);
        const cJSON *set = cJSON_GetObjectItemCaseSensitive(c, "settings");
        if (set && (!cJSON_IsString(set) || strlen(set->valuestring) >= sizeof st->settings))
            ok = 0;
        else if (set) strcpy(st->settings, set->valuestring);
        const cJSON *on = cJSON_GetObjectItemCaseSensitive(c, "online");
        if (on) {
            st->online_seq = hex_u64(cJSON_GetObjectItemCaseSensitive(on, "seq"), &ok);
            st->online_applied = hex_u64(cJSON_GetObjectItemCaseSensitive(on, "applied"), &ok);
            const cJSON *src = cJSON_GetObjectItemCaseSensitive(on, "source");
            const cJSON *at = cJSON_GetObjectItemCaseSensitive(on, "at_path");
            if (src) st->online_source = hex_u64(src, &ok);
            if (at) st->online_at_path = hex_u64(at, &ok);
        }
        ok = ok && st->step >= 0;
    }
    ok = ok && copy_tensor(f, "adam.m", np, &n->adam_m) && copy_tensor(f, "adam.v", np, &n->adam_v)
         && copy_tensor(f, "embedding.m", rows * D, &n->emb_m)
         && copy_tensor(f, "embedding.v", rows * D, &n->emb_v);
    if (ok && n->plan.wide)
        ok = copy_tensor(f, "wide.m", rows, &n->wide_m) &&
             copy_tensor(f, "wide.v", rows, &n->wide_v);
    if (ok && seer_modelfile_tensor(f, "best.dense")) {
        ok = copy_tensor(f, "best.dense", np, best_params) &&
             copy_tensor(f, "best.embedding", rows * D, best_emb) &&
             (!n->plan.wide || copy_tensor(f, "best.wide", rows, best_wide));
    }
    if (ok && seer_modelfile_tensor(f, "average.dense")) {
        int has_decay = 1;
        st->avg_decay = num(c, "average_decay", &has_decay);
        ok = has_decay && st->avg_decay > 0 && st->avg_decay < 1 &&
             copy_tensor(f, "average.dense", np, &st->avg_params) &&
             copy_tensor(f, "average.embedding", rows * D, &st->avg_emb) &&
             copy_u64_tensor(f, "average.last", rows, &st->avg_last) &&
             (!n->plan.wide || copy_tensor(f, "average.wide", rows, &st->avg_wide));
        for (size_t r = 0; ok && r < rows; r++) ok = st->avg_last[r] <= (uint64_t)st->step;
    }
    n->step = st->step;
    cJSON_Delete(doc);
    seer_modelfile_close(f);
    if (!ok) {
        free(*best_params);
        free(*best_emb);
        free(*best_wide);
        *best_params = *best_emb = *best_wide = NULL;
        seer_checkpoint_average_free(st);
        seer_model_free(m);
        return seer_errorf(SEER_EDATA, "%s: not a seer training checkpoint (or a damaged one)",
                           path);
    }
    *out = m;
    return SEER_OK;
}
