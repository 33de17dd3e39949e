// The BPR score difference and loss; see bpr_loss.h.
#include "nn/bpr_loss.h"

#include <math.h>

void seer_bpr_score_forward(float *x, const float *pu, const float *qi, const float *qj,
                            const float *bi, const float *bj, size_t B, size_t D) {
    for (size_t b = 0; b < B; b++) {
        const float *p = pu + b * D, *a = qi + b * D, *n = qj + b * D;
        float s = 0.0f;
        for (size_t k = 0; k < D; k++) s += p[k] * (a[k] - n[k]);
        x[b] = bi ? s + bi[b] - bj[b] : s;
    }
}

void seer_bpr_score_backward(float *dpu, float *dqi, float *dqj, float *dbi, float *dbj,
                             const float *dx, const float *pu, const float *qi, const float *qj,
                             size_t B, size_t D) {
    for (size_t b = 0; b < B; b++) {
        const float *p = pu + b * D, *a = qi + b * D, *n = qj + b * D;
        float g = dx[b], *dp = dpu + b * D, *da = dqi + b * D, *dn = dqj + b * D;
        for (size_t k = 0; k < D; k++) {
            dp[k] += g * (a[k] - n[k]);
            da[k] += g * p[k];
            dn[k] -= g * p[k];
        }
        if (dbi) {
            dbi[b] += g;
            dbj[b] -= g;
        }
    }
}

double seer_bpr_loss_forward(const float *x, size_t B) {
    double loss = 0.0;
    for (size_t b = 0; b < B; b++) {
        double z = -(double)x[b];
        loss += (z > 0 ? z : 0.0) + log1p(exp(-fabs(z)));
    }
    return loss;
}

void seer_bpr_loss_backward(float *dx, const float *x, float scale, size_t B) {
    // d softplus(-x) / dx = -sigmoid(-x) = -1 / (1 + exp(x)).
    for (size_t b = 0; b < B; b++) dx[b] -= scale / (1.0f + expf(x[b]));
}
