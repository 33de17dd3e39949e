// Evaluation metrics of binary predictions.
#ifndef SEER_TRAIN_METRICS_H
#define SEER_TRAIN_METRICS_H

#include <stddef.h>

#include "seer.h"

// The public seer_metrics (seer.h): rows, auc, logloss, accuracy, positive_rate.
typedef seer_metrics seer_binary_metrics;

// p (n) predicted probabilities, y (n) labels 0 or 1. Allocates a scratch
// index array of n entries; SEER_ENOMEM if that fails.
int seer_binary_metrics_compute(seer_binary_metrics *out, const float *p, const float *y, size_t n);
// Adds the cost of deciding "positive" at p >= cost_fp / (cost_fp + cost_fn) (both > 0) to out:
// its threshold and cost (seer_metrics); out's other fields as seer_binary_metrics_compute.
void seer_binary_metrics_cost(seer_binary_metrics *out, const float *p, const float *y, size_t n,
                              double cost_fn, double cost_fp);
// The AUC alone; same rules.
int seer_auc(double *out, const float *p, const float *y, size_t n);

#endif
