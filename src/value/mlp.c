// The MLP of seer value (mlp.h says what it learns and how it is stopped).
#include "value/mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "nn/adam.h"
#include "nn/layers.h"
#include "nn/ziln.h"
#include "value/users.h"

#define PATIENCE 10

int seer_value_mlp_alloc(seer_value_mlp *net, size_t F, const seer_value_options *o) {
    net->ziln = o->model == SEER_VALUE_ZILN;
    net->F = F;
    net->L = o->n_hidden + 1;
    net->width[0] = F;
    for (size_t l = 0; l < o->n_hidden; l++) net->width[l + 1] = o->hidden[l];
    net->width[net->L] = net->ziln ? 3 : 1;
    net->B = o->batch;
    size_t np = 0, na = 0;
    for (size_t l = 0; l <= net->L; l++) na += net->B * net->width[l];
    for (size_t l = 0; l < net->L; l++) np += (net->width[l] + 1) * net->width[l + 1];
    net->n_params = np;
    float *blk = calloc(4 * np + 2 * na + 2 * F, sizeof *blk);
    size_t maxw = 0;
    for (size_t l = 1; l < net->L; l++) maxw = net->width[l] > maxw ? net->width[l] : maxw;
    float *dz = calloc(net->B * (maxw ? maxw : 1), sizeof *dz);
    if (!blk || !dz) {
        free(blk), free(dz);
        return seer_errorf(SEER_ENOMEM, "out of memory for the MLP");
    }
    net->params = blk, net->grads = blk + np;
    net->adam_m = blk + 2 * np, net->adam_v = blk + 3 * np;
    net->dz = dz;
    float *p = net->params, *g = net->grads, *a = blk + 4 * np;
    for (size_t l = 0; l < net->L; l++) {
        size_t in = net->width[l], out = net->width[l + 1];
        net->w[l] = p, net->dw[l] = g, p += in * out, g += in * out;
        net->b[l] = p, net->db[l] = g, p += out, g += out;
    }
    for (size_t l = 0; l <= net->L; l++) net->act[l] = a, a += net->B * net->width[l];
    for (size_t l = 0; l <= net->L; l++) net->dact[l] = a, a += net->B * net->width[l];
    net->mean = a, net->inv_std = a + F;
    return SEER_OK;
}

// PyTorch's default: weights and biases uniform in +-1 / sqrt(fan in); the head's bias at the
// data's answer (head (3 or 1)).
static void init_params(seer_value_mlp *net, seer_rng *rng, const float *head) {
    for (size_t l = 0; l < net->L; l++) {
        size_t in = net->width[l], out = net->width[l + 1];
        float bound = 1.0f / sqrtf((float)in);
        for (size_t i = 0; i < in * out; i++)
            net->w[l][i] = bound * (float)(2 * seer_rng_uniform(rng) - 1);
        for (size_t i = 0; i < out; i++)
            net->b[l][i] = bound * (float)(2 * seer_rng_uniform(rng) - 1);
    }
    memcpy(net->b[net->L - 1], head, net->width[net->L] * sizeof *head);
}

// Standardisation from the fitting rows, and the head's starting bias into head.
static void data_stats(seer_value_mlp *net, const float *x, const double *y, const uint8_t *fit,
                       size_t n, float *head) {
    double pos = 0, ly = 0, ly2 = 0, ys = 0, cnt = 0;
    for (size_t j = 0; j < net->F; j++) {
        double s = 0, s2 = 0;
        for (size_t i = 0; i < n; i++)
            if (fit[i]) s += x[i * net->F + j], s2 += (double)x[i * net->F + j] * x[i * net->F + j];
        for (size_t i = 0; j == 0 && i < n; i++) {
            if (!fit[i]) continue;
            cnt++, ys += y[i];
            if (y[i] > 0) pos++, ly += log(y[i]), ly2 += log(y[i]) * log(y[i]);
        }
        double m = cnt ? s / cnt : 0, var = cnt ? s2 / cnt - m * m : 0;
        net->mean[j] = (float)m;
        net->inv_std[j] = var > 1e-12 ? (float)(1 / sqrt(var)) : 0.0f;
    }
    net->y_scale = ys > 0 ? ys / cnt : 1;
    double rate = (pos + 0.5) / (cnt + 1), mu = pos ? ly / pos : 0;
    double sd = pos > 1 ? sqrt(fmax(ly2 / pos - mu * mu, 1e-4)) : 1;
    head[0] = net->ziln ? (float)log(rate / (1 - rate)) : 1.0f;
    head[1] = (float)mu;
    head[2] = (float)(sd + log(-expm1(-sd)));  // softplus^-1(sd)
}

