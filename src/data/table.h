// Streaming reader of tabular text: CSV, TSV, the Criteo layout and libFM, plain,
// gzip or zstd (detected from the first bytes, not the file name).
//
// Memory does not grow with the file: one row is held at a time, in a buffer
// the reader owns. Rows are checked as they are read; a malformed row is an
// SEER_EDATA error naming file:line:column, or, with skip_bad_rows, counted
// and skipped (the first few are kept as messages for the caller to print).
#ifndef SEER_DATA_TABLE_H
#define SEER_DATA_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "seer.h"  // seer_format, seer_format_names

// libFM lines are a label and k index:value pairs separated by runs of spaces or tabs, no
// header, no quoting; k is taken from the first data line and every line must have exactly k
// pairs. The columns are label, F1 .. Fk. The label field is "1" when the label parses as a
// number > 0, else "0" (so -1 and 0 are both negatives). Field Fj is the j-th pair's index as
// text ("451" for 451:1), so each pair reads as one categorical field. The value after ':'
// must be a number equal to 1 (1, 1.0, 1e0): seer has no input for a feature weight, so a
// row holding another value (0.5, 0, 3) is malformed rather than read as if it were 1.
// Field-aware lines (libFFM field:idx:val) are malformed, and so is a line of only spaces
// or tabs (only empty lines are blank, as in the other formats).

// Longest physical line accepted (a quoted field may span lines; the limit
// applies to the whole row). Longer rows are malformed.
#define SEER_LINE_MAX (1u << 20)
// Most columns accepted in a header (libFM: the label and the pairs of the first line).
#define SEER_COLS_MAX 4096
// How many skipped-row messages are kept.
#define SEER_BAD_ROWS_KEPT 5

typedef struct {
    seer_format format;
    int skip_bad_rows;  // nonzero: skip malformed rows instead of failing
} seer_table_options;

// One row: n fields (== the table's column count), each NUL-terminated with
// quotes removed and "" unescaped (libFM: as described above). Valid until the next
// seer_table_next call.
typedef struct {
    size_t n;
    char **field;     // (n)
    size_t *len;      // (n) bytes, without the NUL
    size_t line;      // 1-based physical line where the row starts
} seer_row;

typedef struct seer_table seer_table;

// Opens path and reads the header (or, for Criteo, names the 40 columns
// label, I1..I13, C1..C26; for libFM counts the pairs on the first data line, which must have
// at least one, and names the columns label, F1 .. Fk). An empty file is SEER_EDATA; a missing
// file SEER_EIO.
// Header names are trimmed of spaces; an empty one becomes "col<j>" (j 0-based, as in
// seer_table_colname); a repeated name is SEER_EDATA. opt NULL means AUTO, no skipping.
int seer_table_open(seer_table **out, const char *path, const seer_table_options *opt);
// The same over data[0, n) (plain, gzip or zstd), which must outlive the table; name stands
// for the path in messages. For tests and fuzzing: step > 0 feeds the reader at most step
// bytes at a time, so that rows straddle refills (0: no limit).
int seer_table_open_memory(seer_table **out, const void *data, size_t n, const char *name,
                           size_t step, const seer_table_options *opt);
// Returns 1 with a row, 0 at the end, or a negative code. After a malformed-row error the
// next call goes on at the following line.
int seer_table_next(seer_table *t, seer_row *row);
// Starts again at the first data row (reopens the file; works for gzip and zstd).
int seer_table_rewind(seer_table *t);
size_t seer_table_ncols(const seer_table *t);
const char *seer_table_colname(const seer_table *t, size_t j);
// Index of the column named name, or -1.
long seer_table_find(const seer_table *t, const char *name);
const char *seer_table_path(const seer_table *t);
// The format read: AUTO resolves to TSV (tab) or CSV (comma, ';' or '|').
seer_format seer_table_format(const seer_table *t);
// Rows skipped since open or the last rewind (skip_bad_rows only), and the first few messages
// ("path:line:column: what"), valid until the next rewind or close.
size_t seer_table_bad_rows(const seer_table *t);
size_t seer_table_bad_messages(const seer_table *t, const char *const **messages);
void seer_table_close(seer_table *t);

// Parses a whole field as a finite number (leading and trailing spaces allowed).
// Returns 1 on success, 0 if the field is not a number.
int seer_parse_number(const char *s, size_t len, double *out);
// 1 if the field is one of the missing-value spellings: "", NA, N/A, NaN, nan,
// null, NULL, None, ? (after trimming spaces). Inline for the reading passes: a field that
// starts with anything but a blank, N, n or ? is decided by its first byte.
int seer_is_missing_text(const char *s, size_t len);
static inline int seer_is_missing(const char *s, size_t len) {
    if (len == 0) return 1;
    char c = s[0];
    if (c != ' ' && c != '\t' && c != 'N' && c != 'n' && c != '?') return 0;
    return seer_is_missing_text(s, len);
}

#endif
