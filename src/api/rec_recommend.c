// Recommending through the public API (seer/recommend.h): a request's ids mapped to the
// model's indices, the query scored (rec/score.c), the items mapped back; and the batch
// of every user into a file.
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "base/error.h"
#include "rec/recommender.h"
#include "rec/score.h"

// The most recent items and features of one request that are used.
#define RECENT_MAX 1024
#define FEATURES_MAX 256

typedef struct {
    seer_rec_query q;
    uint32_t recent[RECENT_MAX];
    uint32_t feat[FEATURES_MAX];
    float val[FEATURES_MAX];
} query_buf;

// The query of a request: a known user's index, else its recent items and features mapped.
static void make_query(const seer_rec_model *m, const seer_rec_request *req, query_buf *b) {
    memset(&b->q, 0, sizeof b->q);
    b->q.user = req->user ? seer_idmap_find(&m->users, req->user, strlen(req->user)) : -1;
    if (b->q.user >= 0) return;
    size_t n = 0;
    size_t first = req->n_recent > RECENT_MAX ? req->n_recent - RECENT_MAX : 0;
    for (size_t i = first; i < req->n_recent; i++) {   // the latest RECENT_MAX
        long it = req->recent_items[i] ? seer_idmap_find(&m->items, req->recent_items[i],
                                                         strlen(req->recent_items[i])) : -1;
        if (it >= 0) b->recent[n++] = (uint32_t)it;
    }
    b->q.recent = b->recent;
    b->q.n_recent = n;
    if (m->user_feats.names.n && req->n_features)
        b->q.n_feat = seer_side_features_encode(&m->user_feats, req->feature_names,
                                                req->feature_values, req->n_features, b->feat,
                                                b->val, FEATURES_MAX);
    b->q.feat = b->feat;
    b->q.feat_val = b->val;
}

static int check_request(const seer_rec_request *q) {
    if (q->k < 1 || q->k > SEER_TOPK_K_MAX)
        return seer_errorf(SEER_EINVAL, "k %zu: must be 1 .. %d", q->k, SEER_TOPK_K_MAX);
    if ((q->n_recent && !q->recent_items) ||
        (q->n_features && (!q->feature_names || !q->feature_values)))
        return seer_errorf(SEER_EINVAL, "seer_rec_recommend: NULL list");
    for (size_t i = 0; i < q->n_features; i++)
        if (!q->feature_names[i] || !q->feature_values[i])
            return seer_errorf(SEER_EINVAL, "seer_rec_recommend: NULL feature");
    return SEER_OK;
}

int seer_rec_recommend(const seer_recommender *r, const seer_rec_request *req,
                       seer_rec_item *items, size_t *n, seer_rec_source *source) {
    if (!r || !req || !items || !n || !source)
        return seer_errorf(SEER_EINVAL, "seer_rec_recommend: NULL argument");
    int rc = check_request(req);
    if (rc != SEER_OK) return rc;
    const seer_rec_model *m = &r->m;
    query_buf *b = malloc(sizeof *b);
    float *scratch = malloc(seer_rec_top_scratch(m) * sizeof *scratch);
    seer_rec_hit *top = malloc(req->k * sizeof *top);
    if (!b || !scratch || !top) {
        free(b);
        free(scratch);
        free(top);
        return seer_errorf(SEER_ENOMEM, "out of memory");
    }
    make_query(m, req, b);
    int from_pop;
    uint32_t seen[RECENT_MAX];
    seer_rec_top(m, &b->q, req->k, req->include_seen, top, n, &from_pop, scratch, seen);
    for (size_t i = 0; i < *n; i++) {
        items[i].item = seer_idmap_name(&m->items, top[i].item);
        items[i].score = top[i].score;
    }
    *source = b->q.user >= 0 ? SEER_REC_FROM_HISTORY
              : from_pop     ? SEER_REC_FROM_POPULARITY
                             : SEER_REC_FROM_FEATURES;
    free(b);
    free(scratch);
    free(top);
    return SEER_OK;
}

// s as a CSV field: quoted when it holds a comma, a quote or a line break.
static void csv_field(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int write_user(const seer_recommender *r, FILE *f, const char *user, size_t k,
                      int include_seen, seer_rec_item *items) {
    seer_rec_request q = {user, k, include_seen, NULL, 0, NULL, NULL, 0};
    size_t n;
    seer_rec_source src;
    int rc = seer_rec_recommend(r, &q, items, &n, &src);
    for (size_t i = 0; rc == SEER_OK && i < n; i++) {
        csv_field(f, user);
        fprintf(f, ",%zu,", i + 1);
        csv_field(f, items[i].item);
        fprintf(f, ",%.7g,%s\n", (double)items[i].score, seer_rec_source_names[src]);
    }
    return rc;
}

int seer_rec_recommend_file(const seer_recommender *r, const char *const *users, size_t n,
                            size_t k, int include_seen, const char *path) {
    if (!r || (n && !users)) return seer_errorf(SEER_EINVAL, "seer_rec_recommend_file: NULL");
    if (k < 1 || k > SEER_TOPK_K_MAX)
        return seer_errorf(SEER_EINVAL, "k %zu: must be 1 .. %d", k, SEER_TOPK_K_MAX);
    seer_atomic_file a = {0};
    int rc = path ? seer_atomic_open(&a, path) : SEER_OK;
    if (rc != SEER_OK) return rc;
    FILE *f = path ? a.f : stdout;
    seer_rec_item *items = malloc(k * sizeof *items);
    if (!items) rc = seer_errorf(SEER_ENOMEM, "out of memory");
    if (rc == SEER_OK) fputs("user,rank,item,score,source\n", f);
    size_t count = users ? n : r->m.n_users;
    for (size_t u = 0; rc == SEER_OK && u < count; u++)
        rc = write_user(r, f, users ? users[u] : seer_idmap_name(&r->m.users, (uint32_t)u), k,
                        include_seen, items);
    free(items);
    if (!path) return rc != SEER_OK ? rc : fflush(stdout) == 0 ? SEER_OK
                                           : seer_errorf(SEER_EIO, "stdout: write failed");
    if (rc != SEER_OK) {
        seer_atomic_abort(&a);
        return rc;
    }
    return seer_atomic_commit(&a);
}