// Rows idx (B) of x, standardised, into act[0]; their labels into yb.
static void load(seer_value_mlp *net, const float *x, const double *y, const size_t *idx,
                 size_t B, float *yb) {
    for (size_t r = 0; r < B; r++) {
        const float *row = x + idx[r] * net->F;
        float *a = net->act[0] + r * net->F;
        for (size_t j = 0; j < net->F; j++) a[j] = (row[j] - net->mean[j]) * net->inv_std[j];
        if (y) yb[r] = (float)(y[idx[r]] / (net->ziln ? 1 : net->y_scale));
    }
}

static void forward(seer_value_mlp *net, size_t B) {
    for (size_t l = 0; l < net->L; l++) {
        size_t in = net->width[l], out = net->width[l + 1];
        seer_linear_forward(net->act[l + 1], net->act[l], net->w[l], net->b[l], B, in, out,
                            SEER_PRECISION_FP32);
        if (l + 1 < net->L) seer_relu_forward(net->act[l + 1], net->act[l + 1], B * out);
    }
}

static double loss(const seer_value_mlp *net, const float *yb, size_t B) {
    const float *z = net->act[net->L];
    return net->ziln ? seer_ziln_forward(z, yb, B) : seer_mse_forward(z, yb, B);
}

// One Adam step on the batch in act[0] and yb (B); t counts steps from 1.
static void step(seer_value_mlp *net, const float *yb, size_t B, long t,
                 const seer_adam_config *c) {
    forward(net, B);
    memset(net->grads, 0, net->n_params * sizeof *net->grads);
    for (size_t l = 0; l <= net->L; l++) memset(net->dact[l], 0, B * net->width[l] * sizeof(float));
    const float *z = net->act[net->L];
    if (net->ziln) seer_ziln_backward(net->dact[net->L], z, yb, B);
    else seer_mse_backward(net->dact[net->L], z, yb, B);
    for (size_t l = net->L; l-- > 0;) {
        size_t in = net->width[l], out = net->width[l + 1];
        const float *dy = net->dact[l + 1];
        float *db = net->db[l];
        if (l + 1 < net->L) {
            seer_relu_bias_backward(net->dz, db, dy, net->act[l + 1], 1.0f, B, out);
            dy = net->dz, db = NULL;
        }
        seer_linear_backward(l ? net->dact[l] : NULL, net->dw[l], db, dy, net->act[l], net->w[l],
                             B, in, out, SEER_PRECISION_FP32);
    }
    seer_adam_step(net->params, net->adam_m, net->adam_v, net->grads, net->n_params, c, t, NULL);
}

// The mean loss over the rows idx (n).
static double eval_loss(seer_value_mlp *net, const float *x, const double *y, const size_t *idx,
                        size_t n, float *yb) {
    double s = 0;
    for (size_t b = 0; b < n; b += net->B) {
        size_t B = n - b < net->B ? n - b : net->B;
        load(net, x, y, idx + b, B, yb);
        forward(net, B);
        s += loss(net, yb, B) * (double)B;
    }
    return n ? s / (double)n : 0;
}

static void shuffle(size_t *idx, size_t n, seer_rng *rng) {
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)seer_rng_below(rng, i), t = idx[i - 1];
        idx[i - 1] = idx[j], idx[j] = t;
    }
}

