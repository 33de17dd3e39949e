// The recommender model's common parts (see model.h): the catalogue and histories from a
// log, the named parameters and settings every kind keeps, and the exclusion lists.
#include "rec/model.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

void seer_rec_model_init(seer_rec_model *m, seer_rec_kind kind) {
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->ops = seer_rec_ops_of(kind);
    seer_idmap_init(&m->users);
    seer_idmap_init(&m->items);
}

static void free_data(seer_rec_model *m) {
    free(m->pop);
    free(m->hist_off);
    free(m->hist_item);
    free(m->seen_off);
    free(m->seen_sorted);
    m->pop = NULL;
    m->hist_off = m->seen_off = NULL;
    m->hist_item = m->seen_sorted = NULL;
}

void seer_rec_model_free(seer_rec_model *m) {
    free_data(m);
    seer_rec_compact_free(&m->compact);
    for (size_t i = 0; i < m->n_params; i++) free(m->params[i].data);
    seer_idmap_free(&m->users);
    seer_idmap_free(&m->items);
    seer_side_features_free(&m->item_feats);
    seer_side_features_free(&m->user_feats);
    memset(m, 0, sizeof *m);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

// seen_* from hist_*: each row sorted, repeats dropped.
static int build_seen(seer_rec_model *m) {
    size_t nnz = (size_t)m->hist_off[m->n_users];
    m->seen_off = calloc(m->n_users + 1, sizeof *m->seen_off);
    m->seen_sorted = malloc((nnz ? nnz : 1) * sizeof *m->seen_sorted);
    if (!m->seen_off || !m->seen_sorted) return seer_errorf(SEER_ENOMEM, "out of memory");
    size_t at = 0;
    for (size_t u = 0; u < m->n_users; u++) {
        size_t a = (size_t)m->hist_off[u], n = (size_t)m->hist_off[u + 1] - a;
        uint32_t *row = m->seen_sorted + at;
        memcpy(row, m->hist_item + a, n * sizeof *row);
        qsort(row, n, sizeof *row, cmp_u32);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (i == 0 || row[i] != row[k - 1]) row[k++] = row[i];
        at += k;
        m->seen_off[u + 1] = at;
    }
    return SEER_OK;
}

int seer_rec_model_set_history(seer_rec_model *m) {
    free(m->seen_off);
    free(m->seen_sorted);
    m->seen_off = NULL;
    m->seen_sorted = NULL;
    return build_seen(m);
}

int seer_rec_model_set_data(seer_rec_model *m, const seer_interactions *x,
                            const uint64_t *user_off, const uint64_t *user_idx,
                            const unsigned char *valid) {
    free_data(m);
    m->n_users = m->users.n;
    m->n_items = m->items.n;
    m->has_rating = x->rating != NULL;
    m->pop = calloc(m->n_items ? m->n_items : 1, sizeof *m->pop);
    m->hist_off = calloc(m->n_users + 1, sizeof *m->hist_off);
    m->hist_item = malloc((x->n ? x->n : 1) * sizeof *m->hist_item);
    if (!m->pop || !m->hist_off || !m->hist_item) return seer_errorf(SEER_ENOMEM, "out of memory");
    size_t at = 0;
    for (size_t u = 0; u < m->n_users; u++) {
        for (uint64_t k = user_off[u]; k < user_off[u + 1]; k++) {
            uint64_t i = user_idx[k];
            if (valid && valid[i]) continue;
            m->hist_item[at++] = x->item[i];
            m->pop[x->item[i]] += 1;
        }
        m->hist_off[u + 1] = at;
    }
    return build_seen(m);
}

float *seer_rec_param_new(seer_rec_model *m, const char *name, size_t rows, size_t cols) {
    SEER_ASSERT(strlen(name) < SEER_REC_NAME_MAX);
    seer_rec_param *p = NULL;
    for (size_t i = 0; i < m->n_params && !p; i++)
        if (!strcmp(m->params[i].name, name)) p = &m->params[i];
    if (!p && m->n_params == SEER_REC_PARAMS_MAX) {
        seer_errorf(SEER_EINVAL, "more than %d parameters", SEER_REC_PARAMS_MAX);
        return NULL;
    }
    float *data = calloc(rows > 0 && cols > 0 ? rows * cols : 1, sizeof *data);
    if (!data) {
        seer_errorf(SEER_ENOMEM, "parameter %s (%zu x %zu): out of memory", name, rows, cols);
        return NULL;
    }
    if (!p) {
        p = &m->params[m->n_params++];
        snprintf(p->name, sizeof p->name, "%s", name);
    }
    free(p->data);
    p->data = data;
    p->rows = rows;
    p->cols = cols;
    return data;
}

float *seer_rec_param_get(const seer_rec_model *m, const char *name, size_t *rows,
                          size_t *cols) {
    for (size_t i = 0; i < m->n_params; i++) {
        if (strcmp(m->params[i].name, name)) continue;
        if (rows) *rows = m->params[i].rows;
        if (cols) *cols = m->params[i].cols;
        return m->params[i].data;
    }
    return NULL;
}

double seer_rec_setting_get(const seer_rec_model *m, const char *name, double dflt) {
    for (size_t i = 0; i < m->n_settings; i++)
        if (!strcmp(m->settings[i].name, name)) return m->settings[i].value;
    return dflt;
}

void seer_rec_setting_set(seer_rec_model *m, const char *name, double value) {
    SEER_ASSERT(strlen(name) < SEER_REC_NAME_MAX);
    for (size_t i = 0; i < m->n_settings; i++)
        if (!strcmp(m->settings[i].name, name)) {
            m->settings[i].value = value;
            return;
        }
    SEER_ASSERT(m->n_settings < SEER_REC_SETTINGS_MAX);
    snprintf(m->settings[m->n_settings].name, SEER_REC_NAME_MAX, "%s", name);
    m->settings[m->n_settings++].value = value;
}

const uint32_t *seer_rec_seen(const seer_rec_model *m, uint32_t user, size_t *n) {
    SEER_ASSERT(user < m->n_users);
    *n = (size_t)(m->seen_off[user + 1] - m->seen_off[user]);
    return m->seen_sorted + m->seen_off[user];
}

void seer_rec_model_views(seer_rec_model *m) {
    size_t rows = 0, cols = 0, brows = 0, bcols = 0;
    m->item_vec = seer_rec_param_get(m, "item_vec", &rows, &cols);
    if (m->item_vec) m->dim = cols;
    m->item_bias = seer_rec_param_get(m, "item_bias", &brows, &bcols);
    seer_rec_compact_free(&m->compact);
    // A misshapen loaded matrix is prepare's to report; no copy is read from it before.
    int shaped = m->item_vec && rows == m->n_items && cols > 0 &&
                 (!m->item_bias || brows * bcols == m->n_items);
    if (shaped && m->n_items >= SEER_REC_COMPACT_MIN_ITEMS &&
        seer_rec_compact_build(&m->compact, m->item_vec, m->item_bias, m->n_items, m->dim) !=
            SEER_OK)
        seer_error_clear();
}
