// Tests of the profile, the sparsity decision and the row encoding, on small
// in-memory tables whose statistics are worked out by hand.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"
#include "data/dataset.h"
#include "data/dense_pack.h"
#include "data/encode.h"
#include "data/profile.h"
#include "data/sketch.h"
#include "data/transform.h"
#include "fit_text.h"
#include "io/transform_json.h"

// Profiles and fits text (a CSV with a header) with default options, min count 2, and label.
static int fit_text(const char *text, const char *label, seer_transform *t, seer_profile *p,
                    seer_table **tab) {
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = label;
    o.min_count = 2;
    return fit_text_with(text, &o, t, p, tab);
}

// A table of n rows: id (increasing), x numeric with one missing, c categorical, y label.
static char *make_table(size_t n) {
    size_t cap = 64 + n * 64;
    char *s = malloc(cap), *w = s;
    w += sprintf(w, "id,x,c,y\n");
    for (size_t i = 0; i < n; i++) {
        const char *cat = i % 3 == 0 ? "red" : i % 3 == 1 ? "green" : i == 2 ? "once" : "blue";
        if (i == 7) w += sprintf(w, "%zu,,%s,%d\n", i + 1, cat, (int)(i % 2));
        else w += sprintf(w, "%zu,%zu,%s,%d\n", i + 1, i % 10, cat, (int)(i % 2));
    }
    return s;
}

// Row numbers of a shuffled file (a data frame's index written with its rows) are ignored as
// a row id; distinct integers spread far wider than the rows (a measured amount) stay numeric.
Test(transform, shuffled_row_ids_ignored) {
    size_t n = 2000;
    char *s = malloc(64 + n * 64), *w = s;
    w += sprintf(w, "idx,amount,y\n");
    for (size_t i = 0; i < n; i++) {
        size_t idx = (i * 7919) % 2500;       // distinct, in [0, 2500): shuffled row numbers
        w += sprintf(w, "%zu,%zu,%d\n", idx, 1000 + (i * 7907) % n * 977, (int)(i % 2));
    }
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(s, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, t.col[0].kind, SEER_COL_IGNORED), "%s", t.col[0].reason);
    cr_assert(ne(ptr, strstr(t.col[0].reason, "row id"), NULL), "%s", t.col[0].reason);
    cr_assert(eq(int, t.col[1].kind, SEER_COL_NUMERIC), "%s", t.col[1].reason);
    seer_table_close(tab);
    seer_profile_free(&p);
    seer_transform_free(&t);
    free(s);
}

Test(transform, decisions) {
    char *text = make_table(200);
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, p.rows, 200));
    cr_assert(eq(int, t.col[0].kind, SEER_COL_IGNORED), "id is a row id");
    cr_assert(eq(int, t.col[1].kind, SEER_COL_NUMERIC));
    cr_assert(eq(int, t.col[2].kind, SEER_COL_CATEGORICAL));
    cr_assert(eq(int, t.col[3].kind, SEER_COL_LABEL));
    // x: 199 values of i % 10 (one missing): missing rate 1/200, a missing flag.
    cr_assert(ieee_ulp_eq(dbl, t.col[1].missing_rate, 1.0 / 200, 4));
    cr_assert(t.col[1].flag >= 0);
    // c: red, green and blue are frequent, "once" appears once (< min_count 2): 3 tokens.
    cr_assert(eq(sz, t.col[2].n_vocab, 3));
    cr_assert(eq(sz, t.n_dense, 2), "the value and its missing flag");
    // 200 rows are too few for bucket fields, so one field: c, with 3 + OOV + missing rows.
    cr_assert(eq(sz, t.n_fields, 1));
    cr_assert(eq(sz, t.emb_rows, 5));
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

// The id rule: store's label rate per value has nothing to do with its order, so the rate
// per value beats 16 ordered buckets of stores by far and store becomes categorical (its 40
// ids, each about 100 rows, in the vocabulary); visits' rate rises with it, the buckets follow
// it as well, and it stays numeric. Both say their figures.
Test(transform, integer_ids_become_categorical) {
    char *text = id_table_text(4000, 3);
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, t.col[0].kind, SEER_COL_CATEGORICAL), "%s", t.col[0].reason);
    cr_assert(eq(sz, t.col[0].n_vocab, 40));
    cr_assert(ne(ptr, strstr(t.col[0].reason, "integer id: per-value label rate beats 16 "
                             "ordered buckets (log loss"), NULL), "%s", t.col[0].reason);
    cr_assert(eq(int, t.col[1].kind, SEER_COL_NUMERIC), "%s", t.col[1].reason);
    cr_assert(ne(ptr, strstr(t.col[1].reason, "not an id"), NULL), "%s", t.col[1].reason);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);

    // --numeric store keeps it numeric, without the figures.
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    const char *num[] = {"store"};
    o.numeric = num;
    o.n_numeric = 1;
    cr_assert(eq(int, fit_text_with(text, &o, &t, &p, &tab), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(int, t.col[0].kind, SEER_COL_NUMERIC), "%s", t.col[0].reason);
    cr_assert(eq(ptr, strstr(t.col[0].reason, " id"), NULL), "%s", t.col[0].reason);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

// A label with one positive among 5,000 rows: the rate per value of 40 ids beats the buckets
// by 8% of a tiny log loss (0.0024 vs 0.0026), 1 nat over the rows; the rule wants 10, so the
// column stays numeric.
Test(transform, ids_need_more_than_a_few_rows_of_evidence) {
    char *text = malloc(16 + 5000 * 12), *w = text;
    w += sprintf(w, "u,y\n");
    for (int i = 0; i < 5000; i++) w += sprintf(w, "%d,%d\n", i % 40, i == 7);
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, t.col[0].kind, SEER_COL_NUMERIC), "%s", t.col[0].reason);
    cr_assert(ne(ptr, strstr(t.col[0].reason, "not an id"), NULL), "%s", t.col[0].reason);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

