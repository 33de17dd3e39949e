// Fitting a transform to a CSV text in a test: the text (header first) is read
// from memory, profiled, and the transform fitted with options o. p and *tab
// stay open for the caller to inspect and free.
#ifndef SEER_TESTS_FIT_TEXT_H
#define SEER_TESTS_FIT_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"
#include "base/rng.h"
#include "data/profile.h"
#include "data/table.h"
#include "data/transform.h"

static int fit_text_with(const char *text, const seer_transform_options *o, seer_transform *t,
                         seer_profile *p, seer_table **tab) {
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    int rc = seer_table_open_memory(tab, text, strlen(text), "mem.csv", 0, &to);
    if (rc != SEER_OK) return rc;
    rc = seer_profile_init(p, *tab, o->label);
    seer_row row;
    while (rc == SEER_OK && (rc = seer_table_next(*tab, &row)) == 1) rc = seer_profile_add(p, &row);
    if (rc < 0) return rc;
    return seer_transform_fit(t, p, o);
}

// A table "store,visits,y" of n rows for the id rule: store is one of 40 integer ids
// (101..140), each with a label rate of 0.2 or 0.8 by a hash of the id (unrelated to its
// order); visits is 0..39 and the label rate rises with it. y draws from the mean of the two
// rates. The caller frees it.
static inline char *id_table_text(size_t n, uint64_t seed) {
    char *s = malloc(32 + n * 24), *w = s;
    w += sprintf(w, "store,visits,y\n");
    seer_rng r;
    seer_rng_init(&r, seed);
    for (size_t i = 0; i < n; i++) {
        unsigned store = 101 + (unsigned)seer_rng_below(&r, 40);
        unsigned visits = (unsigned)seer_rng_below(&r, 40);
        double rate = 0.5 * ((seer_mix64(store) & 1) ? 0.8 : 0.2) + 0.5 * visits / 39.0;
        w += sprintf(w, "%u,%u,%d\n", store, visits, seer_rng_uniform(&r) < rate);
    }
    return s;
}

#endif
