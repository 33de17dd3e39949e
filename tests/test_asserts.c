// The comparisons of Criterion's assertions that the suite relies on, each on both sides of
// its bound and on a NaN (tests/criterion_fix.h says why: 2.4.1's gt passed on equal values).
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdint.h>

Test(asserts, gt_is_strict) {
    int zero = 0, one = 1;
    uint64_t u0 = 0, u7 = 7;
    size_t s3 = 3;
    cr_assert(gt(int, one, zero));
    cr_assert(not(gt(int, zero, zero)));
    cr_assert(not(gt(int, zero, one)));
    cr_assert(not(gt(u64, u0, 0)));
    cr_assert(gt(u64, u7, 6));
    cr_assert(not(gt(u64, u7, 7)));
    cr_assert(not(gt(sz, s3, 3)));
    cr_assert(not(gt(dbl, 0.5, 0.5)));
    cr_assert(gt(dbl, 0.6, 0.5));
}

Test(asserts, ge_holds_at_the_bound) {
    int zero = 0, one = 1;
    cr_assert(ge(int, zero, zero));
    cr_assert(ge(int, one, zero));
    cr_assert(not(ge(int, zero, one)));
    cr_assert(ge(dbl, 0.5, 0.5));
    cr_assert(not(ge(dbl, 0.4, 0.5)));
}

Test(asserts, no_order_holds_for_nan) {
    double nan = NAN;
    float nanf_ = NAN;
    cr_assert(not(gt(dbl, nan, 0.0)));
    cr_assert(not(ge(dbl, nan, 0.0)));
    cr_assert(not(lt(dbl, nan, 0.0)));
    cr_assert(not(le(dbl, nan, 0.0)));
    cr_assert(not(gt(flt, nanf_, 0.0f)));
    cr_assert(not(ge(flt, nanf_, 0.0f)));
}
