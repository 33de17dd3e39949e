// Scores and recommendations of one model for users given as queries: the whole catalogue's
// scores (evaluation, validation) and the top K (recommend), for every kind alike.
#ifndef SEER_REC_SCORE_H
#define SEER_REC_SCORE_H

#include "rec/model.h"
#include "rec/topk.h"

// The most dims of a user vector.
#define SEER_REC_DIM_MAX 1024

// 1 when the kind can score q: a known user, or an unknown one with recent items or features
// and a kind that builds a vector from them; else popularity has to answer.
int seer_rec_can_score(const seer_rec_model *m, const seer_rec_query *q);
// scores (n, n_items) of n <= SEER_TOPK_USERS queries, each scorable. uvec: scratch of
// SEER_TOPK_USERS * (SEER_REC_DIM_MAX + 1) floats.
void seer_rec_score_users(const seer_rec_model *m, const seer_rec_query *q, size_t n,
                          float *scores, float *uvec);
// The top k of one query into out (k), best first; *n the count. Seen items (a known user's
// training items, an unknown one's recent items) are left out unless include_seen.
// Popularity answers when the query cannot be scored (*from_pop 1). A dot-product kind with
// the int8 copy (m->compact) goes through it (rec/compact.h: the same items and scores).
// scratch: seer_rec_top_scratch(m) floats; seen: n_recent uint32_t for an unknown user's
// sorted recent items.
void seer_rec_top(const seer_rec_model *m, const seer_rec_query *q, size_t k, int include_seen,
                  seer_rec_hit *out, size_t *n, int *from_pop, float *scratch, uint32_t *seen);
// Floats of scratch seer_rec_top needs for m.
size_t seer_rec_top_scratch(const seer_rec_model *m);

#endif
