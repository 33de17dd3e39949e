// The towers of two-tower retrieval; see tower.h.
#include "rec/tower.h"

#include <string.h>

#include "nn/layers.h"

size_t seer_rec_tower_size(size_t in, size_t H, size_t out) {
    return H ? H * in + H + out * H + out : out * in + out;
}

void seer_rec_tower_view(seer_rec_tower *t, float *block, size_t in, size_t H, size_t out) {
    t->in = in;
    t->H = H;
    t->out = out;
    size_t n1 = H ? H : out;
    t->w1 = block;
    t->b1 = block + n1 * in;
    t->w2 = H ? t->b1 + H : NULL;
    t->b2 = H ? t->w2 + out * H : NULL;
}

void seer_rec_tower_forward(const seer_rec_tower *t, float *y, float *h, const float *x, size_t B) {
    if (!t->H) {
        seer_linear_forward(y, x, t->w1, t->b1, B, t->in, t->out, SEER_PRECISION_FP32);
        return;
    }
    seer_linear_forward(h, x, t->w1, t->b1, B, t->in, t->H, SEER_PRECISION_FP32);
    seer_relu_forward(h, h, B * t->H);
    seer_linear_forward(y, h, t->w2, t->b2, B, t->H, t->out, SEER_PRECISION_FP32);
}

void seer_rec_tower_backward(const seer_rec_tower *t, const seer_rec_tower *g, float *dx, float *dz,
                         const float *dy, const float *h, const float *x, size_t B) {
    if (!t->H) {
        seer_linear_backward(dx, g->w1, g->b1, dy, x, t->w1, B, t->in, t->out,
                             SEER_PRECISION_FP32);
        return;
    }
    memset(dz, 0, B * t->H * sizeof *dz);
    float *dh = dz;  // the hidden output's gradient, then the ReLU's input's, in place
    seer_linear_backward(dh, g->w2, g->b2, dy, h, t->w2, B, t->H, t->out,
                         SEER_PRECISION_FP32);
    for (size_t k = 0; k < B * t->H; k++) dz[k] = h[k] > 0.0f ? dh[k] : 0.0f;
    seer_linear_backward(dx, g->w1, g->b1, dz, x, t->w1, B, t->in, t->H, SEER_PRECISION_FP32);
}

// y (n_out) = w (n_out, n_in) x + b.
static void matvec(float *y, const float *w, const float *b, const float *x, size_t n_in,
                   size_t n_out) {
    for (size_t o = 0; o < n_out; o++) {
        const float *wo = w + o * n_in;
        float s = 0.0f;
        for (size_t k = 0; k < n_in; k++) s += wo[k] * x[k];
        y[o] = s + b[o];
    }
}

void seer_rec_tower_forward_one(const seer_rec_tower *t, float *y, float *h, const float *x) {
    if (!t->H) {
        matvec(y, t->w1, t->b1, x, t->in, t->out);
        return;
    }
    matvec(h, t->w1, t->b1, x, t->in, t->H);
    for (size_t k = 0; k < t->H; k++) h[k] = h[k] > 0.0f ? h[k] : 0.0f;
    matvec(y, t->w2, t->b2, h, t->H, t->out);
}

void seer_rec_tower_adam(const seer_rec_tower *w, const seer_rec_tower *g, const seer_rec_tower *m,
                     const seer_rec_tower *v, const seer_adam_config *c, long k) {
    // The four arrays are contiguous in every tower (seer_rec_tower_view), so one step covers them.
    seer_adam_step(w->w1, m->w1, v->w1, g->w1, seer_rec_tower_size(w->in, w->H, w->out), c, k, NULL);
}
