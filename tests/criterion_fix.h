// Criterion 2.4.1 (Debian 12's) evaluates the tagged gt(Tag, a, b) in C as !(a < b), that is
// a >= b, and ge(Tag, a, b) as !(a < b) || a == b; both let a NaN through, and
// cr_assert(gt(int, 0, 0)) passes (Snaipe/Criterion#473, fixed after 2.4.1). Tests include this
// instead of Criterion's header (tests/CMakeLists.txt refuses a test that does not), after
// <criterion/criterion.h>; it defines both as the fix does: b < a, and b < a || a == b.
// tests/test_asserts.c fails where they are wrong.
#ifndef SEER_TESTS_CRITERION_FIX_H
#define SEER_TESTS_CRITERION_FIX_H

#include <criterion/new/assert.h>

#ifndef __cplusplus
#undef CRI_BINOP_T_GT
#undef CRI_BINOP_T_GE
#define CRI_BINOP_T_GT(Tag, Actual, Ref) (CRI_BINOP_LT_TAG(Tag, , Ref, Actual))
#define CRI_BINOP_T_GE(Tag, Actual, Ref) \
    (CRI_BINOP_LT_TAG(Tag, , Ref, Actual) || CRI_BINOP_EQ_TAG(Tag, , Actual, Ref))
#endif

#endif
