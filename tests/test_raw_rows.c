// The one-pass encoding: the profile pass keeps every row's words (data/raw_rows.h) and the
// encoding pass reads them instead of the text. The rows must be the text's, byte for byte,
// and the words must be refused wherever they cannot give that.
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "base/threads.h"
#include "data/dataset.h"
#include "data/encode.h"
#include "data/profile.h"
#include "data/raw_rows.h"
#include "data/split.h"
#include "data/table.h"
#include "data/transform.h"

// A CSV of n rows: a text column with missing spellings and spaces, integer store ids that
// carry the label (the id rule makes them categorical), a heavy-tailed amount written in
// several forms, a count with missing values, a constant, and the label last.
static char *mixed_text(size_t n, uint64_t seed) {
    char *s = malloc(64 + n * 96), *w = s;
    w += sprintf(w, "cat,store,amount,count,const,y\n");
    seer_rng r;
    seer_rng_init(&r, seed);
    static const char *const cats[] = {"red", " green ", "blue", "", "NA", "tail%u", "?"};
    for (size_t i = 0; i < n; i++) {
        unsigned k = (unsigned)seer_rng_below(&r, 7), store = 101 + (unsigned)seer_rng_below(&r, 30);
        char cat[32];
        snprintf(cat, sizeof cat, cats[k], (unsigned)seer_rng_below(&r, 500));
        double u = seer_rng_uniform(&r);
        char amount[48];
        switch (seer_rng_below(&r, 5)) {
        case 0: snprintf(amount, sizeof amount, "%.3f", 1.0 / (u + 1e-4)); break;
        case 1: snprintf(amount, sizeof amount, "%.2e", -u * 1e6); break;
        case 2: snprintf(amount, sizeof amount, " %u ", (unsigned)(u * 5000)); break;
        case 3: snprintf(amount, sizeof amount, "null"); break;
        default: snprintf(amount, sizeof amount, "%.17g", u); break;
        }
        char count[16] = "";
        if (seer_rng_below(&r, 10)) snprintf(count, sizeof count, "%u", (unsigned)(u * 40));
        int y = seer_rng_uniform(&r) < (store % 3 == 0 ? 0.8 : 0.2) + 0.1 * u;
        w += sprintf(w, "%s,%u,%s,%s,7,%d\n", cat, store, amount, count, y);
    }
    return s;
}

// The default transform options with label y.
static seer_transform_options y_options(void) {
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    return o;
}

typedef struct {
    seer_table *tab;
    seer_profile prof;
    seer_raw_rows raw;
    seer_transform tf;
    size_t rows_read;
} one_pass;

// Profiles text keeping its words (at most max_bytes) with the split, and fits o.
static int profile_keeping(one_pass *op, const char *text, const seer_transform_options *o,
                           const seer_split *split, int skip_bad, size_t max_bytes) {
    seer_table_options to = {SEER_FORMAT_AUTO, skip_bad};
    memset(op, 0, sizeof *op);
    int rc = seer_table_open_memory(&op->tab, text, strlen(text), "mem.csv", 0, &to);
    if (rc == SEER_OK)
        rc = seer_profile_pass(&op->prof, op->tab, o->label, SEER_TASK_BINARY, split, skip_bad,
                               &op->rows_read, NULL, &op->raw, max_bytes);
    if (rc == SEER_OK) rc = seer_transform_fit(&op->tf, &op->prof, o);
    return rc;
}

static void one_pass_free(one_pass *op) {
    seer_transform_free(&op->tf);
    seer_profile_free(&op->prof);
    seer_raw_rows_free(&op->raw);
    seer_table_close(op->tab);
}

static void assert_same_rows(const seer_dataset *a, const seer_dataset *b) {
    cr_assert(eq(sz, a->rows, b->rows));
    cr_assert(eq(int, memcmp(a->ids, b->ids, a->rows * a->S * sizeof *a->ids), 0));
    cr_assert(eq(int, memcmp(a->dense, b->dense, a->rows * a->n_dense * sizeof *a->dense), 0));
    cr_assert(eq(int, memcmp(a->y, b->y, a->rows * sizeof *a->y), 0));
}

// Encodes op's rows from the words and from the text again (the table rewound), and checks
// they are the same bytes, training and held-out rows both.
static void words_equal_text(one_pass *op, const seer_split *split) {
    cr_assert(seer_transform_takes_words(&op->tf, &op->raw));
    seer_dataset wt, wv, tt, tv;
    seer_dataset_init(&wt, op->tf.n_slots, op->tf.n_dense);
    seer_dataset_init(&wv, op->tf.n_slots, op->tf.n_dense);
    seer_dataset_init(&tt, op->tf.n_slots, op->tf.n_dense);
    seer_dataset_init(&tv, op->tf.n_slots, op->tf.n_dense);
    cr_assert(eq(int, seer_dataset_load_words(&wt, &wv, &op->raw, &op->tf, split, NULL),
                 SEER_OK));
    size_t skipped = 0;
    cr_assert(eq(int, seer_table_rewind(op->tab), SEER_OK));
    cr_assert(eq(int, seer_dataset_load(&tt, &tv, op->tab, &op->tf, split, 1, 0, &skipped, NULL),
                 SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, wt.rows + wv.rows, op->rows_read));
    cr_assert(gt(sz, wv.rows, 0));
    assert_same_rows(&wt, &tt);
    assert_same_rows(&wv, &tv);
    seer_dataset_free(&wt);
    seer_dataset_free(&wv);
    seer_dataset_free(&tt);
    seer_dataset_free(&tv);
}

