// seer recommend MODEL --user ID [-k 10] [--json] [--include-seen] [--recent A,B]
// seer recommend MODEL --users FILE | --all-users [-o recs.csv]
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rec_cli.h"
#include "seer/files.h"
#include "seer/kt.h"
#include "seer/recommend.h"

enum { O_USER = 256, O_USERS, O_ALL, O_RECENT, O_FEATURE, O_SEEN, O_JSON, O_HELP, O_TARGET };

static const seer_cli_opt opts[] = {
    {"user", 1, O_USER, "ID", "the user to recommend for (unknown: from --recent and\n"
                              "--feature, else the most popular items)"},
    {"k", 1, 'k', "N", "items to recommend (default 10, at most 10000)"},
    {"recent", 1, O_RECENT, "A,B", "item ids the user interacted with lately, oldest first\n"
                                   "(for a user the model does not know)"},
    {"feature", 1, O_FEATURE, "A=V,B=W", "side features of a user the model does not know"},
    {"include-seen", 0, O_SEEN, NULL, "also recommend the user's training items"},
    {"target", 1, O_TARGET, "LO-HI", "a knowledge-tracing model: the exercises whose predicted\n"
                                     "success lies in LO-HI (default 0.6-0.8), nearest its\n"
                                     "middle first; none answered before, none of a skill\n"
                                     "mastered (its last 3 answers correct)"},
    {"users", 1, O_USERS, "FILE", "a batch: one user id a line"},
    {"all-users", 0, O_ALL, NULL, "a batch: every user of the model"},
    {"output", 1, 'o', "FILE", "the batch's CSV user,rank,item,score,source (default stdout;\n"
                               "written atomically)"},
    {"json", 0, O_JSON, NULL, "one JSON object: {\"user\", \"items\": [{\"item\", \"score\"}],\n"
                              "\"source\"} (with --recent also \"unknown_items\": the ids\n"
                              "the model does not know, skipped)"},
    {"help", 0, O_HELP, NULL, "this help"},
    {0}};

const seer_cli_command seer_cli_recommend_command = {
    .name = "recommend",
    .synopsis = "MODEL --user ID [-k 10] [--json] [--include-seen] | --users FILE | --all-users",
    .summary = "the top K items of a recommender for a user, or for a batch of users",
    .shorts = "k:o:", .opts = opts,
    .notes = "The source says where the items came from: history (a user the model knows),\n"
             "features (an unknown user's --recent items or --feature values) or popularity.\n"};

typedef struct {
    const char *user, *users_file, *out;
    int all, json, include_seen;
    size_t k;
    char *recent_s, *feature_s;
    const char *const *recent;
    size_t n_recent;
    const char *const *feat;
    size_t n_feat;
    const char *names[256], *values[256];
    int has_band;
    double band[2];
} rec_args;

static int parse(rec_args *a, int argc, char **argv) {
    static const char *seen[SEER_CLI_OPTION_MAX];
    memset(seen, 0, sizeof seen);
    int c, more, bad = 0;
    optind = 0;
    while (!bad && (more = seer_cli_next(&seer_cli_recommend_command, argc, argv, &c, seen)) > 0) {
        switch (c) {
        case O_USER: a->user = optarg; break;
        case 'k': bad = seer_cli_count_in("-k", optarg, 1, 10000, &a->k); break;
        case O_RECENT: bad = seer_cli_names(optarg, &a->recent, &a->n_recent, &a->recent_s); break;
        case O_FEATURE: bad = seer_cli_names(optarg, &a->feat, &a->n_feat, &a->feature_s); break;
        case O_SEEN: a->include_seen = 1; break;
        case O_USERS: a->users_file = optarg; break;
        case O_ALL: a->all = 1; break;
        case 'o': a->out = optarg; break;
        case O_JSON: a->json = 1; break;
        case O_TARGET: bad = seer_cli_parse_band(optarg, a->band); a->has_band = 1; break;
        case O_HELP: seer_cli_help(&seer_cli_recommend_command, stdout); return 0;
        }
    }
    if (bad || more < 0) return 1;
    if (optind != argc - 1) return seer_cli_usage("usage: seer recommend %s",
                                                  seer_cli_recommend_command.synopsis);
    if (!!a->user + !!a->users_file + a->all != 1 && !(a->n_recent || a->n_feat) )
        return seer_cli_usage("recommend needs one of --user ID, --users FILE, --all-users");
    if ((a->users_file || a->all) && (a->user || a->json || a->n_recent || a->n_feat))
        return seer_cli_usage("--users and --all-users write CSV; --user, --json, --recent "
                              "and --feature are for one user");
    if (a->n_feat > 256) return seer_cli_usage("--feature: at most 256");
    for (size_t i = 0; i < a->n_feat; i++) {
        char *eq = strchr(a->feat[i], '=');
        if (!eq) return seer_cli_usage("--feature: '%s' is not NAME=VALUE", a->feat[i]);
        *eq = '\0';
        a->names[i] = a->feat[i];
        a->values[i] = eq + 1;
    }
    return -1;
}

