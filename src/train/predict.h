// Scoring a table with a trained model: every row's prediction in order, and
// the metrics of a labelled file.
#ifndef SEER_TRAIN_PREDICT_H
#define SEER_TRAIN_PREDICT_H

#include <stddef.h>

#include "data/table.h"
#include "io/model.h"
#include "train/metrics.h"

// Predictions of m for every row of an open table, in order, batch by batch:
// fn gets p (n) and y (n; NAN without a label column). need_label makes a
// missing label column an error. Rows the transform rejects are an error, or
// with skip_bad counted into *skipped. With skip_bad SEER_SKIP_HOLD each skipped row
// (the reader's too) still takes its place among fn's rows, with p and y NaN, so that an
// output lines up with the input's rows.
#define SEER_SKIP_HOLD 2
typedef int (*seer_predict_fn)(void *ctx, const float *p, const float *y, size_t n);
int seer_predict_table(seer_model *m, seer_table *tab, int need_label, int skip_bad,
                       size_t *skipped, seer_predict_fn fn, void *ctx);

// The same, with row_fn (when not NULL) called with each row in the order fn gets them, as it
// is read: the row, or NULL for one the reader skipped (with SEER_SKIP_HOLD); a row the
// transform then rejects is among them. seer predict --id reads the id column there.
typedef int (*seer_predict_row_fn)(void *ctx, const seer_row *row);
int seer_predict_table_rows(seer_model *m, seer_table *tab, int need_label, int skip_bad,
                            size_t *skipped, seer_predict_row_fn row_fn, seer_predict_fn fn,
                            void *ctx);

// seer_eval_file, the metrics of m over every row of a file, is public (seer.h).

#endif
