// Fitting a recommender: the log read into the model's maps, the catalogue and histories set,
// the regularisation chosen on a held-out part of each user's interactions (the latest
// valid_frac of them with times, a seeded random share without), then the kind trained again
// on all of them. The validation scores are full-ranking NDCG@10 (or RMSE for rating kinds).
#ifndef SEER_REC_FIT_H
#define SEER_REC_FIT_H

#include "rec/model.h"

// Trains m (its kind set, maps holding the log's ids) on x as o says.
int seer_rec_fit(seer_rec_model *m, const seer_interactions *x, const seer_rec_train_options *o,
                 seer_rec_train_report *r);
// NDCG@k of the held-out interactions of d (d->valid), full ranking over the catalogue with
// each user's other items excluded; mean over users with one held out. NAN when none.
double seer_rec_valid_ndcg(const seer_rec_model *m, const seer_rec_data *d, size_t k);
// RMSE of the held-out ratings through ops->predict_rating; NAN when none.
double seer_rec_valid_rmse(const seer_rec_model *m, const seer_rec_data *d);
// Marks about frac of each user's interactions as held out (valid, (x->n)): the latest by
// time (the user's CSR order), at least one training interaction left per user.
void seer_rec_hold_out(unsigned char *valid, const seer_interactions *x, const uint64_t *off,
                       const uint64_t *idx, size_t n_users, double frac, uint64_t seed);

#endif
