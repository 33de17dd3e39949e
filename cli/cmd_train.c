// seer train DATA --label COL [options] -o MODEL
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "seer.h"
#include "rec_cli.h"
#include "seer/files.h"

enum { O_LABEL = 256, O_MODEL, O_HIDDEN, O_EMB, O_EPOCHS, O_BATCH, O_LR, O_THREADS, O_SEED,
       O_VALID, O_VFRAC, O_PATIENCE, O_FORMAT, O_SKIP, O_IGNORE, O_CAT, O_NUM, O_BUCKETS,
       O_MINCOUNT, O_JSON, O_HELP, O_CROSS, O_STRUCTURE, O_STOP, O_CKPT_EVERY, O_CKPT,
       O_RESUME, O_MAX_STEPS, O_OPTIM, O_PRECISION, O_HASH, O_DROPOUT, O_CACHE,
       O_MULTI, O_MAX_TOKENS, O_POOLING, O_HASH_SHARED, O_HIDDEN2, O_HEADS, O_GATE_HIDDEN,
       O_PRINT_CONFIG, O_L2, O_CALIBRATION, O_COST_FN, O_COST_FP, O_POS_WEIGHT, O_TASK,
       O_BUCKET_ENC, O_AVERAGE };

// The chosen model's defaults (seer_train_options_default) for each of its options not
// given; seen holds the options given.
static void model_defaults(seer_train_options *o, seer_model_kind kind, const char **seen) {
    seer_train_options d;
    seer_train_options_default(&d, kind);
    o->model = kind;
    if (!seen[O_HIDDEN]) {
        o->n_hidden = d.n_hidden;
        memcpy(o->hidden, d.hidden, sizeof o->hidden);
    }
    if (!seen[O_HIDDEN2]) {
        o->n_hidden2 = d.n_hidden2;
        memcpy(o->hidden2, d.hidden2, sizeof o->hidden2);
    }
    if (!seen[O_HEADS]) o->heads = d.heads;
    if (!seen[O_GATE_HIDDEN]) o->gate_hidden = d.gate_hidden;
    if (!seen[O_CROSS]) o->cross_layers = d.cross_layers;
    if (!seen[O_EMB]) o->emb_dim = d.emb_dim;
    if (!seen[O_BATCH]) o->batch = d.batch;
    if (!seen[O_BUCKET_ENC]) o->bucket_ple = d.bucket_ple;
    if (!seen[O_AVERAGE]) o->average_decay = d.average_decay;
}

