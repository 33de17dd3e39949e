// seer eval MODEL TEST for a recommender: full-ranking metrics over the catalogue (ndcg,
// recall, hr at 5, 10, 20, mrr), and rmse and mae for a model of ratings.
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rec_cli.h"
#include "seer/kt.h"
#include "seer/recommend.h"

enum { O_FORMAT = 256, O_USER, O_ITEM, O_TIME, O_RATING, O_MIN, O_EXCL, O_SAMPLED, O_SEED,
       O_SKIP, O_JSON, O_HELP };

static const seer_cli_opt opts[] = {
    {"format", 1, O_FORMAT, "F", "auto (CSV/TSV with a header, default), csv, tsv, movielens\n"
                                 "or seq (a sasrec model: leave-one-out on the sequences)\n"
                                 "or kt (a knowledge-tracing model: auc, accuracy, logloss\n"
                                 "over every answer)"},
    {"user", 1, O_USER, "COL", "CSV/TSV: the user id column (default 'user')"},
    {"item", 1, O_ITEM, "COL", "CSV/TSV: the item id column (default 'item')"},
    {"time", 1, O_TIME, "COL", "CSV/TSV: a time column"},
    {"rating", 1, O_RATING, "COL", "CSV/TSV: a rating column"},
    {"min-rating", 1, O_MIN, "F", "an item is relevant when its test rating is at least F\n"
                                  "(default: any rating)"},
    {"exclude-seen", 1, O_EXCL, "B", "yes (default): the user's training items are not ranked"},
    {"sampled", 1, O_SAMPLED, "N", "rank each relevant item against N sampled items instead\n"
                                   "of the whole catalogue (the metrics are named sampled_*)"},
    {"seed", 1, O_SEED, "N", "seed of the sampling (default 1)"},
    {"skip-bad-rows", 0, O_SKIP, NULL, "skip malformed lines (counted) instead of stopping"},
    {"json", 0, O_JSON, NULL, "print one JSON object"},
    {"help", 0, O_HELP, NULL, "this help"},
    {0}};

const seer_cli_command seer_cli_eval_rec_command = {
    .name = "eval", .synopsis = "RECOMMENDER TEST [--format movielens] [--min-rating F] [--json]",
    .summary = "ranking metrics of a recommender on the interactions of TEST",
    .shorts = "", .opts = opts,
    .notes = "Every test user with a relevant item is ranked over the whole catalogue, its\n"
             "training items left out: ndcg@K (binary, ideal DCG over min(relevant, K)),\n"
             "recall@K = hits / min(relevant, K), hr@K, for K 5, 10, 20, and mrr; means over\n"
             "those users. Test items the model never saw stay relevant and are never hit.\n"};

static const char *const yes_no[] = {"no", "yes", NULL};
static const char *const log_formats[] = {"auto", "csv", "tsv", "movielens", "seq", "kt",
                                          NULL};

static int parse(seer_rec_eval_options *o, int *json, int argc, char **argv) {
    static const char *seen[SEER_CLI_OPTION_MAX];
    memset(seen, 0, sizeof seen);
    int c, more, k, bad = 0;
    optind = 0;
    while (!bad && (more = seer_cli_next(&seer_cli_eval_rec_command, argc, argv, &c, seen)) > 0) {
        switch (c) {
        case O_FORMAT:
            bad = seer_cli_choice("--format", optarg, log_formats, &k);
            if (!bad) o->format = k == 3   ? SEER_FORMAT_MOVIELENS
                                  : k == 4 ? SEER_FORMAT_SEQ
                                  : k == 5 ? SEER_FORMAT_KT
                                           : (seer_format)k;
            break;
        case O_USER: o->user_col = optarg; break;
        case O_ITEM: o->item_col = optarg; break;
        case O_TIME: o->time_col = optarg; break;
        case O_RATING: o->rating_col = optarg; break;
        case O_MIN: bad = seer_cli_real_in("--min-rating", optarg, -1e300, 1e300, &o->min_rating); break;
        case O_EXCL: bad = seer_cli_choice("--exclude-seen", optarg, yes_no, &o->exclude_seen); break;
        case O_SAMPLED: bad = seer_cli_count_in("--sampled", optarg, 1, 1000000, &o->sampled); break;
        case O_SEED: bad = seer_cli_size("--seed", optarg, &o->seed); break;
        case O_SKIP: o->skip_bad_rows = 1; break;
        case O_JSON: *json = 1; break;
        case O_HELP: seer_cli_help(&seer_cli_eval_rec_command, stdout); return 0;
        }
    }
    if (bad || more < 0) return 1;
    static const int not_seq[] = {O_USER, O_ITEM, O_TIME, O_RATING, O_MIN, O_EXCL, O_SAMPLED};
    static const char *const not_seq_name[] = {"--user", "--item", "--time", "--rating",
                                               "--min-rating", "--exclude-seen", "--sampled"};
    for (size_t i = 0; o->format == SEER_FORMAT_SEQ && i < sizeof not_seq / sizeof *not_seq; i++)
        if (seen[not_seq[i]])
            return seer_cli_usage("--format seq: %s does not apply (the last item of each "
                                  "sequence is ranked over every item, nothing excluded)",
                                  not_seq_name[i]);
    if (optind != argc - 2) return seer_cli_usage("usage: seer eval RECOMMENDER TEST [options]");
    o->path = argv[optind + 1];
    return -1;
}

