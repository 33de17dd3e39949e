// Freeing the arrays a struct owns in one call: the free functions of the
// reader, the model file, the transform, the demo data's world and the event
// reader each had a run of free() lines of the same shape. Huge pages, and the room left
// under a limit on the address space.
#ifndef SEER_BASE_MEM_H
#define SEER_BASE_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>

// Frees each of the n pointers (NULL ones included).
static inline void seer_free_all_n(void *const *p, size_t n) {
    for (size_t i = 0; i < n; i++) free(p[i]);
}

// SEER_FREE_ALL(t->buf, t->off, t->len): free() of each pointer given.
#define SEER_FREE_ALL(...)                                        \
    seer_free_all_n((void *const[]){__VA_ARGS__},                 \
                    sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

// Asks for 2 MiB pages under the n bytes at p (the whole huge pages inside; a hint, which the
// kernel may ignore). For arrays of hundreds of MiB written once, such as a file read whole or
// the encoded rows: on 4 KiB pages the first write of each page is a fault of its own (on some
// machines a microsecond or more, a second a GiB), on huge pages one fault in 512 is.
static inline void seer_huge_pages(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + n) & ~(huge - 1);
    if (e > a) madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

// 0 when the address space is limited (ulimit -v) and bytes more of it cannot be mapped now;
// 1 otherwise. For oneDNN, whose JIT faults rather than fails when it cannot map its code.
static inline int seer_address_space_has(size_t bytes) {
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur == RLIM_INFINITY) return 1;
    void *p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return 0;
    munmap(p, bytes);
    return 1;
}

#endif