static const seer_cli_opt opts[] = {
    {"label", 1, O_LABEL, "COL", "the column to predict, 0/1 (default 'label' with --format\n"
                                 "criteo or libfm), or a number with --task"},
    {"task", 1, O_TASK, "T", "binary (default: a 0/1 label), regression (any finite\n"
                             "number; squared error) or ziln (an amount >= 0; zero-\n"
                             "inflated lognormal, predicts p exp(mu + sigma^2/2));\n"
                             "the last two with --model mlp or dcnv2, not calibrated"},
    {"model", 1, O_MODEL, "M", "lr, mlp (default), fm, wdl, deepfm, dcnv2 or finalmlp"},
    {"hidden", 1, O_HIDDEN, "W,W", "hidden layer widths of the deep part (mlp 64,32; wdl,\n"
                                   "deepfm, dcnv2 400,400,400); finalmlp: its first stream\n"
                                   "(400,400,400)"},
    {"hidden2", 1, O_HIDDEN2, "W,W", "finalmlp: hidden layer widths of the second stream\n"
                                     "(default 800)"},
    {"heads", 1, O_HEADS, "N", "finalmlp: heads of the bilinear fusion; divides both\n"
                               "streams' last widths (default 1)"},
    {"gate-hidden", 1, O_GATE_HIDDEN, "N", "finalmlp: hidden width of each stream's feature\n"
                                           "gate (default 64)"},
    {"emb-dim", 1, O_EMB, "N", "embedding width (default 16)"},
    {"cross-layers", 1, O_CROSS, "N", "dcnv2: cross layers (default 3)"},
    {"dropout", 1, O_DROPOUT, "P", "drop this share of each deep layer's units in training\n"
                                   "(default 0)"},
    {"dcn-structure", 1, O_STRUCTURE, "S", "dcnv2: parallel (default) or stacked"},
    {"epochs", 1, O_EPOCHS, "N", "the most epochs, with early stopping (default: enough for\n"
                                 "4,000 steps, 50 to 200; 500 L-BFGS iterations for lr);\n"
                                 "given alone, exactly N epochs on all rows, no hold-out"},
    {"batch", 1, O_BATCH, "N", "rows per step (default: 256 for mlp, lr, fm, 1024 for the\n"
                               "others, but at most rows/8 as a power of two, 32 at least)"},
    {"lr", 1, O_LR, "F", "learning rate (default 0.001 for Adam, 0.002 when the weights\n"
                         "are averaged (--average), 0.01 for Adagrad); lr with --batch\n"
                         "and --lr left out is solved by full-batch L-BFGS"},
    {"l2", 1, O_L2, "F", "lr's L-BFGS solve: lambda of lambda/2 |w|^2 added to the mean\n"
                         "log loss (0 none; default: of 3e-2 .. 1e-5 the best by 5-fold\n"
                         "cross-validation up to 20,000 training rows (the strongest\n"
                         "within a standard error of it), on the hold-out above, then\n"
                         "solved again on all rows; or 1/rows, scikit-learn's C=1,\n"
                         "without a hold-out)"},
    {"optim", 1, O_OPTIM, "O", "adam (default) or adagrad; lazy on embedding rows either way"},
    {"precision", 1, O_PRECISION, "P", "fp32 (default) or bf16: training products in bf16,\n"
                                       "fp32 weights"},
    {"threads", 1, O_THREADS, "N", "OpenMP threads of training and of encoding the rows\n"
                                   "(default 1); with CPUs to spare the rows are also\n"
                                   "read on two threads and encoded on one more while\n"
                                   "the first epoch trains (the same model either way)"},
    {"seed", 1, O_SEED, "N", "seed of initialisation, shuffling and the hold-out (default 1)"},
    {"valid", 1, O_VALID, "FILE", "validation rows for early stopping (by --early-stop)"},
    {"valid-frac", 1, O_VFRAC, "F", "hold out this share of DATA instead (default 0.1)"},
    {"patience", 1, O_PATIENCE, "N", "epochs without improvement before stopping (default 3,\n"
                                     "or 30 steps' worth on a small table; 0 never)"},
    {"early-stop", 1, O_STOP, "M", "auc (default) or logloss: the validation score that\n"
                                   "picks the epoch"},
    {"average", 1, O_AVERAGE, "D", "score and keep the weights averaged over the recent\n"
                                   "steps, a step's weighing D^age; 0 none (default: mlp\n"
                                   "0.999 when an epoch has 100 steps or more, else none);\n"
                                   "a resumed run averages as its checkpoint did"},
    {"calibration", 1, O_CALIBRATION, "C", "platt (default: Platt scaling fitted on the\n"
                                           "hold-out, applied wherever scores leave seer),\n"
                                           "isotonic (isotonic regression on the hold-out,\n"
                                           "joined by lines: strictly increasing too) or none"},
    {"cost-fn", 1, O_COST_FN, "C", "a cost matrix, with --cost-fp: the cost of a missed\n"
                                   "positive; the model decides positive at calibrated\n"
                                   "p >= cost-fp / (cost-fp + cost-fn), and eval reports\n"
                                   "the threshold and the mean cost a row"},
    {"cost-fp", 1, O_COST_FP, "C", "the cost of a false alarm (with --cost-fn)"},
    {"pos-weight", 1, O_POS_WEIGHT, "W", "the weight of positive rows in the training loss,\n"
                                         "for a rare label (default 1)"},
    {"format", 1, O_FORMAT, "F", "auto, csv, tsv, criteo or libfm (default auto: CSV or\n"
                                 "TSV with a header)"},
    {"skip-bad-rows", 0, O_SKIP, NULL, "skip malformed rows (counted, the first few printed)"},
    {"ignore", 1, O_IGNORE, "A,B", "columns not to use"},
    {"categorical", 1, O_CAT, "A,B", "force these columns categorical (an integer column is\n"
                                     "alone when its label rate per value beats 16 ordered\n"
                                     "buckets of it by 1% in log loss: ids)"},
    {"numeric", 1, O_NUM, "A,B", "force these columns numeric (integer ones too)"},
    {"buckets", 1, O_BUCKETS, "N", "quantile buckets of a numeric column (default 16; 0 off)"},
    {"bucket-encoding", 1, O_BUCKET_ENC, "E", "linear (mlp's default: a value a bucket, 1 below\n"
                                              "the number, 0 above, its place inside its own)\n"
                                              "or embedding (the others': a vector a bucket)"},
    {"min-count", 1, O_MINCOUNT, "N", "least count for a token's own embedding row (default 5)"},
    {"multi", 1, O_MULTI, "A,B", "force multi-valued columns (tokens separated by '|'; found\n"
                                 "alone when 5% of a text column's values hold a '|')"},
    {"max-tokens", 1, O_MAX_TOKENS, "N", "tokens a row of a multi-valued column keeps at most\n"
                                         "(default 32)"},
    {"pooling", 1, O_POOLING, "P", "mean (default) or sum: how a multi-valued field pools\n"
                                   "its tokens' vectors"},
    {"hash-buckets", 1, O_HASH, "N", "hash each categorical column into N rows instead of a\n"
                                     "vocabulary"},
    {"hash-shared", 0, O_HASH_SHARED, NULL, "with --hash-buckets: one table of N rows for all\n"
                                            "those columns"},
    {"checkpoint-every", 1, O_CKPT_EVERY, "N", "write a checkpoint every N steps and after each\n"
                                               "epoch (0: none, the default)"},
    {"checkpoint", 1, O_CKPT, "FILE", "where (default MODEL.ckpt; written atomically)"},
    {"resume", 1, O_RESUME, "FILE", "continue the run a checkpoint recorded (same DATA and\n"
                                    "settings)"},
    {"max-steps", 1, O_MAX_STEPS, "N", "stop after N optimiser steps in all (a checkpoint is\n"
                                       "written; 0: no limit, the default)"},
    {"cache", 1, O_CACHE, "C", "on, off or auto: encoded rows in a mapped cache file beside\n"
                               "MODEL (auto: over 1 GiB); or a directory: DATA's\n"
                               "encoded rows kept there and reused by the next run\n"
                               "of the same file and encoding settings"},
    {"json", 0, O_JSON, NULL, "end with one JSON line of validation metrics"},
    {"print-config", 0, O_PRINT_CONFIG, NULL, "print the options as a JSON --config file and\n"
                                              "exit without training"},
    {"output", 1, 'o', "MODEL", "where to write the model (written atomically)"},
    {"help", 0, O_HELP, NULL, "this help"},
    {0}};

