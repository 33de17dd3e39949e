// ZILN and squared-error losses (ziln.h gives the formulas). The sums are in double: a batch's
// lognormal terms span orders of magnitude.
#include "nn/ziln.h"

#include <math.h>

static double softplus(double v) { return v > 0 ? v + log1p(exp(-v)) : log1p(exp(v)); }
static double sigmoid(double v) { return 1 / (1 + exp(-v)); }

double seer_ziln_forward(const float *z, const float *y, size_t B) {
    double s = 0;
    for (size_t i = 0; i < B; i++) {
        double l = z[3 * i], mu = z[3 * i + 1], pos = y[i] > 0;
        s += (l > 0 ? l : 0) - l * pos + log1p(exp(-fabs(l)));
        if (!pos) continue;
        double sig = fmax(softplus(z[3 * i + 2]), SEER_ZILN_SIGMA_MIN), ly = log(y[i]);
        s += ly + log(sig) + 0.9189385332046727 + (ly - mu) * (ly - mu) / (2 * sig * sig);
    }
    return s / (double)B;
}

void seer_ziln_backward(float *dz, const float *z, const float *y, size_t B) {
    for (size_t i = 0; i < B; i++) {
        double pos = y[i] > 0;
        dz[3 * i] += (float)((sigmoid(z[3 * i]) - pos) / (double)B);
        if (!pos) continue;
        double raw = z[3 * i + 2], sp = softplus(raw), sig = fmax(sp, SEER_ZILN_SIGMA_MIN);
        double e = log(y[i]) - z[3 * i + 1];
        dz[3 * i + 1] += (float)(-e / (sig * sig) / (double)B);
        double dsig = 1 / sig - e * e / (sig * sig * sig);
        if (sp > SEER_ZILN_SIGMA_MIN) dz[3 * i + 2] += (float)(dsig * sigmoid(raw) / (double)B);
    }
}

void seer_ziln_predict(float *pred, float *p, const float *z, size_t B) {
    for (size_t i = 0; i < B; i++) {
        double sig = fmax(softplus(z[3 * i + 2]), SEER_ZILN_SIGMA_MIN);
        double pi = sigmoid(z[3 * i]);
        p[i] = (float)pi;
        // The exponent held below float's largest (e^88), so a wild row ranks first, not inf.
        pred[i] = (float)(pi * exp(fmin(z[3 * i + 1] + sig * sig / 2, 80)));
    }
}

double seer_mse_forward(const float *z, const float *y, size_t B) {
    double s = 0;
    for (size_t i = 0; i < B; i++) s += ((double)z[i] - y[i]) * ((double)z[i] - y[i]);
    return s / (double)B;
}

void seer_mse_backward(float *dz, const float *z, const float *y, size_t B) {
    for (size_t i = 0; i < B; i++) dz[i] += (float)(2 * ((double)z[i] - y[i]) / (double)B);
}
