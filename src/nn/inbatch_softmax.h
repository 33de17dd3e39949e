// In-batch softmax with log-Q correction and a temperature, the loss of two-tower retrieval
// (Yi et al., "Sampling-bias-corrected neural modeling", RecSys 2019): row b of a batch pairs
// user vector a_b with its positive item vector v_b, and the other rows' items are its
// negatives. Items enter a batch in proportion to their popularity q, so each logit is
// corrected by log q of its item, which makes the softmax over the batch estimate the softmax
// over the catalogue:
//
//   z[b][j] = (a_b . v_j) / tau - log q_j,   loss_b = logsumexp_j z[b][j] - z[b][b].
//
// A column j != b holding the same item as row b (an accidental hit) is not a negative of
// row b: its logit is -inf. Forward and backward are one call, as in nn/softmax_ce.h: the
// gradient needs the softmax, and the rows' kernel (seer_softmax_ce_rows) is shared.
#ifndef SEER_NN_INBATCH_SOFTMAX_H
#define SEER_NN_INBATCH_SOFTMAX_H

#include <stddef.h>
#include <stdint.h>

// A (B, d) user vectors, V (B, d) item vectors, logq (B) log q of each row's item (NULL: no
// correction), ids (B) each row's item (NULL: no accidental hits are masked), inv_tau 1/tau.
// Returns the sum of the B losses; ADDS scale times its gradient into dA and dV (B, d).
// scratch (B, B).
double seer_inbatch_softmax(float *dA, float *dV, float *scratch, const float *A,
                            const float *V, const float *logq, const uint32_t *ids, size_t B,
                            size_t d, float inv_tau, float scale);
// The forward alone (loss sum), for gradient checks and validation: scratch (B, B).
double seer_inbatch_softmax_loss(float *scratch, const float *A, const float *V,
                                 const float *logq, const uint32_t *ids, size_t B, size_t d,
                                 float inv_tau);

#endif
