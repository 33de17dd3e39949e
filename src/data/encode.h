// The encoding pass (pass 2 of training): a table's rows, encoded through a
// fitted transform, into datasets (dataset.h), the rows the split holds out
// into a second one.
#ifndef SEER_DATA_ENCODE_H
#define SEER_DATA_ENCODE_H

#include <stddef.h>

#include "base/progress.h"
#include "data/dataset.h"
#include "data/raw_rows.h"
#include "data/split.h"
#include "data/table.h"
#include "data/transform.h"

// Encodes every row of tab (from its current position) through t. Rows the
// split holds out go to valid (which may be NULL only when split is NULL or
// frac is 0). With skip_bad, rows the transform rejects are counted into
// *skipped and their first messages printed to stderr; otherwise the first
// one is the error.
// bar (may be NULL) shows the rows read.
int seer_dataset_load(seer_dataset *train, seer_dataset *valid, seer_table *tab,
                      const seer_transform *t, const seer_split *split, int need_label,
                      int skip_bad, size_t *skipped, seer_progress *bar);

// The encoding from the words the profile pass kept of every row (raw_rows.h), with no text
// read, in chunks that may be encoded in any order: chunk c holds training rows
// [c * chunk, (c + 1) * chunk) of those the call adds, and the held-out rows among them in the
// file (those before the first training row go with chunk 0, those after the last with the
// last). One thread may encode chunks while another trains on those done.
typedef struct {
    seer_dataset *train, *valid;
    seer_raw_rows *raw;
    const seer_transform *t;
    seer_split split;     // a copy: the chunks may outlive the caller's
    size_t chunk, n_chunks;
    size_t train0;        // the training rows before the call's
    size_t *raw_first;    // (n_chunks + 1) the file's row where chunk c starts; the last: the end
    size_t *valid_first;  // (n_chunks) the hold-out's row where chunk c's held-out rows start
    size_t *to;           // (the widest chunk's file rows) each row's place while encoding
} seer_word_chunks;

// The plan of the chunks: both datasets hold their new rows (room for them, their count and
// every label written; ids and dense values not yet). Only when seer_transform_takes_words(t,
// raw). valid may be NULL when the split holds out no row. SEER_ENOMEM; on an error nothing is
// kept to free.
int seer_word_chunks_init(seer_word_chunks *w, seer_dataset *train, seer_dataset *valid,
                          seer_raw_rows *raw, const seer_transform *t, const seer_split *split,
                          size_t chunk);
// Encodes chunk c's rows (on the calling thread's parallel region when parallel) and gives
// the pages of their words back. Chunks are encoded one at a time.
void seer_word_chunks_encode(seer_word_chunks *w, size_t c, int parallel);
void seer_word_chunks_free(seer_word_chunks *w);

// Every chunk of the words in order, on the calling thread's parallel region. The error:
// running out of room for rows.
int seer_dataset_load_words(seer_dataset *train, seer_dataset *valid, seer_raw_rows *raw,
                            const seer_transform *t, const seer_split *split,
                            seer_progress *bar);

#endif
