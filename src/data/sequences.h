// Item sequences (`--format seq`): one user a line, "user item item item ..." separated by
// spaces or tabs, the items in time order (the S3-Rec / ICLRec Amazon files, e.g.
// shared/data/amazon-seq). A user on several lines continues its sequence.
//
// The reader fills an interaction log (data/interactions.h) through the id maps, so every
// recommender reads it; each interaction's time is its place in the file, which keeps the
// order when logs are sorted by time. seer_sequences_csr gives each user's items as one
// sequence of item indices, the shape next-item models train on. Plain, gzip or zstd.
#ifndef SEER_DATA_SEQUENCES_H
#define SEER_DATA_SEQUENCES_H

#include <stddef.h>
#include <stdint.h>

#include "data/idmap.h"
#include "data/interactions.h"
#include "data/source.h"

// Reads path into *out (uninitialised; free with seer_interactions_free), adding ids to
// users and items. A line with a user and no item is SEER_EDATA naming path:line:column
// (with skip_bad_rows: counted in out->skipped and skipped); blank lines are skipped; an
// empty file is SEER_EDATA.
int seer_sequences_read(seer_interactions *out, const char *path, int skip_bad_rows,
                        seer_idmap *users, seer_idmap *items);
// The same from an open source (closed by the caller).
int seer_sequences_read_source(seer_interactions *out, seer_source *src, int skip_bad_rows,
                               seer_idmap *users, seer_idmap *items);
// Each user's items in log order (time order for a log read above): off (n_users + 1),
// items (x->n), both malloc'ed. SEER_ENOMEM.
int seer_sequences_csr(const seer_interactions *x, size_t n_users, uint64_t **off,
                       uint32_t **items);

#endif
