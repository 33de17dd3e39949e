// The training pipeline: two streaming passes over the text (profile, then
// encode), then epochs over the encoded rows in memory.
#include "train/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seer.h"

#include "base/clock.h"
#include "base/error.h"
#include "base/progress.h"
#include "base/threads.h"
#include "data/dataset.h"
#include "data/encode.h"
#include "base/threads.h"
#include "train/encode_ahead.h"
#include "data/profile.h"
#include "io/checkpoint.h"
#include "nn/gemm.h"
#include "train/auto.h"
#include "train/average.h"
#include "train/calibrate.h"
#include "train/datacache.h"
#include "train/solve_lr.h"
#include "train/value_metrics.h"

void seer_train_job_default(seer_train_job *o) {
    memset(o, 0, sizeof *o);
    seer_transform_options_default(&o->tf);
    o->format = SEER_FORMAT_AUTO;
    seer_net_config_default(&o->net, SEER_MODEL_MLP);
    o->cache = -1;
    o->epochs = 50;
    o->batch = seer_model_ops_of(SEER_MODEL_MLP)->batch;
    o->lr = 1e-3f;
    o->threads = 1;
    o->seed = 1;
    o->valid_frac = 0.1;
    o->patience = 3;
    o->l2 = SEER_AUTO_REAL;
    o->train_metrics = 1;
    o->calibration = SEER_CALIBRATION_PLATT;
}


// Metrics of the network on encoded rows, the binary ones or a value's with the mean training
// loss; p is scratch (d->rows).
static int eval_dataset(seer_net *n, const seer_dataset *d, float *p, seer_binary_metrics *m) {
    size_t cap = n->cfg.batch_cap;
    double loss = 0;
    // Packed rows are written out a batch at a time.
    float *scratch = d->pack ? malloc(cap * d->n_dense * sizeof *scratch) : NULL;
    if (d->pack && !scratch) return seer_errorf(SEER_ENOMEM, "out of memory scoring rows");
    for (size_t s = 0; s < d->rows; s += cap) {
        size_t B = d->rows - s < cap ? d->rows - s : cap;
        seer_net_predict(n, d->ids + s * d->S, seer_dataset_dense_rows(d, s, B, scratch), B,
                         p + s);
        if (n->cfg.task != SEER_TASK_BINARY) loss += seer_net_loss(n, d->y + s, B) * (double)B;
        seer_dataset_release(d, s, B);
    }
    free(scratch);
    if (n->cfg.task == SEER_TASK_BINARY) return seer_binary_metrics_compute(m, p, d->y, d->rows);
    int rc = seer_value_metrics_compute(m, p, d->y, d->rows, n->cfg.task);
    m->loss = d->rows ? loss / (double)d->rows : NAN;
    return rc;
}

// The best epoch's weights: dense block, embedding table and wide table.
typedef struct {
    float *params, *emb, *wide;
} snapshot;

static void snapshot_copy(float *params, float *emb, float *wide, const float *from_params,
                          const float *from_emb, const float *from_wide, const seer_net *n) {
    memcpy(params, from_params, n->n_params * sizeof(float));
    memcpy(emb, from_emb, n->cfg.emb_rows * n->D * sizeof(float));
    if (n->plan.wide) memcpy(wide, from_wide, n->cfg.emb_rows * sizeof(float));
}

// A run diverged once its loss or a weight is NaN or infinite: nothing after
// that is a model, so it stops there (SEER_EDATA: the data or the settings did
// it, typically too large a --lr). The loss is checked every step, which costs
// nothing; the weights after every epoch and before every checkpoint.
static int check_diverged(const seer_net *n, double loss, float lr) {
    const char *what = !isfinite(loss) ? "the loss" : seer_net_nonfinite(n);
    if (!what) return SEER_OK;
    return seer_errorf(SEER_EDATA, "training diverged at step %ld: %s is not finite (try a "
                       "smaller --lr than %g); no model written", n->step, what, (double)lr);
}

// Writes a checkpoint of where the run stands.
static int checkpoint(const seer_model *m, const seer_train_job *o,
                      const seer_checkpoint_state *st, const snapshot *best) {
    int has_best = best->params && st->best_epoch > 0;
    return seer_checkpoint_write(m, o->checkpoint_path, st, has_best ? best->params : NULL,
                                 best->emb, best->wide);
}

// Rows per shuffle chunk. An epoch visits the chunks in a shuffled order and
// the rows of each in a shuffled order, so it reads one chunk's rows at a
// time: a mapped cache is read a chunk at a time and released after it, and
// the shuffle needs memory for one chunk, not for the whole file.
#define SHUFFLE_CHUNK ((size_t)1 << 16)

static size_t chunk_rows(const seer_dataset *d, size_t c) {
    size_t first = c * SHUFFLE_CHUNK;
    return d->rows - first < SHUFFLE_CHUNK ? d->rows - first : SHUFFLE_CHUNK;
}

