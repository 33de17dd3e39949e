// base/search.h against cases worked by hand: membership in sorted lists (empty, one, the ends,
// between, past both ends, repeats) and the index of a draw from cumulative weights (the
// boundaries themselves fall to the next outcome, zero-weight outcomes are never hit).
#include <criterion/criterion.h>
#include "criterion_fix.h"

#include "base/search.h"

Test(search, sorted_holds_by_hand) {
    static const uint32_t s[] = {2, 3, 3, 7, 11, 40};
    cr_assert(eq(int, seer_sorted_holds(s, 0, 2), 0));
    cr_assert(eq(int, seer_sorted_holds(s, 1, 2), 1));
    cr_assert(eq(int, seer_sorted_holds(s, 1, 3), 0));
    static const uint32_t in[] = {2, 3, 7, 11, 40}, out[] = {0, 1, 4, 8, 12, 39, 41, UINT32_MAX};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        cr_assert(eq(int, seer_sorted_holds(s, 6, in[i]), 1), "%u", in[i]);
    for (size_t i = 0; i < sizeof out / sizeof *out; i++)
        cr_assert(eq(int, seer_sorted_holds(s, 6, out[i]), 0), "%u", out[i]);
}

Test(search, cdf_index_by_hand) {
    // Weights 1, 0, 2, 1: cumulative 1, 1, 3, 4.
    static const double cdf[] = {1, 1, 3, 4};
    static const struct {
        double x;
        size_t want;
    } cases[] = {{0.0, 0}, {0.999, 0}, {1.0, 2}, {2.5, 2}, {2.999, 2}, {3.0, 3}, {3.999, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        cr_assert(eq(sz, seer_cdf_index(cdf, 4, cases[i].x), cases[i].want), "x = %g",
                  cases[i].x);
    static const double one[] = {5};
    cr_assert(eq(sz, seer_cdf_index(one, 1, 2.0), 0));
    cr_assert(eq(sz, seer_cdf_index(cdf, 4, 4.5), 3));  // past the end: the last outcome
}
