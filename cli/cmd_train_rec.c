// seer train LOG --model pop|mf|bpr|ease|twotower [--format movielens | --user COL --item COL
// [--time COL] [--rating COL]] -o MODEL: a recommender from an interaction log.
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rec_cli.h"
#include "seer/files.h"
#include "seer/kt.h"
#include "seer/recommend.h"

enum { O_MODEL = 256, O_FORMAT, O_USER, O_ITEM, O_TIME, O_RATING, O_ITEMS, O_USERS, O_DIM,
       O_EPOCHS, O_LR, O_REG, O_NEG, O_VFRAC, O_THREADS, O_SEED, O_SKIP, O_JSON, O_HELP,
       O_BATCH, O_MAXLEN, O_BLOCKS, O_HEADS, O_HIDDEN, O_DROPOUT, O_LOSS, O_SNEG, O_PATIENCE,
       O_VALID };

static const seer_cli_opt opts[] = {
    {"model", 1, O_MODEL, "M", "pop, mf (explicit ratings), bpr, ease, twotower, itemknn\n"
                               "(item-item cosine neighbours) or sasrec (next item over\n"
                               "each user's sequence)"},
    {"format", 1, O_FORMAT, "F", "auto (CSV/TSV with a header, default), csv, tsv or\n"
                                 "movielens (user item rating timestamp: u.data, ratings.dat)\n"
                                 "or seq (user item item ... a line, in time order)\n"
                                 "or kt (knowledge tracing, 4 lines a student: ids, problems,\n"
                                 "skills, answers 0/1; --model sasrec)"},
    {"valid", 1, O_VALID, "FILE", "kt: validation students (--format kt), early stopping\n"
                                  "on their AUC"},
    {"user", 1, O_USER, "COL", "CSV/TSV: the user id column (default 'user')"},
    {"item", 1, O_ITEM, "COL", "CSV/TSV: the item id column (default 'item')"},
    {"time", 1, O_TIME, "COL", "CSV/TSV: a time column (numbers); orders each user's history"},
    {"rating", 1, O_RATING, "COL", "CSV/TSV: a rating column (numbers; mf needs one)"},
    {"items", 1, O_ITEMS, "FILE", "item side features, CSV/TSV with a header, joined by the\n"
                                  "--item column (default: its first column)"},
    {"users", 1, O_USERS, "FILE", "user side features, joined by the --user column"},
    {"dim", 1, O_DIM, "N", "factors or embedding width (default 64); itemknn: the\n"
                           "neighbours kept per item (default 100)"},
    {"epochs", 1, O_EPOCHS, "N", "passes over the log (default: the model's; mf 80)"},
    {"lr", 1, O_LR, "F", "learning rate (default: the model's; mf 0.01)"},
    {"reg", 1, O_REG, "F", "regularisation (ease: lambda; mf, bpr: L2 of the factors;\n"
                           "itemknn: the cosine's shrinkage, default 0); default: chosen\n"
                           "on the latest 10% of each user's interactions"},
    {"negatives", 1, O_NEG, "N", "bpr: uniform (default) or popularity sampled negatives"},
    {"valid-frac", 1, O_VFRAC, "F", "share of each user's interactions held out to choose\n"
                                    "--reg (default 0.1; 0: the model's default reg)"},
    {"batch", 1, O_BATCH, "N", "sasrec: users a step (default 128)"},
    {"maxlen", 1, O_MAXLEN, "N", "sasrec: the latest items of a sequence it reads (default 50)"},
    {"blocks", 1, O_BLOCKS, "N", "sasrec: transformer blocks (default 2)"},
    {"heads", 1, O_HEADS, "N", "sasrec: attention heads, dividing --hidden (default 1)"},
    {"hidden", 1, O_HIDDEN, "N", "sasrec: the width of items and states (--dim; default 64,\n"
                                   "--format kt 96)"},
    {"dropout", 1, O_DROPOUT, "F", "sasrec: dropout rate (default 0.5)"},
    {"loss", 1, O_LOSS, "L", "sasrec: softmax over the whole catalogue (default) or sampled\n"
                             "(shared popularity-drawn negatives, log-Q corrected)"},
    {"sampled-negatives", 1, O_SNEG, "N", "sasrec --loss sampled: negatives a step (1024)"},
    {"patience", 1, O_PATIENCE, "N", "sasrec: epochs without a better validation NDCG@10\n"
                                     "before stopping (default 10; --epochs caps them, 200)"},
    {"threads", 1, O_THREADS, "N", "OpenMP threads (default 1)"},
    {"seed", 1, O_SEED, "N", "seed of initialisation, sampling and the hold-out (default 1)"},
    {"skip-bad-rows", 0, O_SKIP, NULL, "skip malformed lines (counted) instead of stopping"},
    {"json", 0, O_JSON, NULL, "end with one JSON line of what was trained"},
    {"output", 1, 'o', "MODEL", "where to write the model (written atomically)"},
    {"help", 0, O_HELP, NULL, "this help"},
    {0}};

