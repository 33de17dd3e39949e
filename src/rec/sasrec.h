// SASRec (Kang & McAuley, ICDM 2018): a causal transformer over a user's item sequence that
// predicts the next item, with the item embeddings shared by the input and the output layer.
//
// The network is the one of the authors' code and of bench/torch_sasrec.py, so that figures
// compare: x = E[item] * sqrt(d) + P[position] (dropout); per block, the "pre-LN" placement
//
//     q = LN1(x);  a = softmax(causal(q Wq^T + bq) (x Wk^T + bk)^T / sqrt(dh)) (x Wv^T + bv)
//     m = q + a;   y = LN2(m);   x = y + drop(W2 drop(relu(W1 y + b1)) + b2)
//
// (queries from LN1(x), keys and values from x, no output projection), then h = LNf(x), and
// the score of item j after position t is h_t . E[j]. Layer norms use eps 1e-8.
//
// Sequences travel packed (nn/attention.h): no padding rows, so an item's position is its
// place counted from the sequence's end, L-n+k for the k-th of n items (the latest item sits
// at L-1, as left padding gives it), and a batch of S sequences is T = sum of lengths rows.
//
// Parameters: the item table "item_vec" (n_items, d), and everything else in one flat vector
// (seer_sasrec_rest_size) laid out as: pos (L, d); for each block ln1_g, ln1_b (d), wq (d, d),
// bq (d), wk, bk, wv, bv, ln2_g, ln2_b, w1 (d, d), b1, w2 (d, d), b2; then lnf_g, lnf_b (d).
// Linear weights in PyTorch's (out, in) layout.
#ifndef SEER_REC_SASREC_H
#define SEER_REC_SASREC_H

#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"

#define SEER_SASREC_BLOCKS_MAX 16
#define SEER_SASREC_MAXLEN_MAX 1024
#define SEER_SASREC_DIM_MAX 1024
// The floats a one-sequence forward may use on the stack (user_vector; about 9 L d + NH L^2):
// 1 MiB, within the 2 MiB stack of every thread of the seer command (cli/main.c); maxlen 200
// at width 64 fits.
#define SEER_SASREC_STACK_FLOATS (256u << 10)

typedef struct {
    size_t n_items, maxlen, dim, blocks, heads;
    float dropout;
} seer_sasrec_config;

typedef struct {
    float *ln1_g, *ln1_b, *wq, *bq, *wk, *bk, *wv, *bv;
    float *ln2_g, *ln2_b, *w1, *b1, *w2, *b2;
} seer_sasrec_block;

// Views into the two parameter blocks (or their gradients, or Adam's moments).
typedef struct {
    float *item;      // (n_items, d)
    float *pos;       // (L, d)
    seer_sasrec_block blk[SEER_SASREC_BLOCKS_MAX];
    float *lnf_g, *lnf_b;
} seer_sasrec_params;

// What one block's forward saves for its backward. (T, d) unless said.
typedef struct {
    float *x;                  // the block's input
    float *q, *ln1_m, *ln1_r;  // LN1(x), its means and 1/std (T)
    float *Q, *K, *V, *att;    // the projections and the attention's output
    float *probs, *probs_d, *drop_att;   // (seer_attention_probs_size)
    float *m, *y, *ln2_m, *ln2_r;        // q + att, LN2(m)
    float *f1;                 // relu(W1 y + b1), dropped
    float *drop2;              // the mask of the second dropout
} seer_sasrec_saved;

// A batch's buffers, sized once for S_cap sequences of at most L items.
typedef struct {
    size_t S_cap, T_cap, probs_cap, ce_chunk;
    uint32_t *off;             // (S_cap + 1) the packed layout of this batch
    uint32_t *item, *pos;      // (T_cap) each row's item and position
    uint32_t *target;          // (T_cap) each row's next item (training)
    float *drop_emb;           // (T, d)
    seer_sasrec_saved blk[SEER_SASREC_BLOCKS_MAX];
    float *x_last, *h, *lnf_m, *lnf_r;   // the last block's output, LNf of it
    float *dx, *dq, *dy, *df, *dQ, *dK, *dV, *dh;   // activation gradients (T, d)
    float *att_scratch;        // (L, L)
    float *ce_scratch;         // (seer_softmax_ce_full_scratch(ce_chunk, n_items, d))
    float *block;              // the one allocation
} seer_sasrec_work;

// The floats of the flat vector of everything but the item table.
size_t seer_sasrec_rest_size(const seer_sasrec_config *c);
// Views of item (n_items, d) and rest (seer_sasrec_rest_size).
void seer_sasrec_bind(seer_sasrec_params *p, float *item, float *rest,
                      const seer_sasrec_config *c);
// Glorot-uniform weights and tables, zero biases, layer norms g = 1, b = 0 (as the reference).
void seer_sasrec_init_params(seer_sasrec_params *p, const seer_sasrec_config *c, seer_rng *rng);

// The buffers for S_cap sequences (training: the full softmax's scratch of ce_chunk rows;
// ce_chunk 0 for none). SEER_ENOMEM.
int seer_sasrec_work_init(seer_sasrec_work *w, const seer_sasrec_config *c, size_t S_cap,
                          size_t ce_chunk);
void seer_sasrec_work_free(seer_sasrec_work *w);
// Carves the buffers of one sequence's inference forward (S_cap 1, no dropout, no backward)
// from mem (seer_sasrec_infer_floats); 0 when mem is too small.
size_t seer_sasrec_infer_floats(const seer_sasrec_config *c);
int seer_sasrec_work_carve_infer(seer_sasrec_work *w, const seer_sasrec_config *c, float *mem,
                                 size_t n_floats);

// w->off[0..S] and w->item set: fills w->pos and runs the network to w->h (T, d). train: with
// dropout drawn from rng (NULL otherwise).
void seer_sasrec_forward(const seer_sasrec_params *p, const seer_sasrec_config *c,
                         seer_sasrec_work *w, size_t S, seer_rng *rng);
// From w->dh (T, d), adds every parameter's gradient into g (zeroed by the caller). Uses and
// overwrites the activation gradients of w.
void seer_sasrec_backward(seer_sasrec_params *g, const seer_sasrec_params *p,
                          const seer_sasrec_config *c, seer_sasrec_work *w, size_t S);
// The network over inputs another head made (knowledge tracing, rec/kt.h): w->blk[0].x
// holds each row's input (T, d), positions added, and w->off the layout; runs dropout, the
// blocks and LNf to w->h. p->item is not read.
void seer_sasrec_forward_inputs(const seer_sasrec_params *p, const seer_sasrec_config *c,
                                seer_sasrec_work *w, size_t S, seer_rng *rng);
// Its backward: from w->dh, the blocks' and LNf's gradients into g, and the inputs' gradient
// (T, d) in w->dx, for the caller to take to its own tables (positions included).
void seer_sasrec_backward_inputs(seer_sasrec_params *g, const seer_sasrec_params *p,
                                 const seer_sasrec_config *c, seer_sasrec_work *w, size_t S);
// The FLOPs of one training step's GEMMs over T rows in S sequences of the given squared
// lengths sum (sum n^2), with the full softmax over n_items: forward and backward.
double seer_sasrec_flops(const seer_sasrec_config *c, double T, double sum_n2);

#endif
