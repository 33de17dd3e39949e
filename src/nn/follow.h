// An average that follows the weights an optimiser's update moves (train/average.h keeps it):
// right after each weight's update, in the same pass, avg = w + (avg - w) * keep, so that the
// rows are fetched once for both (a pass of its own was 10-12% of an mlp's loop). avg is shaped
// as the weights (the dense block, or the whole table); keep is one share for every weight of
// a dense step, keep_rows (n_rows) one a row of a row step. The bits are those of the update
// followed by that expression. Adam (nn/adam.h) and Adagrad (nn/adagrad.h) take one.
#ifndef SEER_NN_FOLLOW_H
#define SEER_NN_FOLLOW_H

typedef struct {
    float *avg;
    float keep;
    const float *keep_rows;
} seer_follow;

#endif