const seer_cli_command seer_cli_train_rec_command = {
    .name = "train", .synopsis = "LOG --model M [--format movielens | --user COL --item COL] "
                                 "-o MODEL [options]",
    .summary = "train a recommender on the interaction log LOG",
    .shorts = "o:", .opts = opts,
    .notes = "A recommender ranks the whole catalogue for a user (seer recommend, seer eval,\n"
             "POST /v1/recommend). Ids are kept as the log spells them. The model file holds\n"
             "the items, their popularity and each user's training items, which\n"
             "recommendations leave out.\n"};

typedef struct {
    seer_rec_train_options o;
    const char *out;
    int json;
} rec_args;

static const char *const neg_names[] = {"uniform", "popularity", NULL};
static const char *const log_formats[] = {"auto", "csv", "tsv", "movielens", "seq", "kt", NULL};
static const char *const loss_names[] = {"softmax", "sampled", NULL};

static int run_option(rec_args *a, int c) {
    seer_rec_train_options *o = &a->o;
    double d;
    size_t v;
    int k;
    switch (c) {
    case O_DIM: return seer_cli_count_in("--dim", optarg, 1, 1024, &o->dim);
    case O_EPOCHS: return seer_cli_count_in("--epochs", optarg, 1, 100000, &o->epochs);
    case O_LR: return seer_cli_real_in("--lr", optarg, 1e-9, 10, &d) || ((o->lr = (float)d), 0);
    case O_REG: return seer_cli_real_in("--reg", optarg, 0, 1e9, &d) || ((o->reg = (float)d), 0);
    case O_VFRAC: return seer_cli_real_in("--valid-frac", optarg, 0, 0.5, &o->valid_frac);
    case O_NEG: return seer_cli_choice("--negatives", optarg, neg_names, &o->pop_negatives);
    case O_THREADS:
        if (seer_cli_count_in("--threads", optarg, 1, 1024, &v)) return 1;
        o->threads = (int)v;
        return 0;
    case O_SEED: return seer_cli_size("--seed", optarg, &v) || ((o->seed = v), 0);
    case O_FORMAT:
        if (seer_cli_choice("--format", optarg, log_formats, &k)) return 1;
        o->format = k == 3 ? SEER_FORMAT_MOVIELENS : k == 4 ? SEER_FORMAT_SEQ
                  : k == 5 ? SEER_FORMAT_KT : (seer_format)k;
        return 0;
    case O_BATCH: return seer_cli_count_in("--batch", optarg, 1, 65536, &o->batch);
    case O_MAXLEN: return seer_cli_count_in("--maxlen", optarg, 1, 1024, &o->maxlen);
    case O_BLOCKS: return seer_cli_count_in("--blocks", optarg, 1, 16, &o->blocks);
    case O_HEADS: return seer_cli_count_in("--heads", optarg, 1, 1024, &o->heads);
    case O_HIDDEN: return seer_cli_count_in("--hidden", optarg, 1, 1024, &o->dim);
    case O_DROPOUT:
        if (seer_cli_real_in("--dropout", optarg, 0, 0.99, &d)) return 1;
        o->dropout = d > 0 ? (float)d : -1.0f;   // the options' 0 is the default, -1 none
        return 0;
    case O_LOSS: return seer_cli_choice("--loss", optarg, loss_names, &o->sampled_loss);
    case O_SNEG: return seer_cli_count_in("--sampled-negatives", optarg, 1, 1 << 20, &o->negatives);
    case O_PATIENCE: return seer_cli_count_in("--patience", optarg, 1, 100000, &o->patience);
    }
    return 0;
}

