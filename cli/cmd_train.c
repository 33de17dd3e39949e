// seer train DATA --label COL [options] -o MODEL
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "seer.h"
#include "seer/files.h"

static const char help[] =
    "usage: seer train DATA --label COL [options] -o MODEL\n"
    "\n"
    "  --label COL          the 0/1 column to predict (default 'label' with --format criteo)\n"
    "  --model M            lr, mlp (default), fm, wdl, deepfm, dcnv2 or finalmlp\n"
    "  --hidden 64,32       hidden layer widths of the deep part (mlp 64,32; wdl, deepfm,\n"
    "                       dcnv2 400,400,400); finalmlp: its first stream (400,400,400)\n"
    "  --hidden2 800        finalmlp: hidden layer widths of the second stream (default 800)\n"
    "  --heads N            finalmlp: heads of the bilinear fusion; divides both streams' last\n"
    "                       widths (default 1)\n"
    "  --gate-hidden N      finalmlp: hidden width of each stream's feature gate (default 64)\n"
    "  --emb-dim N          embedding width (default 16)\n"
    "  --cross-layers N     dcnv2: cross layers (default 3)\n"
    "  --dropout P          drop this share of each deep layer's units in training (default 0)\n"
    "  --dcn-structure S    dcnv2: parallel (default) or stacked\n"
    "  --epochs N           the most epochs (default 50 with early stopping; given alone, exactly\n"
    "                       N epochs on all rows)\n"
    "  --batch N            rows per step (default 256; 1024 for wdl, deepfm, dcnv2, finalmlp)\n"
    "  --lr F               learning rate (default 0.001 for Adam, 0.01 for Adagrad)\n"
    "  --optim adam|adagrad the optimiser (default adam; lazy on embedding rows either way)\n"
    "  --precision P        fp32 (default) or bf16: training products in bf16, fp32 weights\n"
    "  --threads N          OpenMP threads (default 1)\n"
    "  --seed N             seed of initialisation, shuffling and the hold-out (default 1)\n"
    "  --valid FILE         validation rows for early stopping on log loss\n"
    "  --valid-frac F       hold out this share of DATA instead (default 0.1)\n"
    "  --patience N         epochs without improvement before stopping (default 3; 0 never)\n"
    "  --early-stop M       auc (default) or logloss: the validation score that picks the epoch\n"
    "  --format F           auto|csv|tsv|criteo|libfm (default auto: CSV or TSV, header)\n"
    "  --skip-bad-rows      skip malformed rows (counted, the first few printed)\n"
    "  --ignore A,B         columns not to use        --categorical A,B  force categorical\n"
    "  --numeric A,B        force numeric             --buckets N  quantile buckets (16; 0 off)\n"
    "  --min-count N        least count for a token's own embedding row (default 5)\n"
    "  --multi A,B          force multi-valued columns (tokens separated by '|'; found alone\n"
    "                       when 5% of a text column's values hold a '|')\n"
    "  --max-tokens N       tokens a row of a multi-valued column keeps at most (default 32)\n"
    "  --pooling mean|sum   how a multi-valued field pools its tokens' vectors (default mean)\n"
    "  --hash-buckets N     hash each categorical column into N rows instead of a vocabulary\n"
    "  --hash-shared        with --hash-buckets: one table of N rows for all those columns\n"
    "  --checkpoint-every N write a checkpoint every N steps and after each epoch\n"
    "  --checkpoint FILE    where (default MODEL.ckpt; written atomically)\n"
    "  --resume FILE        continue the run a checkpoint recorded (same DATA and settings)\n"
    "  --max-steps N        stop after N optimiser steps in all (a checkpoint is written)\n"
    "  --cache on|off|auto  encoded rows in a mapped cache file beside MODEL (auto: over 1 GiB)\n"
    "  --json               end with one JSON line of validation metrics\n"
    "  -o, --output MODEL   where to write the model (written atomically)\n";

enum { O_LABEL = 256, O_MODEL, O_HIDDEN, O_EMB, O_EPOCHS, O_BATCH, O_LR, O_THREADS, O_SEED,
       O_VALID, O_VFRAC, O_PATIENCE, O_FORMAT, O_SKIP, O_IGNORE, O_CAT, O_NUM, O_BUCKETS,
       O_MINCOUNT, O_JSON, O_HELP, O_CROSS, O_STRUCTURE, O_STOP, O_CKPT_EVERY, O_CKPT,
       O_RESUME, O_MAX_STEPS, O_OPTIM, O_PRECISION, O_HASH, O_DROPOUT, O_CACHE,
       O_MULTI, O_MAX_TOKENS, O_POOLING, O_HASH_SHARED, O_HIDDEN2, O_HEADS, O_GATE_HIDDEN };

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
}

