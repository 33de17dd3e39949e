// The kinds of recommender this build has, and their names.
#include <string.h>

#include "base/error.h"
#include "rec/model.h"

const char *const seer_rec_kind_names[] = {"pop", "mf", "bpr", "ease", "twotower", "sasrec",
                                           "itemknn", NULL};

const seer_rec_ops *seer_rec_ops_of(seer_rec_kind kind) {
    switch (kind) {
    case SEER_REC_POP: return &seer_rec_pop_ops;
    case SEER_REC_MF: return &seer_rec_mf_ops;
    case SEER_REC_EASE: return &seer_rec_ease_ops;
    case SEER_REC_BPR: return &seer_rec_bpr_ops;
    case SEER_REC_TWOTOWER: return &seer_rec_twotower_ops;
    case SEER_REC_SASREC: return &seer_rec_sasrec_ops;
    case SEER_REC_ITEMKNN: return &seer_rec_itemknn_ops;
    default: return NULL;
    }
}

int seer_rec_kind_parse(const char *name, seer_rec_kind *out) {
    for (int k = 0; name && seer_rec_kind_names[k]; k++)
        if (!strcmp(name, seer_rec_kind_names[k])) {
            *out = (seer_rec_kind)k;
            return SEER_OK;
        }
    return seer_errorf(SEER_EINVAL,
                       "'%s' is no recommender (pop, mf, bpr, ease, twotower, sasrec, "
                       "itemknn)",
                       name ? name : "(null)");
}
