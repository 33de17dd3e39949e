// seer value LOG --user COL --time COL [--amount COL] --cutoff DATE --horizon 39w [--model M]:
// a value per user from a transaction log, scored on the test users, the list written with -o.
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "seer.h"
#include "seer/files.h"
#include "seer/value.h"

enum { O_COLUMNS = 256, O_SEP, O_USER, O_TIME, O_AMOUNT, O_EVENT, O_CUTOFF, O_HORIZON, O_MODEL,
       O_TEST_FRAC, O_SEED, O_EPOCHS, O_BATCH, O_LR, O_HIDDEN, O_JSON, O_SAVE_MODEL,
       O_LOAD_MODEL };

static const seer_cli_opt opts[] = {
    {"columns", 1, O_COLUMNS, "A,B,..", "the names of the log's columns when it has no header\n"
                                        "(without it, the first line is the header)"},
    {"sep", 1, O_SEP, "SEP", "the field separator: ',' (default), tab, whitespace (runs of\n"
                             "spaces and tabs) or one character; fields are not quoted"},
    {"user", 1, O_USER, "COL", "the user column (required)"},
    {"time", 1, O_TIME, "COL", "the date column, YYYYMMDD or ISO 8601 (required); a user's\n"
                               "records of one day are one transaction"},
    {"amount", 1, O_AMOUNT, "COL", "the spend column (numbers from 0 to 1e12); without it\n"
                                   "each transaction is worth 1"},
    {"event", 1, O_EVENT, "COL", "an event type column: counts per type become features\n"
                                 "(the first 16 types met by the cutoff, the rest as one)"},
    {"cutoff", 1, O_CUTOFF, "DATE", "the last day of the history features are built from\n"
                                    "(required)"},
    {"horizon", 1, O_HORIZON, "SPAN", "the weeks or days after the cutoff labels come from:\n"
                                      "39w, 273d (required)"},
    {"model", 1, O_MODEL, "M", "ziln (default: zero-inflated lognormal on an MLP), mse\n"
                               "(squared error, same MLP) or bgnbd (BG/NBD x Gamma-Gamma)"},
    {"test-frac", 1, O_TEST_FRAC, "F", "the share of users scored, not trained on (0.2); 0\n"
                                       "scores every user, the MLP in-sample"},
    {"seed", 1, O_SEED, "N", "the split and the MLP's initialisation (1)"},
    {"epochs", 1, O_EPOCHS, "N", "the MLP's epochs at most (60; early stopped)"},
    {"batch", 1, O_BATCH, "N", "the MLP's batch (256)"},
    {"lr", 1, O_LR, "F", "Adam's learning rate (0.001)"},
    {"hidden", 1, O_HIDDEN, "W,..", "the MLP's hidden widths, at most 4 (64,32)"},
    {"json", 0, O_JSON, NULL, "print one JSON object (normalized_gini, spearman, ...)"},
    {"output", 1, 'o', "FILE", "write user,value,p_repeat,segment,test for every user\n"
                               "(segments: top10, next30, rest) to FILE, atomically"},
    {"save-model", 1, O_SAVE_MODEL, "FILE", "ziln, mse: write the trained MLP to FILE,\n"
                                            "atomically"},
    {"load-model", 1, O_LOAD_MODEL, "FILE", "score every user of LOG with the MLP of FILE\n"
                                            "(from --save-model), training nothing; LOG needs\n"
                                            "the columns it was trained with (--amount, the\n"
                                            "same --event types)"},
    {"help", 0, 'h', NULL, "this help"},
    {0}};

const seer_cli_command seer_cli_value_command = {
    .name = "value",
    .synopsis = "LOG --user COL --time COL --cutoff DATE --horizon SPAN [options]",
    .summary = "future value per user from a transaction log (ZILN, MSE or BG/NBD)",
    .shorts = "o:", .opts = opts,
    .notes = "Features come from the records up to the cutoff only; the label is the spend in\n"
             "the horizon after it. Users are split by a hash of their id and --seed. ziln and\n"
             "mse train on the other users; bgnbd is fitted on every user's history (it sees no\n"
             "label). All are scored on the test users beside the baseline 'future spend =\n"
             "spend so far' (baseline_normalized_gini).\n"};

static const char *option_name(int val) {
    for (const seer_cli_opt *p = opts; p->name; p++)
        if (p->val == val) return p->name;
    return "?";
}

