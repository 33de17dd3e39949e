// The hold-out rule: which rows of a file validate instead of train. Both
// passes over a file (profile and encoding) ask it, so it lives below both.
#ifndef SEER_DATA_SPLIT_H
#define SEER_DATA_SPLIT_H

#include <stddef.h>
#include <stdint.h>

// Which rows of a file are held out for validation: row i (0-based, counting
// data rows) is held out when a hash of (seed, i) falls below frac. The same
// rule in the profile pass and the encoding pass keeps the fit on training rows.
typedef struct {
    double frac;     // 0: no hold-out
    uint64_t seed;
} seer_split;

int seer_split_holds_out(const seer_split *s, size_t row_index);

#endif
