// Evaluating a recommender on a test log (seer/recommend.h): full ranking over the catalogue
// with the user's training items excluded (rec/rank_metrics.h gives the definitions), or,
// when asked, each relevant item against sampled items; RMSE and MAE of rating kinds.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/rec_eval_seq.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/rng.h"
#include "rec/rank_metrics.h"
#include "rec/kt_ops.h"
#include "rec/recommender.h"
#include "rec/score.h"

void seer_rec_eval_options_default(seer_rec_eval_options *o) {
    memset(o, 0, sizeof *o);
    o->format = SEER_FORMAT_AUTO;
    o->min_rating = -INFINITY;
    o->exclude_seen = 1;
    o->seed = 1;
}

// The work of one evaluation: the test log over copies of the model's maps (ids the model
// lacks get indices past its counts), each test user's relevant items, scratch.
typedef struct {
    const seer_rec_model *m;
    const seer_rec_eval_options *o;
    seer_idmap users, items;
    seer_interactions x;
    uint64_t *off, *idx;
    uint32_t *rel;                     // (x.n) scratch for one user's relevant items
    float *scores, *uvec;              // (SEER_TOPK_USERS, n_items), user vectors
    seer_rec_hit top[20];
    seer_rank_metrics sum;
} eval_job;

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static size_t relevant(eval_job *j, size_t u) {
    size_t n = 0;
    for (uint64_t k = j->off[u]; k < j->off[u + 1]; k++) {
        uint64_t i = j->idx[k];
        if (!j->x.rating || j->x.rating[i] >= j->o->min_rating) j->rel[n++] = j->x.item[i];
    }
    qsort(j->rel, n, sizeof *j->rel, cmp_u32);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (!w || j->rel[i] != j->rel[w - 1]) j->rel[w++] = j->rel[i];
    return w;
}

// The sampled metrics of one user: each relevant item ranked against o->sampled items
// drawn uniformly from those neither seen nor relevant (the metrics NCF and its followers
// report), into met as sums over the user's relevant items; returns how many were ranked.
static size_t sampled(eval_job *j, const float *s, size_t n_rel, const uint32_t *ex, size_t n_ex,
                      seer_rng *g, seer_rank_metrics *met) {
    size_t ranked = 0, n_items = j->m->n_items;
    memset(met, 0, sizeof *met);
    for (size_t r = 0; r < n_rel; r++) {
        uint32_t it = j->rel[r];
        if (it >= n_items || (n_ex && bsearch(&it, ex, n_ex, 4, cmp_u32))) continue;
        size_t above = 0, drawn = 0;
        for (size_t t = 0; drawn < j->o->sampled && t < 100 * j->o->sampled; t++) {
            uint32_t c = (uint32_t)seer_rng_below(g, n_items);
            if (bsearch(&c, j->rel, n_rel, 4, cmp_u32) || (n_ex && bsearch(&c, ex, n_ex, 4, cmp_u32)))
                continue;
            drawn++;
            above += s[c] > s[it] || (s[c] == s[it] && c < it);
        }
        for (int c = 0; c < SEER_RANK_CUTOFFS; c++) {
            int hit = above < seer_rank_cutoffs[c];
            met->hr[c] += hit;
            met->recall[c] += hit;
            met->ndcg[c] += hit ? 1.0 / log2((double)above + 2.0) : 0;
        }
        met->rr += 1.0 / (double)(above + 1);
        ranked++;
    }
    return ranked;
}

// Scores and metrics of the test users users[0, n) (indices in the copies' map).
static void eval_batch(eval_job *j, const uint32_t *users, size_t n, seer_rec_eval_report *out,
                       seer_rng *g) {
    const seer_rec_model *m = j->m;
    seer_rec_query q[SEER_TOPK_USERS];
    size_t nq = 0;
    for (size_t b = 0; b < n; b++)
        if (users[b] < m->n_users) q[nq++] = (seer_rec_query){.user = (long)users[b]};
    if (nq) seer_rec_score_users(m, q, nq, j->scores, j->uvec);
    for (size_t b = 0, known = 0; b < n; b++) {
        size_t n_rel = relevant(j, users[b]), n_ex = 0;
        const float *s = users[b] < m->n_users ? j->scores + (known++) * m->n_items : m->pop;
        const uint32_t *ex = NULL;
        if (j->o->exclude_seen && users[b] < m->n_users) ex = seer_rec_seen(m, users[b], &n_ex);
        seer_rank_metrics met;
        if (j->o->sampled) {
            size_t ranked = sampled(j, s, n_rel, ex, n_ex, g, &met);
            out->users_evaluated += ranked;   // sampled means are over (user, item) pairs
        } else {
            size_t nt = seer_topk_scores(j->top, s, m->n_items, 20, ex, n_ex);
            seer_rank_metrics_of(&met, j->top, nt, j->rel, n_rel);
            met.rr = seer_rank_rr(s, m->n_items, j->rel, n_rel, ex, n_ex);
            out->users_evaluated++;
        }
        seer_rank_metrics_add(&j->sum, &met);
    }
}

