// Tests of seer value's parts: dates, the ZILN and squared-error losses (hand values and
// finite-difference gradients), the value metrics on hand-worked cases, the BG/NBD and
// Gamma-Gamma likelihoods against hand-computed values and their gradients, the log reader's
// refusals, the no-leak property of the users' features, and on CDNOW (from $SEER_DATA) the
// published BG/NBD parameters and ZILN ahead of BG/NBD and the baseline.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmpdir.h"
#include "base/rng.h"
#include "nn/ziln.h"
#include "seer/value.h"
#include "train/value_metrics.h"
#include "value/bgnbd.h"
#include "value/log.h"
#include "value/users.h"

static char tmpdir[64];

static void make_dir(void) {
    strcpy(tmpdir, "/tmp/seer_test_value_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(tmpdir), NULL));
}

static void remove_dir(void) { remove_tree(tmpdir); }

TestSuite(value, .init = make_dir, .fini = remove_dir, .timeout = 120);

static const char *put_log(const char *name, const char *text) {
    static char path[8][128];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 128, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    cr_assert(ne(ptr, f, NULL));
    fputs(text, f);
    cr_assert(eq(int, fclose(f), 0));
    return p;
}

static void close_to(double got, double want, double tol, const char *what) {
    cr_assert(fabs(got - want) <= tol * fmax(1, fabs(want)), "%s: got %.12g, want %.12g", what,
              got, want);
}

Test(value, date_formats) {
    int32_t a, b, c, d;
    cr_assert(eq(int, seer_value_date_parse("19970930", 8, &a), SEER_OK));
    cr_assert(eq(int, seer_value_date_parse("1997-09-30", 10, &b), SEER_OK));
    cr_assert(eq(int, seer_value_date_parse("1997-09-30T23:59:59Z", 20, &c), SEER_OK));
    cr_assert(eq(int, seer_value_date_parse("1970-01-01", 10, &d), SEER_OK));
    cr_assert(eq(i32, a, b));
    cr_assert(eq(i32, a, c));
    cr_assert(eq(i32, d, 0));
    // 1997-09-30 + 273 days (39 weeks) = 1998-06-30.
    int32_t e;
    cr_assert(eq(int, seer_value_date_parse("19980630", 8, &e), SEER_OK));
    cr_assert(eq(i32, e - a, 273));
    const char *bad[] = {"19970230", "1997-13-01", "abc", "1997093", "1997/09/30", "19970930x",
                         "2000-02-30", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert(eq(int, seer_value_date_parse(bad[i], strlen(bad[i]), &a), SEER_EDATA), "%s",
                  bad[i]);
    cr_assert(eq(int, seer_value_date_parse("2000-02-29", 10, &a), SEER_OK));
}

Test(value, horizon_parse) {
    int32_t d;
    cr_assert(eq(int, seer_value_horizon_parse("39w", &d), SEER_OK));
    cr_assert(eq(i32, d, 273));
    cr_assert(eq(int, seer_value_horizon_parse("10d", &d), SEER_OK));
    cr_assert(eq(i32, d, 10));
    const char *bad[] = {"0w", "-3w", "39", "39x", "w", "39w1", "99999999999999999999w", "6000w"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert(eq(int, seer_value_horizon_parse(bad[i], &d), SEER_EINVAL), "%s", bad[i]);
}

// Row 1: logit 0.3, mu 2, raw sigma 0.5, y 5; row 2: logit -1, y 0. By hand (sigma =
// softplus(0.5) = 0.974077):
//   row 1 = BCE(1, 0.3) + ln 5 + ln sigma + ln(2 pi)/2 + (ln 5 - 2)^2 / (2 sigma^2) = 3.136850
//   row 2 = BCE(0, -1) = ln(1 + e^-1) = 0.313262; the mean 1.725056.
Test(value, ziln_hand_value) {
    float z[] = {0.3f, 2.0f, 0.5f, -1.0f, 7.0f, -3.0f}, y[] = {5.0f, 0.0f};
    close_to(seer_ziln_forward(z, y, 2), 1.7250556633678233, 1e-6, "ziln loss");
    float pred[2], p[2];
    seer_ziln_predict(pred, p, z, 2);
    // sigmoid(0.3) exp(2 + sigma^2 / 2)
    close_to(pred[0], 6.8213523302124175, 1e-6, "ziln prediction");
    close_to(p[0], 1 / (1 + exp(-0.3)), 1e-6, "ziln probability");
}

// The backward of loss (forward) against central differences in double over every output.
static void gradcheck(double (*fwd)(const float *, const float *, size_t),
                      void (*bwd)(float *, const float *, const float *, size_t), size_t width) {
    enum { B = 6 };
    seer_rng rng;
    seer_rng_init(&rng, 7);
    float z[B * 3], y[B], dz[B * 3] = {0};
    for (size_t i = 0; i < B * width; i++) z[i] = (float)(seer_rng_uniform(&rng) * 2 - 1);
    for (size_t i = 0; i < B; i++) y[i] = i % 3 == 0 ? 0.0f : (float)(0.5 + 4 * seer_rng_uniform(&rng));
    bwd(dz, z, y, B);
    for (size_t i = 0; i < B * width; i++) {
        float keep = z[i];
        double h = 1e-2;
        z[i] = (float)(keep + h);
        double up = fwd(z, y, B);
        z[i] = (float)(keep - h);
        double down = fwd(z, y, B);
        z[i] = keep;
        double num = (up - down) / (2 * h);
        cr_assert(fabs(num - dz[i]) <= 2e-3 * fmax(1e-2, fabs(num)), "output %zu: %g vs %g", i,
                  dz[i], num);
    }
}

Test(value, ziln_gradient) { gradcheck(seer_ziln_forward, seer_ziln_backward, 3); }
Test(value, mse_gradient) { gradcheck(seer_mse_forward, seer_mse_backward, 1); }

Test(value, mse_hand_value) {
    float z[] = {1, 3}, y[] = {2, 0};
    close_to(seer_mse_forward(z, y, 2), (1.0 + 9.0) / 2, 1e-12, "mse");
}

// actual 3, 1, 0, 0 and predictions 0.9, 0.1, 0.5, 0.2. By prediction the users give 3, 0, 0,
// 1: the gain curve at quarters is 0.75, 0.75, 0.75, 1, area (0.375 + 0.75 + 0.75 + 0.875)/4 =
// 0.6875; perfectly ordered 0.75, 1, 1, 1, area 0.8125. Gini = 0.1875 / 0.3125 = 0.6.
Test(value, gini_hand) {
    double act[] = {3, 1, 0, 0}, pred[] = {0.9, 0.1, 0.5, 0.2};
    size_t order[4];
    close_to(seer_value_gini(act, pred, 4, order), 0.6, 1e-12, "gini");
    close_to(seer_value_gini(act, act, 4, order), 1.0, 1e-12, "perfect gini");
    double flat[] = {1, 1, 1, 1};
    close_to(seer_value_gini(act, flat, 4, order), 0.0, 1e-12, "tied predictions");
    double rev[] = {-3, -1, 0, 0};
    cr_assert(lt(dbl, seer_value_gini(act, rev, 4, order), 0));
    // NaN predictions (a degenerate fit) give a number or NaN, and return.
    double nan4[] = {NAN, NAN, NAN, NAN}, scratch[12];
    seer_value_gini(act, nan4, 4, order);
    seer_value_spearman(act, nan4, 4, scratch);
}

// actual 1, 2, 3, 4; predictions 1, 1, 2, 3: ranks 1.5, 1.5, 3, 4 against 1, 2, 3, 4. Centred:
// (-1, -1, .5, 1.5) and (-1.5, -.5, .5, 1.5): 4.5 / sqrt(4.5 * 5) = 0.9486833.
Test(value, spearman_hand) {
    double act[] = {1, 2, 3, 4}, pred[] = {1, 1, 2, 3}, scratch[12];
    close_to(seer_value_spearman(act, pred, 4, scratch), 4.5 / sqrt(22.5), 1e-12, "spearman");
    double flat[] = {2, 2, 2, 2};
    cr_assert(isnan(seer_value_spearman(act, flat, 4, scratch)));
}

// Twelve users, actual = i, predictions i / 2 (all ordered right): numpy.array_split's deciles
// of sizes 2, 2, 1, ... hold 11+10, 9+8, 7, ...; predictions are half the actuals, so every
// decile's error is 0.5 except the last, whose mean actual is 0 and is left out: MAPE 0.5.
Test(value, deciles_hand) {
    double act[12], pred[12];
    size_t order[12];
    for (int i = 0; i < 12; i++) act[i] = i, pred[i] = i / 2.0;
    seer_value_decile d[10];
    double mape, top;
    seer_value_deciles(act, pred, 12, order, d, &mape, &top);
    cr_assert(eq(sz, d[0].n, 2));
    cr_assert(eq(sz, d[1].n, 2));
    cr_assert(eq(sz, d[2].n, 1));
    cr_assert(eq(sz, d[9].n, 1));
    close_to(d[0].mean_actual, 10.5, 1e-12, "decile 1 actual");
    close_to(d[0].mean_pred, 5.25, 1e-12, "decile 1 pred");
    close_to(d[9].mean_actual, 0, 1e-12, "decile 10 actual");
    close_to(mape, 0.5, 1e-12, "decile mape");
    close_to(top, 21.0 / 66.0, 1e-12, "top decile capture");
}

// BG/NBD at (r, alpha, a, b) = (0.5, 2, 0.8, 2.5). A customer without repeats (x = 0, T = 10)
// has likelihood (alpha / (alpha + T))^r: ln = 0.5 ln(2/12) = -0.895880. With x = 2, t_x = 5,
// T = 10 the formula of bgnbd.h term by term (lgamma by hand in Python's math module): -6.005859.
Test(value, bgnbd_likelihood_hand) {
    double p[4] = {0.5, 2, 0.8, 2.5}, x[] = {0, 2}, tx[] = {0, 5}, T[] = {10, 10};
    close_to(seer_bgnbd_ll(p, x, tx, T, 1, NULL), 0.5 * log(2.0 / 12.0), 1e-12, "x = 0");
    close_to(seer_bgnbd_ll(p, x + 1, tx + 1, T + 1, 1, NULL), -6.005859455520025, 1e-10, "x = 2");
    close_to(seer_bgnbd_ll(p, x, tx, T, 2, NULL), -6.901739190134053, 1e-10, "sum");
}

// Gamma-Gamma at (p, q, gamma) = (6, 4, 15): x = 2, m = 30 and x = 1, m = 10, by hand -7.532523;
// a customer without repeats adds nothing.
Test(value, gamma_gamma_likelihood_hand) {
    double p[3] = {6, 4, 15}, x[] = {2, 1, 0}, m[] = {30, 10, 0};
    close_to(seer_gg_ll(p, x, m, 3, NULL), -7.53252328966169, 1e-10, "gamma-gamma");
}

// The analytic gradients against central differences.
Test(value, likelihood_gradients) {
    double x[] = {0, 1, 3, 7}, tx[] = {0, 2, 20, 30}, T[] = {10, 30, 31, 35}, m[] = {0, 12, 40, 25};
    double p[4] = {0.4, 3, 0.9, 2.1}, g[4], gp[3] = {5, 3.5, 12}, gg[3];
    seer_bgnbd_ll(p, x, tx, T, 4, g);
    for (int i = 0; i < 4; i++) {
        double q[4], h = 1e-6 * p[i];
        memcpy(q, p, sizeof q);
        q[i] += h;
        double up = seer_bgnbd_ll(q, x, tx, T, 4, NULL);
        q[i] -= 2 * h;
        double num = (up - seer_bgnbd_ll(q, x, tx, T, 4, NULL)) / (2 * h);
        close_to(g[i], num, 1e-6, "bgnbd gradient");
    }
    seer_gg_ll(gp, x, m, 4, gg);
    for (int i = 0; i < 3; i++) {
        double q[3], h = 1e-6 * gp[i];
        memcpy(q, gp, sizeof q);
        q[i] += h;
        double up = seer_gg_ll(q, x, m, 4, NULL);
        q[i] -= 2 * h;
        double num = (up - seer_gg_ll(q, x, m, 4, NULL)) / (2 * h);
        close_to(gg[i], num, 1e-6, "gamma-gamma gradient");
    }
}

// digamma against known values; 2F1 against closed forms.
Test(value, special_functions) {
    close_to(seer_digamma(1), -0.5772156649015329, 1e-12, "digamma(1)");
    close_to(seer_digamma(0.5), -1.9635100260214235, 1e-12, "digamma(1/2)");
    close_to(seer_digamma(10), 2.251752589066721, 1e-12, "digamma(10)");
    // 2F1(1, 1; 2; z) = -ln(1 - z) / z; 2F1(a, b; b; z) = (1 - z)^-a.
    close_to(seer_hyp2f1(1, 1, 2, 0.5), -log(0.5) / 0.5, 1e-12, "2F1(1,1;2;.5)");
    close_to(seer_hyp2f1(2.5, 3, 3, 0.4), pow(0.6, -2.5), 1e-12, "2F1(a,b;b;z)");
}

static seer_value_options log_options(const char *path) {
    seer_value_options o;
    seer_value_options_default(&o);
    static const char *const cols[] = {"user", "date", "qty", "amount"};
    o.path = path;
    o.columns = cols;
    o.n_columns = 4;
    o.sep = ' ';
    o.user = "user", o.time = "date", o.amount = "amount";
    cr_assert(eq(int, seer_value_date_parse("19970930", 8, &o.cutoff), SEER_OK));
    o.horizon = 273;
    return o;
}

// The read of text as log: its code, and the message contains want.
static void expect_refused(const char *text, int code, const char *want) {
    seer_value_options o = log_options(put_log("bad.txt", text));
    seer_value_log log;
    cr_assert(eq(int, seer_value_log_read(&log, &o), code), "%s", seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), want), NULL), "'%s' lacks '%s'",
              seer_error_message(), want);
}