const seer_cli_command seer_cli_train_command = {
    .name = "train", .synopsis = "DATA --label COL [options] -o MODEL",
    .summary = "train a model on the rows of DATA and write it to MODEL",
    .shorts = "o:", .opts = opts,
    .notes = "By default 10% of DATA is held out and training stops when its AUC has not\n"
             "improved for --patience epochs, keeping the best epoch. --epochs N without\n"
             "--valid or --valid-frac trains exactly N epochs on all rows (and says so).\n"
             "The settings left to the data are printed with the profile and stored in MODEL.\n"};

// The command line: the job it asks for and what the command itself does with it.
typedef struct {
    seer_train_options o;
    const char *out, *model;
    int json, print_config;
    int no_holdout;   // --epochs alone: no hold-out, no early stopping (said on stderr)
    const char *seen[SEER_CLI_OPTION_MAX];  // the value of each option given (seer_cli_next)
    char *ignore_s, *cat_s, *num_s, *multi_s;
    char ckpt[4096];
    char settings[SEER_CHECKPOINT_SETTINGS_MAX];
} train_args;

// An option of the model (its kind, widths, optimiser, precision ...) into o: 1 if c is
// one, with *bad set when its value is.
static int net_option(seer_train_options *o, int c, const char **model, int *bad) {
    double d;
    switch (c) {
    case O_MODEL: *model = optarg; break;
    case O_CROSS:
        *bad = seer_cli_count("train", "--cross-layers", optarg, &o->cross_layers);
        break;
    case O_STRUCTURE:
        *bad = seer_cli_choice("--dcn-structure", optarg, seer_dcn_structure_names, &o->stacked);
        break;
    case O_DROPOUT:
        *bad = seer_cli_real("train", "--dropout", optarg, &d);
        o->dropout = (float)d;
        break;
    case O_PRECISION:
        *bad = seer_cli_choice("--precision", optarg, seer_precision_names, &o->bf16);
        break;
    case O_OPTIM:
        *bad = seer_cli_choice("--optim", optarg, seer_optimiser_names, &o->adagrad);
        break;
    case O_HIDDEN:
        *bad = seer_cli_widths("--hidden", optarg, o->hidden, SEER_HIDDEN_MAX, &o->n_hidden);
        break;
    case O_HIDDEN2:
        *bad = seer_cli_widths("--hidden2", optarg, o->hidden2, SEER_HIDDEN_MAX,
                               &o->n_hidden2);
        break;
    case O_HEADS: *bad = seer_cli_count("train", "--heads", optarg, &o->heads); break;
    case O_GATE_HIDDEN:
        *bad = seer_cli_count("train", "--gate-hidden", optarg, &o->gate_hidden);
        break;
    case O_EMB: *bad = seer_cli_count("train", "--emb-dim", optarg, &o->emb_dim); break;
    default: return 0;
    }
    return 1;
}

