// Column statistics gathered in one streaming pass over the training rows:
// what `seer profile` prints and what the transform is fitted from.
//
// Memory is bounded per column: an exact token counter up to
// SEER_PROFILE_MAX_TOKENS distinct values (a HyperLogLog sketch estimates the
// cardinality beyond), and a reservoir sample of numeric values for quantiles
// and skewness. Nothing grows with the number of rows.
#ifndef SEER_DATA_PROFILE_H
#define SEER_DATA_PROFILE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "data/id_rule.h"
#include "data/raw_rows.h"
#include "data/sketch.h"
#include "data/split.h"
#include "data/table.h"

#define SEER_PROFILE_MAX_TOKENS (1u << 21)
#define SEER_PROFILE_SAMPLE 8192
// Longest dense vector column (values like 0.1;0.4;-2) accepted.
#define SEER_VECTOR_DIMS_MAX 1024
// Multi-valued columns: tokens separated by this character (tags=a|b|c).
#define SEER_MULTI_SEP '|'

// Mean and deviation of a stream of finite numbers, by Welford's update (one
// pass, no sum of squares to cancel). The values are held at a power-of-two
// scale 2^e that grows past the largest magnitude seen, so that numbers near
// DBL_MAX (1e308) neither overflow the squares nor turn the mean into an
// infinity; below 2^256 the scale stays 1 and the update is plain Welford.
typedef struct {
    double n;                 // values added
    double mean, m2;          // of x / 2^e: the mean, the sum of squared deviations
    int e;
} seer_moments;

// Adds x (inline: the profile pass adds two moments a number). The values held at a scale
// other than 1, or x past 2^256, take seer_moments_add_scaled.
void seer_moments_add_scaled(seer_moments *m, double x);
static inline void seer_moments_add(seer_moments *m, double x) {
    if (m->e != 0 || !(fabs(x) < 0x1p256)) {
        seer_moments_add_scaled(m, x);
        return;
    }
    double d = x - m->mean;
    m->n += 1;
    m->mean += d / m->n;
    m->m2 += d * (x - m->mean);
}
// Both finite, whatever finite values were added; 0 without values.
double seer_moments_mean(const seer_moments *m);
double seer_moments_std(const seer_moments *m);  // the population deviation

typedef struct {
    size_t present;           // non-missing values
    size_t missing;
    size_t numeric;           // values that parse as numbers
    seer_moments num;         // of the numbers
    seer_moments lnum;        // of slog1p(number), the heavy-tail transform
    double min, max, last;
    int all_integer;          // every number is integral
    int increasing;           // numbers strictly increase row by row
    size_t first_text_line;   // first line holding a non-number (0: none)
    size_t first_text_field;
    char first_text[48];      // that value, cut short
    seer_hll hll;             // of every present value once hll_all; a column whose tokens are
                              // counted fills it from its counter when that overflows (the same
                              // registers: a sketch of the distinct values, in any order)
    int hll_all;
    seer_counter tokens;      // token hash -> count (not kept for known-numeric columns)
    int count_tokens;
    int parse_numbers;        // 0 for columns known to be categorical (Criteo's C1..C26)
    double *sample;           // (SEER_PROFILE_SAMPLE) reservoir of numbers
    unsigned char *sample_y;  // (SEER_PROFILE_SAMPLE) each sampled row's label (0 or 1); NULL
                              // without a label
    size_t n_sample;
    // Vectors: values of vec_dims numbers separated by ';' (0: none seen yet).
    size_t vectors;           // present values that are such vectors of vec_dims numbers
    size_t vec_dims;
    seer_moments *vec;        // (vec_dims) per component
    // Multi-valued: values holding SEER_MULTI_SEP, and per token counts. parts
    // starts as a copy of tokens when the first such value shows up (every
    // value before it was one token), then counts each value's tokens.
    size_t multi;             // present values with a separator
    size_t max_tokens;        // most tokens in one value
    size_t total_tokens;      // tokens over all present values, once parts counts
    seer_counter parts;
    // Label counts per integer value, for the id rule (data/id_rule.h): kept with a binary
    // label while every present value is an integer; dropped otherwise.
    seer_value_labels ids;
} seer_col_stats;

// How a row's reader treats a column (seer_profile's read_as).
#define SEER_READ_TOKENS 1u   // its tokens are counted (count_tokens)
#define SEER_READ_NUMBERS 2u  // its values are parsed as numbers (parse_numbers)
// What a value read holds, for seer_profile_needs_text (seer_profile's value_bits).
#define SEER_VALUE_SEP 1u     // the multi-valued separator (a column whose tokens are counted)
#define SEER_VALUE_SEMI 2u    // a ';' (a text value of a column parsed as numbers)
#define SEER_VALUE_INT 4u     // an integer as written (a number the id rule may count)

