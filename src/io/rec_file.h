// A recommender's model file: the same container as a CTR model (io/modelfile.h), its JSON
// document's top-level "kind" is "recommender" and "recommender" holds the kind, counts and
// settings. Tensors:
//   rec.users, rec.items     u32  the ids, NUL-terminated, in index order, as bytes padded to 4
//   rec.pop                  f32  (n_items) training interactions per item
//   rec.hist_off, hist_item  u64 (n_users + 1), u32 (nnz): each user's training items
//   p.<name>                 f32  (rows, cols) each parameter of the kind
//   uf.* / if.*              the user / item side features: off u64, feat u32, val f32,
//                            names u32 (as the ids), mean and std u64 (the doubles' bits)
// Loading checks every count, offset and index against the others before use, so a damaged
// file is SEER_EDATA naming what is wrong, never a crash.
#ifndef SEER_IO_REC_FILE_H
#define SEER_IO_REC_FILE_H

#include "rec/model.h"

int seer_rec_file_save(const seer_rec_model *m, const char *path);
// Loads into m (uninitialised).
int seer_rec_file_load(seer_rec_model *m, const char *path);
// 1 for a recommender's file, 0 for another seer model file, else the open's code.
int seer_rec_file_check(const char *path);

#endif
