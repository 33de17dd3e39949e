// Training and leave-one-out evaluation of SASRec (rec/sasrec.h) on item sequences.
//
// The protocol of the published tables and bench/torch_sasrec.py: a user's sequence
// s[0..n) in time order gives the test target s[n-1] (input s[..n-1)), the validation target
// s[n-2] (input s[..n-2)), and the training positions: inputs s[..n-3), each followed by its
// next item (targets s[1..n-2)); only the last L of each. Ranking is over the whole catalogue
// with nothing excluded; rank = items scoring strictly higher than the target,
// HR@K = [rank < K], NDCG@K = [rank < K] / log2(rank + 2), means over users with n >= 3.
// Each epoch visits every user once in a seeded random order, batch users a step, with
// Adam (betas 0.9, 0.98, as the reference); early stopping on validation NDCG@10 keeps the
// best epoch's weights.
#ifndef SEER_REC_SASREC_TRAIN_H
#define SEER_REC_SASREC_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "rec/sasrec.h"

typedef enum { SEER_SASREC_LOSS_SOFTMAX, SEER_SASREC_LOSS_SAMPLED } seer_sasrec_loss;

typedef struct {
    seer_sasrec_config net;
    size_t batch;          // users a step (128)
    size_t epochs;         // the most (200)
    size_t patience;       // epochs without a better validation NDCG@10 before stopping (10)
    float lr;              // 1e-3
    seer_sasrec_loss loss;
    size_t negatives;      // sampled: shared negatives a step, drawn by popularity (1024)
    uint64_t seed;
    int threads;
    int quiet;             // 0: one line an epoch on stderr
    int no_eval;           // 1: no validation (timing runs): every epoch is trained
    double max_seconds;    // > 0: no epoch starts after this much training and validation
} seer_sasrec_options;

#define SEER_SASREC_CUTOFFS 3   // K = 5, 10, 20

typedef struct {
    size_t epochs_run, best_epoch, users_evaluated;
    size_t train_positions;      // next-item targets an epoch
    double train_seconds, seconds_per_epoch, eval_seconds;
    double train_cpu_seconds;    // the process's CPU time in the training loop (a busy
                                 // machine's wall clock says little of one thread's speed)
    double flops_per_epoch;      // the GEMMs of forward and backward (seer_sasrec_flops)
    double last_loss;            // the mean loss of the last epoch
    double valid_ndcg10;         // of the epoch kept
    size_t cutoff[SEER_SASREC_CUTOFFS];
    double hr[SEER_SASREC_CUTOFFS], ndcg[SEER_SASREC_CUTOFFS];   // test
} seer_sasrec_report;

// The defaults above for a catalogue of n_items (maxlen 50, dim 64, 2 blocks, 1 head,
// dropout 0.5).
void seer_sasrec_options_default(seer_sasrec_options *o, size_t n_items);
// SEER_EINVAL naming the option for a setting out of range, else SEER_OK.
int seer_sasrec_options_check(const seer_sasrec_options *o);
// Trains item (n_items, d) and rest (seer_sasrec_rest_size), both initialised here, on the
// sequences off (n_users + 1), items (off[n_users]) of item indices < n_items; reports the
// test metrics of the weights kept. SEER_ENOMEM; SEER_EDATA when no user has 3 items.
int seer_sasrec_train(float *item, float *rest, const seer_sasrec_options *o,
                      const uint64_t *off, const uint32_t *items, size_t n_users,
                      seer_sasrec_report *r);
// Leave-one-out ranking metrics of the weights: cut 1 scores s[n-1] after s[..n-1) (test),
// cut 2 s[n-2] after s[..n-2) (validation). hr, ndcg (SEER_SASREC_CUTOFFS); returns the users
// evaluated, or a negative code.
long seer_sasrec_evaluate(const float *item, const float *rest, const seer_sasrec_config *c,
                          const uint64_t *off, const uint32_t *items, size_t n_users, int cut,
                          size_t batch, double *hr, double *ndcg);

#endif
