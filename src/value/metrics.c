// Value metrics (metrics.h gives their definitions).
#include "value/metrics.h"

#include <math.h>
#include <stdlib.h>

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
