// SASRec's training loop and leave-one-out evaluation (the protocol is in sasrec_train.h).
// One step: a batch of users' training positions packed (no padding), the network's forward,
// the softmax cross-entropy over the catalogue (full, or sampled with log-Q correction), the
// backward, one Adam step over the item table and one over the rest.
#include "rec/sasrec_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/search.h"
#include "base/threads.h"
#include "nn/adam.h"
#include "nn/gemm.h"
#include "nn/softmax_ce.h"

#define CE_CHUNK 256

void seer_sasrec_options_default(seer_sasrec_options *o, size_t n_items) {
    memset(o, 0, sizeof *o);
    o->net = (seer_sasrec_config){n_items, 50, 64, 2, 1, 0.5f};
    o->batch = 128;
    o->epochs = 200;
    o->patience = 10;
    o->lr = 1e-3f;
    o->loss = SEER_SASREC_LOSS_SOFTMAX;
    o->negatives = 1024;
    o->seed = 1;
    o->threads = 1;
}

int seer_sasrec_options_check(const seer_sasrec_options *o) {
    const seer_sasrec_config *c = &o->net;
    if (c->maxlen < 1 || c->maxlen > SEER_SASREC_MAXLEN_MAX)
        return seer_errorf(SEER_EINVAL, "--maxlen %zu: 1 to %d", c->maxlen,
                           SEER_SASREC_MAXLEN_MAX);
    if (c->dim < 1 || c->dim > SEER_SASREC_DIM_MAX)
        return seer_errorf(SEER_EINVAL, "--hidden %zu: 1 to %d", c->dim, SEER_SASREC_DIM_MAX);
    if (c->blocks < 1 || c->blocks > SEER_SASREC_BLOCKS_MAX)
        return seer_errorf(SEER_EINVAL, "--blocks %zu: 1 to %d", c->blocks,
                           SEER_SASREC_BLOCKS_MAX);
    if (c->heads < 1 || c->dim % c->heads)
        return seer_errorf(SEER_EINVAL, "--heads %zu: must divide --hidden %zu", c->heads,
                           c->dim);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
        return seer_errorf(SEER_EINVAL, "--dropout %g: 0 <= p < 1", c->dropout);
    if (seer_sasrec_infer_floats(c) > SEER_SASREC_STACK_FLOATS)
        return seer_errorf(SEER_EINVAL, "--maxlen %zu with --hidden %zu and --heads %zu needs "
                           "%zu floats a sequence to score; the most is %u", c->maxlen, c->dim,
                           c->heads, seer_sasrec_infer_floats(c), SEER_SASREC_STACK_FLOATS);
    if (o->batch < 1 || o->batch > 65536)
        return seer_errorf(SEER_EINVAL, "--batch %zu: 1 to 65536", o->batch);
    if (!(o->lr > 0.0f && o->lr < 10.0f))
        return seer_errorf(SEER_EINVAL, "--lr %g: 0 < lr < 10", o->lr);
    if (o->loss == SEER_SASREC_LOSS_SAMPLED && (o->negatives < 1 || o->negatives > 1u << 20))
        return seer_errorf(SEER_EINVAL, "--negatives %zu: 1 to %u", o->negatives, 1u << 20);
    return SEER_OK;
}

// ---- batches ----------------------------------------------------------------------------------

// Packs the training positions of users[0, n) into w; returns the sequences packed.
static size_t pack_train(seer_sasrec_work *w, const uint64_t *off, const uint32_t *items,
                         const uint32_t *users, size_t n, size_t L) {
    size_t S = 0, T = 0;
    w->off[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const uint32_t *s = items + off[users[i]];
        size_t len = off[users[i] + 1] - off[users[i]];
        if (len < 4) continue;
        size_t m = len - 3, start = m > L ? m - L : 0;
        for (size_t k = start; k < m; k++, T++) {
            w->item[T] = s[k];
            w->target[T] = s[k + 1];
        }
        w->off[++S] = (uint32_t)T;
    }
    return S;
}

// ---- the trainer ------------------------------------------------------------------------------

typedef struct {
    seer_sasrec_config c;
    seer_sasrec_params p, g;
    size_t n_item, n_rest;         // floats of the two parameter blocks
    float *item, *rest;            // the weights (the caller's)
    float *block;                  // grads, Adam's m and v, and the best weights, each
    float *g_item, *g_rest, *m_item, *m_rest, *v_item, *v_rest, *best_item, *best_rest;
    seer_sasrec_work w;
    uint32_t *perm;                // (n_users)
    double *cdf;                   // sampled: (n_items) popularity's cumulative share
    float *logq, *samp_scratch;    // (n_items), the sampled kernel's scratch
    uint32_t *neg;                 // (negatives)
} trainer;

static void trainer_free(trainer *t) {
    free(t->block);
    free(t->perm);
    free(t->cdf);
    free(t->logq);
    free(t->samp_scratch);
    free(t->neg);
    seer_sasrec_work_free(&t->w);
}

