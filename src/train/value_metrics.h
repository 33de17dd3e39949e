// Metrics of a predicted value against the actual one, over n users.
//
// Normalised Gini: the area between the cumulative-gain curve (the share of the actual total
// captured by the share of users, highest prediction first) and the diagonal, divided by that of
// the perfect order (users by actual). Users with tied predictions are one block whose value
// accrues linearly, the expectation over random orders of the ties, so a constant prediction
// scores 0. Spearman: Pearson's correlation of the ranks, ties given their average rank. The
// deciles: users by prediction (highest first, ties by the order given) cut into ten groups as
// numpy.array_split cuts them (the first n % 10 one larger); decile MAPE is the mean of
// |mean pred - mean actual| / mean actual over the deciles whose mean actual is above 0.
// Top-decile capture: the share of the actual total held by the first decile.
#ifndef SEER_TRAIN_VALUE_METRICS_H
#define SEER_TRAIN_VALUE_METRICS_H

#include <stddef.h>

#include "seer.h"
#include "seer/value.h"

// The normalised Gini of pred for actual (n); NaN when the actual values are all equal.
// order (n) is scratch.
double seer_value_gini(const double *actual, const double *pred, size_t n, size_t *order);
// Spearman's rank correlation; NaN when either side is constant. scratch (3 n).
double seer_value_spearman(const double *actual, const double *pred, size_t n, double *scratch);
// The ten deciles into d, the decile MAPE into *mape and top-decile capture into *top (n >= 10
// for ten non-empty deciles). order (n) is scratch.
void seer_value_deciles(const double *actual, const double *pred, size_t n, size_t *order,
                        seer_value_decile d[10], double *mape, double *top);

// The metrics of a regression or ziln model (task) into out: rmse, mae, normalized_gini and
// spearman of the predictions p against the labels y (n), rows; the binary metrics NAN and
// loss left NAN for the caller. Allocates its scratch (SEER_ENOMEM).
int seer_value_metrics_compute(seer_metrics *out, const float *p, const float *y, size_t n,
                               seer_task task);

#endif
