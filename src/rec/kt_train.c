// Knowledge tracing's training loop, its predictions and their AUC (kt_train.h).
#include "rec/kt_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/threads.h"
#include "nn/adam.h"
#include "rec/sasrec_train.h"
#include "seer/kt.h"

void seer_kt_options_default(seer_kt_options *o, size_t n_skill, size_t n_prob) {
    memset(o, 0, sizeof *o);
    // Width 96 with one head: on ASSIST2009's five folds a mean test AUC of 0.8175 against
    // 0.8157 for 64 with two (BENCHMARKS.md); two heads at 96 would pass the scoring buffer.
    o->net.net = (seer_sasrec_config){0, 200, SEER_KT_DIM, 2, 1, 0.2f};
    o->net.n_skill = n_skill;
    o->net.n_prob = n_prob;
    o->batch = 32;
    o->epochs = 100;
    o->patience = 5;
    o->lr = 1e-3f;
    o->seed = 1;
    o->threads = 1;
}

int seer_kt_options_check(const seer_kt_options *o) {
    const seer_kt_config *c = &o->net;
    if (c->n_skill < 1 || c->n_skill > (1u << 24) || c->n_prob < 1 || c->n_prob > (1u << 30))
        return seer_errorf(SEER_EINVAL, "kt: %zu skills and %zu problems: 1 to 2^24 and 2^30",
                           c->n_skill, c->n_prob);
    // sasrec's checks of the network's shape and the step's settings
    seer_sasrec_options s;
    memset(&s, 0, sizeof s);
    s.net = c->net;
    s.batch = o->batch;
    s.lr = o->lr;
    return seer_sasrec_options_check(&s);
}

// ---- windows ----------------------------------------------------------------------------------

// Each window of s as (first answer, length); *n gets how many. NULL with SEER_ENOMEM.
static uint64_t *windows_of(const seer_kt_seqs *s, size_t L, size_t *n) {
    size_t count = 0;
    for (size_t i = 0; i < s->n; i++) count += (s->off[i + 1] - s->off[i] + L - 1) / L;
    uint64_t *w = malloc((count ? count : 1) * 2 * sizeof *w);
    if (!w) {
        seer_errorf(SEER_ENOMEM, "kt: out of memory for %zu windows", count);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        for (uint64_t a = s->off[i]; a < s->off[i + 1]; a += L, k++) {
            w[2 * k] = a;
            w[2 * k + 1] = s->off[i + 1] - a < L ? s->off[i + 1] - a : L;
        }
    *n = count;
    return w;
}

// Packs windows win[0, n) (pairs) into k; returns the rows.
static size_t pack(seer_kt_work *k, const seer_kt_seqs *s, const uint64_t *win, size_t n) {
    size_t T = 0;
    k->w.off[0] = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = win[2 * i], len = win[2 * i + 1];
        memcpy(k->prob + T, s->prob + a, len * sizeof *k->prob);
        memcpy(k->skill + T, s->skill + a, len * sizeof *k->skill);
        memcpy(k->answer + T, s->answer + a, len);
        T += len;
        k->w.off[i + 1] = (uint32_t)T;
    }
    return T;
}

int seer_kt_predict(const float *head, const float *rest, const seer_kt_config *c,
                    const seer_kt_seqs *s, size_t batch, float *p) {
    size_t nw;
    uint64_t *win = windows_of(s, c->net.maxlen, &nw);
    if (!win) return SEER_ENOMEM;
    seer_kt_work k;
    int rc = seer_kt_work_init(&k, c, batch, 0);
    if (rc != SEER_OK) {
        free(win);
        return rc;
    }
    seer_kt_head h;
    seer_sasrec_params sp;
    seer_kt_bind(&h, (float *)head, c);
    seer_sasrec_bind(&sp, NULL, (float *)rest, &c->net);
    for (size_t i = 0; i < nw; i += batch) {
        size_t n = nw - i < batch ? nw - i : batch;
        pack(&k, s, win + 2 * i, n);
        seer_kt_forward(&h, &sp, c, &k, n, NULL);
        for (size_t j = 0; j < n; j++)
            memcpy(p + win[2 * (i + j)], k.p + k.w.off[j], win[2 * (i + j) + 1] * sizeof *p);
    }
    seer_kt_work_free(&k);
    free(win);
    return SEER_OK;
}

