// Value metrics (value_metrics.h gives their definitions).
#include "train/value_metrics.h"

#include <math.h>
#include <stdlib.h>

#include "base/error.h"

// qsort has no context: the key being sorted by, for the calling thread.
static _Thread_local const double *sort_key;

// Descending by key, ties by index (a stable order).
static int by_key_desc(const void *pa, const void *pb) {
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    if (sort_key[a] != sort_key[b]) return sort_key[a] > sort_key[b] ? -1 : 1;
    return (a > b) - (a < b);
}

static void order_by(size_t *order, const double *key, size_t n) {
    for (size_t i = 0; i < n; i++) order[i] = i;
    sort_key = key;
    qsort(order, n, sizeof *order, by_key_desc);
}

// Area under the cumulative-gain curve of actual, users ordered by key, ties as blocks.
static double gain_area(const double *actual, const double *key, size_t n, size_t *order) {
    double total = 0, area = 0, cum = 0;
    for (size_t i = 0; i < n; i++) total += actual[i];
    order_by(order, key, n);
    for (size_t b = 0, e; b < n; b = e) {
        double s = actual[order[b]];  // a block of one at least, so a NaN cannot stall it
        for (e = b + 1; e < n && key[order[e]] == key[order[b]]; e++) s += actual[order[e]];
        double next = cum + s / total;
        area += (double)(e - b) / (double)n * (cum + next) / 2;
        cum = next;
    }
    return area;
}

double seer_value_gini(const double *actual, const double *pred, size_t n, size_t *order) {
    double g = gain_area(actual, pred, n, order) - 0.5;
    double best = gain_area(actual, actual, n, order) - 0.5;
    return best > 0 ? g / best : NAN;
}

// Ranks from 1, ties at their average, into rank.
static void ranks(double *rank, const double *v, size_t n, size_t *order) {
    order_by(order, v, n);
    for (size_t b = 0, e; b < n; b = e) {
        for (e = b + 1; e < n && v[order[e]] == v[order[b]];) e++;
        double avg = (double)(n - b) - (double)(e - b - 1) / 2;  // descending ranks, mirrored
        for (size_t i = b; i < e; i++) rank[order[i]] = avg;
    }
}

double seer_value_spearman(const double *actual, const double *pred, size_t n, double *scratch) {
    double *ra = scratch, *rp = scratch + n;
    size_t *order = (size_t *)(scratch + 2 * n);
    ranks(ra, actual, n, order);
    ranks(rp, pred, n, order);
    double m = (n + 1) / 2.0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        double a = ra[i] - m, b = rp[i] - m;
        sab += a * b, saa += a * a, sbb += b * b;
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

void seer_value_deciles(const double *actual, const double *pred, size_t n, size_t *order,
                        seer_value_decile d[10], double *mape, double *top) {
    order_by(order, pred, n);
    double total = 0, ape = 0;
    size_t start = 0, used = 0;
    for (size_t i = 0; i < n; i++) total += actual[i];
    for (int k = 0; k < 10; k++) {
        size_t len = n / 10 + ((size_t)k < n % 10);
        double sp = 0, sa = 0;
        for (size_t i = start; i < start + len; i++) sp += pred[order[i]], sa += actual[order[i]];
        d[k] = (seer_value_decile){len, len ? sp / (double)len : NAN, len ? sa / (double)len : NAN};
        if (k == 0) *top = total > 0 ? sa / total : NAN;
        if (len && d[k].mean_actual > 0) ape += fabs(d[k].mean_pred - d[k].mean_actual) /
                                                d[k].mean_actual, used++;
        start += len;
    }
    *mape = used ? ape / (double)used : NAN;
}

int seer_value_metrics_compute(seer_metrics *out, const float *p, const float *y, size_t n,
                               seer_task task) {
    *out = (seer_metrics){.rows = n, .auc = NAN, .logloss = NAN, .accuracy = NAN,
                          .positive_rate = NAN, .brier = NAN, .ks = NAN, .gini = NAN,
                          .ece = NAN, .threshold = NAN, .cost = NAN, .task = task,
                          .rmse = NAN, .mae = NAN, .normalized_gini = NAN, .spearman = NAN,
                          .loss = NAN};
    for (int b = 0; b < SEER_RELIABILITY_BINS; b++) out->bin_score[b] = out->bin_rate[b] = NAN;
    if (n == 0) return SEER_OK;
    // actual, pred, then Spearman's scratch (3 n), whose last third also serves as an order.
    double *buf = malloc(5 * n * sizeof *buf);
    if (!buf) return seer_errorf(SEER_ENOMEM, "out of memory scoring %zu values", n);
    double *actual = buf, *pred = buf + n, sq = 0, ab = 0;
    for (size_t i = 0; i < n; i++) {
        actual[i] = y[i];
        pred[i] = p[i];
        sq += (pred[i] - actual[i]) * (pred[i] - actual[i]);
        ab += fabs(pred[i] - actual[i]);
    }
    out->rmse = sqrt(sq / (double)n);
    out->mae = ab / (double)n;
    out->normalized_gini = seer_value_gini(actual, pred, n, (size_t *)(buf + 4 * n));
    out->spearman = seer_value_spearman(actual, pred, n, buf + 2 * n);
    free(buf);
    return SEER_OK;
}
