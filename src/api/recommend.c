// The public recommender API (seer/recommend.h): options, training, files, recommending.
// Evaluation is rec_eval.c's.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/threads.h"
#include "io/rec_file.h"
#include "nn/gemm.h"
#include "rec/fit.h"
#include "rec/kt_ops.h"
#include "rec/recommender.h"
#include "rec/score.h"

const char *const seer_rec_source_names[] = {"history", "features", "popularity", NULL};

void seer_rec_train_options_default(seer_rec_train_options *o, seer_rec_kind kind) {
    memset(o, 0, sizeof *o);
    o->format = SEER_FORMAT_AUTO;
    o->kind = kind;
    o->dim = kind == SEER_REC_ITEMKNN ? 100 : 64;
    o->epochs = SEER_AUTO;
    o->batch = SEER_AUTO;
    o->lr = SEER_AUTO_REAL;
    o->reg = SEER_AUTO_REAL;
    o->valid_frac = 0.1;
    o->threads = 1;
    o->seed = 1;
}

static const char *invalid(const seer_rec_train_options *o) {
    if (!o->data) return "no data file";
    if ((unsigned)o->kind > SEER_REC_ITEMKNN) return "kind is no seer_rec_kind";
    if (o->dim == 0 || o->dim > SEER_REC_DIM_MAX) return "dim must be 1 .. 1024";
    if (!(o->valid_frac >= 0 && o->valid_frac <= 0.5)) return "valid_frac must be 0 .. 0.5";
    if (o->reg != SEER_AUTO_REAL && !(o->reg >= 0 && isfinite(o->reg))) return "reg must be >= 0";
    if (o->lr != SEER_AUTO_REAL && !(o->lr > 0 && isfinite(o->lr))) return "lr must be > 0";
    if (o->threads < 1 || o->threads > 1024) return "threads must be 1 .. 1024";
    return NULL;
}

static int read_features(seer_rec_model *m, const seer_rec_train_options *o) {
    size_t unknown;
    int rc = SEER_OK;
    if (o->items_path) rc = seer_side_features_read(&m->item_feats, o->items_path, o->item_col,
                                                    &m->items, &unknown);
    if (rc == SEER_OK && o->users_path)
        rc = seer_side_features_read(&m->user_feats, o->users_path, o->user_col, &m->users,
                                     &unknown);
    return rc;
}

static int rec_train(const seer_rec_train_options *o, seer_recommender **out,
                     seer_rec_train_report *report);

int seer_rec_train(const seer_rec_train_options *o, seer_recommender **out,
                   seer_rec_train_report *report) {
    if (!o || !out) return seer_errorf(SEER_EINVAL, "seer_rec_train: NULL argument");
    const char *why = invalid(o);
    if (why) return seer_errorf(SEER_EINVAL, "recommender options: %s", why);
    // oneDNN's kernels are built while the interactions are read (nn/gemm_prepare.c), for the
    // two models whose training steps are products; the others fit without them (or ease with
    // LAPACK's), and a quick fit of theirs would only wait for kernels it never uses.
    seer_gemm_preparer kernels = {.started = 0};
    if (o->kind == SEER_REC_TWOTOWER || o->kind == SEER_REC_SASREC) seer_gemm_prepare(&kernels, 0);
    int rc = rec_train(o, out, report);
    seer_gemm_prepared(&kernels);
    return rc;
}

// seer_rec_train once its options are checked.
static int rec_train(const seer_rec_train_options *o, seer_recommender **out,
                     seer_rec_train_report *report) {
    double t0 = seer_now();
    seer_rec_train_report r;
    memset(&r, 0, sizeof r);
    seer_recommender *rec = calloc(1, sizeof *rec);
    if (!rec) return seer_errorf(SEER_ENOMEM, "out of memory");
    seer_rec_model *m = &rec->m;
    seer_rec_model_init(m, o->kind);
    seer_rec_live_init(&rec->live);
    snprintf(m->data_name, sizeof m->data_name, "%s", o->data);
    seer_threads_set(o->threads);
    seer_interactions x;
    seer_interactions_options io = {o->format, o->user_col, o->item_col, o->time_col,
                                    o->rating_col, o->skip_bad_rows};
    int rc = m->ops ? SEER_OK : seer_errorf(SEER_EINVAL, "--model %s: not in this build of seer",
                                            seer_rec_kind_names[o->kind]);
    if (rc == SEER_OK && o->format == SEER_FORMAT_KT) {   // answers, not an interaction log
        rc = seer_rec_kt_fit(m, o, &r);
        if (rc == SEER_OK) r.valid_metric_name = o->valid ? "auc" : NULL;
    } else if (rc == SEER_OK) {
        rc = seer_interactions_read(&x, o->data, &io, &m->users, &m->items);
    }
    if (rc == SEER_OK && o->format != SEER_FORMAT_KT) {
        rc = read_features(m, o);
        if (rc == SEER_OK) rc = seer_rec_fit(m, &x, o, &r);
        r.interactions = x.n;
        r.skipped = x.skipped;
        seer_interactions_free(&x);
    }
    if (rc != SEER_OK) {
        seer_rec_free(rec);
        return rc;
    }
    r.users = m->n_users;
    r.items = m->n_items;
    r.seconds = seer_now() - t0;
    if (report) *report = r;
    *out = rec;
    return SEER_OK;
}

int seer_rec_save(const seer_recommender *r, const char *path) {
    if (!r || !path) return seer_errorf(SEER_EINVAL, "seer_rec_save: NULL argument");
    return seer_rec_file_save(&r->m, path);
}

int seer_rec_load(seer_recommender **out, const char *path) {
    if (!out || !path) return seer_errorf(SEER_EINVAL, "seer_rec_load: NULL argument");
    seer_recommender *r = calloc(1, sizeof *r);
    if (!r) return seer_errorf(SEER_ENOMEM, "out of memory");
    seer_rec_live_init(&r->live);
    int rc = seer_rec_file_load(&r->m, path);
    if (rc != SEER_OK) {
        seer_rec_live_free(&r->live);
        free(r);
        return rc;
    }
    *out = r;
    return SEER_OK;
}

void seer_rec_free(seer_recommender *r) {
    if (!r) return;
    seer_rec_model_free(&r->m);
    seer_rec_live_free(&r->live);
    free(r);
}

int seer_file_is_recommender(const char *path) {
    if (!path) return seer_errorf(SEER_EINVAL, "seer_file_is_recommender: NULL path");
    return seer_rec_file_check(path);
}

seer_rec_kind seer_rec_get_kind(const seer_recommender *r) { return r->m.kind; }
size_t seer_rec_user_count(const seer_recommender *r) { return r->m.n_users; }
size_t seer_rec_item_count(const seer_recommender *r) { return r->m.n_items; }
const char *seer_rec_user_id(const seer_recommender *r, size_t i) {
    return i < r->m.n_users ? seer_idmap_name(&r->m.users, (uint32_t)i) : NULL;
}
const char *seer_rec_item_id(const seer_recommender *r, size_t i) {
    return i < r->m.n_items ? seer_idmap_name(&r->m.items, (uint32_t)i) : NULL;
}
int seer_rec_predicts_ratings(const seer_recommender *r) {
    return r->m.ops->predict_rating != NULL && r->m.has_rating;
}
