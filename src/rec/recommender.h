// The public handle of a recommender (include/seer/recommend.h) and its model inside.
#ifndef SEER_REC_RECOMMENDER_H
#define SEER_REC_RECOMMENDER_H

#include "rec/live.h"
#include "rec/model.h"

struct seer_recommender {
    seer_rec_model m;
    seer_rec_live live;   // items appended online (seer_rec_append)
};

static inline seer_rec_model *seer_rec_internal(seer_recommender *r) { return &r->m; }

#endif
