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
    // A row's values as encoded, for datasets that hold them packed.
    float *row_dense = malloc((t->n_dense + 1) * sizeof *row_dense);
    if (!map || !row_dense) {
        free(map);
        free(row_dense);
        return seer_errorf(SEER_ENOMEM, "out of memory");
    }
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
        float *dense = d->pack ? row_dense : d->dense + (size_t)i * d->n_held;
        rc = seer_transform_row(t, map, &row, seer_table_path(tab), d->ids + (size_t)i * d->S,
                                dense, d->y + i);
        int kept = rc == SEER_OK;
        if (kept && d->pack) seer_dataset_put_dense(d, (size_t)i, row_dense);
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
    free(row_dense);
    return rc < 0 ? rc : SEER_OK;
}

// The held-out flag in a row's destination (seer_word_chunks' to): the rest is its index in
// its dataset.
#define HELD_OUT ((size_t)1 << (sizeof(size_t) * 8 - 1))

static void chunks_free(seer_word_chunks *w) {
    free(w->raw_first);
    free(w->valid_first);
    free(w->to);
    w->raw_first = w->valid_first = w->to = NULL;
}

int seer_word_chunks_init(seer_word_chunks *w, seer_dataset *train, seer_dataset *valid,
                          seer_raw_rows *raw, const seer_transform *t, const seer_split *split,
                          size_t chunk) {
    // Rows encoded from words stay in memory, held as encoded (no pack: dataset.h).
    SEER_ASSERT(seer_transform_takes_words(t, raw) && !train->map && !(valid && valid->map) &&
                !train->pack && !(valid && valid->pack) && chunk > 0);
    *w = (seer_word_chunks){.train = train, .valid = valid, .raw = raw, .t = t,
                            .split = split ? *split : (seer_split){0, 0}, .chunk = chunk,
                            .train0 = train->rows};
    size_t n_valid = 0;
    for (size_t i = 0; i < raw->rows; i++) n_valid += (size_t)seer_split_holds_out(split, i);
    SEER_ASSERT(valid || n_valid == 0);
    size_t n_train = raw->rows - n_valid;
    w->n_chunks = n_train ? (n_train + chunk - 1) / chunk : n_valid ? 1 : 0;
    w->raw_first = malloc((w->n_chunks + 1) * sizeof *w->raw_first);
    w->valid_first = malloc((w->n_chunks + 1) * sizeof *w->valid_first);
    if (!w->raw_first || !w->valid_first) {
        chunks_free(w);
        return seer_errorf(SEER_ENOMEM, "out of memory");
    }
    int rc = seer_dataset_reserve(train, train->rows + n_train);
    if (rc == SEER_OK && n_valid) rc = seer_dataset_reserve(valid, valid->rows + n_valid);
    if (rc != SEER_OK) {
        chunks_free(w);
        return rc;
    }
    // Where each chunk starts in the file and in the hold-out (chunk 0 at the file's start,
    // chunk c > 0 at its first training row), and every row's label, which the network's
    // set-up reads before any chunk is encoded.
    size_t ti = train->rows, vi = valid ? valid->rows : 0, widest = 0;
    w->raw_first[0] = 0;
    w->valid_first[0] = vi;
    for (size_t i = 0; i < raw->rows; i++) {
        float y = seer_transform_words_label(t, raw, seer_raw_rows_at(raw, i));
        if (seer_split_holds_out(split, i)) {
            valid->y[vi++] = y;
            continue;
        }
        size_t k = ti - w->train0;
        if (k && k % chunk == 0) {
            size_t c = k / chunk;
            w->raw_first[c] = i;
            w->valid_first[c] = vi;
            if (i - w->raw_first[c - 1] > widest) widest = i - w->raw_first[c - 1];
        }
        train->y[ti++] = y;
    }
    w->raw_first[w->n_chunks] = raw->rows;
    if (w->n_chunks && raw->rows - w->raw_first[w->n_chunks - 1] > widest)
        widest = raw->rows - w->raw_first[w->n_chunks - 1];
    w->to = malloc((widest + 1) * sizeof *w->to);
    if (!w->to) {
        chunks_free(w);
        return seer_errorf(SEER_ENOMEM, "out of memory");
    }
    train->rows += n_train;
    if (valid) valid->rows += n_valid;
    return SEER_OK;
}

void seer_word_chunks_encode(seer_word_chunks *w, size_t c, int parallel) {
    SEER_ASSERT(c < w->n_chunks);
    size_t first = w->raw_first[c], n = w->raw_first[c + 1] - first;
    size_t ti = w->train0 + c * w->chunk, vi = w->valid_first[c];
    // The rows' places in file order (the split's rule), then the rows encoded, by the calling
    // thread's parallel region when parallel: each writes its own row only, so the bytes are
    // the same with any number of threads.
    for (size_t k = 0; k < n; k++)
        w->to[k] = seer_split_holds_out(&w->split, first + k) ? HELD_OUT | vi++ : ti++;
    const seer_transform *t = w->t;
    const seer_raw_rows *raw = w->raw;
#pragma omp parallel for schedule(static, 256) if (parallel)
    for (size_t k = 0; k < n; k++) {
        seer_dataset *d = w->to[k] & HELD_OUT ? w->valid : w->train;
        size_t i = w->to[k] & ~HELD_OUT;
        float y;
        seer_transform_words(t, raw, seer_raw_rows_at(raw, first + k), d->ids + i * d->S,
                             d->dense + i * d->n_dense, &y);
    }
    // The words of the rows encoded leave memory as the datasets fill.
    seer_raw_rows_release(w->raw, first, n);
}

void seer_word_chunks_free(seer_word_chunks *w) { chunks_free(w); }

int seer_dataset_load_words(seer_dataset *train, seer_dataset *valid, seer_raw_rows *raw,
                            const seer_transform *t, const seer_split *split,
                            seer_progress *bar) {
    seer_word_chunks w;
    int rc = seer_word_chunks_init(&w, train, valid, raw, t, split, RELEASE_ROWS);
    for (size_t c = 0; rc == SEER_OK && c < w.n_chunks; c++) {
        seer_progress_update(bar, w.raw_first[c], -1);
        seer_word_chunks_encode(&w, c, 1);
    }
    if (rc == SEER_OK) seer_word_chunks_free(&w);
    return rc;
}
