// Recommenders on MovieLens 100K ($SEER_DATA/movielens-100k, official u1..u5 splits; skipped
// when absent): the figures of bench/ease_ml100k.py reproduced (popularity and EASE at lambda
// 300, within 0.002), ease and mf with their defaults past the bars, and through the
// command: the JSON shapes, no seen item recommended to any user of a fold, unknown users.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"
#include "seer/recommend.h"
#include "tmpdir.h"

static char dir[64];

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/seer_recd_XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
}
static void teardown(void) {
    run_free_last();
    remove_tree(dir);
}

TestSuite(rec_data, .init = setup, .fini = teardown, .timeout = 900);

static const char *ml(const char *name) {
    static char p[8][512];
    static int k;
    const char *d = getenv("SEER_DATA");
    char *out = p[k++ % 8];
    snprintf(out, 512, "%s/movielens-100k/%s", d && *d ? d : "../shared/data", name);
    if (!file_exists(out)) {
        remove_tree(dir);
        cr_skip_test("%s is absent (set SEER_DATA)", out);
    }
    return out;
}

// Mean over u1..u5 of NDCG@10 (relevant: test rated >= 4) and RMSE, for kind with reg.
static void five_folds(seer_rec_kind kind, float reg, double *ndcg, double *rmse) {
    *ndcg = *rmse = 0;
    for (int f = 1; f <= 5; f++) {
        char base[16], test[16];
        snprintf(base, sizeof base, "u%d.base", f);
        snprintf(test, sizeof test, "u%d.test", f);
        seer_rec_train_options o;
        seer_rec_train_options_default(&o, kind);
        o.data = ml(base);
        o.format = SEER_FORMAT_MOVIELENS;
        o.reg = reg;
        o.quiet = 1;
        seer_recommender *r;
        cr_assert(eq(int, seer_rec_train(&o, &r, NULL), 0), "%s", seer_error_message());
        seer_rec_eval_options e;
        seer_rec_eval_options_default(&e);
        e.path = ml(test);
        e.format = SEER_FORMAT_MOVIELENS;
        e.min_rating = 4;
        seer_rec_eval_report rep;
        cr_assert(eq(int, seer_rec_eval(r, &e, &rep), 0), "%s", seer_error_message());
        *ndcg += rep.ndcg[1] / 5;
        *rmse += rep.rmse / 5;
        seer_rec_free(r);
    }
}

Test(rec_data, reference_popularity_and_ease_figures) {
    double nd, rmse;
    five_folds(SEER_REC_POP, SEER_AUTO_REAL, &nd, &rmse);
    cr_assert(fabs(nd - 0.1981) <= 0.002, "popularity ndcg@10 %.4f, reference 0.1981", nd);
    five_folds(SEER_REC_EASE, 300, &nd, &rmse);
    cr_assert(fabs(nd - 0.3833) <= 0.002, "ease lambda 300 ndcg@10 %.4f, reference 0.3833", nd);
}

// bench/ease_ml100k.py's ItemKNN: cosine, 100 neighbours per item (itemknn's defaults).
Test(rec_data, itemknn_reference_figure) {
    double nd, rmse;
    five_folds(SEER_REC_ITEMKNN, SEER_AUTO_REAL, &nd, &rmse);
    cr_assert(fabs(nd - 0.3286) <= 0.002, "itemknn ndcg@10 %.4f, reference 0.3286", nd);
}

Test(rec_data, ease_default_reaches_0_378) {
    double nd, rmse;
    five_folds(SEER_REC_EASE, SEER_AUTO_REAL, &nd, &rmse);
    cr_assert(nd >= 0.378, "ease ndcg@10 %.4f", nd);
}

Test(rec_data, mf_default_rmse_at_most_0_910) {
    double nd, rmse;
    five_folds(SEER_REC_MF, SEER_AUTO_REAL, &nd, &rmse);
    cr_assert(rmse <= 0.910, "mf rmse %.4f", rmse);
}

static double json_num(const char *json, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    cr_assert(p != NULL, "no %s in %s", pat, json);
    return atof(p + strlen(pat));
}

static const char *tmp(const char *name) {
    static char p[8][256];
    static int k;
    char *out = p[k++ % 8];
    snprintf(out, 256, "%s/%s", dir, name);
    return out;
}

