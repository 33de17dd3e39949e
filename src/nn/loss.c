// Binary cross-entropy with logits.
#include "nn/loss.h"

#include <math.h>

double seer_bce_logits_forward(const float *z, const float *y, size_t B) {
    double sum = 0.0;
    for (size_t i = 0; i < B; i++) {
        double zi = z[i];
        sum += (zi > 0.0 ? zi : 0.0) - zi * y[i] + log1p(exp(-fabs(zi)));
    }
    return B ? sum / (double)B : 0.0;
}

void seer_bce_logits_backward(float *dz, const float *z, const float *y, size_t B) {
    float scale = 1.0f / (float)B;
    for (size_t i = 0; i < B; i++) dz[i] += (1.0f / (1.0f + expf(-z[i])) - y[i]) * scale;
}

// log(1 + e^x) without overflow.
static double softplus(double x) { return (x > 0 ? x : 0) + log1p(exp(-fabs(x))); }

double seer_bce_logits_weighted_forward(const float *z, const float *y, float w, size_t B) {
    double sum = 0.0;
    for (size_t i = 0; i < B; i++) sum += w * y[i] * softplus(-z[i]) + (1 - y[i]) * softplus(z[i]);
    return B ? sum / (double)B : 0.0;
}

void seer_bce_logits_weighted_backward(float *dz, const float *z, const float *y, float w,
                                       size_t B) {
    float scale = 1.0f / (float)B;
    for (size_t i = 0; i < B; i++) {
        float s = 1.0f / (1.0f + expf(-z[i])), wy = w * y[i];
        dz[i] += ((wy + 1.0f - y[i]) * s - wy) * scale;
    }
}