static int cmp_score(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

double seer_kt_auc(const float *p, const uint8_t *y, size_t n) {
    // pairs (score, label) sorted by score; the positives' mean rank, ties averaged
    float *v = malloc((n ? n : 1) * 2 * sizeof *v);
    if (!v) return NAN;
    for (size_t i = 0; i < n; i++) {
        v[2 * i] = p[i];
        v[2 * i + 1] = (float)y[i];
    }
    qsort(v, n, 2 * sizeof *v, cmp_score);
    double pos = 0.0, rank_sum = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double ones = 0.0;
        while (j < n && v[2 * j] == v[2 * i]) ones += v[2 * j++ + 1];
        rank_sum += ones * ((double)(i + j + 1) / 2.0);   // mean of ranks i+1 .. j
        pos += ones;
        i = j;
    }
    free(v);
    double neg = (double)n - pos;
    if (pos == 0.0 || neg == 0.0) return NAN;
    return (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg);
}

// ---- the trainer ------------------------------------------------------------------------------

typedef struct {
    seer_kt_head h, gh;
    seer_sasrec_params p, gp;
    size_t n_head, n_rest;
    float *head, *rest;
    float *block, *g, *m, *v, *best;   // each n_head + n_rest: the head's, then the rest's
    seer_kt_work k;
    uint64_t *win;
    size_t n_win;
    float *pv;                         // (valid answers) predictions
} trainer;

static void trainer_free(trainer *t) {
    free(t->block);
    free(t->win);
    free(t->pv);
    seer_kt_work_free(&t->k);
}

static int trainer_init(trainer *t, float *head, float *rest, const seer_kt_options *o,
                        const seer_kt_seqs *train, const seer_kt_seqs *valid) {
    memset(t, 0, sizeof *t);
    t->head = head;
    t->rest = rest;
    t->n_head = seer_kt_head_size(&o->net);
    t->n_rest = seer_sasrec_rest_size(&o->net.net);
    size_t n = t->n_head + t->n_rest;
    t->block = calloc(4 * n, sizeof(float));
    t->pv = malloc((valid->n ? valid->off[valid->n] : 0) * sizeof(float) + sizeof(float));
    t->win = windows_of(train, o->net.net.maxlen, &t->n_win);
    if (!t->block || !t->pv || !t->win)
        return seer_errorf(SEER_ENOMEM, "kt: out of memory for %zu parameters", n);
    t->g = t->block;
    t->m = t->g + n;
    t->v = t->m + n;
    t->best = t->v + n;
    seer_kt_bind(&t->h, head, &o->net);
    seer_kt_bind(&t->gh, t->g, &o->net);
    seer_sasrec_bind(&t->p, NULL, rest, &o->net.net);
    seer_sasrec_bind(&t->gp, NULL, t->g + t->n_head, &o->net.net);
    return seer_kt_work_init(&t->k, &o->net, o->batch, 1);
}

// One epoch over the training windows in a new order; returns the mean loss of its answers.
static double epoch(trainer *t, const seer_kt_options *o, const seer_kt_seqs *s, long *step,
                    seer_rng *rng) {
    for (size_t i = t->n_win; i > 1; i--) {
        size_t j = (size_t)seer_rng_below(rng, i);
        uint64_t a = t->win[2 * (i - 1)], b = t->win[2 * (i - 1) + 1];
        t->win[2 * (i - 1)] = t->win[2 * j];
        t->win[2 * (i - 1) + 1] = t->win[2 * j + 1];
        t->win[2 * j] = a;
        t->win[2 * j + 1] = b;
    }
    seer_adam_config a = {o->lr, 0.9f, 0.999f, 1e-8f};
    double loss = 0.0, rows = 0.0;
    for (size_t i = 0; i < t->n_win; i += o->batch) {
        size_t n = t->n_win - i < o->batch ? t->n_win - i : o->batch;
        size_t T = pack(&t->k, s, t->win + 2 * i, n);
        seer_kt_forward(&t->h, &t->p, &o->net, &t->k, n, rng);
        memset(t->g, 0, (t->n_head + t->n_rest) * sizeof(float));
        loss += seer_kt_backward(&t->gh, &t->gp, &t->h, &t->p, &o->net, &t->k, n,
                                 1.0f / (float)T);
        rows += (double)T;
        ++*step;
        seer_adam_step(t->head, t->m, t->v, t->g, t->n_head, &a, *step, NULL);
        seer_adam_step(t->rest, t->m + t->n_head, t->v + t->n_head, t->g + t->n_head, t->n_rest,
                       &a, *step, NULL);
    }
    return rows > 0 ? loss / rows : NAN;
}

