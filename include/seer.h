// seer: value predictions and recommendations from behaviour data.
//
// The public API, and the one the seer command itself is built on: train a model from a file
// (seer_train_options with documented defaults), load and save it, read its input schema,
// score rows held in memory by column name or the rows of a file, evaluate, profile. More
// public headers: seer/serve.h (the HTTP server), seer/files.h (the checks of paths before
// work), seer/synth.h (the demo's data). Everything under src/ is private to the library.
//
// Every function that can fail returns SEER_OK (0) or a negative seer_error and records a
// message for seer_error_message() on the calling thread; a NULL pointer argument is
// SEER_EINVAL unless its comment allows NULL (the getters of a model need a model). A model is
// not safe to score from two threads at once (scoring uses its buffers); load one per thread.
#ifndef SEER_H
#define SEER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

// The codes every function returns. The values are stable.
typedef enum {
    SEER_OK = 0,
    SEER_EINVAL = -1,     // invalid argument (an option, a name, a NULL handle)
    SEER_EDATA = -2,      // bad input data (a malformed row, a value a column cannot take)
    SEER_EIO = -3,        // input/output failure (a missing file, a full disk)
    SEER_ENOMEM = -4,     // out of memory
    SEER_EINTERNAL = -5,  // internal error
} seer_error;