Test(value, log_refusals) {
    expect_refused("1 19970101 1 10\n2 1997011 1 5\n", SEER_EDATA, "bad.txt:2:3: '1997011'");
    expect_refused("1 19970101 1 10\n2 19970101 1\n", SEER_EDATA, "bad.txt:2: 3 fields");
    expect_refused("1 19970101 1 -5\r\n", SEER_EDATA, "bad.txt:1:14: amount '-5'");
    expect_refused("1 19970101 1 abc\n", SEER_EDATA, "amount 'abc'");
    expect_refused("1 19970101 1 nan\n", SEER_EDATA, "amount 'nan'");
    expect_refused("1 19970101 1 1e308\n", SEER_EDATA, "amount '1e308' is not a number from 0");
    expect_refused("\n\n", SEER_EDATA, "no records");
    // A user id holding a NUL byte (the fuzzer's: its compare read past a shorter user's copy).
    const char *path = put_log("nul.txt", "");
    FILE *f = fopen(path, "wb");
    cr_assert(ne(ptr, f, NULL));
    static const char nul_log[] = "a 19970101 1 10\na\0b 19970102 1 5\n";
    cr_assert(eq(sz, fwrite(nul_log, 1, sizeof nul_log - 1, f), sizeof nul_log - 1));
    cr_assert(eq(int, fclose(f), 0));
    seer_value_options on = log_options(path);
    seer_value_log nl;
    cr_assert(eq(int, seer_value_log_read(&nl, &on), SEER_EDATA), "%s", seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), "nul.txt:2:1: the user id holds a NUL byte"),
                 NULL), "%s", seer_error_message());
    seer_value_options o = log_options(put_log("ok.txt", "1 19970101 1 10\n"));
    o.user = "customer";
    seer_value_log log;
    cr_assert(eq(int, seer_value_log_read(&log, &o), SEER_EINVAL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "--user 'customer' is not a column"), NULL));
}

