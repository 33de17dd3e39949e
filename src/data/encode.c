// The encoding pass: every row of a table through the transform into the
// training and hold-out datasets. The storage is dataset.c's, the rule of
// which rows are held out split.c's.
#include "data/encode.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/error.h"

// Rows written to a cache between releases of their pages.
#define RELEASE_ROWS 65536

int seer_dataset_load(seer_dataset *train, seer_dataset *valid, seer_table *tab,
                      const seer_transform *t, const seer_split *split, int need_label,
                      int skip_bad, size_t *skipped, seer_progress *bar) {
    long *map = malloc((t->n_cols + 1) * sizeof *map);
    if (!map) return seer_errorf(SEER_ENOMEM, "out of memory");
    int rc = seer_transform_bind(t, tab, map, need_label);
    size_t index = 0;
    seer_row row;
    while (rc == SEER_OK && (rc = seer_table_next(tab, &row)) == 1) {
        if ((index & 4095) == 0) seer_progress_update(bar, index, -1);
        seer_dataset *d = seer_split_holds_out(split, index++) ? valid : train;
        long i = seer_dataset_grow(d);
        if (i < 0) {
            rc = (int)i;
            break;
        }
        rc = seer_transform_row(t, map, &row, seer_table_path(tab), d->ids + (size_t)i * d->S,
                                d->dense + (size_t)i * d->n_dense, d->y + i);
        int kept = rc == SEER_OK;
        if (rc == SEER_EDATA && skip_bad) {
            d->rows--;
            if ((*skipped)++ < SEER_BAD_ROWS_KEPT)
                fprintf(stderr, "seer: skipped: %s\n", seer_error_message());
            rc = SEER_OK;
        }
        // Written rows of a cache go back to the file: memory stays bounded. Only after a row
        // was kept: a skipped first row leaves rows at 0, and 0 - RELEASE_ROWS is no row.
        if (kept && d->map && d->rows % RELEASE_ROWS == 0)
            seer_dataset_release(d, d->rows - RELEASE_ROWS, RELEASE_ROWS);
    }
    free(map);
    return rc < 0 ? rc : SEER_OK;
}

// Where one row of a chunk goes: its dataset and its index there.
typedef struct {
    seer_dataset *d;
    size_t i;
} destination;

int seer_dataset_load_words(seer_dataset *train, seer_dataset *valid, seer_raw_rows *raw,
                            const seer_transform *t, const seer_split *split,
                            seer_progress *bar) {
    SEER_ASSERT(seer_transform_takes_words(t, raw) && !train->map && !(valid && valid->map));
    destination *to = malloc(RELEASE_ROWS * sizeof *to);
    if (!to) return seer_errorf(SEER_ENOMEM, "out of memory");
    int rc = SEER_OK;
    for (size_t first = 0; first < raw->rows && rc == SEER_OK; first += RELEASE_ROWS) {
        seer_progress_update(bar, first, -1);
        size_t n = raw->rows - first < RELEASE_ROWS ? raw->rows - first : RELEASE_ROWS;
        // The rows' places in file order (the split's rule), then the rows encoded by the
        // calling thread's parallel region: each writes its own row only, so the bytes are
        // the same with any number of threads.
        for (size_t k = 0; k < n && rc == SEER_OK; k++) {
            seer_dataset *d = seer_split_holds_out(split, first + k) ? valid : train;
            long i = seer_dataset_grow(d);
            if (i < 0) rc = (int)i;
            to[k] = (destination){d, (size_t)i};
        }
        if (rc != SEER_OK) break;
#pragma omp parallel for schedule(static, 256)
        for (size_t k = 0; k < n; k++) {
            seer_dataset *d = to[k].d;
            size_t i = to[k].i;
            seer_transform_words(t, raw, seer_raw_rows_at(raw, first + k), d->ids + i * d->S,
                                 d->dense + i * d->n_dense, d->y + i);
        }
        // The words of the rows encoded leave memory as the datasets fill.
        seer_raw_rows_release(raw, first + n);
    }
    free(to);
    return rc;
}
