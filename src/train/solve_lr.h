// Logistic regression solved to convergence: full-batch L-BFGS (nn/lbfgs.h) over all of an lr
// network's weights (its width-1 embedding rows, the dense weights and the bias) on encoded
// rows held in memory, as LIBLINEAR and scikit-learn solve it.
#ifndef SEER_TRAIN_SOLVE_LR_H
#define SEER_TRAIN_SOLVE_LR_H

#include <stddef.h>

#include "data/dataset.h"
#include "models/net.h"
#include "nn/lbfgs.h"

// The objective of x = [embedding rows (emb_rows) | dense weights (n_dense) | bias] on d (and d2):
// mean log loss + l2 / 2 * |x without the bias|^2, its gradient into g. d's rows are
// single-valued (S == F).
typedef struct {
    const seer_dataset *d;
    size_t emb_rows;
    double l2;
    const seer_dataset *d2;   // more rows of d's shape, or NULL
} seer_lr_problem;

double seer_lr_objective(const double *x, double *g, size_t n, void *problem);

// The l2 values a run left to the data tries on its hold-out, strongest first.
// Frappe's 52,000 rows chose 3e-5, the Criteo sample's 6,500 1e-2 (BENCHMARKS.md).
#define SEER_LR_L2_PATH {3e-2, 2e-2, 1e-2, 5e-3, 2e-3, 1e-3, 5e-4, 2e-4, 1e-4, 5e-5, 2e-5, 1e-5}
#define SEER_LR_L2_PATH_LEN 12
// Up to this many training rows l2 is chosen by SEER_LR_CV_FOLDS-fold cross-validation over the
// training and hold-out rows together rather than on the hold-out alone: on German credit's 630
// + 70 rows the hold-out chose by its noise (mean test AUC 0.7711 -> 0.7733, BENCHMARKS.md).
#define SEER_LR_CV_ROWS 20000
#define SEER_LR_CV_FOLDS 5

// Cross-validation's choice on a path of T values ordered strongest first: fold (K x T) holds
// fold k's summed held-out log loss at value t, rows[k] its held-out rows. The least mean
// loss picks one value; the rule then takes the strongest value whose mean loss is within one
// standard error of it (Hastie, Tibshirani and Friedman, "The Elements of Statistical
// Learning", 7.10: the simplest model the folds cannot tell from the best), the error being
// that of the K folds' paired differences. On German credit's 700 rows it steadied the
// choice (mean test AUC of the five splits 0.7733 -> 0.7743, BENCHMARKS.md). K at most
// SEER_LR_CV_FOLDS, T at most SEER_LR_L2_PATH_LEN.
size_t seer_lr_one_se(const double *fold, const size_t *rows, size_t K, size_t T);

// Solves n (an lr network) on d from zero weights, at most max_iter iterations, and leaves
// the solution in its weights. With va (rows held out, or NULL) and l2 < 0, it first chooses
// l2 among SEER_LR_L2_PATH by the least log loss on va, or by cross-validation over d and va
// (SEER_LR_CV_ROWS, seer_lr_one_se), and scales it to the same penalty against d's summed
// loss; *l2_used says the l2 solved with (l2 itself when given, 1 / d->rows when l2 < 0
// without va). r: that solve. SEER_ENOMEM.
int seer_lr_solve(seer_net *n, const seer_dataset *d, const seer_dataset *va, double l2,
                  size_t max_iter, double *l2_used, seer_lbfgs_result *r);

// Solves n again from its weights on d and va together, once va has chosen l2, as users of
// cross-validated LIBLINEAR and scikit-learn refit on all rows: the chosen l2 scaled by
// d->rows / (d->rows + va->rows), the same penalty against the summed log loss (*l2_used).
// German credit's 630 + 70 rows: mean test AUC 0.7684 -> 0.7711 (BENCHMARKS.md). SEER_ENOMEM.
int seer_lr_refit(seer_net *n, const seer_dataset *d, const seer_dataset *va, double l2,
                  size_t max_iter, double *l2_used, seer_lbfgs_result *r);

#endif
