// Linear, ReLU and sigmoid kernels. The GEMMs go through seer_gemm.
#include "nn/layers.h"

#include <math.h>
#include <string.h>

#include "nn/gemm.h"

// db (n_out) += the column sums of dy (B, n_out).
static void bias_sum(float *db, const float *dy, size_t B, size_t n_out) {
    for (size_t i = 0; i < B; i++) {
        const float *row = dy + i * n_out;
        for (size_t j = 0; j < n_out; j++) db[j] += row[j];
    }
}

void seer_linear_forward(float *y, const float *x, const float *w, const float *b, size_t B,
                         size_t n_in, size_t n_out, seer_precision prec) {
    for (size_t i = 0; i < B; i++) memcpy(y + i * n_out, b, n_out * sizeof *y);
    seer_gemm_in(prec, 0, 1, B, n_out, n_in, 1.0f, x, n_in, w, n_in, 1.0f, y, n_out);
}

void seer_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                          const float *w, size_t B, size_t n_in, size_t n_out,
                          seer_precision prec) {
    if (dx) seer_gemm_in(prec, 0, 0, B, n_in, n_out, 1.0f, dy, n_out, w, n_in, 1.0f, dx, n_in);
    seer_gemm_in(prec, 1, 0, n_out, n_in, B, 1.0f, dy, n_out, x, n_in, 1.0f, dw, n_in);
    if (db) bias_sum(db, dy, B, n_out);
}

void seer_linear_forward_bf16(float *y, const float *x, const float *w, const float *b, size_t B,
                              size_t n_in, size_t n_out, uint16_t *x16, uint16_t *w16) {
    for (size_t i = 0; i < B; i++) memcpy(y + i * n_out, b, n_out * sizeof *y);
    seer_bf16_round(x16, x, B * n_in);
    seer_bf16_round(w16, w, n_out * n_in);
    seer_gemm_bf16_pre(0, 1, B, n_out, n_in, 1.0f, x16, w16, 1.0f, y, n_out);
}

void seer_linear_backward_bf16(float *dx, float *dw, float *db, const float *dy, uint16_t *dy16,
                               const uint16_t *x16, const uint16_t *w16, size_t B, size_t n_in,
                               size_t n_out) {
    seer_bf16_round(dy16, dy, B * n_out);
    if (dx) seer_gemm_bf16_pre(0, 0, B, n_in, n_out, 1.0f, dy16, w16, 1.0f, dx, n_in);
    seer_gemm_bf16_pre(1, 0, n_out, n_in, B, 1.0f, dy16, x16, 1.0f, dw, n_in);
    if (db) bias_sum(db, dy, B, n_out);
}

void seer_relu_forward(float *y, const float *x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void seer_relu_backward(float *dx, const float *dy, const float *y, size_t n) {
    for (size_t i = 0; i < n; i++) dx[i] += y[i] > 0.0f ? dy[i] : 0.0f;
}

void seer_relu_bias_backward(float *dz, float *db, const float *dy, const float *y, float scale,
                             size_t B, size_t n) {
    for (size_t i = 0; i < B; i++) {
        const float *dyi = dy + i * n, *yi = y + i * n;
        float *dzi = dz + i * n;
        if (scale != 1.0f)
            for (size_t j = 0; j < n; j++) dzi[j] = yi[j] > 0.0f ? dyi[j] * scale : 0.0f;
        else
            for (size_t j = 0; j < n; j++) dzi[j] = yi[j] > 0.0f ? dyi[j] : 0.0f;
        for (size_t j = 0; j < n; j++) db[j] += dzi[j];
    }
}

void seer_sigmoid_forward(float *p, const float *z, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = 1.0f / (1.0f + expf(-z[i]));
}

void seer_sigmoid_backward(float *dz, const float *dp, const float *p, size_t n) {
    for (size_t i = 0; i < n; i++) dz[i] += dp[i] * (p[i] * (1.0f - p[i]));
}