// -1 to go on, else the exit code.
static int parse(rec_args *a, int argc, char **argv) {
    static const char *seen[SEER_CLI_OPTION_MAX];
    memset(seen, 0, sizeof seen);
    const char *model = NULL;
    int c, more;
    optind = 0;
    while ((more = seer_cli_next(&seer_cli_train_rec_command, argc, argv, &c, seen)) > 0) {
        switch (c) {
        case O_MODEL: model = optarg; break;
        case O_USER: a->o.user_col = optarg; break;
        case O_ITEM: a->o.item_col = optarg; break;
        case O_TIME: a->o.time_col = optarg; break;
        case O_RATING: a->o.rating_col = optarg; break;
        case O_ITEMS: a->o.items_path = optarg; break;
        case O_USERS: a->o.users_path = optarg; break;
        case O_SKIP: a->o.skip_bad_rows = 1; break;
        case O_VALID: a->o.valid = optarg; break;
        case O_JSON: a->json = 1; break;
        case 'o': a->out = optarg; break;
        case O_HELP: seer_cli_help(&seer_cli_train_rec_command, stdout); return 0;
        default:
            if (run_option(a, c)) return 1;
        }
    }
    if (more < 0) return 1;
    if (optind != argc - 1) return seer_cli_usage("train needs exactly one LOG file");
    if (!model) return seer_cli_usage("train LOG needs --model pop, mf, bpr, ease, twotower, "
                                          "itemknn or sasrec");
    seer_rec_kind kind;
    if (seer_rec_kind_parse(model, &kind) != SEER_OK)
        return seer_cli_usage("--model: '%s' is not one of pop, mf, bpr, ease, twotower, "
                              "sasrec, itemknn",
                              model);
    if (!a->out) return seer_cli_usage("train needs -o MODEL, the file to write");
    seer_rec_train_options o = a->o;
    seer_rec_train_options_default(&a->o, kind);
    // The options given over the kind's defaults.
    a->o.format = o.format;
    a->o.user_col = o.user_col;
    a->o.item_col = o.item_col;
    a->o.time_col = o.time_col;
    a->o.rating_col = o.rating_col;
    a->o.items_path = o.items_path;
    a->o.users_path = o.users_path;
    a->o.skip_bad_rows = o.skip_bad_rows;
    a->o.valid = o.valid;
    if (a->o.valid && a->o.format != SEER_FORMAT_KT)
        return seer_cli_usage("--valid is for --format kt");
    if (seen[O_DIM]) a->o.dim = o.dim;
    if (seen[O_EPOCHS]) a->o.epochs = o.epochs;
    if (seen[O_LR]) a->o.lr = o.lr;
    if (seen[O_REG]) a->o.reg = o.reg;
    if (seen[O_NEG]) a->o.pop_negatives = o.pop_negatives;
    if (seen[O_VFRAC]) a->o.valid_frac = o.valid_frac;
    if (seen[O_THREADS]) a->o.threads = o.threads;
    if (seen[O_SEED]) a->o.seed = o.seed;
    if (seen[O_HIDDEN]) a->o.dim = o.dim;
    if (a->o.format == SEER_FORMAT_KT && !seen[O_DIM] && !seen[O_HIDDEN]) a->o.dim = SEER_KT_DIM;
    if (seen[O_BATCH]) a->o.batch = o.batch;
    a->o.maxlen = o.maxlen;
    a->o.blocks = o.blocks;
    a->o.heads = o.heads;
    a->o.dropout = o.dropout;
    a->o.sampled_loss = o.sampled_loss;
    a->o.negatives = o.negatives;
    a->o.patience = o.patience;
    a->o.data = argv[optind];
    return -1;
}

