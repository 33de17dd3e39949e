// Interaction logs: who did what with which item, and when (user, item, [time], [rating]).
//
// Two layouts. CSV/TSV with a header (SEER_FORMAT_AUTO, CSV, TSV), read through table.c,
// with the columns named by the options. SEER_FORMAT_MOVIELENS: no header, "user item rating
// timestamp" separated by a tab or runs of spaces (u.data, uK.base) or by "::" (ratings.dat),
// the separator taken from the first line. Plain, gzip or zstd (data/source.c).
// Ids are strings; the id maps (data/idmap.h) turn them into dense indices as they come,
// so every output can name them again. A malformed line is SEER_EDATA naming
// file:line:column, or with skip_bad_rows counted and skipped.
//
// Side features (--items FILE, --users FILE) are CSV/TSV with a header whose first column
// (or the column named id_col) holds the id; every other column is a feature: numbers as one
// value "col" (standardised by the file's mean and deviation), other text as a token
// "col=value", '|'-separated text as one token per part. An entity's features are a sparse
// row of (feature index, value) pairs, so a tower can pool their embedding rows.
#ifndef SEER_DATA_INTERACTIONS_H
#define SEER_DATA_INTERACTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "data/idmap.h"
#include "seer.h"

typedef struct {
    seer_format format;        // AUTO, CSV, TSV or MOVIELENS
    const char *user_col;      // CSV/TSV: the columns by header name ("user", "item" when
    const char *item_col;      // NULL); time and rating are optional (NULL: none)
    const char *time_col;
    const char *rating_col;
    int skip_bad_rows;
} seer_interactions_options;

// The log as read, in file order.
typedef struct {
    size_t n;            // interactions
    uint32_t *user;      // (n) index in the users map
    uint32_t *item;      // (n) index in the items map
    float *rating;       // (n) or NULL when the log has no ratings
    double *time;        // (n) or NULL when it has no times (then file order is time order)
    size_t cap;
    size_t skipped;      // malformed lines skipped (skip_bad_rows)
    char first_bad[256]; // the first skipped line's message, "" when none
} seer_interactions;

// Reads path into *out (uninitialised), adding new ids to users and items. A time must be a
// number (seconds, or any increasing number); a rating a finite number. An empty log is
// SEER_EDATA; a missing column SEER_EINVAL naming it and the header's columns.
int seer_interactions_read(seer_interactions *out, const char *path,
                           const seer_interactions_options *o, seer_idmap *users,
                           seer_idmap *items);
// The same over data[0, n) named name (tests and fuzzing).
int seer_interactions_read_memory(seer_interactions *out, const void *data, size_t n,
                                  const char *name, const seer_interactions_options *o,
                                  seer_idmap *users, seer_idmap *items);
void seer_interactions_free(seer_interactions *x);

// Each user's interactions as a CSR over users (n_users rows), in time order when the log has
// times (ties and no times: file order). off (n_users + 1), idx (x->n) are indices into x.
int seer_interactions_by_user(const seer_interactions *x, size_t n_users, uint64_t **off,
                              uint64_t **idx);

// Sparse side features of the entities of one map (users or items).
typedef struct {
    size_t rows;         // entities: the map's count when read (ids the file lacks: no row)
    uint64_t *off;       // (rows + 1) CSR
    uint32_t *feat;      // (off[rows]) feature index into names
    float *val;          // (off[rows]) its value (1 for a token)
    seer_idmap names;    // the features: "col" for a number, "col=value" for a token
    double *mean, *std;  // (names.n) the standardisation of numeric features (0, 1: tokens)
} seer_side_features;

// Reads a side-feature file for the ids of map (which does not grow: rows of unknown ids are
// counted into *unknown and left out). id_col NULL: the first column.
int seer_side_features_read(seer_side_features *out, const char *path, const char *id_col,
                            const seer_idmap *map, size_t *unknown);
// The feature row of given (name, value) text pairs, as a request gives them, into feat/val
// (cap entries); *n gets the count. Unknown names or tokens are left out (cold start).
size_t seer_side_features_encode(const seer_side_features *f, const char *const *names,
                                 const char *const *values, size_t n_pairs, uint32_t *feat,
                                 float *val, size_t cap);
void seer_side_features_free(seer_side_features *f);

#endif
