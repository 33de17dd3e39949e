// A trained seer model: the fitted transform, the network, and metadata
// (training settings and metrics), saved as one model file (modelfile.h).
//
// The JSON document of the file holds {"seer": 1, "model": {net config},
// "transform": {"format", "columns": [{name, kind, mean, std, edges, ...}]},
// "training": {settings and metrics}}. Numbers in JSON round-trip exactly
// (cJSON prints 17 digits when 15 do not suffice). Tensors: "dense" (the
// parameter block), "embedding" (emb_rows, D) and, per categorical column j,
// "vocab.<j>" (token hashes, u64, in row order).
#ifndef SEER_IO_MODEL_H
#define SEER_IO_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "data/transform.h"
#include "models/net.h"

// What training records in the model file's "training" object.
typedef struct {
    const char *data;
    size_t epochs, best_epoch, batch, train_rows, valid_rows;
    double lr;
    uint64_t seed;
    int threads;
    const char *evaluated_on;   // "valid" or "train"
    double auc, logloss, accuracy, train_logloss;   // a binary model's
    size_t max_epochs, patience;   // the settings the run used (SEER_AUTO resolved)
    double l2;
    const char *solver;            // "adam", "adagrad", "lbfgs"
    const char *settings_from;     // "data": some were chosen from the rows; "options"
    double cost_fn, cost_fp;       // the cost matrix (both 0: none)
    // A regression or ziln model's (task not binary) instead of auc .. train_logloss: the value
    // metrics on the rows evaluated_on says, their mean loss, and the last epoch's training loss.
    seer_task task;
    double rmse, mae, normalized_gini, spearman, loss, train_loss;
    double average_decay;          // > 0: the epochs were scored and kept with averaged weights
} seer_training_info;

// The JSON text of info (the caller frees it), or NULL without memory. A metric that is not
// finite (none scored) is left out: JSON has no NaN, and cJSON would write null.
char *seer_training_json(const seer_training_info *info);

struct seer_model {
    seer_transform tf;
    seer_net net;
    char *training_json;   // metadata written by train (settings, metrics); may be NULL
    uint64_t file_id;      // seer_modelfile_id of the file it was loaded from; 0 otherwise
};
// seer_model_load, seer_model_save and seer_model_free are public (seer.h); the save writes
// training_json, when not NULL, as the "training" object.

// A deep copy of m (transform, network with its step and dropout generator,
// metadata) sharing nothing with it. With with_moments 0 the optimiser
// moments are left out (freed): the copy scores and can be saved with
// seer_model_save, but must not train or be checkpointed; that saves two
// thirds of the memory of a served copy. SEER_ENOMEM.
int seer_model_clone(seer_model **out, const seer_model *m, int with_moments);
// A number of the model's "training" object ("lr", "batch", ...), or
// fallback when there is none.
double seer_model_training_number(const seer_model *m, const char *key, double fallback);

#endif
