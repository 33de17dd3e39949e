// ItemKNN: item-item cosine neighbours, the classic neighbourhood baseline (as
// bench/ease_ml100k.py computes it). X is binary (a user did or did not interact with an
// item); the similarity of items i and j is
//   sim(i, j) = |users(i) & users(j)| / (sqrt(|users(i)|) sqrt(|users(j)|) + shrink)
// (shrink, --reg, pulls pairs seen together by few users towards 0; default 0). Each target
// item j keeps its N nearest items (--dim, default 100; ties to the lower item), and a user's
// score of j is the sum of sim(i, j) over the user's items i among j's neighbours, the
// reference's X C with C's columns cut to their N largest.
//
// Kept sparse as two (n_items, N) parameters: "knn_item" (the neighbours' indices, exact in
// a float below 2^24) and "knn_sim"; a slot past an item's neighbours holds the item itself
// with similarity 0.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "rec/model.h"

typedef struct {
    uint32_t item;
    float sim;
} neighbour;

// Better first: the higher similarity, then the lower item.
static int cmp_neighbour(const void *pa, const void *pb) {
    const neighbour *a = pa, *b = pb;
    if (a->sim != b->sim) return a->sim > b->sim ? -1 : 1;
    return (a->item > b->item) - (a->item < b->item);
}

// Each item's users, CSR (off n_items + 1), from the users' distinct items.
static int item_users(const seer_rec_model *m, uint64_t **off, uint32_t **users) {
    size_t n = m->n_items, nnz = (size_t)m->seen_off[m->n_users];
    *off = calloc(n + 1, sizeof **off);
    *users = malloc((nnz ? nnz : 1) * sizeof **users);
    if (!*off || !*users) return seer_errorf(SEER_ENOMEM, "itemknn: out of memory");
    for (size_t k = 0; k < nnz; k++) (*off)[m->seen_sorted[k] + 1]++;
    for (size_t i = 0; i < n; i++) (*off)[i + 1] += (*off)[i];
    uint64_t *at = malloc((n ? n : 1) * sizeof *at);
    if (!at) return seer_errorf(SEER_ENOMEM, "itemknn: out of memory");
    memcpy(at, *off, n * sizeof *at);
    for (size_t u = 0; u < m->n_users; u++) {
        size_t k;
        const uint32_t *s = seer_rec_seen(m, (uint32_t)u, &k);
        for (size_t a = 0; a < k; a++) (*users)[at[s[a]]++] = (uint32_t)u;
    }
    free(at);
    return SEER_OK;
}

// Item j's neighbours into item/sim (N each): co-occurrence counts through j's users (cnt,
// n_items, zero on entry and on return), cosine with shrink, the N best.
static void neighbours_of(size_t j, const seer_rec_model *m, const uint64_t *off,
                          const uint32_t *users, double shrink, size_t N, float *cnt,
                          neighbour *cand, float *item, float *sim) {
    size_t nc = 0;
    for (uint64_t a = off[j]; a < off[j + 1]; a++) {
        size_t k;
        const uint32_t *s = seer_rec_seen(m, users[a], &k);
        for (size_t b = 0; b < k; b++) {
            if (s[b] != j && cnt[s[b]] == 0) cand[nc++].item = s[b];
            if (s[b] != j) cnt[s[b]] += 1;
        }
    }
    double nj = sqrt((double)(off[j + 1] - off[j]));
    for (size_t c = 0; c < nc; c++) {
        uint32_t i = cand[c].item;
        double ni = sqrt((double)(off[i + 1] - off[i]));
        cand[c].sim = (float)(cnt[i] / (ni * nj + shrink));
        cnt[i] = 0;
    }
    size_t keep = nc < N ? nc : N;
    qsort(cand, nc, sizeof *cand, cmp_neighbour);
    for (size_t c = 0; c < N; c++) {
        item[c] = (float)(c < keep ? cand[c].item : j);
        sim[c] = c < keep ? cand[c].sim : 0.0f;
    }
}

