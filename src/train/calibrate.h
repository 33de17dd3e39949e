// Calibration of a trained model's probabilities to the observed rates, fitted on rows it did
// not train on (the hold-out), as one of two strictly increasing maps of its logit z, so that
// the order of scores (and the AUC) is kept (models/calibration.h applies them):
// - Platt scaling, p' = sigmoid(a z + b), a > 0, by maximum likelihood;
// - isotonic regression by pool-adjacent-violators (Barlow et al. 1972): the increasing step
//   function of least squared error against the labels, whose flat steps would tie scores, so
//   that only one point per step is kept, at the middle of its scores, and the points are
//   joined by straight lines (strictly increasing between them), with Platt's slope beyond.
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

// Isotonic regression of the labels y (n, 0/1) on the scores z (n; rows of a score that is not
// finite are left out) by pool-adjacent-violators, rows of one score in one block: its blocks'
// points, *knots of them, into x (the middle of a block's lowest and highest score) and p (its
// positive rate, squeezed into [e, 1 - e] by p' = e + (1 - 2 e) p, e = 1 / (2 (n + 1)): a
// rate of 0 in n rows says below about 1 / n, not never, and the ends of the map need a
// logit). Both strictly increase. More than max_knots (>= 2) blocks are merged, neighbours
// by the share of the rows before them, into max_knots: the rates of merged neighbours still
// increase. x and p hold max_knots. Returns 1 with *knots >= 2; 0 when the scores give one
// block (no increasing map), or SEER_ENOMEM.
int seer_isotonic_fit(const double *z, const float *y, size_t n, size_t max_knots, double *x,
                      double *p, size_t *knots);

// Fits n's calibration by method (seer_calibration, PLATT or ISOTONIC) on the rows of d (its
// uncalibrated logits) and sets it in n->cfg (calibrated, calib_a, calib_b, the knots), which
// seer_net_predict applies; isotonic's ends take the slope of Platt's fit on the same rows (1
// without one). Returns the method when set, 0 when no increasing map fits (n left
// uncalibrated), or a negative code (SEER_ENOMEM).
int seer_net_calibrate(seer_net *n, const seer_dataset *d, int method);

#endif
