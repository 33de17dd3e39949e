// Freeing the arrays a struct owns in one call: the free functions of the
// reader, the model file, the transform, the demo data's world and the event
// reader each had a run of free() lines of the same shape.
#ifndef SEER_BASE_MEM_H
#define SEER_BASE_MEM_H

#include <stddef.h>
#include <stdlib.h>

// Frees each of the n pointers (NULL ones included).
static inline void seer_free_all_n(void *const *p, size_t n) {
    for (size_t i = 0; i < n; i++) free(p[i]);
}

// SEER_FREE_ALL(t->buf, t->off, t->len): free() of each pointer given.
#define SEER_FREE_ALL(...)                                        \
    seer_free_all_n((void *const[]){__VA_ARGS__},                 \
                    sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

#endif
