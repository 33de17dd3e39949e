// Training and evaluation of knowledge tracing (rec/kt.h) on learners' answer sequences.
//
// Every sequence is cut into windows of maxlen from its start and every row of every window
// is predicted (AKT's protocol on assist2009_pid). Each epoch visits the training windows in
// a seeded random order, batch windows a step, Adam (betas 0.9, 0.999); after each epoch the
// AUC over every validation answer, early stopping keeping the best epoch's weights.
#ifndef SEER_REC_KT_TRAIN_H
#define SEER_REC_KT_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "rec/kt.h"

typedef struct {
    seer_kt_config net;
    size_t batch;          // windows a step (32)
    size_t epochs;         // the most (100)
    size_t patience;       // epochs without a better validation AUC before stopping (5)
    float lr;              // 1e-3
    uint64_t seed;
    int threads;
    int quiet;             // 0: one line an epoch on stderr
} seer_kt_options;

// Answer sequences as table rows: off (n + 1); prob, skill (rows below the config's
// n_prob, n_skill) and answer (0/1) of off[n] answers.
typedef struct {
    size_t n;
    const uint64_t *off;
    const uint32_t *prob, *skill;
    const uint8_t *answer;
} seer_kt_seqs;

typedef struct {
    size_t epochs_run, best_epoch, windows, positions;
    double valid_auc, last_loss;
    double train_seconds, train_cpu_seconds, seconds_per_epoch, eval_seconds;
    double flops_per_epoch;
} seer_kt_report;

// maxlen 200, dim 64, 2 blocks, 2 heads, dropout 0.2 over the caller's tables.
void seer_kt_options_default(seer_kt_options *o, size_t n_skill, size_t n_prob);
// SEER_EINVAL naming the option for a setting out of range (sasrec's checks and the head's).
int seer_kt_options_check(const seer_kt_options *o);
// Trains head (seer_kt_head_size) and rest (seer_sasrec_rest_size), both initialised here,
// on train, early-stopping on valid (n 0: every epoch kept, the last one returned).
// SEER_ENOMEM; SEER_EDATA when train has no answer.
int seer_kt_train(float *head, float *rest, const seer_kt_options *o, const seer_kt_seqs *train,
                  const seer_kt_seqs *valid, seer_kt_report *r);
// P(correct) of every answer of s (p: s->off[s->n]), windows of maxlen, batch at a time.
int seer_kt_predict(const float *head, const float *rest, const seer_kt_config *c,
                    const seer_kt_seqs *s, size_t batch, float *p);
// The AUC of scores p against labels y (n), ties counted half; NAN with one class only.
double seer_kt_auc(const float *p, const uint8_t *y, size_t n);

#endif
