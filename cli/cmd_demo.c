// seer demo: the main job end to end on built-in data.
//
// 1. generate a realistic e-commerce log (users, items, sessions, purchases)
// 2. split it in time: the first 80% of rows train, the last 20% test
// 3. profile it and train the reference MLP (purchase probability V(u,i))
// 4. evaluate on the test part
// 5. rank users by predicted value: expected revenue over their test rows
// 6. when SEER_DATA holds the Criteo sample, train and evaluate on it as well
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "seer.h"
#include "seer/synth.h"

#define TOP_USERS 10

// Copies the header to both outputs and the first `first` data rows of src to a, the rest to b.
static int split_file(const char *src, const char *a, const char *b, size_t first) {
    FILE *in = fopen(src, "r"), *fa = fopen(a, "w"), *fb = fopen(b, "w");
    int rc = SEER_OK;
    if (!in || !fa || !fb) rc = seer_errorf(SEER_EIO, "demo: cannot split %s", src);
    char line[4096];
    size_t n = 0;
    if (rc == SEER_OK && fgets(line, sizeof line, in)) {
        fputs(line, fa);
        fputs(line, fb);
        while (fgets(line, sizeof line, in)) fputs(line, n++ < first ? fa : fb);
    }
    if (in) fclose(in);
    if (fa && fclose(fa)) rc = seer_errorf(SEER_EIO, "demo: writing %s failed", a);
    if (fb && fclose(fb)) rc = seer_errorf(SEER_EIO, "demo: writing %s failed", b);
    return rc;
}

typedef struct {
    char id[16];
    double expected;   // sum of p * net price over the user's test rows
    double actual;     // revenue in the test rows
    size_t rows;
} user_value;

static int cmp_value(const void *x, const void *y) {
    const user_value *a = x, *b = y;
    return (a->expected < b->expected) - (a->expected > b->expected);
}

// Scores the test rows, then sums expected and actual revenue per user.
static int rank_users(seer_model *m, const char *test) {
    float *p;
    size_t n;
    int rc = seer_model_score_file(m, test, SEER_FORMAT_AUTO, &p, &n);
    if (rc != SEER_OK) return rc;
    FILE *f = fopen(test, "r");
    user_value *users = calloc(1 << 20, sizeof *users);  // u000000..: the id is the index
    if (!f || !users) {
        free(p);
        free(users);
        if (f) fclose(f);
        return seer_errorf(SEER_EIO, "demo: cannot read %s", test);
    }
    char line[4096];
    size_t i = 0, max_user = 0;
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    while (fgets(line, sizeof line, f) && i < n) {
        // event_time,user_id,...,item_price(9),discount_pct(10),...,revenue(17)
        char *fields[18];
        size_t k = 0;
        for (char *s = line, *tok; k < 18 && (tok = strsep(&s, ",\n")); ) fields[k++] = tok;
        if (k < 18) continue;
        size_t u = strtoul(fields[1] + 1, NULL, 10) & ((1 << 20) - 1);
        double net = atof(fields[9]) * (1.0 - atof(fields[10]) / 100.0);
        snprintf(users[u].id, sizeof users[u].id, "%s", fields[1]);
        users[u].expected += p[i] * net;
        users[u].actual += atof(fields[17]);
        users[u].rows++;
        if (u > max_user) max_user = u;
        i++;
    }
    fclose(f);
    qsort(users, max_user + 1, sizeof *users, cmp_value);
    printf("\nthe %d users with the highest predicted value in the test period\n", TOP_USERS);
    printf("  %-10s %8s %18s %16s\n", "user", "rows", "expected revenue", "actual revenue");
    for (int k = 0; k < TOP_USERS && users[k].rows; k++)
        printf("  %-10s %8zu %18.2f %16.2f\n", users[k].id, users[k].rows, users[k].expected,
               users[k].actual);
    // How well value ranks users: the share of actual test revenue won by the top decile.
    size_t n_users = 0;
    double total = 0, top = 0;
    for (size_t u = 0; u <= max_user; u++)
        if (users[u].rows) n_users++, total += users[u].actual;
    for (size_t u = 0; u < n_users / 10; u++) top += users[u].actual;
    printf("the top 10%% of %zu users by predicted value made %.1f%% of the actual test revenue\n",
           n_users, total > 0 ? 100.0 * top / total : 0.0);
    free(users);
    free(p);
    return SEER_OK;
}

