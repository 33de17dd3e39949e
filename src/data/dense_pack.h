// The dense values of encoded rows as a dataset holds them: a numeric column's piecewise-linear
// buckets (transform.h) are ones, then the value's share of its own bucket, then zeros, so such
// a block of n values is held as two floats, the count of leading ones and the value after them
// (0 when none follows), and written out whole again when a batch is gathered. The rows of an
// mlp on Criteo's 39 columns hold 51 floats instead of 163; the values written out are the very
// floats encoded. The rest of a row is held as it is. Used for rows in a cache file (a file
// 2.4x smaller to write and read back); rows in memory are held as encoded, whose gather is a
// copy (5-9% of an mlp's loop faster).
#ifndef SEER_DATA_DENSE_PACK_H
#define SEER_DATA_DENSE_PACK_H

#include <stddef.h>
#include <stdint.h>

// Rows wider than this are held as they are (a gathered row's scratch is on the stack).
#define SEER_PACK_DENSE_MAX 4096

typedef struct {
    uint32_t at;      // its first value in a row as encoded
    uint32_t held;    // its first float in a row as held
    uint32_t len;     // values as encoded
    uint16_t ple;     // 1: a block of piecewise-linear buckets (len values in 2 floats)
    uint16_t wide;    // with ple: the row goes on 7 values past the block, which may then be
                      // written out eight values a store (the runs after it come after it)
} seer_pack_run;

typedef struct {
    size_t n_dense;   // values a row as encoded
    size_t n_held;    // floats a row as held (< n_dense: else no pack is made)
    size_t n_runs;
    seer_pack_run *run;
} seer_dense_pack;

// The pack of rows of n_dense values whose piecewise-linear blocks start at starts[i] and hold
// lens[i] values (n_blocks of them, in order, apart). *p zeroed (no pack: n_runs 0) when holding
// them as two floats saves nothing or the rows are wider than SEER_PACK_DENSE_MAX. SEER_ENOMEM.
int seer_dense_pack_init(seer_dense_pack *p, size_t n_dense, const size_t *starts,
                         const size_t *lens, size_t n_blocks);
void seer_dense_pack_free(seer_dense_pack *p);
// One row as encoded (n_dense values) into its floats as held (n_held).
void seer_dense_pack_row(const seer_dense_pack *p, const float *dense, float *held);
// One row as held back into its values as encoded.
void seer_dense_unpack_row(const seer_dense_pack *p, const float *held, float *dense);

#endif
