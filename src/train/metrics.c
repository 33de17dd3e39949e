// Evaluation metrics of binary predictions: exact AUC, the KS statistic and the Gini from the
// same sorted walk, log loss, accuracy, Brier score, and the reliability table with its ECE.
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
// a radix sort of the keys (base/sort.h) orders them and ties are equal upper halves.
// A NaN score makes the AUC and the log loss NaN rather than an arbitrary
// number. A label counts as positive when y >= 0.5.
#include "train/metrics.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/sort.h"

#define P_MIN 1e-7

// The bits of p as an unsigned key that sorts like p (p not NaN): negative
// floats reversed below positive ones, -0 and +0 the same.
static uint32_t order_key(float p) {
    if (p == 0.0f) p = 0.0f;
    uint32_t u;
    memcpy(&u, &p, sizeof u);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

static double clip(double p) {
    // Comparisons, not fmin/fmax, so that a NaN stays NaN.
    if (p < P_MIN) return P_MIN;
    if (p > 1.0 - P_MIN) return 1.0 - P_MIN;
    return p;
}

// The AUC and the KS statistic: walking the groups of equal score upwards, the rows below a
// threshold are pos_below / n_pos of the positives and neg_below / n_neg of the negatives,
// and TPR - FPR above it is their difference.
static int auc_ks(double *out, double *ks, const float *p, const float *y, size_t n) {
    *out = *ks = NAN;
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
    seer_sort_u64(keys, n);

    uint64_t u2 = 0;  // 2U
    uint64_t neg_below = 0, pos_below = 0;
    double d_max = 0;
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
        pos_below += gp;
        double d = fabs((double)neg_below / (double)n_neg - (double)pos_below / (double)n_pos);
        if (d > d_max) d_max = d;
    }
    free(keys);
    *out = (double)u2 / (2.0 * (double)n_pos * (double)n_neg);
    *ks = d_max;
    return SEER_OK;
}

int seer_auc(double *out, const float *p, const float *y, size_t n) {
    double ks;
    return auc_ks(out, &ks, p, y, n);
}

// The reliability table and the expected calibration error of p against y.
static void reliability(seer_binary_metrics *out, const float *p, const float *y, size_t n) {
    enum { NB = SEER_RELIABILITY_BINS };
    double sum_p[NB] = {0}, sum_y[NB] = {0};
    for (int b = 0; b < NB; b++) out->bin_rows[b] = 0;
    for (size_t i = 0; i < n; i++) {
        double pc = p[i] < 0 ? 0 : p[i] > 1 ? 1 : p[i];
        int b = (int)(pc * NB);
        if (b > NB - 1 || isnan(p[i])) b = NB - 1;
        out->bin_rows[b]++;
        sum_p[b] += p[i];
        sum_y[b] += y[i] >= 0.5f;
    }
    double ece = 0;
    for (int b = 0; b < NB; b++) {
        size_t k = out->bin_rows[b];
        out->bin_score[b] = k ? sum_p[b] / (double)k : NAN;
        out->bin_rate[b] = k ? sum_y[b] / (double)k : NAN;
        if (k) ece += (double)k * fabs(out->bin_score[b] - out->bin_rate[b]);
    }
    out->ece = n ? ece / (double)n : NAN;
}

int seer_binary_metrics_compute(seer_binary_metrics *out, const float *p, const float *y,
                                size_t n) {
    out->rows = n;
    out->task = SEER_TASK_BINARY;
    out->rmse = out->mae = out->normalized_gini = out->spearman = out->loss = NAN;
    int rc = auc_ks(&out->auc, &out->ks, p, y, n);
    if (rc != SEER_OK) return rc;
    out->gini = 2 * out->auc - 1;
    reliability(out, p, y, n);
    double loss = 0.0, sq = 0.0;
    size_t correct = 0, positives = 0;
    for (size_t i = 0; i < n; i++) {
        double pc = clip(p[i]);
        loss -= y[i] * log(pc) + (1.0 - y[i]) * log(1.0 - pc);
        sq += ((double)p[i] - (y[i] >= 0.5f)) * ((double)p[i] - (y[i] >= 0.5f));
        bool label = y[i] >= 0.5f;
        correct += (p[i] >= 0.5f) == label;
        positives += label;
    }
    out->logloss = n ? loss / (double)n : NAN;
    out->accuracy = n ? (double)correct / (double)n : NAN;
    out->positive_rate = n ? (double)positives / (double)n : NAN;
    out->brier = n ? sq / (double)n : NAN;
    out->threshold = out->cost = NAN;
    return SEER_OK;
}

void seer_binary_metrics_cost(seer_binary_metrics *out, const float *p, const float *y, size_t n,
                              double cost_fn, double cost_fp) {
    double t = cost_fp / (cost_fp + cost_fn), cost = 0;
    for (size_t i = 0; i < n; i++) {
        int positive = y[i] >= 0.5f, decided = p[i] >= t;
        cost += positive && !decided ? cost_fn : !positive && decided ? cost_fp : 0;
    }
    out->threshold = t;
    out->cost = n ? cost / (double)n : NAN;
}
