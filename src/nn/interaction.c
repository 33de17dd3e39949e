// Wide part, dense fields, FM and cross kernels.
#include "nn/interaction.h"

void seer_wide_forward(float *out, const float *xw, const float *xd, size_t ld, const float *wd,
                       const float *bias, size_t B, size_t F, size_t nd) {
    for (size_t b = 0; b < B; b++) {
        float z = bias[0];
        for (size_t f = 0; f < F; f++) z += xw[b * F + f];
        for (size_t j = 0; j < nd; j++) z += wd[j] * xd[b * ld + j];
        out[b] = z;
    }
}

void seer_wide_backward(float *dxw, float *dwd, float *dbias, const float *dout, const float *xd,
                        size_t ld, size_t B, size_t F, size_t nd) {
    for (size_t b = 0; b < B; b++) {
        float g = dout[b];
        dbias[0] += g;
        for (size_t f = 0; f < F; f++) dxw[b * F + f] += g;
        for (size_t j = 0; j < nd; j++) dwd[j] += g * xd[b * ld + j];
    }
}

void seer_dense_field_forward(float *e, size_t ld_e, const float *x, size_t ld_x, const float *v,
                              size_t B, size_t n, size_t D) {
    for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < n; j++) {
            float xv = x[b * ld_x + j];
            float *ej = e + b * ld_e + j * D;
            const float *vj = v + j * D;
            for (size_t k = 0; k < D; k++) ej[k] = xv * vj[k];
        }
}

void seer_dense_field_backward(float *dv, const float *de, size_t ld_e, const float *x,
                               size_t ld_x, size_t B, size_t n, size_t D) {
    for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < n; j++) {
            float xv = x[b * ld_x + j];
            const float *dej = de + b * ld_e + j * D;
            float *dvj = dv + j * D;
            for (size_t k = 0; k < D; k++) dvj[k] += dej[k] * xv;
        }
}

// Rows wider than this many embedding dimensions are summed in pieces.
#define FM_DIM_MAX 256

void seer_fm_forward(float *out, const float *e, size_t ld, size_t B, size_t nf, size_t D) {
    float s[FM_DIM_MAX];
    for (size_t b = 0; b < B; b++) {
        const float *eb = e + b * ld;
        float total = 0.0f;
        for (size_t k0 = 0; k0 < D; k0 += FM_DIM_MAX) {
            size_t dk = D - k0 < FM_DIM_MAX ? D - k0 : FM_DIM_MAX;
            float q = 0.0f;
            for (size_t k = 0; k < dk; k++) s[k] = 0.0f;
            for (size_t i = 0; i < nf; i++)
                for (size_t k = 0; k < dk; k++) {
                    float v = eb[i * D + k0 + k];
                    s[k] += v;
                    q += v * v;
                }
            float ss = 0.0f;
            for (size_t k = 0; k < dk; k++) ss += s[k] * s[k];
            total += ss - q;
        }
        out[b] += 0.5f * total;
    }
}

void seer_fm_backward(float *de, const float *dout, const float *e, size_t ld, size_t B, size_t nf,
                      size_t D) {
    float s[FM_DIM_MAX];
    for (size_t b = 0; b < B; b++) {
        const float *eb = e + b * ld;
        float *db = de + b * ld;
        float g = dout[b];
        for (size_t k0 = 0; k0 < D; k0 += FM_DIM_MAX) {
            size_t dk = D - k0 < FM_DIM_MAX ? D - k0 : FM_DIM_MAX;
            for (size_t k = 0; k < dk; k++) s[k] = 0.0f;
            for (size_t i = 0; i < nf; i++)
                for (size_t k = 0; k < dk; k++) s[k] += eb[i * D + k0 + k];
            for (size_t i = 0; i < nf; i++)
                for (size_t k = 0; k < dk; k++)
                    db[i * D + k0 + k] += g * (s[k] - eb[i * D + k0 + k]);
        }
    }
}

void seer_cross_forward(float *x_next, const float *x0, const float *u, const float *xl, size_t n) {
    for (size_t i = 0; i < n; i++) x_next[i] = x0[i] * u[i] + xl[i];
}

void seer_cross_backward(float *du, float *dx0, float *dxl, const float *dnext, const float *x0,
                         const float *u, size_t n) {
    for (size_t i = 0; i < n; i++) {
        du[i] += dnext[i] * x0[i];
        dx0[i] += dnext[i] * u[i];
        dxl[i] += dnext[i];
    }
}