// An option of the data and its transform into o: 1 if c is one, with *bad set when its
// value is.
static int data_option(train_args *a, int c, int *bad) {
    seer_train_options *o = &a->o;
    switch (c) {
    case O_LABEL: o->label = optarg; break;
    case O_TASK: {
        int k = 0;
        *bad = seer_cli_choice("--task", optarg, seer_task_names, &k);
        o->task = (seer_task)k;
        break;
    }
    case O_HASH:
        *bad = seer_cli_count("train", "--hash-buckets", optarg, &o->hash_buckets);
        break;
    case O_VALID: o->valid_path = optarg; break;
    case O_VFRAC: *bad = seer_cli_real("train", "--valid-frac", optarg, &o->valid_frac); break;
    case O_FORMAT: *bad = seer_cli_format(optarg, &o->format); break;
    case O_SKIP: o->skip_bad_rows = 1; break;
    case O_IGNORE:
        *bad = seer_cli_names(optarg, &o->ignore, &o->n_ignore, &a->ignore_s);
        break;
    case O_CAT:
        *bad = seer_cli_names(optarg, &o->categorical, &o->n_categorical, &a->cat_s);
        break;
    case O_NUM: *bad = seer_cli_names(optarg, &o->numeric, &o->n_numeric, &a->num_s); break;
    case O_HASH_SHARED: o->hash_shared = 1; break;
    case O_MULTI: *bad = seer_cli_names(optarg, &o->multi, &o->n_multi, &a->multi_s); break;
    case O_MAX_TOKENS:
        *bad = seer_cli_count("train", "--max-tokens", optarg, &o->max_tokens);
        break;
    case O_POOLING:
        *bad = seer_cli_choice("--pooling", optarg, seer_pooling_names, &o->pool_sum);
        break;
    case O_BUCKETS: *bad = seer_cli_count("train", "--buckets", optarg, &o->buckets); break;
    case O_BUCKET_ENC:
        *bad = seer_cli_choice("--bucket-encoding", optarg, seer_bucket_encoding_names,
                               &o->bucket_ple);
        break;
    case O_MINCOUNT:
        *bad = seer_cli_count("train", "--min-count", optarg, &o->min_count);
        break;
    default: return 0;
    }
    return 1;
}

// An option of the run (epochs, steps, checkpoints, threads ...) into o: 1 if c is one, with
// *bad set when its value is.
// --cache on, off, auto, or a directory that exists (a word mistyped is not taken for one).
static int cache_option(seer_train_options *o, const char *s) {
    for (int k = 0; seer_cache_names[k]; k++) {
        if (strcmp(s, seer_cache_names[k]) == 0) {
            o->cache = k == 2 ? -1 : k;
            o->cache_dir = NULL;
            return 0;
        }
    }
    struct stat st;
    if (stat(s, &st) != 0 || !S_ISDIR(st.st_mode))
        return seer_cli_usage("--cache: '%s' is not on, off, auto nor a directory (%s)", s,
                              stat(s, &st) != 0 ? strerror(errno) : "not a directory");
    o->cache_dir = s;
    o->cache = -1;
    return 0;
}

