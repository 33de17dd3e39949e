// Losses of a non-negative value per row: the zero-inflated lognormal (ZILN: Wang, Liu and Miao
// 2019, "A deep probabilistic model for customer lifetime value prediction", as their
// lifetime_value package computes it) and the squared error.
//
// ZILN reads three outputs a row, z (B, 3) = (logit of a purchase, mu, raw sigma), with
// sigma = max(softplus(raw), sqrt(1e-7)) as the package clamps it:
//   loss = mean over rows of  BCE(1{y > 0}, logit)
//                           + 1{y > 0} [ln y + ln sigma + ln(2 pi)/2 + (ln y - mu)^2 / (2 sigma^2)]
// and its prediction is sigmoid(logit) exp(mu + sigma^2 / 2), the mean of the mixture.
#ifndef SEER_NN_ZILN_H
#define SEER_NN_ZILN_H

#include <stddef.h>

// The smallest sigma.
#define SEER_ZILN_SIGMA_MIN 3.1622776601683795e-4

// Mean loss over the B rows. z (B, 3), y (B) >= 0.
double seer_ziln_forward(const float *z, const float *y, size_t B);
// dz += the gradient of the mean loss. dz, z (B, 3), y (B).
void seer_ziln_backward(float *dz, const float *z, const float *y, size_t B);
// The predicted mean value pred (B) and the probability of a purchase p (B) from z (B, 3).
void seer_ziln_predict(float *pred, float *p, const float *z, size_t B);

// Mean of (z - y)^2 over the B rows. z, y (B).
double seer_mse_forward(const float *z, const float *y, size_t B);
// dz += 2 (z - y) / B.
void seer_mse_backward(float *dz, const float *z, const float *y, size_t B);

#endif
