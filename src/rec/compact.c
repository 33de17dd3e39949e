// One user's top-K through the int8 copy of the item matrix (see compact.h).
//
// The bound. Item i's fp32 score S_i is seer_topk_dot's: the sum of u_d v_id in some order,
// then + c (the user's bias) + vb_i. Its copy is q_id = round(v_id / s_i), s_i = max|v_i| / 127,
// so |v_id - s_i q_id| <= s_i / 2 (a hair more from the rounding of v / s), and the first pass's
// A_i = s_i sum u_d q_id, + c + vb_i, differs from S_i by at most
//   s_i |u|_1 / 2                        (the copy)
//   + 2 gamma_dim 128 s_i |u|_1          (either sum's rounding, any order: gamma_n ~ n 2^-24)
//   + a few 2^-24 (|A| + |c| + |vb_i|)  (the additions)
// which e_i = s_i alpha + beta below covers with room (0.51 for 0.5; 260 dim 2^-24 for the
// sums; 2^-12 s_i |u|_1 and 2^-19 (|c| + max|vb|) for the additions; dim 2^-126 for
// underflow, a normal number: a subnormal operand costs the CPU a slow assist on every item).
// With L the K-th largest A_i - e_i over the items not excluded, an item whose A_i + e_i < L
// scores below K others in fp32 and cannot be in the answer; the rest are scored exactly, in
// increasing item order, into the same heap as seer_topk_dot's.
#include "rec/compact.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"
#include "base/error.h"

#if SEER_HAVE_AVX512_CLONES
#include <immintrin.h>
#endif

enum { LANES = SEER_COMPACT_LANES };

// Scores past this may overflow somewhere in the bound: such users are scored in fp32.
#define BOUND_MAX 1e36

static size_t padded(size_t n_items) {
    return (n_items + LANES - 1) / LANES * LANES;
}

// a (padded n_items) = s_i sum_d u_d q_id: the portable kernel, sixteen items at a time in
// the order the compiler vectorises (any order is within the bound).
static void score_c(float *a, const seer_rec_compact *c, const float *u) {
    size_t dim = c->dim, nb = padded(c->n_items) / LANES;
    for (size_t b = 0; b < nb; b++) {
        const int8_t *q = c->q + b * dim * LANES;
        float acc[2][LANES] = {{0}};
        size_t d = 0;
        for (; d + 2 <= dim; d += 2)
            for (size_t r = 0; r < 2; r++)
                for (size_t j = 0; j < LANES; j++)
                    acc[r][j] += u[d + r] * (float)q[(d + r) * LANES + j];
        for (; d < dim; d++)
            for (size_t j = 0; j < LANES; j++) acc[0][j] += u[d] * (float)q[d * LANES + j];
        for (size_t j = 0; j < LANES; j++)
            a[b * LANES + j] = (acc[0][j] + acc[1][j]) * c->scale[b * LANES + j];
    }
}

#if SEER_HAVE_AVX512_CLONES
// The same with AVX-512: a block's sixteen items are one register; four partial sums over
// the dims so that four chains of multiply-adds overlap.
SEER_TARGET_AVX512 static void score_avx512(float *a, const seer_rec_compact *c,
                                             const float *u) {
    size_t dim = c->dim, nb = padded(c->n_items) / LANES;
    for (size_t b = 0; b < nb; b++) {
        const int8_t *q = c->q + b * dim * LANES;
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        size_t d = 0;
#define LANE(s, dd)                                                                       \
    s = _mm512_fmadd_ps(                                                                  \
        _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(                                          \
            _mm_loadu_si128((const __m128i *)(q + (dd) * LANES)))),                       \
        _mm512_set1_ps(u[dd]), s)
        for (; d + 4 <= dim; d += 4) {
            LANE(s0, d);
            LANE(s1, d + 1);
            LANE(s2, d + 2);
            LANE(s3, d + 3);
        }
        for (; d < dim; d++) LANE(s0, d);
#undef LANE
        __m512 s = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
        _mm512_storeu_ps(a + b * LANES, _mm512_mul_ps(s, _mm512_loadu_ps(c->scale + b * LANES)));
    }
}
#endif

void seer_rec_compact_free(seer_rec_compact *c) {
    free(c->q);
    free(c->scale);
    memset(c, 0, sizeof *c);
}

// Every value finite and small enough that the bound's sums stay finite.
static int boundable(const float *x, size_t n, float *max_abs) {
    float m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(fabsf(x[i]) <= (float)BOUND_MAX)) return 0;
        if (fabsf(x[i]) > m) m = fabsf(x[i]);
    }
    *max_abs = m;
    return 1;
}