// A CSV with a header, an event column and CRLF: read as the header names it.
Test(value, log_with_header) {
    seer_value_options o = log_options(put_log("h.csv", "when,who,what,spent\r\n"
                                                        "1997-01-02,ann,view,0\r\n"
                                                        "1997-01-02,ann,buy,12.5\r\n"
                                                        "1997-02-01,bob,buy,3\r\n"));
    o.columns = NULL, o.sep = ',';
    o.user = "who", o.time = "when", o.amount = "spent", o.event = "what";
    seer_value_log log;
    cr_assert(eq(int, seer_value_log_read(&log, &o), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, log.n, 3));
    cr_assert(eq(sz, log.n_users, 2));
    cr_assert(eq(sz, log.n_events, 2));
    seer_value_users u;
    cr_assert(eq(int, seer_value_users_build(&u, &log, o.cutoff, o.horizon, 0.5, 1), SEER_OK));
    cr_assert(eq(sz, u.n, 2));
    cr_assert(eq(sz, u.F, SEER_VALUE_BASE_FEATURES + 3));
    close_to(u.cal_spend[0], 12.5, 0, "ann's one day");
    cr_assert(eq(dbl, u.freq[0], 0));
    close_to(u.x[0 * u.F + SEER_VALUE_BASE_FEATURES], log1p(1), 1e-6, "ann's views");
    seer_value_users_free(&u);
    seer_value_log_free(&log);
}