static void check_options(const seer_transform_options *o) {
    char *text = mixed_text(4000, 3);
    seer_split split = {0.2, 9};
    one_pass op;
    cr_assert(eq(int, profile_keeping(&op, text, o, &split, 0, SEER_RAW_ROWS_MAX_BYTES), SEER_OK),
              "%s", seer_error_message());
    // cat, store (ids by the rule), amount, count, const, y.
    const seer_col_kind kinds[] = {SEER_COL_CATEGORICAL, SEER_COL_CATEGORICAL, SEER_COL_NUMERIC,
                                   SEER_COL_NUMERIC, SEER_COL_IGNORED, SEER_COL_LABEL};
    for (size_t j = 0; j < 6; j++)
        cr_assert(eq(int, op.tf.col[j].kind, kinds[j]), "%s: %s", op.tf.col[j].name,
                  op.tf.col[j].reason);
    words_equal_text(&op, &split);
    one_pass_free(&op);
    free(text);
}

// Every kind of column the words can carry: vocabularies (the id rule's store among them),
// numbers with buckets as embedding rows, and the piecewise-linear buckets an mlp takes.
Test(raw_rows, words_encode_as_the_text) {
    seer_transform_options o = y_options();
    o.min_count = 2;
    check_options(&o);
    o.bucket_ple = 1;
    check_options(&o);
}

// Hashed columns, each its own table and one shared table.
Test(raw_rows, words_encode_hashed_columns_as_the_text) {
    seer_transform_options o = y_options();
    o.hash_buckets = 64;
    check_options(&o);
    o.hash_shared = 1;
    check_options(&o);
}

// More rows than the first mapping holds: it grows (moves), and the rows encoded give their
// pages back as the encoding goes, without touching the rows after them.
Test(raw_rows, words_survive_growing_and_release) {
    size_t n = 150000;
    char *s = malloc(32 + n * 24), *w = s;
    w += sprintf(w, "c,x,y\n");
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "t%zu,%zu,%d\n", (i * 7919) % 1000, i % 97, (int)((i * 31) % 7 < 3));
    seer_transform_options o = y_options();
    seer_split split = {0.1, 4};
    one_pass op;
    cr_assert(eq(int, profile_keeping(&op, s, &o, &split, 0, SEER_RAW_ROWS_MAX_BYTES), SEER_OK));
    cr_assert(eq(sz, op.raw.rows, n));
    cr_assert(ge(sz, op.raw.cap, n));
    words_equal_text(&op, &split);
    cr_assert(gt(sz, op.raw.released, 0));
    one_pass_free(&op);
    free(s);
}

// The rows are encoded by the calling thread's OpenMP threads, each writing its own rows:
// one thread and three give the same bytes, over several chunks and a hold-out.
Test(raw_rows, words_encode_alike_with_any_threads) {
    char *text = mixed_text(140000, 11);
    seer_transform_options o = y_options();
    o.bucket_ple = 1;
    seer_split split = {0.2, 3};
    seer_dataset d[2][2];
    for (int k = 0; k < 2; k++) {
        one_pass op;
        cr_assert(eq(int, profile_keeping(&op, text, &o, &split, 0, SEER_RAW_ROWS_MAX_BYTES),
                     SEER_OK));
        seer_dataset_init(&d[k][0], op.tf.n_slots, op.tf.n_dense);
        seer_dataset_init(&d[k][1], op.tf.n_slots, op.tf.n_dense);
        seer_threads_set(k ? 3 : 1);
        cr_assert(eq(int, seer_dataset_load_words(&d[k][0], &d[k][1], &op.raw, &op.tf, &split,
                                                  NULL), SEER_OK));
        one_pass_free(&op);
    }
    seer_threads_set(1);
    assert_same_rows(&d[0][0], &d[1][0]);
    assert_same_rows(&d[0][1], &d[1][1]);
    for (int k = 0; k < 2; k++) {
        seer_dataset_free(&d[k][0]);
        seer_dataset_free(&d[k][1]);
    }
    free(text);
}

static int refused(const char *text, const seer_transform_options *o, int skip_bad) {
    seer_split split = {0.0, 1};
    one_pass op;
    int rc = profile_keeping(&op, text, o, &split, skip_bad, SEER_RAW_ROWS_MAX_BYTES);
    cr_assert(eq(int, rc, SEER_OK), "%s", seer_error_message());
    int takes = seer_transform_takes_words(&op.tf, &op.raw);
    one_pass_free(&op);
    return !takes;
}

