// Feature-interaction kernels of the CTR models, as forward/backward pairs
// (STYLE.md): the wide (first-order) part, dense values as field embeddings,
// the FM second-order term and the DCN-v2 cross layer.
#ifndef SEER_NN_INTERACTION_H
#define SEER_NN_INTERACTION_H

#include <stddef.h>

// out[b] = bias + sum_f xw[b,f] + sum_j wd[j] * xd[b,j].
// out (B), xw (B, F), xd (B, nd) with row stride ld, wd (nd), bias (1).
void seer_wide_forward(float *out, const float *xw, const float *xd, size_t ld, const float *wd,
                       const float *bias, size_t B, size_t F, size_t nd);
// dxw[b,f] += dout[b]; dwd[j] += sum_b dout[b] xd[b,j]; dbias += sum_b dout[b].
void seer_wide_backward(float *dxw, float *dwd, float *dbias, const float *dout, const float *xd,
                        size_t ld, size_t B, size_t F, size_t nd);

// Dense values as fields: e[b,j,:] = x[b,j] * v[j,:].
// e (B, n*D) with row stride ld_e, x (B, n) with row stride ld_x, v (n, D).
void seer_dense_field_forward(float *e, size_t ld_e, const float *x, size_t ld_x, const float *v,
                              size_t B, size_t n, size_t D);
// dv[j,:] += sum_b de[b,j,:] * x[b,j]. The values are data: no gradient for x.
void seer_dense_field_backward(float *dv, const float *de, size_t ld_e, const float *x,
                               size_t ld_x, size_t B, size_t n, size_t D);

// FM second order (Rendle 2010, eq. 5):
// out[b] += 1/2 sum_k ((sum_i e[b,i,k])^2 - sum_i e[b,i,k]^2).
// out (B), e (B, nf*D) with row stride ld.
void seer_fm_forward(float *out, const float *e, size_t ld, size_t B, size_t nf, size_t D);
// de[b,i,k] += dout[b] * (sum_j e[b,j,k] - e[b,i,k]). de has row stride ld too.
void seer_fm_backward(float *de, const float *dout, const float *e, size_t ld, size_t B, size_t nf,
                      size_t D);

// DCN-v2 cross layer (Wang et al. 2021, eq. 1) after its linear part u = W x_l + b:
// x_next = x0 * u + x_l, elementwise over n = B * d values.
void seer_cross_forward(float *x_next, const float *x0, const float *u, const float *xl, size_t n);
// du += dnext * x0; dx0 += dnext * u; dxl += dnext.
void seer_cross_backward(float *du, float *dx0, float *dxl, const float *dnext, const float *x0,
                         const float *u, size_t n);

#endif
