// Recommending through the public API (seer/recommend.h): a request's ids mapped to the
// model's indices, the query scored (rec/score.c), the items mapped back; the batch of every
// user into a file; and items appended to a user's sequence online (rec/live.c).
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/text.h"
#include "rec/kt_ops.h"
#include "rec/recommender.h"
#include "rec/score.h"

// The most recent items and features of one request that are used.
#define RECENT_MAX 1024
#define FEATURES_MAX 256

typedef struct {
    seer_rec_query q;
    int live;                    // the server's appended items are part of the query
    uint32_t *exclude;           // (n_exclude) the known user's training and appended items
    uint32_t recent[RECENT_MAX];
    uint32_t feat[FEATURES_MAX];
    float val[FEATURES_MAX];
} query_buf;

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

// A known user's items appended online: its query scores them after its history, and its
// exclusion list becomes its training items and them, sorted.
static int known_live(const seer_recommender *r, query_buf *b, int include_seen) {
    const seer_rec_model *m = &r->m;
    // The appended items are read under their lock: the cast drops const for the lock only.
    size_t n = seer_rec_live_get((seer_rec_live *)&r->live, b->q.user, NULL, b->recent);
    if (!n) return SEER_OK;
    b->live = 1;
    b->q.recent = b->recent;
    b->q.n_recent = n;
    if (include_seen) return SEER_OK;
    size_t n_seen;
    const uint32_t *seen = seer_rec_seen(m, (uint32_t)b->q.user, &n_seen);
    b->exclude = malloc((n_seen + n) * sizeof *b->exclude);
    if (!b->exclude) return seer_errorf(SEER_ENOMEM, "out of memory");
    memcpy(b->exclude, seen, n_seen * sizeof *seen);
    memcpy(b->exclude + n_seen, b->recent, n * sizeof *b->recent);
    qsort(b->exclude, n_seen + n, sizeof *b->exclude, cmp_u32);
    size_t k = 0;   // without repeats
    for (size_t i = 0; i < n_seen + n; i++)
        if (!k || b->exclude[k - 1] != b->exclude[i]) b->exclude[k++] = b->exclude[i];
    b->q.exclude = b->exclude;
    b->q.n_exclude = k;
    return SEER_OK;
}

// The query of a request: a known user's index (and its items appended online), else the
// items appended online for that id followed by its recent items, and its features, mapped.
static int make_query(const seer_recommender *r, const seer_rec_request *req, query_buf *b) {
    const seer_rec_model *m = &r->m;
    memset(&b->q, 0, sizeof b->q);
    b->live = 0;
    b->exclude = NULL;
    b->q.user = req->user ? seer_idmap_find(&m->users, req->user, strlen(req->user)) : -1;
    if (b->q.user >= 0) return known_live(r, b, req->include_seen);
    size_t n = req->user ? seer_rec_live_get((seer_rec_live *)&r->live, -1, req->user,
                                             b->recent) : 0;
    b->live = n > 0;
    size_t first = req->n_recent > RECENT_MAX - n ? req->n_recent - (RECENT_MAX - n) : 0;
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
    return SEER_OK;
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
    if (seer_rec_is_kt_model(&r->m))
        return seer_errorf(SEER_EINVAL, "a knowledge-tracing model (--format kt) %s",
                           "recommends with a target band (seer recommend --target LO-HI)");
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
    rc = make_query(r, req, b);
    if (rc != SEER_OK) {
        free(b);
        free(scratch);
        free(top);
        return rc;
    }
    int from_pop;
    uint32_t seen[RECENT_MAX];
    seer_rec_top(m, &b->q, req->k, req->include_seen, top, n, &from_pop, scratch, seen);
    for (size_t i = 0; i < *n; i++) {
        items[i].item = seer_idmap_name(&m->items, top[i].item);
        items[i].score = top[i].score;
    }
    *source = b->q.user >= 0 || b->live ? SEER_REC_FROM_HISTORY
              : from_pop     ? SEER_REC_FROM_POPULARITY
                             : SEER_REC_FROM_FEATURES;
    free(b->exclude);
    free(b);
    free(scratch);
    free(top);
    return SEER_OK;
}

int seer_rec_append(seer_recommender *r, const char *user, const char *item) {
    if (!r || !user || !item) return seer_errorf(SEER_EINVAL, "seer_rec_append: NULL argument");
    const seer_rec_model *m = &r->m;
    if (m->kind != SEER_REC_SASREC)
        return seer_errorf(SEER_EINVAL, "online events extend the sequences of sasrec models; "
                           "this model is %s", seer_rec_kind_names[m->kind]);
    long it = seer_idmap_find(&m->items, item, strlen(item));
    if (it < 0)
        return seer_errorf(SEER_EDATA, "item \"%.64s\" is not in the model's catalogue", item);
    if (!*user) return seer_errorf(SEER_EDATA, "an empty user id");
    long u = seer_idmap_find(&m->users, user, strlen(user));
    size_t keep = (size_t)seer_rec_setting_get(m, "maxlen", 0);
    return seer_rec_live_append(&r->live, m->n_users, keep, u, user, (uint32_t)it);
}

size_t seer_rec_unknown_items(const seer_recommender *r, const char *const *items, size_t n) {
    size_t unknown = 0;
    for (size_t i = 0; r && items && i < n; i++)
        unknown += !items[i] || seer_idmap_find(&r->m.items, items[i], strlen(items[i])) < 0;
    return unknown;
}

static int write_user(const seer_recommender *r, FILE *f, const char *user, size_t k,
                      int include_seen, seer_rec_item *items) {
    seer_rec_request q = {user, k, include_seen, NULL, 0, NULL, NULL, 0};
    size_t n;
    seer_rec_source src;
    int rc = seer_rec_recommend(r, &q, items, &n, &src);
    for (size_t i = 0; rc == SEER_OK && i < n; i++) {
        seer_csv_field_write(f, user);
        fprintf(f, ",%zu,", i + 1);
        seer_csv_field_write(f, items[i].item);
        fprintf(f, ",%.7g,%s\n", (double)items[i].score, seer_rec_source_names[src]);
    }
    return rc;
}

int seer_rec_recommend_file(const seer_recommender *r, const char *const *users, size_t n,
                            size_t k, int include_seen, const char *path) {
    if (!r || (n && !users)) return seer_errorf(SEER_EINVAL, "seer_rec_recommend_file: NULL");
    if (seer_rec_is_kt_model(&r->m))
        return seer_errorf(SEER_EINVAL, "a knowledge-tracing model (--format kt) %s",
                           "recommends with a target band (seer recommend --target LO-HI)");
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
