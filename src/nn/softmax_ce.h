// Softmax cross-entropy of next-item models over a catalogue of N items whose embeddings E
// (N, d) are shared with the input (SASRec ties them), forward and backward in one call:
// the loss needs the softmax, the gradient is (softmax - onehot), and keeping the (rows, N)
// logits between two calls would cost as much memory as the catalogue times the batch.
//
// Full softmax: logits = h E^T (one GEMM a chunk of rows), loss_r = logsumexp(z_r) - z_r[t_r].
// Rows are taken `chunk` at a time, so the scratch is (chunk, N), not (P, N).
// Sampled softmax with log-Q correction (Bengio & Senecal 2008; Yi et al., RecSys 2019): each
// row scores its target and M negatives shared by the batch, drawn from a distribution q;
// z = h.e - log q(item) makes the sampled softmax an unbiased estimate of the full one's
// gradient direction; a negative that is the row's own target is masked out.
//
// Both return the sum of the rows' losses and ADD scale times the gradient of that sum into
// dh and dE (scale = 1/P for the mean). dE may be NULL when E needs no gradient.
#ifndef SEER_NN_SOFTMAX_CE_H
#define SEER_NN_SOFTMAX_CE_H

#include <stddef.h>
#include <stdint.h>

// The rows' kernel: z (R, N) logits, t (R) targets < N. Returns sum of losses; dz (R, N) is
// WRITTEN with scale * (softmax(z) - onehot(t)); dz may alias z. A logit of -INFINITY is an
// excluded candidate (it gets probability 0); the target's must be finite.
double seer_softmax_ce_rows(float *dz, const float *z, const uint32_t *t, size_t R, size_t N,
                            float scale);
// Full softmax over the catalogue. h (P, d), E (N, d), t (P); dh (P, d), dE (N, d) added to.
// scratch: seer_softmax_ce_full_scratch(chunk, N, d) floats.
size_t seer_softmax_ce_full_scratch(size_t chunk, size_t N, size_t d);
double seer_softmax_ce_full(float *dh, float *dE, float *scratch, const float *h, const float *E,
                            const uint32_t *t, size_t P, size_t N, size_t d, size_t chunk,
                            float scale);
// Sampled softmax. neg (M) item ids < N, logq (N) log q(item) (the log-Q correction; NULL for
// none). scratch: chunk * (M + 1) + 2 * M * d floats. Returns the sum of the sampled losses.
double seer_softmax_ce_sampled(float *dh, float *dE, float *scratch, const float *h,
                               const float *E, const uint32_t *t, const uint32_t *neg,
                               const float *logq, size_t P, size_t M, size_t d, size_t chunk,
                               float scale);

#endif
