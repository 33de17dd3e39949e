// A stack of Linear-ReLU layers inside a network: the deep part that mlp,
// wdl, deepfm and dcnv2 share. Layers first .. first+count-1 of the net.
#ifndef SEER_MODELS_STACK_H
#define SEER_MODELS_STACK_H

#include <stddef.h>

#include "models/net.h"

// The deep part of the published CTR configurations (wdl, deepfm, dcnv2, finalmlp's first
// stream): three layers of 400.
void seer_stack_defaults(seer_net_config *c);
// Fills plan layers first.. with widths hidden[0..count) from n_in; returns
// the width of the last (n_in when count is 0).
size_t seer_stack_plan(seer_net_plan *p, size_t first, const size_t *hidden, size_t count,
                       size_t n_in);
// h[l] = relu(x_l W_l^T + b_l), x_first = x (B, layer_in[first]).
void seer_stack_forward(seer_net *n, size_t first, size_t count, const float *x, size_t B);
// From dh[first+count-1] (the gradient of the last output, set by the caller)
// down to dx += ... (dx may be NULL). Uses and clears the inner dh.
void seer_stack_backward(seer_net *n, size_t first, size_t count, const float *x, float *dx,
                         size_t B);
// The deep tower: the stack first .. first+H-1 from x, then layer first+H,
// a Linear to the head's outputs per row (layer_out of first+H: 1, or seer_net_outputs),
// into out (B, that).
void seer_tower_forward(seer_net *n, size_t first, size_t H, const float *x, float *out,
                        size_t B);
// From dout (B) back through the output layer and the stack: grads += ...,
// dx += ... (dx may be NULL).
void seer_tower_backward(seer_net *n, size_t first, size_t H, const float *x, float *dx,
                         const float *dout, size_t B);
// Xavier init of layers first .. first+count-1.
void seer_stack_init(seer_net *n, size_t first, size_t count, seer_rng *r);

#endif
