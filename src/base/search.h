// Binary searches over sorted arrays, which the recommenders repeated: whether a sorted list
// of indices holds one (a user's seen items, a request's exclusions, the relevant items of an
// evaluation), and the index a draw from a cumulative distribution falls on (negative items
// drawn by popularity).
#ifndef SEER_BASE_SEARCH_H
#define SEER_BASE_SEARCH_H

#include <stddef.h>
#include <stdint.h>

// 1 when sorted (n, ascending) holds x.
static inline int seer_sorted_holds(const uint32_t *sorted, size_t n, uint32_t x) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && sorted[lo] == x;
}

// The first i with cdf[i] > x, or n - 1 when none is: cdf (n >= 1) non-decreasing, the
// cumulative weights of n outcomes, and x a draw in [0, cdf[n - 1]).
static inline size_t seer_cdf_index(const double *cdf, size_t n, double x) {
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cdf[mid] > x) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

#endif