// The rule is for binary labels: under --task regression the same store column (its label
// still 0/1, now an amount) keeps no per-value counts and stays numeric.
Test(transform, id_rule_is_for_binary_labels) {
    char *text = id_table_text(4000, 3);
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    seer_table *tab;
    cr_assert(eq(int, seer_table_open_memory(&tab, text, strlen(text), "mem.csv", 0, &to),
                 SEER_OK));
    seer_profile p;
    cr_assert(eq(int, seer_profile_init(&p, tab, "y"), SEER_OK));
    p.task = SEER_TASK_REGRESSION;
    seer_row row;
    while (seer_table_next(tab, &row) == 1) cr_assert(eq(int, seer_profile_add(&p, &row), SEER_OK));
    cr_assert(eq(int, p.col[0].ids.dropped, 1));
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    seer_transform t;
    cr_assert(eq(int, seer_transform_fit(&t, &p, &o), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, t.col[0].kind, SEER_COL_NUMERIC), "%s", t.col[0].reason);
    cr_assert(eq(ptr, strstr(t.col[0].reason, " id"), NULL), "%s", t.col[0].reason);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

// The evidence worked by hand: the rate per value against 2 ordered buckets, smoothed with
// SEER_ID_SMOOTH = 10 rows towards the overall rate, each row predicted from the others.
Test(transform, id_evidence_by_hand) {
    // Value v has 10 rows, pos[v] of them positive: 1 -> 9, 2 -> 1, 3 -> 9, 4 -> 1 (a rate
    // that alternates with the order). Overall 20 / 40 = 0.5. Value 5 has 2 rows, one
    // positive: rare with min_count 2 (the other row alone holds it once).
    static const int pos[6] = {0, 9, 1, 9, 1, 1};
    seer_value_labels v;
    memset(&v, 0, sizeof v);
    for (int x = 1; x <= 5; x++)
        for (int i = 0; i < (x == 5 ? 2 : 10); i++)
            cr_assert(eq(int, seer_value_labels_add(&v, x, i < pos[x]), SEER_OK));
    cr_assert(eq(sz, v.n, 5));
    seer_id_evidence e;
    cr_assert(eq(int, seer_id_evidence_measure(&v, 2, 2, &e), SEER_OK));
    // The overall rate is 21 / 42 = 0.5, 5 rows' worth in the smoothing. A value of 10 rows, k
    // positive: a positive row sees (k - 1 + 5) / 19, a negative one (k + 5) / 19.
    double l9 = -(9 * log((8 + 5.0) / 19) + 1 * log(1 - (9 + 5.0) / 19));
    double l1 = -(1 * log((0 + 5.0) / 19) + 9 * log(1 - (1 + 5.0) / 19));
    double rare = -(1 * log((0 + 5.0) / 11) + 1 * log(1 - (1 + 5.0) / 11));
    cr_assert(ieee_ulp_eq(dbl, e.loss_values, (2 * l9 + 2 * l1 + rare) / 42, 64),
              "%.17g", e.loss_values);
    // Buckets: 42 rows into 2, a bucket closing before it would pass 21 rows: {1, 2} (20
    // rows, 10 positive) and {3, 4, 5} (22 rows, 11 positive).
    double b1 = -(10 * log((9 + 5.0) / 29) + 10 * log(1 - (10 + 5.0) / 29));
    double b2 = -(11 * log((10 + 5.0) / 31) + 11 * log(1 - (11 + 5.0) / 31));
    cr_assert(eq(sz, e.buckets, 2));
    cr_assert(eq(sz, e.vocab, 5), "values held twice or more");
    cr_assert(ieee_ulp_eq(dbl, e.loss_buckets, (b1 + b2) / 42, 64), "%.17g", e.loss_buckets);
    seer_value_labels_free(&v);
}

// A column of integers with more distinct values than SEER_ID_VALUES_MAX is no candidate:
// its table is dropped, not grown; so is one that shows a fraction, or an integer written as a
// decimal (3.0: a request's number 3 would be the token "3"). Digits after a '-' are kept.
Test(transform, id_values_are_bounded) {
    seer_value_labels v;
    memset(&v, 0, sizeof v);
    for (double x = 0; x <= SEER_ID_VALUES_MAX; x++)
        cr_assert(eq(int, seer_value_labels_add(&v, x, 0), SEER_OK));
    cr_assert(eq(int, v.dropped, 1));
    cr_assert(eq(ptr, v.slots, NULL));
    cr_assert(eq(int, seer_value_labels_add(&v, 1, 1), SEER_OK));
    cr_assert(eq(sz, v.n, 0));
    const char *text = "k,m,n,y\n1,1,-1,1\n2,2,5,0\n2.5,3.0,007,1\n3,4,12,0\n";
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, p.col[0].ids.dropped, 1));
    cr_assert(eq(int, p.col[1].ids.dropped, 1));
    cr_assert(eq(int, p.col[2].ids.dropped, 0));
    cr_assert(eq(sz, p.col[2].ids.n, 4));
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
}

Test(transform, numeric_statistics) {
    // x = 0..9 repeated 20 times without missing values: mean 4.5, variance 8.25.
    char text[8192], *w = text;
    w += sprintf(w, "x,y\n");
    for (int i = 0; i < 200; i++) w += sprintf(w, "%d,%d\n", i % 10, i % 2);
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    const seer_column *x = &t.col[0];
    cr_assert(eq(int, x->log, 0), "uniform values are not heavy-tailed");
    cr_assert(epsilon_eq(dbl, x->mean, 4.5, 1e-12));
    cr_assert(epsilon_eq(dbl, x->std, sqrt(8.25), 1e-12));
    cr_assert(eq(long, x->flag, -1), "no missing value in training: no flag");
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
}

Test(transform, heavy_tail_gets_log) {
    // Mostly small counts with a few huge ones: skewness far above 2.
    char text[16384], *w = text;
    w += sprintf(w, "n,y\n");
    for (int i = 0; i < 500; i++) w += sprintf(w, "%d,%d\n", i % 50 == 0 ? 100000 : i % 4, i % 2);
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, t.col[0].log, 1));
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
}

// For a linear model (scale_by_label) a skewed column keeps the scale nearer the label's:
// (numpy, standardised and clipped values) n is i % 4 but 100000 on every 50th row; with the
// label 1 from a count of 2 up the log follows it (r 0.41 against 0.14 plain); with the label
// 1 on odd rows (the huge rows are even) the plain values do (-0.143 against 0.016). Without
// scale_by_label (the networks) both are logged.
Test(transform, linear_model_keeps_the_scale_nearer_the_label) {
    for (int run = 0; run < 3; run++) {
        char text[16384], *w = text;
        w += sprintf(w, "n,y\n");
        for (int i = 0; i < 500; i++) {
            int n = i % 50 == 0 ? 100000 : i % 4;
            w += sprintf(w, "%d,%d\n", n, run == 0 ? n >= 2 : i % 2);
        }
        seer_transform_options o;
        seer_transform_options_default(&o);
        o.label = "y";
        o.scale_by_label = run < 2;
        seer_transform t;
        seer_profile p;
        seer_table *tab;
        cr_assert(eq(int, fit_text_with(text, &o, &t, &p, &tab), SEER_OK), "%s",
                  seer_error_message());
        cr_assert(eq(int, t.col[0].log, run != 1), "run %d: %s", run, t.col[0].reason);
        if (run == 1)
            cr_assert(ne(ptr, strstr(t.col[0].reason, "(not slog1p: label r -0.14 plain, 0.02 "
                                     "logged)"), NULL), "%s", t.col[0].reason);
        seer_transform_free(&t);
        seer_profile_free(&p);
        seer_table_close(tab);
    }
}

