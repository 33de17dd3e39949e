// A whole file read into memory, for the test suites that compare files (models, logs,
// outputs) byte for byte.
#ifndef SEER_TESTS_SLURP_H
#define SEER_TESTS_SLURP_H

#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The whole file, NUL-terminated; its size in *n when n is not NULL. The caller frees it.
static inline char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    cr_assert(ne(ptr, f, NULL), "%s: %s", path, strerror(errno));
    cr_assert(eq(int, fseek(f, 0, SEEK_END), 0));
    long size = ftell(f);
    cr_assert(ge(long, size, 0));
    rewind(f);
    char *b = malloc((size_t)size + 1);
    cr_assert(ne(ptr, b, NULL));
    cr_assert(eq(sz, fread(b, 1, (size_t)size, f), (size_t)size));
    b[size] = '\0';
    fclose(f);
    if (n) *n = (size_t)size;
    return b;
}

// The files at a and b hold the same bytes (what says what differs: the failure's message).
static inline void assert_same_files(const char *a, const char *b, const char *what) {
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    cr_assert(eq(sz, na, nb), "%s (sizes)", what);
    cr_assert(eq(int, memcmp(x, y, na), 0), "%s", what);
    free(x);
    free(y);
}

#endif
