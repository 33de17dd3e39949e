// Training from a file end to end: profile the training rows, fit the
// transform, encode, train with Adam and early stopping, evaluate.
#ifndef SEER_TRAIN_TRAIN_H
#define SEER_TRAIN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "data/table.h"
#include "data/transform.h"
#include "io/model.h"
#include "models/net.h"
#include "train/metrics.h"

typedef struct {
    const char *data;
    const char *valid_path;      // --valid FILE, or NULL
    seer_format format;
    int skip_bad_rows;
    seer_transform_options tf;   // label, overrides, vocabulary and bucket settings
    seer_net_config net;         // the model: kind, widths, emb_dim, optimiser, precision,
                                 // dropout; training fills in what the data fixes (fields,
                                 // dense inputs, table rows, batch_cap)
    size_t epochs;               // the most epochs to run
    size_t batch;
    float lr;
    int threads;
    uint64_t seed;
    double valid_frac;           // share of DATA held out when no --valid
    float l2;                    // lr's L-BFGS solve: lambda of lambda/2 |w|^2 on the mean loss
    int lbfgs;                   // lr solved by full-batch L-BFGS (train/auto.c sets it; epochs
                                 // then bounds its iterations)
    size_t patience;             // epochs without a better validation score; 0: never stop
    int stop_on_logloss;         // choose epochs by validation log loss instead of AUC
    double average_decay;        // > 0: epochs are scored and kept with the weights averaged
                                 // over recent steps, step weights decaying by this
                                 // (train/average.h); a resumed run: its checkpoint's
    int calibration;             // seer_calibration fitted on the hold-out, when there is one
    double cost_fn, cost_fp;     // a cost matrix the model keeps (both 0: none)
    int quiet;                   // no per-epoch lines on stderr
    const char *checkpoint_path; // where checkpoints go (with checkpoint_every)
    size_t checkpoint_every;     // write one every N optimiser steps and after each epoch; 0 never
    const char *resume_path;     // continue the run this checkpoint recorded
    size_t max_steps;            // stop after this many optimiser steps in all; 0 no limit
    int cache;                   // encoded rows in a mapped cache file: 1 on, 0 off, -1 when
                                 // they would take more than 1 GiB
    const char *cache_prefix;    // the cache files' names start with this (default /tmp/seer)
    const char *cache_dir;       // encoded rows kept between runs (train/rowcache.h); NULL none
    int train_metrics;           // without a hold-out: score the training rows after training
    const char *settings;        // what fixes the model and its data, one "--option value" a
                                 // line: recorded in checkpoints; a resume refuses a line that
                                 // differs, naming it. NULL: only --batch and --seed checked
} seer_train_job;

// The defaults: an mlp as seer_net_config_default has it (64-32, emb 16), its
// batch of 256, lr 1e-3, up to 50 epochs with a 10% validation hold-out,
// early stopping on its AUC with patience 3, one thread, seed 1; l2 left to the data
// (SEER_AUTO_REAL). The public options leave the run to the data (train/auto.h).
void seer_train_job_default(seer_train_job *o);

// What a run did: the public seer_train_report (seer.h).
typedef seer_train_report seer_train_outcome;

// Trains; on success *out is the model (the caller frees it with seer_model_free).
int seer_train_run(const seer_train_job *o, seer_train_outcome *r, seer_model **out);

#endif
