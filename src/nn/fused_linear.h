// A linear layer's fp32 forward with its bias and ReLU in one oneDNN matmul (fused_linear.c),
// for training steps: its sums run in another order than seer_linear_forward's sgemm, which
// scoring keeps.
#ifndef SEER_NN_FUSED_LINEAR_H
#define SEER_NN_FUSED_LINEAR_H

#include <stddef.h>
#include <stdint.h>

// y (B, n_out) = x (B, n_in) w^T + b, then max(0, .) when relu, with w (n_out, n_in) and b
// (n_out): y written whole. 1 when done; 0, y untouched, when oneDNN has no such matmul here
// (or no memory for it), or another thread is inside a matmul (nn/matmul.h): the caller
// multiplies another way. x, w, b and y dense.
int seer_linear_fused_forward(float *y, const float *x, const float *w, const float *b, size_t B,
                              size_t n_in, size_t n_out, int relu);
// The same on a bf16 step's rounded copies (seer_bf16_round) of x and w, fp32 sums: 0 also where
// the CPU has no bf16 matmul.
int seer_linear_fused_forward_bf16(float *y, const uint16_t *x16, const uint16_t *w16,
                                   const float *b, size_t B, size_t n_in, size_t n_out, int relu);
// 0: seer_linear_fused_forward declines every call from now on (tests compare the two ways);
// nonzero: it works again.
void seer_linear_fused_allow(int on);
// How many forwards seer_linear_fused_forward has done in this process.
size_t seer_linear_fused_runs(void);

#endif
