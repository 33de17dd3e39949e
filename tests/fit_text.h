// Fitting a transform to a CSV text in a test: the text (header first) is read
// from memory, profiled, and the transform fitted with options o. p and *tab
// stay open for the caller to inspect and free.
#ifndef SEER_TESTS_FIT_TEXT_H
#define SEER_TESTS_FIT_TEXT_H

#include <string.h>

#include "base/error.h"
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

#endif