// Random log lines: users 0..39, dates across 1997-1998, some after the cutoff (1997-09-30) and
// some after the horizon; an event column of three types.
static char *random_log(uint64_t seed, int scramble_after_cutoff) {
    seer_rng rng, other;
    seer_rng_init(&rng, seed);
    seer_rng_init(&other, seed + 99);
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    for (int i = 0; i < 600; i++) {
        int user = (int)seer_rng_below(&rng, 40), day = (int)seer_rng_below(&rng, 540);
        double amount = (double)seer_rng_below(&rng, 10000) / 100;
        int ev = (int)seer_rng_below(&rng, 3);
        int y = 1997 + day / 365, doy = day % 365, m = doy / 31 + 1, d = doy % 28 + 1;
        int after = y > 1997 || m > 9;
        if (scramble_after_cutoff && after) {  // anything may change after the cutoff
            amount = (double)seer_rng_below(&other, 100000) / 100;
            ev = 3 + (int)seer_rng_below(&other, 4);
            user = (int)seer_rng_below(&other, 60);
            if (y == 1997) m = 10 + (int)seer_rng_below(&other, 3);
        }
        n += (size_t)snprintf(s + n, cap - n, "u%d,%04d%02d%02d,%s,%.2f\n", user, y, m, d,
                              ev == 0 ? "buy" : ev == 1 ? "view" : ev == 2 ? "cart" : "late",
                              amount);
    }
    return s;
}