// A next-item model on sequences: the keys of seer train --json's closing line.
static void print_seq(const seer_rec_eval_report *r, int json) {
    char key[32];
    if (json) printf("{");
    for (int c = 0; c < SEER_REC_CUTOFFS; c++) {
        if (!json) {
            printf("hr@%-3zu %.5f  ndcg@%-3zu %.5f\n", r->cutoff[c], r->hr[c], r->cutoff[c],
                   r->ndcg[c]);
            continue;
        }
        snprintf(key, sizeof key, "hr@%zu", r->cutoff[c]);
        seer_cli_json_number(key, "%.6f", r->hr[c], 1);
        snprintf(key, sizeof key, "ndcg@%zu", r->cutoff[c]);
        seer_cli_json_number(key, "%.6f", r->ndcg[c], 1);
    }
    if (!json) {
        printf("users   %zu (leave-one-out, nothing excluded)\n", r->users_evaluated);
        return;
    }
    printf("\"excluded_seen\":false,\"test_users\":%zu,\"interactions\":%zu,"
           "\"unknown_items\":%zu,\"skipped_rows\":%zu,", r->users_evaluated, r->interactions,
           r->unknown_items, r->skipped);
    seer_cli_json_number("seconds", "%.3f", r->seconds, 0);
    printf("}\n");
}

static void print_json(const seer_rec_eval_report *r, const seer_rec_eval_options *o) {
    const char *pre = o->sampled ? "sampled_" : "";
    char key[64];
    printf("{");
    if (r->has_rating) {
        seer_cli_json_number("rmse", "%.6f", r->rmse, 1);
        seer_cli_json_number("mae", "%.6f", r->mae, 1);
    }
    for (int c = 0; c < SEER_REC_CUTOFFS; c++) {
        snprintf(key, sizeof key, "%sndcg@%zu", pre, r->cutoff[c]);
        seer_cli_json_number(key, "%.6f", r->ndcg[c], 1);
        snprintf(key, sizeof key, "%srecall@%zu", pre, r->cutoff[c]);
        seer_cli_json_number(key, "%.6f", r->recall[c], 1);
        snprintf(key, sizeof key, "%shr@%zu", pre, r->cutoff[c]);
        seer_cli_json_number(key, "%.6f", r->hr[c], 1);
    }
    snprintf(key, sizeof key, "%smrr", pre);
    seer_cli_json_number(key, "%.6f", r->mrr, 1);
    if (o->sampled) printf("\"sampled\":%zu,", o->sampled);
    printf("\"excluded_seen\":%s,\"users\":%zu,\"unknown_users\":%zu,\"interactions\":%zu,"
           "\"unknown_items\":%zu,\"skipped_rows\":%zu,", o->exclude_seen ? "true" : "false",
           r->users_evaluated, r->unknown_users, r->interactions, r->unknown_items, r->skipped);
    seer_cli_json_number("ms_per_user", "%.4f", r->seconds_per_user * 1e3, 1);
    seer_cli_json_number("seconds", "%.3f", r->seconds, 0);
    printf("}\n");
}

static void print_text(const seer_rec_eval_report *r, const seer_rec_eval_options *o) {
    const char *pre = o->sampled ? "sampled " : "";
    if (r->has_rating) printf("rmse        %.5f\nmae         %.5f\n", r->rmse, r->mae);
    for (int c = 0; c < SEER_REC_CUTOFFS; c++)
        printf("%sndcg@%-3zu %.5f  recall@%-3zu %.5f  hr@%-3zu %.5f\n", pre, r->cutoff[c],
               r->ndcg[c], r->cutoff[c], r->recall[c], r->cutoff[c], r->hr[c]);
    printf("%smrr       %.5f\nusers       %zu (%s seen items excluded)\n", pre, r->mrr,
           r->users_evaluated, o->exclude_seen ? "training" : "no");
}

int seer_cmd_eval_rec(int argc, char **argv) {
    seer_rec_eval_options o;
    seer_rec_eval_options_default(&o);
    int json = 0, code = parse(&o, &json, argc, argv);
    if (code >= 0) return code;
    seer_recommender *r;
    int rc = seer_rec_load(&r, argv[optind]);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    if (o.format == SEER_FORMAT_KT || seer_rec_is_kt(r)) {   // AUC over answers, kt_cli.c
        code = seer_rec_is_kt(r) && o.format != SEER_FORMAT_KT
                   ? seer_cli_usage("a knowledge-tracing model is evaluated with --format kt")
                   : seer_cli_eval_kt(r, o.path, json);
        seer_rec_free(r);
        return code;
    }
    seer_rec_eval_report rep;
    rc = seer_rec_eval(r, &o, &rep);
    seer_rec_free(r);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    if (rep.skipped) fprintf(stderr, "skipped %zu malformed lines\n", rep.skipped);
    if (o.format == SEER_FORMAT_SEQ) print_seq(&rep, json);
    else if (json) print_json(&rep, &o);
    else print_text(&rep, &o);
    return 0;
}
