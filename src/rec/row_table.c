// Lazily trained embedding tables; see row_table.h.
#include "rec/row_table.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "nn/embedding.h"
#include "seer.h"

int seer_rec_table_init(seer_rec_table *t, float *w, size_t rows, size_t D, size_t cap) {
    memset(t, 0, sizeof *t);
    t->w = w;
    t->rows = rows;
    t->D = D;
    t->cap = cap;
    t->m = calloc(rows * D + 1, sizeof *t->m);
    t->v = calloc(rows * D + 1, sizeof *t->v);
    t->marks = calloc(2 * rows + 1, sizeof *t->marks);
    t->uniq = malloc((cap + 1) * sizeof *t->uniq);
    t->slot = malloc((cap + 1) * sizeof *t->slot);
    t->drows = malloc((cap * D + 1) * sizeof *t->drows);
    if (!t->m || !t->v || !t->marks || !t->uniq || !t->slot || !t->drows) {
        seer_rec_table_free(t);
        return seer_errorf(SEER_ENOMEM, "out of memory for a table of %zu x %zu", rows, D);
    }
    return SEER_OK;
}

void seer_rec_table_free(seer_rec_table *t) {
    SEER_FREE_ALL(t->m, t->v, t->marks, t->uniq, t->slot, t->drows);
    memset(t, 0, sizeof *t);
}

size_t seer_rec_table_gather(seer_rec_table *t, const uint32_t *ids, size_t n) {
    t->n_uniq = seer_embedding_unique(t->uniq, t->slot, ids, n, t->marks, ++t->step);
    memset(t->drows, 0, t->n_uniq * t->D * sizeof *t->drows);
    return t->n_uniq;
}

void seer_rec_table_step(seer_rec_table *t, const seer_adam_config *c, long k, int sgd) {
    if (!sgd) {
        seer_adam_rows_step(t->w, t->m, t->v, t->uniq, t->drows, t->n_uniq, t->D, c, k, NULL);
        return;
    }
    for (size_t i = 0; i < t->n_uniq; i++) {
        float *w = t->w + (size_t)t->uniq[i] * t->D;
        const float *g = t->drows + i * t->D;
        for (size_t j = 0; j < t->D; j++) w[j] -= c->lr * g[j];
    }
}