static int run_option(seer_train_options *o, int c, int *bad) {
    size_t v;
    double d;
    switch (c) {
    case O_CKPT_EVERY:
        *bad = seer_cli_count("train", "--checkpoint-every", optarg, &o->checkpoint_every);
        break;
    case O_CKPT: o->checkpoint_path = optarg; break;
    case O_RESUME: o->resume_path = optarg; break;
    case O_CACHE:
        *bad = cache_option(o, optarg);
        break;
    case O_MAX_STEPS: *bad = seer_cli_count("train", "--max-steps", optarg, &o->max_steps); break;
    case O_STOP:
        *bad = seer_cli_choice("--early-stop", optarg, seer_early_stop_names,
                               &o->stop_on_logloss);
        break;
    case O_CALIBRATION:
        *bad = seer_cli_choice("--calibration", optarg, seer_calibration_names, &o->calibration);
        break;
    case O_EPOCHS: *bad = seer_cli_count("train", "--epochs", optarg, &o->epochs); break;
    case O_BATCH: *bad = seer_cli_count("train", "--batch", optarg, &o->batch); break;
    case O_LR:
        *bad = seer_cli_real("train", "--lr", optarg, &d);
        o->lr = (float)d;
        break;
    case O_L2:
        *bad = seer_cli_real("train", "--l2", optarg, &d);
        o->l2 = (float)d;
        break;
    case O_COST_FN: *bad = seer_cli_real("train", "--cost-fn", optarg, &o->cost_fn); break;
    case O_AVERAGE:
        *bad = seer_cli_real("train", "--average", optarg, &o->average_decay);
        break;
    case O_COST_FP: *bad = seer_cli_real("train", "--cost-fp", optarg, &o->cost_fp); break;
    case O_POS_WEIGHT:
        *bad = seer_cli_real("train", "--pos-weight", optarg, &d);
        o->pos_weight = (float)d;
        break;
    case O_THREADS:
        *bad = seer_cli_count("train", "--threads", optarg, &v);
        o->threads = (int)v;
        break;
    case O_SEED:
        *bad = seer_cli_count("train", "--seed", optarg, &v);
        o->seed = v;
        break;
    case O_PATIENCE: *bad = seer_cli_count("train", "--patience", optarg, &o->patience); break;
    default: return 0;
    }
    return 1;
}

// Reads the options: -1 to go on, or the command's exit code (0 after --help).
static int parse_args(train_args *a, int argc, char **argv) {
    int c, bad = 0, more;
    optind = 0;
    while (!bad && (more = seer_cli_next(&seer_cli_train_command, argc, argv, &c, a->seen)) > 0) {
        if (net_option(&a->o, c, &a->model, &bad) || data_option(a, c, &bad) ||
            run_option(&a->o, c, &bad))
            continue;
        switch (c) {
        case O_JSON: a->json = 1; break;
        case O_PRINT_CONFIG: a->print_config = 1; break;
        case 'o': a->out = optarg; break;
        case O_HELP: seer_cli_help(&seer_cli_train_command, stdout); return 0;
        }
    }
    if (bad || more < 0) return 1;
    if (optind != argc - 1)
        return seer_cli_usage("train needs exactly one DATA file (seer train --help)");
    a->o.data = argv[optind];
    return -1;
}