// Popularity over the training targets: the sampling distribution and its log.
static void popularity(trainer *t, const uint64_t *off, const uint32_t *items, size_t n_users) {
    size_t N = t->c.n_items;
    for (size_t j = 0; j < N; j++) t->cdf[j] = 1.0;  // add-one: every item can be drawn
    for (size_t u = 0; u < n_users; u++)
        for (uint64_t k = off[u] + 1; k + 2 < off[u + 1]; k++) t->cdf[items[k]] += 1.0;
    double total = 0.0;
    for (size_t j = 0; j < N; j++) total += t->cdf[j];
    double run = 0.0;
    for (size_t j = 0; j < N; j++) {
        t->logq[j] = (float)log(t->cdf[j] / total);
        run += t->cdf[j] / total;
        t->cdf[j] = run;
    }
}

static int trainer_init(trainer *t, float *item, float *rest, const seer_sasrec_options *o,
                        const uint64_t *off, const uint32_t *items, size_t n_users) {
    memset(t, 0, sizeof *t);
    t->c = o->net;
    t->item = item;
    t->rest = rest;
    t->n_item = t->c.n_items * t->c.dim;
    t->n_rest = seer_sasrec_rest_size(&t->c);
    size_t n = t->n_item + t->n_rest;
    t->block = calloc(4 * n, sizeof(float));
    t->perm = malloc(n_users * sizeof *t->perm);
    int sampled = o->loss == SEER_SASREC_LOSS_SAMPLED;
    if (sampled) {
        t->cdf = malloc(t->c.n_items * sizeof *t->cdf);
        t->logq = malloc(t->c.n_items * sizeof *t->logq);
        t->neg = malloc(o->negatives * sizeof *t->neg);
        t->samp_scratch = malloc((CE_CHUNK * (o->negatives + 1) + 2 * o->negatives * t->c.dim) *
                                 sizeof(float));
    }
    if (!t->block || !t->perm || (sampled && (!t->cdf || !t->logq || !t->neg ||
                                              !t->samp_scratch)))
        return seer_errorf(SEER_ENOMEM, "sasrec: out of memory for %zu parameters", n);
    float **v[8] = {&t->g_item, &t->g_rest, &t->m_item, &t->m_rest, &t->v_item, &t->v_rest,
                    &t->best_item, &t->best_rest};
    for (int i = 0; i < 8; i++) *v[i] = t->block + (i / 2) * n + (i % 2) * t->n_item;
    seer_sasrec_bind(&t->p, item, rest, &t->c);
    seer_sasrec_bind(&t->g, t->g_item, t->g_rest, &t->c);
    for (size_t u = 0; u < n_users; u++) t->perm[u] = (uint32_t)u;
    if (sampled) popularity(t, off, items, n_users);
    return seer_sasrec_work_init(&t->w, &t->c, o->batch, sampled ? 0 : CE_CHUNK);
}

static void draw_negatives(trainer *t, size_t M, seer_rng *rng) {
    size_t N = t->c.n_items;
    for (size_t m = 0; m < M; m++) {
        t->neg[m] = (uint32_t)seer_cdf_index(t->cdf, N, seer_rng_uniform(rng));
    }
}

// One step on the packed batch of S sequences; returns the sum of its rows' losses.
static double step(trainer *t, const seer_sasrec_options *o, size_t S, long k, seer_rng *rng) {
    seer_sasrec_work *w = &t->w;
    size_t T = w->off[S], d = t->c.dim;
    seer_sasrec_forward(&t->p, &t->c, w, S, rng);
    memset(t->g_item, 0, (t->n_item + t->n_rest) * sizeof(float));
    memset(w->dh, 0, T * d * sizeof(float));
    double loss;
    if (o->loss == SEER_SASREC_LOSS_SAMPLED) {
        draw_negatives(t, o->negatives, rng);
        loss = seer_softmax_ce_sampled(w->dh, t->g_item, t->samp_scratch, w->h, t->item,
                                       w->target, t->neg, t->logq, T, o->negatives, d, CE_CHUNK,
                                       1.0f / (float)T);
    } else {
        loss = seer_softmax_ce_full(w->dh, t->g_item, w->ce_scratch, w->h, t->item, w->target, T,
                                    t->c.n_items, d, CE_CHUNK, 1.0f / (float)T);
    }
    seer_sasrec_backward(&t->g, &t->p, &t->c, w, S);
    seer_adam_config a = {o->lr, 0.9f, 0.98f, 1e-8f};
    seer_adam_step(t->item, t->m_item, t->v_item, t->g_item, t->n_item, &a, k, NULL);
    seer_adam_step(t->rest, t->m_rest, t->v_rest, t->g_rest, t->n_rest, &a, k, NULL);
    return loss;
}