static void print_one(const seer_recommender *r, const rec_args *a, const seer_rec_item *items,
                      size_t n, seer_rec_source src, double secs) {
    if (!a->json) {
        for (size_t i = 0; i < n; i++) printf("%zu\t%s\t%.7g\n", i + 1, items[i].item,
                                              (double)items[i].score);
        fprintf(stderr, "source: %s\n", seer_rec_source_names[src]);
        return;
    }
    printf("{\"user\":");
    if (a->user) seer_cli_json_string(a->user);
    else printf("null");
    printf(",\"items\":[");
    for (size_t i = 0; i < n; i++) {
        printf("%s{\"item\":", i ? "," : "");
        seer_cli_json_string(items[i].item);
        printf(",\"score\":%.7g}", (double)items[i].score);
    }
    printf("],\"source\":\"%s\",", seer_rec_source_names[src]);
    if (a->n_recent)   // the request's ids the catalogue lacks, skipped
        printf("\"unknown_items\":%zu,", seer_rec_unknown_items(r, a->recent, a->n_recent));
    seer_cli_json_number("ms", "%.4f", secs * 1e3, 0);
    printf("}\n");
}

static int one(const seer_recommender *r, const rec_args *a) {
    seer_rec_request q = {a->user, a->k, a->include_seen, a->recent, a->n_recent,
                          a->names, a->values, a->n_feat};
    seer_rec_item *items = malloc(a->k * sizeof *items);
    if (!items) return seer_cli_fail(seer_errorf(SEER_ENOMEM, "out of memory"));
    size_t n;
    seer_rec_source src;
    double t0 = seer_cli_now();
    int rc = seer_rec_recommend(r, &q, items, &n, &src);
    double secs = seer_cli_now() - t0;
    if (rc == SEER_OK) print_one(r, a, items, n, src, secs);
    free(items);
    return rc == SEER_OK ? 0 : seer_cli_fail(rc);
}

// The ids of FILE, one a line (blank lines skipped), into *ids over *text.
static int read_ids(const char *path, char **text, const char ***ids, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return seer_errorf(SEER_EIO, "%s: cannot open", path);
    size_t cap = 0, len = 0;
    *text = NULL;
    for (int ch; (ch = fgetc(f)) != EOF;) {
        if (len + 2 > cap) {
            char *p = realloc(*text, cap = cap ? cap * 2 : 4096);
            if (!p) return fclose(f), seer_errorf(SEER_ENOMEM, "out of memory");
            *text = p;
        }
        (*text)[len++] = ch == '\r' ? '\n' : (char)ch;
    }
    fclose(f);
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) lines += (*text)[i] == '\n';
    *ids = malloc(lines * sizeof **ids);
    if (!*ids) return seer_errorf(SEER_ENOMEM, "out of memory");
    *n = 0;
    if (!*text) return SEER_OK;
    (*text)[len] = '\0';
    for (char *s = *text, *nl; s && *s; s = nl ? nl + 1 : NULL) {
        nl = strchr(s, '\n');
        if (nl) *nl = '\0';
        if (*s) (*ids)[(*n)++] = s;
    }
    return SEER_OK;
}

static int batch(const seer_recommender *r, const rec_args *a) {
    char *text = NULL;
    const char **ids = NULL;
    size_t n = 0;
    const seer_file_use files[] = {{"--users", a->users_file, 0, NULL, NULL},
                                   {"-o", a->out, 1, NULL, NULL}};
    int rc = seer_files_check(files, 2);
    if (rc == SEER_OK && a->users_file) rc = read_ids(a->users_file, &text, &ids, &n);
    double t0 = seer_cli_now();
    if (rc == SEER_OK)
        rc = seer_rec_recommend_file(r, a->users_file ? ids : NULL, n, a->k, a->include_seen,
                                     a->out);
    size_t users = a->users_file ? n : seer_rec_user_count(r);
    if (rc == SEER_OK && a->out)
        fprintf(stderr, "recommended %zu items to each of %zu users in %.3fs (%.4f ms a user); "
                "wrote %s\n", a->k, users, seer_cli_now() - t0,
                users ? (seer_cli_now() - t0) * 1e3 / (double)users : 0.0, a->out);
    free(text);
    free(ids);
    return rc == SEER_OK ? 0 : seer_cli_fail(rc);
}

int seer_cmd_recommend(int argc, char **argv) {
    static rec_args a;
    memset(&a, 0, sizeof a);
    a.k = 10;
    int code = parse(&a, argc, argv);
    if (code < 0) {
        seer_recommender *r;
        int rc = seer_rec_load(&r, argv[optind]);
        if (rc != SEER_OK) code = seer_cli_fail(rc);
        else if (seer_rec_is_kt(r) || a.has_band) {   // knowledge tracing: kt_cli.c
            if (!a.has_band) a.band[0] = 0.6, a.band[1] = 0.8;
            code = !seer_rec_is_kt(r) ? seer_cli_usage("--target is for a knowledge-tracing "
                                                       "model (--format kt)")
                   : !a.user || a.users_file || a.all || a.n_recent || a.n_feat
                       ? seer_cli_usage("a knowledge-tracing model recommends for one --user")
                       : seer_cli_recommend_kt(r, a.user, a.k, a.band, a.json);
            seer_rec_free(r);
        } else {
            code = a.users_file || a.all ? batch(r, &a) : one(r, &a);
            seer_rec_free(r);
        }
    }
    free(a.recent_s);
    free(a.feature_s);
    free((void *)a.recent);
    free((void *)a.feat);
    return code;
}
