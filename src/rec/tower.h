// A tower of two-tower retrieval: a small MLP from a row of inputs (id embeddings, pooled
// feature embeddings) to a d-dim vector, Linear -> ReLU -> Linear (nn/layers.h), or one
// Linear when the hidden width is 0. The weights are views of the model's named params (so
// the model file holds them); the gradients and Adam's moments are towers of the same shape
// over blocks of their own.
#ifndef SEER_REC_TOWER_H
#define SEER_REC_TOWER_H

#include <stddef.h>

#include "nn/adam.h"

typedef struct {
    size_t in, H, out;   // H 0: one Linear in -> out (w1, b1), w2 and b2 unused
    float *w1;           // (H, in), or (out, in) when H is 0
    float *b1;           // (H), or (out)
    float *w2;           // (out, H)
    float *b2;           // (out)
} seer_rec_tower;

// The floats of the tower's weights, in the order w1, b1, w2, b2.
size_t seer_rec_tower_size(size_t in, size_t H, size_t out);
// Views of block (seer_rec_tower_size floats) as a tower of that shape.
void seer_rec_tower_view(seer_rec_tower *t, float *block, size_t in, size_t H, size_t out);

// y (B, out) from x (B, in); h (B, H) keeps the hidden ReLU outputs for the backward.
void seer_rec_tower_forward(const seer_rec_tower *t, float *y, float *h, const float *x, size_t B);
// g (the gradients' tower) += the gradient of the weights; dx (B, in) += the input's (NULL:
// none). dy (B, out); h, x as the forward saved them; dz (B, H) scratch.
void seer_rec_tower_backward(const seer_rec_tower *t, const seer_rec_tower *g, float *dx, float *dz,
                         const float *dy, const float *h, const float *x, size_t B);
// One row by plain loops, without the GEMM: what a request computes (nothing allocated,
// thread-safe). y (out), h (H) scratch, x (in).
void seer_rec_tower_forward_one(const seer_rec_tower *t, float *y, float *h, const float *x);
// Adam on every weight: w the tower, g its gradients, m and v the moments (towers of the
// same shape over contiguous blocks).
void seer_rec_tower_adam(const seer_rec_tower *w, const seer_rec_tower *g, const seer_rec_tower *m,
                     const seer_rec_tower *v, const seer_adam_config *c, long k);

#endif
