// Training through the public options (seer.h: seer_train_options): the defaults of a model
// kind, and the mapping of the public options to the internal job of train/train.h, which
// also holds what the data fixes. The defaults themselves live once, in seer_train_job_default
// and each model's ops (seer_net_config_default, ops->batch).
#include <string.h>

#include "base/error.h"
#include "models/net.h"
#include "train/train.h"

_Static_assert(SEER_HIDDEN_MAX == SEER_LAYERS_MAX / 2, "hidden widths of a stream");

// Whether kind is one of the models' kinds (a library user's value, unchecked until here;
// seer_model_ops_of asserts on any other).
static int known_kind(seer_model_kind kind) { return seer_model_ops_known(kind) != NULL; }

const char *seer_model_kind_name(seer_model_kind kind) {
    return known_kind(kind) ? seer_model_ops_of(kind)->name : NULL;
}

int seer_model_kind_parse(const char *name, seer_model_kind *out) {
    const seer_model_ops *ops = name ? seer_model_ops_find(name) : NULL;
    if (!ops) return seer_errorf(SEER_EINVAL, "no model is called '%s'", name ? name : "(null)");
    *out = ops->kind;
    return SEER_OK;
}

// Every field of the public options and where the job holds it, the same value by another
// name; the arrays and scalars are copied alike (same types: each pair's sizes are checked).
#define FIELDS(X)                                                                              \
    X(data, data) X(format, format) X(skip_bad_rows, skip_bad_rows) X(valid_path, valid_path)  \
    X(valid_frac, valid_frac) X(l2, l2) X(epochs, epochs) X(batch, batch) X(lr, lr)            \
    X(threads, threads)                                                                         \
    X(seed, seed) X(patience, patience) X(stop_on_logloss, stop_on_logloss) X(quiet, quiet)    \
    X(average_decay, average_decay)                                                             \
    X(calibration, calibration) X(cost_fn, cost_fn) X(cost_fp, cost_fp)                       \
    X(checkpoint_path, checkpoint_path) X(checkpoint_every, checkpoint_every)                   \
    X(resume_path, resume_path) X(max_steps, max_steps) X(cache, cache)                        \
    X(cache_prefix, cache_prefix) X(cache_dir, cache_dir) X(train_metrics, train_metrics)      \
    X(settings, settings) X(label, tf.label) X(task, tf.task)                                 \
    X(ignore, tf.ignore) X(n_ignore, tf.n_ignore) X(categorical, tf.categorical)               \
    X(n_categorical, tf.n_categorical) X(numeric, tf.numeric) X(n_numeric, tf.n_numeric)       \
    X(multi, tf.multi) X(n_multi, tf.n_multi) X(min_count, tf.min_count)                       \
    X(max_vocab, tf.max_vocab) X(buckets, tf.buckets) X(hash_buckets, tf.hash_buckets)         \
    X(bucket_ple, tf.bucket_ple)                                                                \
    X(hash_shared, tf.hash_shared) X(max_tokens, tf.max_tokens) X(pool_sum, tf.pool_sum)       \
    X(model, net.kind) X(hidden, net.hidden) X(n_hidden, net.n_hidden) X(hidden2, net.hidden2) \
    X(n_hidden2, net.n_hidden2) X(heads, net.n_heads) X(gate_hidden, net.gate_hidden)          \
    X(cross_layers, net.n_cross) X(stacked, net.stacked) X(emb_dim, net.emb_dim)               \
    X(dropout, net.dropout) X(adagrad, net.adagrad) X(bf16, net.bf16)                         \
    X(pos_weight, net.pos_weight)

#define SAME_SIZE(pub, job) \
    _Static_assert(sizeof((seer_train_options *)0)->pub == sizeof((seer_train_job *)0)->job, #pub);
FIELDS(SAME_SIZE)
#undef SAME_SIZE

static void job_to_options(const seer_train_job *j, seer_train_options *o) {
#define TO_OPTIONS(pub, job) memcpy(&o->pub, &j->job, sizeof o->pub);
    FIELDS(TO_OPTIONS)
#undef TO_OPTIONS
}

// The job of o; what the data fixes (fields, dense inputs, table rows, batch_cap) stays zero.
static void options_to_job(const seer_train_options *o, seer_train_job *j) {
    seer_train_job_default(j);
    memset(&j->net, 0, sizeof j->net);
#define TO_JOB(pub, job) memcpy(&j->job, &o->pub, sizeof o->pub);
    FIELDS(TO_JOB)
#undef TO_JOB
    j->net.task = o->task;  // the head and loss; tf.task checks the labels
}

void seer_train_options_default(seer_train_options *o, seer_model_kind model) {
    seer_train_job j;
    seer_train_job_default(&j);
    SEER_ASSERT(known_kind(model));
    seer_net_config_default(&j.net, model);
    memset(o, 0, sizeof *o);
    job_to_options(&j, o);
    // The run follows the data unless the caller sets it (train/auto.c).
    o->epochs = o->batch = o->patience = SEER_AUTO;
    o->lr = o->l2 = SEER_AUTO_REAL;
    o->pos_weight = 1;
    o->bucket_ple = -1;
    o->average_decay = model == SEER_MODEL_MLP ? SEER_AUTO_REAL : 0;
}

// Whether the n widths are a list the model can take: at most SEER_HIDDEN_MAX, each 1-65536.
static int widths_ok(const size_t *w, size_t n) {
    if (n > SEER_HIDDEN_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] < 1 || w[i] > 65536) return 0;
    return 1;
}

