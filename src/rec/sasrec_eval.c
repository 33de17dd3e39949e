// SASRec's leave-one-out evaluation (the protocol is in sasrec_train.h): each user's input
// packed, the network's forward without dropout, the last row's state of each sequence times
// the whole item table in one GEMM a batch, and the target's rank counted.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "nn/gemm.h"
#include "rec/sasrec_train.h"

// Packs the inputs s[..len-cut) (last L) of users first .. first+n with len >= 3; the
// targets s[len-cut] into target (one per sequence). Returns the sequences packed.
static size_t pack_eval(seer_sasrec_work *w, uint32_t *target, const uint64_t *off,
                        const uint32_t *items, size_t first, size_t n, size_t L, int cut) {
    size_t S = 0, T = 0;
    w->off[0] = 0;
    for (size_t u = first; u < first + n; u++) {
        const uint32_t *s = items + off[u];
        size_t len = off[u + 1] - off[u];
        if (len < 3) continue;
        size_t m = len - (size_t)cut, start = m > L ? m - L : 0;
        for (size_t k = start; k < m; k++) w->item[T++] = s[k];
        target[S] = s[m];
        w->off[++S] = (uint32_t)T;
    }
    return S;
}

// Adds the batch's hits: H (S, d) the last rows' states, scores (S, n_items) scratch.
static void rank_batch(double *hr, double *ndcg, const float *H, const float *item, float *sc,
                       const uint32_t *target, size_t S, size_t N, size_t d) {
    static const size_t K[SEER_SASREC_CUTOFFS] = {5, 10, 20};
    seer_gemm(0, 1, S, N, d, 1.0f, H, d, item, d, 0.0f, sc, N);
    for (size_t s = 0; s < S; s++) {
        const float *row = sc + s * N;
        float st = row[target[s]];
        size_t rank = 0;
        for (size_t j = 0; j < N; j++) rank += row[j] > st;
        for (int k = 0; k < SEER_SASREC_CUTOFFS; k++)
            if (rank < K[k]) {
                hr[k] += 1.0;
                ndcg[k] += 1.0 / log2((double)rank + 2.0);
            }
    }
}

long seer_sasrec_evaluate(const float *item, const float *rest, const seer_sasrec_config *c,
                          const uint64_t *off, const uint32_t *items, size_t n_users, int cut,
                          size_t batch, double *hr, double *ndcg) {
    seer_sasrec_params p;
    seer_sasrec_bind(&p, (float *)item, (float *)rest, c);
    seer_sasrec_work w;
    int rc = seer_sasrec_work_init(&w, c, batch, 0);
    if (rc != SEER_OK) return rc;
    size_t d = c->dim, N = c->n_items;
    float *sc = malloc(batch * N * sizeof *sc), *H = malloc(batch * d * sizeof *H);
    uint32_t *target = malloc(batch * sizeof *target);
    if (!sc || !H || !target) {
        rc = seer_errorf(SEER_ENOMEM, "sasrec: out of memory for the evaluation");
        goto done;
    }
    memset(hr, 0, SEER_SASREC_CUTOFFS * sizeof *hr);
    memset(ndcg, 0, SEER_SASREC_CUTOFFS * sizeof *ndcg);
    long users = 0;
    for (size_t u = 0; u < n_users; u += batch) {
        size_t S = pack_eval(&w, target, off, items, u, n_users - u < batch ? n_users - u : batch,
                             c->maxlen, cut);
        if (!S) continue;
        seer_sasrec_forward(&p, c, &w, S, NULL);
        for (size_t s = 0; s < S; s++) memcpy(H + s * d, w.h + (w.off[s + 1] - 1) * d, d * 4);
        rank_batch(hr, ndcg, H, item, sc, target, S, N, d);
        users += (long)S;
    }
    for (int k = 0; k < SEER_SASREC_CUTOFFS && users; k++) {
        hr[k] /= (double)users;
        ndcg[k] /= (double)users;
    }
    rc = (int)users;
done:
    free(sc);
    free(H);
    free(target);
    seer_sasrec_work_free(&w);
    return rc;
}
