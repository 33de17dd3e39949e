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

// The same from the words the profile pass kept of every row (raw_rows.h), with no text read:
// only when seer_transform_takes_words(t, raw). Rows whose words were encoded give their pages
// back as it goes. The error: running out of room for rows.
int seer_dataset_load_words(seer_dataset *train, seer_dataset *valid, seer_raw_rows *raw,
                            const seer_transform *t, const seer_split *split,
                            seer_progress *bar);

#endif