// Features of each user by name, from text.
static void build(const char *name, const char *text, seer_value_log *log, seer_value_users *u) {
    seer_value_options o = log_options(put_log(name, text));
    static const char *const cols[] = {"user", "date", "event", "amount"};
    o.columns = cols, o.sep = ',', o.event = "event";
    cr_assert(eq(int, seer_value_log_read(log, &o), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, seer_value_users_build(u, log, o.cutoff, o.horizon, 0.3, 5), SEER_OK));
}

// No information from after the cutoff reaches the features: every record after it changed
// (amount, event type, user, date, users who appear only after it) leaves each user's features,
// BG/NBD summary, calibration spend and side of the split as they were, while the labels move.
Test(value, no_leak_after_cutoff) {
    for (uint64_t seed = 1; seed <= 5; seed++) {
        char *a = random_log(seed, 0), *b = random_log(seed, 1);
        seer_value_log la, lb;
        seer_value_users ua, ub;
        build("a.csv", a, &la, &ua);
        build("b.csv", b, &lb, &ub);
        cr_assert(eq(sz, ua.n, ub.n));
        cr_assert(eq(sz, ua.F, ub.F));
        int labels_moved = 0;
        for (size_t i = 0; i < ua.n; i++) {
            const char *name = la.user_names[ua.log_user[i]];
            size_t j = 0;
            while (j < ub.n && strcmp(lb.user_names[ub.log_user[j]], name)) j++;
            cr_assert(lt(sz, j, ub.n), "user %s lost", name);
            cr_assert(eq(int, memcmp(ua.x + i * ua.F, ub.x + j * ub.F, ua.F * sizeof *ua.x), 0),
                      "features of %s changed", name);
            cr_assert(eq(dbl, ua.cal_spend[i], ub.cal_spend[j]));
            cr_assert(eq(dbl, ua.freq[i], ub.freq[j]));
            cr_assert(eq(dbl, ua.t_x[i], ub.t_x[j]));
            cr_assert(eq(dbl, ua.T[i], ub.T[j]));
            cr_assert(eq(dbl, ua.m_x[i], ub.m_x[j]));
            cr_assert(eq(u8, ua.test[i], ub.test[j]));
            labels_moved |= ua.hold_spend[i] != ub.hold_spend[j];
        }
        cr_assert(labels_moved, "the change after the cutoff was not read");
        seer_value_users_free(&ua), seer_value_users_free(&ub);
        seer_value_log_free(&la), seer_value_log_free(&lb);
        free(a), free(b);
    }
}

