// Wide part, dense fields, FM, cross and bilinear fusion kernels.
#include "nn/interaction.h"

#include <string.h>

#include "nn/fm_lanes.h"
#include "nn/gemm.h"

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

// Eight floats, for sums kept in registers (GCC and Clang's vector extension).
typedef float f32x8 __attribute__((vector_size(32)));

// dv (D) += sum_b de[b] x[b] for one dense field, eight dimensions at a time in a register:
// each dv[k] gets the same chain of multiply-adds over b, in order, as a row at a time gave it,
// but without storing and reloading dv between rows (a store-to-load wait a row and field).
static void dense_field_sum(float *dv, const float *de, size_t ld_e, const float *x, size_t ld_x,
                            size_t B, size_t D) {
    size_t k = 0;
    for (; k + 8 <= D; k += 8) {
        f32x8 acc, row;
        memcpy(&acc, dv + k, sizeof acc);
        for (size_t b = 0; b < B; b++) {
            memcpy(&row, de + b * ld_e + k, sizeof row);
            acc += row * x[b * ld_x];
        }
        memcpy(dv + k, &acc, sizeof acc);
    }
    for (; k < D; k++) {
        float acc = dv[k];
        for (size_t b = 0; b < B; b++) acc += de[b * ld_e + k] * x[b * ld_x];
        dv[k] = acc;
    }
}

void seer_dense_field_backward(float *dv, const float *de, size_t ld_e, const float *x,
                               size_t ld_x, size_t B, size_t n, size_t D) {
    for (size_t j = 0; j < n; j++) dense_field_sum(dv + j * D, de + j * D, ld_e, x + j, ld_x, B, D);
}

void seer_fm_forward(float *out, const float *e, size_t ld, size_t B, size_t nf, size_t D) {
    float s[SEER_FM_DIM_MAX];
    for (size_t b = seer_fm_forward_lanes(out, e, ld, B, nf, D); b < B; b++) {
        const float *eb = e + b * ld;
        float total = 0.0f;
        for (size_t k0 = 0; k0 < D; k0 += SEER_FM_DIM_MAX) {
            size_t dk = D - k0 < SEER_FM_DIM_MAX ? D - k0 : SEER_FM_DIM_MAX;
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
    float s[SEER_FM_DIM_MAX];
    for (size_t b = 0; b < B; b++) {
        const float *eb = e + b * ld;
        float *db = de + b * ld;
        float g = dout[b];
        for (size_t k0 = 0; k0 < D; k0 += SEER_FM_DIM_MAX) {
            size_t dk = D - k0 < SEER_FM_DIM_MAX ? D - k0 : SEER_FM_DIM_MAX;
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

// One row of seer_cross_backward but dxl's part. None of these overlap (dxl may be dx0, so it
// is left out), and restrict says so: the loop vectorises without checks.
static void cross_row_backward(float *restrict du, float *restrict db, float *restrict dx0,
                               const float *restrict dnext, const float *restrict x0,
                               const float *restrict u, size_t d) {
    for (size_t j = 0; j < d; j++) {
        du[j] = dnext[j] * x0[j];
        db[j] += du[j];
        dx0[j] += dnext[j] * u[j];
    }
}

void seer_cross_backward(float *du, float *db, float *dx0, float *dxl, const float *dnext,
                         const float *x0, const float *u, size_t B, size_t d) {
    for (size_t b = 0; b < B; b++) {
        size_t o = b * d;
        cross_row_backward(du + o, db, dx0 + o, dnext + o, x0 + o, u + o, d);
        if (dxl)
            for (size_t j = 0; j < d; j++) dxl[o + j] += dnext[o + j];
    }
}

// Per head, t_k = O1_k W_k is one product (B, H1/NH) x (H1/NH, H2/NH), read and
// written with the full row strides; the rest is dot products per row.
void seer_bilinear_fusion_forward(float *out, float *t, const float *o1, const float *o2,
                                  const float *w1, const float *w2, const float *bias,
                                  const float *W, size_t B, size_t H1, size_t H2, size_t NH,
                                  seer_precision prec) {
    size_t hx = H1 / NH, hy = H2 / NH;
    for (size_t k = 0; k < NH; k++)
        seer_gemm_in(prec, 0, 0, B, hy, hx, 1.0f, o1 + k * hx, H1, W + k * hx * hy, hy, 0.0f,
                     t + k * hy, H2);
    for (size_t b = 0; b < B; b++) {
        const float *x = o1 + b * H1, *y = o2 + b * H2, *tb = t + b * H2;
        float z = bias[0];
        for (size_t i = 0; i < H1; i++) z += w1[i] * x[i];
        for (size_t j = 0; j < H2; j++) z += (w2[j] + tb[j]) * y[j];
        out[b] = z;
    }
}

// A row's part of the fusion backward, per unit (restrict: these never overlap, so the loops
// vectorise without checks). The linear term of o1: dw1 += g x; dx += g w1.
static void fusion_row_linear(float *restrict dw1, float *restrict dx, float g,
                              const float *restrict x, const float *restrict w1, size_t H1) {
    for (size_t i = 0; i < H1; i++) {
        dw1[i] += g * x[i];
        dx[i] += g * w1[i];
    }
}

// The linear and bilinear terms of o2: dw2 += g y; dy += g (w2 + t); wb = g y. wb has a loop
// of its own: in one loop the compiler would share g y between wb and dw2 and add it, rounded,
// where dw2 takes a fused multiply-add (and the trained weights would change in the last bit).
static void fusion_row_bilinear(float *restrict dw2, float *restrict dy, float *restrict wb,
                                float g, const float *restrict y, const float *restrict w2,
                                const float *restrict tb, size_t H2) {
    for (size_t j = 0; j < H2; j++) {
        dw2[j] += g * y[j];
        dy[j] += g * (w2[j] + tb[j]);
    }
    for (size_t j = 0; j < H2; j++) wb[j] = g * y[j];
}

// With work = dout * O2 (row-scaled): dO1_k += work_k W_k^T and dW_k += O1_k^T work_k.
void seer_bilinear_fusion_backward(float *do1, float *do2, float *dw1, float *dw2, float *dbias,
                                   float *dW, float *work, const float *dout, const float *o1,
                                   const float *o2, const float *t, const float *w1,
                                   const float *w2, const float *W, size_t B, size_t H1,
                                   size_t H2, size_t NH, seer_precision prec) {
    size_t hx = H1 / NH, hy = H2 / NH;
    for (size_t b = 0; b < B; b++) {
        float g = dout[b];
        dbias[0] += g;
        fusion_row_linear(dw1, do1 + b * H1, g, o1 + b * H1, w1, H1);
        fusion_row_bilinear(dw2, do2 + b * H2, work + b * H2, g, o2 + b * H2, w2, t + b * H2, H2);
    }
    for (size_t k = 0; k < NH; k++) {
        const float *Wk = W + k * hx * hy;
        seer_gemm_in(prec, 0, 1, B, hx, hy, 1.0f, work + k * hy, H2, Wk, hy, 1.0f, do1 + k * hx,
                     H1);
        seer_gemm_in(prec, 1, 0, hx, hy, B, 1.0f, o1 + k * hx, H1, work + k * hy, H2, 1.0f,
                     dW + k * hx * hy, hy);
    }
}
