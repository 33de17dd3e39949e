// Softmax cross-entropy over a catalogue, full and sampled; the products through seer_gemm,
// the softmax a loop over each row (the max subtracted first, as logsumexp must).
#include "nn/softmax_ce.h"

#include <math.h>
#include <string.h>

#include "nn/gemm.h"

double seer_softmax_ce_rows(float *dz, const float *z, const uint32_t *t, size_t R, size_t N,
                            float scale) {
    double loss = 0.0;
    for (size_t r = 0; r < R; r++) {
        const float *zr = z + r * N;
        float *g = dz + r * N;
        float mx = zr[0];
        for (size_t j = 1; j < N; j++) mx = zr[j] > mx ? zr[j] : mx;
        float zt = zr[t[r]], sum = 0.0f;
        for (size_t j = 0; j < N; j++) {
            g[j] = expf(zr[j] - mx);
            sum += g[j];
        }
        loss += (double)logf(sum) + mx - zt;
        float k = scale / sum;
        for (size_t j = 0; j < N; j++) g[j] *= k;
        g[t[r]] -= scale;
    }
    return loss;
}

double seer_softmax_ce_full(float *dh, float *dE, float *scratch, const float *h, const float *E,
                            const uint32_t *t, size_t P, size_t N, size_t d, size_t chunk,
                            float scale) {
    double loss = 0.0;
    for (size_t r = 0; r < P; r += chunk) {
        size_t R = P - r < chunk ? P - r : chunk;
        const float *hr = h + r * d;
        seer_gemm(0, 1, R, N, d, 1.0f, hr, d, E, d, 0.0f, scratch, N);
        loss += seer_softmax_ce_rows(scratch, scratch, t + r, R, N, scale);
        seer_gemm(0, 0, R, d, N, 1.0f, scratch, N, E, d, 1.0f, dh + r * d, d);
        if (dE) seer_gemm(1, 0, N, d, R, 1.0f, scratch, N, hr, d, 1.0f, dE, d);
    }
    return loss;
}

// Z (R, M + 1): column 0 the target's logit, 1..M the negatives', each less log q; a negative
// equal to the row's target is -INFINITY.
static void sampled_logits(float *Z, const float *hr, const float *E, const float *En,
                           const uint32_t *t, const uint32_t *neg, const float *logq, size_t R,
                           size_t M, size_t d) {
    seer_gemm(0, 1, R, M, d, 1.0f, hr, d, En, d, 0.0f, Z + 1, M + 1);
    for (size_t i = 0; i < R; i++) {
        float *zi = Z + i * (M + 1);
        const float *e = E + (size_t)t[i] * d, *hi = hr + i * d;
        float s = 0.0f;
        for (size_t k = 0; k < d; k++) s += hi[k] * e[k];
        zi[0] = s - (logq ? logq[t[i]] : 0.0f);
        for (size_t m = 0; m < M; m++) {
            if (neg[m] == t[i]) zi[1 + m] = -INFINITY;
            else if (logq) zi[1 + m] -= logq[neg[m]];
        }
    }
}

double seer_softmax_ce_sampled(float *dh, float *dE, float *scratch, const float *h,
                               const float *E, const uint32_t *t, const uint32_t *neg,
                               const float *logq, size_t P, size_t M, size_t d, size_t chunk,
                               float scale) {
    float *En = scratch, *dEn = En + M * d, *Z = dEn + M * d;
    for (size_t m = 0; m < M; m++) memcpy(En + m * d, E + (size_t)neg[m] * d, d * sizeof *En);
    memset(dEn, 0, M * d * sizeof *dEn);
    double loss = 0.0;
    uint32_t zero[64] = {0};  // every row's target is column 0
    for (size_t r = 0; r < P; r += chunk) {
        size_t R = P - r < chunk ? P - r : chunk;
        const float *hr = h + r * d;
        sampled_logits(Z, hr, E, En, t + r, neg, logq, R, M, d);
        for (size_t i = 0; i < R; i += 64) {
            size_t n = R - i < 64 ? R - i : 64;
            loss += seer_softmax_ce_rows(Z + i * (M + 1), Z + i * (M + 1), zero, n, M + 1, scale);
        }
        seer_gemm(0, 0, R, d, M, 1.0f, Z + 1, M + 1, En, d, 1.0f, dh + r * d, d);
        seer_gemm(1, 0, M, d, R, 1.0f, Z + 1, M + 1, hr, d, 1.0f, dEn, d);
        for (size_t i = 0; i < R; i++) {
            float g = Z[i * (M + 1)];
            const float *e = E + (size_t)t[r + i] * d, *hi = hr + i * d;
            float *dhi = dh + (r + i) * d;
            for (size_t k = 0; k < d; k++) dhi[k] += g * e[k];
            if (dE)
                for (size_t k = 0; k < d; k++) dE[(size_t)t[r + i] * d + k] += g * hi[k];
        }
    }
    if (dE)
        for (size_t m = 0; m < M; m++)
            for (size_t k = 0; k < d; k++) dE[(size_t)neg[m] * d + k] += dEn[m * d + k];
    return loss;
}
