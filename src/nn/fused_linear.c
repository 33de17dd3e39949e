// A linear layer's training forward as one oneDNN matmul with its bias and ReLU (fused_linear.h).
//
// The step's sgemm forward copies the bias into every output row, has sgemm add the product to
// it (reading the rows back) and passes over the rows again for the ReLU, and it multiplies by
// the weight as stored, (n_out, n_in): a transposed operand, which oneDNN's sgemm runs 10-20%
// slower at the models' widths. The matmul (nn/matmul.c) takes the weight as stored (the
// transposed (n_in, n_out) operand), adds the bias and applies the ReLU as it writes each block
// of the output, so the rows are written once. Its sums run in another order than sgemm's, so
// scoring keeps sgemm: a model file scores as it always did.
#include "nn/fused_linear.h"

#include <stdatomic.h>

#include "nn/matmul.h"

static atomic_int fused_allowed = 1;
static atomic_size_t fused_runs;

static int forward(float *y, const void *x, const void *w, const float *b, size_t B, size_t n_in,
                   size_t n_out, int bf16, int relu) {
    if (B == 0 || n_in == 0 || n_out == 0 || !atomic_load(&fused_allowed)) return 0;
    seer_matmul_desc d = {.trans_b = 1, .M = B, .N = n_out, .K = n_in, .ldc = n_out,
                          .bf16 = bf16, .bias = 1, .relu = relu != 0, .alpha = 1.0f};
    if (seer_matmul(&d, x, w, b, y) != 0) return 0;
    atomic_fetch_add(&fused_runs, 1);
    return 1;
}

int seer_linear_fused_forward(float *y, const float *x, const float *w, const float *b, size_t B,
                              size_t n_in, size_t n_out, int relu) {
    return forward(y, x, w, b, B, n_in, n_out, 0, relu);
}

int seer_linear_fused_forward_bf16(float *y, const uint16_t *x16, const uint16_t *w16,
                                   const float *b, size_t B, size_t n_in, size_t n_out, int relu) {
    return forward(y, x16, w16, b, B, n_in, n_out, 1, relu);
}

void seer_linear_fused_allow(int on) { atomic_store(&fused_allowed, on != 0); }

size_t seer_linear_fused_runs(void) { return atomic_load(&fused_runs); }