// Where the words cannot give what the text gives, the encoding pass must read the text:
// a value that is not a number in a numeric column (its error names line and column), a
// multi-valued column (its tokens), a vector column (its numbers), a row skipped for its label.
Test(raw_rows, words_refused_where_the_text_is_needed) {
    seer_transform_options o = y_options();
    o.min_count = 1;
    cr_assert(not(refused("a,b,y\n1,x,0\n2,y,1\n3,x,0\n4,y,1\n", &o, 0)));
    const char *const forced[] = {"b"};
    o.numeric = forced;
    o.n_numeric = 1;
    cr_assert(refused("a,b,y\n1,2,0\n2,3,1\n3,x,0\n4,5,1\n", &o, 0));
    o.numeric = NULL;
    o.n_numeric = 0;
    cr_assert(refused("a,t,y\n1,p|q,0\n2,q,1\n3,p|r,0\n4,r|q,1\n", &o, 0));
    cr_assert(refused("a,v,y\n1,0.1;0.2,0\n2,0.3;0.1,1\n3,0.5;0.5,0\n4,0.2;0.9,1\n", &o, 0));
    cr_assert(refused("a,b,y\n1,x,0\n2,y,1\n3,x,maybe\n4,y,1\n5,x,0\n", &o, 1));
}

// A held-out row is only read, not profiled; a bad label there is the encoding pass's to
// report (or skip), so the words of the file are dropped rather than the profile failing.
Test(raw_rows, held_out_bad_label_drops_the_words) {
    size_t n = 200;
    char *s = malloc(32 + n * 16), *w = s;
    w += sprintf(w, "a,y\n");
    seer_split split = {0.3, 2};
    size_t bad = 0;
    while (!seer_split_holds_out(&split, bad)) bad++;
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "%zu,%s\n", i % 5, i == bad ? "x" : i % 2 ? "1" : "0");
    seer_transform_options o = y_options();
    one_pass op;
    cr_assert(eq(int, profile_keeping(&op, s, &o, &split, 0, SEER_RAW_ROWS_MAX_BYTES), SEER_OK),
              "%s", seer_error_message());
    cr_assert(op.raw.dropped);
    cr_assert(not(seer_transform_takes_words(&op.tf, &op.raw)));
    one_pass_free(&op);
    free(s);
}

// Past its bytes the store drops the words; the profile is the one a pass without them gives.
Test(raw_rows, bytes_past_the_limit_drop_the_words) {
    char *text = mixed_text(3000, 5);
    seer_transform_options o = y_options();
    seer_split split = {0.0, 1};
    one_pass small, none;
    cr_assert(eq(int, profile_keeping(&small, text, &o, &split, 0, 4096), SEER_OK));
    cr_assert(small.raw.dropped);
    cr_assert(eq(ptr, small.raw.word, NULL));
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    memset(&none, 0, sizeof none);
    cr_assert(eq(int, seer_table_open_memory(&none.tab, text, strlen(text), "mem.csv", 0, &to),
                 SEER_OK));
    cr_assert(eq(int, seer_profile_pass(&none.prof, none.tab, "y", SEER_TASK_BINARY, &split, 0,
                                        &none.rows_read, NULL, NULL, 0), SEER_OK));
    cr_assert(eq(sz, small.prof.rows, none.prof.rows));
    for (size_t j = 0; j < none.prof.n_cols; j++) {
        cr_assert(eq(sz, small.prof.col[j].present, none.prof.col[j].present));
        cr_assert(eq(sz, small.prof.col[j].tokens.n, none.prof.col[j].tokens.n));
        cr_assert(eq(dbl, small.prof.col[j].num.mean, none.prof.col[j].num.mean));
    }
    one_pass_free(&small);
    one_pass_free(&none);
    free(text);
}

// A row skipped for its label counts nowhere in the profile, not even in the columns before
// the label (they were counted before the label was checked).
Test(raw_rows, skipped_row_counts_in_no_column) {
    const char *text = "a,b,y\n1,x,0\n2,y,1\n3,z,maybe\n4,y,1\n5,x,0\n";
    seer_transform_options o = y_options();
    o.min_count = 1;
    seer_split split = {0.0, 1};
    one_pass op;
    cr_assert(eq(int, profile_keeping(&op, text, &o, &split, 1, SEER_RAW_ROWS_MAX_BYTES),
                 SEER_OK));
    cr_assert(eq(sz, op.prof.rows, 4));
    cr_assert(eq(sz, op.prof.col[0].present, 4));
    cr_assert(eq(sz, op.prof.col[1].tokens.n, 2));  // x and y: z was on the skipped row
    cr_assert(eq(dbl, op.prof.col[0].max, 5.0));
    cr_assert(eq(dbl, op.prof.col[0].num.mean, 3.0));  // (1 + 2 + 4 + 5) / 4
    one_pass_free(&op);
}
