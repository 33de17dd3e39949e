// The MLP of seer value: standardised user features -> ReLU layers -> a head of three outputs
// (ZILN: logit, mu, raw sigma) or one (MSE), trained with Adam on the training users, early
// stopped on an independent tenth of them (by the validation loss, patience 10 epochs; under 20
// training users, by the training loss).
//
// MSE learns y / mean(y) of the fitting users and predicts back in y's units: the same minimum,
// without an output that must first grow to hundreds. The head's bias starts at the data's own
// answer (ZILN: the log-odds of a purchase, the mean and deviation of ln y; MSE: 1).
#ifndef SEER_VALUE_MLP_H
#define SEER_VALUE_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "seer/value.h"

#define SEER_VALUE_LAYERS_MAX (SEER_VALUE_HIDDEN_MAX + 1)

typedef struct {
    int ziln;                        // 1: the ZILN head, 0: MSE
    size_t F, L, width[SEER_VALUE_LAYERS_MAX + 1];  // width[0] = F, width[L] = 3 or 1
    size_t n_params;
    float *params, *grads, *adam_m, *adam_v;   // (n_params) each, one block per role
    float *w[SEER_VALUE_LAYERS_MAX], *b[SEER_VALUE_LAYERS_MAX];    // views of params
    float *dw[SEER_VALUE_LAYERS_MAX], *db[SEER_VALUE_LAYERS_MAX];  // views of grads
    float *mean, *inv_std;          // (F) the standardisation of the features
    double y_scale;                 // MSE's target divisor
    size_t B;                       // batch capacity
    float *act[SEER_VALUE_LAYERS_MAX + 1], *dact[SEER_VALUE_LAYERS_MAX + 1], *dz;  // (B, width)
} seer_value_mlp;

// Allocates net for F features and o's model, hidden widths and batch (its weights zero; a
// loaded file fills params, mean, inv_std and y_scale). SEER_ENOMEM.
int seer_value_mlp_alloc(seer_value_mlp *net, size_t F, const seer_value_options *o);
// Trains net on the rows of x (n, F) with use[i] set, labels y (n) >= 0, as o says (model,
// hidden, epochs, batch, lr, seed); names (n) give the validation split. *epochs_run and
// *valid_loss report the run. SEER_ENOMEM.
int seer_value_mlp_fit(seer_value_mlp *net, const float *x, const double *y, const uint8_t *use,
                       const char *const *names, size_t n, size_t F,
                       const seer_value_options *o, size_t *epochs_run, double *valid_loss);
// The predicted values (n; MSE's cut at 0 from below) and, for ZILN, the probabilities of a
// purchase (n; NaN for MSE).
void seer_value_mlp_predict(seer_value_mlp *net, const float *x, size_t n, double *pred,
                            double *p);
void seer_value_mlp_free(seer_value_mlp *net);

#endif
