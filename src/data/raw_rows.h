// The values the profile pass read from every row (a token hash, a number), kept so that the
// encoding pass encodes them without reading and parsing the text again.
//
// A row is a run of 8-byte words, row after row in one anonymous mapping: per column, the
// word of its token hash (0: missing) where the profile hashes tokens the transform may use
// (hash_at), and the word of its number (a double, or SEER_RAW_MISSING / SEER_RAW_TEXT) where
// it parses numbers (num_at). The store gives up (dropped) past max_bytes, or when a row holds
// something the words cannot give back as the text would (a label the transform would reject):
// the caller then reads the text again, as before.
#ifndef SEER_DATA_RAW_ROWS_H
#define SEER_DATA_RAW_ROWS_H

#include <stddef.h>
#include <stdint.h>

// Number words that are not numbers: parsed numbers are finite, so no number has these bits.
#define SEER_RAW_MISSING 0x7ff8dead00000001ULL
#define SEER_RAW_TEXT 0x7ff8dead00000002ULL

// The most memory the words of a file may take by default; past it the encoding pass reads
// the text again.
#define SEER_RAW_ROWS_MAX_BYTES ((size_t)1 << 30)

typedef struct {
    size_t n_cols;
    size_t words;          // words a row
    long *hash_at;         // (n_cols) the word of the column's token hash in a row, -1: none
    long *num_at;          // (n_cols) the word of its number, -1: none
    uint8_t *text_seen;    // (n_cols) 1 once a present value of a column keeping its number
                           // did not parse as one
    uint64_t *word;        // (cap * words)
    size_t rows, cap;      // rows kept, room for
    size_t max_bytes;
    int dropped;           // the rows are not (all) here: read the text again
} seer_raw_rows;

// An empty store of n_cols columns keeping no word yet. SEER_ENOMEM.
int seer_raw_rows_init(seer_raw_rows *r, size_t n_cols, size_t max_bytes);
// Column j keeps its hash word, its number word, or both: before the first row.
void seer_raw_rows_keep(seer_raw_rows *r, size_t j, int hash, int num);
// Appends a row from a column's hash and number words (hash[j]: 0 for missing; num[j]: the
// double's bits or the sentinels). Past max_bytes, or when more memory cannot be had, the store
// drops every row and keeps none after (not an error: the caller reads the text again).
void seer_raw_rows_push(seer_raw_rows *r, const uint64_t *hash, const uint64_t *num);
// Gives up: frees the words; later pushes keep nothing.
void seer_raw_rows_drop(seer_raw_rows *r);
// Row i's words.
static inline const uint64_t *seer_raw_rows_at(const seer_raw_rows *r, size_t i) {
    return r->word + i * r->words;
}
// Rows [first, first + n) will not be read again: the pages wholly inside them leave memory
// (a page they share with other rows stays until seer_raw_rows_free).
void seer_raw_rows_release(seer_raw_rows *r, size_t first, size_t n);
void seer_raw_rows_free(seer_raw_rows *r);

#endif