static int itemknn_train(seer_rec_model *m, const seer_rec_data *d,
                         const seer_rec_train_options *o, seer_rec_train_report *r) {
    size_t n = m->n_items, N = o->dim;
    if (n >= (1u << 24))
        return seer_errorf(SEER_EINVAL, "itemknn: %zu items, more than its limit of %u", n,
                           1u << 24);
    double shrink = o->reg == SEER_AUTO_REAL ? 0.0 : (double)o->reg;
    float *item = seer_rec_param_new(m, "knn_item", n, N);
    float *sim = item ? seer_rec_param_new(m, "knn_sim", n, N) : NULL;
    if (!sim) return SEER_ENOMEM;
    uint64_t *off = NULL;
    uint32_t *users = NULL;
    float *cnt = calloc(n ? n : 1, sizeof *cnt);
    neighbour *cand = malloc((n ? n : 1) * sizeof *cand);
    int rc = cnt && cand ? item_users(m, &off, &users)
                         : seer_errorf(SEER_ENOMEM, "itemknn: out of memory");
    for (size_t j = 0; rc == SEER_OK && j < n; j++)
        neighbours_of(j, m, off, users, shrink, N, cnt, cand, item + j * N, sim + j * N);
    free(off);
    free(users);
    free(cnt);
    free(cand);
    seer_rec_setting_set(m, "neighbours", (double)N);
    seer_rec_setting_set(m, "shrink", shrink);
    seer_rec_setting_set(m, "reg", shrink);   // what seer train reports
    r->epochs = 0;
    return rc;
}

// scores (n_items): for each item j, the similarities of j's neighbours the user has. The
// user's items are marked in scores itself, as -0.0 (others +0.0), and each score keeps its
// item's mark as its sign while the others are summed (similarities are >= 0, so a sum is
// too); the marks are cleared at the end. A known user's items are its distinct training
// items, else the recent ones given.
static void itemknn_scores(const seer_rec_model *m, const seer_rec_query *q, float *scores) {
    size_t n = m->n_items, N, k;
    const float *item = seer_rec_param_get(m, "knn_item", NULL, &N);
    const float *sim = seer_rec_param_get(m, "knn_sim", NULL, NULL);
    const uint32_t *mine = q->user >= 0 ? seer_rec_seen(m, (uint32_t)q->user, &k) : q->recent;
    if (q->user < 0) k = q->n_recent;
    for (size_t j = 0; j < n; j++) scores[j] = 0.0f;
    for (size_t a = 0; a < k; a++) scores[mine[a]] = -0.0f;
    for (size_t j = 0; j < n; j++) {
        const float *it = item + j * N, *si = sim + j * N;
        float s = 0;
        for (size_t c = 0; c < N; c++)
            if (signbit(scores[(int32_t)it[c]])) s += si[c];
        scores[j] = copysignf(s, scores[j]);
    }
    for (size_t j = 0; j < n; j++) scores[j] = fabsf(scores[j]);
}

static int itemknn_prepare(seer_rec_model *m) {
    size_t rows, cols, srows, scols;
    const float *item = seer_rec_param_get(m, "knn_item", &rows, &cols);
    const float *sim = seer_rec_param_get(m, "knn_sim", &srows, &scols);
    if (!item || !sim || rows != m->n_items || srows != rows || scols != cols || cols == 0)
        return seer_errorf(SEER_EDATA, "itemknn: no neighbour lists of %zu items", m->n_items);
    for (size_t k = 0; k < rows * cols; k++) {
        float i = item[k];
        if (!(i >= 0 && i < (float)m->n_items && i == floorf(i)) || !(sim[k] >= 0) ||
            isinf(sim[k]))
            return seer_errorf(SEER_EDATA, "itemknn: neighbour %zu of item %zu: item %g, "
                               "similarity %g", k % cols, k / cols, (double)i, (double)sim[k]);
    }
    return SEER_OK;
}

const seer_rec_ops seer_rec_itemknn_ops = {
    .kind = SEER_REC_ITEMKNN,
    .reg_grid = NULL,
    .train = itemknn_train,
    .score_items = itemknn_scores,
    .prepare = itemknn_prepare,
};
