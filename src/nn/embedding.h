// Embedding lookups and their sparse gradients.
//
// All fields share one table; a field's ids are already global rows (the
// field's offset added). The forward copies rows into a strided activation
// buffer so the deep part reads one dense matrix. The backward does not touch
// the table: it sums gradient rows per distinct id of the batch into a compact
// (n_uniq, D) buffer, which the lazy optimiser then applies row by row.
#ifndef SEER_NN_EMBEDDING_H
#define SEER_NN_EMBEDDING_H

#include <stddef.h>
#include <stdint.h>

#include "base/ids.h"

// out[b, f*D .. f*D+D) = table[ids[b*F+f]] for b < B, f < F. out has row
// stride ld_out (>= F*D). table (rows, D), ids (B, F).
void seer_embedding_forward(float *out, size_t ld_out, const float *table, const uint32_t *ids,
                            size_t B, size_t F, size_t D);

// Distinct ids of a batch. marks (2 * rows) is per-table scratch owned by
// the caller, zeroed once: per row the step it was last seen and its slot,
// side by side so that each id costs one cache miss. step must differ on
// every call (count from 1). Writes uniq (n_uniq) in first-seen order and slot
// (n) with each id's index into uniq; returns n_uniq.
size_t seer_embedding_unique(uint32_t *uniq, uint32_t *slot, const uint32_t *ids, size_t n,
                             uint32_t *marks, uint32_t step);

// drows[slot[b*F+f]] += dout[b, f*D .. f*D+D). drows (n_uniq, D), dout with row
// stride ld_out.
void seer_embedding_backward(float *drows, const uint32_t *slot, const float *dout,
                             size_t ld_out, size_t B, size_t F, size_t D);

// Multi-valued fields (embedding bags) in the CSR layout: bag i = b*F + f
// holds bag_ids[off[i] .. off[i+1]) with weights w (1, or 1/count for a
// mean). A row of ids has S >= F slots, field f taking field_slots[f] of
// them; unused slots are SEER_NO_ID (base/ids.h; the transform writes it).

// Builds the bags of B rows of ids (B, S): bag_ids and w (at most B*S), off
// (B*F + 1). Returns the number of ids kept.
size_t seer_embedding_bags(uint32_t *bag_ids, uint32_t *off, float *w, const uint32_t *ids,
                           size_t B, size_t S, size_t F, const uint32_t *field_slots,
                           const uint8_t *field_mean);

// out[b, f*D .. f*D+D) = sum over bag b*F+f of w[j] * table[bag_ids[j]].
void seer_embedding_bag_forward(float *out, size_t ld_out, const float *table,
                                const uint32_t *bag_ids, const uint32_t *off, const float *w,
                                size_t B, size_t F, size_t D);

// drows[slot[j]] += w[j] * dout[b, f*D .. f*D+D) for each id j of bag b*F+f;
// slot from seer_embedding_unique over bag_ids.
void seer_embedding_bag_backward(float *drows, const uint32_t *slot, const uint32_t *off,
                                 const float *w, const float *dout, size_t ld_out, size_t B,
                                 size_t F, size_t D);

#endif
