// The fitted transform: the sparsity decision per column, and the function
// that turns a text row into model inputs. Fitted on training rows only and
// stored in the model, so predict and serve apply exactly the same function.
//
// Each column becomes one of:
//   label        the 0/1 target
//   categorical  "reduce": a vocabulary of tokens seen at least min_count
//                times (most frequent first, at most max_vocab) maps to
//                embedding rows; row 0 is out-of-vocabulary, row 1 missing.
//                With hash_buckets, tokens hash into that many rows instead
//                (tables of any size; the collisions are measured and shown),
//                or, with hash_shared, into one table of hash_buckets rows
//                that every categorical column shares (each salts its tokens
//                with its name; OOV and missing rows stay its own).
//                Multi-valued (tags=a|b|c: 5% of the values hold a '|', or
//                --multi): each token maps as above, up to `slots` tokens a
//                row (the most seen in training, at most max_tokens), and the
//                field's vector is their mean (or sum)
//   numeric      "enhance": slog1p when heavy-tailed, standardised with the
//                training mean and deviation (missing -> 0, clipped to +-10),
//                a 0/1 missing indicator when training had missing values, and
//                quantile buckets with their own embedding (row 0 missing), or
//                with bucket_ple the buckets as piecewise-linear dense values:
//                one a bucket, 1 for a bucket wholly below the value, 0 above
//                it, the value's place inside its own (missing: 0 beside the
//                flag, or the mean's when training saw no missing value)
//   vector       every value is a fixed number of ';'-separated numbers (a
//                precomputed text or image embedding): that many dense inputs,
//                each standardised; missing -> zeros
//   ignored      constant, empty, a row id, or unique per row (or by flag)
//
// Model inputs of one row: ids (n_slots) global embedding rows, one slot per
// field (categorical columns first, then bucket fields) except multi-valued
// fields, which have `slots` each, unused ones SEER_NO_ID; and dense (n_dense):
// the standardised numbers, then each column's piecewise-linear buckets and
// missing indicator. Without multi-valued
// columns n_slots == n_fields and ids[f] is field f's row.
#ifndef SEER_DATA_TRANSFORM_H
#define SEER_DATA_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/ids.h"
#include "data/dense_pack.h"
#include "data/profile.h"
#include "data/sketch.h"
#include "data/table.h"

// The version of the decision rules, in the key of a cache of encoded rows (train/datacache.c):
// a cache from rules that decide otherwise is stale. 2: integer ids become categorical.
#define SEER_TRANSFORM_RULES 2

typedef enum {
    SEER_COL_IGNORED,
    SEER_COL_LABEL,
    SEER_COL_NUMERIC,
    SEER_COL_CATEGORICAL,
    SEER_COL_VECTOR,
} seer_col_kind;
// The kinds' names in seer_col_kind order, as model files and /v1/model spell them.
extern const char *const seer_col_kind_names[];

typedef struct {
    char *name;
    seer_col_kind kind;
    char reason[256];       // why, in words, for `seer profile`
    char evidence[112];     // the id rule's figures, added to reason once the column is fitted
    // Profile figures kept for printing and the model's metadata.
    double missing_rate;
    double cardinality;
    // numeric
    int log;                // apply slog1p first
    double mean, std;       // of the (logged) training values
    long dense;             // index of the standardised value, -1 if none
    long flag;              // index of the missing indicator, -1 if none
    size_t n_edges;
    double *edges;          // (n_edges) ascending bucket edges on the (logged) value
    int ple;                // the buckets are n_edges + 1 piecewise-linear dense values
    double lo, hi;          // with ple: the (logged) training minimum and maximum, the outer
                            // ends of the first and last bucket
    long ple_dense;         // with ple: the index of the first bucket's value, else -1
    // categorical, and numeric bucket fields
    long field;             // embedding field index, -1 if none
    size_t n_vocab;
    uint64_t *vocab;        // (n_vocab) token hashes; token k has row 2 + k
    size_t hash_buckets;    // > 0: no vocabulary; a token has row 2 + hash % hash_buckets
    int shared_table;       // hashed into the transform's shared table
    uint64_t salt;          // of the shared table: a hash of the name (set by finish)
    size_t slots;           // ids per row: 1, or a multi-valued column's most tokens
    int multi;              // tokens separated by '|', pooled
    int pool_sum;           // multi-valued: sum the tokens' vectors instead of the mean
    long slot;              // first slot in ids, -1 if none
    double mean_tokens;     // multi-valued: tokens per present value in training
    // vector
    size_t dims;
    double *vec_mean, *vec_std;  // (dims)
    seer_vocab_map lookup;
} seer_column;

