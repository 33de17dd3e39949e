// The public handle of a recommender (include/seer/recommend.h) and its model inside.
#ifndef SEER_REC_RECOMMENDER_H
#define SEER_REC_RECOMMENDER_H

#include "rec/model.h"

struct seer_recommender {
    seer_rec_model m;
};

static inline seer_rec_model *seer_rec_internal(seer_recommender *r) { return &r->m; }

#endif
