// A binary model's probability from its logit: the calibration kept in the network's config
// (seer_net_config.calibrated), applied by seer_net_predict, the one way probabilities leave
// seer. Fitting the maps is train/calibrate.h's job.
//
//   none      p = sigmoid(z)
//   platt     p = sigmoid(a z + b), a > 0
//   isotonic  p = y_k + (y_k+1 - y_k) (z - x_k) / (x_k+1 - x_k)  for x_k <= z <= x_k+1,
//             p = sigmoid(logit(y_0) + a (z - x_0))               below x_0 (above x_K-1 alike)
//
// Each is strictly increasing in z, so the order of scores (and the AUC) is kept: the knots
// (x, y) increase strictly and their y lie in (0, 1), so the ends continue the first and last
// knots on a sigmoid of slope a, without a flat stretch where scores would tie.
#ifndef SEER_MODELS_CALIBRATION_H
#define SEER_MODELS_CALIBRATION_H

#include <stddef.h>

#include "models/net.h"

// p (B) = the calibrated probabilities of the logits z (B) under c's calibration.
void seer_calibration_apply(const seer_net_config *c, const float *z, float *p, size_t B);

// NULL when c's isotonic knots are usable (2..SEER_CALIB_KNOTS_MAX, finite, x and y strictly
// increasing, y in (0, 1), a > 0), or what is wrong with them. Loading checks a file with it.
const char *seer_calibration_invalid(const seer_net_config *c);

#endif
