// Evaluation metrics of binary predictions: exact AUC, log loss, accuracy.
//
// The AUC is the Mann-Whitney U statistic divided by n_pos * n_neg: the share
// of (positive, negative) pairs the scores order correctly, a tie counting one
// half. It is exact, not binned: the scores are sorted once (O(n log n)) and
// walked in groups of equal score. For a group with gp positives and gn
// negatives above neg_below negatives,
//
//   U += gp * neg_below + gp * gn / 2
//
// which is the average-rank rule for ties. 2U is summed in integers, so the
// result has no rounding error until the one final division.
//
// Key decision: each row is packed into one uint64 (the score's bits mapped to
// an order-preserving unsigned key in the upper half, the label in bit 0), so
// a plain qsort needs no context pointer and ties are equal upper halves.
// A NaN score makes the AUC and the log loss NaN rather than an arbitrary
// number. A label counts as positive when y >= 0.5.
#include "train/metrics.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define P_MIN 1e-7

// The bits of p as an unsigned key that sorts like p (p not NaN): negative
// floats reversed below positive ones, -0 and +0 the same.
static uint32_t order_key(float p) {
    if (p == 0.0f) p = 0.0f;
    uint32_t u;
    memcpy(&u, &p, sizeof u);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double clip(double p) {
    // Comparisons, not fmin/fmax, so that a NaN stays NaN.
    if (p < P_MIN) return P_MIN;
    if (p > 1.0 - P_MIN) return 1.0 - P_MIN;
    return p;
}

int seer_auc(double *out, const float *p, const float *y, size_t n) {
    *out = NAN;
    size_t n_pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(p[i])) return SEER_OK;
        n_pos += y[i] >= 0.5f;
    }
    size_t n_neg = n - n_pos;
    if (n_pos == 0 || n_neg == 0) return SEER_OK;

    uint64_t *keys = malloc(n * sizeof *keys);  // (n) score key << 32 | label
    if (!keys) return seer_errorf(SEER_ENOMEM, "auc: out of memory for %zu rows", n);
    for (size_t i = 0; i < n; i++) keys[i] = (uint64_t)order_key(p[i]) << 32 | (y[i] >= 0.5f);
    qsort(keys, n, sizeof *keys, compare_u64);

    uint64_t u2 = 0;  // 2U
    uint64_t neg_below = 0;
    for (size_t i = 0; i < n;) {
        uint64_t score = keys[i] >> 32, gp = 0, gn = 0;
        for (; i < n && keys[i] >> 32 == score; i++) {
            if (keys[i] & 1)
                gp++;
            else
                gn++;
        }
        u2 += gp * (2 * neg_below + gn);
        neg_below += gn;
    }
    free(keys);
    *out = (double)u2 / (2.0 * (double)n_pos * (double)n_neg);
    return SEER_OK;
}

int seer_binary_metrics_compute(seer_binary_metrics *out, const float *p, const float *y,
                                size_t n) {
    out->rows = n;
    int rc = seer_auc(&out->auc, p, y, n);
    if (rc != SEER_OK) return rc;
    double loss = 0.0;
    size_t correct = 0, positives = 0;
    for (size_t i = 0; i < n; i++) {
        double pc = clip(p[i]);
        loss -= y[i] * log(pc) + (1.0 - y[i]) * log(1.0 - pc);
        bool label = y[i] >= 0.5f;
        correct += (p[i] >= 0.5f) == label;
        positives += label;
    }
    out->logloss = n ? loss / (double)n : NAN;
    out->accuracy = n ? (double)correct / (double)n : NAN;
    out->positive_rate = n ? (double)positives / (double)n : NAN;
    return SEER_OK;
}
