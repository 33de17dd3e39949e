// Tests of the compute threads' count under a limit on the address space (base/threads.h):
// where the limit leaves less than 256 MiB for each thread past the first, parallel work runs
// on one thread; with room, or without a limit, on the count asked. Each test is a process of
// its own, so a limit set here ends with it. And the hold of a small product to one thread.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <sys/resource.h>

#include "address_space.h"
#include "base/threads.h"

static int unlimited(void) {
    struct rlimit as;
    return getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur == RLIM_INFINITY;
}

Test(threads, without_a_limit_the_count_asked) {
    if (!unlimited()) cr_skip_test("this process already runs under a limit on its addresses");
    seer_threads_set(2);
    cr_assert(eq(int, seer_threads_get(), 2));
    seer_threads_set(3);
    cr_assert(eq(int, seer_threads_get(), 3));
}

Test(threads, a_tight_limit_holds_parallel_work_to_one_thread) {
    address_space_leave((size_t)64 << 20);
    seer_threads_set(2);
    cr_assert(eq(int, seer_threads_get(), 1));
}

Test(threads, a_limit_set_after_the_count_is_met_before_oneDNN) {
    seer_threads_set(2);
    address_space_leave((size_t)64 << 20);
    seer_threads_fit_limit();  // gemm.c and matmul.c call it before they first reach oneDNN
    cr_assert(eq(int, seer_threads_get(), 1));
}

Test(threads, a_limit_with_room_keeps_the_count) {
    address_space_leave((size_t)2 << 30);
    seer_threads_set(2);
    cr_assert(eq(int, seer_threads_get(), 2));
    seer_threads_fit_limit();
    cr_assert(eq(int, seer_threads_get(), 2));
}

// A product below SEER_THREADS_SMALL_WORK multiply-adds runs on one thread, and the count asked
// comes back after it; from the bound up, and where one thread was asked, nothing is held.
Test(threads, a_small_product_is_held_to_one_thread) {
    if (!unlimited()) cr_skip_test("this process already runs under a limit on its addresses");
    seer_threads_set(2);
    cr_assert(eq(int, seer_threads_one_for(SEER_THREADS_SMALL_WORK - 1), 1));
    cr_assert(eq(int, seer_threads_one_for(SEER_THREADS_SMALL_WORK), 0));
    int held = seer_threads_hold_small(32.0 * 578 * 64);
    cr_assert(eq(int, held, 2));
    cr_assert(eq(int, seer_threads_get(), 1));
    seer_threads_release(held);
    cr_assert(eq(int, seer_threads_get(), 2));
    cr_assert(eq(int, seer_threads_hold_small(SEER_THREADS_SMALL_WORK), 0));
    cr_assert(eq(int, seer_threads_get(), 2));
    seer_threads_release(0);
    cr_assert(eq(int, seer_threads_get(), 2));
    seer_threads_set(1);
    cr_assert(eq(int, seer_threads_hold_small(1.0), 0));
    cr_assert(eq(int, seer_threads_one_for(1e12), 1));
    cr_assert(eq(int, seer_threads_get(), 1));
}
