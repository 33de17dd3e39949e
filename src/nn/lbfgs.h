// L-BFGS: minimises a smooth function of n doubles from its value and gradient, as
// LIBLINEAR's and scikit-learn's logistic regression do on a table held in memory.
#ifndef SEER_NN_LBFGS_H
#define SEER_NN_LBFGS_H

#include <stddef.h>

// f at x (n) into the return value and its gradient into g (n).
typedef double (*seer_lbfgs_fn)(const double *x, double *g, size_t n, void *ctx);

typedef struct {
    size_t m;          // pairs of the inverse-Hessian estimate kept (10)
    size_t max_iter;   // iterations at most (500)
    double gtol;       // stop when the largest |gradient| is at most this (1e-6)
    double ftol;       // or when f falls by at most ftol * max(|f|, 1) in an iteration (1e-10)
} seer_lbfgs_config;

typedef struct {
    size_t iters, evals;
    double f, gmax;    // at the returned x
    int converged;     // 1: gtol or ftol stopped it; 0: max_iter, or no step lowered f
} seer_lbfgs_result;

void seer_lbfgs_config_default(seer_lbfgs_config *c);

// Minimises fn from x, leaving the minimum found in x. SEER_ENOMEM for its workspace
// (2 m n + 4 n doubles), else SEER_OK, also when it did not converge (r says so).
int seer_lbfgs_minimize(double *x, size_t n, seer_lbfgs_fn fn, void *ctx,
                        const seer_lbfgs_config *c, seer_lbfgs_result *r);

#endif
