// A recommender: the catalogue (item ids, popularity, side features), each user's training
// history, and the parameters of one kind (pop, mf, bpr, ease, twotower, sasrec, itemknn).
//
// Recommenders are not CTR networks (models/net.h): they score users against the whole
// catalogue. Each kind is one file behind seer_rec_ops. A dot-product kind (mf, bpr,
// twotower, sasrec) gives user_vector, and top-K multiplies a batch of those vectors by the
// item matrix "item_vec" (n_items, dim) in one GEMM plus "item_bias" (rec/topk.c); a kind
// that is no dot product (ease: history x B; itemknn: neighbours; pop) gives score_items.
//
// Parameters are named float matrices held by the model (seer_rec_param_*), so that the
// model file (io/rec_file.c) saves and loads every kind the same way; a kind's scalar
// settings (regularisation chosen, epochs, ...) are named numbers beside them.
#ifndef SEER_REC_MODEL_H
#define SEER_REC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "data/idmap.h"
#include "data/interactions.h"
#include "rec/compact.h"
#include "seer/recommend.h"

#define SEER_REC_PARAMS_MAX 32
#define SEER_REC_SETTINGS_MAX 32
#define SEER_REC_NAME_MAX 48

typedef struct {
    char name[SEER_REC_NAME_MAX];
    size_t rows, cols;
    float *data;         // (rows, cols), owned by the model
} seer_rec_param;

typedef struct {
    char name[SEER_REC_NAME_MAX];
    double value;
} seer_rec_setting;

typedef struct seer_rec_model seer_rec_model;

// What a user is, for scoring: a known user (user >= 0: its history is the model's), or a
// user not seen in training (user -1) described by recent items and side features.
typedef struct {
    long user;                 // index in the users map, or -1
    const uint32_t *recent;    // (n_recent) item indices, oldest first (a known user's: the
    size_t n_recent;           // items after its history, appended online; sasrec reads them)
    const uint32_t *feat;      // (n_feat) user feature indices (model->user_feats.names)
    const float *feat_val;     // (n_feat)
    size_t n_feat;
    const uint32_t *exclude;   // (n_exclude) sorted: when set, the items left out instead of
    size_t n_exclude;          // the known user's training items
} seer_rec_query;

// The training interactions as a kind sees them: the log, its users' CSR in time order, and
// which interactions are held out for validation (valid[i] nonzero; NULL: none).
typedef struct {
    const seer_interactions *x;
    const uint64_t *user_off;  // (n_users + 1)
    const uint64_t *user_idx;  // (x->n) indices into x, each user's in time order
    const unsigned char *valid;
} seer_rec_data;

// One kind. train fills the kind's parameters and settings from d (the model's catalogue and
// histories are already set); it may call itself on a part of the data to choose its
// regularisation. user_vector writes the user's (dim) vector and *bias (a constant added to
// every item's score: mf's mu + b_u) for dot-product kinds, else is NULL. score_items writes
// (n_items) scores for kinds with no user vector, else is NULL. prepare checks the loaded
// parameters (SEER_EDATA naming what is missing or misshapen) and caches pointers.
// Neither scorer allocates; both may be called from several threads at once.
typedef struct {
    seer_rec_kind kind;
    // The regularisations tried when o->reg is SEER_AUTO_REAL (ascending, 0-terminated), each
    // trained on the part not held out and scored on the held-out part (rec/fit.c), the best
    // then trained on everything; by RMSE when by_rmse (mf), else by NDCG@10. NULL: train
    // once with the kind's own default (train sees o->reg SEER_AUTO_REAL).
    const float *reg_grid;
    int by_rmse;
    int (*train)(seer_rec_model *m, const seer_rec_data *d, const seer_rec_train_options *o,
                 seer_rec_train_report *r);
    void (*user_vector)(const seer_rec_model *m, const seer_rec_query *q, float *vec,
                        float *bias);
    void (*score_items)(const seer_rec_model *m, const seer_rec_query *q, float *scores);
    int (*prepare)(seer_rec_model *m);
    // A rating's prediction for (user, item) when the kind predicts ratings (mf), else NULL.
    float (*predict_rating)(const seer_rec_model *m, long user, uint32_t item);
} seer_rec_ops;

