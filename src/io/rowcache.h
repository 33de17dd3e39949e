// The cache file of a data file's encoded rows (seer train --cache DIR): the fitted transform
// and the training and hold-out rows as training encoded them, so that a later run of the
// same file and settings starts at the epochs instead of reading, profiling and encoding.
//
// It is a model file container (modelfile.h: checksums, atomic write), of version 2 (its body
// checksum in lanes, checked at each load), with another document:
//
//   {"seer_rowcache": SEER_ROWCACHE_VERSION, "key": "<text>", "skipped_rows": n,
//    "transform": {... as in a model file ...}}
//   tensors  train.ids (rows, S) u32, train.dense (rows, n_dense) f32, train.y (rows) f32,
//            the same three for valid, and the transform's vocab.<j> (u64)
//
// The key is the caller's text naming everything the rows depend on (the file's size, mtime
// and a hash of its first MiB, the encoding settings); a cache whose version or key differs
// is stale. Bump SEER_ROWCACHE_VERSION whenever the encoding of a row or the fitting of the
// transform changes, so that no cache written before is trusted.
#ifndef SEER_IO_ROWCACHE_H
#define SEER_IO_ROWCACHE_H

#include <stddef.h>

#include "data/dataset.h"
#include "data/transform.h"

#define SEER_ROWCACHE_VERSION 2

// Writes the cache to path atomically (temporary file, fsync, rename). SEER_EIO, SEER_ENOMEM
// or SEER_EINTERNAL with nothing left behind.
int seer_rowcache_write(const char *path, const char *key, const seer_transform *t,
                        const seer_dataset *tr, const seer_dataset *va, size_t skipped);

// Reads the cache at path into t (finished, as a model's) and tr, va (given zeroed; their
// rows are the file mapped read-only but for the ids, seer_dataset_map_file: a cache is only
// ever replaced by rename, never rewritten in place). SEER_EIO when it cannot be read (absent
// included), SEER_EDATA when it is damaged, of another version or of another key, the reason
// recorded; t, tr and va are left empty then.
int seer_rowcache_read(const char *path, const char *key, seer_transform *t, seer_dataset *tr,
                       seer_dataset *va, size_t *skipped);

#endif