// Next-item kinds: the leave-one-out test metrics, full ranking with nothing excluded.
static void sequence_json(const seer_rec_train_report *r) {
    static const char *const k[3] = {"5", "10", "20"};
    char key[32];
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "hr@%s", k[i]);
        seer_cli_json_number(key, "%.6f", r->test_hr[i], 1);
        snprintf(key, sizeof key, "ndcg@%s", k[i]);
        seer_cli_json_number(key, "%.6f", r->test_ndcg[i], 1);
    }
    printf("\"excluded_seen\":false,\"test_users\":%zu,\"epochs\":%zu,\"best_epoch\":%zu,",
           r->test_users, r->epochs, r->best_epoch);
    seer_cli_json_number("seconds_per_epoch", "%.3f", r->seconds_per_epoch, 1);
    seer_cli_json_number("flops_per_epoch", "%.4g", r->flops_per_epoch, 1);
}

static void report(const rec_args *a, const seer_rec_train_report *r) {
    const char *kind = seer_rec_kind_names[a->o.kind];
    fprintf(stderr, "trained %s on %zu interactions (%zu users, %zu items) in %.2fs: ", kind,
            r->interactions, r->users, r->items, r->seconds);
    int no_reg = isnan(r->reg), metric = r->valid_metric_name && r->valid_metric_name[0];
    if (no_reg) fputs("no reg", stderr);
    else fprintf(stderr, "reg %g (%s", (double)r->reg, r->reg_from);
    if (metric && isnan(r->valid_metric))
        fprintf(stderr, "%sno held-out user to choose it on", no_reg ? " (" : ": ");
    else if (metric)
        fprintf(stderr, "%svalidation %s %.5f", no_reg ? " (" : ", ", r->valid_metric_name,
                r->valid_metric);
    fprintf(stderr, "%s; wrote %s\n", !no_reg || metric ? ")" : "", a->out);
    if (r->skipped) fprintf(stderr, "skipped %zu malformed lines\n", r->skipped);
    if (!a->json) return;
    printf("{\"model\":\"%s\",\"interactions\":%zu,\"users\":%zu,\"items\":%zu,"
           "\"skipped_rows\":%zu,", kind, r->interactions, r->users, r->items, r->skipped);
    seer_cli_json_number("reg", "%.6g", r->reg, 1);
    printf("\"reg_from\":\"%s\",", r->reg_from);
    if (r->valid_metric_name && r->valid_metric_name[0]) {
        char key[64];
        snprintf(key, sizeof key, "valid_%s", r->valid_metric_name);
        seer_cli_json_number(key, "%.6f", r->valid_metric, 1);
    }
    if (r->has_test) sequence_json(r);
    else if (r->seconds_per_epoch > 0) {   // kt: no test part; its figures are seer eval's
        printf("\"epochs\":%zu,\"best_epoch\":%zu,", r->epochs, r->best_epoch);
        seer_cli_json_number("seconds_per_epoch", "%.3f", r->seconds_per_epoch, 1);
        seer_cli_json_number("flops_per_epoch", "%.4g", r->flops_per_epoch, 1);
    }
    seer_cli_json_number("seconds", "%.3f", r->seconds, 0);
    printf("}\n");
}

int seer_cmd_train_rec(int argc, char **argv) {
    static rec_args a;
    memset(&a, 0, sizeof a);
    seer_rec_train_options_default(&a.o, SEER_REC_POP);
    int code = parse(&a, argc, argv);
    if (code >= 0) return code;
    const seer_file_use files[] = {
        {"LOG", a.o.data, 0, NULL, NULL},
        {"--items", a.o.items_path, 0, NULL, NULL},
        {"--users", a.o.users_path, 0, NULL, NULL},
        {"--valid", a.o.valid, 0, NULL, NULL},
        {"-o", a.out, 1, NULL, NULL},
    };
    int rc = seer_files_check(files, sizeof files / sizeof *files);
    seer_recommender *r = NULL;
    seer_rec_train_report rep;
    if (rc == SEER_OK) rc = seer_rec_train(&a.o, &r, &rep);
    if (rc == SEER_OK) rc = seer_rec_save(r, a.out);
    if (rc != SEER_OK) {
        seer_rec_free(r);
        return seer_cli_fail(rc);
    }
    report(&a, &rep);
    seer_rec_free(r);
    return 0;
}
