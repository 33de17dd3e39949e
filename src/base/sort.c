// Radix sorts of 64-bit keys and of doubles (sort.h).
#include "base/sort.h"

#include <stdlib.h>
#include <string.h>

// Below this many keys an insertion sort costs less than the passes' counts.
#define SMALL 64

static void insertion_sort(uint64_t *k, size_t n) {
    for (size_t i = 1; i < n; i++) {
        uint64_t x = k[i];
        size_t j = i;
        for (; j > 0 && k[j - 1] > x; j--) k[j] = k[j - 1];
        k[j] = x;
    }
}

// Every byte's counts in one read of the keys, then a pass a byte that the keys do not all
// share, from the lowest: each pass is stable, so the last one leaves them in order.
static void radix_sort(uint64_t *keys, uint64_t *tmp, size_t n) {
    static const size_t zero[8][256];
    size_t count[8][256];
    memcpy(count, zero, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = keys[i];
        for (unsigned b = 0; b < 8; b++) count[b][(k >> (8 * b)) & 255]++;
    }
    uint64_t *from = keys, *to = tmp;
    for (unsigned b = 0; b < 8; b++) {
        size_t *c = count[b];
        if (c[(from[0] >> (8 * b)) & 255] == n) continue;
        size_t at = 0;
        for (unsigned d = 0; d < 256; d++) {
            size_t here = c[d];
            c[d] = at;
            at += here;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t k = from[i];
            to[c[(k >> (8 * b)) & 255]++] = k;
        }
        uint64_t *t = from;
        from = to;
        to = t;
    }
    if (from != keys) memcpy(keys, from, n * sizeof *keys);
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void seer_sort_u64(uint64_t *keys, size_t n) {
    if (n < SMALL) {
        insertion_sort(keys, n);
        return;
    }
    uint64_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp) {
        qsort(keys, n, sizeof *keys, cmp_u64);
        return;
    }
    radix_sort(keys, tmp, n);
    free(tmp);
}

#define SIGN ((uint64_t)1 << 63)

// The bits of x as a key that sorts as x: negatives reversed below the positives.
static uint64_t key_of(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u & SIGN ? ~u : u | SIGN;
}

static double value_of(uint64_t k) {
    uint64_t u = k & SIGN ? k & ~SIGN : ~k;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void seer_sort_doubles(double *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (x[i] == 0) x[i] = 0.0;
    uint64_t *keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys) {
        qsort(x, n, sizeof *x, cmp_double);
        return;
    }
    for (size_t i = 0; i < n; i++) keys[i] = key_of(x[i]);
    seer_sort_u64(keys, n);
    for (size_t i = 0; i < n; i++) x[i] = value_of(keys[i]);
    free(keys);
}
