// The average of a net's weights over its recent training steps (an exponential moving
// average, each step's weights weighing decay^age): the model early stopping scores and keeps
// when the run averages. It smooths the last steps' noise out of the weights (Give Me Some
// Credit's mlp, BENCHMARKS.md "Averaged weights").
//
// The average is kept bias-corrected, so it never weighs the initial weights: after step t it
// is m_t = m_{t-1} + (w_t - m_{t-1}) (1 - d) / (1 - d^t), which makes m_1 = w_1. An embedding
// row changes only in the steps that touch it, so its average is brought up to date lazily,
// when it is touched and before the average is used: a row last averaged at step s whose
// weight w has held since gets m = w + (m - w) d^(t-s) (1 - d^s) / (1 - d^t), the product of
// the skipped steps' factors (exact while w held; the touching step's own new weight stands
// in for the ones just before it). The factors come from tables of d^k and 1 - d^k: pow and
// expm1 for each touched row took 18% of an mlp's run on Criteo-layout rows, the tables 6%.
#ifndef SEER_TRAIN_AVERAGE_H
#define SEER_TRAIN_AVERAGE_H

#include <stdint.h>

#include "models/net.h"

typedef struct {
    double decay;           // d, in (0, 1)
    float *params, *emb, *wide;  // the averages, shaped as the net's
    uint64_t *last;         // (emb_rows) the step each row's average stands at
    long step;              // the step the dense average stands at
    // d^k and 1 - d^k for k < n_pow (past it d^k is below 1e-16: 0 and 1), so that a row
    // brought up to date costs look-ups, not pow and expm1.
    double *pow_d, *one_minus;
    size_t n_pow;
    float *keep_rows;       // (keep_cap) seer_weight_avg_follow's shares, one a row of a step
    size_t keep_cap;
} seer_weight_avg;

// Starts the average at the net's weights. SEER_ENOMEM.
int seer_weight_avg_init(seer_weight_avg *a, const seer_net *n, double decay);
// Continues the average a checkpoint recorded (io/checkpoint.h), taking its buffers: params,
// emb, wide (NULL without a wide part) and last, shaped as the net's. SEER_ENOMEM (the buffers
// are then freed).
int seer_weight_avg_adopt(seer_weight_avg *a, const seer_net *n, double decay, float *params,
                          float *emb, float *wide, uint64_t *last);
// After a training step of n: the dense weights and the rows the step updated.
void seer_weight_avg_step(seer_weight_avg *a, const seer_net *n);
// The same average moved inside the step's update instead (seer_net_update, which then
// fetches each row once): between seer_net_gradients and seer_net_update, sets *f to what the
// update must do and counts the step's rows as averaged. The bits are seer_weight_avg_step's.
// SEER_ENOMEM (nothing changed).
int seer_weight_avg_follow(seer_weight_avg *a, const seer_net *n, seer_net_follow *f);
// Every row brought up to the net's step (before the average is read).
void seer_weight_avg_catch_up(seer_weight_avg *a, const seer_net *n);
// Exchanges the net's weights and the average (twice: as they were). Catch up first.
void seer_weight_avg_swap(seer_weight_avg *a, seer_net *n);
void seer_weight_avg_free(seer_weight_avg *a);

#endif
