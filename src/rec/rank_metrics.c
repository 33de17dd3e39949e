// Ranking metrics (see rank_metrics.h).
#include "rec/rank_metrics.h"

#include <math.h>
#include <string.h>

#include "base/search.h"
const size_t seer_rank_cutoffs[SEER_RANK_CUTOFFS] = {5, 10, 20};

void seer_rank_metrics_of(seer_rank_metrics *out, const seer_rec_hit *top, size_t n_top,
                          const uint32_t *rel, size_t n_rel) {
    memset(out, 0, sizeof *out);
    for (int c = 0; c < SEER_RANK_CUTOFFS; c++) {
        size_t K = seer_rank_cutoffs[c], ideal = n_rel < K ? n_rel : K, hits = 0;
        double dcg = 0, idcg = 0;
        for (size_t r = 0; r < K && r < n_top; r++)
            if (seer_sorted_holds(rel, n_rel, top[r].item)) {
                hits++;
                dcg += 1.0 / log2((double)r + 2.0);
            }
        for (size_t r = 0; r < ideal; r++) idcg += 1.0 / log2((double)r + 2.0);
        out->ndcg[c] = idcg > 0 ? dcg / idcg : 0;
        out->recall[c] = ideal ? (double)hits / (double)ideal : 0;
        out->hr[c] = hits > 0;
    }
}

double seer_rank_rr(const float *scores, size_t n_items, const uint32_t *rel, size_t n_rel,
                    const uint32_t *ex, size_t n_ex) {
    long best = -1;
    for (size_t j = 0; j < n_rel; j++) {
        uint32_t i = rel[j];
        if (i >= n_items || seer_sorted_holds(ex, n_ex, i) || scores[i] != scores[i]) continue;
        if (best < 0 || scores[i] > scores[best] || (scores[i] == scores[best] && i < (size_t)best))
            best = (long)i;
    }
    if (best < 0) return 0;
    float s = scores[best];
    size_t above = 0;
    for (size_t i = 0; i < n_items; i++)
        if ((scores[i] > s || (scores[i] == s && i < (size_t)best)) &&
            !seer_sorted_holds(ex, n_ex, (uint32_t)i))
            above++;
    return 1.0 / (double)(above + 1);
}

void seer_rank_metrics_add(seer_rank_metrics *a, const seer_rank_metrics *b) {
    for (int c = 0; c < SEER_RANK_CUTOFFS; c++) {
        a->ndcg[c] += b->ndcg[c];
        a->recall[c] += b->recall[c];
        a->hr[c] += b->hr[c];
    }
    a->rr += b->rr;
}