// The effective value of option c as text into buf; 0 when it has none to print.
static int effective(const train_args *a, int c, char *buf, size_t cap) {
    const seer_train_options *o = &a->o;
    size_t k = 0;
    // A setting left to the data (SEER_AUTO) is not printed, so that the file leaves it too.
    if ((c == O_EPOCHS && o->epochs == SEER_AUTO) || (c == O_BATCH && o->batch == SEER_AUTO) ||
        (c == O_PATIENCE && o->patience == SEER_AUTO) ||
        (c == O_LR && o->lr == SEER_AUTO_REAL) || (c == O_L2 && o->l2 == SEER_AUTO_REAL) ||
        (c == O_AVERAGE && o->average_decay < 0) || (c == O_BUCKET_ENC && o->bucket_ple < 0))
        return 0;
    switch (c) {
    case O_MODEL: return snprintf(buf, cap, "%s", seer_model_kind_name(o->model)) > 0;
    case O_HIDDEN:
    case O_HIDDEN2:
        buf[0] = '\0';
        for (size_t i = 0; i < (c == O_HIDDEN ? o->n_hidden : o->n_hidden2); i++)
            k += (size_t)snprintf(buf + k, cap - k, "%s%zu", i ? "," : "",
                                  c == O_HIDDEN ? o->hidden[i] : o->hidden2[i]);
        return 1;
    case O_HEADS: return snprintf(buf, cap, "%zu", o->heads) > 0;
    case O_GATE_HIDDEN: return snprintf(buf, cap, "%zu", o->gate_hidden) > 0;
    case O_EMB: return snprintf(buf, cap, "%zu", o->emb_dim) > 0;
    case O_CROSS: return snprintf(buf, cap, "%zu", o->cross_layers) > 0;
    case O_DROPOUT: return snprintf(buf, cap, "%.9g", (double)o->dropout) > 0;
    case O_STRUCTURE: return snprintf(buf, cap, "%s", seer_dcn_structure_names[o->stacked]) > 0;
    case O_EPOCHS: return snprintf(buf, cap, "%zu", o->epochs) > 0;
    case O_BATCH: return snprintf(buf, cap, "%zu", o->batch) > 0;
    case O_LR: return snprintf(buf, cap, "%.9g", (double)o->lr) > 0;
    case O_L2: return snprintf(buf, cap, "%.9g", (double)o->l2) > 0;
    case O_COST_FN: return o->cost_fn > 0 && snprintf(buf, cap, "%.9g", o->cost_fn) > 0;
    case O_AVERAGE: return snprintf(buf, cap, "%.9g", o->average_decay) > 0;
    case O_COST_FP: return o->cost_fp > 0 && snprintf(buf, cap, "%.9g", o->cost_fp) > 0;
    case O_POS_WEIGHT: return snprintf(buf, cap, "%.9g", (double)o->pos_weight) > 0;
    case O_OPTIM: return snprintf(buf, cap, "%s", seer_optimiser_names[o->adagrad]) > 0;
    case O_PRECISION: return snprintf(buf, cap, "%s", seer_precision_names[o->bf16]) > 0;
    case O_THREADS: return snprintf(buf, cap, "%d", o->threads) > 0;
    case O_SEED: return snprintf(buf, cap, "%llu", (unsigned long long)o->seed) > 0;
    case O_VFRAC:
        return !o->valid_path && snprintf(buf, cap, "%.9g", o->valid_frac) > 0;
    case O_PATIENCE: return snprintf(buf, cap, "%zu", o->patience) > 0;
    case O_STOP:  // the other tasks stop on their validation loss and refuse the option
        return o->task == SEER_TASK_BINARY &&
               snprintf(buf, cap, "%s", seer_early_stop_names[o->stop_on_logloss]) > 0;
    case O_CALIBRATION:
        return snprintf(buf, cap, "%s", seer_calibration_names[o->calibration]) > 0;
    case O_FORMAT: return snprintf(buf, cap, "%s", seer_format_names[o->format]) > 0;
    case O_BUCKETS: return snprintf(buf, cap, "%zu", o->buckets) > 0;
    case O_BUCKET_ENC:
        return snprintf(buf, cap, "%s", seer_bucket_encoding_names[o->bucket_ple != 0]) > 0;
    case O_MINCOUNT: return snprintf(buf, cap, "%zu", o->min_count) > 0;
    case O_MAX_TOKENS: return snprintf(buf, cap, "%zu", o->max_tokens) > 0;
    case O_POOLING: return snprintf(buf, cap, "%s", seer_pooling_names[o->pool_sum]) > 0;
    case O_CACHE:
        if (o->cache_dir) return snprintf(buf, cap, "%s", o->cache_dir) > 0;
        return snprintf(buf, cap, "%s", seer_cache_names[o->cache < 0 ? 2 : o->cache]) > 0;
    case O_LABEL: return o->label && snprintf(buf, cap, "%s", o->label) > 0;
    case O_TASK: return snprintf(buf, cap, "%s", seer_task_names[o->task]) > 0;
    default: return 0;
    }
}

// s as a JSON string.
static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

// --print-config: every option given or with an effective value, as a --config file; exit 0.
static int print_config(const train_args *a) {
    const char *skip[] = {"help", "print-config", NULL};
    int first = 1;
    char buf[4096];
    putchar('{');
    for (const seer_cli_opt *p = seer_cli_train_command.opts; p->name; p++) {
        int skipped = 0;
        for (int i = 0; skip[i]; i++) skipped |= !strcmp(p->name, skip[i]);
        const char *given = p->val < SEER_CLI_OPTION_MAX ? a->seen[p->val] : NULL;
        if (skipped || (!given && !effective(a, p->val, buf, sizeof buf))) continue;
        printf("%s\n  \"%s\": ", first ? "" : ",", p->name);
        first = 0;
        if (!p->has_arg) fputs("true", stdout);
        else json_string(given ? given : buf);
    }
    puts("\n}");
    return 0;
}