// A user's side depends only on the user and the seed; about the asked share is held out.
Test(value, split_by_user_hash) {
    size_t in = 0;
    char name[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof name, "%d", i);
        in += (size_t)seer_value_user_in(name, 1, 0, 0.2);
        cr_assert(eq(int, seer_value_user_in(name, 1, 0, 0.2), seer_value_user_in(name, 1, 0, 0.2)));
    }
    cr_assert(gt(sz, in, 3800));
    cr_assert(lt(sz, in, 4200));
    cr_assert(eq(int, seer_value_user_in("7", 1, 0, 0), 0));
}

static const char *cdnow(const char *file) {
    static char p[512];
    const char *d = getenv("SEER_DATA");
    snprintf(p, sizeof p, "%s/cdnow/%s", d && *d ? d : "../shared/data", file);
    if (access(p, R_OK)) cr_skip_test("%s is absent (set SEER_DATA)", p);
    return p;
}

// The published fit on the 1/10 sample (Fader, Hardie and Lee 2005): r 0.243, alpha 4.414,
// a 0.793, b 2.426, within 2%; the spend model and every transaction counted.
Test(value, bgnbd_cdnow_sample_published) {
    seer_value_options o = log_options(cdnow("CDNOW_sample.txt"));
    static const char *const cols[] = {"user", "sample", "date", "qty", "amount"};
    o.columns = cols, o.n_columns = 5;
    o.model = SEER_VALUE_BGNBD;
    o.test_frac = 0;
    seer_value_report r;
    cr_assert(eq(int, seer_value_run(&o, &r), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, r.users, 2357));
    cr_assert(eq(sz, r.records, 6919));
    close_to(r.r, 0.243, 0.02 * 0.243, "r");
    close_to(r.alpha, 4.414, 0.02 * 4.414, "alpha");
    close_to(r.a, 0.793, 0.02 * 0.793, "a");
    close_to(r.b, 2.426, 0.02 * 2.426, "b");
    close_to(r.bgnbd_ll, -9582.429, 1e-3, "log-likelihood (bench/btyd_cdnow.py)");
}

// On the whole file with the standard split, ZILN ranks the test users' future spend better
// than BG/NBD x Gamma-Gamma and than the baseline (spend so far).
Test(value, ziln_ahead_on_cdnow) {
    seer_value_options o = log_options(cdnow("CDNOW_master.txt"));
    seer_value_report z, bg;
    cr_assert(eq(int, seer_value_run(&o, &z), SEER_OK), "%s", seer_error_message());
    o.model = SEER_VALUE_BGNBD;
    cr_assert(eq(int, seer_value_run(&o, &bg), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, z.test_users, bg.test_users));
    cr_assert(gt(dbl, z.normalized_gini, bg.normalized_gini));
    cr_assert(gt(dbl, z.normalized_gini, z.baseline_normalized_gini));
    cr_assert(eq(dbl, z.baseline_normalized_gini, bg.baseline_normalized_gini));
}