struct seer_rec_model {
    seer_rec_kind kind;
    const seer_rec_ops *ops;
    seer_idmap users, items;
    size_t n_users, n_items;
    float *pop;                // (n_items) training interactions of each item
    uint64_t *hist_off;        // (n_users + 1) each user's training items, CSR,
    uint32_t *hist_item;       // (hist_off[n_users]) in time order (the log's order w/o time)
    uint32_t *seen_sorted;     // (hist_off[n_users]) the same, sorted by item in each row,
                               // without repeats past the first (the exclusion lists)
    uint64_t *seen_off;        // (n_users + 1)
    int has_rating;            // the log had ratings
    seer_side_features item_feats, user_feats;   // rows 0 when not given
    size_t dim;                // of user and item vectors (0: score_items kinds)
    const float *item_vec;     // (n_items, dim) view of the param "item_vec", for top-K
    const float *item_bias;    // (n_items) view of "item_bias", or NULL
    seer_rec_compact compact;  // int8 copy of item_vec for one user's top-K (rec/compact.h);
                               // q NULL when not built (small catalogue, no memory)
    seer_rec_param params[SEER_REC_PARAMS_MAX];
    size_t n_params;
    seer_rec_setting settings[SEER_REC_SETTINGS_MAX];
    size_t n_settings;
    char data_name[512];       // the training file, for the model file's record
};

// The ops of a kind (NULL when this build has none for it).
const seer_rec_ops *seer_rec_ops_of(seer_rec_kind kind);

// An empty model of kind: maps initialised, nothing allocated.
void seer_rec_model_init(seer_rec_model *m, seer_rec_kind kind);
void seer_rec_model_free(seer_rec_model *m);
// The catalogue and the histories from a log read into m's maps (pop, hist_*, seen_*).
int seer_rec_model_set_data(seer_rec_model *m, const seer_interactions *x,
                            const uint64_t *user_off, const uint64_t *user_idx,
                            const unsigned char *valid);

// The exclusion lists (seen_*) again from hist_* (after a load).
int seer_rec_model_set_history(seer_rec_model *m);
// Catalogues from this size get the int8 copy: below it one fp32 pass is as quick.
#define SEER_REC_COMPACT_MIN_ITEMS 4096
// m->item_vec, m->item_bias and m->dim from the params "item_vec" and "item_bias", and the
// int8 copy of item_vec (m->compact) from SEER_REC_COMPACT_MIN_ITEMS items on. Call it again
// whenever item_vec changes. Without the copy (no memory, values it cannot bound) top-K
// reads item_vec alone and answers the same.
void seer_rec_model_views(seer_rec_model *m);

// A new zeroed parameter (rows, cols) called name, or its existing one resized (zeroed);
// NULL with SEER_ENOMEM recorded, or SEER_EINVAL past SEER_REC_PARAMS_MAX.
float *seer_rec_param_new(seer_rec_model *m, const char *name, size_t rows, size_t cols);
// The parameter called name, or NULL; rows and cols (may be NULL) get its shape.
float *seer_rec_param_get(const seer_rec_model *m, const char *name, size_t *rows,
                          size_t *cols);
// The setting called name, or dflt when unset.
double seer_rec_setting_get(const seer_rec_model *m, const char *name, double dflt);
void seer_rec_setting_set(seer_rec_model *m, const char *name, double value);

// The exclusion list of a known user (sorted item indices) and its length.
const uint32_t *seer_rec_seen(const seer_rec_model *m, uint32_t user, size_t *n);

// The kinds' ops (one file each).
extern const seer_rec_ops seer_rec_pop_ops, seer_rec_mf_ops, seer_rec_ease_ops,
    seer_rec_bpr_ops, seer_rec_twotower_ops, seer_rec_sasrec_ops, seer_rec_itemknn_ops;

#endif
