// The run's settings chosen from the number of training rows (train/auto.h). Measured on
// German credit (630 training rows), Give Me Some Credit, MovieLens, Frappe and the Criteo
// sample (BENCHMARKS.md, "Defaults on small tables"). On German credit's 630 rows a batch of 64
// (about 10 steps an epoch) and patience 3 gave the best mean AUC and the least spread over
// seeds; a longer patience let the 70-row hold-out's noise pick overfitted epochs. A table of
// 8 x the model's batch or more (2,048 rows for mlp, 8,192 for deepfm) keeps its batch,
// patience 3 and, from 20,480 rows (mlp), 50 epochs, as before.
#include "train/auto.h"

#include <stdio.h>

#include "seer.h"
#include "train/solve_lr.h"

// The largest power of two at most x (1 for 0).
static size_t pow2_floor(size_t x) {
    size_t p = 1;
    while (p <= x / 2) p *= 2;
    return p;
}

static size_t clamp(size_t x, size_t lo, size_t hi) { return x < lo ? lo : x > hi ? hi : x; }

int seer_train_auto(seer_train_job *o, size_t n, size_t width, int can_solve) {
    o->lbfgs = can_solve && o->net.kind == SEER_MODEL_LR && o->batch == SEER_AUTO &&
               o->lr == SEER_AUTO_REAL && n <= SEER_AUTO_LBFGS_VALUES / (width ? width : 1);
    // l2 counts only where it is used.
    int chosen = o->batch == SEER_AUTO || o->epochs == SEER_AUTO || o->patience == SEER_AUTO ||
                 o->lr == SEER_AUTO_REAL || (o->lbfgs && o->l2 == SEER_AUTO_REAL) ||
                 (!o->lbfgs && o->average_decay < 0);
    size_t b0 = seer_model_ops_of(o->net.kind)->batch;
    if (o->batch == SEER_AUTO) {
        size_t lo = b0 < SEER_AUTO_BATCH_MIN ? b0 : SEER_AUTO_BATCH_MIN;
        o->batch = clamp(pow2_floor(n / SEER_AUTO_STEPS_MIN), lo, b0);
    }
    // An L-BFGS solve chooses l2 on the hold-out (train/solve_lr.h); nothing else uses it.
    if (o->l2 == SEER_AUTO_REAL && !o->lbfgs) o->l2 = 0;
    size_t steps = (n + o->batch - 1) / o->batch;
    if (o->epochs == SEER_AUTO)
        o->epochs = o->lbfgs ? SEER_AUTO_LBFGS_ITERS
                             : clamp((SEER_AUTO_RUN_STEPS + steps - 1) / steps, 50, 200);
    if (o->average_decay < 0)
        o->average_decay = !o->lbfgs && steps >= SEER_AUTO_AVERAGE_STEPS
                               ? SEER_AUTO_AVERAGE_DECAY : 0;
    // Averaged weights take the noise of larger steps out (GMSC: 0.8598 at lr 0.001, 0.8603 at
    // 0.002; MovieLens 0.6390 and 0.6424).
    if (o->lr == SEER_AUTO_REAL)
        o->lr = o->net.adagrad ? 0.01f : o->average_decay > 0 ? SEER_AUTO_AVERAGE_LR : 1e-3f;
    if (o->patience == SEER_AUTO) {
        size_t p = (SEER_AUTO_PATIENCE_STEPS + steps - 1) / steps;
        o->patience = p > 3 ? p : 3;
    }
    return chosen;
}

void seer_train_auto_text(const seer_train_job *o, size_t n, int held_out, char *buf,
                          size_t cap) {
    if (o->lbfgs && o->l2 == SEER_AUTO_REAL && held_out)
        snprintf(buf, cap, "full-batch L-BFGS, l2 chosen %s from 1e-5 to 3e-2%s, up to %zu "
                 "iterations",
                 n <= SEER_LR_CV_ROWS ? "by cross-validation (1-SE rule)" : "on the hold-out",
                 o->valid_path ? "" : ", then on all rows", o->epochs);
    else if (o->lbfgs && o->l2 == SEER_AUTO_REAL)
        snprintf(buf, cap, "full-batch L-BFGS, l2 1/n = %.3g (no hold-out to choose it on), "
                 "up to %zu iterations", 1.0 / (double)n, o->epochs);
    else if (o->lbfgs)
        snprintf(buf, cap, "full-batch L-BFGS, l2 %.3g, up to %zu iterations", (double)o->l2,
                 o->epochs);
    else
        snprintf(buf, cap, "batch %zu, lr %g, up to %zu epochs, patience %zu%s", o->batch,
                 (double)o->lr, o->epochs, o->patience,
                 o->average_decay > 0 ? ", weights averaged" : "");
}
