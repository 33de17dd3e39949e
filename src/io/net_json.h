// The network's part of a model file's JSON document (model.h shows the
// document): {"kind", "fields", "dense", "embedding_rows", "emb_dim", "hidden",
// "cross_layers", "stacked", "optimizer", "precision", "dropout", and for
// finalmlp "hidden2", "heads", "gate_hidden"}. Private to io/.
#ifndef SEER_IO_NET_JSON_H
#define SEER_IO_NET_JSON_H

#include <stddef.h>

#include "data/transform.h"
#include "io/json_util.h"
#include "io/modelfile.h"
#include "models/net.h"

// The "model" object of config c (the caller deletes it).
cJSON *seer_net_json(const seer_net_config *c);
// Reads the "model" object o, checks it against the transform t and the
// sizes of f's "dense", "embedding" and "wide" tensors before allocating,
// and initialises n for batch_cap rows with those weights. SEER_EDATA naming
// path.
int seer_net_json_load(seer_net *n, const cJSON *o, const seer_transform *t,
                       const seer_modelfile *f, const char *path, size_t batch_cap);

#endif