// What --task regression or ziln changes and refuses: no calibration (a value is no
// probability), early stopping on the validation loss; -1 to go on, or the exit code.
static int task_options(train_args *a) {
    seer_train_options *o = &a->o;
    if (o->task == SEER_TASK_BINARY) return -1;
    const char *task = seer_task_names[o->task];
    if (a->seen[O_CALIBRATION] && o->calibration)
        return seer_cli_usage("--calibration %s calibrates probabilities; --task %s predicts "
                              "a value (leave --calibration out, or give none)",
                              seer_calibration_names[o->calibration], task);
    if (a->seen[O_STOP])
        return seer_cli_usage("--early-stop: --task %s stops on its validation loss", task);
    o->calibration = 0;
    return -1;
}

// The job from the options given and the defaults of the model and the data: -1 to go on,
// or the exit code of a refusal.
static int build_job(train_args *a) {
    seer_train_options *o = &a->o;
    if (!a->out && !a->print_config)
        return seer_cli_usage("train needs -o MODEL, the file to write");
    seer_model_kind kind;
    if (seer_model_kind_parse(a->model, &kind) != SEER_OK)
        return seer_cli_usage("--model: '%s' is not one of lr, mlp, fm, wdl, deepfm, dcnv2, "
                              "finalmlp", a->model);
    model_defaults(o, kind, a->seen);
    int code = task_options(a);
    if (code >= 0) return code;
    const char *why = seer_train_options_invalid(o);
    if (why)
        return seer_cli_usage("%s: %s (see seer train --help)", seer_model_kind_name(kind), why);
    if (o->adagrad && !a->seen[O_LR]) o->lr = 0.01f;
    if (!o->label && (o->format == SEER_FORMAT_CRITEO || o->format == SEER_FORMAT_LIBFM))
        o->label = "label";
    if (!o->label) return seer_cli_usage("train needs --label COL, the column to predict");
    if (o->hash_shared && !o->hash_buckets)
        return seer_cli_usage("--hash-shared needs --hash-buckets N, the shared table's rows");
    // An explicit --epochs without a validation set trains exactly that many
    // epochs on every row, as the reference trainers do.
    if (a->seen[O_EPOCHS] && !a->seen[O_VFRAC] && !o->valid_path) {
        o->valid_frac = 0;
        a->no_holdout = 1;
    }
    if (a->print_config) return print_config(a);

    if (!o->checkpoint_path && (o->checkpoint_every || o->max_steps)) {
        snprintf(a->ckpt, sizeof a->ckpt, "%s.ckpt", a->out);
        o->checkpoint_path = a->ckpt;
    }
    // Every path before any work; the checkpoint a run resumes from is where it goes on
    // writing checkpoints, but the model must not replace it, nor anything replace the data.
    const seer_file_use files[] = {
        {"DATA", o->data, 0, "train reads DATA twice (to profile it, then to encode it)", NULL},
        {"--valid", o->valid_path, 0, NULL, NULL},
        {"--resume", o->resume_path, 0, NULL, NULL},
        {"-o", a->out, 1, NULL, NULL},
        {"--checkpoint", o->checkpoint_path, 1, NULL, "--resume"},
    };
    int rc = seer_files_check(files, sizeof files / sizeof *files);
    if (rc == SEER_OK && (o->checkpoint_path || o->resume_path)) {
        rc = seer_train_settings(o, a->settings, sizeof a->settings);
        o->settings = a->settings;
    }
    if (rc != SEER_OK) return seer_cli_fail(rc);
    // Said once the run is sure to start, so that it is not lost among refusals.
    if (a->no_holdout)
        fprintf(stderr, "seer: --epochs %zu without --valid or --valid-frac: exactly %zu epochs "
                "on all rows, with no hold-out and no early stopping (add --valid-frac 0.1 to "
                "keep them)\n", o->epochs, o->epochs);
    o->cache_prefix = a->out;
    // Without a hold-out the training rows are scored again only for the JSON line's metrics.
    o->train_metrics = a->json;
    return -1;
}

