// Monotonic wall time in seconds.
#ifndef SEER_BASE_CLOCK_H
#define SEER_BASE_CLOCK_H

#include <time.h>

static inline double seer_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
