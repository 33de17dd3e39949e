// Encoded rows: the model inputs of many rows, columnar.
//
//   ids   (rows, S)        global embedding rows (S ids a row, see transform.h)
//   dense (rows, n_held)   transformed numbers and missing indicators, held as the pack says
//                          (data/dense_pack.h; without one, n_held == n_dense: as encoded)
//   y     (rows)           labels (NAN when the file had none)
//
// Rows go in and come out as encoded (seer_dataset_put_dense, _dense_row, _dense_rows): the
// pack is the dataset's business.
//
// The arrays live either in memory or in a binary cache file mapped into
// memory (seer_dataset_map): the encoding pass writes rows straight into the
// mapping, and training reads them back from it; released ranges leave the
// process's resident memory, so a large file trains in bounded memory. Rows
// read back from a cache of encoded rows (io/rowcache.h) are a read-only
// mapping of that file but for their ids (seer_dataset_map_file).
#ifndef SEER_DATA_DATASET_H
#define SEER_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "data/dense_pack.h"

typedef struct {
    size_t rows, cap;
    size_t S, n_dense;      // ids and dense values per row (as encoded)
    const seer_dense_pack *pack;  // how dense holds a row (the transform's), or NULL: as it is
    size_t n_held;          // floats of dense a row
    uint32_t *ids;
    float *dense;
    float *y;
    void *map;            // the cache mapping, or NULL for memory
    size_t map_bytes;
    int ids_apart;        // a mapping's ids are in memory of their own (seer_dataset_map_file)
} seer_dataset;

void seer_dataset_init(seer_dataset *d, size_t S, size_t n_dense);
// Rows held by pack from now on (before any storage; a pack of no runs holds them as they are).
void seer_dataset_use_pack(seer_dataset *d, const seer_dense_pack *pack);
// Row i's dense values (n_dense, as encoded) into the dataset.
void seer_dataset_put_dense(seer_dataset *d, size_t i, const float *dense);
// Row i's dense values as encoded into out (n_dense).
void seer_dataset_dense_row(const seer_dataset *d, size_t i, float *out);
// Asks the caches for row i's ids and dense values, which a gather in a shuffled order will
// read soon: such rows are scattered over far more memory than the caches hold.
void seer_dataset_prefetch_row(const seer_dataset *d, size_t i);
// Rows [first, first + n) as encoded: in place when held as they are, else written out into
// scratch (n * n_dense), which is returned.
const float *seer_dataset_dense_rows(const seer_dataset *d, size_t first, size_t n,
                                     float *scratch);
// Room for cap rows in all, so that loading a known count never copies.
int seer_dataset_reserve(seer_dataset *d, size_t cap);
// Backs the dataset by a cache file of cap rows at path (created, its blocks
// reserved, mapped, and unlinked at once, so nothing is left behind). SEER_EIO
// naming path on failure, a full disk included.
int seer_dataset_map(seer_dataset *d, const char *path, size_t cap);
// Backs the dataset (initialised, empty) by rows rows of a file mapped read-only: the dense
// values at dense_off and the labels at y_off (byte offsets in the file, each row's values in a
// row, as held). The mapping is the caller's of the whole file (map, map_bytes), which the
// dataset takes over (unmapped by seer_dataset_free, or here on failure), or, map NULL, one of
// the rows' pages made here from fd. Its ids are copied from ids into memory of its own: they
// index the tables, so the caller checks them, and a mapping can change under its reader. No
// copy of the rest, and no memory but the system's file cache. SEER_EIO or SEER_ENOMEM naming
// path.
int seer_dataset_map_file(seer_dataset *d, int fd, void *map, size_t map_bytes,
                          uint64_t dense_off, uint64_t y_off, size_t rows, const uint32_t *ids,
                          const char *path);
// Tells the system that rows [first, first + n) will not be read for a while:
// their pages leave resident memory (a no-op for in-memory datasets).
void seer_dataset_release(const seer_dataset *d, size_t first, size_t n);
// Room for one more row; returns its index or a negative code.
long seer_dataset_grow(seer_dataset *d);
void seer_dataset_free(seer_dataset *d);

#endif
