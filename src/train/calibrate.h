// Platt scaling: a trained model's probabilities made to match observed rates, p' =
// sigmoid(a z + b) of its logit z, a > 0 so that the order of scores (and the AUC) is kept.
// Fitted on rows the model did not train on (the hold-out) by maximum likelihood.
#ifndef SEER_TRAIN_CALIBRATE_H
#define SEER_TRAIN_CALIBRATE_H

#include <stddef.h>

#include "data/dataset.h"
#include "models/net.h"

// a and b of the least log loss of sigmoid(a z + b) against labels y (n), over Platt's
// smoothed targets ((positives + 1) / (positives + 2) and 1 / (negatives + 2)), so that a
// separable or tiny hold-out cannot push a to infinity. Newton's method with a halving step.
// Returns 1 with *a > 0 and finite a, b; 0 when no increasing map fits (one class only, fewer
// than 2 rows, a <= 0: the scores run against the labels), leaving *a = 1, *b = 0.
int seer_platt_fit(const double *z, const float *y, size_t n, double *a, double *b);

// Fits n's calibration on the rows of d (its uncalibrated logits) and sets it in n->cfg
// (calibrated, calib_a, calib_b), which seer_net_predict applies. Returns 1 when set, 0 when
// no increasing map fits (n left uncalibrated), or a negative code (SEER_ENOMEM).
int seer_net_calibrate(seer_net *n, const seer_dataset *d);

#endif