static int parse_sep(const char *s, char *sep) {
    if (!strcmp(s, "whitespace")) *sep = ' ';
    else if (!strcmp(s, "tab")) *sep = '\t';
    else if (strlen(s) == 1 && s[0] != '\n' && s[0] != '\r') *sep = s[0] == ' ' ? ' ' : s[0];
    else return seer_cli_usage("--sep: '%s' is not ',', tab, whitespace or one character", s);
    return 0;
}

// The options into o (columns' storage in *names, *storage): -1 to go on, else the exit code.
static int parse(int argc, char **argv, seer_value_options *o, const char **seen,
                 const char *const **names, char **storage) {
    int c, more, k;
    optind = 0;
    while ((more = seer_cli_next(&seer_cli_value_command, argc, argv, &c, seen)) > 0)
        if (c == 'h') {
            seer_cli_help(&seer_cli_value_command, stdout);
            return 0;
        }
    if (more < 0) return 1;
    if (optind != argc - 1)
        return seer_cli_usage("usage: seer value %s", seer_cli_value_command.synopsis);
    o->path = argv[optind];
    o->user = seen[O_USER], o->time = seen[O_TIME], o->amount = seen[O_AMOUNT];
    o->event = seen[O_EVENT], o->output = seen['o'];
    o->save_model = seen[O_SAVE_MODEL], o->load_model = seen[O_LOAD_MODEL];
    // A loaded file fixes the network; nothing is trained or held out.
    const int fixed[] = {O_MODEL, O_TEST_FRAC, O_SEED, O_EPOCHS, O_BATCH, O_LR, O_HIDDEN,
                         O_SAVE_MODEL};
    for (size_t i = 0; o->load_model && i < sizeof fixed / sizeof *fixed; i++)
        if (seen[fixed[i]])
            return seer_cli_usage("--load-model: the model file fixes the network and trains "
                                  "nothing; leave out --%s", option_name(fixed[i]));
    if (!o->user || !o->time || !seen[O_CUTOFF] || !seen[O_HORIZON])
        return seer_cli_usage("value needs --user, --time, --cutoff and --horizon");
    if (seen[O_COLUMNS] && seer_cli_names(seen[O_COLUMNS], names, &o->n_columns, storage)) return 1;
    o->columns = seen[O_COLUMNS] ? *names : NULL;
    if (seen[O_SEP] && parse_sep(seen[O_SEP], &o->sep)) return 1;
    if (seer_value_date_parse(seen[O_CUTOFF], strlen(seen[O_CUTOFF]), &o->cutoff))
        return seer_cli_usage("--cutoff: %s", seer_error_message());
    if (seer_value_horizon_parse(seen[O_HORIZON], &o->horizon)) return seer_cli_fail(SEER_EINVAL);
    if (seen[O_MODEL]) {
        if (seer_cli_choice("--model", seen[O_MODEL], seer_value_model_names, &k)) return 1;
        o->model = (seer_value_model)k;
    }
    size_t seed = o->seed;
    const char *tf = seen[O_TEST_FRAC];
    if ((tf && seer_cli_real("value", "--test-frac", tf, &o->test_frac)) ||
        (seen[O_SEED] && seer_cli_count("value", "--seed", seen[O_SEED], &seed)) ||
        (seen[O_EPOCHS] && seer_cli_count("value", "--epochs", seen[O_EPOCHS], &o->epochs)) ||
        (seen[O_BATCH] && seer_cli_count("value", "--batch", seen[O_BATCH], &o->batch)) ||
        (seen[O_LR] && seer_cli_real("value", "--lr", seen[O_LR], &o->lr)))
        return 1;
    o->seed = seed;
    if (seen[O_HIDDEN] && seer_cli_widths("--hidden", seen[O_HIDDEN], o->hidden,
                                          SEER_VALUE_HIDDEN_MAX, &o->n_hidden))
        return 1;
    return -1;
}

// Whether the metrics are of the users the model was fitted on: --test-frac 0 scores every
// user, the training ones (a model loaded with --load-model was fitted elsewhere).
static int in_sample(const seer_value_options *o) { return o->test_frac == 0 && !o->load_model; }

