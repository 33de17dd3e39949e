// Layer normalisation, forward and backward, one row at a time in fp32 with the row's sums in
// double (a 64-wide row costs nothing more, and the variance of a row far from 0 stays exact).
#include "nn/layernorm.h"

#include <math.h>

void seer_layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *g,
                            const float *b, float eps, size_t R, size_t D) {
    for (size_t r = 0; r < R; r++) {
        const float *xr = x + r * D;
        float *yr = y + r * D;
        double s = 0.0, s2 = 0.0;
        for (size_t j = 0; j < D; j++) s += xr[j];
        double mu = s / (double)D;
        for (size_t j = 0; j < D; j++) s2 += ((double)xr[j] - mu) * ((double)xr[j] - mu);
        float rs = (float)(1.0 / sqrt(s2 / (double)D + eps));
        float m = (float)mu;
        for (size_t j = 0; j < D; j++) yr[j] = (xr[j] - m) * rs * g[j] + b[j];
        mean[r] = m;
        rstd[r] = rs;
    }
}

void seer_layernorm_backward(float *dx, float *dg, float *db, const float *dy, const float *x,
                             const float *mean, const float *rstd, const float *g, size_t R,
                             size_t D) {
    for (size_t r = 0; r < R; r++) {
        const float *xr = x + r * D, *dyr = dy + r * D;
        float m = mean[r], rs = rstd[r];
        float a = 0.0f, c = 0.0f;  // sums of dxh and dxh * xh over the row
        for (size_t j = 0; j < D; j++) {
            float xh = (xr[j] - m) * rs, dxh = dyr[j] * g[j];
            a += dxh;
            c += dxh * xh;
            dg[j] += dyr[j] * xh;
            db[j] += dyr[j];
        }
        if (!dx) continue;
        a /= (float)D;
        c /= (float)D;
        float *dxr = dx + r * D;
        for (size_t j = 0; j < D; j++) {
            float xh = (xr[j] - m) * rs;
            dxr[j] += rs * (dyr[j] * g[j] - a - xh * c);
        }
    }
}