// One epoch over every user in a new random order; returns the mean loss of its positions.
static double epoch(trainer *t, const seer_sasrec_options *o, const uint64_t *off,
                    const uint32_t *items, size_t n_users, long *k, seer_rng *rng,
                    size_t *positions) {
    for (size_t i = n_users; i > 1; i--) {
        size_t j = (size_t)seer_rng_below(rng, i);
        uint32_t x = t->perm[i - 1];
        t->perm[i - 1] = t->perm[j];
        t->perm[j] = x;
    }
    double loss = 0.0;
    *positions = 0;
    for (size_t s = 0; s < n_users; s += o->batch) {
        size_t n = n_users - s < o->batch ? n_users - s : o->batch;
        size_t S = pack_train(&t->w, off, items, t->perm + s, n, t->c.maxlen);
        if (!S) continue;
        loss += step(t, o, S, ++*k, rng);
        *positions += t->w.off[S];
    }
    return *positions ? loss / (double)*positions : NAN;
}

// The training positions of an epoch and the sum of their sequences' squared lengths.
static void epoch_shape(const uint64_t *off, size_t n_users, size_t L, double *T, double *n2) {
    *T = *n2 = 0.0;
    for (size_t u = 0; u < n_users; u++) {
        size_t len = off[u + 1] - off[u];
        if (len < 4) continue;
        double m = (double)(len - 3 < L ? len - 3 : L);
        *T += m;
        *n2 += m * m;
    }
}

// Validation NDCG@10 after an epoch; keeps the weights when they are the best so far.
// Returns 1 when training should stop (patience spent), 0 to go on, or a negative code.
static int validate(trainer *t, const seer_sasrec_options *o, const uint64_t *off,
                    const uint32_t *items, size_t n_users, size_t ep, size_t *bad,
                    seer_sasrec_report *r) {
    double hr[SEER_SASREC_CUTOFFS], ndcg[SEER_SASREC_CUTOFFS];
    double t0 = seer_now();
    long rc = seer_sasrec_evaluate(t->item, t->rest, &t->c, off, items, n_users, 2, 256, hr, ndcg);
    r->eval_seconds += seer_now() - t0;
    if (rc < 0) return (int)rc;
    if (!o->quiet)
        fprintf(stderr, "sasrec: epoch %zu loss %.5f valid hr@10 %.5f ndcg@10 %.5f\n", ep,
                r->last_loss, hr[1], ndcg[1]);
    if (r->best_epoch == 0 || ndcg[1] > r->valid_ndcg10) {
        r->valid_ndcg10 = ndcg[1];
        r->best_epoch = ep;
        *bad = 0;
        memcpy(t->best_item, t->item, t->n_item * sizeof(float));
        memcpy(t->best_rest, t->rest, t->n_rest * sizeof(float));
        return 0;
    }
    return ++*bad >= o->patience;
}

int seer_sasrec_train(float *item, float *rest, const seer_sasrec_options *o,
                      const uint64_t *off, const uint32_t *items, size_t n_users,
                      seer_sasrec_report *r) {
    memset(r, 0, sizeof *r);
    int rc = seer_sasrec_options_check(o);
    if (rc != SEER_OK) return rc;
    seer_threads_set(o->threads);
    trainer t;
    rc = trainer_init(&t, item, rest, o, off, items, n_users);
    if (rc != SEER_OK) {   // the parameters are not bound: nothing to initialise
        trainer_free(&t);
        return rc;
    }
    seer_rng rng;
    seer_rng_init(&rng, o->seed);
    seer_sasrec_init_params(&t.p, &t.c, &rng);
    double T, n2;
    epoch_shape(off, n_users, t.c.maxlen, &T, &n2);
    r->flops_per_epoch = seer_sasrec_flops(&t.c, T, n2);
    if (rc == SEER_OK && T == 0)
        rc = seer_errorf(SEER_EDATA, "sasrec: no user has the 4 items that leave-one-out needs "
                         "for a training position");
    long k = 0;
    size_t bad = 0;
    for (size_t ep = 1; rc == SEER_OK && ep <= o->epochs; ep++) {
        double t0 = seer_now();
        clock_t c0 = clock();
        r->last_loss = epoch(&t, o, off, items, n_users, &k, &rng, &r->train_positions);
        r->train_cpu_seconds += (double)(clock() - c0) / CLOCKS_PER_SEC;
        r->train_seconds += seer_now() - t0;
        r->epochs_run = ep;
        if (!o->no_eval) {
            int stop = validate(&t, o, off, items, n_users, ep, &bad, r);
            if (stop < 0) rc = stop;
            if (stop) break;
        }
        if (o->max_seconds > 0 && r->train_seconds + r->eval_seconds >= o->max_seconds) break;
    }
    if (rc == SEER_OK && !o->no_eval) {
        memcpy(item, t.best_item, t.n_item * sizeof(float));
        memcpy(rest, t.best_rest, t.n_rest * sizeof(float));
    }
    trainer_free(&t);
    if (rc != SEER_OK) return rc;
    r->seconds_per_epoch = r->train_seconds / (double)r->epochs_run;
    static const size_t K[SEER_SASREC_CUTOFFS] = {5, 10, 20};
    memcpy(r->cutoff, K, sizeof K);
    long users = seer_sasrec_evaluate(item, rest, &t.c, off, items, n_users, 1, 256, r->hr,
                                      r->ndcg);
    if (users < 0) return (int)users;
    r->users_evaluated = (size_t)users;
    return SEER_OK;
}
