// Training checkpoints: the model file of a run not finished, with what a
// resume needs to continue bit for bit. Besides the model's tensors
// (model.h) it holds "adam.m", "adam.v", "embedding.m", "embedding.v"
// ("wide.m", "wide.v" with a wide part), optionally the best epoch's
// "best.dense", "best.embedding" ("best.wide"), a run's averaged weights
// "average.dense", "average.embedding" ("average.wide") and "average.last"
// (u64: the step each embedding row's average stands at), and a "checkpoint" object in
// the JSON: step, epoch, batch, rng and dropout_rng (4 hex words each), the
// exact sums and best scores, batch_size, seed (hex), settings, and for the
// online learner "online": {seq, applied, source, at_path} (hex), and
// "average_decay" beside the averaged weights.
#ifndef SEER_IO_CHECKPOINT_H
#define SEER_IO_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "seer.h"  // seer_model, SEER_CHECKPOINT_SETTINGS_MAX (the settings a library user
                   // gives training are the text a checkpoint holds)

// Where an interrupted training run stands: enough, with the model, its
// optimiser moments and the best epoch's weights, to continue bit for bit.
typedef struct {
    long step;               // optimiser steps taken
    size_t epoch;            // the epoch in progress, 0-based
    size_t batch;            // its batches already done
    uint64_t rng[4];         // the shuffling generator as it was before this epoch's shuffle
    double loss_sum;         // of this epoch's batches so far
    size_t epochs_run;
    double best_score;       // -inf when no epoch was scored yet
    size_t best_epoch, since_best;
    double best_auc, best_logloss, best_accuracy, best_positive_rate;
    size_t best_rows;
    size_t batch_size;       // the settings a resumed run must share
    uint64_t seed;
    // Online learning (serve/online.c): the sequence number of the last event
    // of its log that the model holds, and the events applied in all. 0 in a
    // training checkpoint; absent from older files, which read as 0.
    uint64_t online_seq, online_applied;
    // The hashes of the model file the snapshot derives from and of the one at
    // the served path when it was written; 0 when unknown (older files).
    uint64_t online_source, online_at_path;
    // The training run's settings, one "--option value" a line (seer_train_options.settings),
    // for a resume to compare; "" when the run gave none (and in older files).
    char settings[SEER_CHECKPOINT_SETTINGS_MAX];
    // A run that averages its weights (train/average.h): the decay and the averages, shaped
    // as the net's weights, with each embedding row's step. Written when avg_params is not
    // NULL; read into new buffers the caller frees (seer_checkpoint_average_free), all NULL
    // and avg_decay 0 when the checkpoint has none.
    double avg_decay;
    float *avg_params, *avg_emb, *avg_wide;
    uint64_t *avg_last;
} seer_checkpoint_state;

// Frees the averaged weights seer_checkpoint_read gave st, and forgets them.
void seer_checkpoint_average_free(seer_checkpoint_state *st);

// A model file with the optimiser moments, the state and, when best_params is
// not NULL, the best epoch's weights (best_wide may be NULL without a wide part).
int seer_checkpoint_write(const seer_model *m, const char *path, const seer_checkpoint_state *st,
                          const float *best_params, const float *best_emb,
                          const float *best_wide);
// Loads a checkpoint: the model with its optimiser moments restored, the
// state, and the best weights (NULL when absent) in new buffers the caller
// frees. SEER_EDATA when the file is a model but no checkpoint.
int seer_checkpoint_read(seer_model **out, const char *path, size_t batch_cap,
                         seer_checkpoint_state *st, float **best_params, float **best_emb,
                         float **best_wide);

#endif