// The test users with a relevant item, by batches of SEER_TOPK_USERS.
static void rank_all(eval_job *j, seer_rec_eval_report *out) {
    uint32_t batch[SEER_TOPK_USERS];
    size_t n = 0;
    seer_rng g;
    seer_rng_init(&g, j->o->seed);
    for (size_t u = 0; u < j->users.n; u++) {
        if (!relevant(j, u)) continue;
        if (u >= j->m->n_users) out->unknown_users++;
        batch[n++] = (uint32_t)u;
        if (n == SEER_TOPK_USERS) {
            eval_batch(j, batch, n, out, &g);
            n = 0;
        }
    }
    if (n) eval_batch(j, batch, n, out, &g);
    double users = out->users_evaluated ? (double)out->users_evaluated : NAN;
    for (int c = 0; c < SEER_RANK_CUTOFFS; c++) {
        out->cutoff[c] = seer_rank_cutoffs[c];
        out->ndcg[c] = j->sum.ndcg[c] / users;
        out->recall[c] = j->sum.recall[c] / users;
        out->hr[c] = j->sum.hr[c] / users;
    }
    out->mrr = j->sum.rr / users;
}

static void ratings(const eval_job *j, seer_rec_eval_report *out) {
    const seer_rec_model *m = j->m;
    if (!m->ops->predict_rating || !m->has_rating || !j->x.rating) return;
    double se = 0, ae = 0;
    for (size_t i = 0; i < j->x.n; i++) {
        long u = j->x.user[i] < m->n_users ? (long)j->x.user[i] : -1;
        double e = m->ops->predict_rating(m, u, j->x.item[i]) - j->x.rating[i];
        se += e * e;
        ae += fabs(e);
    }
    out->has_rating = 1;
    out->rated = j->x.n;
    out->rmse = sqrt(se / (double)j->x.n);
    out->mae = ae / (double)j->x.n;
}

static int run(eval_job *j, seer_rec_eval_report *out) {
    const seer_rec_eval_options *o = j->o;
    seer_interactions_options io = {o->format, o->user_col, o->item_col, o->time_col,
                                    o->rating_col, o->skip_bad_rows};
    int rc = seer_idmap_copy(&j->users, &j->m->users);
    if (rc == SEER_OK) rc = seer_idmap_copy(&j->items, &j->m->items);
    if (rc == SEER_OK) rc = seer_interactions_read(&j->x, o->path, &io, &j->users, &j->items);
    if (rc == SEER_OK) rc = seer_interactions_by_user(&j->x, j->users.n, &j->off, &j->idx);
    if (rc != SEER_OK) return rc;
    size_t n_items = j->m->n_items ? j->m->n_items : 1;
    j->rel = malloc(j->x.n * sizeof *j->rel);
    j->scores = malloc(SEER_TOPK_USERS * n_items * sizeof *j->scores);
    j->uvec = malloc(SEER_TOPK_USERS * (SEER_REC_DIM_MAX + 1) * sizeof *j->uvec);
    if (!j->rel || !j->scores || !j->uvec) return seer_errorf(SEER_ENOMEM, "out of memory");
    out->interactions = j->x.n;
    out->skipped = j->x.skipped;
    for (size_t i = 0; i < j->x.n; i++) out->unknown_items += j->x.item[i] >= j->m->n_items;
    rank_all(j, out);
    ratings(j, out);
    return SEER_OK;
}

int seer_rec_eval(const seer_recommender *r, const seer_rec_eval_options *o,
                  seer_rec_eval_report *out) {
    if (!r || !o || !o->path || !out) return seer_errorf(SEER_EINVAL, "seer_rec_eval: NULL");
    if (seer_rec_is_kt_model(&r->m))
        return seer_errorf(SEER_EINVAL, "a knowledge-tracing model is evaluated on a --format kt "
                           "file (its AUC)");
    double t0 = seer_now();
    memset(out, 0, sizeof *out);
    eval_job *j = calloc(1, sizeof *j);
    if (!j) return seer_errorf(SEER_ENOMEM, "out of memory");
    j->m = &r->m;
    j->o = o;
    int rc = o->format == SEER_FORMAT_SEQ ? seer_rec_eval_seq(&r->m, o, out) : run(j, out);
    seer_idmap_free(&j->users);
    seer_idmap_free(&j->items);
    seer_interactions_free(&j->x);
    free(j->off);
    free(j->idx);
    free(j->rel);
    free(j->scores);
    free(j->uvec);
    free(j);
    out->seconds = seer_now() - t0;
    out->seconds_per_user = out->users_evaluated ? out->seconds / (double)out->users_evaluated : 0;
    return rc;
}
