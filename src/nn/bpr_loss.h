// The BPR loss of implicit feedback (Rendle et al., UAI 2009), as forward/backward pairs over
// gathered rows: for a triple (user u, item i it interacted with, sampled item j) the score
// difference x = p_u . (q_i - q_j) + b_i - b_j and the loss softplus(-x) = -log sigmoid(x).
//
// The rows are gathered first (nn/embedding.h), so that these kernels see dense (B, D)
// matrices and the table gradients are summed per distinct row by seer_embedding_backward.
#ifndef SEER_NN_BPR_LOSS_H
#define SEER_NN_BPR_LOSS_H

#include <stddef.h>

// x (B) = sum_k pu[b,k] (qi[b,k] - qj[b,k]) + bi[b] - bj[b]. pu, qi, qj (B, D); bi, bj (B),
// both NULL for no item bias.
void seer_bpr_score_forward(float *x, const float *pu, const float *qi, const float *qj,
                            const float *bi, const float *bj, size_t B, size_t D);
// dpu += dx (qi - qj); dqi += dx pu; dqj -= dx pu; dbi += dx; dbj -= dx (dbi, dbj NULL with
// no bias). dx (B).
void seer_bpr_score_backward(float *dpu, float *dqi, float *dqj, float *dbi, float *dbj,
                             const float *dx, const float *pu, const float *qi, const float *qj,
                             size_t B, size_t D);

// Sum over b of softplus(-x[b]), in the stable form max(-x, 0) + log1p(exp(-|x|)).
double seer_bpr_loss_forward(const float *x, size_t B);
// dx += -scale * sigmoid(-x): the gradient of scale times the sum.
void seer_bpr_loss_backward(float *dx, const float *x, float scale, size_t B);

#endif
