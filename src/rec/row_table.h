// An embedding table trained lazily by rows: the parameter (a matrix the model owns), its Adam
// moments, and the scratch of one batch (the distinct rows touched and their summed
// gradients). bpr and twotower train their user, item and feature tables through it.
//
// A batch: seer_rec_table_gather maps the batch's ids to distinct rows (their gradient rows
// zeroed), the kind adds each occurrence's gradient into drows[slot[i]]
// (seer_embedding_backward), and seer_rec_table_step applies one Adam step (or plain SGD) to
// those rows only (nn/adam.h: PyTorch's SparseAdam).
#ifndef SEER_REC_ROW_TABLE_H
#define SEER_REC_ROW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "nn/adam.h"

typedef struct {
    float *w;            // (rows, D) the parameter, not owned
    float *m, *v;        // (rows, D) Adam's moments
    uint32_t *marks;     // (2 * rows) seer_embedding_unique's scratch
    uint32_t step;       // calls of gather so far
    uint32_t *uniq;      // (cap) the batch's distinct rows
    uint32_t *slot;      // (cap) each id's index into uniq
    float *drows;        // (cap, D) their gradients
    size_t rows, D, cap, n_uniq;
} seer_rec_table;

// cap: the most ids of one batch. SEER_ENOMEM.
int seer_rec_table_init(seer_rec_table *t, float *w, size_t rows, size_t D, size_t cap);
void seer_rec_table_free(seer_rec_table *t);
// The distinct rows of ids (n <= cap), their gradient rows zeroed; returns their count.
size_t seer_rec_table_gather(seer_rec_table *t, const uint32_t *ids, size_t n);
// One update of the rows gathered: Adam (c, global step k from 1), or SGD with rate c->lr
// when sgd is nonzero.
void seer_rec_table_step(seer_rec_table *t, const seer_adam_config *c, long k, int sgd);

#endif
