// Layer normalisation over the last dimension (Ba, Kiros & Hinton 2016), as PyTorch's
// nn.LayerNorm: y = (x - mean) / sqrt(var + eps) * g + b, var the biased variance of the row.
//
// The forward saves each row's mean and 1/sqrt(var + eps) for the backward, which then needs
// only x, not y. Kernels never allocate; the backward ADDS into dx, dg, db (STYLE.md).
#ifndef SEER_NN_LAYERNORM_H
#define SEER_NN_LAYERNORM_H

#include <stddef.h>

// y, x (R, D); g, b (D); mean, rstd (R) written. y may not alias x.
void seer_layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *g,
                            const float *b, float eps, size_t R, size_t D);
// With xh = (x - mean) * rstd and dxh = dy * g:
// dx += rstd * (dxh - mean(dxh) - xh * mean(dxh * xh)); dg += sum_rows dy * xh; db += sum dy.
// dx may be NULL. dy, x (R, D).
void seer_layernorm_backward(float *dx, float *dg, float *db, const float *dy, const float *x,
                             const float *mean, const float *rstd, const float *g, size_t R,
                             size_t D);

#endif