static const struct option opts[] = {
    {"label", 1, 0, O_LABEL}, {"model", 1, 0, O_MODEL}, {"hidden", 1, 0, O_HIDDEN},
    {"emb-dim", 1, 0, O_EMB}, {"epochs", 1, 0, O_EPOCHS}, {"batch", 1, 0, O_BATCH},
    {"lr", 1, 0, O_LR}, {"threads", 1, 0, O_THREADS}, {"seed", 1, 0, O_SEED},
    {"valid", 1, 0, O_VALID}, {"valid-frac", 1, 0, O_VFRAC}, {"patience", 1, 0, O_PATIENCE},
    {"format", 1, 0, O_FORMAT}, {"skip-bad-rows", 0, 0, O_SKIP}, {"ignore", 1, 0, O_IGNORE},
    {"categorical", 1, 0, O_CAT}, {"numeric", 1, 0, O_NUM}, {"buckets", 1, 0, O_BUCKETS},
    {"min-count", 1, 0, O_MINCOUNT}, {"json", 0, 0, O_JSON}, {"output", 1, 0, 'o'},
    {"help", 0, 0, O_HELP}, {"cross-layers", 1, 0, O_CROSS},
    {"dcn-structure", 1, 0, O_STRUCTURE}, {"early-stop", 1, 0, O_STOP},
    {"checkpoint-every", 1, 0, O_CKPT_EVERY}, {"checkpoint", 1, 0, O_CKPT},
    {"resume", 1, 0, O_RESUME}, {"max-steps", 1, 0, O_MAX_STEPS},
    {"optim", 1, 0, O_OPTIM}, {"precision", 1, 0, O_PRECISION},
    {"hash-buckets", 1, 0, O_HASH}, {"dropout", 1, 0, O_DROPOUT},
    {"cache", 1, 0, O_CACHE}, {"multi", 1, 0, O_MULTI},
    {"max-tokens", 1, 0, O_MAX_TOKENS}, {"pooling", 1, 0, O_POOLING},
    {"hash-shared", 0, 0, O_HASH_SHARED}, {"hidden2", 1, 0, O_HIDDEN2},
    {"heads", 1, 0, O_HEADS}, {"gate-hidden", 1, 0, O_GATE_HIDDEN}, {0, 0, 0, 0}};

// The command line: the job it asks for and what the command itself does with it.
typedef struct {
    seer_train_options o;
    const char *out, *model;
    int json;
    const char *seen[SEER_CLI_OPTION_MAX];  // the value of each option given (seer_cli_once)
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
    case O_MINCOUNT:
        *bad = seer_cli_count("train", "--min-count", optarg, &o->min_count);
        break;
    default: return 0;
    }
    return 1;
}

