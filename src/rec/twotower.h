// twotower's network, open to the tests: the tables, the towers and one batch's forward and
// backward (the loss, nn/inbatch_softmax.h), apart from the data and the optimiser.
//
//   user row:  [ user_emb[u] | mean of hist_emb over recent items | sum val * user_feat_emb ]
//              -> user tower (rec/tower.h) -> a (D)
//   item row:  [ item_emb[i] | sum val * item_feat_emb ] -> item tower -> v (D)
//   score(u, i) = a . v;  training: in-batch softmax of a_b . v_j / tau - log q_j.
//
// Every table is E wide (E = D). The feature blocks exist only when the model has side
// features of that entity; the recent items are a bag (CSR) per row, as are the features.
#ifndef SEER_REC_TWOTOWER_H
#define SEER_REC_TWOTOWER_H

#include <stddef.h>
#include <stdint.h>

#include "rec/row_table.h"
#include "rec/tower.h"

// A bag per row of a batch: ids[off[b] .. off[b + 1]) with weights w (CSR, B rows).
typedef struct {
    const uint32_t *ids, *off;
    const float *w;
} seer_tt_bags;

typedef struct {
    size_t B;
    const uint32_t *users, *items;   // (B) each row's user and positive item
    seer_tt_bags recent;             // recent items of each row's user, weights 1/count
    seer_tt_bags user_feat, item_feat;   // ids NULL when the model has none
    const float *logq;               // (B) log q of each row's item (NULL: no correction)
} seer_tt_batch;

typedef struct {
    size_t E, cap, cap_bag;          // width; rows and bag ids a batch may hold
    int has_uf, has_if;              // side features of users, items
    seer_rec_table user, hist, item, ufeat, ifeat;
    seer_rec_tower tu, ti;               // the weights (views of the model's params)
    seer_rec_tower gu, gi, mu, vu, mi, vi;   // gradients and Adam's moments
    float *grads, *moments;          // their blocks
    float *xu, *dxu, *hu, *dzu, *A, *dA;   // (cap, in_u) (cap, in_u) (cap, H) (cap, H) (cap, E)
    float *xi, *dxi, *hi, *dzi, *V, *dV;   // (cap, in_i) ... (cap, E)
    float *zz;                       // (cap, cap) the logits
} seer_tt_net;

// The tables are the model's (user (n_users, E), hist and item (n_items, E), the feature
// tables (n_feats, E) or NULL), the towers' weights too; cap rows a batch, cap_bag bag ids.
int seer_tt_net_init(seer_tt_net *n, float *user, size_t n_users, float *hist, float *item,
                     size_t n_items, float *ufeat, size_t n_uf, float *ifeat, size_t n_if,
                     size_t E, const seer_rec_tower *tu, const seer_rec_tower *ti, size_t cap,
                     size_t cap_bag);
void seer_tt_net_free(seer_tt_net *n);

// The batch's mean loss, the in-batch softmax's plus reg times the squared norms of the
// towers' input rows (the id embeddings and pooled features a row gathers); its gradient is
// WRITTEN into the gathered tables' drows and the towers' gradients (zeroed here first).
double seer_tt_step(seer_tt_net *n, const seer_tt_batch *b, float inv_tau, float reg);
// Adam on everything the last step touched (global step k from 1).
void seer_tt_update(seer_tt_net *n, const seer_adam_config *c, long k);
// The user rows (B, in_u) of b into n->xu, and the item rows into n->xi (the towers' input).
void seer_tt_inputs(seer_tt_net *n, const seer_tt_batch *b);

#endif
