// A limit on the address space a little above what the process has now, for the tests of
// what runs out of memory (each test is a process of its own, so the limit ends with it).
#ifndef SEER_TESTS_ADDRESS_SPACE_H
#define SEER_TESTS_ADDRESS_SPACE_H

#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

// The soft limit on the address space set to the process's size now (/proc/self/statm) plus
// room bytes; the hard limit left off, so that a test may lift it again.
static inline void address_space_leave(size_t room) {
    FILE *f = fopen("/proc/self/statm", "r");
    cr_assert(f != NULL);
    unsigned long pages = 0;
    cr_assert(eq(int, fscanf(f, "%lu", &pages), 1));
    fclose(f);
    struct rlimit lim = {(rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (rlim_t)room,
                         RLIM_INFINITY};
    cr_assert(eq(int, setrlimit(RLIMIT_AS, &lim), 0));
}

#endif