static int train_and_eval(const char *title, seer_train_options *o, const char *test,
                          const char *model_path, seer_model **out) {
    printf("\n== %s ==\n", title);
    fflush(stdout);
    seer_train_report r;
    seer_model *m;
    int rc = seer_train(o, &m, &r);
    if (rc == SEER_OK) rc = seer_model_save(m, model_path);
    if (rc != SEER_OK) return rc;
    printf("trained mlp %zu-%zu on %zu rows (%zu validation) in %.1fs: %zu epochs",
           o->hidden[0], o->hidden[1], r.train_rows, r.valid_rows, r.seconds,
           r.epochs_run);
    if (r.has_valid) printf(" (kept epoch %zu, the best on validation)", r.best_epoch);
    printf(", %.0f samples/s\n", r.train_samples_per_s);
    seer_metrics met;
    size_t skipped = 0;
    rc = seer_eval_file(m, test, seer_model_format(m), 0, &met, &skipped);
    if (rc != SEER_OK) {
        seer_model_free(m);
        return rc;
    }
    printf("test: %zu rows, AUC %.4f, log loss %.4f, accuracy %.4f (positive rate %.3f)\n",
           met.rows, met.auc, met.logloss, met.accuracy, met.positive_rate);
    printf("model written to %s\n", model_path);
    if (out) *out = m;
    else seer_model_free(m);
    return SEER_OK;
}

static const seer_cli_opt opts[] = {
    {"dir", 1, 'd', "DIR", "where the data and the model go (default seer-demo)"},
    {"sessions", 1, 's', "N", "sessions of the generated log"},
    {"help", 0, 'h', NULL, "this help"},
    {0}};

const seer_cli_command seer_cli_demo_command = {
    .name = "demo", .synopsis = "[--dir DIR] [--sessions N]",
    .summary = "the main job end to end on generated e-commerce data",
    .shorts = "", .opts = opts,
    .notes = "When SEER_DATA holds the Criteo sample, it trains and evaluates on it as well.\n"};

int seer_cmd_demo(int argc, char **argv) {
    const char *dir = "seer-demo";
    seer_synth_config sc;
    seer_synth_defaults(&sc);
    int c, more;
    const char *seen[SEER_CLI_OPTION_MAX] = {0};
    optind = 0;
    while ((more = seer_cli_next(&seer_cli_demo_command, argc, argv, &c, seen)) > 0) {
        if (c == 'd') dir = optarg;
        else if (c == 's') {
            if (seer_cli_count("demo", "--sessions", optarg, &sc.sessions)) return 1;
        } else if (c == 'h') {
            seer_cli_help(&seer_cli_demo_command, stdout);
            return 0;
        }
    }
    if (more < 0) return 1;
    if (optind != argc)
        return seer_cli_usage("usage: seer demo %s", seer_cli_demo_command.synopsis);
    double t0 = seer_cli_now();
    if (mkdir(dir, 0755) != 0 && access(dir, W_OK) != 0)
        return seer_cli_fail(seer_errorf(SEER_EIO, "demo: cannot create %s", dir));
    char all[1024], train[1024], test[1024], model[1024];
    snprintf(all, sizeof all, "%s/shop.csv", dir);
    snprintf(train, sizeof train, "%s/shop_train.csv", dir);
    snprintf(test, sizeof test, "%s/shop_test.csv", dir);
    snprintf(model, sizeof model, "%s/shop.seer", dir);

    printf("== generating e-commerce behaviour: %zu users, %zu items, %zu sessions ==\n",
           sc.users, sc.items, sc.sessions);
    size_t rows;
    int rc = seer_synth_write(all, &sc, &rows);
    if (rc == SEER_OK) rc = split_file(all, train, test, rows * 8 / 10);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    printf("%s: %zu rows; first 80%% in time -> %s, last 20%% -> %s\n", all, rows, train, test);

    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_MLP);
    o.data = train;
    o.label = "purchased";
    static const char *const ignore[] = {"revenue", "event_time"};
    o.ignore = ignore;
    o.n_ignore = 2;
    o.batch = 512;
    o.epochs = 10;
    printf("(profile and sparsity decision on stderr)\n");
    seer_model *m = NULL;
    rc = train_and_eval("predicting purchases: V(u,i) = P(user u buys item i)", &o, test, model,
                        &m);
    if (rc == SEER_OK) rc = rank_users(m, test);
    seer_model_free(m);
    if (rc != SEER_OK) return seer_cli_fail(rc);

    const char *data = getenv("SEER_DATA");
    char ctrain[1024], ctest[1024], cmodel[1024];
    snprintf(ctrain, sizeof ctrain, "%s/criteo-sample/criteo_train.txt",
             data ? data : "../shared/data");
    snprintf(ctest, sizeof ctest, "%s/criteo-sample/criteo_test.txt",
             data ? data : "../shared/data");
    snprintf(cmodel, sizeof cmodel, "%s/criteo.seer", dir);
    if (access(ctrain, R_OK) == 0 && access(ctest, R_OK) == 0) {
        seer_train_options co;
        seer_train_options_default(&co, SEER_MODEL_MLP);
        co.data = ctrain;
        co.format = SEER_FORMAT_CRITEO;
        co.label = "label";
        co.batch = 32;
        co.epochs = 5;
        co.valid_frac = 0;
        co.quiet = 1;
        rc = train_and_eval("the Criteo sample (display ads CTR), seed settings", &co, ctest,
                            cmodel, NULL);
        if (rc != SEER_OK) return seer_cli_fail(rc);
    } else {
        printf("\n(no Criteo sample under SEER_DATA; skipped)\n");
    }
    printf("\ndemo finished in %.1fs\n", seer_cli_now() - t0);
    return 0;
}
