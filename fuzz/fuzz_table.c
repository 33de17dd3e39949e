// libFuzzer target for the tabular reader (src/data/table.c) and its byte source.
//
// The input is read from memory, so no temporary files: as AUTO, CRITEO and LIBFM, with and
// without skip_bad_rows, fed to the reader a few bytes at a time (the first input byte picks
// the step) so that rows straddle refills. Every row is checked against the seer_row contract,
// and a rewind must give the same rows again. Inputs that start with the gzip or zstd magic go
// through the decoders (the step applies to the compressed bytes).
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/error.h"
#include "data/table.h"

// Reads t to the end or the first error; returns the number of rows and a hash
// of their fields, and in *decoder_failed whether a compressed stream broke.
static size_t read_rows(seer_table *t, uint64_t *hash, int *decoder_failed) {
    seer_row row;
    size_t rows = 0;
    uint64_t h = 1469598103934665603ull;
    int rc;
    while ((rc = seer_table_next(t, &row)) == 1) {
        SEER_ASSERT(row.n == seer_table_ncols(t));
        for (size_t j = 0; j < row.n; j++) {
            SEER_ASSERT(strlen(row.field[j]) == row.len[j]);
            double v;
            if (seer_parse_number(row.field[j], row.len[j], &v)) SEER_ASSERT(v == v);
            seer_is_missing(row.field[j], row.len[j]);
            for (size_t k = 0; k <= row.len[j]; k++)
                h = (h ^ (uint8_t)row.field[j][k]) * 1099511628211ull;
        }
        rows++;
    }
    *hash = h;
    *decoder_failed = rc < 0 && strstr(seer_error_message(), " stream") != NULL;
    return rows;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    size_t step = data[0] % 17;  // 0: whole input at once
    data++;
    size--;
    static const seer_format formats[] = {SEER_FORMAT_AUTO, SEER_FORMAT_CRITEO,
                                          SEER_FORMAT_LIBFM};
    for (int f = 0; f < 3; f++) {
        for (int skip = 0; skip < 2; skip++) {
            seer_table_options opt = {formats[f], skip};
            seer_table *t;
            if (seer_table_open_memory(&t, data, size, "fuzz", step, &opt) != SEER_OK) continue;
            for (size_t j = 0; j < seer_table_ncols(t); j++)
                SEER_ASSERT(seer_table_find(t, seer_table_colname(t, j)) == (long)j);
            uint64_t h1, h2;
            int broke1, broke2;
            size_t rows1 = read_rows(t, &h1, &broke1), bad1 = seer_table_bad_rows(t);
            const char *const *msgs;
            size_t kept = seer_table_bad_messages(t, &msgs);
            SEER_ASSERT(kept <= SEER_BAD_ROWS_KEPT && kept <= bad1);
            for (size_t i = 0; i < kept; i++) SEER_ASSERT(strncmp(msgs[i], "fuzz:", 5) == 0);
            // A rewind gives the same rows again. Not where a corrupt compressed stream
            // broke: how much a decoder yields before it fails depends on the room it is
            // given, and the reader's buffer may have grown in the first pass.
            if (seer_table_rewind(t) == SEER_OK) {
                size_t rows2 = read_rows(t, &h2, &broke2);
                if (!broke1 && !broke2)
                    SEER_ASSERT(rows1 == rows2 && h1 == h2 && bad1 == seer_table_bad_rows(t));
            }
            seer_table_close(t);
        }
    }
    return 0;
}