// For a linear model a skewed column whose plain values follow the label more closely than
// their log keeps them: x is i % 7 but 300 + i on every 10th row (skewness 2.9), the label 1
// on those rows; the correlation with the label of the standardised values is 0.971 plain,
// 0.926 logged (numpy).
Test(transform, skewed_column_that_follows_the_label_plainly_stays_linear) {
    char text[16384], *w = text;
    w += sprintf(w, "x,y\n");
    for (int i = 0; i < 400; i++) w += sprintf(w, "%d,%d\n", i % 10 ? i % 7 : 300 + i, i % 10 == 0);
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    o.scale_by_label = 1;
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text_with(text, &o, &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, t.col[0].log, 0), "%s", t.col[0].reason);
    cr_assert(ne(ptr, strstr(t.col[0].reason, "not slog1p: label r 0.97 plain, 0.93 logged"), NULL),
              "%s", t.col[0].reason);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
}

Test(transform, encode_row) {
    char *text = make_table(200);
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    const char *rows = "id,c,x,y\n9,green,3,1\n10,purple,,0\n11,,7,1\n";
    seer_table *q;
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    cr_assert(eq(int, seer_table_open_memory(&q, rows, strlen(rows), "q.csv", 0, &to), SEER_OK));
    long map[4];
    cr_assert(eq(int, seer_transform_bind(&t, q, map, 1), SEER_OK));
    cr_assert(eq(long, map[1], 2), "columns are matched by name, not position");
    seer_row row;
    uint32_t ids[1];
    float dense[2], y;
    const seer_column *x = &t.col[1];
    // Row 1: a known token, a value.
    cr_assert(eq(int, seer_table_next(q, &row), 1));
    cr_assert(eq(int, seer_transform_row(&t, map, &row, "q.csv", ids, dense, &y), SEER_OK));
    cr_assert(ge(u32, ids[0], 2), "a vocabulary row");
    cr_assert(ieee_ulp_eq(flt, dense[0], (float)((3 - x->mean) / x->std), 4));
    cr_assert(ieee_ulp_eq(flt, dense[1], 0.0f, 0));
    cr_assert(ieee_ulp_eq(flt, y, 1.0f, 0));
    // Row 2: an unseen token -> OOV row 0; a missing value -> 0 with flag 1.
    cr_assert(eq(int, seer_table_next(q, &row), 1));
    cr_assert(eq(int, seer_transform_row(&t, map, &row, "q.csv", ids, dense, &y), SEER_OK));
    cr_assert(eq(u32, ids[0], 0));
    cr_assert(ieee_ulp_eq(flt, dense[0], 0.0f, 0));
    cr_assert(ieee_ulp_eq(flt, dense[1], 1.0f, 0));
    // Row 3: a missing token -> row 1.
    cr_assert(eq(int, seer_table_next(q, &row), 1));
    cr_assert(eq(int, seer_transform_row(&t, map, &row, "q.csv", ids, dense, &y), SEER_OK));
    cr_assert(eq(u32, ids[0], 1));
    seer_table_close(q);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

Test(transform, bad_number_names_line_and_column) {
    char *text = make_table(200);
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK));
    const char *rows = "id,x,c,y\n1,2,red,0\n2,abc,red,1\n";
    seer_table *q;
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    cr_assert(eq(int, seer_table_open_memory(&q, rows, strlen(rows), "q.csv", 0, &to), SEER_OK));
    long map[4];
    cr_assert(eq(int, seer_transform_bind(&t, q, map, 1), SEER_OK));
    seer_dataset d;
    seer_dataset_init(&d, t.n_fields, t.n_dense);
    size_t skipped = 0;
    cr_assert(eq(int, seer_dataset_load(&d, NULL, q, &t, NULL, 1, 0, &skipped, NULL), SEER_EDATA));
    cr_assert(strstr(seer_error_message(), "q.csv:3:2") != NULL, "%s", seer_error_message());
    seer_dataset_free(&d);
    seer_table_close(q);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

Test(transform, label_errors) {
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text("a,y\n1,0\n2,2\n", "y", &t, &p, &tab), SEER_EDATA));
    cr_assert(strstr(seer_error_message(), "mem.csv:3:2") != NULL, "%s", seer_error_message());
    seer_profile_free(&p);
    seer_table_close(tab);
    cr_assert(eq(int, fit_text("a,y\n1,0\n2,0\n", "y", &t, &p, &tab), SEER_EDATA));
    cr_assert(strstr(seer_error_message(), "both classes") != NULL, "%s", seer_error_message());
    seer_profile_free(&p);
    seer_table_close(tab);
    cr_assert(eq(int, fit_text("a,y\n1,0\n2,1\n", "target", &t, &p, &tab), SEER_EDATA));
    cr_assert(strstr(seer_error_message(), "'target'") != NULL, "%s", seer_error_message());
    seer_table_close(tab);
}

Test(transform, split_is_deterministic_and_near_fraction) {
    seer_split s = {0.1, 7};
    size_t held = 0;
    for (size_t i = 0; i < 100000; i++) {
        int h = seer_split_holds_out(&s, i);
        cr_assert(eq(int, h, seer_split_holds_out(&s, i)));
        held += h;
    }
    // Binomial(100000, 0.1): standard deviation ~95, so +-600 cannot fail by chance.
    cr_assert(gt(sz, held, 9400));
    cr_assert(lt(sz, held, 10600));
}

Test(sketch, counter_and_hll) {
    seer_counter c;
    cr_assert(eq(int, seer_counter_init(&c, 100000), SEER_OK));
    seer_hll h;
    memset(&h, 0, sizeof h);
    for (uint64_t i = 1; i <= 50000; i++) {
        uint64_t k = seer_mix64(i % 20000 + 1);
        cr_assert(eq(int, seer_counter_add(&c, k ? k : 1), SEER_OK));
        seer_hll_add(&h, k);
    }
    cr_assert(eq(sz, c.n, 20000));
    // i % 20000 + 1 == 5 for i = 4, 20004, 40004: three times.
    cr_assert(eq(u64, seer_counter_get(&c, seer_mix64(5)), 3));
    double est = seer_hll_estimate(&h);
    cr_assert(gt(dbl, est, 20000 * 0.95), "estimate %f", est);
    cr_assert(lt(dbl, est, 20000 * 1.05), "estimate %f", est);
    seer_counter_free(&c);
}

Test(sketch, counter_cap_sets_overflow) {
    seer_counter c;
    cr_assert(eq(int, seer_counter_init(&c, 10), SEER_OK));
    for (uint64_t i = 1; i <= 20; i++) cr_assert(eq(int, seer_counter_add(&c, i), SEER_OK));
    cr_assert(eq(sz, c.n, 10));
    cr_assert(eq(int, c.overflow, 1));
    seer_counter_free(&c);
}

