// OpenMP behind seer_threads_set, and the checks a thread beside it needs; see threads.h.
#define _GNU_SOURCE
#include "base/threads.h"

#include <omp.h>
#include <sched.h>
#include <sys/resource.h>

void seer_threads_set(int n) { omp_set_num_threads(n > 0 ? n : 1); }

int seer_threads_get(void) { return omp_get_max_threads(); }

int seer_cpus_available(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

int seer_side_thread_allowed(void) {
    struct rlimit as;
    return !(getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY);
}
