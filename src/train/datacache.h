// Which cache of encoded rows a training run uses (seer train --cache DIR), and when: one file
// per data file in DIR, named by a hash of the data's real path, so that the caches of a
// directory are bounded by the data files trained on there (a run with other settings replaces
// its file). Its key (io/rowcache.h) names the data file's size, mtime and a hash of its first
// MiB, and every setting that changes what the rows encode to. A damaged or stale cache is
// read, refused with a warning on stderr and written again; a cache that cannot be written is
// a warning too: the run goes on without it.
//
// Not used by a resumed run (its transform is the checkpoint's) nor for rows held in mapped
// files (over 1 GiB or --cache on): the cache holds rows that fit in memory.
#ifndef SEER_TRAIN_DATACACHE_H
#define SEER_TRAIN_DATACACHE_H

#include <stddef.h>

#include "data/dataset.h"
#include "data/transform.h"
#include "train/train.h"

#define SEER_DATACACHE_KEY_MAX 8192

typedef struct {
    int on;                            // 0: this run uses no cache
    char path[4096];                   // DIR/seer-rows-<hash of the data's real path>.cache
    char key[SEER_DATACACHE_KEY_MAX];  // as DATA stood when the run started
} seer_datacache;

// Prepares c for the job o. Off without a cache directory, for a resumed run, or when DATA
// cannot be read (the reader says why later).
void seer_datacache_init(seer_datacache *c, const seer_train_job *o, int resumed);
// 1 with tf, tr, va (all given zeroed) and *skipped read from the cache, 0 when the rows must
// be read from DATA (no cache yet, or a warning saying why it is not used).
int seer_datacache_load(const seer_datacache *c, const seer_train_job *o, seer_transform *tf,
                        seer_dataset *tr, seer_dataset *va, size_t *skipped);
// Writes the rows just encoded from DATA, unless DATA changed while it was read or the rows
// are in mapped files. A failure is a warning.
void seer_datacache_save(const seer_datacache *c, const seer_train_job *o,
                         const seer_transform *tf, const seer_dataset *tr,
                         const seer_dataset *va, size_t skipped);

#endif
