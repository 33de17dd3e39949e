// The run's settings chosen from the data: whatever the caller left SEER_AUTO (seer.h) gets a
// value from the number of training rows, so that a small table gets enough optimiser steps
// and a fair early stop, and a large one the settings it always had.
#ifndef SEER_TRAIN_AUTO_H
#define SEER_TRAIN_AUTO_H

#include <stddef.h>

#include "train/train.h"

// Fewest steps an epoch the batch is cut down to give, and the batch's floor.
#define SEER_AUTO_STEPS_MIN 8
#define SEER_AUTO_BATCH_MIN 32
// Steps a run should have (epochs follow, 50 to 200) and patience's least steps.
#define SEER_AUTO_RUN_STEPS 4000
#define SEER_AUTO_PATIENCE_STEPS 30
// Averaged weights (train/average.h) when an epoch has this many steps, with this decay: on
// Give Me Some Credit (380 steps an epoch) and MovieLens (310) they gained 0.002 and 0.003-0.013
// test AUC, on German credit (10) they lost 0.004 (BENCHMARKS.md, "Averaged weights").
#define SEER_AUTO_AVERAGE_STEPS 100
#define SEER_AUTO_AVERAGE_DECAY 0.999
#define SEER_AUTO_AVERAGE_LR 2e-3f
// L-BFGS iterations when epochs is left to the data.
#define SEER_AUTO_LBFGS_ITERS 500
// The most encoded values (rows x (ids + dense values) a row) L-BFGS solves whole: its path
// of 8 solves took 7 s on Give Me Some Credit's 2.6 million (Adam: 0.9 s, the same AUC); a
// larger table trains lr with Adam as before.
#define SEER_AUTO_LBFGS_VALUES ((size_t)1 << 22)

// Resolves every SEER_AUTO of o for n training rows (n >= 1) of width ids and dense values
// each. can_solve: the rows are single-valued and no checkpoint is taken, so an lr model left to the data
// (batch and lr) of at most SEER_AUTO_LBFGS_VALUES values is solved with full-batch L-BFGS
// (o->lbfgs set). Returns 1 when any setting was chosen here.
int seer_train_auto(seer_train_job *o, size_t n, size_t width, int can_solve);

// "batch 32, lr 0.001, up to 200 epochs, patience 10" or the L-BFGS solve's words, into buf;
// n training rows, and whether any are held out (the l2 left to the data is chosen on them).
void seer_train_auto_text(const seer_train_job *o, size_t n, int held_out, char *buf,
                          size_t cap);

#endif
