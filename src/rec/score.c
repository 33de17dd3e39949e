// Scoring users against the catalogue (see score.h): dot-product kinds through their user
// vectors and the item matrix, the others through score_items; popularity when nothing
// describes the user.
#include "rec/score.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "nn/gemm.h"

int seer_rec_can_score(const seer_rec_model *m, const seer_rec_query *q) {
    if (q->user >= 0) return 1;
    if (!q->n_recent && !q->n_feat) return 0;
    // pop answers every query the same; ease needs items; vector kinds say through their data.
    if (m->kind == SEER_REC_POP) return 0;
    if (m->kind == SEER_REC_EASE || m->kind == SEER_REC_MF || m->kind == SEER_REC_ITEMKNN)
        return q->n_recent > 0;
    return 1;
}

void seer_rec_score_users(const seer_rec_model *m, const seer_rec_query *q, size_t n,
                          float *scores, float *uvec) {
    SEER_ASSERT(n <= SEER_TOPK_USERS);
    if (!m->ops->user_vector) {
        for (size_t u = 0; u < n; u++) m->ops->score_items(m, &q[u], scores + u * m->n_items);
        return;
    }
    size_t d = m->dim;
    float *bias = uvec + n * d;
    for (size_t u = 0; u < n; u++) m->ops->user_vector(m, &q[u], uvec + u * d, &bias[u]);
    seer_gemm(0, 1, n, m->n_items, d, 1.0f, uvec, d, m->item_vec, d, 0.0f, scores, m->n_items);
    for (size_t u = 0; u < n; u++) {
        float *s = scores + u * m->n_items;
        for (size_t i = 0; i < m->n_items; i++)
            s[i] += bias[u] + (m->item_bias ? m->item_bias[i] : 0.0f);
    }
}

// The fp32 path's scratch (a block of scores, then the user vector), then the int8 copy's.
static size_t fp32_scratch(const seer_rec_model *m) {
    size_t a = SEER_TOPK_BLOCK + SEER_REC_DIM_MAX + 1;
    return m->n_items > a ? m->n_items : a;
}

size_t seer_rec_top_scratch(const seer_rec_model *m) {
    return fp32_scratch(m) + (m->compact.q ? seer_rec_compact_scratch(m->n_items) : 0);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

void seer_rec_top(const seer_rec_model *m, const seer_rec_query *q, size_t k, int include_seen,
                  seer_rec_hit *out, size_t *n, int *from_pop, float *scratch, uint32_t *seen) {
    const uint32_t *ex = NULL;
    size_t n_ex = 0;
    if (!include_seen && q->user >= 0) ex = seer_rec_seen(m, (uint32_t)q->user, &n_ex);
    if (!include_seen && q->exclude) {
        ex = q->exclude;
        n_ex = q->n_exclude;
    }
    if (!include_seen && q->user < 0 && q->n_recent) {
        memcpy(seen, q->recent, q->n_recent * sizeof *seen);
        qsort(seen, q->n_recent, sizeof *seen, cmp_u32);
        ex = seen;
        n_ex = q->n_recent;
    }
    *from_pop = !seer_rec_can_score(m, q);
    if (*from_pop || !m->ops->user_vector) {
        if (*from_pop) memcpy(scratch, m->pop, m->n_items * sizeof *scratch);
        else m->ops->score_items(m, q, scratch);
        *n = seer_topk_scores(out, scratch, m->n_items, k, ex, n_ex);
        return;
    }
    float *u = scratch + SEER_TOPK_BLOCK, bias = 0;
    m->ops->user_vector(m, q, u, &bias);
    if (m->compact.q && seer_rec_compact_top(&m->compact, out, n, u, &bias, m->item_vec,
                                             m->item_bias, k, ex, n_ex,
                                             scratch + fp32_scratch(m)))
        return;
    uint64_t off[2] = {0, n_ex};
    seer_topk_exclude e = {off, ex};
    seer_topk_dot(out, n, u, &bias, 1, m->item_vec, m->item_bias, m->n_items, m->dim, k,
                  ex ? &e : NULL, scratch);
}
