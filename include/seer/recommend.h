// seer: recommenders, from interaction logs to the top-K items of a user.
//
// Train a recommender on a log of (user, item, [time], [rating]) (seer_rec_train), save and
// load it (the same model-file container as seer_model, its document's "kind" says
// "recommender"), recommend for a user the model knows, or for one it does not from recent
// items and side features (else from popularity; the answer says which), and evaluate on a
// test log with full ranking over the catalogue (seer_rec_eval). Ids are the strings of the
// files. Every function returns SEER_OK or a negative seer_error with a message
// (seer_error_message), as in seer.h.
#ifndef SEER_RECOMMEND_H
#define SEER_RECOMMEND_H

#include <stddef.h>
#include <stdint.h>

#include "seer.h"

#ifdef __cplusplus
extern "C" {
#endif

// The kinds. Model files store the name, not the value.
typedef enum {
    SEER_REC_POP,       // popularity: training interactions per item
    SEER_REC_MF,        // biased matrix factorisation of explicit ratings (SGD)
    SEER_REC_BPR,       // implicit feedback, BPR loss
    SEER_REC_EASE,      // Steck's closed-form item-item model (LAPACK)
    SEER_REC_TWOTOWER,  // user and item towers, in-batch softmax with log-Q correction
    SEER_REC_SASREC,    // next-item over sequences: a causal transformer (SASRec)
    SEER_REC_ITEMKNN,   // item-item cosine neighbours (N per item), summed over the history
} seer_rec_kind;

// "pop", "mf", "bpr", "ease", "twotower", "sasrec", "itemknn"; NULL-terminated.
extern const char *const seer_rec_kind_names[];
// The kind of a name; SEER_EINVAL for none.
int seer_rec_kind_parse(const char *name, seer_rec_kind *out);

// The most items ease takes (its item-item matrix is items^2 floats, its solve items^2
// doubles).
#define SEER_EASE_ITEMS_MAX 30000

typedef struct {
    // The log.
    const char *data;
    seer_format format;         // SEER_FORMAT_AUTO (CSV/TSV with a header) or MOVIELENS
    const char *user_col;       // CSV/TSV: "user", "item" when NULL; time and rating NULL:
    const char *item_col;       // none
    const char *time_col;
    const char *rating_col;
    const char *items_path;     // side features of items (NULL: none), joined by id
    const char *users_path;     // side features of users
    int skip_bad_rows;
    const char *valid;          // SEER_FORMAT_KT: the validation file (early stopping on its
                                // AUC; NULL: every epoch trained, the last kept)
    // The model.
    seer_rec_kind kind;
    size_t dim;                 // vectors: mf 64, bpr 64, twotower 64; itemknn: neighbours
                                // kept per item (100)
    size_t epochs;              // SEER_AUTO: the kind's default
    size_t batch;               // SEER_AUTO: the kind's default
    float lr;                   // SEER_AUTO_REAL: the kind's default
    float reg;                  // SEER_AUTO_REAL: chosen on a validation part of the training
                                // log (ease: lambda of the ridge; mf, bpr: L2 of the factors;
                                // itemknn: the cosine's shrinkage, default 0, not chosen)
    int pop_negatives;          // bpr: 0 uniform negatives, 1 popularity-corrected
    int sgd;                    // bpr: 1 plain SGD on the rows a batch touched, 0 Adam
    double valid_frac;          // 0.1: share of each user's interactions (the latest, with
                                // times) held out to choose reg; the model is fitted again on
                                // all of them
    int threads;                // 1
    uint64_t seed;              // 1
    int quiet;                  // 0: a line per step of the choice on stderr
    // sasrec (next-item over each user's sequence; 0: the default in brackets).
    size_t maxlen;              // the latest items of a sequence it reads (50)
    size_t blocks;              // transformer blocks (2)
    size_t heads;               // attention heads, dividing dim (1)
    float dropout;              // (0.5; a negative value: none)
    int sampled_loss;           // 0 full softmax over the catalogue, 1 sampled with log-Q
    size_t negatives;           // sampled: shared negatives a step (1024)
    size_t patience;            // epochs without a better validation NDCG@10 (10)
} seer_rec_train_options;

void seer_rec_train_options_default(seer_rec_train_options *o, seer_rec_kind kind);

typedef struct {
    size_t interactions, users, items, skipped;
    float reg;                  // the regularisation used (NAN: the kind has none)
    const char *reg_from;       // "given", "validation", "default" (a hold-out with no user
                                // to choose by: the grid's first) or "none" (sasrec: dropout)
    double valid_metric;        // the validation score of the reg chosen (NAN: none)
    const char *valid_metric_name;   // "rmse" (mf) or "ndcg@10"
    size_t epochs;
    double seconds;
    // Next-item kinds (sasrec): leave-one-out by time, each user's last item the test target,
    // ranked over the whole catalogue with nothing excluded (has_test 1).
    int has_test;
    size_t test_users, best_epoch;
    double test_hr[3], test_ndcg[3];   // K = 5, 10, 20
    double seconds_per_epoch;          // the training loop alone, wall clock
    double flops_per_epoch;            // of the GEMMs, forward and backward
} seer_rec_train_report;

typedef struct seer_recommender seer_recommender;

int seer_rec_train(const seer_rec_train_options *o, seer_recommender **out,
                   seer_rec_train_report *report);
// Atomic, as seer_model_save.
int seer_rec_save(const seer_recommender *r, const char *path);
int seer_rec_load(seer_recommender **out, const char *path);
void seer_rec_free(seer_recommender *r);
// 1 when path is a recommender's model file, 0 when it is another seer model (a CTR
// network), or a negative code (SEER_EIO, SEER_EDATA) when it is neither.
int seer_file_is_recommender(const char *path);

seer_rec_kind seer_rec_get_kind(const seer_recommender *r);
size_t seer_rec_user_count(const seer_recommender *r);
size_t seer_rec_item_count(const seer_recommender *r);
// The id of user (item) i, in the model's order.
const char *seer_rec_user_id(const seer_recommender *r, size_t i);
const char *seer_rec_item_id(const seer_recommender *r, size_t i);
// 1 when the model predicts ratings (mf on a log with ratings).
int seer_rec_predicts_ratings(const seer_recommender *r);

// Where a recommendation came from.
typedef enum {
    SEER_REC_FROM_HISTORY,      // a user the model knows
    SEER_REC_FROM_FEATURES,     // an unknown user, from recent items and/or features
    SEER_REC_FROM_POPULARITY,   // an unknown user with nothing usable: the most popular
} seer_rec_source;
extern const char *const seer_rec_source_names[];   // "history", "features", "popularity"

typedef struct {
    const char *user;                     // the id, or NULL for a user given by the rest
    size_t k;                             // 10
    int include_seen;                     // 0: the user's training items are left out
    const char *const *recent_items;      // item ids, oldest first; unknown ones ignored
    size_t n_recent;
    const char *const *feature_names;     // user side features: column names and values
    const char *const *feature_values;
    size_t n_features;
} seer_rec_request;

typedef struct {
    const char *item;           // valid while the model lives
    float score;
} seer_rec_item;

// The top k items (k <= 10000) for the request into items (k entries); *n gets how many
// (fewer when the catalogue is smaller), *source where they came from. A known user's recent
// items and features are ignored (its history speaks). Safe to call from several threads on
// one model.
int seer_rec_recommend(const seer_recommender *r, const seer_rec_request *q,
                       seer_rec_item *items, size_t *n, seer_rec_source *source);

// Online events of a next-item model (sasrec): item appended to user's sequence, so that the
// next recommendation for user scores the sequence with it last (and leaves it out unless
// include_seen). A user the model does not know gets a sequence of its own, recommended from
// as its history (at most 1048576 such users). Each user keeps its latest maxlen appended
// items, in memory only: the model file is not changed (seer serve logs the events and
// replays them). Safe while seer_rec_recommend runs on other threads. SEER_EINVAL for
// another kind; SEER_EDATA when the catalogue lacks item, for an empty user id, or past the
// users kept; SEER_ENOMEM.
int seer_rec_append(seer_recommender *r, const char *user, const char *item);

// How many of the n item ids the model's catalogue does not hold: the recent items a
// request gives that recommending skips (the server's and the CLI's "unknown_items").
size_t seer_rec_unknown_items(const seer_recommender *r, const char *const *items, size_t n);

// Writes the CSV "user,rank,item,score,source" (a header, then k lines a user, best first)
// for each user of users (n ids; NULL: every user of the model) to path (atomically; NULL:
// stdout). Unknown users get popularity, and their source says so.
int seer_rec_recommend_file(const seer_recommender *r, const char *const *users, size_t n,
                            size_t k, int include_seen, const char *path);

#define SEER_REC_CUTOFFS 3      // K = 5, 10, 20

typedef struct {
    const char *path;
    seer_format format;         // as seer_rec_train_options'
    const char *user_col, *item_col, *time_col, *rating_col;
    int skip_bad_rows;
    double min_rating;          // an item is relevant when rated at least this (-inf: any)
    int exclude_seen;           // 1 (default): the user's training items are not ranked
    size_t sampled;             // 0: full ranking; N: each relevant item against N sampled
                                // unseen items (the metrics are then named "sampled_...")
    uint64_t seed;              // of the sampling
} seer_rec_eval_options;

void seer_rec_eval_options_default(seer_rec_eval_options *o);

typedef struct {
    size_t interactions, users_evaluated, skipped;
    size_t unknown_users, unknown_items;   // of the test log (unknown items stay relevant)
    size_t cutoff[SEER_REC_CUTOFFS];       // 5, 10, 20
    double ndcg[SEER_REC_CUTOFFS], recall[SEER_REC_CUTOFFS], hr[SEER_REC_CUTOFFS];
    double mrr;
    int has_rating;                        // rmse and mae below are set (mf with ratings)
    double rmse, mae;
    size_t rated;                          // test ratings of known user and item
    double seconds, seconds_per_user;
} seer_rec_eval_report;

// NDCG@K binary, ideal DCG over min(|relevant|, K); recall@K = hits / min(|relevant|, K);
// hr@K 1 with a hit; mrr the reciprocal rank of the first relevant item over the whole
// ranking; means over the test users with at least one relevant item.
// With format SEER_FORMAT_SEQ (a sasrec model; else SEER_EINVAL): leave-one-out on the file's
// sequences as training's test: each user of 3 items or more has its last item ranked over
// the whole catalogue, nothing excluded, after the latest maxlen items before it (items the
// model lacks dropped; an unknown last item, or fewer than two known before it, is a miss);
// hr and ndcg (recall the same), users_evaluated those users; the model's stored sequences
// are not used, and mrr is NAN.
int seer_rec_eval(const seer_recommender *r, const seer_rec_eval_options *o,
                  seer_rec_eval_report *out);

#ifdef __cplusplus
}
#endif

#endif
