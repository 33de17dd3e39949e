// The transform's part of a model file's JSON document (model.h shows the
// document): {"format", "columns": [{name, kind, decision, missing_rate,
// cardinality, and per kind: log, mean, std, missing_flag, edges (numeric);
// means, stds (vector); vocab, hash_buckets, shared_table, slots, pooling
// (categorical)}]}. Means, deviations and edges are exact (json_util.h).
// Private to io/.
#ifndef SEER_IO_TRANSFORM_JSON_H
#define SEER_IO_TRANSFORM_JSON_H

#include "data/transform.h"
#include "io/json_util.h"
#include "io/modelfile.h"

// The "transform" object of t (the caller deletes it).
cJSON *seer_transform_json(const seer_transform *t);
// Reads the "transform" object o into t, the vocabularies from f's "vocab.<j>"
// tensors, and finishes it. SEER_EDATA naming path and the first column and
// key at fault; t is left freed on failure.
int seer_transform_json_load(seer_transform *t, const cJSON *o, const seer_modelfile *f,
                             const char *path);

#endif