Test(transform, hashed_columns) {
    char *text = make_table(200);
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    seer_table *tab;
    seer_profile p;
    seer_row row;
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    o.hash_buckets = 3;
    seer_transform t;
    cr_assert(eq(int, fit_text_with(text, &o, &t, &p, &tab), SEER_OK), "%s",
              seer_error_message());
    const seer_column *c = &t.col[2];
    cr_assert(eq(sz, c->hash_buckets, 3));
    cr_assert(eq(sz, t.field_rows[c->field], 5), "3 buckets + OOV + missing");
    // Four distinct tokens into three buckets: at least one collides, and it is reported.
    cr_assert(strstr(c->reason, "hash 4 tokens into 3 rows") != NULL, "%s", c->reason);
    cr_assert(strstr(c->reason, "(0.0% collide)") == NULL, "%s", c->reason);
    const char *rows = "id,x,c,y\n1,2,red,0\n2,3,,1\n";
    seer_table *q;
    cr_assert(eq(int, seer_table_open_memory(&q, rows, strlen(rows), "q.csv", 0, &to), SEER_OK));
    long map[4];
    cr_assert(eq(int, seer_transform_bind(&t, q, map, 1), SEER_OK));
    uint32_t ids[1];
    float dense[2], y;
    cr_assert(eq(int, seer_table_next(q, &row), 1));
    cr_assert(eq(int, seer_transform_row(&t, map, &row, "q.csv", ids, dense, &y), SEER_OK));
    uint64_t h = seer_hash_bytes("red", 3, 0);
    cr_assert(eq(u32, ids[0], (uint32_t)(t.field_offset[c->field] + 2 + (h ? h : 1) % 3)));
    cr_assert(eq(int, seer_table_next(q, &row), 1));
    cr_assert(eq(int, seer_transform_row(&t, map, &row, "q.csv", ids, dense, &y), SEER_OK));
    cr_assert(eq(u32, ids[0], (uint32_t)(t.field_offset[c->field] + 1)), "missing -> row 1");
    seer_table_close(q);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

Test(transform, vector_columns) {
    // emb holds 3 numbers; component k of row i is i % 4 + k, so each
    // component has variance 1.25 and mean 1.5 + k.
    char text[16384], *w = text;
    w += sprintf(w, "y,emb\n");
    for (int i = 0; i < 200; i++)
        w += sprintf(w, "%d,%d;%d;%d\n", i % 2, i % 4, i % 4 + 1, i % 4 + 2);
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    const seer_column *c = &t.col[1];
    cr_assert(eq(int, c->kind, SEER_COL_VECTOR));
    cr_assert(eq(sz, c->dims, 3));
    cr_assert(eq(sz, t.n_dense, 3));
    for (size_t k = 0; k < 3; k++) {
        cr_assert(epsilon_eq(dbl, c->vec_mean[k], 1.5 + (double)k, 1e-12));
        cr_assert(epsilon_eq(dbl, c->vec_std[k], sqrt(1.25), 1e-12));
    }
    const char *rows = "y,emb\n1,3;4;5\n0,\n1,1;2\n";
    seer_table *q;
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    cr_assert(eq(int, seer_table_open_memory(&q, rows, strlen(rows), "q.csv", 0, &to), SEER_OK));
    long map[2];
    cr_assert(eq(int, seer_transform_bind(&t, q, map, 1), SEER_OK));
    seer_row row;
    uint32_t ids[1];
    float dense[3], y;
    cr_assert(eq(int, seer_table_next(q, &row), 1));
    cr_assert(eq(int, seer_transform_row(&t, map, &row, "q.csv", ids, dense, &y), SEER_OK));
    for (size_t k = 0; k < 3; k++)
        cr_assert(ieee_ulp_eq(flt, dense[k], (float)(1.5 / sqrt(1.25)), 4), "component %zu", k);
    cr_assert(eq(int, seer_table_next(q, &row), 1));
    cr_assert(eq(int, seer_transform_row(&t, map, &row, "q.csv", ids, dense, &y), SEER_OK));
    for (size_t k = 0; k < 3; k++) cr_assert(ieee_ulp_eq(flt, dense[k], 0.0f, 0), "missing -> 0");
    cr_assert(eq(int, seer_table_next(q, &row), 1));
    cr_assert(eq(int, seer_transform_row(&t, map, &row, "q.csv", ids, dense, &y), SEER_EDATA));
    cr_assert(strstr(seer_error_message(), "q.csv:4:2") != NULL, "%s", seer_error_message());
    seer_table_close(q);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
}

// Encodes the n rows of a CSV text (header first) through t into ids (n_slots each).
static void encode_rows(const seer_transform *t, const char *rows, uint32_t *ids, size_t n) {
    seer_table *q;
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    cr_assert(eq(int, seer_table_open_memory(&q, rows, strlen(rows), "q.csv", 0, &to), SEER_OK));
    long map[8];
    float dense[16], y;
    cr_assert(le(sz, t->n_cols, 8));
    cr_assert(le(sz, t->n_dense, 16));
    cr_assert(eq(int, seer_transform_bind(t, q, map, 1), SEER_OK));
    seer_row row;
    for (size_t i = 0; i < n; i++) {
        cr_assert(eq(int, seer_table_next(q, &row), 1));
        cr_assert(eq(int, seer_transform_row(t, map, &row, "q.csv", ids + i * t->n_slots, dense,
                                             &y), SEER_OK), "%s", seer_error_message());
    }
    seer_table_close(q);
}

Test(transform, multi_valued_columns) {
    // tags: row i holds a|b (i % 4 == 0), b|c|d (1), a (2), nothing (3), and
    // once, row 0, a long list with a token seen once: 5 slots then.
    char text[16384], *w = text;
    w += sprintf(w, "y,tags\n");
    for (int i = 0; i < 200; i++) {
        const char *tags[] = {"a|b", "b | c|d", "a", ""};
        w += sprintf(w, "%d,%s\n", i % 2, i == 0 ? "a|b|c|d|rare" : tags[i % 4]);
    }
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    const seer_column *c = &t.col[1];
    cr_assert(eq(int, c->kind, SEER_COL_CATEGORICAL));
    cr_assert(eq(int, c->multi, 1), "%s", c->reason);
    cr_assert(eq(sz, c->slots, 5), "the most tokens in a training value");
    // Tokens a, b, c, d (rare once: below min_count 2): cardinality 5, vocabulary 4.
    cr_assert(eq(sz, c->n_vocab, 4));
    cr_assert(eq(dbl, c->cardinality, 5.0));
    // Tokens per present value: 150 values; 49 x 2 + 5 (row 0) + 50 x 3 + 50 x 1 = 303.
    cr_assert(ieee_ulp_eq(dbl, c->mean_tokens, 303.0 / 150.0, 4));
    cr_assert(eq(sz, t.n_fields, 1));
    cr_assert(eq(sz, t.n_slots, 5));
    cr_assert(eq(u32, t.field_slots[0], 5));
    cr_assert(eq(u32, t.field_mean[0], 1));
    // By frequency: a and b (100 each, in hash order) rows 2 and 3, then c and d (50 each).
    uint64_t ha = seer_hash_bytes("a", 1, 0), hb = seer_hash_bytes("b", 1, 0);
    uint32_t ra = ha < hb ? 2 : 3, rb = 5 - ra;
    cr_assert(eq(u64, c->vocab[ra - 2], ha));
    cr_assert(eq(u64, c->vocab[rb - 2], hb));
    const char *rows = "y,tags\n1,b|a\n0,\n1,zz|a||b\n0,a|a|a|a|a|b|b\n";
    uint32_t ids[4 * 5];
    encode_rows(&t, rows, ids, 4);
    const uint32_t N = SEER_NO_ID;
    const uint32_t want[4 * 5] = {rb, ra, N, N, N,   // b, a
                                  1,  N,  N, N, N,   // missing
                                  0,  ra, rb, N, N,  // OOV, a, (empty skipped), b
                                  ra, ra, ra, ra, ra};  // cut at 5 slots
    for (size_t i = 0; i < 20; i++) cr_assert(eq(u32, ids[i], want[i]), "slot %zu", i);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
}

Test(transform, multi_valued_needs_five_percent) {
    // Two values of 100 hold a '|': a plain categorical, "x|y" one token.
    char text[8192], *w = text;
    w += sprintf(w, "y,c\n");
    for (int i = 0; i < 100; i++)
        w += sprintf(w, "%d,%s\n", i % 2, i < 2 ? "x|y" : i % 3 ? "p" : "q");
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, t.col[1].multi, 0));
    cr_assert(eq(sz, t.n_slots, t.n_fields));
    cr_assert(eq(sz, t.col[1].n_vocab, 3), "p, q and the value x|y");
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
}

