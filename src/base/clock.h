// Monotonic wall time in seconds, and a thread's CPU time.
#ifndef SEER_BASE_CLOCK_H
#define SEER_BASE_CLOCK_H

#include <time.h>

static inline double seer_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// The calling thread's CPU time in seconds: what a piece of work cost, whatever preempted it.
static inline double seer_thread_cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