// a = a random permutation of 0 .. n-1 (Fisher-Yates on the identity).
static void shuffle(size_t *a, size_t n, seer_rng *r) {
    for (size_t i = 0; i < n; i++) a[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)seer_rng_below(r, i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

// A run of epochs: what its steps share. st says where to start (all zero for a new run, or
// what a checkpoint recorded) and is kept current, so that a checkpoint written after any
// step continues to the same result.
typedef struct {
    seer_model *model;
    const seer_dataset *tr, *va;
    const seer_train_job *o;
    seer_train_outcome *r;
    seer_checkpoint_state *st;
    snapshot *best;
    seer_weight_avg *avg;  // the averaged weights, or NULL (the run does not average)
    seer_adam_config adam;
    size_t n_chunks, n_batches;
    size_t *perm, *order;  // (SHUFFLE_CHUNK) rows of a chunk, (n_chunks) the chunks
    uint32_t *ids;         // (batch, S) the step's rows
    float *dense, *y;      // (batch, n_dense), (batch)
    float *pv;             // (valid rows) validation predictions
    seer_encode_ahead *ahead;  // the thread still encoding the rows, or NULL
} epochs_run;

// The chunks in the order a run's first epoch visits them (train_epoch's first shuffle).
static void first_epoch_chunks(const seer_checkpoint_state *st, size_t *order, size_t n) {
    seer_rng rng;
    memcpy(rng.s, st->rng, sizeof rng.s);
    shuffle(order, n, &rng);
}

// Rows a batch's gather asks the caches for ahead of the one it copies.
#define GATHER_AHEAD 8

// One optimiser step on rows first + perm[s .. s+b) of the chunk; seen rows of the epoch
// before the chunk. Writes a checkpoint every checkpoint_every steps.
static int train_batch(epochs_run *u, seer_progress *bar, size_t first, size_t s, size_t b,
                       size_t seen) {
    const seer_dataset *tr = u->tr;
    const seer_train_job *o = u->o;
    seer_checkpoint_state *st = u->st;
    seer_net *n = &u->model->net;
    size_t S = tr->S, nd = tr->n_dense;
    int rc = SEER_OK;
    for (size_t i = 0; i < b; i++) {
        // Rows ahead, asked for now: 4-7% of an mlp's loop at batch 256 (BENCHMARKS.md).
        if (i + GATHER_AHEAD < b)
            seer_dataset_prefetch_row(tr, first + u->perm[s + i + GATHER_AHEAD]);
        size_t row = first + u->perm[s + i];
        memcpy(u->ids + i * S, tr->ids + row * S, S * sizeof *u->ids);
        seer_dataset_dense_row(tr, row, u->dense + i * nd);
        u->y[i] = tr->y[row];
    }
    // The average moves inside the optimiser's pass over the rows (average.h).
    double loss = seer_net_gradients(n, u->ids, u->dense, u->y, b);
    seer_net_follow follow;
    if (u->avg) rc = seer_weight_avg_follow(u->avg, n, &follow);
    if (rc != SEER_OK) return rc;
    seer_net_update(n, &u->adam, u->avg ? &follow : NULL);
    if (!isfinite(loss)) {
        seer_progress_end(bar);
        return check_diverged(n, loss, o->lr);
    }
    st->loss_sum += loss * (double)b;
    u->r->samples_trained += b;
    st->step = n->step;
    seer_progress_update(bar, seen + s + b, st->loss_sum / (double)(seen + s + b));
    if (o->checkpoint_every && n->step % (long)o->checkpoint_every == 0 &&
        st->batch + 1 < u->n_batches) {
        st->batch++;
        rc = check_diverged(n, 0, o->lr);
        if (rc == SEER_OK) rc = checkpoint(u->model, o, st, u->best);
        st->batch--;
    }
    return rc;
}

// The steps of one epoch, in the order rng shuffles (the chunks, then the rows of each
// chunk as it comes), from the batch st stands at. *stopped: max_steps ended the run.
static int train_epoch(epochs_run *u, seer_rng *rng, int *stopped) {
    const seer_dataset *tr = u->tr;
    seer_checkpoint_state *st = u->st;
    size_t B = u->o->batch;
    shuffle(u->order, u->n_chunks, rng);
    char label[32];
    snprintf(label, sizeof label, "epoch %zu", st->epoch + 1);
    seer_progress bar;
    seer_progress_start(&bar, label, tr->rows);
    double t0 = seer_now(), waited = 0;  // the loop's time is its own: not the waits for rows
    size_t batch = 0, seen = 0;
    for (size_t k = 0; k < u->n_chunks; k++) {
        size_t c = u->order[k], first = c * SHUFFLE_CHUNK, rows_c = chunk_rows(tr, c);
        size_t nb = (rows_c + B - 1) / B;
        shuffle(u->perm, rows_c, rng);
        if (batch + nb <= st->batch) {  // done before a checkpoint
            batch += nb;
            seen += rows_c;
            continue;
        }
        seer_encode_ahead_wait(u->ahead, c, &waited);
        for (size_t q = st->batch - batch; q < nb; q++, st->batch++) {
            if (u->o->max_steps && u->model->net.step >= (long)u->o->max_steps) {
                seer_progress_end(&bar);
                u->r->train_seconds += seer_now() - t0 - waited;
                *stopped = 1;
                // Stopped before any epoch ended: the loss of the rows this epoch trained on,
                // not the 0 of no epoch.
                size_t done = seen + q * B;
                if (st->epochs_run == 0 && done) u->r->train_loss = st->loss_sum / (double)done;
                return SEER_OK;
            }
            size_t s = q * B, b = rows_c - s < B ? rows_c - s : B;
            int rc = train_batch(u, &bar, first, s, b, seen);
            if (rc != SEER_OK) return rc;
        }
        batch += nb;
        seen += rows_c;
        seer_dataset_release(tr, first, rows_c);
    }
    seer_progress_end(&bar);
    u->r->train_seconds += seer_now() - t0 - waited;
    return SEER_OK;
}

// Scores the epoch on the validation rows and keeps its weights when it is the best so far.
// *stop: patience ran out.
static int validate_epoch(epochs_run *u, int *stop) {
    const seer_train_job *o = u->o;
    seer_checkpoint_state *st = u->st;
    seer_net *n = &u->model->net;
    seer_binary_metrics m;
    // An averaging run scores, and keeps, the averaged weights.
    if (u->avg) {
        seer_weight_avg_catch_up(u->avg, n);
        seer_weight_avg_swap(u->avg, n);
    }
    int rc = eval_dataset(n, u->va, u->pv, &m);
    if (rc != SEER_OK) {
        if (u->avg) seer_weight_avg_swap(u->avg, n);
        return rc;
    }
    int binary = n->cfg.task == SEER_TASK_BINARY;
    if (!o->quiet && binary)
        fprintf(stderr, "epoch %zu: train loss %.5f, valid logloss %.5f auc %.5f\n",
                st->epoch + 1, u->r->train_loss, m.logloss, m.auc);
    else if (!o->quiet)
        fprintf(stderr, "epoch %zu: train loss %.5f, valid loss %.5f rmse %.5g gini %.4f\n",
                st->epoch + 1, u->r->train_loss, m.loss, m.rmse, m.normalized_gini);
    // The other tasks stop on their validation loss (kept in the checkpoint's log loss).
    if (!binary) m.logloss = m.loss;
    double score = o->stop_on_logloss || !isfinite(m.auc) ? -m.logloss : m.auc;
    if (score > st->best_score) {
        st->best_score = score;
        st->best_epoch = st->epoch + 1;
        st->best_auc = m.auc;
        st->best_logloss = m.logloss;
        st->best_accuracy = m.accuracy;
        st->best_positive_rate = m.positive_rate;
        st->best_rows = m.rows;
        st->since_best = 0;
        snapshot *best = u->best;
        snapshot_copy(best->params, best->emb, best->wide, n->params, n->emb, n->wide, n);
    } else if (++st->since_best >= o->patience && o->patience) {
        *stop = 1;
    }
    if (u->avg) seer_weight_avg_swap(u->avg, n);
    return SEER_OK;
}

// After the last epoch: the outcome, and the best epoch's weights back in the net.
static void finish_epochs(epochs_run *u) {
    const seer_train_job *o = u->o;
    seer_checkpoint_state *st = u->st;
    seer_train_outcome *r = u->r;
    seer_net *n = &u->model->net;
    snapshot *best = u->best;
    r->epochs_run = st->epochs_run;
    r->best_epoch = st->best_epoch;
    r->metrics = (seer_binary_metrics){.rows = st->best_rows, .auc = st->best_auc,
                                       .logloss = st->best_logloss,
                                       .accuracy = st->best_accuracy,
                                       .positive_rate = st->best_positive_rate};
    // An averaging run's net holds the last step's weights, never the ones scored.
    int scored_differ = st->best_epoch != st->epochs_run || u->avg;
    if (u->va->rows && st->best_epoch && scored_differ) {
        snapshot_copy(n->params, n->emb, n->wide, best->params, best->emb, best->wide, n);
        // Without both classes in the validation rows their AUC is undefined, and the
        // epochs were compared by log loss (see the score above).
        if (!o->quiet)
            fprintf(stderr, "kept epoch %zu%s (best validation %s)\n", st->best_epoch,
                    u->avg ? ", weights averaged" : "",
                    n->cfg.task != SEER_TASK_BINARY ? "loss" :
                    o->stop_on_logloss ? "log loss" : isfinite(st->best_auc) ? "AUC" :
                    "log loss: the validation rows hold one class, so their AUC is undefined");
    }
}

// The epochs: shuffled mini-batches, validation after each epoch, the best epoch's weights
// kept, a checkpoint after each epoch but the last.
static int epochs_loop(epochs_run *u) {
    const seer_train_job *o = u->o;
    seer_checkpoint_state *st = u->st;
    seer_net *n = &u->model->net;
    int rc = SEER_OK;
    for (; st->epoch < o->epochs; st->epoch++, st->batch = 0, st->loss_sum = 0) {
        // The epoch's order, from the generator as it stands before the epoch
        // (all a checkpoint needs): the chunks in a shuffled order, then the
        // rows of each chunk shuffled as it comes, from the same generator.
        seer_rng rng;
        memcpy(rng.s, st->rng, sizeof rng.s);
        int stop = 0;
        rc = train_epoch(u, &rng, &u->r->stopped_at_max_steps);
        if (rc != SEER_OK || u->r->stopped_at_max_steps) return rc;
        rc = check_diverged(n, 0, o->lr);
        if (rc != SEER_OK) return rc;
        memcpy(st->rng, rng.s, sizeof st->rng);
        st->epochs_run = st->epoch + 1;
        u->r->train_loss = st->loss_sum / (double)u->tr->rows;
        if (u->va->rows) {
            rc = validate_epoch(u, &stop);
            if (rc != SEER_OK) return rc;
            if (stop) {
                st->epoch++;
                break;
            }
        } else if (!o->quiet) {
            fprintf(stderr, "epoch %zu: train loss %.5f\n", st->epoch + 1, u->r->train_loss);
        }
        if (o->checkpoint_every && st->epoch + 1 < o->epochs) {
            st->epoch++;
            st->batch = 0;
            st->loss_sum = 0;
            rc = checkpoint(u->model, o, st, u->best);
            st->epoch--;
            if (rc != SEER_OK) return rc;
        }
    }
    // Without a hold-out the average of the last steps is the model.
    if (u->avg && !u->va->rows) {
        seer_weight_avg_catch_up(u->avg, n);
        seer_weight_avg_swap(u->avg, n);
    }
    finish_epochs(u);
    return SEER_OK;
}

// lr solved to convergence on tr (train/solve_lr.h), then scored once on the hold-out: one
// "epoch" whose iterations the report counts. When the hold-out (a share of DATA, not --valid)
// chose l2, lr is then solved again on all rows; the metrics are those before, on unseen rows.
static int run_lbfgs(seer_model *model, const seer_dataset *tr, const seer_dataset *va,
                     const seer_train_job *o, seer_train_outcome *r) {
    seer_net *n = &model->net;
    seer_lbfgs_result res, all = {0};
    double t0 = seer_now();
    double l2 = o->l2, l2_all = 0;
    int refit = o->l2 == SEER_AUTO_REAL && va->rows && !o->valid_path;
    int rc = seer_lr_solve(n, tr, va, o->l2 == SEER_AUTO_REAL ? -1 : o->l2, o->epochs, &l2, &res);
    r->l2 = (float)l2;
    if (rc == SEER_OK) rc = check_diverged(n, res.f, o->lr);
    size_t rows = tr->rows > va->rows ? tr->rows : va->rows;
    float *p = rc == SEER_OK ? malloc((rows + 1) * sizeof *p) : NULL;
    if (rc == SEER_OK && !p) rc = seer_errorf(SEER_ENOMEM, "out of memory scoring %zu rows", rows);
    if (rc == SEER_OK && va->rows) rc = eval_dataset(n, va, p, &r->metrics);
    if (rc == SEER_OK && refit) rc = seer_lr_refit(n, tr, va, l2, o->epochs, &l2_all, &all);
    if (rc == SEER_OK && refit) rc = check_diverged(n, all.f, o->lr);
    r->train_seconds = seer_now() - t0;
    r->samples_trained = tr->rows * res.evals + (tr->rows + va->rows) * all.evals;
    r->epochs_run = r->best_epoch = res.iters + all.iters;
    seer_binary_metrics fit;
    if (rc == SEER_OK) rc = eval_dataset(n, tr, p, &fit);
    r->train_loss = fit.logloss;
    free(p);
    if (rc == SEER_OK && !o->quiet)
        fprintf(stderr, "L-BFGS: l2 %.3g, %zu iterations, %s (objective %.6f, largest gradient "
                "%.2g)%s", l2, res.iters, res.converged ? "converged" : "not converged", res.f,
                res.gmax, va->rows ? "" : "\n");
    if (rc == SEER_OK && !o->quiet && va->rows)
        fprintf(stderr, ": valid logloss %.5f auc %.5f\n", r->metrics.logloss, r->metrics.auc);
    if (rc == SEER_OK && !o->quiet && refit)
        fprintf(stderr, "L-BFGS again on all %zu rows: l2 %.3g, %zu iterations, %s\n",
                tr->rows + va->rows, l2_all, all.iters, all.converged ? "converged" :
                "not converged");
    if (rc == SEER_OK && !o->quiet)
        fprintf(stderr, "train loss %.5f\n", fit.logloss);
    return rc;
}

// Whether the run averages its weights (a resumed run as its checkpoint did: resume_settings).
static int averages(const seer_train_job *o) { return o->average_decay > 0 && !o->lbfgs; }

// The run's averaged weights, when it averages: a resumed run continues its checkpoint's, a new
// one starts at the net's. st then points at them, so that checkpoints record them.
static int start_average(const seer_train_job *o, seer_model *m, seer_checkpoint_state *st,
                         seer_weight_avg *avg) {
    int rc = SEER_OK;
    if (averages(o) && st->avg_params) {
        rc = seer_weight_avg_adopt(avg, &m->net, st->avg_decay, st->avg_params, st->avg_emb,
                                   st->avg_wide, st->avg_last);
        st->avg_params = st->avg_emb = st->avg_wide = NULL;  // avg owns them now
        st->avg_last = NULL;
    } else if (averages(o)) {
        rc = seer_weight_avg_init(avg, &m->net, o->average_decay);
    }
    seer_checkpoint_average_free(st);  // a checkpoint's average the run does not continue
    if (rc != SEER_OK || !averages(o)) return rc;
    st->avg_decay = avg->decay;
    st->avg_params = avg->params;
    st->avg_emb = avg->emb;
    st->avg_wide = m->net.plan.wide ? avg->wide : NULL;
    st->avg_last = avg->last;
    return SEER_OK;
}

// Trains model on tr for the epochs st has left, with its buffers; avg: the averaged weights,
// or NULL; ahead: the thread still encoding tr and va, or NULL.
static int run_epochs(seer_model *model, const seer_dataset *tr, const seer_dataset *va,
                      const seer_train_job *o, seer_train_outcome *r,
                      seer_checkpoint_state *st, snapshot *best, seer_weight_avg *avg,
                      seer_encode_ahead *ahead) {
    size_t S = tr->S, nd = tr->n_dense, B = o->batch;
    epochs_run u = {.model = model, .tr = tr, .va = va, .o = o, .r = r, .st = st, .best = best,
                    .avg = avg, .ahead = ahead};
    u.n_chunks = (tr->rows + SHUFFLE_CHUNK - 1) / SHUFFLE_CHUNK;
    u.perm = malloc(SHUFFLE_CHUNK * sizeof *u.perm);
    u.order = malloc((u.n_chunks + 1) * sizeof *u.order);
    u.ids = malloc((B * S + 1) * sizeof *u.ids);
    u.dense = malloc((B * nd + 1) * sizeof *u.dense);
    u.y = malloc(B * sizeof *u.y);
    u.pv = malloc((va->rows + 1) * sizeof *u.pv);
    int rc = SEER_OK;
    if (!u.perm || !u.order || !u.ids || !u.dense || !u.y || !u.pv)
        rc = seer_errorf(SEER_ENOMEM, "out of memory for training buffers");
    if (rc == SEER_OK && o->lbfgs) {
        double waited = 0;
        seer_encode_ahead_wait_all(ahead, &waited);
        rc = run_lbfgs(model, tr, va, o, r);
    } else if (rc == SEER_OK) {
        u.adam = seer_net_optimiser(&model->net.cfg, o->lr);
        for (size_t c = 0; c < u.n_chunks; c++) u.n_batches += (chunk_rows(tr, c) + B - 1) / B;
        rc = epochs_loop(&u);
    }
    free(u.perm);
    free(u.order);
    free(u.ids);
    free(u.dense);
    free(u.y);
    free(u.pv);
    return rc;
}

// The settings and results stored in the model file's "training" object.
static char *training_json(const seer_train_job *o, const seer_train_outcome *r) {
    const seer_metrics *m = &r->metrics;
    seer_training_info info = {o->data, r->epochs_run, r->best_epoch, o->batch, r->train_rows,
                               r->valid_rows, o->lr, o->seed, o->threads, r->metrics_on,
                               m->auc, m->logloss, m->accuracy, r->train_loss, o->epochs,
                               o->patience, r->l2, r->solver,
                               r->auto_settings ? "data" : "options", o->cost_fn, o->cost_fp,
                               o->net.task, m->rmse, m->mae, m->normalized_gini, m->spearman,
                               m->loss, r->train_loss, averages(o) ? o->average_decay : 0};
    return seer_training_json(&info);
}

// Encoded rows past this size go to a cache file by default.
#define CACHE_AUTO_BYTES ((size_t)1 << 30)

static int hold_rows(seer_dataset *tr, seer_dataset *va, const seer_train_job *o,
                     const seer_dense_pack *pack, size_t train_rows, size_t valid_rows) {
    size_t row_bytes = (tr->S + tr->n_dense + 1) * 4;
    int cache = o->cache > 0 || (o->cache < 0 && train_rows * row_bytes > CACHE_AUTO_BYTES);
    if (!cache) {
        int rc = seer_dataset_reserve(tr, train_rows);
        return rc == SEER_OK ? seer_dataset_reserve(va, valid_rows) : rc;
    }
    // Rows on disk are held packed (data/dense_pack.h): a smaller file to write and read back,
    // for a gather that writes each row out again. Rows in memory are held as they are.
    seer_dataset_use_pack(tr, pack);
    char path[4096];
    const char *prefix = o->cache_prefix ? o->cache_prefix : "/tmp/seer";
    snprintf(path, sizeof path, "%s.train-cache.%ld", prefix, (long)getpid());
    int rc = seer_dataset_map(tr, path, train_rows);
    // A --valid FILE's rows, not yet counted, are read into memory that grows (a file of the
    // count of no rows held out was full at its first row).
    if (rc == SEER_OK && o->valid_path) {
        rc = seer_dataset_reserve(va, valid_rows);
    } else if (rc == SEER_OK) {
        seer_dataset_use_pack(va, pack);
        snprintf(path, sizeof path, "%s.valid-cache.%ld", prefix, (long)getpid());
        rc = seer_dataset_map(va, path, valid_rows);
    }
    if (rc == SEER_OK && !o->quiet)
        fprintf(stderr, "encoded rows go to a cache file of %.1f MB beside %s\n",
                (double)(tr->map_bytes + va->map_bytes) / 1e6, prefix);
    return rc;
}

// The first line of now ("--option value") that was has with another value or
// not at all, as its length (0 when none), and in *had the line of was for it
// (or words saying it has none).
static size_t settings_differ(const char *was, const char *now, const char **at,
                              const char **had, size_t *had_len) {
    for (const char *line = now; *line; ) {
        size_t len = strcspn(line, "\n"), key = strcspn(line, " \n");
        *had = NULL;
        *had_len = 0;
        for (const char *w = was; *w; ) {
            size_t wlen = strcspn(w, "\n");
            if (wlen > key && w[key] == ' ' && memcmp(w, line, key) == 0) {
                *had = w;
                *had_len = wlen;
                break;
            }
            w += wlen + (w[wlen] == '\n');
        }
        if (!*had) {
            *had = "no value for it";
            *had_len = strlen(*had);
        }
        // A setting left to the data takes the checkpoint's (choose_settings).
        int left = len == key + 5 && memcmp(line + key, " auto", 5) == 0;
        if (!left && (*had_len != len || memcmp(*had, line, len) != 0)) {
            *at = line;
            return len;
        }
        line += len + (line[len] == '\n');
    }
    return 0;
}

// Starts a run: the fitted transform and a new network, or, resuming, the
// checkpoint's model, optimiser moments and state. On a refusal nothing is kept.
static int start_model(const seer_train_job *o, seer_model **m, seer_checkpoint_state *st,
                       snapshot *best, size_t batch_cap) {
    if (!o->resume_path) return SEER_OK;
    int rc = seer_checkpoint_read(m, o->resume_path, batch_cap, st, &best->params, &best->emb,
                                  &best->wide);
    const char *at, *had;
    size_t len, had_len;
    if (rc == SEER_OK && o->settings && st->settings[0] &&
        (len = settings_differ(st->settings, o->settings, &at, &had, &had_len))) {
        rc = seer_errorf(SEER_EINVAL, "--resume %s: the checkpoint was taken with %.*s, not "
                         "%.*s; resume with the same settings and data (only "
                         "--threads, --checkpoint, --checkpoint-every, --max-steps, --cache, "
                         "--json and -o may change)", o->resume_path, (int)had_len, had,
                         (int)len, at);
    } else if (rc == SEER_OK && (*m)->net.cfg.kind != o->net.kind) {
        // Also for a checkpoint that records no settings (an older seer's).
        rc = seer_errorf(SEER_EINVAL, "--resume %s: the checkpoint was taken with --model %s, "
                         "not --model %s; resume with the same settings", o->resume_path,
                         seer_model_ops_of((*m)->net.cfg.kind)->name,
                         seer_model_ops_of(o->net.kind)->name);
    } else if (rc == SEER_OK && (*m)->net.cfg.task != o->net.task) {
        // A binary run's settings have no --task line, so the text alone misses this.
        rc = seer_errorf(SEER_EINVAL, "--resume %s: the checkpoint was taken with --task %s, "
                         "not --task %s; resume with the same settings", o->resume_path,
                         seer_task_names[(*m)->net.cfg.task], seer_task_names[o->net.task]);
    } else if (rc == SEER_OK && ((o->batch != SEER_AUTO && st->batch_size != o->batch) ||
                                 st->seed != o->seed)) {
        rc = seer_errorf(SEER_EINVAL, "%s: the checkpoint was taken with --batch %zu --seed %llu;"
                         " resume with the same settings", o->resume_path, st->batch_size,
                         (unsigned long long)st->seed);
    }
    if (rc != SEER_OK) {
        seer_checkpoint_average_free(st);
        seer_model_free(*m);
        *m = NULL;
        free(best->params);
        free(best->emb);
        free(best->wide);
        *best = (snapshot){NULL, NULL, NULL};
    }
    return rc;
}

// A new run's state: no step taken, the generator seeded, the settings recorded.
static void new_state(const seer_train_job *o, seer_checkpoint_state *st) {
    memset(st, 0, sizeof *st);
    st->best_score = -INFINITY;
    st->best_auc = NAN;
    st->batch_size = o->batch;
    st->seed = o->seed;
    if (o->settings) snprintf(st->settings, sizeof st->settings, "%s", o->settings);
    seer_rng rng0;
    seer_rng_init(&rng0, o->seed * 0x9e3779b97f4a7c15ULL + 17);
    memcpy(st->rng, rng0.s, sizeof st->rng);
}

// A new run profiles DATA and fits m's transform (a resumed one has the checkpoint's);
// *rows_read: the rows the profile pass read. raw (may be NULL) keeps the rows' words.
static int fit_transform(const seer_train_job *o, seer_model *m, seer_table *tab,
                         const seer_split *split, seer_profile *prof, size_t *rows_read,
                         seer_raw_rows *raw) {
    int rc = seer_profile_pass(prof, tab, o->tf.label, o->tf.task, split, o->skip_bad_rows,
                               rows_read, NULL, raw, SEER_RAW_ROWS_MAX_BYTES);
    if (rc == SEER_OK && prof->rows == 0 && *rows_read > 0)
        rc = seer_errorf(SEER_EDATA, "%s: all %zu rows went to validation (--valid-frac %g)"
                         "; none are left to train on", o->data, *rows_read, split->frac);
    if (rc == SEER_OK) rc = seer_transform_fit(&m->tf, prof, &o->tf);
    if (rc == SEER_OK && !o->quiet) seer_transform_print(&m->tf, stderr);
    return rc;
}

// Whether the rows are encoded on a thread of their own while the first epoch trains: when the
// process may run on a CPU more than the training's threads use.
static int encode_beside_training(const seer_train_job *o) {
    return o->threads < seer_cpus_available() && seer_side_thread_allowed();
}

// The words into tr and va by a thread beside the first epoch (*ahead; see encode_ahead.h),
// which takes them over; the labels are there on return, the rest as the thread goes.
static int encode_ahead(seer_model *m, const seer_split *split, seer_raw_rows *raw,
                        seer_dataset *tr, seer_dataset *va, const seer_checkpoint_state *st,
                        seer_encode_ahead **ahead) {
    seer_word_chunks w;
    int rc = seer_word_chunks_init(&w, tr, va, raw, &m->tf, split, SHUFFLE_CHUNK);
    if (rc != SEER_OK) return rc;
    size_t *order = malloc((w.n_chunks + 1) * sizeof *order);
    if (!order) {
        seer_word_chunks_free(&w);
        return seer_errorf(SEER_ENOMEM, "out of memory");
    }
    first_epoch_chunks(st, order, w.n_chunks);
    rc = seer_encode_ahead_start(ahead, &w, raw, order);
    free(order);
    return rc;
}

// The encoding pass: from the words the profile pass kept when they encode as the text would
// and the rows stay in memory (words and rows in memory at once would defeat a cache file's
// bound), beside the first epoch when ahead is not NULL and a CPU is spare; else from the text
// again (from its start when the profile pass read it: profiled).
static int encode_pass(const seer_train_job *o, seer_model *m, seer_table *tab, int profiled,
                       const seer_split *split, seer_raw_rows *raw, seer_dataset *tr,
                       seer_dataset *va, seer_train_outcome *r, seer_progress *bar,
                       const seer_checkpoint_state *st, seer_encode_ahead **ahead) {
    if (raw && !tr->map && seer_transform_takes_words(&m->tf, raw))
        return ahead && encode_beside_training(o)
                   ? encode_ahead(m, split, raw, tr, va, st, ahead)
                   : seer_dataset_load_words(tr, va, raw, &m->tf, split, bar);
    if (raw) seer_raw_rows_free(raw);
    int rc = profiled ? seer_table_rewind(tab) : SEER_OK;
    if (rc == SEER_OK)
        rc = seer_dataset_load(tr, va, tab, &m->tf, split, 1, o->skip_bad_rows, &r->skipped_rows,
                               bar);
    return rc;
}

// DATA's rows, profiled and fitted by a new run, encoded with m's transform into tr and va
// (the hold-out), or being encoded by *ahead. *tab stays open (closed by the caller).
static int read_data(const seer_train_job *o, seer_model *m, int resumed, seer_table **tab,
                     seer_dataset *tr, seer_dataset *va, seer_train_outcome *r,
                     const seer_checkpoint_state *st, seer_encode_ahead **ahead) {
    seer_table_options topt = {o->format, o->skip_bad_rows};
    seer_split split = {o->valid_path ? 0.0 : o->valid_frac, o->seed};
    seer_profile prof;
    memset(&prof, 0, sizeof prof);
    seer_raw_rows raw;
    memset(&raw, 0, sizeof raw);
    // A new run keeps the rows' words unless its rows go to a cache file anyway (--cache on).
    seer_raw_rows *keep = resumed || o->cache > 0 ? NULL : &raw;
    size_t rows_read = 0;
    int rc = seer_table_open(tab, o->data, &topt);
    if (rc == SEER_OK && !resumed)
        rc = fit_transform(o, m, *tab, &split, &prof, &rows_read, keep);
    if (rc == SEER_OK) {
        seer_dataset_init(tr, m->tf.n_slots, m->tf.n_dense);
        seer_dataset_init(va, m->tf.n_slots, m->tf.n_dense);
        // The profile pass counted the rows: hold them without growing, in
        // memory or, for large data, in mapped cache files.
        size_t n_train = prof.rows + 1, n_valid = rows_read - prof.rows + 1;
        if (!resumed) rc = hold_rows(tr, va, o, &m->tf.pack, n_train, n_valid);
        // The words and the rows together may not fit where the rows alone do (a limit on
        // the address space): give the words up and read the text again.
        if (rc == SEER_ENOMEM && keep && !raw.dropped) {
            seer_raw_rows_drop(&raw);
            rc = hold_rows(tr, va, o, &m->tf.pack, n_train, n_valid);
        }
        seer_progress bar;
        seer_progress_start(&bar, "encoding", rows_read);
        if (rc == SEER_OK)
            rc = encode_pass(o, m, *tab, !resumed, &split, keep, tr, va, r, &bar, st, ahead);
        seer_progress_end(&bar);
    }
    seer_raw_rows_free(&raw);
    seer_profile_free(&prof);
    if (rc == SEER_OK) {
        // Rows the reader rejected (field count, quoting, ...): the first few, then the count.
        const char *const *why;
        size_t kept = seer_table_bad_messages(*tab, &why);
        for (size_t i = 0; i < kept; i++) fprintf(stderr, "seer: skipped: %s\n", why[i]);
        r->skipped_rows += seer_table_bad_rows(*tab);
    }
    return rc;
}

// The training and validation rows, encoded with m's transform (fitted first by a new run),
// read from the cache of --cache DIR when it holds them (train/datacache.h), or, without one,
// being encoded by *ahead beside the first epoch.
static int encode_rows(const seer_train_job *o, seer_model *m, int resumed, seer_table **tab,
                       seer_dataset *tr, seer_dataset *va, seer_train_outcome *r,
                       const seer_checkpoint_state *st, seer_encode_ahead **ahead) {
    seer_datacache cache;
    seer_datacache_init(&cache, o, resumed);
    int rc = SEER_OK;
    if (seer_datacache_load(&cache, o, &m->tf, tr, va, &r->skipped_rows)) {
        if (!o->quiet) seer_transform_print(&m->tf, stderr);
    } else {
        // Rows written to a cache are all encoded first.
        rc = read_data(o, m, resumed, tab, tr, va, r, st, cache.on ? NULL : ahead);
        if (rc == SEER_OK) seer_datacache_save(&cache, o, &m->tf, tr, va, r->skipped_rows);
    }
    if (rc == SEER_OK && o->valid_path) {
        seer_table_options topt = {o->format, o->skip_bad_rows};
        seer_table *vt;
        rc = seer_table_open(&vt, o->valid_path, &topt);
        size_t skipped = 0;
        if (rc == SEER_OK) {
            rc = seer_dataset_load(va, NULL, vt, &m->tf, NULL, 1, o->skip_bad_rows, &skipped,
                                   NULL);
            seer_table_close(vt);
        }
    }
    if (rc == SEER_OK && tr->rows == 0)
        rc = seer_errorf(SEER_EDATA, "%s: no training rows left", o->data);
    return rc;
}

// A regression's label scale: the mean and standard deviation of the training labels (1 for a
// constant label, so that the scale divides).
static void label_scale(seer_net_config *c, const seer_dataset *tr) {
    double sum = 0, sq = 0, n = (double)tr->rows;
    for (size_t i = 0; i < tr->rows; i++) sum += tr->y[i];
    double mean = sum / n;
    for (size_t i = 0; i < tr->rows; i++) sq += (tr->y[i] - mean) * (tr->y[i] - mean);
    double sd = sqrt(sq / n);
    c->label_mean = (float)mean;
    c->label_sd = sd > 0 && isfinite((float)sd) ? (float)sd : 1.0f;
}

// A new run's network: the job's model over what the data fixed (m's fitted transform).
static int new_net(const seer_train_job *o, seer_model *m, size_t batch_cap,
                   const seer_dataset *tr) {
    seer_net_config c = o->net;
    c.n_fields = m->tf.n_fields;
    c.n_slots = m->tf.n_slots;
    c.field_slots = m->tf.field_slots;
    c.field_mean = m->tf.field_mean;
    c.n_dense = m->tf.n_dense;
    c.emb_rows = m->tf.emb_rows;
    c.batch_cap = batch_cap;
    // Unused widths zero, as a config built from its parts had them.
    for (size_t l = c.n_hidden; l < SEER_LAYERS_MAX / 2; l++) c.hidden[l] = 0;
    for (size_t l = c.n_hidden2; l < SEER_LAYERS_MAX / 2; l++) c.hidden2[l] = 0;
    if (c.task == SEER_TASK_REGRESSION) label_scale(&c, tr);
    for (size_t i = 0; c.task == SEER_TASK_ZILN && i < tr->rows; i++)
        c.label_max = tr->y[i] > c.label_max ? tr->y[i] : c.label_max;
    const char *why = seer_net_config_invalid(&c);
    int rc = why ? seer_errorf(SEER_EINVAL, "%s: %s", seer_model_ops_of(c.kind)->name, why)
                 : seer_net_init(&m->net, &c, o->seed);
    if (rc == SEER_OK) seer_net_init_head(&m->net, tr->y, tr->rows);
    if (rc == SEER_OK && !o->quiet) {
        // The table and its two optimiser moments, and the wide part's.
        const seer_net *n = &m->net;
        double rows = (double)n->cfg.emb_rows, width = (double)n->D + (n->plan.wide ? 1 : 0);
        fprintf(stderr, "embedding table: %.0f rows x %zu%s = %.0f parameters, %.1f MB with "
                "optimiser state; dense parameters: %zu\n", rows, n->D,
                n->plan.wide ? " (+1 wide)" : "", rows * width, rows * width * 12 / 1e6,
                n->n_params);
    }
    return rc;
}

// Room for the best epoch's weights.
static int best_alloc(const seer_net *n, snapshot *best) {
    best->params = malloc(n->n_params * sizeof(float) + 4);
    best->emb = malloc(n->cfg.emb_rows * n->D * sizeof(float) + 4);
    best->wide = malloc((n->plan.wide ? n->cfg.emb_rows : 1) * sizeof(float));
    if (!best->params || !best->emb || !best->wide)
        return seer_errorf(SEER_ENOMEM, "out of memory keeping the best epoch's weights");
    return SEER_OK;
}

// The calibration of the kept model fitted on the hold-out (train/calibrate.h), said on stderr,
// and the report's hold-out metrics those of the calibrated model, which files are scored by
// (the AUC is the same). Not for lr solved by L-BFGS: its log loss solved to the optimum is its
// calibration, and a refit has trained on the hold-out.
static int calibrate(seer_model *m, const seer_dataset *va, const seer_train_job *o,
                     seer_train_outcome *r) {
    if (o->lbfgs) return SEER_OK;
    float *p = malloc((va->rows + 1) * sizeof *p);
    if (!p) return seer_errorf(SEER_ENOMEM, "out of memory scoring %zu rows", va->rows);
    // Stopped (--max-steps) before any epoch was validated: the hold-out is scored here first,
    // so that the log loss before calibration is the model's, not the 0 of no validation.
    int rc = r->epochs_run == 0 ? eval_dataset(&m->net, va, p, &r->metrics) : SEER_OK;
    double before = r->metrics.logloss;
    int fitted = rc == SEER_OK ? seer_net_calibrate(&m->net, va, o->calibration) : rc;
    if (fitted < 0) {
        free(p);
        return fitted;
    }
    const seer_net_config *c = &m->net.cfg;
    r->calibrated = fitted;
    r->calib_a = c->calib_a;
    r->calib_b = c->calib_b;
    r->calib_knots = fitted == SEER_CALIBRATION_ISOTONIC ? c->calib_knots : 0;
    rc = fitted ? eval_dataset(&m->net, va, p, &r->metrics) : SEER_OK;
    free(p);
    size_t K = r->calib_knots;
    if (rc == SEER_OK && !o->quiet && fitted == SEER_CALIBRATION_PLATT)
        fprintf(stderr, "calibration: Platt scaling sigmoid(%.4g z %+.4g) on the %zu held-out "
                "rows: their log loss %.5f -> %.5f\n", (double)r->calib_a, (double)r->calib_b,
                va->rows, before, r->metrics.logloss);
    else if (rc == SEER_OK && !o->quiet && fitted)
        fprintf(stderr, "calibration: isotonic, %zu knots from z %.4g p %.6g to z %.4g p %.6g "
                "(slope %.4g beyond) on the %zu held-out rows: their log loss %.5f -> %.5f\n", K,
                (double)c->calib_x[0], (double)c->calib_y[0], (double)c->calib_x[K - 1],
                (double)c->calib_y[K - 1], (double)r->calib_a, va->rows, before,
                r->metrics.logloss);
    else if (rc == SEER_OK && !o->quiet)
        fprintf(stderr, "calibration: none (no increasing map fits the %zu held-out rows)\n",
                va->rows);
    return rc;
}

// After the epochs: the fit on the training rows when none were held out, the timings, and
// the record of the run the model file keeps.
static int finish_run(const seer_train_job *o, seer_train_outcome *r, seer_model *m,
                      const seer_dataset *tr, const seer_dataset *va, double t_start) {
    int rc = SEER_OK;
    // Without a validation set, report the fit on the training rows, already encoded, when
    // asked (it costs about a third of an epoch: seer train scores them for --json only);
    // with one that no epoch was scored on (--max-steps ended the first epoch), the model as
    // it stands on it, rather than zeros.
    // The other tasks' metrics are not kept by epoch: the kept model is scored again.
    int again = r->metrics.rows == 0 || m->net.cfg.task != SEER_TASK_BINARY;
    const seer_dataset *d = !r->has_valid ? (o->train_metrics ? tr : NULL) : again ? va : NULL;
    if (!r->has_valid && !o->train_metrics) {
        r->metrics = (seer_binary_metrics){.auc = NAN, .logloss = NAN, .accuracy = NAN,
                                           .positive_rate = NAN, .task = m->net.cfg.task,
                                           .rmse = NAN, .mae = NAN, .normalized_gini = NAN,
                                           .spearman = NAN, .loss = NAN};
        r->metrics_on = "none";
    }
    if (d) {
        float *p = malloc((d->rows + 1) * sizeof *p);
        rc = p ? eval_dataset(&m->net, d, p, &r->metrics)
               : seer_errorf(SEER_ENOMEM, "out of memory evaluating %zu rows", d->rows);
        free(p);
    }
    // Finite but far past any constant guess (one of p predicts every row at a log loss of ln 2
    // at most): the run diverged in all but name (deepfm with Adagrad at --lr 10 ended at 2e8).
    if (rc == SEER_OK && !o->quiet && m->net.cfg.task == SEER_TASK_BINARY &&
        !(m->net.cfg.pos_weight > 1) && r->train_loss > 10 * M_LN2)
        fprintf(stderr, "seer: warning: the train loss %.4g is far above the %.4g of predicting "
                "one probability for every row: training diverged (try a smaller --lr than "
                "%g)\n", r->train_loss, M_LN2, (double)o->lr);
    if (rc == SEER_OK) {
        r->seconds = seer_now() - t_start;
        r->train_samples_per_s =
            r->train_seconds > 0 ? (double)r->samples_trained / r->train_seconds : 0;
        r->flops_per_sample = seer_net_flops(&m->net.cfg, r->batch);
        free(m->training_json);
        m->training_json = training_json(o, r);
    }
    return rc;
}

// The number of the line "KEY N" of a checkpoint's settings text into *v: 1, or 0 when it has
// none or its value is "auto".
static int recorded(const char *settings, const char *key, double *v) {
    size_t k = strlen(key);
    for (const char *line = settings; *line; line += strcspn(line, "\n") + 1) {
        char *end;
        if (strncmp(line, key, k) == 0 && line[k] == ' ') {
            *v = strtod(line + k + 1, &end);
            return end != line + k + 1;
        }
        if (!line[strcspn(line, "\n")]) break;
    }
    return 0;
}

// A resumed run goes on with what its checkpoint ran with, for the settings left to the data
// (a checkpoint of an older seer recorded the defaults it had).
static void resume_settings(seer_train_job *job, const seer_checkpoint_state *st) {
    double v;
    if (job->batch == SEER_AUTO) job->batch = st->batch_size;
    if (job->epochs == SEER_AUTO && recorded(st->settings, "--epochs", &v)) job->epochs = (size_t)v;
    if (job->patience == SEER_AUTO && recorded(st->settings, "--patience", &v))
        job->patience = (size_t)v;
    if (job->lr == SEER_AUTO_REAL && recorded(st->settings, "--lr", &v)) job->lr = (float)v;
    // The weights are averaged as the checkpoint's run averaged them, whatever is asked now.
    job->average_decay = st->avg_params ? st->avg_decay : 0;
}

// The settings left to the data, chosen for the training rows now encoded (train/auto.h),
// into *job, a copy of o, with a line on stderr saying what they are. A resumed run's batch
// must be the checkpoint's (chosen alike from the same data, unless the data changed).
static int choose_settings(const seer_train_job *o, seer_train_job *job, const seer_model *m,
                           const seer_dataset *tr, const seer_dataset *va, int resumed,
                           seer_checkpoint_state *st, seer_train_outcome *r) {
    *job = *o;
    // Rows in a --cache file are mapped, so they are read like rows in memory; the solve's
    // bound on their number holds either way.
    int can_solve = tr->S == m->tf.n_fields && !o->checkpoint_every &&
                    !o->resume_path && !o->max_steps;
    size_t b0 = seer_model_ops_of(o->net.kind)->batch;
    if (resumed) resume_settings(job, st);
    int chosen = seer_train_auto(job, tr->rows, tr->S + tr->n_dense, can_solve);
    if (resumed && st->batch_size != job->batch)
        return seer_errorf(SEER_EINVAL, "%s: the checkpoint was taken with --batch %zu, this run "
                           "would use %zu; resume with the same settings and data",
                           o->resume_path, st->batch_size, job->batch);
    st->batch_size = job->batch;
    r->batch = job->batch;
    r->epochs = job->epochs;
    r->patience = job->patience;
    r->lr = job->lr;
    r->l2 = job->l2;
    r->solver = job->lbfgs ? "lbfgs" : seer_optimiser_names[job->net.adagrad];
    r->auto_settings = chosen;
    if (!o->quiet) {
        char text[160];
        seer_train_auto_text(job, tr->rows, va->rows > 0, text, sizeof text);
        fprintf(stderr, "seer: %zu training rows: %s (%s)\n", tr->rows, text,
                !chosen ? "as given" : !job->lbfgs && job->batch < b0 ?
                "defaults for a small table" : "defaults");
    }
    return SEER_OK;
}

static int run(const seer_train_job *o, seer_train_outcome *r, seer_model **out,
               double t_start);

int seer_train_run(const seer_train_job *o, seer_train_outcome *r, seer_model **out) {
    memset(r, 0, sizeof *r);
    *out = NULL;
    double t_start = seer_now();
    seer_threads_set(o->threads);
    // The products' kernels are built while the rows are read and encoded; lr and fm make no
    // products, and a small run of theirs would only wait for kernels it never uses.
    seer_gemm_preparer gemm_kernels = {.started = 0};
    if (o->net.kind != SEER_MODEL_LR && o->net.kind != SEER_MODEL_FM)
        seer_gemm_prepare(&gemm_kernels, 0);
    int rc = run(o, r, out, t_start);
    seer_gemm_prepared(&gemm_kernels);
    return rc;
}

// seer_train_run after its start.
static int run(const seer_train_job *o, seer_train_outcome *r, seer_model **out,
               double t_start) {
    seer_table *tab = NULL;
    seer_dataset tr, va;
    memset(&tr, 0, sizeof tr);
    memset(&va, 0, sizeof va);
    seer_checkpoint_state st;
    new_state(o, &st);
    snapshot best = {NULL, NULL, NULL};
    // A batch left to the data is at most the model's, never above SEER_SCORE_ROWS.
    size_t batch_cap = o->batch != SEER_AUTO && o->batch > SEER_SCORE_ROWS ? o->batch
                                                                            : SEER_SCORE_ROWS;
    seer_model *m = NULL;
    int rc = start_model(o, &m, &st, &best, batch_cap);
    int resumed = m != NULL;
    if (rc != SEER_OK) return rc;
    if (!m) m = calloc(1, sizeof *m);
    if (!m) return seer_errorf(SEER_ENOMEM, "out of memory");

    seer_encode_ahead *ahead = NULL;
    rc = encode_rows(o, m, resumed, &tab, &tr, &va, r, &st, &ahead);
    seer_train_job job;
    if (rc == SEER_OK) rc = choose_settings(o, &job, m, &tr, &va, resumed, &st, r);
    if (rc == SEER_OK) o = &job;
    if (rc == SEER_OK && !resumed) rc = new_net(o, m, batch_cap, &tr);
    if (rc == SEER_OK && va.rows && !best.params) rc = best_alloc(&m->net, &best);
    seer_weight_avg avg = {0};
    int avg_started = rc == SEER_OK;
    if (avg_started) rc = start_average(o, m, &st, &avg);
    if (rc == SEER_OK && o->checkpoint_every && !o->checkpoint_path)
        rc = seer_errorf(SEER_EINVAL, "checkpoints need a path");
    if (rc == SEER_OK) {
        r->train_rows = tr.rows;
        r->valid_rows = va.rows;
        r->has_valid = va.rows > 0;
        r->metrics_on = r->has_valid ? "valid" : "train";
        rc = run_epochs(m, &tr, &va, o, r, &st, &best, averages(o) ? &avg : NULL, ahead);
        // Also when it stopped between epochs (--max-steps).
        if (rc == SEER_OK) rc = check_diverged(&m->net, 0, o->lr);
    }
    // Every row is encoded from here on (the first epoch waited for them, or this does).
    seer_encode_ahead_finish(&ahead, rc != SEER_OK);
    if (rc == SEER_OK && r->stopped_at_max_steps && o->checkpoint_path)
        rc = checkpoint(m, o, &st, &best);
    // A probability only is calibrated (the other tasks' options are refused with one).
    if (rc == SEER_OK && va.rows && o->calibration && m->net.cfg.task == SEER_TASK_BINARY)
        rc = calibrate(m, &va, o, r);
    if (rc == SEER_OK) rc = finish_run(o, r, m, &tr, &va, t_start);
    seer_weight_avg_free(&avg);  // st's average pointers, once started, were its arrays
    if (!avg_started) seer_checkpoint_average_free(&st);
    seer_dataset_free(&tr);
    seer_dataset_free(&va);
    free(best.params);
    free(best.emb);
    free(best.wide);
    if (tab) seer_table_close(tab);
    if (rc != SEER_OK) {
        seer_model_free(m);
        return rc;
    }
    *out = m;
    return SEER_OK;
}