// The closing line on stderr and, with --json, the JSON line on stdout.
static void report(const train_args *a, const seer_model *m, const seer_train_report *r) {
    // The model trained, as the file holds it (a resumed run's is the checkpoint's).
    const char *model = seer_model_name(m);
    seer_metrics met = r->metrics;
    const char *on = r->metrics_on;
    fprintf(stderr, "trained %s on %zu rows (%zu held out) in %.2fs: %zu epochs, %.0f samples/s;",
            model, r->train_rows, r->valid_rows, r->seconds, r->epochs_run,
            r->train_samples_per_s);
    int value = met.task != SEER_TASK_BINARY;
    if (strcmp(on, "none") == 0)
        fprintf(stderr, " train loss %.5f (--json scores the training rows)", r->train_loss);
    else if (value)
        fprintf(stderr, " %s rmse %.5g mae %.5g normalized gini %.4f", on, met.rmse, met.mae,
                met.normalized_gini);
    else
        fprintf(stderr, " %s auc %.5f logloss %.5f accuracy %.4f", on, met.auc, met.logloss,
                met.accuracy);
    fprintf(stderr, "; wrote %s\n", a->out);
    if (r->skipped_rows) fprintf(stderr, "skipped %zu malformed rows\n", r->skipped_rows);
    if (!a->json) return;
    printf("{\"model\":\"%s\",\"evaluated_on\":\"%s\",", model, on);
    if (value) {
        printf("\"task\":\"%s\",", seer_task_names[met.task]);
        seer_cli_json_number("rmse", "%.6g", met.rmse, 1);
        seer_cli_json_number("mae", "%.6g", met.mae, 1);
        seer_cli_json_number("normalized_gini", "%.6g", met.normalized_gini, 1);
        seer_cli_json_number("spearman", "%.6g", met.spearman, 1);
        seer_cli_json_number("loss", "%.6g", met.loss, 1);
    } else {
        seer_cli_json_number("auc", "%.6g", met.auc, 1);
        seer_cli_json_number("logloss", "%.6g", met.logloss, 1);
        seer_cli_json_number("accuracy", "%.6g", met.accuracy, 1);
    }
    printf("\"rows\":%zu,\"train_rows\":%zu,\"valid_rows\":%zu,\"skipped_rows\":%zu,"
           "\"epochs\":%zu,\"best_epoch\":%zu,", met.rows, r->train_rows, r->valid_rows,
           r->skipped_rows, r->epochs_run, r->best_epoch);
    seer_cli_json_number("train_samples_per_s", "%.6g", r->train_samples_per_s, 1);
    seer_cli_json_number("train_seconds", "%.6g", r->train_seconds, 1);
    // The peak is measured only here, where the JSON asks for it (about 0.4 s).
    double peak = seer_gemm_peak_gflops(), gflops = r->flops_per_sample * r->train_samples_per_s;
    seer_cli_json_number("flops_per_sample", "%.6g", r->flops_per_sample, 1);
    seer_cli_json_number("gflops", "%.6g", gflops * 1e-9, 1);
    seer_cli_json_number("gflops_peak", "%.6g", peak > 0 ? peak : NAN, 1);
    seer_cli_json_number("seconds", "%.6g", r->seconds, 1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\"peak_rss_mb\":%.1f", (double)ru.ru_maxrss / 1024.0);
    printf("}\n");
}

// Rows read back from a --cache DIR file are a read-only mapping of it: a file cut short under
// the mapping by another program faults (SIGBUS) when its lost pages are read. Said, and the
// run ends as an I/O error does (exit 3): the model is written only after training, so nothing
// is half-written.
static void mapped_file_cut(int sig) {
    (void)sig;
    static const char say[] = "seer: train: a file this run reads through a mapping (its --cache "
                              "file of encoded rows) was cut short by another program; no model "
                              "was written\n";
    ssize_t w = write(STDERR_FILENO, say, sizeof say - 1);
    (void)w;
    _exit(3);
}

int seer_cmd_train(int argc, char **argv) {
    if (seer_cli_is_rec_train(argc, argv)) return seer_cmd_train_rec(argc, argv);
    // Static: the settings text and the seen table are large for a stack.
    static train_args a;
    memset(&a, 0, sizeof a);
    seer_train_options_default(&a.o, SEER_MODEL_MLP);
    a.model = "mlp";
    int code = parse_args(&a, argc, argv);
    if (code < 0) code = build_job(&a);
    if (code >= 0) return code;
    seer_train_report r;
    seer_model *m;
    struct sigaction cut = {.sa_handler = mapped_file_cut};
    sigaction(SIGBUS, &cut, NULL);
    int rc = seer_train(&a.o, &m, &r);
    if (rc == SEER_OK) rc = seer_model_save(m, a.out);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    report(&a, m, &r);
    seer_model_free(m);
    free(a.ignore_s);
    free(a.cat_s);
    free(a.num_s);
    free(a.multi_s);
    free((void *)a.o.multi);
    free((void *)a.o.ignore);
    free((void *)a.o.categorical);
    free((void *)a.o.numeric);
    return 0;
}
