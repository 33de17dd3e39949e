// Softmax cross-entropy over a catalogue, full and sampled; the products through seer_gemm,
// the softmax a loop over each row (the max subtracted first, as logsumexp must).
#include "nn/softmax_ce.h"

#include <math.h>
#include <string.h>

#include "nn/gemm.h"

// exp(x) for x <= 0 in a form the compiler vectorises (libm's expf is a call an element):
// Cephes' expf, x = n ln2 + r with |r| <= ln2/2, exp(r) by its degree-7 polynomial, 2^n put
// into the exponent bits; about 1 ulp. Below -87 (and -INFINITY) it is 0, as the softmax
// of an excluded candidate must be.
static inline float exp_le0(float x) {
    float n = __builtin_floorf(x * 1.44269504f + 0.5f);
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)(n > -126.0f ? n : -126.0f) + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return x < -87.0f ? 0.0f : p * scale;
}

// The max of x (n), over integer keys that order as the floats do (a negative float's
// magnitude bits flipped): an integer max vectorises where a float compare and select does
// not without -ffast-math. -INFINITY is the least key; x holds no NaN.
static float row_max(const float *x, size_t n) {
    int32_t m = INT32_MIN;
    for (size_t j = 0; j < n; j++) {
        int32_t b;
        memcpy(&b, x + j, sizeof b);
        int32_t k = b ^ ((b >> 31) & 0x7fffffff);
        m = k > m ? k : m;
    }
    int32_t b = m ^ ((m >> 31) & 0x7fffffff);
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

// The sum in 16 lanes, so that it vectorises (a single accumulator would fix the order of
// the additions and keep the compiler from it).
#define LANES 16

// g (n) = exp(z - mx); returns their sum.
static float exp_sum(float *g, const float *z, float mx, size_t n) {
    float s[LANES] = {0};
    size_t j = 0;
    for (; j + LANES <= n; j += LANES)
        for (size_t k = 0; k < LANES; k++) {
            g[j + k] = exp_le0(z[j + k] - mx);
            s[k] += g[j + k];
        }
    float sum = 0.0f;
    for (; j < n; j++) {
        g[j] = exp_le0(z[j] - mx);
        sum += g[j];
    }
    for (size_t k = 0; k < LANES; k++) sum += s[k];
    return sum;
}

double seer_softmax_ce_rows(float *dz, const float *z, const uint32_t *t, size_t R, size_t N,
                            float scale) {
    double loss = 0.0;
    for (size_t r = 0; r < R; r++) {
        const float *zr = z + r * N;
        float *g = dz + r * N;
        float mx = row_max(zr, N), zt = zr[t[r]];
        float sum = exp_sum(g, zr, mx, N);
        loss += (double)logf(sum) + mx - zt;
        float k = scale / sum;
        for (size_t j = 0; j < N; j++) g[j] *= k;
        g[t[r]] -= scale;
    }
    return loss;
}

// The unnormalised softmax of rows z (R, N) in place, G = exp(z - max); inv (R) gets
// scale / sum. Returns the sum of the rows' losses.
static double exp_rows(float *z, float *inv, const uint32_t *t, size_t R, size_t N,
                       float scale) {
    double loss = 0.0;
    for (size_t r = 0; r < R; r++) {
        float *zr = z + r * N;
        float mx = row_max(zr, N), zt = zr[t[r]];
        float sum = exp_sum(zr, zr, mx, N);
        loss += (double)logf(sum) + mx - zt;
        inv[r] = scale / sum;
    }
    return loss;
}

size_t seer_softmax_ce_full_scratch(size_t chunk, size_t N, size_t d) {
    return chunk * N + d * N + 2 * chunk * d;
}

// With G unnormalised and inv = scale / sum, the gradient of the logits is
// diag(inv) G - scale Y (Y the targets' one-hot), so the products take the row scaling on
// their small side: dh += diag(inv) (G E) - scale E[t], dE^T += (diag(inv) h)^T G - scale ...
// and the (R, N) block is written once and read twice, never rescaled.
double seer_softmax_ce_full(float *dh, float *dE, float *scratch, const float *h, const float *E,
                            const uint32_t *t, size_t P, size_t N, size_t d, size_t chunk,
                            float scale) {
    float *G = scratch, *dEt = G + chunk * N, *tmp = dEt + d * N, *inv = tmp + chunk * d;
    double loss = 0.0;
    if (dE) memset(dEt, 0, d * N * sizeof *dEt);
    for (size_t r = 0; r < P; r += chunk) {
        size_t R = P - r < chunk ? P - r : chunk;
        const float *hr = h + r * d;
        seer_gemm(0, 1, R, N, d, 1.0f, hr, d, E, d, 0.0f, G, N);
        loss += exp_rows(G, inv, t + r, R, N, scale);
        seer_gemm(0, 0, R, d, N, 1.0f, G, N, E, d, 0.0f, tmp, d);
        for (size_t i = 0; i < R; i++) {
            float *dhi = dh + (r + i) * d, *ti = tmp + i * d;
            const float *e = E + (size_t)t[r + i] * d, *hi = hr + i * d;
            for (size_t k = 0; k < d; k++) {
                dhi[k] += inv[i] * ti[k] - scale * e[k];
                ti[k] = inv[i] * hi[k];  // now the scaled rows of h, for dE
            }
            if (dE)
                for (size_t k = 0; k < d; k++) dE[(size_t)t[r + i] * d + k] -= scale * hi[k];
        }
        // dE^T (d, N): this orientation runs at the GEMM's speed; (N, d) with K = R did not.
        if (dE) seer_gemm(1, 0, d, N, R, 1.0f, tmp, d, G, N, 1.0f, dEt, N);
    }
    if (dE)
        for (size_t j = 0; j < N; j++)
            for (size_t k = 0; k < d; k++) dE[j * d + k] += dEt[k * N + j];
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