// Epochs over fit (nf rows) with early stopping on valid (nv rows); best into best (n_params).
static void train(seer_value_mlp *net, const float *x, const double *y, size_t *fit, size_t nf,
                  const size_t *valid, size_t nv, const seer_value_options *o, seer_rng *rng,
                  float *yb, float *best, size_t *epochs_run, double *valid_loss) {
    seer_adam_config c = {(float)o->lr, 0.9f, 0.999f, 1e-8f};
    double best_loss = INFINITY;
    size_t since = 0, e = 0;
    long t = 0;
    memcpy(best, net->params, net->n_params * sizeof *best);
    for (e = 0; e < o->epochs && since < PATIENCE; e++) {
        shuffle(fit, nf, rng);
        for (size_t b = 0; b < nf; b += net->B) {
            size_t B = nf - b < net->B ? nf - b : net->B;
            load(net, x, y, fit + b, B, yb);
            step(net, yb, B, ++t, &c);
        }
        double vl = eval_loss(net, x, y, nv ? valid : fit, nv ? nv : nf, yb);
        if (vl >= best_loss) {
            since++;
            continue;
        }
        best_loss = vl, since = 0;
        memcpy(best, net->params, net->n_params * sizeof *best);
    }
    memcpy(net->params, best, net->n_params * sizeof *best);
    *epochs_run = e;
    *valid_loss = best_loss;
}

int seer_value_mlp_fit(seer_value_mlp *net, const float *x, const double *y, const uint8_t *use,
                       const char *const *names, size_t n, size_t F,
                       const seer_value_options *o, size_t *epochs_run, double *valid_loss) {
    memset(net, 0, sizeof *net);
    int rc = seer_value_mlp_alloc(net, F, o);
    if (rc) return rc;
    size_t *idx = malloc(n * sizeof *idx), nf = 0, nv = 0;
    uint8_t *fit = calloc(n, 1);
    float *yb = malloc(net->B * sizeof *yb), *best = malloc(net->n_params * sizeof *best);
    if (!idx || !fit || !yb || !best) {
        rc = seer_errorf(SEER_ENOMEM, "out of memory for the MLP");
    } else {
        // Under 20 training rows there is no validation tenth: the training loss stops it.
        size_t n_use = 0;
        for (size_t i = 0; i < n; i++) n_use += use[i] != 0;
        double valid_frac = n_use < 20 ? 0 : 0.1;
        for (size_t i = 0; i < n; i++) {
            if (!use[i]) continue;
            if (seer_value_user_in(names[i], o->seed, 0x76616c6964ULL, valid_frac))
                idx[n - 1 - nv++] = i;
            else fit[i] = 1, idx[nf++] = i;
        }
        float head[3];
        data_stats(net, x, y, fit, n, head);
        seer_rng rng;
        seer_rng_init(&rng, o->seed);
        init_params(net, &rng, head);
        train(net, x, y, idx, nf, idx + n - nv, nv, o, &rng, yb, best, epochs_run, valid_loss);
    }
    free(idx), free(fit), free(yb), free(best);
    if (rc) seer_value_mlp_free(net);
    return rc;
}

void seer_value_mlp_predict(seer_value_mlp *net, const float *x, size_t n, double *pred,
                            double *p) {
    size_t idx[1024], chunk = net->B < 1024 ? net->B : 1024;
    float v[1024], pr[1024];
    for (size_t b = 0; b < n; b += chunk) {
        size_t B = n - b < chunk ? n - b : chunk;
        for (size_t r = 0; r < B; r++) idx[r] = b + r;
        load(net, x, NULL, idx, B, NULL);
        forward(net, B);
        if (net->ziln) seer_ziln_predict(v, pr, net->act[net->L], B);
        for (size_t r = 0; r < B; r++) {
            // A value is not negative: the squared error's line is cut at 0.
            pred[b + r] = net->ziln ? v[r] : fmax(net->act[net->L][r] * net->y_scale, 0);
            p[b + r] = net->ziln ? pr[r] : NAN;
        }
    }
}

void seer_value_mlp_free(seer_value_mlp *net) {
    free(net->params);
    free(net->dz);
    memset(net, 0, sizeof *net);
}
