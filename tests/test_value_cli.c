// seer value from the command line: the acceptance commands' JSON keys, the users list, exit
// codes of bad options (1) and bad data (2), and nothing written when a run fails.
#include <criterion/criterion.h>
#include "criterion_fix.h"

#include "cli_run.h"
#include "tmpdir.h"

static char tmpdir[64];
static char paths[8][512];
static int npaths;

static void make_dir(void) {
    strcpy(tmpdir, "/tmp/seer_test_value_cli_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(tmpdir), NULL));
}

static void remove_dir(void) {
    run_free_last();
    remove_tree(tmpdir);
}

TestSuite(value_cli, .init = make_dir, .fini = remove_dir, .timeout = 300);

static const char *tmp_path(const char *name) {
    char *p = paths[npaths++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static const char *put(const char *name, const char *text) {
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    cr_assert(ne(ptr, f, NULL));
    fputs(text, f);
    cr_assert(eq(int, fclose(f), 0));
    return p;
}

static const char *cdnow(const char *file) {
    static char p[512];
    const char *d = getenv("SEER_DATA");
    snprintf(p, sizeof p, "%s/cdnow/%s", d && *d ? d : "../shared/data", file);
    if (access(p, R_OK)) cr_skip_test("%s is absent (set SEER_DATA)", p);
    return p;
}

// A small log: 30 users buying in 1997 and some again in 1998 (user,date,amount, a header).
static const char *small_log(void) {
    static char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "user,date,amount\n");
    for (int u = 0; u < 30; u++) {
        n += (size_t)snprintf(text + n, sizeof text - n, "c%d,1997-0%d-1%d,%d.5\n", u, 1 + u % 9,
                              u % 10, 10 + u);
        if (u % 3 == 0)
            n += (size_t)snprintf(text + n, sizeof text - n, "c%d,1998-02-0%d,%d\n", u,
                                  1 + u % 9, 5 * u);
    }
    return put("log.csv", text);
}

static int value(const char *log, const char *a, const char *b, const char *c, const char *d) {
    return run_seer("value", log, "--user", "user", "--time", "date", "--amount", "amount",
                    "--cutoff", "1997-09-30", "--horizon", "39w", a, b, c, d, NULL);
}

Test(value_cli, json_and_users_list) {
    const char *out = tmp_path("users.csv");
    cr_assert(eq(int, value(small_log(), "--json", "-o", out, NULL), 0), "%s", last.err);
    const char *keys[] = {"\"normalized_gini\":", "\"baseline_normalized_gini\":",
                          "\"spearman\":", "\"decile_mape\":", "\"top_decile_capture\":",
                          "\"deciles\":[", "\"in_sample\":false"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        cr_assert(ne(ptr, strstr(last.out, keys[i]), NULL), "%s lacks %s", last.out, keys[i]);
    FILE *f = fopen(out, "r");
    cr_assert(ne(ptr, f, NULL));
    char line[256];
    cr_assert(ne(ptr, fgets(line, sizeof line, f), NULL));
    cr_assert(eq(str, line, "user,value,p_repeat,segment,test\n"));
    size_t rows = 0, top = 0;
    while (fgets(line, sizeof line, f)) rows++, top += strstr(line, ",top10,") != NULL;
    fclose(f);
    cr_assert(eq(sz, rows, 30));
    cr_assert(eq(sz, top, 3));
}

// --test-frac 0 trains on every user and scores them all: the metrics are in-sample, and the
// output says so (it said "test 23570", the training users, on CDNOW).
Test(value_cli, test_frac_0_says_in_sample) {
    cr_assert(eq(int, value(small_log(), "--test-frac", "0", NULL, NULL), 0), "%s", last.err);
    cr_assert(ne(ptr, strstr(last.out, "in-sample, as --test-frac 0 asks"), NULL), "%s",
              last.out);
    cr_assert(eq(int, value(small_log(), "--test-frac", "0", "--json", NULL), 0), "%s",
              last.err);
    cr_assert(ne(ptr, strstr(last.out, "\"in_sample\":true"), NULL), "%s", last.out);
}

Test(value_cli, bgnbd_prints_its_parameters) {
    cr_assert(eq(int, run_seer("value", cdnow("CDNOW_sample.txt"), "--columns",
                               "user,sample,date,qty,amount", "--sep", "whitespace", "--user",
                               "user", "--time", "date", "--amount", "amount", "--cutoff",
                               "1997-09-30", "--horizon", "39w", "--model", "bgnbd",
                               "--test-frac", "0.2", "--seed", "1", "--json", NULL), 0),
              "%s", last.err);
    const char *keys[] = {"\"r\":0.24", "\"alpha\":4.41", "\"a\":0.79", "\"b\":2.42",
                          "\"normalized_gini\":"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        cr_assert(ne(ptr, strstr(last.out, keys[i]), NULL), "%s lacks %s", last.out, keys[i]);
}

Test(value_cli, bad_options_exit_1) {
    const char *log = small_log();
    const char *bad[][2] = {{"--model", "xgboost"}, {"--test-frac", "1"}, {"--sep", "ab"},
                            {"--epochs", "0"}, {"--hidden", "0"}, {"--horizonn", "3"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert(eq(int, value(log, bad[i][0], bad[i][1], NULL, NULL), 1), "%s %s: %s",
                  bad[i][0], bad[i][1], last.err);
    cr_assert(eq(int, run_seer("value", log, "--user", "user", "--time", "date", "--cutoff",
                               "1997-09-31", "--horizon", "39w", NULL), 1));
    cr_assert(ne(ptr, strstr(last.err, "--cutoff"), NULL), "%s", last.err);
    cr_assert(eq(int, run_seer("value", log, "--user", "user", "--time", "date", "--cutoff",
                               "1997-09-30", "--horizon", "39", NULL), 1));
    cr_assert(eq(int, run_seer("value", log, "--user", "nobody", "--time", "date", "--cutoff",
                               "1997-09-30", "--horizon", "39w", NULL), 1));
    cr_assert(ne(ptr, strstr(last.err, "--user 'nobody' is not a column"), NULL), "%s", last.err);
}

// A bad record stops the run with its place named, exit 2, and -o is not written.
Test(value_cli, bad_data_exit_2_nothing_written) {
    const char *log = put("bad.csv", "user,date,amount\na,1997-01-01,3\nb,1997-02-30,4\n");
    const char *out = tmp_path("users.csv");
    cr_assert(eq(int, value(log, "-o", out, NULL, NULL), 2));
    cr_assert(ne(ptr, strstr(last.err, "bad.csv:3:3: '1997-02-30' is not a date"), NULL), "%s",
              last.err);
    cr_assert(ne(int, access(out, F_OK), 0));
    log = put("late.csv", "user,date,amount\na,1998-01-01,3\n");
    cr_assert(eq(int, value(log, "-o", out, NULL, NULL), 2));
    cr_assert(ne(ptr, strstr(last.err, "no user has a record on or before the cutoff"), NULL));
    cr_assert(eq(int, value(tmp_path("absent.csv"), NULL, NULL, NULL, NULL), 3));
}

// A horizon with no record in it makes every label 0: the MLP is refused (exit 2, nothing
// written), naming the horizon and the log's last day; BG/NBD, which sees no label, still
// scores every user, with a warning that the metrics are undefined.
Test(value_cli, an_empty_horizon_refused_for_the_mlp) {
    const char *log = small_log();  // its last record is of 1998-02-07
    const char *out = tmp_path("users.csv");
    cr_assert(eq(int, run_seer("value", log, "--user", "user", "--time", "date", "--amount",
                               "amount", "--cutoff", "1998-06-30", "--horizon", "13w", "-o", out,
                               NULL),
                 2),
              "%s", last.err);
    cr_assert(ne(ptr, strstr(last.err, "no record falls in the horizon, 1998-07-01 to "
                                       "1998-09-29 (the log's last record is of 1998-02-07)"),
                 NULL),
              "%s", last.err);
    cr_assert(ne(int, access(out, F_OK), 0));
    cr_assert(eq(int, run_seer("value", log, "--user", "user", "--time", "date", "--amount",
                               "amount", "--cutoff", "1998-06-30", "--horizon", "13w", "--model",
                               "bgnbd", "-o", out, NULL),
                 0),
              "%s", last.err);
    cr_assert(ne(ptr, strstr(last.err, "warning: no record falls in the horizon"), NULL), "%s",
              last.err);
    cr_assert(eq(int, access(out, F_OK), 0));
}

// Every user drawn as a test user leaves the MLP nothing to learn from: refused, exit 2.
Test(value_cli, no_training_user_refused) {
    const char *log = put("two.csv", "user,date,amount\na,1997-01-01,3\nb,1997-01-02,4\n"
                                     "a,1997-10-01,5\n");
    cr_assert(eq(int, value(log, "--test-frac", "0.99", NULL, NULL), 2), "%s", last.out);
    cr_assert(ne(ptr, strstr(last.err, "no user left to train on"), NULL), "%s", last.err);
    // BG/NBD has nothing to fit without a repeat transaction by the cutoff: refused, not hung.
    cr_assert(eq(int, value(log, "--test-frac", "0.99", "--model", "bgnbd"), 2), "%s", last.out);
    cr_assert(ne(ptr, strstr(last.err, "BG/NBD has no finite fit"), NULL), "%s", last.err);
}

// The value column of a users list, in its order, into v (at most cap); the count.
static size_t values_of(const char *path, double *v, size_t cap) {
    FILE *f = fopen(path, "r");
    cr_assert(ne(ptr, f, NULL), "%s", path);
    char line[256];
    size_t n = 0;
    cr_assert(ne(ptr, fgets(line, sizeof line, f), NULL));
    while (n < cap && fgets(line, sizeof line, f)) v[n++] = atof(strchr(line, ',') + 1);
    fclose(f);
    return n;
}

// --save-model keeps the MLP; --load-model scores the log's users with it, training nothing:
// the same values to the printed digits, every user a test user. mse too.
Test(value_cli, save_and_load_model_score_the_same) {
    const char *log = small_log(), *models[] = {"ziln", "mse"};
    for (int k = 0; k < 2; k++) {
        const char *m = tmp_path("v.seer"), *a = tmp_path("a.csv"), *b = tmp_path("b.csv");
        cr_assert(eq(int, value(log, "--model", models[k], "--save-model", m), 0), "%s",
                  last.err);
        cr_assert(eq(int, value(log, "--model", models[k], "-o", a), 0), "%s", last.err);
        cr_assert(eq(int, value(log, "--load-model", m, "-o", b), 0), "%s", last.err);
        double va[64], vb[64];
        size_t na = values_of(a, va, 64), nb = values_of(b, vb, 64);
        cr_assert(eq(sz, na, 30));
        cr_assert(eq(sz, nb, na));
        for (size_t i = 0; i < na; i++) cr_assert(eq(dbl, va[i], vb[i]), "user %zu", i);
        cr_assert(eq(int, value(log, "--load-model", m, "--json", NULL), 0), "%s", last.err);
        cr_assert(ne(ptr, strstr(last.out, "\"train_users\":0,\"test_users\":30"), NULL), "%s",
                  last.out);
        char want[32];
        snprintf(want, sizeof want, "{\"model\":\"%s\"", models[k]);
        cr_assert(ne(ptr, strstr(last.out, want), NULL), "%s", last.out);
    }
}

// What a model file cannot score, and the options it makes meaningless, are refused.
Test(value_cli, load_model_refusals) {
    char m[512], log[512];  // copies: tmp_path's buffers are reused below
    snprintf(log, sizeof log, "%s", small_log());
    snprintf(m, sizeof m, "%s", tmp_path("v.seer"));
    const char *out = tmp_path("u.csv");
    cr_assert(eq(int, value(log, "--save-model", m, NULL, NULL), 0), "%s", last.err);
    // A log without the amount the model was trained with.
    cr_assert(eq(int, run_seer("value", log, "--user", "user", "--time", "date", "--cutoff",
                               "1997-09-30", "--horizon", "39w", "--load-model", m, "-o", out,
                               NULL), 2));
    expect_stderr("the model was trained with --amount", NULL);
    cr_assert(eq(int, file_exists(out), 0));
    // Event types the model does not count.
    const char *ev = put("ev.csv", "user,date,amount,kind\na,1997-01-01,3,web\n"
                                   "b,1997-02-01,4,shop\na,1997-11-01,5,web\n");
    cr_assert(eq(int, run_seer("value", ev, "--user", "user", "--time", "date", "--amount",
                               "amount", "--event", "kind", "--cutoff", "1997-09-30",
                               "--horizon", "39w", "--load-model", m, NULL), 2));
    expect_stderr("the model counts 0 event types", NULL);
    // Not a value model: a file of another kind, and no model file at all.
    const char *junk = put("junk.seer", "not a model\n");
    cr_assert(eq(int, value(log, "--load-model", junk, NULL, NULL), 2), "%s", last.err);
    cr_assert(eq(int, value(log, "--load-model", tmp_path("absent.seer"), NULL, NULL), 3));
    // Options the file fixes, bgnbd's save, and both at once: usage, exit 1.
    cr_assert(eq(int, value(log, "--load-model", m, "--epochs", "3"), 1));
    expect_stderr("leave out --epochs", NULL);
    cr_assert(eq(int, value(log, "--load-model", m, "--model", "mse"), 1));
    cr_assert(eq(int, value(log, "--load-model", m, "--save-model", tmp_path("w.seer")), 1));
    cr_assert(eq(int, value(log, "--model", "bgnbd", "--save-model", tmp_path("w.seer")), 1));
    expect_stderr("not bgnbd", NULL);
    cr_assert(eq(int, file_exists(tmp_path("w.seer")), 0));
    // A save into a folder that does not exist: I/O, exit 3, nothing written.
    cr_assert(eq(int, value(log, "--save-model", tmp_path("no/dir/v.seer"), NULL, NULL), 3));
    // The file of seer value is not a model of rows: predict says what to use instead.
    cr_assert(eq(int, run_seer("predict", m, log, NULL), 2));
    expect_stderr("a model of seer value: score a log's users with seer value", NULL);
}

// A seer train model is no value model: refused naming the difference.
Test(value_cli, load_model_refuses_a_train_model) {
    const char *log = small_log(), *t = put("t.csv", "x,label\n1,0\n2,1\n3,0\n4,1\n5,1\n6,0\n");
    const char *m = tmp_path("t.seer");
    cr_assert(eq(int, run_seer("train", t, "--label", "label", "--valid-frac", "0", "-o", m, NULL),
                 0), "%s", last.err);
    cr_assert(eq(int, value(log, "--load-model", m, NULL, NULL), 2), "%s", last.err);
    expect_stderr("not a seer value model", NULL);
}