// Validation AUC after an epoch; keeps the weights when best. 1 to stop, 0 to go on, or a
// negative code.
static int validate(trainer *t, const seer_kt_options *o, const seer_kt_seqs *valid, size_t ep,
                    size_t *bad, seer_kt_report *r) {
    double t0 = seer_now();
    int rc = seer_kt_predict(t->head, t->rest, &o->net, valid, 64, t->pv);
    if (rc != SEER_OK) return rc;
    double auc = seer_kt_auc(t->pv, valid->answer, valid->off[valid->n]);
    r->eval_seconds += seer_now() - t0;
    if (!o->quiet)
        fprintf(stderr, "kt: epoch %zu loss %.5f valid auc %.5f\n", ep, r->last_loss, auc);
    if (r->best_epoch == 0 || auc > r->valid_auc) {
        r->valid_auc = auc;
        r->best_epoch = ep;
        *bad = 0;
        memcpy(t->best, t->head, t->n_head * sizeof(float));
        memcpy(t->best + t->n_head, t->rest, t->n_rest * sizeof(float));
        return 0;
    }
    return ++*bad >= o->patience;
}

int seer_kt_train(float *head, float *rest, const seer_kt_options *o, const seer_kt_seqs *train,
                  const seer_kt_seqs *valid, seer_kt_report *r) {
    memset(r, 0, sizeof *r);
    int rc = seer_kt_options_check(o);
    if (rc != SEER_OK) return rc;
    if (train->n == 0 || train->off[train->n] == 0)
        return seer_errorf(SEER_EDATA, "kt: no answers to train on");
    seer_threads_set(o->threads);
    trainer t;
    rc = trainer_init(&t, head, rest, o, train, valid);
    seer_rng rng;
    seer_rng_init(&rng, o->seed);
    if (rc == SEER_OK) seer_kt_init(&t.h, &t.p, &o->net, &rng);
    double T = 0.0, n2 = 0.0;
    for (size_t i = 0; i < t.n_win && t.win; i++) {
        T += (double)t.win[2 * i + 1];
        n2 += (double)t.win[2 * i + 1] * (double)t.win[2 * i + 1];
    }
    r->windows = t.n_win;
    r->positions = (size_t)T;
    r->flops_per_epoch = seer_kt_flops(&o->net, T, n2);
    int has_valid = valid && valid->n && valid->off[valid->n];
    long step = 0;
    size_t bad = 0;
    for (size_t ep = 1; rc == SEER_OK && ep <= o->epochs; ep++) {
        double t0 = seer_now();
        clock_t c0 = clock();
        r->last_loss = epoch(&t, o, train, &step, &rng);
        r->train_cpu_seconds += (double)(clock() - c0) / CLOCKS_PER_SEC;
        r->train_seconds += seer_now() - t0;
        r->epochs_run = ep;
        if (!has_valid) {
            r->best_epoch = ep;
            continue;
        }
        int stop = validate(&t, o, valid, ep, &bad, r);
        if (stop < 0) rc = stop;
        if (stop) break;
    }
    if (rc == SEER_OK && has_valid) {
        memcpy(head, t.best, t.n_head * sizeof(float));
        memcpy(rest, t.best + t.n_head, t.n_rest * sizeof(float));
    }
    trainer_free(&t);
    if (rc == SEER_OK) r->seconds_per_epoch = r->train_seconds / (double)r->epochs_run;
    return rc;
}