Test(rec_data, cli_train_eval_recommend_shapes) {
    const char *m = tmp("e.seer");
    cr_assert(eq(int, run_seer("train", ml("u1.base"), "--format", "movielens", "--model", "ease",
                               "--reg", "300", "-o", m, NULL), 0), "%s", last.err);
    cr_assert(eq(int, run_seer("eval", m, ml("u1.test"), "--format", "movielens", "--min-rating",
                               "4", "--json", NULL), 0), "%s", last.err);
    const char *keys[] = {"ndcg@5", "ndcg@10", "ndcg@20", "recall@10", "hr@10", "mrr", NULL};
    for (int i = 0; keys[i]; i++) json_num(last.out, keys[i]);
    cr_assert(strstr(last.out, "\"excluded_seen\":true") != NULL, "%s", last.out);
    cr_assert(eq(int, run_seer("eval", m, ml("u1.test"), "--format", "movielens", "--sampled",
                               "100", "--exclude-seen", "no", "--json", NULL), 0), "%s", last.err);
    cr_assert(strstr(last.out, "\"sampled_ndcg@10\":") && strstr(last.out, "\"excluded_seen\":false"),
              "%s", last.out);
    cr_assert(eq(int, run_seer("recommend", m, "--user", "1", "-k", "10", "--json", NULL), 0));
    cr_assert(strncmp(last.out, "{\"user\":\"1\",\"items\":[{\"item\":\"", 30) == 0, "%s", last.out);
    cr_assert(strstr(last.out, "\"source\":\"history\"") != NULL, "%s", last.out);
    cr_assert(eq(int, run_seer("recommend", m, "--user", "no-such-user", "--json", NULL), 0));
    cr_assert(strstr(last.out, "\"source\":\"popularity\"") != NULL, "%s", last.out);
    cr_assert(strstr(last.out, "{\"item\":\"50\",\"score\":") != NULL, "%s", last.out);
    cr_assert(eq(int, run_seer("recommend", m, "--recent", "50,181,no-such-item", "--json", NULL), 0));
    cr_assert(strstr(last.out, "\"source\":\"features\"") != NULL, "%s", last.out);
    cr_assert(strstr(last.out, "\"item\":\"50\"") == NULL, "a recent item came back: %s", last.out);
}

// Every user of u1: the 50 recommended items hold none of the user's u1.base items.
Test(rec_data, recommend_never_returns_a_seen_item) {
    const char *m = tmp("p.seer"), *out = tmp("recs.csv");
    cr_assert(eq(int, run_seer("train", ml("u1.base"), "--format", "movielens", "--model", "mf",
                               "--reg", "0.04", "--epochs", "5", "-o", m, NULL), 0), "%s", last.err);
    cr_assert(eq(int, run_seer("recommend", m, "--all-users", "-k", "50", "-o", out, NULL), 0),
              "%s", last.err);
    static unsigned char seen[944][1683];
    memset(seen, 0, sizeof seen);
    FILE *f = fopen(ml("u1.base"), "r");
    int u, i, r;
    long t;
    while (fscanf(f, "%d %d %d %ld", &u, &i, &r, &t) == 4) seen[u][i] = 1;
    fclose(f);
    f = fopen(out, "r");
    char line[256];
    size_t rows = 0, users_seen[944] = {0};
    cr_assert(fgets(line, sizeof line, f) != NULL);
    cr_assert(eq(str, line, "user,rank,item,score,source\n"));
    while (fgets(line, sizeof line, f)) {
        int rank;
        cr_assert(eq(int, sscanf(line, "%d,%d,%d,", &u, &rank, &i), 3), "%s", line);
        cr_assert(u >= 1 && u <= 943 && i >= 1 && i <= 1682);
        cr_assert(seen[u][i] == 0, "user %d was recommended its training item %d", u, i);
        users_seen[u]++;
        rows++;
    }
    fclose(f);
    cr_assert(eq(sz, rows, 943 * 50));
    for (u = 1; u <= 943; u++) cr_assert(eq(sz, users_seen[u], 50));
}

Test(rec_data, cli_bad_input_exit_codes) {
    const char *bad = tmp("bad.data");
    FILE *f = fopen(bad, "w");
    fputs("1\t2\t3\t4\n1\t2\tx\t4\n", f);
    fclose(f);
    cr_assert(eq(int, run_seer("train", bad, "--format", "movielens", "--model", "pop", "-o",
                               tmp("x.seer"), NULL), 2));
    cr_assert(strstr(last.err, "bad.data:2:5: rating 'x' is not a number") != NULL, "%s", last.err);
    cr_assert(file_exists(tmp("x.seer")) == 0);
    cr_assert(eq(int, run_seer("train", bad, "--format", "movielens", "--model", "nope", "-o",
                               tmp("x.seer"), NULL), 1));
    cr_assert(eq(int, run_seer("recommend", tmp("none.seer"), "--user", "1", NULL), 3));
    cr_assert(eq(int, run_seer("train", bad, "--format", "movielens", "--model", "pop",
                               "--skip-bad-rows", "-o", tmp("x.seer"), NULL), 0), "%s", last.err);
    cr_assert(eq(int, run_seer("recommend", tmp("x.seer"), "--user", "1", "-k", "0", NULL), 1));
}
