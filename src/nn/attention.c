// Causal self-attention, forward and backward, as GEMMs per sequence and head over packed
// sequences (the layout is drawn in attention.h). Scores above the diagonal are computed by
// the product and then ignored: a GEMM of n x n is faster than n dot products of growing length.
#include "nn/attention.h"

#include <math.h>

#include "nn/gemm.h"

size_t seer_attention_probs_size(const uint32_t *off, size_t S, size_t NH) {
    size_t total = 0;
    for (size_t s = 0; s < S; s++) {
        size_t n = off[s + 1] - off[s];
        total += NH * n * n;
    }
    return total;
}

void seer_softmax_row(float *row, size_t n) {
    float mx = row[0];
    for (size_t j = 1; j < n; j++) mx = row[j] > mx ? row[j] : mx;
    float sum = 0.0f;
    for (size_t j = 0; j < n; j++) {
        row[j] = expf(row[j] - mx);
        sum += row[j];
    }
    float inv = 1.0f / sum;
    for (size_t j = 0; j < n; j++) row[j] *= inv;
}

// Row i of P (n, n): softmax of P[i][0..i] in place, P[i][j > i] = 0.
static void causal_softmax(float *P, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float *row = P + i * n;
        seer_softmax_row(row, i + 1);
        for (size_t j = i + 1; j < n; j++) row[j] = 0.0f;
    }
}

void seer_attention_forward(float *out, float *probs, float *probs_d, const float *drop,
                            const float *Q, const float *K, const float *V, const uint32_t *off,
                            size_t S, size_t NH, size_t d) {
    size_t dh = d / NH, at = 0;
    float scale = 1.0f / sqrtf((float)dh);
    for (size_t s = 0; s < S; s++) {
        size_t r0 = off[s], n = off[s + 1] - r0;
        for (size_t h = 0; h < NH; h++, at += n * n) {
            size_t c = r0 * d + h * dh;
            float *P = probs + at;
            seer_gemm(0, 1, n, n, dh, scale, Q + c, d, K + c, d, 0.0f, P, n);
            causal_softmax(P, n);
            const float *A = P;
            if (drop) {
                for (size_t k = 0; k < n * n; k++) probs_d[at + k] = P[k] * drop[at + k];
                A = probs_d + at;
            }
            seer_gemm(0, 0, n, dh, n, 1.0f, A, n, V + c, d, 0.0f, out + c, d);
        }
    }
}

// dS = P * (dA - rowsum(dA * P)), in place in dA (n, n); rows only up to the diagonal.
static void causal_softmax_backward(float *dA, const float *P, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float *g = dA + i * n;
        const float *p = P + i * n;
        float dot = 0.0f;
        for (size_t j = 0; j <= i; j++) dot += g[j] * p[j];
        for (size_t j = 0; j <= i; j++) g[j] = p[j] * (g[j] - dot);
        for (size_t j = i + 1; j < n; j++) g[j] = 0.0f;
    }
}

void seer_attention_backward(float *dQ, float *dK, float *dV, float *scratch, const float *dout,
                             const float *probs, const float *probs_d, const float *drop,
                             const float *Q, const float *K, const float *V,
                             const uint32_t *off, size_t S, size_t NH, size_t d) {
    size_t dh = d / NH, at = 0;
    float scale = 1.0f / sqrtf((float)dh);
    for (size_t s = 0; s < S; s++) {
        size_t r0 = off[s], n = off[s + 1] - r0;
        for (size_t h = 0; h < NH; h++, at += n * n) {
            size_t c = r0 * d + h * dh;
            const float *P = probs + at, *A = drop ? probs_d + at : P;
            // out = A V: dV += A^T dout; dA = dout V^T (then through the dropout).
            seer_gemm(1, 0, n, dh, n, 1.0f, A, n, dout + c, d, 1.0f, dV + c, d);
            seer_gemm(0, 1, n, n, dh, 1.0f, dout + c, d, V + c, d, 0.0f, scratch, n);
            if (drop)
                for (size_t k = 0; k < n * n; k++) scratch[k] *= drop[at + k];
            causal_softmax_backward(scratch, P, n);
            // scores = scale Q K^T: dQ += scale dS K; dK += scale dS^T Q.
            seer_gemm(0, 0, n, dh, n, scale, scratch, n, K + c, d, 1.0f, dQ + c, d);
            seer_gemm(1, 0, n, dh, n, scale, scratch, n, Q + c, d, 1.0f, dK + c, d);
        }
    }
}
