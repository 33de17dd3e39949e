// What a loaded model tells a library user about itself: its kind, the layout it was trained
// on, its label and its input schema (seer.h). Reads the model; changes nothing.
#include <stddef.h>

#include "base/error.h"
#include "io/model.h"

seer_model_kind seer_model_get_kind(const seer_model *m) { return m->net.cfg.kind; }

const char *seer_model_name(const seer_model *m) {
    return seer_model_ops_of(m->net.cfg.kind)->name;
}

seer_format seer_model_format(const seer_model *m) { return m->tf.format; }

const char *seer_model_label(const seer_model *m) {
    return m->tf.label_col >= 0 ? m->tf.col[m->tf.label_col].name : NULL;
}

seer_task seer_model_task(const seer_model *m) { return m->net.cfg.task; }

size_t seer_model_input_count(const seer_model *m) { return m->tf.n_cols; }

int seer_model_input(const seer_model *m, size_t i, seer_column_info *info) {
    if (!m || !info) return seer_errorf(SEER_EINVAL, "seer_model_input: a NULL argument");
    if (i >= m->tf.n_cols)
        return seer_errorf(SEER_EINVAL, "seer_model_input: column %zu of a model of %zu", i,
                           m->tf.n_cols);
    const seer_column *c = &m->tf.col[i];
    // seer_col_kind's values are the public kinds' first five; a multi-valued categorical
    // column is the public MULTI.
    _Static_assert((int)SEER_COL_VECTOR == (int)SEER_COLUMN_VECTOR, "column kinds differ");
    seer_column_kind kind = c->multi ? SEER_COLUMN_MULTI : (seer_column_kind)c->kind;
    *info = (seer_column_info){
        .name = c->name,
        .kind = kind,
        .dims = kind == SEER_COLUMN_VECTOR ? c->dims : kind == SEER_COLUMN_MULTI ? c->slots : 1,
        .values = c->kind != SEER_COL_CATEGORICAL ? 0 : c->hash_buckets ? c->hash_buckets
                                                                         : c->n_vocab,
        .missing_rate = c->missing_rate,
        .reason = c->reason,
    };
    return SEER_OK;
}
