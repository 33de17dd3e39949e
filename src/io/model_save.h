// Private to io/: the one save of a model file, which seer_model_save
// (model.c) and seer_checkpoint_write (checkpoint.c) share.
#ifndef SEER_IO_MODEL_SAVE_H
#define SEER_IO_MODEL_SAVE_H

#include <stddef.h>

#include "io/json_util.h"
#include "io/model.h"
#include "io/modelfile.h"

// Saves m atomically at path with the extra tensors (n_extra) after the
// model's own and, when not NULL, the "checkpoint" object (taken over: deleted
// here on every path). Every number is checked first, so that no file is
// written that the loader refuses: SEER_EINTERNAL naming the column and key.
int seer_model_save_with(const seer_model *m, const char *path, const seer_tensor *extra,
                         size_t n_extra, cJSON *checkpoint);

#endif
