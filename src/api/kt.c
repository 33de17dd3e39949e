// The public knowledge-tracing calls (seer/kt.h) over the recommender's model (rec/kt_ops.h).
#include "seer/kt.h"

#include <string.h>

#include "base/error.h"
#include "rec/kt_ops.h"
#include "rec/recommender.h"

int seer_rec_is_kt(const seer_recommender *r) { return r && seer_rec_is_kt_model(&r->m); }

static int need_kt(const seer_recommender *r, const char *what) {
    if (!r) return seer_errorf(SEER_EINVAL, "%s: NULL model", what);
    if (!seer_rec_is_kt_model(&r->m))
        return seer_errorf(SEER_EINVAL, "the model does not trace knowledge (%s needs one "
                           "trained on a --format kt file)", what);
    return SEER_OK;
}

int seer_kt_eval(const seer_recommender *r, const char *path, seer_kt_eval_report *out) {
    int rc = need_kt(r, "seer_kt_eval");
    if (rc != SEER_OK) return rc;
    if (!path || !out) return seer_errorf(SEER_EINVAL, "seer_kt_eval: NULL argument");
    return seer_rec_kt_eval(&r->m, path, out);
}

int seer_kt_recommend(const seer_recommender *r, const char *user, double lo, double hi,
                      size_t k, seer_kt_item *items, size_t *n, seer_kt_recommend_report *rep) {
    int rc = need_kt(r, "seer_kt_recommend");
    if (rc != SEER_OK) return rc;
    if (!user || !items || !n || !rep)
        return seer_errorf(SEER_EINVAL, "seer_kt_recommend: NULL argument");
    if (!(lo >= 0.0 && lo <= hi && hi <= 1.0))
        return seer_errorf(SEER_EINVAL, "--target %g-%g: a band 0 <= LO <= HI <= 1", lo, hi);
    if (k < 1 || k > 10000) return seer_errorf(SEER_EINVAL, "k %zu: must be 1 .. 10000", k);
    long u = seer_idmap_find(&r->m.users, user, strlen(user));
    if (u < 0)
        return seer_errorf(SEER_EINVAL, "--user %s: not a learner of the model (its history "
                           "is the training file's)", user);
    return seer_rec_kt_recommend(&r->m, u, lo, hi, k, items, n, rep);
}
