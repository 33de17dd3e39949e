// OpenMP behind seer_threads_set, and the checks a thread beside it needs; see threads.h.
#define _GNU_SOURCE
#include "base/threads.h"

#include <omp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#include "base/mem.h"

// The room under a limit on the address space that each thread past the first asks for: its
// stack (8 MiB), a malloc arena (64 MiB of addresses) and oneDNN's code and buffers, with room
// to spare.
#define THREAD_ROOM ((size_t)256 << 20)

void seer_threads_set(int n) {
    static atomic_int warned;
    if (n > 1 && !seer_address_space_has((size_t)(n - 1) * THREAD_ROOM)) {
        if (!atomic_exchange(&warned, 1))
            fprintf(stderr, "seer: the limit on the address space (ulimit -v) leaves too little "
                    "room for %d threads' stacks and allocators: parallel work runs on one\n",
                    n);
        n = 1;
    }
    omp_set_num_threads(n > 0 ? n : 1);
}

void seer_threads_fit_limit(void) {
    int n = omp_get_max_threads();
    if (n > 1) seer_threads_set(n);
}

int seer_threads_get(void) { return omp_get_max_threads(); }

int seer_threads_one_for(double work) {
    return omp_get_max_threads() == 1 || work < SEER_THREADS_SMALL_WORK;
}

int seer_threads_hold_small(double work) {
    int n = omp_get_max_threads();
    if (n == 1 || work >= SEER_THREADS_SMALL_WORK) return 0;
    omp_set_num_threads(1);
    return n;
}

void seer_threads_release(int held) {
    if (held > 0) omp_set_num_threads(held);
}

int seer_cpus_available(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

int seer_side_thread_allowed(void) { return seer_address_space_has(THREAD_ROOM); }
