// Ranking metrics of one user's full ranking, as the issue and bench/ease_ml100k.py define
// them: binary relevance; NDCG@K = DCG@K / IDCG over min(|relevant|, K) positions, with
// DCG = sum 1/log2(rank + 1) over hits (rank from 1); recall@K = hits@K / min(|relevant|, K);
// HR@K = 1 with a hit in the top K; RR = 1 / rank of the first relevant item over the whole
// ranking (0 when none can be ranked). Excluded items are not ranked; relevant items the
// model cannot rank (unknown to it, or excluded) still count in |relevant|.
#ifndef SEER_REC_RANK_METRICS_H
#define SEER_REC_RANK_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "rec/topk.h"

#define SEER_RANK_CUTOFFS 3
extern const size_t seer_rank_cutoffs[SEER_RANK_CUTOFFS];   // 5, 10, 20

typedef struct {
    double ndcg[SEER_RANK_CUTOFFS], recall[SEER_RANK_CUTOFFS], hr[SEER_RANK_CUTOFFS];
    double rr;
} seer_rank_metrics;

// The metrics of a ranked list top (n_top, best first, at least min(20, rankable) long) for
// the relevant items rel (n_rel, sorted, distinct).
void seer_rank_metrics_of(seer_rank_metrics *out, const seer_rec_hit *top, size_t n_top,
                          const uint32_t *rel, size_t n_rel);
// The reciprocal rank of the best-scored relevant item among scores (n_items), excluded
// items (ex, sorted) not ranked; ties ordered by item as top-K orders them.
double seer_rank_rr(const float *scores, size_t n_items, const uint32_t *rel, size_t n_rel,
                    const uint32_t *ex, size_t n_ex);
// Adds b into a (sums over users).
void seer_rank_metrics_add(seer_rank_metrics *a, const seer_rank_metrics *b);

#endif
