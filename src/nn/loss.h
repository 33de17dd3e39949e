// Binary cross-entropy on logits: the numerically stable form
// max(z,0) - z*y + log(1 + exp(-|z|)), identical in value to sigmoid + BCE.
#ifndef SEER_NN_LOSS_H
#define SEER_NN_LOSS_H

#include <stddef.h>

// Mean loss over the B rows. z, y (B).
double seer_bce_logits_forward(const float *z, const float *y, size_t B);
// dz += (sigmoid(z) - y) / B, the gradient of the mean.
void seer_bce_logits_backward(float *dz, const float *z, const float *y, size_t B);
// The same with the positive rows weighing w (class weights for an imbalanced label, as
// PyTorch's pos_weight): mean of w y softplus(-z) + (1 - y) softplus(z), and
// dz += ((w y + 1 - y) sigmoid(z) - w y) / B.
double seer_bce_logits_weighted_forward(const float *z, const float *y, float w, size_t B);
void seer_bce_logits_weighted_backward(float *dz, const float *z, const float *y, float w,
                                       size_t B);

#endif