// An option of the run (epochs, steps, checkpoints, threads ...) into o: 1 if c is one, with
// *bad set when its value is.
static int run_option(seer_train_options *o, int c, int *bad) {
    int k;
    size_t v;
    double d;
    switch (c) {
    case O_CKPT_EVERY:
        *bad = seer_cli_count("train", "--checkpoint-every", optarg, &o->checkpoint_every);
        break;
    case O_CKPT: o->checkpoint_path = optarg; break;
    case O_RESUME: o->resume_path = optarg; break;
    case O_CACHE:
        *bad = seer_cli_choice("--cache", optarg, seer_cache_names, &k);
        o->cache = k == 2 ? -1 : k;
        break;
    case O_MAX_STEPS: *bad = seer_cli_count("train", "--max-steps", optarg, &o->max_steps); break;
    case O_STOP:
        *bad = seer_cli_choice("--early-stop", optarg, seer_early_stop_names,
                               &o->stop_on_logloss);
        break;
    case O_EPOCHS: *bad = seer_cli_count("train", "--epochs", optarg, &o->epochs); break;
    case O_BATCH: *bad = seer_cli_count("train", "--batch", optarg, &o->batch); break;
    case O_LR:
        *bad = seer_cli_real("train", "--lr", optarg, &d);
        o->lr = (float)d;
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
    int c, bad = 0;
    optind = 1;
    while (!bad && (c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (seer_cli_once(c, opts, a->seen)) return 1;
        if (net_option(&a->o, c, &a->model, &bad) || data_option(a, c, &bad) ||
            run_option(&a->o, c, &bad))
            continue;
        switch (c) {
        case O_JSON: a->json = 1; break;
        case 'o': a->out = optarg; break;
        case O_HELP: fputs(help, stdout); return 0;
        // getopt has named the unknown option or the missing value.
        default: bad = seer_cli_usage("run seer train --help for the options");
        }
    }
    if (bad) return 1;
    if (optind != argc - 1) return seer_cli_usage("train needs exactly one DATA file\n\n%s", help);
    a->o.data = argv[optind];
    return -1;
}

// The job from the options given and the defaults of the model and the data: -1 to go on,
// or the exit code of a refusal.
static int build_job(train_args *a) {
    seer_train_options *o = &a->o;
    if (!a->out) return seer_cli_usage("train needs -o MODEL, the file to write");
    seer_model_kind kind;
    if (seer_model_kind_parse(a->model, &kind) != SEER_OK)
        return seer_cli_usage("--model: '%s' is not one of lr, mlp, fm, wdl, deepfm, dcnv2, "
                              "finalmlp", a->model);
    model_defaults(o, kind, a->seen);
    const char *why = seer_train_options_invalid(o);
    if (why)
        return seer_cli_usage("%s: %s (see seer train --help)", seer_model_kind_name(kind), why);
    if (o->adagrad && !a->seen[O_LR]) o->lr = 0.01f;
    if (!o->label && (o->format == SEER_FORMAT_CRITEO || o->format == SEER_FORMAT_LIBFM))
        o->label = "label";
    if (!o->label) return seer_cli_usage("train needs --label COL, the 0/1 column to predict");
    if (o->hash_shared && !o->hash_buckets)
        return seer_cli_usage("--hash-shared needs --hash-buckets N, the shared table's rows");
    // An explicit --epochs without a validation set trains exactly that many
    // epochs on every row, as the reference trainers do.
    if (a->seen[O_EPOCHS] && !a->seen[O_VFRAC] && !o->valid_path) o->valid_frac = 0;

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
    o->cache_prefix = a->out;
    return -1;
}

// The closing line on stderr and, with --json, the JSON line on stdout.
static void report(const train_args *a, const seer_model *m, const seer_train_report *r) {
    // The model trained, as the file holds it (a resumed run's is the checkpoint's).
    const char *model = seer_model_name(m);
    seer_metrics met = r->metrics;
    const char *on = r->metrics_on;
    fprintf(stderr, "trained %s on %zu rows (%zu held out) in %.2fs: %zu epochs, %.0f samples/s;"
            " %s auc %.5f logloss %.5f accuracy %.4f; wrote %s\n", model, r->train_rows,
            r->valid_rows, r->seconds, r->epochs_run, r->train_samples_per_s, on, met.auc,
            met.logloss, met.accuracy, a->out);
    if (r->skipped_rows) fprintf(stderr, "skipped %zu malformed rows\n", r->skipped_rows);
    if (!a->json) return;
    printf("{\"model\":\"%s\",\"evaluated_on\":\"%s\",", model, on);
    seer_cli_json_number("auc", "%.6g", met.auc, 1);
    seer_cli_json_number("logloss", "%.6g", met.logloss, 1);
    seer_cli_json_number("accuracy", "%.6g", met.accuracy, 1);
    printf("\"rows\":%zu,\"train_rows\":%zu,\"valid_rows\":%zu,\"skipped_rows\":%zu,"
           "\"epochs\":%zu,\"best_epoch\":%zu,", met.rows, r->train_rows, r->valid_rows,
           r->skipped_rows, r->epochs_run, r->best_epoch);
    seer_cli_json_number("train_samples_per_s", "%.6g", r->train_samples_per_s, 1);
    seer_cli_json_number("train_seconds", "%.6g", r->train_seconds, 1);
    seer_cli_json_number("seconds", "%.6g", r->seconds, 1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\"peak_rss_mb\":%.1f", (double)ru.ru_maxrss / 1024.0);
    printf("}\n");
}

int seer_cmd_train(int argc, char **argv) {
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
