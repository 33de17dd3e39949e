// The evidence that an integer column holds ids: per-value label counts gathered in the
// profile pass, and two one-column predictors of a binary label compared on them (see
// seer_id_evidence_measure). The transform (data/transform.c) makes the decision.
//
// Memory is bounded: a column's table holds at most SEER_ID_VALUES_MAX distinct values
// (16 bytes each, at most 2x that in slots: 8 MiB); with more, or a value in 2^32 - 1 rows,
// the column stops being a candidate and the table is freed. The token counter of the same
// column is as large for as many values, and holds up to SEER_PROFILE_MAX_TOKENS.
#ifndef SEER_DATA_ID_RULE_H
#define SEER_DATA_ID_RULE_H

#include <stddef.h>
#include <stdint.h>

#define SEER_ID_VALUES_MAX (1u << 18)

typedef struct {
    int64_t value;
    uint32_t n;    // rows holding the value (0: an empty slot)
    uint32_t pos;  // of them, with label 1
} seer_value_label;

typedef struct {
    seer_value_label *slots;  // (cap) open addressing
    size_t cap, n;            // n distinct values
    int dropped;              // not a candidate: a non-integer, a text value, too many values
} seer_value_labels;

// Counts one row's integer value x (|x| <= 9e15) with its label y (0 or 1). Past
// SEER_ID_VALUES_MAX values, or 2^32 - 1 rows of one, the table is dropped (SEER_OK).
// SEER_ENOMEM when it cannot grow.
int seer_value_labels_add(seer_value_labels *v, double x, int y);
// Frees the table and marks the column as no candidate.
void seer_value_labels_drop(seer_value_labels *v);
void seer_value_labels_free(seer_value_labels *v);

typedef struct {
    double loss_values;   // mean log loss of the smoothed label rate per value
    double loss_buckets;  // of the smoothed label rate per ordered bucket
    double loss_prior;    // of the overall rate
    size_t buckets;       // buckets actually formed
    size_t vocab;         // values held at least min_count times
    double rows;          // the rows counted (the losses are means over them)
} seer_id_evidence;

// Leave-one-out log loss (every row predicted from the others, exact from the counts) of two
// predictors of the label: the label rate per value, values that the other rows hold fewer
// than min_count times sharing one rare value; and the rate per bucket of `buckets` ordered
// buckets of equal rows, where a value holding more than its share of rows takes a bucket of
// its own and the rest are split again (so a count column dominated by 0 still gets its 1, 2,
// 3 apart, as the numeric encoding's dense value would). Rates are smoothed towards the
// overall one with SEER_ID_SMOOTH rows' weight. SEER_ENOMEM, or SEER_OK with *e.
#define SEER_ID_SMOOTH 10.0
int seer_id_evidence_measure(const seer_value_labels *v, size_t buckets, size_t min_count,
                             seer_id_evidence *e);

#endif
