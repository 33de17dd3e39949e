// A compact copy of a dot-product model's item matrix, for one user's top-K over a large
// catalogue: int8 values with a scale per item (a quarter of fp32's bytes), built once when
// the model is ready. A first pass scores every item from the copy, each score with a bound on
// its distance from the fp32 score; the items whose bounds can still reach the top K are then
// scored exactly (seer_topk_score_one), so the answer is the fp32 path's, items and bits.
#ifndef SEER_REC_COMPACT_H
#define SEER_REC_COMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "rec/topk.h"

// Items a block of the copy holds: item-interleaved, so a vector register scores 16 at once.
#define SEER_COMPACT_LANES 16

typedef struct {
    size_t n_items, dim;
    int8_t *q;          // (n_items rounded up to 16 / 16, dim, 16): q[d][j] of each block
    float *scale;       // (n_items rounded up) max |v_i| / 127; 0 for the padding
    float scale_max;    // max scale
    float vbias_max;    // max |vbias|, or 0
    int avx512;         // the AVX-512 kernel (this CPU has it); 0: the portable one
} seer_rec_compact;

// c from V (n_items, dim). SEER_EINVAL (nothing built, c zeroed) when a value is not finite or
// too large to bound, SEER_ENOMEM. seer_rec_compact_free on a zeroed c is a no-op.
int seer_rec_compact_build(seer_rec_compact *c, const float *V, const float *vbias,
                           size_t n_items, size_t dim);
void seer_rec_compact_free(seer_rec_compact *c);
// Floats of scratch seer_rec_compact_top needs.
size_t seer_rec_compact_scratch(size_t n_items);
// What seer_topk_dot gives one user (U 1 x dim, *ubias or NULL) over V and vbias, the
// matrix c was built from, excluding ex_item (n_ex, sorted): out (k) and *n_out. Returns 0
// when that would not pay or cannot be bounded (u not finite, scores near overflow, more
// than n_items / 16 + k candidates): then out is garbage and the caller scores in fp32.
int seer_rec_compact_top(const seer_rec_compact *c, seer_rec_hit *out, size_t *n_out,
                         const float *u, const float *ubias, const float *V,
                         const float *vbias, size_t k, const uint32_t *ex_item, size_t n_ex,
                         float *scratch);

#endif
