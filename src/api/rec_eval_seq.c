// seer eval of a next-item model (sasrec) on a `--format seq` file: leave-one-out on the
// file's own sequences, as training's test (rec/sasrec_train.h): each user's last item is
// ranked over the whole catalogue, nothing excluded, after the latest maxlen items before it.
// Users with at least 3 items count, as in training; items the model does not know are
// dropped from the inputs, and a user whose target is unknown, or with fewer than two known
// items before it, counts as a miss (its sequence cannot be scored as training scores one).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "data/interactions.h"
#include "data/sequences.h"
#include "rec/recommender.h"
#include "rec/sasrec_train.h"
#include "api/rec_eval_seq.h"

#define EVAL_BATCH 128

// The network's settings as sasrec_ops.c reads them from the model.
static void config_of(const seer_rec_model *m, seer_sasrec_config *c) {
    c->n_items = m->n_items;
    c->dim = m->dim;
    c->maxlen = (size_t)seer_rec_setting_get(m, "maxlen", 0);
    c->blocks = (size_t)seer_rec_setting_get(m, "blocks", 0);
    c->heads = (size_t)seer_rec_setting_get(m, "heads", 0);
    c->dropout = (float)seer_rec_setting_get(m, "dropout", 0);
}

// The scorable users' sequences (known inputs, then the known target) into off/out; *users
// gets the users with 3 items or more, *scored those written.
static void keep_known(const uint64_t *off, const uint32_t *seq, size_t n_users, size_t n_items,
                       uint64_t *o_off, uint32_t *out, size_t *users, size_t *scored) {
    size_t n = 0, s = 0;
    o_off[0] = 0;
    *users = 0;
    for (size_t u = 0; u < n_users; u++) {
        size_t len = off[u + 1] - off[u];
        if (len < 3) continue;
        (*users)++;
        const uint32_t *x = seq + off[u];
        if (x[len - 1] >= n_items) continue;   // a target never scored: a miss
        size_t start = n;
        for (size_t k = 0; k + 1 < len; k++)
            if (x[k] < n_items) out[n++] = x[k];
        if (n - start < 2) {                   // too short to score: a miss
            n = start;
            continue;
        }
        out[n++] = x[len - 1];
        o_off[++s] = n;
    }
    *scored = s;
}

int seer_rec_eval_seq(const seer_rec_model *m, const seer_rec_eval_options *o,
                      seer_rec_eval_report *out) {
    if (m->kind != SEER_REC_SASREC)
        return seer_errorf(SEER_EINVAL, "--format seq evaluates next-item models (sasrec); this "
                           "model is %s", seer_rec_kind_names[m->kind]);
    seer_idmap users, items;
    seer_idmap_init(&users);
    int rc = seer_idmap_copy(&items, &m->items);
    seer_interactions x;
    memset(&x, 0, sizeof x);
    uint64_t *off = NULL, *k_off = NULL;
    uint32_t *seq = NULL, *kept = NULL;
    if (rc == SEER_OK) rc = seer_sequences_read(&x, o->path, o->skip_bad_rows, &users, &items);
    if (rc == SEER_OK) rc = seer_sequences_csr(&x, users.n, &off, &seq);
    if (rc == SEER_OK) {
        k_off = malloc((users.n + 1) * sizeof *k_off);
        kept = malloc((x.n + 1) * sizeof *kept);
        if (!k_off || !kept) rc = seer_errorf(SEER_ENOMEM, "out of memory");
    }
    size_t evaluated = 0, scored = 0;
    double hr[SEER_SASREC_CUTOFFS] = {0}, ndcg[SEER_SASREC_CUTOFFS] = {0};
    if (rc == SEER_OK) {
        out->interactions = x.n;
        out->skipped = x.skipped;
        for (size_t i = 0; i < x.n; i++) out->unknown_items += x.item[i] >= m->n_items;
        keep_known(off, seq, users.n, m->n_items, k_off, kept, &evaluated, &scored);
        seer_sasrec_config c;
        config_of(m, &c);
        long got = scored ? seer_sasrec_evaluate(m->item_vec, seer_rec_param_get(m, "sasrec",
                                                 NULL, NULL), &c, k_off, kept, scored, 1,
                                                 EVAL_BATCH, hr, ndcg) : 0;
        if (got < 0) rc = (int)got;
        else if ((size_t)got != scored)
            rc = seer_errorf(SEER_EINTERNAL, "sasrec evaluation: %ld of %zu users", got, scored);
    }
    if (rc == SEER_OK && evaluated == 0)
        rc = seer_errorf(SEER_EDATA, "%s: no user has 3 items or more to leave one out",
                         o->path);
    if (rc == SEER_OK) {
        static const size_t K[SEER_REC_CUTOFFS] = {5, 10, 20};
        out->users_evaluated = evaluated;
        double share = (double)scored / (double)evaluated;   // the misses add nothing
        for (int k = 0; k < SEER_REC_CUTOFFS; k++) {
            out->cutoff[k] = K[k];
            out->hr[k] = out->recall[k] = hr[k] * share;
            out->ndcg[k] = ndcg[k] * share;
        }
        out->mrr = NAN;   // not part of the protocol
    }
    free(off);
    free(seq);
    free(k_off);
    free(kept);
    seer_interactions_free(&x);
    seer_idmap_free(&users);
    seer_idmap_free(&items);
    return rc;
}
