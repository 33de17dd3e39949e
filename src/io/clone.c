// The deep copy of a model (seer_model_clone, declared in model.h): what the
// online learner publishes to the server and trains on apart. The copy is
// built as the loader builds a model (seer_transform_finish, seer_net_init),
// then the weights are copied; nothing goes through a file.
#include "io/model.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

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
    t->task = src->task;
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
