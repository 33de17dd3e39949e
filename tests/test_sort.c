// Tests of the radix sorts (base/sort.h) against qsort with a comparison: random keys, keys
// that share most of their bytes (the passes skipped), repeats, the sizes around the insertion
// sort's bound, doubles of every kind (both zeros, subnormals, the extremes), and the sorts
// without memory for their second buffer.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include "address_space.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/sort.h"

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// mask: the bits of each random key kept (the others zero, so those bytes are shared).
static void check_u64(size_t n, uint64_t mask, uint64_t seed) {
    uint64_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
    cr_assert(a && b);
    seer_rng r;
    seer_rng_init(&r, seed);
    for (size_t i = 0; i < n; i++) a[i] = seer_rng_next(&r) & mask;
    memcpy(b, a, n * sizeof *a);
    seer_sort_u64(a, n);
    qsort(b, n, sizeof *b, cmp_u64);
    cr_assert(eq(int, memcmp(a, b, n * sizeof *a), 0), "n %zu, mask %llx", n,
              (unsigned long long)mask);
    free(a);
    free(b);
}

Test(sort, u64_as_qsort_at_every_size_near_the_small_bound) {
    for (size_t n = 0; n <= 130; n++) check_u64(n, ~(uint64_t)0, n + 1);
}

Test(sort, u64_large_random_and_sharing_bytes) {
    check_u64(100000, ~(uint64_t)0, 3);
    check_u64(100000, 0xffffffff00000001ull, 4);  // an AUC's keys: a score and a label
    check_u64(50000, 0x0000ff0000000000ull, 5);   // one byte differs
    check_u64(50000, 0x7ull, 6);                  // many repeats
    check_u64(50000, 0, 7);                       // all the same key
}

Test(sort, doubles_as_qsort_with_every_kind_of_value) {
    enum { N = 20000 };
    static double a[N], b[N];
    const double special[] = {0.0,      -0.0,     DBL_MIN,    -DBL_MIN, DBL_MAX, -DBL_MAX,
                              4.9e-324, -4.9e-324, 1e-310,    -1e-310, 1.0,     -1.0,
                              INFINITY, -INFINITY, 3.5,       3.5};
    size_t ns = sizeof special / sizeof *special;
    seer_rng r;
    seer_rng_init(&r, 11);
    for (size_t i = 0; i < N; i++) {
        if (i % 7 < 2) a[i] = special[seer_rng_below(&r, ns)];
        else a[i] = seer_rng_normal(&r) * pow(10.0, (double)seer_rng_below(&r, 40) - 20.0);
    }
    for (size_t i = 0; i < N; i++) b[i] = a[i] == 0 ? 0.0 : a[i];
    seer_sort_doubles(a, N);
    qsort(b, N, sizeof *b, cmp_double);
    cr_assert(eq(int, memcmp(a, b, sizeof a), 0));
    for (size_t i = 0; i < N; i++)
        cr_assert(eq(int, a[i] == 0 && signbit(a[i]), 0), "a -0 left at %zu", i);
    double three[3] = {2.5, -0.0, -7.0};
    seer_sort_doubles(three, 3);
    cr_assert(eq(dbl, three[0], -7.0));
    cr_assert(eq(dbl, three[2], 2.5));
    cr_assert(eq(int, signbit(three[1]), 0));
    seer_sort_doubles(three, 0);
}

// With no room for the second buffer (4M keys, 32 MiB, under a limit of 8 MiB more than the
// process holds) both sorts still sort, in place.
Test(sort, without_room_for_the_buffer_in_place) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("AddressSanitizer reserves the address space an rlimit would measure");
#endif
    enum { N = 1 << 22 };
    uint64_t *k = malloc(N * sizeof *k);
    double *x = malloc(N * sizeof *x);
    cr_assert(k && x);
    seer_rng r;
    seer_rng_init(&r, 5);
    for (size_t i = 0; i < N; i++) {
        k[i] = seer_rng_next(&r);
        x[i] = i % 3 ? seer_rng_normal(&r) : -0.0;
    }
    address_space_leave((size_t)8 << 20);
    cr_assert(eq(ptr, malloc(N * sizeof *k), NULL), "the limit left room for the buffer");
    seer_sort_u64(k, N);
    seer_sort_doubles(x, N);
    for (size_t i = 1; i < N; i++) {
        cr_assert(le(u64, k[i - 1], k[i]), "keys out of order at %zu", i);
        cr_assert(le(dbl, x[i - 1], x[i]), "doubles out of order at %zu", i);
        cr_assert(eq(int, x[i] == 0 && signbit(x[i]), 0), "a -0 left at %zu", i);
    }
    free(k);
    free(x);
}
