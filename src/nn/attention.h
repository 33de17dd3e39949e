// Causal multi-head self-attention over packed sequences (Vaswani et al. 2017, scaled dot
// product; SASRec, Kang & McAuley 2018, uses it with a causal mask).
//
// The batch holds S sequences packed one after another, without padding:
//
//     rows  off[0] .. off[1]-1 | off[1] .. off[2]-1 | ... | off[S-1] .. off[S]-1
//           sequence 0 (n0)      sequence 1 (n1)            sequence S-1
//
// so that padding costs nothing and needs no mask: a query attends to the keys of its own
// sequence at or before its row (the causal mask), never to another sequence's. Q, K, V and
// the output are (T, d) with T = off[S]; head h owns the columns h*dh .. (h+1)*dh - 1,
// dh = d / NH. For each sequence and head the scores, the weights times V, and the four
// products of the backward are GEMMs (nn/gemm.h); only the softmax is a loop.
//
// The attention weights P (softmax of the masked scores, 0 above the diagonal) are saved for
// the backward, per sequence and head, n x n each, laid out one after another:
// sum over sequences of NH * n^2 floats (seer_attention_probs_size). Optional dropout on the
// weights: drop holds, at the same layout, 0 for a dropped weight and 1/(1-p) for a kept one;
// probs_d receives P * drop, which then multiplies V.
#ifndef SEER_NN_ATTENTION_H
#define SEER_NN_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

// The floats of the saved weights for these sequences: sum of NH * n^2.
size_t seer_attention_probs_size(const uint32_t *off, size_t S, size_t NH);
// row[0..n) = its softmax, in place (n >= 1; the maximum subtracted first). The attention's
// rows and knowledge tracing's candidate rows (rec/kt_score.c) both use it.
void seer_softmax_row(float *row, size_t n);

// out (T, d) = softmax(Q K^T / sqrt(dh) masked causally) V per sequence and head.
// probs (seer_attention_probs_size) written; drop and probs_d NULL without dropout.
void seer_attention_forward(float *out, float *probs, float *probs_d, const float *drop,
                            const float *Q, const float *K, const float *V, const uint32_t *off,
                            size_t S, size_t NH, size_t d);
// dQ, dK, dV (T, d) += the gradients from dout (T, d). scratch holds n_max^2 floats, n_max the
// longest sequence. probs, probs_d and drop as the forward left them.
void seer_attention_backward(float *dQ, float *dK, float *dV, float *scratch, const float *dout,
                             const float *probs, const float *probs_d, const float *drop,
                             const float *Q, const float *K, const float *V,
                             const uint32_t *off, size_t S, size_t NH, size_t d);

#endif
