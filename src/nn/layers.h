// Dense layers as forward/backward kernel pairs (STYLE.md): outputs first,
// const inputs, dims last; kernels never allocate, print or fail; every
// backward ADDS into its d* buffers.
//
// Linear weights use PyTorch's layout, w (n_out, n_in), so golden values from
// the reference script compare without transposes.
#ifndef SEER_NN_LAYERS_H
#define SEER_NN_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "nn/gemm.h"

// y = x w^T + b. y (B, n_out), x (B, n_in), w (n_out, n_in), b (n_out). The product in prec.
void seer_linear_forward(float *y, const float *x, const float *w, const float *b, size_t B,
                         size_t n_in, size_t n_out, seer_precision prec);
// dx += dy w; dw += dy^T x; db += sum over rows of dy. dx may be NULL (input
// needs no gradient), and db too (the bias gradient taken already, as
// seer_relu_bias_backward does). dy (B, n_out), x (B, n_in), w (n_out, n_in). The products
// in prec.
void seer_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                          const float *w, size_t B, size_t n_in, size_t n_out,
                          seer_precision prec);
// The same pair in a bf16 training step that rounds each operand once: the forward rounds x
// into x16 (B, n_in) and w into w16 (n_out, n_in), and the backward multiplies those (the
// forward's, so x and w must not have changed in between) with dy rounded into dy16 (B, n_out)
// once for both of its products. Bit for bit what the two above give with SEER_PRECISION_BF16,
// which round every operand at every product.
void seer_linear_forward_bf16(float *y, const float *x, const float *w, const float *b, size_t B,
                              size_t n_in, size_t n_out, uint16_t *x16, uint16_t *w16);
void seer_linear_backward_bf16(float *dx, float *dw, float *db, const float *dy, uint16_t *dy16,
                               const uint16_t *x16, const uint16_t *w16, size_t B, size_t n_in,
                               size_t n_out);

// y = max(x, 0). y, x (n); y may alias x.
void seer_relu_forward(float *y, const float *x, size_t n);
// dx += dy where the saved output y > 0.
void seer_relu_backward(float *dx, const float *dy, const float *y, size_t n);
// The ReLU's backward fused with its Linear's bias gradient, in one pass over the rows:
// dz = dy * scale where the saved output y > 0, else 0 (dz is WRITTEN whole, not added to:
// it is the Linear output's gradient, which only this ReLU has); db += sum over rows of dz.
// scale is inverted dropout's 1 / (1 - p) (1 without dropout; a dropped unit's y is 0).
// dz, dy, y (B, n), db (n); dz may be dy (in place). The same values, to the bit, as
// seer_relu_backward into a zeroed dz followed by seer_linear_backward's bias sum.
void seer_relu_bias_backward(float *dz, float *db, const float *dy, const float *y, float scale,
                             size_t B, size_t n);

// p = sigmoid(z). p, z (n).
void seer_sigmoid_forward(float *p, const float *z, size_t n);
// dz += dp * (p * (1 - p)). Uses the saved output p.
void seer_sigmoid_backward(float *dz, const float *dp, const float *p, size_t n);

#endif