typedef struct {
    char *path;
    seer_format format;
    size_t n_cols;
    char **names;             // (n_cols)
    seer_col_stats *col;      // (n_cols)
    long label_col;           // -1: none
    seer_task task;           // what the label must be (seer_label_invalid); binary by default
    // The counts (a cache line apart from what reading a row writes: where one thread reads
    // rows while another counts them, neither invalidates the other's lines).
    _Alignas(64) size_t rows;
    size_t label_pos;         // rows with label 1 (the other tasks: above 0)
    seer_rng rng;             // reservoir sampling
    // The row last read (seer_profile_read_row), as raw_rows.h's words: per column its token
    // hash (0: missing) and its number (the double's bits, SEER_RAW_MISSING or SEER_RAW_TEXT),
    // and the label's value.
    _Alignas(64) uint64_t *hash;  // (n_cols)
    uint64_t *num;            // (n_cols)
    double y;
    int counted_apart;        // 0: reading a row prefetches its counters' slots, for counting
                              // next; 1: another thread counts the rows, and reading notes
                              // in value_bits what seer_profile_needs_text asks
    uint8_t *value_bits;      // (n_cols) SEER_VALUE_* of the row last read, where counted_apart
    uint8_t *read_multi;      // (n_cols) seer_profile_needs_text met the separator there
    uint8_t *read_text;       // (n_cols) ... or a text value
    uint8_t *read_as;         // (n_cols) SEER_READ_* of the column: the reader's copy of its
                              // statistics' settings, in lines no count is written to
} seer_profile;

// slog1p(x) = sign(x) * log(1 + |x|): compresses heavy tails, keeps sign and 0.
double seer_slog1p(double x);

// Parses s (len bytes) as numbers separated by ';' into out (at most max).
// Returns how many, or 0 when some part is not a number or there are more than max.
size_t seer_parse_vector(const char *s, size_t len, double *out, size_t max);

// Splits s (len bytes) at SEER_MULTI_SEP into tokens trimmed of spaces, empty
// ones dropped: calls fn(ctx, token, token_len) for each; returns the count.
size_t seer_split_tokens(const char *s, size_t len,
                         void (*fn)(void *ctx, const char *tok, size_t tok_len), void *ctx);

// Why the label text s (len bytes, trimmed) cannot be one of task's, as the end of a message
// ("is not 0 or 1", "is not a finite number", ...), or NULL with its value in *y.
const char *seer_label_invalid(seer_task task, const char *s, size_t len, double *y);

// Prepares statistics for the table's columns. label may be NULL; when given
// and absent from the table, SEER_EDATA naming the available columns.
int seer_profile_init(seer_profile *p, const seer_table *t, const char *label);
// Reads one row into p->hash, p->num and p->y without counting it. A label that is missing
// or not one of p->task's is SEER_EDATA with file:line:column.
int seer_profile_read_row(seer_profile *p, const seer_row *row);
// Reads and adds one row (a bad label as above: nothing of the row is counted).
int seer_profile_add(seer_profile *p, const seer_row *row);
// Counts a row read into the statistics, as seer_profile_add does: its words hash and num
// (n_cols each) and label y; as_int (n_cols; NULL: from the text) whether each value is
// written as an integer; row its text, which may be NULL where seer_profile_needs_text said
// the row needs none. Rows are counted in the order they were read.
int seer_profile_count(seer_profile *p, const uint64_t *hash, const uint64_t *num, double y,
                       const uint8_t *as_int, const seer_row *row);
// For the row last read (with counted_apart), which will be counted: whether counting it needs
// its text (a value holding the multi-valued separator, any value of a column that showed
// one, a text value holding ';', the first text value of a column), and into as_int (n_cols)
// whether each value is written as an integer. Called for every counted row, in order, as it
// is read.
int seer_profile_needs_text(seer_profile *p, uint8_t *as_int);
// Pass 1 over a table: initialises p and adds every row the split keeps (a
// progress line on a terminal). *rows_read gets the rows read, held-out ones
// included; with skip_bad, rows the profile rejects are skipped and counted
// into *skipped (may be NULL). task: what the label must be.
// raw (may be NULL) keeps every row's words, held-out rows included, in file order, up to
// raw_max_bytes (see raw_rows.h: dropped when they cannot all be kept).
int seer_profile_pass(seer_profile *p, seer_table *tab, const char *label, seer_task task,
                      const seer_split *split, int skip_bad, size_t *rows_read, size_t *skipped,
                      seer_raw_rows *raw, size_t raw_max_bytes);
void seer_profile_free(seer_profile *p);

#endif
