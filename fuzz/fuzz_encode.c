// libFuzzer target for the one-pass encoding (src/data/raw_rows.c, the words of
// src/data/profile.c and src/data/transform.c): the input is a CSV whose rows are profiled
// keeping their words (a hold-out of some rows, with and without skip_bad_rows, embedding or
// piecewise-linear buckets by the first byte); when a transform fits and takes the words, the
// rows encoded from the words must be the bytes the text encodes to.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/error.h"
#include "data/dataset.h"
#include "data/encode.h"
#include "data/profile.h"
#include "data/raw_rows.h"
#include "data/table.h"
#include "data/transform.h"

static int same(const seer_dataset *a, const seer_dataset *b) {
    if (a->rows != b->rows) return 0;
    return a->rows == 0 || (!memcmp(a->ids, b->ids, a->rows * a->S * sizeof *a->ids) &&
           !memcmp(a->dense, b->dense, a->rows * a->n_dense * sizeof *a->dense) &&
           !memcmp(a->y, b->y, a->rows * sizeof *a->y));
}

static void check(const seer_transform *t, seer_raw_rows *raw, seer_table *tab,
                  const seer_split *split) {
    seer_dataset wt, wv, tt, tv;
    seer_dataset_init(&wt, t->n_slots, t->n_dense);
    seer_dataset_init(&wv, t->n_slots, t->n_dense);
    seer_dataset_init(&tt, t->n_slots, t->n_dense);
    seer_dataset_init(&tv, t->n_slots, t->n_dense);
    size_t skipped = 0;
    SEER_ASSERT(seer_dataset_load_words(&wt, &wv, raw, t, split, NULL) == SEER_OK);
    SEER_ASSERT(seer_table_rewind(tab) == SEER_OK);
    // The words are taken only where the text encodes without an error.
    SEER_ASSERT(seer_dataset_load(&tt, &tv, tab, t, split, 1, 0, &skipped, NULL) == SEER_OK);
    SEER_ASSERT(same(&wt, &tt) && same(&wv, &tv));
    seer_dataset_free(&wt);
    seer_dataset_free(&wv);
    seer_dataset_free(&tt);
    seer_dataset_free(&tv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    int skip = mode & 1;
    seer_table_options to = {SEER_FORMAT_AUTO, skip};
    seer_table *tab;
    if (seer_table_open_memory(&tab, data, size, "fuzz", 0, &to) != SEER_OK) return 0;
    const char *label = seer_table_ncols(tab) > 1 ? seer_table_colname(tab, 0) : NULL;
    seer_split split = {(mode & 2) ? 0.3 : 0.0, mode};
    seer_profile p;
    seer_raw_rows raw;
    memset(&raw, 0, sizeof raw);
    size_t rows = 0;
    int rc = label ? seer_profile_pass(&p, tab, label, SEER_TASK_BINARY, &split, skip, &rows,
                                       NULL, &raw, SEER_RAW_ROWS_MAX_BYTES)
                   : SEER_EDATA;
    if (rc == SEER_OK) {
        SEER_ASSERT(raw.dropped || raw.rows == rows);
        seer_transform_options o;
        seer_transform_options_default(&o);
        o.label = label;
        o.min_count = 1;
        o.bucket_ple = (mode & 4) != 0;
        if (mode & 8) o.hash_buckets = 8;
        seer_transform t;
        if (seer_transform_fit(&t, &p, &o) == SEER_OK) {
            if (seer_transform_takes_words(&t, &raw)) check(&t, &raw, tab, &split);
            seer_transform_free(&t);
        }
    }
    if (label) seer_profile_free(&p);
    seer_raw_rows_free(&raw);
    seer_table_close(tab);
    return 0;
}
