// Feature-interaction kernels of the CTR models, as forward/backward pairs
// (STYLE.md): the wide (first-order) part, dense values as field embeddings,
// the FM second-order term, the DCN-v2 cross layer and FinalMLP's bilinear
// fusion of two streams.
#ifndef SEER_NN_INTERACTION_H
#define SEER_NN_INTERACTION_H

#include <stddef.h>

#include "nn/gemm.h"

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

// Rows wider than this many embedding dimensions are summed in pieces by the FM kernels.
#define SEER_FM_DIM_MAX 256

// FM second order (Rendle 2010, eq. 5):
// out[b] += 1/2 sum_k ((sum_i e[b,i,k])^2 - sum_i e[b,i,k]^2).
// out (B), e (B, nf*D) with row stride ld. Rows go eight at a time through fm_lanes.h where
// it takes them, with the same bits.
void seer_fm_forward(float *out, const float *e, size_t ld, size_t B, size_t nf, size_t D);
// de[b,i,k] += dout[b] * (sum_j e[b,j,k] - e[b,i,k]). de has row stride ld too.
void seer_fm_backward(float *de, const float *dout, const float *e, size_t ld, size_t B, size_t nf,
                      size_t D);

// DCN-v2 cross layer (Wang et al. 2021, eq. 1) after its linear part u = W x_l + b:
// x_next = x0 * u + x_l, elementwise over n = B * d values.
void seer_cross_forward(float *x_next, const float *x0, const float *u, const float *xl, size_t n);
// Its backward over B rows of d: du = dnext * x0, WRITTEN whole (the gradient of the layer's
// linear output, which only this layer has, as seer_relu_bias_backward's dz); db += the sum
// over rows of du (the linear part's bias gradient, taken here so that seer_linear_backward
// need not read du again); dx0 += dnext * u; and dxl += dnext, x_l's gradient through the
// identity, unless dxl is NULL: a caller that keeps x_l's gradient where dnext is (dcnv2.c)
// has it there already. With x_l = x0, dxl may be dx0; no other two arrays overlap.
void seer_cross_backward(float *du, float *db, float *dx0, float *dxl, const float *dnext,
                         const float *x0, const float *u, size_t B, size_t d);

// FinalMLP's multi-head bilinear fusion (Mao et al. 2023, eq. 8-9; FuxiCTR's
// InteractionAggregation): the streams' outputs o1 (B, H1) and o2 (B, H2) are
// cut into NH heads of H1/NH and H2/NH consecutive units, and
//   out[b] = bias + w1 . o1[b] + w2 . o2[b] + sum_k o1[b]_k^T W_k o2[b]_k.
// out (B); t (B, H2) is saved for the backward: t[b]_k = o1[b]_k^T W_k;
// w1 (H1), w2 (H2), bias (1), W (NH, H1/NH, H2/NH). NH divides H1 and H2.
//
//   o1[b] = [ o1_0 | o1_1 | .. ]        W_k (H1/NH, H2/NH)
//   o2[b] = [ o2_0 | o2_1 | .. ]        head k pairs o1_k with o2_k only
// The products t_k in prec.
void seer_bilinear_fusion_forward(float *out, float *t, const float *o1, const float *o2,
                                  const float *w1, const float *w2, const float *bias,
                                  const float *W, size_t B, size_t H1, size_t H2, size_t NH,
                                  seer_precision prec);
// do1[b] += dout[b] (w1 + [W_k o2[b]_k]_k); do2[b] += dout[b] (w2 + t[b]);
// dw1 += sum_b dout[b] o1[b]; dw2 += sum_b dout[b] o2[b]; dbias += sum_b dout[b];
// dW_k += sum_b dout[b] o1[b]_k o2[b]_k^T. t is the forward's. work (B, H2) is
// scratch, overwritten (dout[b] o2[b], for the two products, in prec).
void seer_bilinear_fusion_backward(float *do1, float *do2, float *dw1, float *dw2, float *dbias,
                                   float *dW, float *work, const float *dout, const float *o1,
                                   const float *o2, const float *t, const float *w1,
                                   const float *w2, const float *W, size_t B, size_t H1,
                                   size_t H2, size_t NH, seer_precision prec);

#endif