// The message of the last error on this thread: what failed and where (file:line:column,
// the option, the key), "" when none was recorded.
const char *seer_error_message(void);
// A short description of the code: "invalid argument", "bad input data", ...; "unknown error"
// for a value that is no seer_error.
const char *seer_strerror(int rc);
// The exit status a command-line program gives for rc: 0 for SEER_OK, 1 invalid argument,
// 2 bad data, 3 I/O failure, 4 out of memory, internal error or an unknown code.
int seer_error_exit_code(int rc);
// Records the message (printf-style) for seer_error_message() on this thread and returns
// code: code built on the library (a command line, a callback) reports its own errors the
// way the library does.
int seer_errorf(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// The layouts of data files. The values are stored in model files: append, never renumber.
typedef enum {
    SEER_FORMAT_AUTO,    // CSV or TSV, the separator sniffed from the header line: tab if it
                         // has one, else comma, else ';', else '|', else comma (one column)
    SEER_FORMAT_CSV,     // comma separated, header line, RFC 4180 quoting
    SEER_FORMAT_TSV,     // tab separated, header line, RFC 4180 quoting
    SEER_FORMAT_CRITEO,  // tab separated, no header: label, I1..I13, C1..C26; no quoting
    SEER_FORMAT_LIBFM,   // libFM / NFM: "label idx:val idx:val ...", each pair one
                         // categorical field F1 .. Fk; every value must be 1
    SEER_FORMAT_MOVIELENS,  // an interaction log, no header: "user item rating timestamp"
                            // (tabs or spaces: u.data; "::": ratings.dat); recommenders only
                            // (seer/recommend.h)
    SEER_FORMAT_SEQ,     // item sequences, no header: "user item item ..." a line, in time
                         // order (data/sequences.h); next-item recommenders only
    SEER_FORMAT_KT,      // knowledge tracing, 4 lines a student: "user_idx,original_id",
                         // problem ids, skill ids, answers 0/1 (data/kt.h; seer/kt.h)
} seer_format;

// The formats' names in seer_format order, as the command line and model files spell them
// ("auto", "csv", "tsv", "criteo", "libfm", "movielens", "seq", "kt"); NULL-terminated.
extern const char *const seer_format_names[];

// The most tokens of one multi-valued value that a model keeps.
#define SEER_MULTI_SLOTS_MAX 256
// The most hidden layers of one deep stream, and of dcnv2's cross layers.
#define SEER_HIDDEN_MAX 8

// The networks seer trains (README, "Using seer", Models).
typedef enum {
    SEER_MODEL_LR,        // logistic regression
    SEER_MODEL_MLP,       // embeddings and a ReLU stack
    SEER_MODEL_FM,        // factorisation machine
    SEER_MODEL_WDL,       // wide and deep
    SEER_MODEL_DEEPFM,
    SEER_MODEL_DCNV2,     // deep and cross network v2
    SEER_MODEL_FINALMLP,  // two gated MLP streams and a bilinear fusion
} seer_model_kind;

// What a model predicts from its label column: a probability of label 1 (labels 0 or 1), a
// number (any finite label; squared error, the output as it is), or a non-negative amount by
// the zero-inflated lognormal (ZILN: labels finite and >= 0; the output is the expected value
// p exp(mu + sigma^2 / 2)). Stored in model files (append, never renumber); a file without one
// is binary. Names: seer_task_names.
typedef enum { SEER_TASK_BINARY, SEER_TASK_REGRESSION, SEER_TASK_ZILN } seer_task;
extern const char *const seer_task_names[];  // "binary", "regression", "ziln"; NULL-terminated

// How a binary model's logit becomes its probability (seer_train_options.calibration): the
// plain sigmoid, Platt scaling or isotonic regression, both fitted on the hold-out and strictly
// increasing. The values index seer_calibration_names: append, never renumber.
typedef enum {
    SEER_CALIBRATION_NONE,
    SEER_CALIBRATION_PLATT,
    SEER_CALIBRATION_ISOTONIC
} seer_calibration;

// ---- Models ----------------------------------------------------------------------------------

typedef struct seer_model seer_model;

// The rows scored at once by seer predict, eval, the end of training, the server and rows in
// memory. A product's rounding may depend on how many rows it multiplies (the GEMM blocks by
// them), so a file and a request of the same rows give the same scores to the bit only while
// every scoring path chunks rows by this one number.
#define SEER_SCORE_ROWS 1024

// The most rows a loaded model may score at once.
#define SEER_BATCH_CAP_MAX (1 << 20)

// Loads a model file for scoring up to batch_cap rows at a time (0: SEER_SCORE_ROWS, the only
// size that scores exactly as seer predict does; at most SEER_BATCH_CAP_MAX).
int seer_model_load(seer_model **out, const char *path, size_t batch_cap);
// Writes the model atomically: path holds the whole new file or what it held before.
int seer_model_save(const seer_model *m, const char *path);
// Frees m; NULL is a no-op.
void seer_model_free(seer_model *m);

// The network of the model and its name as seer train --model spells it ("mlp").
seer_model_kind seer_model_get_kind(const seer_model *m);
const char *seer_model_name(const seer_model *m);
// The layout of the file the model was trained on (what seer predict reads by default).
seer_format seer_model_format(const seer_model *m);
// The label column's name, or NULL when the model has none.
const char *seer_model_label(const seer_model *m);
// What the model predicts (seer_task): its scores are probabilities only for SEER_TASK_BINARY.
seer_task seer_model_task(const seer_model *m);

// ---- The input schema: every column of the training data, in its order -----------------------

typedef enum {
    SEER_COLUMN_IGNORED,      // not used (a row id, a constant, or by --ignore)
    SEER_COLUMN_LABEL,        // the target (0/1, or a value: seer_task): not needed to score
    SEER_COLUMN_NUMERIC,      // a number; missing and non-numbers as seer profile says
    SEER_COLUMN_CATEGORICAL,  // a token (a string, or a number as its text)
    SEER_COLUMN_VECTOR,       // dims numbers separated by ';' (a precomputed embedding)
    SEER_COLUMN_MULTI,        // tokens separated by '|', pooled
} seer_column_kind;

typedef struct {
    const char *name;         // valid while the model lives
    seer_column_kind kind;
    size_t dims;              // VECTOR: numbers per value; MULTI: most tokens kept; else 1
    size_t values;            // CATEGORICAL and MULTI: vocabulary tokens or hash buckets; else 0
    double missing_rate;      // share of training rows without a value
    const char *reason;       // why the column is what it is, in words (seer profile)
} seer_column_info;

size_t seer_model_input_count(const seer_model *m);
// Column i (from 0) of the model's inputs into *info; SEER_EINVAL past the end.
int seer_model_input(const seer_model *m, size_t i, seer_column_info *info);

// ---- Scoring rows held in memory --------------------------------------------------------------

// Rows for one model, built one at a time; each value is given by column name, as a string
// (its text, as a CSV would hold it) or as a number (written as the shortest text that reads
// back as the same double: 3 as "3", 0.1 as "0.1"). A column not set is missing. The rows
// score the same, to the bit, as a file holding the same texts does with seer predict.
typedef struct seer_rows seer_rows;

// Rows for m's columns; m must outlive them. SEER_EINVAL for a NULL argument, SEER_ENOMEM.
int seer_rows_new(seer_rows **out, const seer_model *m);
void seer_rows_free(seer_rows *r);
// Starts a new row with every value missing; the setters write to the last row started.
int seer_rows_add(seer_rows *r);
// SEER_EINVAL for a name that is no column of the model (the message names it;
// seer_model_input lists the columns), before any row was added, or for a NULL argument.
// A value is not checked until the rows are scored.
int seer_rows_set_string(seer_rows *r, const char *column, const char *value);
int seer_rows_set_number(seer_rows *r, const char *column, double value);
size_t seer_rows_count(const seer_rows *r);
// Forgets every row, keeping the memory for the next ones.
void seer_rows_clear(seer_rows *r);

// Scores every row of rows into out (seer_rows_count floats), probabilities in [0, 1].
// SEER_EDATA for a value its column cannot take, naming "rows:ROW:COLUMN" (both from 1,
// COLUMN counting the model's columns) as seer predict names file:line:column; rows from
// another model are SEER_EINVAL. It allocates nothing: the rows carry the buffers scoring
// needs, so (like the model) one rows object scores on one thread at a time.
int seer_model_score(seer_model *m, const seer_rows *rows, float *out);

// ---- Files -----------------------------------------------------------------------------------

// Scores every row of a data file (SEER_FORMAT_AUTO: CSV or TSV, sniffed) into scores, which
// the caller frees; *n gets the row count. A malformed row is SEER_EDATA naming
// file:line:column.
int seer_model_score_file(seer_model *m, const char *path, seer_format format, float **scores,
                          size_t *n);

// The scores of every row of a data file as text, one line per row in order ("%.7g"), to out
// (NULL: stdout), which is written atomically: it holds every line or what it held before.
// With skip_bad_rows a malformed row is counted into *skipped (not NULL) and its line left
// empty, so the lines still match the rows; without it a malformed row is SEER_EDATA.
int seer_predict_file(seer_model *m, const char *data, seer_format format, int skip_bad_rows,
                      const char *out, size_t *skipped);

// How seer_predict_write lays out the scores: seer_predict_file's lines, CSV with a header
// ("id,score" or "score"; a skipped row's score empty), or JSON lines ({"id":"a","score":0.5}
// or {"score":0.5}; a skipped row's score null). Names: seer_scores_format_names.
typedef enum { SEER_SCORES_TEXT, SEER_SCORES_CSV, SEER_SCORES_JSONL } seer_scores_format;
extern const char *const seer_scores_format_names[];  // "text", "csv", "jsonl"; NULL-terminated

typedef struct {
    seer_format format;          // of the data
    int skip_bad_rows;           // as seer_predict_file's
    const char *out;             // NULL: stdout; else written atomically
    const char *id_column;       // NULL, or a column of the data written beside each score
    seer_scores_format layout;   // SEER_SCORES_TEXT has no id: with id_column, use CSV or JSONL
} seer_predict_options;

// seer_predict_file with the id of each row beside its score and a choice of layout. An
// id_column the data does not have is SEER_EINVAL naming it; TEXT with an id_column too.
int seer_predict_write(seer_model *m, const char *data, const seer_predict_options *o,
                       size_t *skipped);

#define SEER_RELIABILITY_BINS 10

// The metrics of a model's predictions: a binary model's (auc .. cost) or, for the other tasks
// (task), the value metrics (rmse .. spearman); the other kind's fields are NAN.
typedef struct {
    size_t rows;
    double auc;        // exact ROC AUC; tied scores count one half; NAN if one class only
    double logloss;    // mean binary cross-entropy, p clipped to [1e-7, 1 - 1e-7]
    double accuracy;   // share of rows with (p >= 0.5) == label
    double positive_rate;
    double brier;      // mean (p - label)^2
    double ks;         // Kolmogorov-Smirnov: the largest |TPR - FPR| over thresholds; NAN as auc
    double gini;       // normalised Gini, 2 auc - 1
    double ece;        // expected calibration error: over SEER_RELIABILITY_BINS equal-width bins
                       // of p, sum of bin rows / rows x |mean p - positive rate| in the bin
    // The reliability table behind ece: bin b holds p in [b / 10, (b + 1) / 10) (1 in the
    // last); its rows, mean p and positive rate (NAN when empty).
    size_t bin_rows[SEER_RELIABILITY_BINS];
    double bin_score[SEER_RELIABILITY_BINS], bin_rate[SEER_RELIABILITY_BINS];
    // With a cost matrix (the model's, seer_train_options.cost_fn and cost_fp): the threshold
    // it decides by, cost_fp / (cost_fp + cost_fn) on calibrated probabilities, and the mean
    // cost a row of those decisions, (cost_fn x missed positives + cost_fp x false alarms) /
    // rows. NAN without one.
    double threshold, cost;
    seer_task task;    // the model's: which of the two kinds of metrics these are
    double rmse, mae;  // root mean squared and mean absolute error of the predicted value
    double normalized_gini;  // of the cumulative-gain curve, rows by predicted value
    double spearman;   // rank correlation of predicted and actual value
    double loss;       // regression, ziln: the mean training loss (squared error, ZILN) on
                       // these rows, which early stopping compares
} seer_metrics;

// Evaluates m on every row of a labelled file. *skipped gets the malformed rows
// left out with skip_bad_rows (the first few are named on stderr); without it a malformed row
// is SEER_EDATA.
int seer_eval_file(seer_model *m, const char *path, seer_format format, int skip_bad_rows,
                   seer_metrics *out, size_t *skipped);

// ---- Training --------------------------------------------------------------------------------

// The longest settings text (seer_train_options.settings) a checkpoint holds, with its NUL.
#define SEER_CHECKPOINT_SETTINGS_MAX 8192

// A run option left to the data (seer_train_options: epochs, batch, patience, lr, l2): training
// chooses it from the rows it trains on and says what it chose (seer_train_report, the line on
// stderr with the profile, the model file's "training" object). Any other value is used as given.
#define SEER_AUTO ((size_t)-1)
#define SEER_AUTO_REAL (-1.0f)

// What to train and how. seer_train_options_default gives every field its documented default
// for a model kind (the defaults of seer train --model with no other option); set data and,
// unless the format names it, label, then change what you need.
typedef struct {
    // The data.
    const char *data;          // the training file; read twice, so a regular file
    seer_format format;        // SEER_FORMAT_AUTO
    int skip_bad_rows;         // 0: a malformed row is SEER_EDATA; 1: skipped and counted
    const char *label;         // the 0/1 column; NULL: "label" with CRITEO and LIBFM, else none
    seer_task task;            // SEER_TASK_BINARY (default): what the label is (seer_task); the
                               // other tasks take the mlp or dcnv2 model, neither pos_weight
                               // nor a cost matrix, and are not calibrated
    const char *valid_path;    // validation rows (NULL: hold out valid_frac of data instead)
    double valid_frac;         // 0.1; 0 trains on every row and scores the training rows
    // The sparsity decision (seer profile shows it) and its overrides: lists of column names.
    const char *const *ignore;        // not used
    size_t n_ignore;
    const char *const *categorical;   // forced categorical
    size_t n_categorical;
    const char *const *numeric;       // forced numeric
    size_t n_numeric;
    const char *const *multi;         // forced multi-valued (tokens separated by '|')
    size_t n_multi;
    size_t min_count;          // 5: the least count of a token with its own embedding row
    size_t max_vocab;          // 1 << 20 tokens of one column at most
    size_t buckets;            // 16 quantile buckets of a numeric column; 0: none
    int bucket_ple;            // the buckets as piecewise-linear dense values (1) or as
                               // embedding fields (0); -1 (default): the model's choice, 1 for
                               // mlp (a curve a column for its dense layers), 0 for the others
    size_t hash_buckets;       // 0: vocabularies; N: every categorical column hashed into N rows
    int hash_shared;           // with hash_buckets: one table for all of them
    size_t max_tokens;         // 32 tokens of a multi-valued value kept at most
    int pool_sum;              // 0: a multi-valued field averages its tokens' vectors; 1: sums
    // The network (README, "Models"; the defaults of each kind as seer train --help says).
    seer_model_kind model;
    size_t hidden[SEER_HIDDEN_MAX];   // deep layer widths: mlp 64,32; wdl, deepfm, dcnv2,
    size_t n_hidden;                  // finalmlp 400,400,400 (finalmlp: its first stream)
    size_t hidden2[SEER_HIDDEN_MAX];  // finalmlp: the second stream's widths (800)
    size_t n_hidden2;
    size_t heads;              // finalmlp: heads of the bilinear fusion (1)
    size_t gate_hidden;        // finalmlp: hidden width of each feature gate (64)
    size_t cross_layers;       // dcnv2: cross layers (3)
    int stacked;               // dcnv2: cross then deep instead of side by side (0)
    size_t emb_dim;            // embedding width (16)
    float dropout;             // share of each deep layer's units dropped in training (0)
    int adagrad;               // Adagrad instead of Adam (0); seer train then uses lr 0.01
    int bf16;                  // training products in bf16 with fp32 weights (0)
    // The run.
    // SEER_AUTO (the default of these five): chosen from the training rows n. Mini-batches of
    // the model's batch (256 mlp, lr, fm; 1024 the others) but at most n/8 rounded down to a
    // power of two and at least 32; lr 0.001 (0.002 when the weights are averaged, see
    // average_decay); epochs enough for 4,000 steps, 50 to 200;
    // patience 3 epochs or 30 steps, whichever is more. lr: a table without
    // multi-valued columns, of at most 2^22 encoded values (rows x (ids + dense values)), is
    // solved to convergence with full-batch L-BFGS when batch and lr are left to it (epochs
    // then bounds its iterations, 500 when SEER_AUTO), unless the run checkpoints, resumes or
    // has max_steps.
    size_t epochs;             // the most epochs, with early stopping on the validation rows
    size_t batch;              // rows a step
    float lr;                  // Adam's step size (SEER_AUTO_REAL: 0.001)
    int threads;               // 1
    uint64_t seed;             // 1: initialisation, shuffling and the hold-out
    size_t patience;           // epochs without a better validation score; 0: never stop
    float l2;                  // lambda of lambda/2 |w|^2 added to the mean log loss of lr's
                               // L-BFGS solve, the bias left out; 0: none. SEER_AUTO_REAL: the
                               // one of least log loss of 3e-2, 2e-2 .. 1e-5 by 5-fold
                               // cross-validation (up to 20,000 training rows; the
                               // strongest within a standard error of it) or on the
                               // hold-out, or 1/n (scikit-learn's C=1) without a hold-out
    int stop_on_logloss;       // 0: the epoch kept is the best by AUC; 1: by log loss (the
                               // other tasks: always by their validation loss)
    double average_decay;      // > 0: the epochs are scored and kept with the weights averaged
                               // over the recent steps, a step's weights weighing this to the
                               // power of its age; 0 (the default but mlp's): the weights as
                               // they are; SEER_AUTO_REAL (mlp's): 0.999 when an epoch has at
                               // least 100 steps, else 0. Checkpoints hold the average; a
                               // resumed run averages as its checkpoint's run did
    float pos_weight;          // the weight of positive rows in the training loss, for an
                               // imbalanced label (default 1); calibration then maps the
                               // scores back to probabilities
    double cost_fn, cost_fp;   // a cost matrix: the cost of a missed positive and of a false
                               // alarm, both > 0, or both 0 (none, the default). Stored in the
                               // model; eval reports the cost of its decisions (seer_metrics)
    int calibration;           // seer_calibration. PLATT (default): the model's probabilities
                               // are calibrated by Platt scaling, sigmoid(a z + b) of its logit
                               // with a > 0 (the order of scores kept), fitted on the hold-out
                               // when there is one and applied wherever scores leave seer;
                               // ISOTONIC: isotonic regression of the labels on the logit,
                               // interpolated linearly between its blocks (strictly
                               // increasing too); NONE: the plain sigmoid. Binary only:
                               // a model of another task is never calibrated
    int quiet;                 // 0: a line per epoch on stderr
    const char *checkpoint_path;   // where checkpoints go (NULL: none)
    size_t checkpoint_every;   // one every N optimiser steps and after each epoch (0: never)
    const char *resume_path;   // continue the run this checkpoint recorded (NULL: a new run)
    size_t max_steps;          // stop after this many optimiser steps in all (0: no limit)
    int cache;                 // encoded rows in a mapped file: 1 on, 0 off, -1 (default)
                               // when they would take more than 1 GiB
    const char *cache_prefix;  // the cache files' names start with this (NULL: /tmp/seer)
    const char *cache_dir;     // a directory keeping DATA's encoded rows and fitted transform
                               // between runs (NULL: none): a later run of the same file
                               // (size, mtime, first MiB) with the same encoding settings reads
                               // them instead of profiling and encoding it; a damaged or stale
                               // cache is rebuilt with a warning, never trusted. Not used by a
                               // resumed run nor for rows held in a mapped file (over 1 GiB)
    int train_metrics;         // without a hold-out, 1 (default): the report's metrics are the
                               // model's on the training rows, scored again after training
                               // (about a third of an epoch); 0: not scored, metrics_on "none"
    const char *settings;      // what fixes the model and its data, one "--option value" a
                               // line, at most SEER_CHECKPOINT_SETTINGS_MAX bytes: checkpoints
                               // record it and a resume refuses a line that differs, naming it
                               // (NULL: only batch and seed are compared)
} seer_train_options;

void seer_train_options_default(seer_train_options *o, seer_model_kind model);
// Why o cannot train (a phrase for a message: a value out of the range seer train allows, or
// network options that cannot make a model of its kind, e.g. finalmlp's heads not dividing
// its streams' widths), or NULL when it can. seer_train refuses such options (SEER_EINVAL).
const char *seer_train_options_invalid(const seer_train_options *o);

// The name of a model kind as seer train --model spells it ("mlp"), and the kind of a name
// (SEER_EINVAL for none).
const char *seer_model_kind_name(seer_model_kind kind);
int seer_model_kind_parse(const char *name, seer_model_kind *out);

// The words of the training choices as seer train and the settings text spell them, indexed by
// the value each sets; NULL-terminated.
extern const char *const seer_cache_names[];          // "off", "on", "auto": cache 0, 1, -1
extern const char *const seer_precision_names[];      // "fp32", "bf16": bf16 0, 1
extern const char *const seer_optimiser_names[];      // "adam", "adagrad": adagrad 0, 1
extern const char *const seer_early_stop_names[];     // "auc", "logloss": stop_on_logloss
extern const char *const seer_pooling_names[];        // "mean", "sum": pool_sum 0, 1
extern const char *const seer_bucket_encoding_names[];  // "embedding", "linear": bucket_ple 0, 1
extern const char *const seer_dcn_structure_names[];  // "parallel", "stacked": stacked 0, 1
extern const char *const seer_calibration_names[];    // "none", "platt", "isotonic"

// The settings text of o into buf (cap bytes, SEER_CHECKPOINT_SETTINGS_MAX will do): one
// "--option value" a line in seer train's words for every option that fixes the model, its
// training or its data, with the data file and valid_path as their fingerprints
// (seer/files.h). Give it as o->settings when checkpointing, so that a resume with other data
// or settings is refused, naming the line. SEER_EIO when a file cannot be fingerprinted.
int seer_train_settings(const seer_train_options *o, char *buf, size_t cap);

// What a training run did.
typedef struct {
    size_t train_rows, valid_rows, skipped_rows;
    size_t epochs_run, best_epoch;
    double train_loss;            // mean over the last epoch
    int has_valid;
    seer_metrics metrics;         // of the returned (best) model on the validation rows (for
                                  // an lr solved again on all rows: before that solve, so on
                                  // rows it had not trained on),
    const char *metrics_on;       // or, without any, on the training rows: "valid" or "train"
                                  // ("none": train_metrics 0 left them unscored, NaN)
    double seconds;               // the whole call
    double train_seconds;         // the optimisation loop only
    double train_samples_per_s;   // samples this call trained on / train_seconds
    double flops_per_sample;      // of a training step (forward + backward): the products of
                                  // the layers and the model's interaction kernels, a row
    size_t samples_trained;
    int stopped_at_max_steps;     // max_steps ended the run before its epochs
    // The settings the run used (SEER_AUTO resolved), and how lr was solved.
    size_t batch, epochs, patience;
    float lr, l2;
    const char *solver;           // "adam", "adagrad" or "lbfgs"
    int auto_settings;            // 1: some of them were chosen from the data
    int calibrated;               // the seer_calibration fitted: PLATT, sigmoid(calib_a z +
    float calib_a, calib_b;       // calib_b); ISOTONIC, calib_knots points (calib_a: the slope
    size_t calib_knots;           // of its ends in logit units); NONE: none fitted
} seer_train_report;

// Profiles the training rows, fits the sparsity decision, trains and keeps the best epoch.
// On success *out is the model (free it with seer_model_free) and *report (may be NULL) says
// what happened. SEER_EINVAL for options that cannot train (no label, invalid network),
// SEER_EDATA for data that cannot, SEER_EIO for files.
int seer_train(const seer_train_options *o, seer_model **out, seer_train_report *report);
// The one-thread fp32 GEMM peak of this machine in GFLOP/s, measured now: the median of three
// 2048^3 products through seer's own sgemm (oneDNN), timed in the measuring thread's CPU time
// (so that other processes on the CPU do not lower it), which a report's flops_per_sample times
// train_samples_per_s is a fraction of. Takes 0.4 s of CPU (1 s on an AVX2-only CPU) and
// 48 MiB; 0 when that memory cannot be had.
double seer_gemm_peak_gflops(void);

// ---- Profiles --------------------------------------------------------------------------------

// Reads a data file once and prints to out what seer profile prints: "PATH: N rows, M
// columns", then per column its type, missing rate, cardinality and what training would do
// with it (the sparsity decision, default settings), then "skipped N malformed rows" when
// skip_bad_rows skipped any. label NULL: "label" for SEER_FORMAT_CRITEO and LIBFM, else none.
// task: what the label holds, checked on every row as training checks it (seer_task).
int seer_profile_file(const char *path, seer_format format, const char *label, seer_task task,
                      int skip_bad_rows, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
