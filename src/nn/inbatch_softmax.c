// In-batch softmax with log-Q correction: the logits by one GEMM, the rows' softmax and
// gradient by seer_softmax_ce_rows, the gradients of both towers' outputs by two GEMMs.
#include "nn/inbatch_softmax.h"

#include <math.h>

#include "nn/gemm.h"
#include "nn/softmax_ce.h"

// Z (B, B) = A V^T * inv_tau - logq[j], accidental hits -inf.
static void logits(float *Z, const float *A, const float *V, const float *logq,
                   const uint32_t *ids, size_t B, size_t d, float inv_tau) {
    seer_gemm(0, 1, B, B, d, inv_tau, A, d, V, d, 0.0f, Z, B);
    for (size_t b = 0; b < B; b++) {
        float *z = Z + b * B;
        if (logq)
            for (size_t j = 0; j < B; j++) z[j] -= logq[j];
        if (ids)
            for (size_t j = 0; j < B; j++)
                if (j != b && ids[j] == ids[b]) z[j] = -INFINITY;
    }
}

double seer_inbatch_softmax(float *dA, float *dV, float *scratch, const float *A,
                            const float *V, const float *logq, const uint32_t *ids, size_t B,
                            size_t d, float inv_tau, float scale) {
    logits(scratch, A, V, logq, ids, B, d, inv_tau);
    double loss = 0.0;
    for (size_t b = 0; b < B; b++) {
        uint32_t t = (uint32_t)b;  // row b's target is column b
        loss += seer_softmax_ce_rows(scratch + b * B, scratch + b * B, &t, 1, B, scale);
    }
    // dZ / dS = inv_tau, S = A V^T: dA += dZ V, dV += dZ^T A, both times inv_tau.
    seer_gemm(0, 0, B, d, B, inv_tau, scratch, B, V, d, 1.0f, dA, d);
    seer_gemm(1, 0, B, d, B, inv_tau, scratch, B, A, d, 1.0f, dV, d);
    return loss;
}

double seer_inbatch_softmax_loss(float *scratch, const float *A, const float *V,
                                 const float *logq, const uint32_t *ids, size_t B, size_t d,
                                 float inv_tau) {
    logits(scratch, A, V, logq, ids, B, d, inv_tau);
    double loss = 0.0;
    for (size_t b = 0; b < B; b++) {
        const float *z = scratch + b * B;
        double mx = z[0], sum = 0.0;
        for (size_t j = 1; j < B; j++) mx = z[j] > mx ? z[j] : mx;
        for (size_t j = 0; j < B; j++) sum += exp((double)z[j] - mx);
        loss += log(sum) + mx - z[b];
    }
    return loss;
}
