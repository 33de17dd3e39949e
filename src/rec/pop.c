// Popularity: every user gets the items with the most training interactions (the baseline
// every recommender is measured against, and the answer for a user nothing is known of).
#include <string.h>

#include "base/error.h"
#include "rec/model.h"

static int pop_train(seer_rec_model *m, const seer_rec_data *d, const seer_rec_train_options *o,
                     seer_rec_train_report *r) {
    r->epochs = 0;
    return SEER_OK;
}

static void pop_scores(const seer_rec_model *m, const seer_rec_query *q, float *scores) {
    memcpy(scores, m->pop, m->n_items * sizeof *scores);
}

static int pop_prepare(seer_rec_model *m) { return SEER_OK; }

const seer_rec_ops seer_rec_pop_ops = {
    .kind = SEER_REC_POP,
    .reg_grid = NULL,
    .train = pop_train,
    .score_items = pop_scores,
    .prepare = pop_prepare,
};
