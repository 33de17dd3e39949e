// The file of seer value's MLP (--save-model, --load-model): seer's model file container
// (io/modelfile.h: checksums, atomic writes) holding a JSON document and three tensors.
//
//   {"seer_value": 1, "model": "ziln"|"mse", "widths": [F, H1, .., 3|1], "y_scale": s,
//    "amount": true|false, "events": ["type", ...], "horizon_days": d, "cutoff_day": c}
//   tensors "params" (n_params f32: each layer's weight (out, in) then bias (out)),
//   "mean" and "inv_std" (F f32: the standardisation of the features)
//
// The features of a user are built from the log as users.h lists them, so a file scores a log
// only with the same columns: an amount or not, and the same event types in the same order
// (the first 16 met by the cutoff); anything else is refused, naming the difference.
#ifndef SEER_API_VALUE_FILE_H
#define SEER_API_VALUE_FILE_H

#include "seer/value.h"
#include "value/log.h"
#include "value/mlp.h"

// Writes net, trained on log as o says, to path atomically. SEER_EIO, SEER_ENOMEM.
int seer_value_file_save(const char *path, const seer_value_mlp *net, const seer_value_log *log,
                         const seer_value_options *o);

// Reads path's MLP into net (allocated; free it with seer_value_mlp_free; net->ziln says its
// model), checked against log and o (the amount, the event types). SEER_EIO, SEER_EDATA for a
// file that is no value model or does not fit the log.
int seer_value_file_load(const char *path, seer_value_mlp *net, const seer_value_log *log,
                         const seer_value_options *o);

#endif