int seer_rec_compact_build(seer_rec_compact *c, const float *V, const float *vbias,
                           size_t n_items, size_t dim) {
    memset(c, 0, sizeof *c);
    float vmax, bmax = 0;
    if (!n_items || !dim || !boundable(V, n_items * dim, &vmax) ||
        (vbias && !boundable(vbias, n_items, &bmax)))
        return seer_errorf(SEER_EINVAL, "item matrix: a value is not finite or past %g",
                           BOUND_MAX);
    size_t np = padded(n_items);
    c->q = calloc(np * dim, 1);
    c->scale = calloc(np, sizeof *c->scale);
    if (!c->q || !c->scale) {
        seer_rec_compact_free(c);
        return seer_errorf(SEER_ENOMEM, "compact item matrix (%zu x %zu): out of memory",
                           n_items, dim);
    }
    for (size_t i = 0; i < n_items; i++) {
        const float *v = V + i * dim;
        float m = 0;
        for (size_t d = 0; d < dim; d++) m = fabsf(v[d]) > m ? fabsf(v[d]) : m;
        if (m == 0) continue;   // scale 0, q 0: A_i 0 and e_i beta, exact
        c->scale[i] = m / 127.0f;
        float inv = 127.0f / m;
        int8_t *q = c->q + (i / LANES) * dim * LANES + i % LANES;
        for (size_t d = 0; d < dim; d++) {
            float r = rintf(v[d] * inv);
            q[d * LANES] = (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
        }
    }
    c->n_items = n_items;
    c->dim = dim;
    c->vbias_max = bmax;
    c->scale_max = vmax / 127.0f;
    c->avx512 = seer_cpu_avx512();
    return SEER_OK;
}

size_t seer_rec_compact_scratch(size_t n_items) {
    return padded(n_items);
}

// x (m <= 16) = A + c + vb - e (sign -1, the lower bounds) or + e (sign 1, the upper) of the
// items from i: sixteen at a time so that the compiler vectorises it.
static void bounds(float *x, const float *a, const seer_rec_compact *c, const float *vbias,
                   size_t i, size_t m, float cu, float alpha, float beta, float sign) {
    const float *s = c->scale + i;
    a += i;
    if (vbias)
        for (size_t j = 0; j < m; j++)
            x[j] = a[j] + cu + vbias[i + j] + sign * (s[j] * alpha + beta);
    else
        for (size_t j = 0; j < m; j++) x[j] = a[j] + cu + sign * (s[j] * alpha + beta);
}

// The K-th largest lower bound over the items not excluded; -inf when fewer than k are left.
// h: k entries of scratch.
static float kth_lower(const float *a, const seer_rec_compact *c, float cu, const float *vbias,
                       float alpha, float beta, size_t k, const uint32_t *ex, size_t n_ex,
                       seer_rec_hit *h) {
    size_t n = 0;
    float least = -INFINITY, lo[LANES];
    for (size_t i = 0; i < c->n_items; i += LANES) {
        size_t m = c->n_items - i < LANES ? c->n_items - i : LANES;
        bounds(lo, a, c, vbias, i, m, cu, alpha, beta, -1.0f);
        int any = n < k;
        for (size_t j = 0; j < m; j++) any |= lo[j] > least;
        if (!any) continue;
        for (size_t j = 0; j < m; j++) {
            if (n == k && !(lo[j] > least)) continue;
            seer_topk_offer(h, &n, k, lo[j], (uint32_t)(i + j), ex, n_ex);
            if (n == k) least = h[0].score;
        }
    }
    return n == k ? least : -INFINITY;
}

// Scores exactly, into out (*n of k), every item not excluded whose upper bound reaches
// lower. 0 past cand_max such items.
static int rerank(seer_rec_hit *out, size_t *n, const float *a, const seer_rec_compact *c,
                  const float *u, float cu, const float *V, const float *vbias, float alpha,
                  float beta, float lower, size_t k, const uint32_t *ex, size_t n_ex) {
    size_t cand = 0, cand_max = c->n_items / 16 + k;
    float hi[LANES];
    for (size_t i = 0; i < c->n_items; i += LANES) {
        size_t m = c->n_items - i < LANES ? c->n_items - i : LANES;
        bounds(hi, a, c, vbias, i, m, cu, alpha, beta, 1.0f);
        int any = 0;
        for (size_t j = 0; j < m; j++) any |= hi[j] >= lower;
        if (!any) continue;
        for (size_t j = 0; j < m; j++) {
            if (hi[j] < lower) continue;
            if (++cand > cand_max) return 0;
            float s = seer_topk_score_one(u, cu, V, vbias, c->n_items, c->dim, i + j);
            seer_topk_offer(out, n, k, s, (uint32_t)(i + j), ex, n_ex);
        }
    }
    return 1;
}

int seer_rec_compact_top(const seer_rec_compact *c, seer_rec_hit *out, size_t *n_out,
                         const float *u, const float *ubias, const float *V,
                         const float *vbias, size_t k, const uint32_t *ex_item, size_t n_ex,
                         float *scratch) {
    SEER_ASSERT(c->q && k >= 1 && k <= SEER_TOPK_K_MAX);
    double l1 = 0;
    for (size_t d = 0; d < c->dim; d++) l1 += fabs((double)u[d]);
    float cu = ubias ? *ubias : 0.0f;
    // 128 s_i |u|_1 bounds |A_i|: with the biases it must stay far from overflow.
    double top = 128.0 * c->scale_max * l1 + fabs((double)cu) + c->vbias_max;
    if (!(top < BOUND_MAX)) return 0;
#if SEER_HAVE_AVX512_CLONES
    if (c->avx512) score_avx512(scratch, c, u);
    else score_c(scratch, c, u);
#else
    score_c(scratch, c, u);
#endif
    double dim = (double)c->dim;
    float alpha = (float)(l1 * (1 + 1e-6) * (0.51 + 1.0 / 4096 + 260.0 * dim * 0x1p-24));
    float beta = (float)(0x1p-19 * (fabs((double)cu) + c->vbias_max) + dim * 0x1p-126);
    // out's k entries hold the lower bounds' heap first; L is all that is kept of it.
    float lower = kth_lower(scratch, c, cu, vbias, alpha, beta, k, ex_item, n_ex, out);
    // Candidates past a sixteenth of the catalogue (scores crowded within the bound) cost more
    // than the fp32 pass they save: then the caller runs that.
    size_t n = 0;
    if (!rerank(out, &n, scratch, c, u, cu, V, vbias, alpha, beta, lower, k, ex_item, n_ex))
        return 0;
    seer_topk_sort(out, n);
    *n_out = n;
    return 1;
}
