// Logistic regression solved to convergence: full-batch L-BFGS (nn/lbfgs.h) over all of an lr
// network's weights (its width-1 embedding rows, the dense weights and the bias) on encoded
// rows held in memory, as LIBLINEAR and scikit-learn solve it.
#ifndef SEER_TRAIN_SOLVE_LR_H
#define SEER_TRAIN_SOLVE_LR_H

#include <stddef.h>

#include "data/dataset.h"
#include "models/net.h"
#include "nn/lbfgs.h"

// The objective of x = [embedding rows (emb_rows) | dense weights (n_dense) | bias] on d:
// mean log loss + l2 / 2 * |x without the bias|^2, its gradient into g. d's rows are
// single-valued (S == F).
typedef struct {
    const seer_dataset *d;
    size_t emb_rows;
    double l2;
} seer_lr_problem;

double seer_lr_objective(const double *x, double *g, size_t n, void *problem);

// Solves n (an lr network) on d from zero weights, at most max_iter iterations, and leaves
// the solution in its weights. SEER_ENOMEM.
int seer_lr_solve(seer_net *n, const seer_dataset *d, double l2, size_t max_iter,
                  seer_lbfgs_result *r);

#endif
