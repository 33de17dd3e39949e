// Knowledge tracing on SASRec's causal transformer (rec/sasrec.h): the blocks are sasrec's,
// the inputs and the output are this head's.
//
// A learner's answers in order are (problem p_t, skill s_t, answer a_t). With the "Rasch"
// embeddings of AKT (Ghosh et al., KDD 2020), a problem is its skill's vector moved along a
// per-skill direction by a learned per-problem scalar (its difficulty):
//
//     exercise   e_t = C[s_t] + mu[p_t] D[s_t]
//     interaction y_t = E[2 s_t + a_t] + mu[p_t] F[2 s_t + a_t]    (row 2 n_skill: the start)
//     input       x_t = e_t + y_{t-1} + R[r_t] + P[t]   (y_{-1} the start row; P sasrec's
//                 positions; r_t the pattern of the learner's last answers on skill s_t in the
//                 window, up to SEER_KT_RECENT of them, newest first: 2^c - 1 + bits for c
//                 answers, so that recency, which dot-product attention over learned
//                 positions finds hard, is in the input) + N[n_t] (n_t the learner's
//                 earlier attempts at skill s_t in the window, bucketed: 0 1 2 3 4 5-6
//                 7-9 10-14 15-24 25+)
//
// so row t sees the answers before t and the exercise at t, never a_t; the causal attention
// keeps it from later rows. Output: P(a_t = 1) = sigmoid(w2 . relu(W1 [h_t, e_t] + b1) + b2),
// with h_t the network's state; the loss is the mean binary cross-entropy over every row.
// Sequences are cut into windows of maxlen from their start (as AKT's code), each window a
// packed sequence of its own with positions 0, 1, ... from its first row.
//
// Parameters: sasrec's "rest" vector (positions, blocks, LNf; its item table unused) and
// this head's flat vector (seer_kt_head_size) laid out as C, D (n_skill, d), E, F
// (2 n_skill + 1, d), mu (n_prob), W1 (d, 2d), b1 (d), w2 (d), b2 (1), R (SEER_KT_PATTERNS, d),
// N (SEER_KT_COUNTS, d).
#ifndef SEER_REC_KT_H
#define SEER_REC_KT_H

#include <stddef.h>
#include <stdint.h>

#include "rec/sasrec.h"

typedef struct {
    seer_sasrec_config net;    // net.n_items unused
    size_t n_skill;            // skill rows: ids below it (the caller maps unknown ones)
    size_t n_prob;             // problem rows
} seer_kt_config;

#define SEER_KT_RECENT 4                              // answers of a skill in r_t
#define SEER_KT_PATTERNS ((2u << SEER_KT_RECENT) - 1)  // rows of R
#define SEER_KT_COUNTS 10                             // rows of N: attempts bucketed

typedef struct {
    float *C, *D, *E, *F, *mu, *W1, *b1, *w2, *b2, *R, *N;
} seer_kt_head;

// The buffers of a batch: sasrec's, and the head's. (T_cap) or (T_cap, d) unless said.
typedef struct {
    seer_sasrec_work w;
    uint32_t *prob, *skill;    // each row's problem and skill rows
    uint8_t *answer;
    uint8_t *recent;           // r_t
    uint8_t *count;            // n_t
    float *e;                  // the exercise embeddings
    float *z;                  // (T_cap, 2d) [h, e]
    float *u;                  // relu(W1 z + b1)
    float *p;                  // (T_cap) P(correct)
    float *dz, *du;            // (T_cap, 2d), (T_cap, d)
    float *block;
} seer_kt_work;

size_t seer_kt_head_size(const seer_kt_config *c);
void seer_kt_bind(seer_kt_head *h, float *flat, const seer_kt_config *c);
// Glorot tables and weights, mu 0 (a problem starts as its skill), zero biases; sasrec's
// part as seer_sasrec_init_params (its item table not touched).
void seer_kt_init(seer_kt_head *h, seer_sasrec_params *p, const seer_kt_config *c,
                  seer_rng *rng);

// Buffers for S_cap windows of at most maxlen rows (training: with the gradients'). SEER_ENOMEM.
int seer_kt_work_init(seer_kt_work *k, const seer_kt_config *c, size_t S_cap, int train);
void seer_kt_work_free(seer_kt_work *k);

// k->w.off[0..S], k->prob, k->skill, k->answer set: every row's P(correct) into k->p. train:
// with dropout drawn from rng (NULL otherwise).
void seer_kt_forward(const seer_kt_head *h, const seer_sasrec_params *p, const seer_kt_config *c,
                     seer_kt_work *k, size_t S, seer_rng *rng);
// After the forward: the binary cross-entropy of the rows against k->answer, each row's
// weighted by scale, its gradient added into gh and gp (zeroed by the caller). Returns the
// unweighted sum of the rows' losses.
double seer_kt_backward(seer_kt_head *gh, seer_sasrec_params *gp, const seer_kt_head *h,
                        const seer_sasrec_params *p, const seer_kt_config *c, seer_kt_work *k,
                        size_t S, float scale);
// r for a row of skill s after rows [0, n) of a window (their skills and answers).
unsigned seer_kt_recent(const uint32_t *skill, const uint8_t *answer, size_t n, uint32_t s);
// n_t for a row of skill s after rows [0, n) of a window.
unsigned seer_kt_count(const uint32_t *skill, size_t n, uint32_t s);
// The floats of seer_kt_score_next's scratch for M candidates.
size_t seer_kt_score_scratch(const seer_kt_config *c, size_t M);
// P(correct) into out (M) of each candidate exercise (prob, skill rows, M) as the answer at
// position n of a window whose n rows (n < maxlen) are sequence 0 of k, forward run without
// dropout (k from seer_kt_work_init: its blocks' keys and values are read). The same values,
// to rounding, as the window with the candidate appended.
void seer_kt_score_next(float *out, float *scratch, const seer_kt_head *h,
                        const seer_sasrec_params *p, const seer_kt_config *c,
                        const seer_kt_work *k, size_t n, const uint32_t *prob,
                        const uint32_t *skill, size_t M);
// The FLOPs of a training step's GEMMs: sasrec's blocks and this head's MLP.
double seer_kt_flops(const seer_kt_config *c, double T, double sum_n2);

#endif
