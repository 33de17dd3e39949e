// Top-K over the catalogue (see topk.h): a bounded min-heap per user whose root is the worst
// kept entry, fed from blocks of GEMM scores.
#include "rec/topk.h"

#include <math.h>
#include <stdlib.h>

#include "base/error.h"
#include "base/search.h"
#include "nn/gemm.h"

// a is worse than b: a lower score, or the same score and a higher item.
static int worse(seer_rec_hit a, seer_rec_hit b) {
    return a.score < b.score || (a.score == b.score && a.item > b.item);
}

static void sift_down(seer_rec_hit *h, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && worse(h[l], h[w])) w = l;
        if (r < n && worse(h[r], h[w])) w = r;
        if (w == i) return;
        seer_rec_hit t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

static void sift_up(seer_rec_hit *h, size_t i) {
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(h[i], h[p])) return;
        seer_rec_hit t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

// Best first: repeatedly move the worst to the end.
static void heap_sort(seer_rec_hit *h, size_t n) {
    for (size_t m = n; m > 1; m--) {
        seer_rec_hit t = h[0];
        h[0] = h[m - 1];
        h[m - 1] = t;
        sift_down(h, m - 1, 0);
    }
}

// s (n_items) = V (n_items, dim) u (dim): one user alone, without the GEMM, so that its scores
// do not depend on the thread count or on the other users of a batch (the CLI and the server
// give the same bits). Each item's sum is eight partial sums in one vector register, reduced
// pairwise; four items at once, so that four chains of multiply-adds overlap.
static float reduce8(const float *a) {
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

// Four items' sums (s[0..4)) of the rows v (4, dim) by u, and one item's: the same arithmetic
// per item, kept as two functions so that seer_topk_score_one repeats the very code a score
// came from (the same bits, whatever the compiler made of each).
static void dot4(float *s, const float *u, const float *v, size_t dim) {
    size_t d8 = dim / 8 * 8;
    float acc[4][8] = {{0}};
    for (size_t d = 0; d < d8; d += 8)
        for (size_t j = 0; j < 4; j++)
            for (size_t l = 0; l < 8; l++) acc[j][l] += u[d + l] * v[j * dim + d + l];
    for (size_t j = 0; j < 4; j++) {
        float t = reduce8(acc[j]);
        for (size_t d = d8; d < dim; d++) t += u[d] * v[j * dim + d];
        s[j] = t;
    }
}

static float dot1(const float *u, const float *v, size_t dim) {
    size_t d8 = dim / 8 * 8;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t d = 0; d < d8; d += 8)
        for (size_t l = 0; l < 8; l++) acc[l] += u[d + l] * v[d + l];
    float t = reduce8(acc);
    for (size_t d = d8; d < dim; d++) t += u[d] * v[d];
    return t;
}

// Blocks start at multiples of SEER_TOPK_BLOCK (a multiple of 4), so an item's sum comes from
// dot4 exactly when its group of four lies whole inside the catalogue.
static void dot_all(float *s, const float *u, const float *V, size_t n_items, size_t dim) {
    size_t i = 0;
    for (; i + 4 <= n_items; i += 4) dot4(s + i, u, V + i * dim, dim);
    for (; i < n_items; i++) s[i] = dot1(u, V + i * dim, dim);
}

// Offers the block s (nb scores of items b ..) to the heap h (*n of k): the heap's least is
// kept in a register and an item enters only when it scores above it (an equal score never
// does: the items come in increasing order, and ties go to the lower item).
static void scan(seer_rec_hit *h, size_t *n, size_t k, const float *s, size_t nb, size_t b,
                 const uint32_t *ex, size_t n_ex) {
    float least = *n == k ? h[0].score : -INFINITY;
    for (size_t j = 0; j < nb; j++) {
        // Sixteen at a time while the heap is full: most blocks hold nothing above its least.
        if (*n == k && (j & 15) == 0 && j + 16 <= nb) {
            int any = 0;
            for (size_t l = 0; l < 16; l++) any |= s[j + l] > least;
            if (!any) {
                j += 15;
                continue;
            }
        }
        float v = s[j];
        if ((*n == k && !(v > least)) || v != v) continue;
        uint32_t item = (uint32_t)(b + j);
        if (n_ex && seer_sorted_holds(ex, n_ex, item)) continue;
        seer_rec_hit c = {item, v};
        if (*n < k) {
            h[*n] = c;
            sift_up(h, (*n)++);
        } else {
            h[0] = c;
            sift_down(h, k, 0);
        }
        if (*n == k) least = h[0].score;
    }
}

void seer_topk_dot(seer_rec_hit *out, size_t *n_out, const float *U, const float *ubias,
                   size_t n, const float *V, const float *vbias, size_t n_items, size_t dim,
                   size_t k, const seer_topk_exclude *ex, float *scratch) {
    SEER_ASSERT(n <= SEER_TOPK_USERS && k >= 1 && k <= SEER_TOPK_K_MAX && dim > 0);
    for (size_t u = 0; u < n; u++) n_out[u] = 0;
    for (size_t b = 0; b < n_items; b += SEER_TOPK_BLOCK) {
        size_t nb = n_items - b < SEER_TOPK_BLOCK ? n_items - b : SEER_TOPK_BLOCK;
        // scratch (n, nb) = U (n, dim) x V[b .. b + nb)^T
        if (n == 1) dot_all(scratch, U, V + b * dim, nb, dim);
        else seer_gemm(0, 1, n, nb, dim, 1.0f, U, dim, V + b * dim, dim, 0.0f, scratch, nb);
        for (size_t u = 0; u < n; u++) {
            const uint32_t *e = ex && ex->ex_off ? ex->ex_item + ex->ex_off[u] : NULL;
            size_t n_ex = e ? (size_t)(ex->ex_off[u + 1] - ex->ex_off[u]) : 0;
            float *s = scratch + u * nb, c = ubias ? ubias[u] : 0.0f;
            if (vbias)
                for (size_t j = 0; j < nb; j++) s[j] = s[j] + c + vbias[b + j];
            else if (c != 0.0f)
                for (size_t j = 0; j < nb; j++) s[j] = s[j] + c;
            scan(out + u * k, &n_out[u], k, s, nb, b, e, n_ex);
        }
    }
    for (size_t u = 0; u < n; u++) heap_sort(out + u * k, n_out[u]);
}

float seer_topk_score_one(const float *u, float ubias, const float *V, const float *vbias,
                          size_t n_items, size_t dim, size_t i) {
    float t;
    size_t g = i / 4 * 4;
    if (g + 4 <= n_items) {
        float s[4];
        dot4(s, u, V + g * dim, dim);
        t = s[i - g];
    } else {
        t = dot1(u, V + i * dim, dim);
    }
    // As seer_topk_dot adds the biases.
    if (vbias) return t + ubias + vbias[i];
    return ubias != 0.0f ? t + ubias : t;
}

void seer_topk_offer(seer_rec_hit *h, size_t *n, size_t k, float score, uint32_t item,
                     const uint32_t *ex_item, size_t n_ex) {
    scan(h, n, k, &score, 1, item, ex_item, n_ex);
}

void seer_topk_sort(seer_rec_hit *h, size_t n) {
    heap_sort(h, n);
}

size_t seer_topk_scores(seer_rec_hit *out, const float *scores, size_t n_items, size_t k,
                        const uint32_t *ex_item, size_t n_ex) {
    size_t n = 0;
    scan(out, &n, k, scores, n_items, 0, ex_item, n_ex);
    heap_sort(out, n);
    return n;
}