Test(transform, shared_hashed_table) {
    // Two columns over the same three tokens, plus a multi-valued one: one
    // table of 1000 rows shared by all three, after each column's OOV and
    // missing rows.
    char text[16384], *w = text;
    w += sprintf(w, "y,a,b,tags\n");
    const char *tok[] = {"red", "green", "blue"};
    for (int i = 0; i < 300; i++)
        w += sprintf(w, "%d,%s,%s,%s|%s\n", i % 2, tok[i % 3], tok[(i / 3) % 3], tok[i % 3],
                     tok[(i + 1) % 3]);
    seer_table *tab;
    seer_profile p;
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    o.hash_buckets = 1000;
    o.hash_shared = 1;
    seer_transform t;
    cr_assert(eq(int, fit_text_with(text, &o, &t, &p, &tab), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(sz, t.n_fields, 3));
    cr_assert(eq(sz, t.shared_offset, 6), "three fields' OOV and missing rows first");
    cr_assert(eq(sz, t.shared_rows, 1000));
    cr_assert(eq(sz, t.emb_rows, 1006));
    for (size_t j = 1; j <= 3; j++) {
        cr_assert(eq(int, t.col[j].shared_table, 1));
        cr_assert(eq(sz, t.field_rows[t.col[j].field], 2));
        cr_assert(strstr(t.col[j].reason, "into the shared 1000 rows") != NULL, "%s",
                  t.col[j].reason);
    }
    const char *rows = "y,a,b,tags\n1,red,red,green|red\n0,,blue,\n";
    uint32_t ids[2 * 4];
    encode_rows(&t, rows, ids, 2);
    for (size_t i = 0; i < 4; i++) cr_assert(ge(u32, ids[i], 6), "slot %zu in the shared rows", i);
    for (size_t i = 0; i < 4; i++) cr_assert(lt(u32, ids[i], 1006));
    // red lands in another row in each column (the columns salt their tokens).
    cr_assert(ne(u32, ids[0], ids[1]), "a and b share red's row");
    cr_assert(ne(u32, ids[1], ids[3]), "b and tags share red's row");
    cr_assert(ne(u32, ids[0], ids[3]), "a and tags share red's row");
    const uint32_t *ids2 = ids + 4;
    cr_assert(eq(u32, ids2[0], (uint32_t)t.field_offset[t.col[1].field] + 1), "a missing");
    cr_assert(eq(u32, ids2[2], (uint32_t)t.field_offset[t.col[3].field] + 1), "tags missing");
    cr_assert(eq(u32, ids2[3], SEER_NO_ID));
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
}

// Encodes the one-row text rows (header first) through t into dense.
static void encode_one(const seer_transform *t, const char *rows, uint32_t *ids, float *dense) {
    seer_table *q;
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    cr_assert(eq(int, seer_table_open_memory(&q, rows, strlen(rows), "q.csv", 0, &to), SEER_OK));
    long map[8];
    cr_assert(eq(int, seer_transform_bind(t, q, map, 0), SEER_OK), "%s", seer_error_message());
    seer_row row;
    float y;
    cr_assert(eq(int, seer_table_next(q, &row), 1));
    cr_assert(eq(int, seer_transform_row(t, map, &row, "q.csv", ids, dense, &y), SEER_OK),
              "%s", seer_error_message());
    seer_table_close(q);
}

Test(transform, huge_values_fit_finite) {
    // Finite numbers near DBL_MAX: sums of them and of their squares overflow;
    // the mean and the deviation must not. h is symmetric about 0 (mean 0,
    // deviation 1.5e308 up to rounding); t alternates 1.7e308 and 1.6e308; g
    // holds one value per 100 near 1e308 (heavy-tailed); s is 0..4.
    char *text = malloc(1 << 16), *w = text;
    w += sprintf(w, "h,t,g,s,v,y\n");
    for (int i = 0; i < 400; i++)
        w += sprintf(w, "%s,%s,%s,%d,%s;%d,%d\n", i % 2 ? "1.5e308" : "-1.5e308",
                     i % 2 ? "1.7e308" : "1.6e308", i % 100 == 0 ? "1.7e308" : i % 3 ? "1" : "2",
                     i % 5, i % 2 ? "1.2e308" : "-1.2e308", i % 5, i % 2);
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    const seer_column *h = &t.col[0], *tt = &t.col[1], *g = &t.col[2], *sc = &t.col[3];
    const seer_column *v = &t.col[4];
    cr_assert(eq(int, h->kind, SEER_COL_NUMERIC));
    cr_assert(eq(int, h->log + tt->log, 0), "no heavy tail");
    cr_assert(lt(dbl, fabs(h->mean), 1e295), "mean %g", h->mean);
    cr_assert(epsilon_eq(dbl, h->std, 1.5e308, 1e294), "std %g", h->std);
    cr_assert(epsilon_eq(dbl, tt->mean, 1.65e308, 1e294), "mean %g", tt->mean);
    cr_assert(epsilon_eq(dbl, tt->std, 0.05e308, 1e294), "std %g", tt->std);
    cr_assert(eq(int, g->log, 1), "one huge value in a hundred is a heavy tail");
    cr_assert(eq(int, isfinite(g->mean) && isfinite(g->std) && g->std > 0, 1));
    cr_assert(eq(int, v->kind, SEER_COL_VECTOR));
    cr_assert(epsilon_eq(dbl, v->vec_std[0], 1.2e308, 1e294), "vector std %g", v->vec_std[0]);
    // Encoding: far outliers clip to +-10 (t's difference overflows to -inf
    // on the way), nothing is infinite or NaN.
    uint32_t ids[8];
    float dense[16];
    const char *m = "-1.7976931348623157e308", *M = "1.7976931348623157e308";
    char row[256];
    snprintf(row, sizeof row, "h,t,g,s,v\n%s,%s,%s,%s,%s;0\n", M, m, m, M, m);
    encode_one(&t, row, ids, dense);
    for (size_t k = 0; k < t.n_dense; k++)
        cr_assert(eq(int, isfinite(dense[k]) && fabsf(dense[k]) <= 10.0f, 1), "dense[%zu] %g",
                  k, (double)dense[k]);
    cr_assert(epsilon_eq(flt, dense[h->dense], 1.1984621f, 1e-6f), "h %g",
              (double)dense[h->dense]);
    cr_assert(ieee_ulp_eq(flt, dense[tt->dense], -10.0f, 0), "t %g", (double)dense[tt->dense]);
    cr_assert(ieee_ulp_eq(flt, dense[g->dense], -10.0f, 0), "g %g", (double)dense[g->dense]);
    cr_assert(ieee_ulp_eq(flt, dense[sc->dense], 10.0f, 0), "s %g", (double)dense[sc->dense]);
    cr_assert(epsilon_eq(flt, dense[v->dense], -1.4980776f, 1e-6f), "v %g",
              (double)dense[v->dense]);
    snprintf(row, sizeof row, "h,t,g,s,v\n1.5e308,1.7e308,1,%s,0;0\n", m);
    encode_one(&t, row, ids, dense);
    cr_assert(epsilon_eq(flt, dense[h->dense], 1.0f, 1e-6f), "h %g", (double)dense[h->dense]);
    cr_assert(epsilon_eq(flt, dense[tt->dense], 1.0f, 1e-6f), "t %g", (double)dense[tt->dense]);
    cr_assert(ieee_ulp_eq(flt, dense[sc->dense], -10.0f, 0), "s %g", (double)dense[sc->dense]);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

Test(transform, moments_are_stable) {
    // 1e6 plus 0..9, 20,000 times: a sum of squares (2e16) keeps the spread
    // to a few digits only; Welford's update keeps it all: mean 1e6 + 4.5,
    // variance 8.25.
    char *text = malloc(1 << 20), *w = text;
    w += sprintf(w, "x,y\n");
    for (int i = 0; i < 20000; i++) w += sprintf(w, "%d,%d\n", 1000000 + i % 10, i % 2);
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    cr_assert(eq(int, fit_text(text, "y", &t, &p, &tab), SEER_OK), "%s", seer_error_message());
    cr_assert(epsilon_eq(dbl, t.col[0].mean, 1e6 + 4.5, 1e-7));
    cr_assert(epsilon_eq(dbl, t.col[0].std, sqrt(8.25), 1e-9), "std %.17g", t.col[0].std);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

// slog1p looks up whole numbers in a table: each must be the double log1p gives, with the
// sign of x (and -0 stays -0), and the values between them still go through log1p.
Test(transform, slog1p_table_matches_log1p) {
    for (int k = -5000; k <= 5000; k++) {
        double x = k, want = x >= 0 ? log1p(x) : -log1p(-x);
        cr_assert(eq(dbl, seer_slog1p(x), want), "k %d", k);
        cr_assert(eq(dbl, seer_slog1p(x + 0.5), x + 0.5 >= 0 ? log1p(x + 0.5) : -log1p(-x - 0.5)));
    }
    cr_assert(eq(int, signbit(seer_slog1p(-0.0)), signbit(-0.0)));
    cr_assert(eq(int, signbit(seer_slog1p(0.0)), 0));
    cr_assert(eq(dbl, seer_slog1p(1e300), log1p(1e300)));
    cr_assert(eq(dbl, seer_slog1p(4096), log1p(4096.0)));
    cr_assert(eq(dbl, seer_slog1p(-4095), -log1p(4095.0)));
}

// Piecewise-linear buckets (bucket_ple): x of make_table takes 0..9, ten values, so its ten
// buckets are the values' own, with edges half way between them and the outer ends at the
// training minimum 0 and maximum 9. A value fills the buckets below it, lies partly in its own
// and leaves the rest 0; missing is all 0 with the flag (training saw missing values). The
// buckets are dense values, not an embedding field, and survive the model file's JSON.
// make_table's rows, enough for buckets (2,000 a bucket), fitted with piecewise-linear buckets;
// returns the text (freed by the caller).
static char *fit_ple_table(seer_transform *t, seer_profile *p, seer_table **tab) {
    char *text = make_table(32000);
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    o.min_count = 2;
    o.bucket_ple = 1;
    cr_assert(eq(int, fit_text_with(text, &o, t, p, tab), SEER_OK), "%s", seer_error_message());
    return text;
}

Test(transform, piecewise_linear_buckets) {
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    char *text = fit_ple_table(&t, &p, &tab);
    const seer_column *x = &t.col[1];
    cr_assert(x->ple && x->n_edges == 9 && x->field == -1, "ten buckets as dense values");
    cr_assert(eq(sz, t.n_fields, 1), "only c is a field");
    cr_assert(eq(sz, t.n_dense, 12), "x, its 10 buckets and its missing flag");
    cr_assert(eq(long, x->ple_dense, 1));
    cr_assert(eq(long, x->flag, 11));
    cr_assert(ieee_ulp_eq(dbl, x->lo, 0.0, 0));
    cr_assert(ieee_ulp_eq(dbl, x->hi, 9.0, 0));
    const float want3[10] = {1, 1, 1, 0.5f, 0, 0, 0, 0, 0, 0};     // 3: half of [2.5, 3.5]
    const float want925[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};     // above the maximum
    const float want_low[10] = {0};                                // below the minimum
    const char *rows[] = {"c,x\nred,3\n", "c,x\nred,9.25\n", "c,x\nred,-4\n", "c,x\nred,\n",
                          "c,x\nred,0.25\n"};
    const float *want[] = {want3, want925, want_low, want_low};  // missing: 0 with the flag
    uint32_t ids[1];
    float dense[12];
    for (int r = 0; r < 4; r++) {
        encode_one(&t, rows[r], ids, dense);
        for (int k = 0; k < 10; k++)
            cr_assert(ieee_ulp_eq(flt, dense[1 + k], want[r][k], 0), "row %d bucket %d: %g", r, k,
                      (double)dense[1 + k]);
        cr_assert(ieee_ulp_eq(flt, dense[11], r == 3 ? 1.0f : 0.0f, 0), "the flag of row %d", r);
    }
    // A column whose training values were never missing has no flag: its missing value is the
    // training mean's (4.49995: one 7 of the 32,000 is missing, so the mean is below 4.5).
    seer_column *nx = &t.col[1];
    long flag = nx->flag;
    nx->flag = -1;
    encode_one(&t, rows[3], ids, dense);
    for (int k = 0; k < 10; k++) {
        float w = k < 4 ? 1.0f : k == 4 ? (float)(x->mean - 3.5) : 0.0f;
        cr_assert(ieee_ulp_eq(flt, dense[1 + k], w, 1), "missing without a flag, bucket %d: %g", k,
                  (double)dense[1 + k]);
    }
    nx->flag = flag;
    encode_one(&t, rows[4], ids, dense);  // 0.25: half of the first bucket [0, 0.5]
    cr_assert(ieee_ulp_eq(flt, dense[1], 0.5f, 0));
    cr_assert(ieee_ulp_eq(flt, dense[2], 0.0f, 0));
    // The model file's JSON keeps them (the categorical column's vocabulary is a tensor of the
    // file, so this reads back a copy without it).
    cJSON *written = seer_transform_json(&t);
    char *text_json = cJSON_PrintUnformatted(written);  // exact numbers are raw text till printed
    cJSON *j = cJSON_Parse(text_json);
    cJSON_Delete(written);
    free(text_json);
    cJSON *cols = cJSON_GetObjectItemCaseSensitive(j, "columns");
    cJSON_DeleteItemFromArray(cols, 2);
    seer_transform back;
    cr_assert(eq(int, seer_transform_json_load(&back, j, NULL, "m.seer"), SEER_OK), "%s",
              seer_error_message());
    const seer_column *bx = &back.col[1];
    cr_assert(bx->ple && bx->lo == x->lo && bx->hi == x->hi && bx->n_edges == 9);
    cr_assert(eq(sz, back.n_dense, 12));
    // Edges outside lo .. hi are refused, naming the key.
    cJSON *cx = cJSON_GetArrayItem(cols, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(cx, "hi", cJSON_CreateNumber(5));
    seer_transform bad;
    cr_assert(ne(int, seer_transform_json_load(&bad, j, NULL, "m.seer"), SEER_OK));
    cr_assert(strstr(seer_error_message(), "piecewise_linear") != NULL, "%s",
              seer_error_message());
    cJSON_Delete(j);
    seer_transform_free(&back);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

// The piecewise-linear buckets by the definition, one test per bucket: what the binary search
// of encode_ple must give, bit for bit.
static void ple_by_definition(const seer_column *c, double v, float *out) {
    for (size_t k = 0; k <= c->n_edges; k++) {
        double a = k == 0 ? c->lo : c->edges[k - 1], b = k == c->n_edges ? c->hi : c->edges[k];
        double x = v <= a ? 0.0 : v >= b ? 1.0 : (0.5 * v - 0.5 * a) / (0.5 * b - 0.5 * a);
        out[k] = (float)x;
    }
}

// On edges with repeats, lo equal to the first edge and hi to the last, values at, just beside,
// between and far beyond the edges give what the definition gives.
Test(transform, piecewise_linear_buckets_match_the_definition) {
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    char *text = fit_ple_table(&t, &p, &tab);
    seer_column *x = &t.col[1];
    cr_assert(x->ple && x->n_edges == 9 && !x->log);
    const double edges[9] = {0.5, 1, 1, 1, 2.5, 3.5, 3.5, 8, 9};
    memcpy(x->edges, edges, sizeof edges);
    x->lo = 0.5;
    x->hi = 9;
    double values[64];
    size_t n = 0;
    const double extra[] = {-1e308, -3, 0, 0.25, 0.75, 1.75, 3, 5, 8.5, 9.5, 1e308, 1e-300};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) values[n++] = extra[i];
    for (size_t i = 0; i < 9; i++) {
        values[n++] = edges[i];
        values[n++] = nextafter(edges[i], -INFINITY);
        values[n++] = nextafter(edges[i], INFINITY);
    }
    for (size_t i = 0; i < n; i++) {
        char row[96];
        snprintf(row, sizeof row, "c,x\nred,%.17g\n", values[i]);
        uint32_t ids[1];
        float dense[12], want[10];
        encode_one(&t, row, ids, dense);
        ple_by_definition(x, values[i], want);
        for (int k = 0; k < 10; k++)
            cr_assert(ieee_ulp_eq(flt, dense[1 + k], want[k], 0), "x = %.17g, bucket %d: %g, "
                      "not %g", values[i], k, (double)dense[1 + k], (double)want[k]);
    }
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

// Rows held packed (data/dense_pack.h) give back the values encoded, bit for bit: the column's
// ten buckets held as two floats, at edges, beside them, far beyond, below the minimum, missing
// with and without its flag; through a dataset too, a row at a time and a batch at a time.
Test(transform, packed_rows_give_back_the_values_encoded) {
    seer_transform t;
    seer_profile p;
    seer_table *tab;
    char *text = fit_ple_table(&t, &p, &tab);
    seer_column *x = &t.col[1];
    cr_assert(eq(sz, t.pack.n_dense, 12));
    cr_assert(eq(sz, t.pack.n_held, 4), "x, its buckets as two floats, its flag");
    const char *cases[] = {"-1e308", "-3", "0", "0.25", "0.5", "1", "2.4999999", "2.5", "3",
                           "4.49995", "8.999", "9", "9.25", "1e308", "", "NaN"};
    size_t n = sizeof cases / sizeof cases[0];
    seer_dataset d;
    seer_dataset_init(&d, t.n_slots, t.n_dense);
    seer_dataset_use_pack(&d, &t.pack);
    cr_assert(eq(sz, d.n_held, 4));
    cr_assert(eq(int, seer_dataset_reserve(&d, 2 * n), SEER_OK));
    float all[2 * 16 * 12];
    long flag = x->flag;
    for (size_t r = 0; r < 2 * n; r++) {
        // The second round without the flag: a missing value is the mean's buckets.
        x->flag = r < n ? flag : -1;
        char row[64];
        snprintf(row, sizeof row, "c,x\nred,%s\n", cases[r % n]);
        uint32_t ids[1];
        float dense[12], held[4], back[12];
        memset(back, 0xff, sizeof back);
        encode_one(&t, row, ids, dense);
        seer_dense_pack_row(&t.pack, dense, held);
        seer_dense_unpack_row(&t.pack, held, back);
        cr_assert(eq(int, memcmp(dense, back, sizeof dense), 0), "x = '%s'", cases[r % n]);
        seer_dataset_put_dense(&d, r, dense);
        memcpy(all + r * 12, dense, sizeof dense);
    }
    x->flag = flag;
    d.rows = 2 * n;
    float one[12], batch[2 * 16 * 12];
    for (size_t r = 0; r < 2 * n; r++) {
        seer_dataset_dense_row(&d, r, one);
        cr_assert(eq(int, memcmp(one, all + r * 12, sizeof one), 0), "row %zu", r);
    }
    const float *got = seer_dataset_dense_rows(&d, 3, 2 * n - 3, batch);
    cr_assert(eq(ptr, (void *)got, (void *)batch));
    cr_assert(eq(int, memcmp(got, all + 3 * 12, (2 * n - 3) * 12 * sizeof *got), 0));
    seer_dataset_free(&d);
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

// Whatever floats a held row holds (a row read back from a file): the values written out stay
// inside their block, and a block held as it is comes back as it was.
Test(dense_pack, any_held_floats_stay_in_their_block) {
    seer_dense_pack pk;
    const size_t starts[2] = {1, 8}, lens[2] = {5, 4};
    cr_assert(eq(int, seer_dense_pack_init(&pk, 14, starts, lens, 2), SEER_OK));
    cr_assert(eq(sz, pk.n_held, 1 + 2 + 2 + 2 + 2));
    // Runs: copy [0], block [1, 6), copy [6, 8), block [8, 12), copy [12, 14). The first block
    // may be written eight values a store (the row goes on to 14 >= 1 + 8), the second not.
    cr_assert(eq(sz, pk.n_runs, 5));
    cr_assert(pk.run[1].ple && pk.run[1].wide);
    cr_assert(pk.run[3].ple && !pk.run[3].wide);
    const float odd[] = {NAN, -1.0f, -0.0f, 0.5f, 2.7f, 5.0f, 6.0f, 1e30f, INFINITY, -INFINITY};
    for (size_t a = 0; a < sizeof odd / sizeof *odd; a++) {
        float held[9] = {7, odd[a], 0.25f, 11, 12, odd[a], 0.75f, 13, 14};
        float out[16];
        for (size_t i = 0; i < 16; i++) out[i] = -99.0f;
        seer_dense_unpack_row(&pk, held, out);
        cr_assert(eq(flt, out[0], 7.0f));
        cr_assert(eq(flt, out[6], 11.0f));
        cr_assert(eq(flt, out[7], 12.0f));
        cr_assert(eq(flt, out[12], 13.0f));
        cr_assert(eq(flt, out[13], 14.0f));
        cr_assert(eq(flt, out[14], -99.0f), "written past the row");
        for (size_t k = 1; k < 6; k++) cr_assert(ne(flt, out[k], -99.0f), "%zu unwritten", k);
    }
    seer_dense_pack_free(&pk);
    // Blocks of two values or fewer save nothing: no pack; nor for rows past the bound.
    const size_t short_lens[2] = {2, 1};
    cr_assert(eq(int, seer_dense_pack_init(&pk, 14, starts, short_lens, 2), SEER_OK));
    cr_assert(eq(sz, pk.n_runs, 0));
    const size_t far[1] = {10};
    cr_assert(eq(int, seer_dense_pack_init(&pk, SEER_PACK_DENSE_MAX + 1, far, lens, 1),
                 SEER_OK));
    cr_assert(eq(sz, pk.n_runs, 0));
}

// A column whose tokens are counted sketches its distinct values only once its counter
// overflows, from the counter's keys: its registers must be those of a sketch of every value.
Test(transform, sketch_after_counter_overflow_counts_every_value) {
    size_t n = 6000;
    char *s = malloc(32 + n * 24), *w = s;
    w += sprintf(w, "t,y\n");
    for (size_t i = 0; i < n; i++) w += sprintf(w, "tok%zu,%d\n", (i * 7919) % 2500, (int)(i % 2));
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    seer_table *tab;
    cr_assert(eq(int, seer_table_open_memory(&tab, s, strlen(s), "mem.csv", 0, &to), SEER_OK));
    seer_profile p;
    cr_assert(eq(int, seer_profile_init(&p, tab, "y"), SEER_OK));
    p.col[0].tokens.max_keys = 1000;  // overflows a little before the middle
    seer_hll want;
    memset(&want, 0, sizeof want);
    seer_row row;
    for (size_t i = 0; seer_table_next(tab, &row) == 1; i++) {
        cr_assert(eq(int, seer_profile_add(&p, &row), SEER_OK));
        seer_hll_add(&want, p.hash[0]);
        cr_assert(eq(int, p.col[0].hll_all, i >= 1000), "row %zu", i);
    }
    cr_assert(p.col[0].tokens.overflow);
    cr_assert(eq(int, memcmp(p.col[0].hll.reg, want.reg, sizeof want.reg), 0));
    double est = seer_hll_estimate(&p.col[0].hll);
    cr_assert(est > 2400 && est < 2600, "%g", est);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(s);
}

// The separator of multi-valued values is found wherever it sits in a value (the scan takes
// eight bytes at a time, then the tail), and bytes that differ from it by one bit are not it.
Test(transform, separator_found_at_every_place) {
    char text[8192], *w = text;
    w += sprintf(w, "t,y\n");
    for (int at = 0; at < 21; at++) {
        char tok[32];
        for (int k = 0; k < 21; k++) tok[k] = (char)('a' + k);
        tok[21] = 0;
        tok[at] = SEER_MULTI_SEP;
        w += sprintf(w, "%s,%d\n", tok, at % 2);
        for (int k = 0; k < 21; k++) tok[k] = (char)(SEER_MULTI_SEP ^ (1 << (k % 7)));
        w += sprintf(w, "%s,%d\n", tok, at % 2);  // '|' xor one bit: no separator
    }
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    seer_table *tab;
    cr_assert(eq(int, seer_table_open_memory(&tab, text, strlen(text), "mem.csv", 0, &to),
                 SEER_OK));
    seer_profile p;
    cr_assert(eq(int, seer_profile_init(&p, tab, "y"), SEER_OK));
    seer_row row;
    while (seer_table_next(tab, &row) == 1) cr_assert(eq(int, seer_profile_add(&p, &row), SEER_OK));
    cr_assert(eq(sz, p.col[0].present, 42));
    cr_assert(eq(sz, p.col[0].multi, 21));
    seer_profile_free(&p);
    seer_table_close(tab);
}
