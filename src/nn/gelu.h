// GELU, exact form as PyTorch's default: y = x * Phi(x) = x / 2 * (1 + erf(x / sqrt 2))
// (Hendrycks & Gimpel 2016). The feed-forward of a transformer block may use it instead of ReLU.
#ifndef SEER_NN_GELU_H
#define SEER_NN_GELU_H

#include <stddef.h>

// y, x (n); y may alias x only if the backward is given another copy of x.
void seer_gelu_forward(float *y, const float *x, size_t n);
// dx += dy * (Phi(x) + x * phi(x)). Uses the input x.
void seer_gelu_backward(float *dx, const float *dy, const float *x, size_t n);

#endif
