// Evaluation metrics of binary predictions.
#ifndef SEER_TRAIN_METRICS_H
#define SEER_TRAIN_METRICS_H

#include <stddef.h>

typedef struct {
    size_t rows;
    double auc;        // exact ROC AUC; tied scores count one half; NAN if one class only
    double logloss;    // mean binary cross-entropy, p clipped to [1e-7, 1 - 1e-7]
    double accuracy;   // share of rows with (p >= 0.5) == label
    double positive_rate;
} seer_binary_metrics;

// p (n) predicted probabilities, y (n) labels 0 or 1. Allocates a scratch
// index array of n entries; SEER_ENOMEM if that fails.
int seer_binary_metrics_compute(seer_binary_metrics *out, const float *p, const float *y, size_t n);
// The AUC alone; same rules.
int seer_auc(double *out, const float *p, const float *y, size_t n);

#endif