typedef struct {
    const char *label;
    seer_task task;                  // what the label is (profile.h: seer_label_invalid)
    const char *const *ignore;       // column names forced to be ignored
    size_t n_ignore;
    const char *const *categorical;  // forced categorical
    size_t n_categorical;
    const char *const *numeric;      // forced numeric
    size_t n_numeric;
    size_t min_count;                // default 5
    size_t max_vocab;                // default 1 << 20
    size_t buckets;                  // default 16; 0 disables bucket fields
    size_t hash_buckets;             // > 0: hash every categorical column into this many rows
    int hash_shared;                 // with hash_buckets: one table for all of them
    const char *const *multi;        // forced multi-valued
    size_t n_multi;
    size_t max_tokens;               // default 32: slots of a multi-valued field at most
    int pool_sum;                    // multi-valued fields sum instead of averaging
    int scale_by_label;              // for a model linear in its inputs: a skewed column keeps
                                     // the scale (plain or slog1p) nearer the label's (fit_numeric)
    int bucket_ple;                  // numeric buckets as piecewise-linear dense values instead
                                     // of embedding fields
} seer_transform_options;

typedef struct {
    seer_format format;
    size_t n_cols;
    seer_column *col;        // (n_cols)
    long label_col;          // -1 when the transform has no label
    seer_task task;          // what a label must be (the model file keeps it with the network)
    size_t n_fields;         // F
    size_t *field_offset;    // (F) first global row of each field
    size_t *field_rows;      // (F)
    long *field_col;         // (F) the column each field comes from
    size_t emb_rows;         // sum of field_rows, and the shared table's
    size_t shared_offset;    // first row of the shared hashed table
    size_t shared_rows;      // its rows (0: none)
    size_t n_slots;          // ids per row (>= F)
    uint32_t *field_slots;   // (F) slots of each field: 1, or a multi-valued field's
    uint8_t *field_mean;     // (F) 1: a multi-valued field averages its tokens
    size_t n_dense;
    long *dense_col;         // (n_dense) source column of each dense input
    seer_dense_pack pack;    // how encoded rows hold their dense values (no runs: as they are)
} seer_transform;

void seer_transform_options_default(seer_transform_options *o);
// Fits the transform to a finished profile. SEER_EDATA when the data cannot
// train a model (no rows, one class, no usable feature).
int seer_transform_fit(seer_transform *t, const seer_profile *p, const seer_transform_options *o);
// Rebuilds lookups and field tables after the columns were filled in (by the
// model loader). Takes ownership of t->col.
int seer_transform_finish(seer_transform *t);
void seer_transform_free(seer_transform *t);

// Maps table columns to transform columns by name: map (n_cols of the
// transform) gets the table column index or -1. A missing feature column is
// SEER_EDATA naming it; without need_label the label column is not read (-1),
// with it a missing label column is SEER_EDATA.
int seer_transform_bind(const seer_transform *t, const seer_table *tab, long *map, int need_label);

// Encodes one row into ids (n_slots), dense (n_dense) and *y (NAN without a label
// column). A number that does not parse in a numeric column, or a bad label,
// is SEER_EDATA with file:line:column.
int seer_transform_row(const seer_transform *t, const long *map, const seer_row *row,
                       const char *path, uint32_t *ids, float *dense, float *y);

// Numeric column j (SEER_COL_NUMERIC) of a row holding the finite number v, encoded into ids
// and dense exactly as seer_transform_row encodes a field whose text reads as v; never fails.
void seer_transform_number(const seer_transform *t, size_t j, double v, uint32_t *ids,
                           float *dense);
// Whether rows kept as raw's words (data/raw_rows.h, from the profile t was fitted to) encode
// as their text would: every column t reads has the word it needs, no numeric column met a
// value that is not a number, and no column is multi-valued or a vector.
int seer_transform_takes_words(const seer_transform *t, const seer_raw_rows *raw);
// Encodes the row whose words are w (seer_raw_rows_at) into ids, dense and *y: what
// seer_transform_row writes for its text. Only when seer_transform_takes_words.
void seer_transform_words(const seer_transform *t, const seer_raw_rows *raw, const uint64_t *w,
                          uint32_t *ids, float *dense, float *y);
// The label of the row whose words are w (NAN without a label column), the *y that
// seer_transform_words writes. Only when seer_transform_takes_words.
float seer_transform_words_label(const seer_transform *t, const seer_raw_rows *r,
                                 const uint64_t *w);

// Writes the profile and the decision as a table.
void seer_transform_print(const seer_transform *t, FILE *out);

#endif
