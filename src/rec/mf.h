// Biased matrix factorisation's loss of one rating, shared by its SGD (rec/mf.c) and its
// gradient check: r_hat = mu + b_u + b_i + p . q, and
// L = 1/2 (r - r_hat)^2 + reg/2 (|p|^2 + |q|^2 + b_u^2 + b_i^2)   (Koren, Bell, Volinsky 2009).
#ifndef SEER_REC_MF_H
#define SEER_REC_MF_H

#include <stddef.h>

// Returns L; adds dL/dp into dp (D), dL/dq into dq (D), dL/db_u into *dbu, dL/db_i into *dbi.
double seer_mf_loss(float *dp, float *dq, float *dbu, float *dbi, const float *p,
                    const float *q, float bu, float bi, float mu, float r, float reg, size_t D);

// One SGD step on that rating: p, q, b_u, b_i each less lr times L's gradient at the old
// values (the gradient seer_mf_loss gives), in one pass.
void seer_mf_sgd_step(float *p, float *q, float *bu, float *bi, float mu, float r, float lr,
                      float reg, size_t D);

#endif
