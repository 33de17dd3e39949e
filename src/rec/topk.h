// Top-K over the whole catalogue: the K items of highest score for each user, seen items left
// out. Scores of dot-product models come from one blocked GEMM (nn/gemm.h) of a batch of user
// vectors (n, dim) by the item matrix (n_items, dim)^T, an item block at a time so the
// products stay in cache; each user keeps a bounded min-heap of K entries, and an item enters
// only when it beats the heap's least, so the exclusion list (sorted) is searched rarely.
// Order: higher score first, ties by lower item index.
#ifndef SEER_REC_TOPK_H
#define SEER_REC_TOPK_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t item;
    float score;
} seer_rec_hit;

// Items per block of the GEMM: (users x SEER_TOPK_BLOCK) floats of scratch.
#define SEER_TOPK_BLOCK 2048
// The most users scored in one call of seer_topk_dot.
#define SEER_TOPK_USERS 64
// The most K.
#define SEER_TOPK_K_MAX 10000

// The exclusion lists of n users: user u excludes ex_item[ex_off[u] .. ex_off[u + 1]), sorted
// ascending. ex_off NULL: nothing excluded.
typedef struct {
    const uint64_t *ex_off;    // (n + 1)
    const uint32_t *ex_item;
} seer_topk_exclude;

// out (n, k): each user's top k, best first; n_out (n) how many it found (< k only when the
// catalogue minus exclusions is smaller). U (n, dim), ubias (n) or NULL, V (n_items, dim),
// vbias (n_items) or NULL; n <= SEER_TOPK_USERS. scratch: SEER_TOPK_USERS * SEER_TOPK_BLOCK
// floats. Allocates nothing. One user (n 1) is scored by dot products, not the GEMM, so that
// its scores are the same bits on any thread count and beside any other user.
void seer_topk_dot(seer_rec_hit *out, size_t *n_out, const float *U, const float *ubias,
                   size_t n, const float *V, const float *vbias, size_t n_items, size_t dim,
                   size_t k, const seer_topk_exclude *ex, float *scratch);
// The top k of one user's scores (n_items), excluding ex_item[0, n_ex) (sorted); returns the
// count found.
size_t seer_topk_scores(seer_rec_hit *out, const float *scores, size_t n_items, size_t k,
                        const uint32_t *ex_item, size_t n_ex);

// The score seer_topk_dot gives item i of V for one user (n 1) u with bias ubias (0: none):
// the same bits, for re-ranking candidates found another way (rec/compact.c).
float seer_topk_score_one(const float *u, float ubias, const float *V, const float *vbias,
                          size_t n_items, size_t dim, size_t i);
// Offers (item, score) to the heap h (*n of k) as seer_topk_dot does: items must come in
// increasing order; an excluded item (ex_item sorted) or a NaN score never enters.
void seer_topk_offer(seer_rec_hit *h, size_t *n, size_t k, float score, uint32_t item,
                     const uint32_t *ex_item, size_t n_ex);
// The heap h (n) best first.
void seer_topk_sort(seer_rec_hit *h, size_t n);

#endif