// The ranges seer train's options are held to (cli/common.c), for the values that a library
// user sets without that parser and that would otherwise fail late or not at all.
static const char *out_of_range(const seer_train_options *o) {
    if ((unsigned)o->format > SEER_FORMAT_LIBFM) return "format is no seer_format";
    if (!widths_ok(o->hidden, o->n_hidden) || !widths_ok(o->hidden2, o->n_hidden2))
        return "hidden widths must be at most SEER_HIDDEN_MAX, each from 1 to 65536";
    if (o->cross_layers > SEER_HIDDEN_MAX) return "cross_layers must be at most SEER_HIDDEN_MAX";
    if (o->heads < 1 || o->gate_hidden < 1) return "heads and gate_hidden must be at least 1";
    if (o->emb_dim < 1 || o->emb_dim > 4096) return "emb_dim must be from 1 to 4096";
    // As floats: seer train's largest dropout below 1 and smallest lr above 0 may round to 1
    // and to 0.
    if (!(o->dropout >= 0 && o->dropout <= 1)) return "dropout must be from 0 to 1";
    if (o->epochs < 1) return "epochs must be at least 1";
    if (o->batch != SEER_AUTO && (o->batch < 1 || o->batch > 65536))
        return "batch must be from 1 to 65536";
    if (o->lr != SEER_AUTO_REAL && !(o->lr >= 0 && o->lr <= 10)) return "lr must be from 0 to 10";
    if (o->l2 != SEER_AUTO_REAL && !(o->l2 >= 0 && o->l2 <= 1e6)) return "l2 must be from 0 to 1e6";
    int costs = (o->cost_fn > 0 && o->cost_fn <= 1e9) + (o->cost_fp > 0 && o->cost_fp <= 1e9);
    if (!(costs == 2 || (o->cost_fn == 0 && o->cost_fp == 0)))
        return "a cost matrix needs both costs, each above 0 and at most 1e9";
    if (o->calibration < SEER_CALIBRATION_NONE || o->calibration > SEER_CALIBRATION_ISOTONIC)
        return "calibration must be a seer_calibration (0, 1 or 2)";
    if (o->bucket_ple < -1 || o->bucket_ple > 1) return "bucket_ple must be -1, 0 or 1";
    if (!(o->average_decay == SEER_AUTO_REAL || (o->average_decay >= 0 && o->average_decay < 1)))
        return "average_decay must be from 0 to below 1, or SEER_AUTO_REAL";
    if ((unsigned)o->task > SEER_TASK_ZILN) return "task is no seer_task";
    if (o->task != SEER_TASK_BINARY && o->pos_weight != 1)
        return "pos_weight weighs the positive rows of a 0/1 label (task binary only)";
    if (o->task != SEER_TASK_BINARY && o->cost_fn > 0)
        return "a cost matrix decides a 0/1 label (task binary only)";
    if (!(o->pos_weight > 0 && o->pos_weight <= 1e6))
        return "pos_weight must be above 0 and at most 1e6";
    if (o->threads < 1 || o->threads > 256) return "threads must be from 1 to 256";
    if (!(o->valid_frac >= 0 && o->valid_frac < 1)) return "valid_frac must be from 0 to below 1";
    if (o->min_count < 1) return "min_count must be at least 1";
    if (o->max_tokens < 1 || o->max_tokens > SEER_MULTI_SLOTS_MAX)
        return "max_tokens must be from 1 to SEER_MULTI_SLOTS_MAX";
    return NULL;
}

const char *seer_train_options_invalid(const seer_train_options *o) {
    if (!known_kind(o->model)) return "no such model kind";
    const char *why = out_of_range(o);
    if (why) return why;
    seer_train_job j;
    options_to_job(o, &j);
    return seer_net_config_invalid(&j.net);
}

int seer_train(const seer_train_options *o, seer_model **out, seer_train_report *report) {
    if (!o || !out) return seer_errorf(SEER_EINVAL, "seer_train: a NULL argument");
    *out = NULL;
    const char *why = seer_train_options_invalid(o);
    if (why)
        return seer_errorf(SEER_EINVAL, "%s: %s", seer_model_kind_name(o->model) ?
                           seer_model_kind_name(o->model) : "model", why);
    seer_train_job j;
    options_to_job(o, &j);
    if (!j.tf.label && (j.format == SEER_FORMAT_CRITEO || j.format == SEER_FORMAT_LIBFM))
        j.tf.label = "label";
    if (!j.tf.label) return seer_errorf(SEER_EINVAL, "seer_train: no label column given");
    j.tf.scale_by_label = j.net.kind == SEER_MODEL_LR;
    // An mlp reads its inputs through dense layers alone, where piecewise-linear buckets give
    // it a curve per column (BENCHMARKS.md, "mlp: piecewise-linear buckets"); the models with
    // embedding interactions (fm, deepfm, ...) keep a vector per bucket.
    if (j.tf.bucket_ple < 0) j.tf.bucket_ple = j.net.kind == SEER_MODEL_MLP;
    if (!j.data) return seer_errorf(SEER_EINVAL, "seer_train: no data file given");
    seer_train_report ignored;
    return seer_train_run(&j, report ? report : &ignored, out);
}