static void print_json(const seer_value_options *o, const seer_value_report *r, double secs) {
    printf("{\"model\":\"%s\",\"records\":%zu,\"transactions\":%zu,\"users\":%zu,"
           "\"train_users\":%zu,\"test_users\":%zu,\"in_sample\":%s,",
           seer_value_model_names[r->model], r->records, r->transactions, r->users,
           r->train_users, r->test_users, in_sample(o) ? "true" : "false");
    seer_cli_json_number("normalized_gini", "%.5f", r->normalized_gini, 1);
    seer_cli_json_number("baseline_normalized_gini", "%.5f", r->baseline_normalized_gini, 1);
    seer_cli_json_number("spearman", "%.5f", r->spearman, 1);
    seer_cli_json_number("baseline_spearman", "%.5f", r->baseline_spearman, 1);
    seer_cli_json_number("decile_mape", "%.5f", r->decile_mape, 1);
    seer_cli_json_number("top_decile_capture", "%.5f", r->top_decile_capture, 1);
    seer_cli_json_number("rmse", "%.4f", r->rmse, 1);
    seer_cli_json_number("mae", "%.4f", r->mae, 1);
    seer_cli_json_number("total_pred", "%.2f", r->total_pred, 1);
    seer_cli_json_number("total_actual", "%.2f", r->total_actual, 1);
    if (o->model == SEER_VALUE_BGNBD) {
        const char *k[] = {"r", "alpha", "a", "b", "ll", "p", "q", "gamma"};
        double v[] = {r->r, r->alpha, r->a, r->b, r->bgnbd_ll, r->p, r->q, r->gamma};
        for (int i = 0; i < 8; i++) seer_cli_json_number(k[i], "%.6g", v[i], 1);
    } else {
        printf("\"epochs_run\":%zu,", r->epochs_run);
        seer_cli_json_number("valid_loss", "%.6g", r->valid_loss, 1);
    }
    printf("\"deciles\":[");
    for (int i = 0; i < 10; i++) {
        printf("%s{\"n\":%zu,", i ? "," : "", r->deciles[i].n);
        seer_cli_json_number("mean_pred", "%.3f", r->deciles[i].mean_pred, 1);
        seer_cli_json_number("mean_actual", "%.3f", r->deciles[i].mean_actual, 0);
        putchar('}');
    }
    printf("],");
    seer_cli_json_number("seconds", "%.3f", secs, 0);
    printf("}\n");
}

static void print_text(const seer_value_options *o, const seer_value_report *r) {
    if (in_sample(o))
        printf("users %zu (all of them trained on and scored: in-sample, as --test-frac 0 "
               "asks), records %zu\n", r->users, r->records);
    else
        printf("users %zu (train %zu, test %zu), records %zu\n", r->users, r->train_users,
               r->test_users, r->records);
    if (o->model == SEER_VALUE_BGNBD)
        printf("bgnbd r %.4f alpha %.4f a %.4f b %.4f  gamma-gamma p %.4f q %.4f gamma %.4f\n",
               r->r, r->alpha, r->a, r->b, r->p, r->q, r->gamma);
    printf("normalized_gini %.5f (baseline %.5f)\nspearman %.5f (baseline %.5f)\n"
           "decile_mape %.5f\ntop_decile_capture %.5f\nrmse %.4f\nmae %.4f\n",
           r->normalized_gini, r->baseline_normalized_gini, r->spearman, r->baseline_spearman,
           r->decile_mape, r->top_decile_capture, r->rmse, r->mae);
    printf("decile      n  mean_pred  mean_actual\n");
    for (int i = 0; i < 10; i++)
        printf("%6d %6zu %10.3f %12.3f\n", i + 1, r->deciles[i].n, r->deciles[i].mean_pred,
               r->deciles[i].mean_actual);
}

int seer_cmd_value(int argc, char **argv) {
    seer_value_options o;
    seer_value_options_default(&o);
    const char *seen[SEER_CLI_OPTION_MAX] = {0};
    const char *const *names = NULL;
    char *storage = NULL;
    int code = parse(argc, argv, &o, seen, &names, &storage);
    if (code < 0) {
        double t0 = seer_cli_now();
        const seer_file_use files[] = {{"LOG", o.path, 0, NULL, NULL},
                                       {"-o", o.output, 1, NULL, NULL},
                                       {"--save-model", o.save_model, 1, NULL, NULL},
                                       {"--load-model", o.load_model, 0, NULL, NULL}};
        seer_value_report r;
        int rc = seer_files_check(files, 4);
        if (rc == SEER_OK) rc = seer_value_run(&o, &r);
        if (rc != SEER_OK) code = seer_cli_fail(rc);
        else if (seen[O_JSON]) print_json(&o, &r, seer_cli_now() - t0), code = 0;
        else print_text(&o, &r), code = 0;
    }
    free(storage);
    free((void *)names);
    return code;
}
