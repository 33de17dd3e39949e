#define _GNU_SOURCE  // sched_setaffinity
// The one-pass encoding: the profile pass keeps every row's words (data/raw_rows.h) and the
// encoding pass reads them instead of the text. The rows must be the text's, byte for byte,
// and the words must be refused wherever they cannot give that.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

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
#include "io/model.h"
#include "train/encode_ahead.h"
#include "train/train.h"
#include "slurp.h"

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
    if (!a->rows) return;  // no arrays to compare
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

// Pages of [p, p + bytes) in memory (p on a page).
static size_t resident_pages(const void *p, size_t bytes) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (bytes + page - 1) / page, in = 0;
    unsigned char *v = malloc(n);
    cr_assert(eq(int, mincore((void *)p, bytes, v), 0));
    for (size_t i = 0; i < n; i++) in += v[i] & 1;
    free(v);
    return in;
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
    size_t bytes = n * op.raw.words * sizeof *op.raw.word;
    cr_assert(gt(sz, resident_pages(op.raw.word, bytes), bytes / 4096 / 2));
    words_equal_text(&op, &split);
    // Only the pages shared by two chunks stay.
    cr_assert(lt(sz, resident_pages(op.raw.word, bytes), 8));
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

// A random permutation of 0 .. n-1.
static size_t *permutation(size_t n, uint64_t seed) {
    size_t *a = malloc((n + 1) * sizeof *a);
    seer_rng r;
    seer_rng_init(&r, seed);
    for (size_t i = 0; i < n; i++) a[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)seer_rng_below(&r, i), t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
    return a;
}

// The rows of text under split, encoded from the words in one pass into t and v (v unused
// without a hold-out).
static void encoded_in_one_pass(const char *text, const seer_transform_options *o,
                                const seer_split *split, seer_dataset *t, seer_dataset *v) {
    one_pass op;
    cr_assert(eq(int, profile_keeping(&op, text, o, split, 0, SEER_RAW_ROWS_MAX_BYTES),
                 SEER_OK));
    seer_dataset_init(t, op.tf.n_slots, op.tf.n_dense);
    seer_dataset_init(v, op.tf.n_slots, op.tf.n_dense);
    cr_assert(eq(int, seer_dataset_load_words(t, v, &op.raw, &op.tf, split, NULL), SEER_OK));
    one_pass_free(&op);
}

// Chunks of training rows, with the held-out rows among them, encoded in a shuffled order and
// alternately on one thread and on three: the bytes of the one pass in file order. The labels
// are all there before any chunk is. Hold-outs of 0 (no hold-out dataset at all), 30% and
// 95% (chunks mostly of held-out rows); chunks of 1 row, 7, 1,000, and more than the rows.
Test(raw_rows, chunks_in_any_order_encode_as_one_pass) {
    char *text = mixed_text(6000, 21);
    seer_transform_options o = y_options();
    o.bucket_ple = 1;
    const seer_split splits[] = {{0.0, 1}, {0.3, 5}, {0.95, 2}};
    const size_t chunks[] = {1, 7, 1000, 100000};
    for (size_t s = 0; s < 3; s++) {
        const seer_split *split = &splits[s];
        seer_dataset rt, rv;
        encoded_in_one_pass(text, &o, split, &rt, &rv);
        for (size_t k = 0; k < 4; k++) {
            one_pass op;
            cr_assert(eq(int, profile_keeping(&op, text, &o, split, 0, SEER_RAW_ROWS_MAX_BYTES),
                         SEER_OK));
            seer_dataset t, v;
            seer_dataset_init(&t, op.tf.n_slots, op.tf.n_dense);
            seer_dataset_init(&v, op.tf.n_slots, op.tf.n_dense);
            seer_word_chunks w;
            cr_assert(eq(int, seer_word_chunks_init(&w, &t, split->frac ? &v : NULL, &op.raw,
                                                    &op.tf, split, chunks[k]), SEER_OK));
            cr_assert(eq(sz, w.n_chunks, (rt.rows + chunks[k] - 1) / chunks[k]));
            cr_assert(eq(sz, t.rows, rt.rows));
            cr_assert(eq(sz, v.rows, rv.rows));
            cr_assert(eq(int, memcmp(t.y, rt.y, t.rows * sizeof *t.y), 0));
            if (v.rows) cr_assert(eq(int, memcmp(v.y, rv.y, v.rows * sizeof *v.y), 0));
            size_t *order = permutation(w.n_chunks, 100 + k);
            for (size_t c = 0; c < w.n_chunks; c++) {
                seer_threads_set(c % 2 ? 3 : 1);
                seer_word_chunks_encode(&w, order[c], c % 2);
            }
            seer_threads_set(1);
            assert_same_rows(&t, &rt);
            assert_same_rows(&v, &rv);
            free(order);
            seer_word_chunks_free(&w);
            seer_dataset_free(&t);
            seer_dataset_free(&v);
            one_pass_free(&op);
        }
        seer_dataset_free(&rt);
        seer_dataset_free(&rv);
    }
    free(text);
}

// The rows of chunk c (training rows only) of t and of r are the same bytes.
static void assert_same_chunk(const seer_dataset *t, const seer_dataset *r, size_t c,
                              size_t chunk) {
    size_t first = c * chunk, n = t->rows - first < chunk ? t->rows - first : chunk;
    cr_assert(eq(int, memcmp(t->ids + first * t->S, r->ids + first * r->S,
                             n * t->S * sizeof *t->ids), 0), "chunk %zu", c);
    cr_assert(eq(int, memcmp(t->dense + first * t->n_dense, r->dense + first * r->n_dense,
                             n * t->n_dense * sizeof *t->dense), 0), "chunk %zu", c);
}

// A thread encodes the chunks in its order (the reverse of the file's) while this one waits
// for them in the file's order: each chunk is whole when its wait returns, and in the end
// every row is the one pass's. The thread takes the words over. Abandoned at once, it stops
// after its chunk and frees everything (leaks: under AddressSanitizer).
Test(raw_rows, chunks_encoded_by_a_thread_beside) {
    char *text = mixed_text(30000, 8);
    seer_transform_options o = y_options();
    seer_split split = {0.25, 6};
    seer_dataset rt, rv;
    encoded_in_one_pass(text, &o, &split, &rt, &rv);
    for (int abandon = 0; abandon < 2; abandon++) {
        one_pass op;
        cr_assert(eq(int, profile_keeping(&op, text, &o, &split, 0, SEER_RAW_ROWS_MAX_BYTES),
                     SEER_OK));
        seer_dataset t, v;
        seer_dataset_init(&t, op.tf.n_slots, op.tf.n_dense);
        seer_dataset_init(&v, op.tf.n_slots, op.tf.n_dense);
        seer_word_chunks w;
        size_t chunk = 1000;
        cr_assert(eq(int, seer_word_chunks_init(&w, &t, &v, &op.raw, &op.tf, &split, chunk),
                     SEER_OK));
        size_t n = w.n_chunks, *order = malloc(n * sizeof *order);
        for (size_t c = 0; c < n; c++) order[c] = n - 1 - c;
        seer_encode_ahead *e;
        cr_assert(eq(int, seer_encode_ahead_start(&e, &w, &op.raw, order), SEER_OK));
        cr_assert(eq(ptr, op.raw.word, NULL));
        cr_assert(eq(ptr, w.raw_first, NULL));
        double waited = 0;
        for (size_t c = 0; c < n && !abandon; c++) {
            seer_encode_ahead_wait(e, c, &waited);
            assert_same_chunk(&t, &rt, c, chunk);
        }
        seer_encode_ahead_finish(&e, abandon);
        cr_assert(eq(ptr, e, NULL));
        if (!abandon) {
            assert_same_rows(&t, &rt);
            assert_same_rows(&v, &rv);
            cr_assert(ge(dbl, waited, 0.0));
        }
        free(order);
        seer_dataset_free(&t);
        seer_dataset_free(&v);
        one_pass_free(&op);
    }
    seer_dataset_free(&rt);
    seer_dataset_free(&rv);
    free(text);
}

// Runs this process on the first CPU it may run on (the rest of a run then has no CPU to
// spare), the affinity it had into *was.
static void only_one_cpu(cpu_set_t *was) {
    cpu_set_t one;
    cr_assert(eq(int, sched_getaffinity(0, sizeof *was, was), 0));
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, was)) {
            CPU_SET(c, &one);
            break;
        }
    cr_assert(eq(int, sched_setaffinity(0, sizeof one, &one), 0));
    cr_assert(eq(int, seer_cpus_available(), 1));
}

// An mlp trained on 140,000 rows (three shuffle chunks) with a hold-out, its file written to
// path; on one CPU when one_cpu (the rows then encoded before the first epoch), else as the
// machine allows (beside the first epoch where a CPU is spare).
static void train_to(const char *data, const char *path, int one_cpu) {
    cpu_set_t was;
    if (one_cpu) only_one_cpu(&was);
    seer_train_job o;
    seer_train_job_default(&o);
    o.data = data;
    o.tf.label = "y";
    o.epochs = 2;
    o.valid_frac = 0.2;
    o.batch = 512;
    o.quiet = 1;
    o.seed = 3;
    o.net.n_hidden = 2;
    o.net.hidden[0] = 16;
    o.net.hidden[1] = 8;
    seer_train_outcome r;
    seer_model *m = NULL;
    cr_assert(eq(int, seer_train_run(&o, &r, &m), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, r.epochs_run, 2));
    cr_assert(eq(int, seer_model_save(m, path), SEER_OK));
    seer_model_free(m);
    if (one_cpu) cr_assert(eq(int, sched_setaffinity(0, sizeof was, &was), 0));
}

// Training while a thread encodes the rows beside the first epoch gives the model of training
// after the encoding: the same file, byte for byte.
Test(raw_rows, training_beside_the_encoding_is_the_same_model) {
    char dir[] = "/tmp/seer_test_raw_rows_XXXXXX", data[96], a[96], b[96];
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
    snprintf(data, sizeof data, "%s/rows.csv", dir);
    snprintf(a, sizeof a, "%s/serial.seer", dir);
    snprintf(b, sizeof b, "%s/beside.seer", dir);
    char *text = mixed_text(140000, 13);
    FILE *f = fopen(data, "w");
    cr_assert(ne(ptr, f, NULL));
    fputs(text, f);
    fclose(f);
    free(text);
    if (seer_cpus_available() < 2)
        cr_log_warn("one CPU here: both runs encode before the first epoch");
    train_to(data, a, 1);
    train_to(data, b, 0);
    assert_same_files(a, b, "the model trained beside the encoding differs");
    unlink(data);
    unlink(a);
    unlink(b);
    rmdir(dir);
}

// A CSV holding everything whose counting needs the text, here and there among plain rows:
// a text column that turns multi-valued (a|b) after its first 3,000 rows, integer ids under a
// binary label, numbers with a text value now and then ("n/a"), vectors (0.5;7) in the first
// 2,000 rows of a column and now and then after, among numbers, and a label now and then bad
// (for skip_bad).
static char *counting_text(size_t n, int bad_labels) {
    char *s = malloc(64 + n * 96), *w = s;
    w += sprintf(w, "tags,store,amount,vec,y\n");
    seer_rng r;
    seer_rng_init(&r, 77);
    for (size_t i = 0; i < n; i++) {
        unsigned t = (unsigned)seer_rng_below(&r, 40);
        unsigned store = 100 + (unsigned)seer_rng_below(&r, 25);
        char tags[32], amount[32], vec[32];
        if (i > 3000 && seer_rng_below(&r, 5) == 0)
            snprintf(tags, sizeof tags, "t%u|t%u", t, t / 2);
        else snprintf(tags, sizeof tags, "t%u", t);
        if (seer_rng_below(&r, 400) == 0) snprintf(amount, sizeof amount, "n/a");
        else snprintf(amount, sizeof amount, "%.4f", seer_rng_uniform(&r) * 100);
        if (i < 2000 || seer_rng_below(&r, 300) == 0)
            snprintf(vec, sizeof vec, "%.1f;%.1f", 0.5, (double)t);
        else snprintf(vec, sizeof vec, "%u", t);
        int y = seer_rng_uniform(&r) < (store % 4 == 0 ? 0.7 : 0.2);
        int bad = bad_labels && seer_rng_below(&r, 997) == 0;
        w += sprintf(w, "%s,%u,%s,%s,", tags, store, amount, vec);
        w += bad ? sprintf(w, "x\n") : sprintf(w, "%d\n", y);
    }
    return s;
}

static void assert_same_moments(const seer_moments *a, const seer_moments *b) {
    cr_assert(eq(int, memcmp(a, b, sizeof *a), 0));
}

static void assert_same_counter(const seer_counter *a, const seer_counter *b) {
    cr_assert(eq(sz, a->n, b->n));
    cr_assert(eq(sz, a->cap, b->cap));
    cr_assert(eq(int, a->overflow, b->overflow));
    if (a->slots) cr_assert(eq(int, memcmp(a->slots, b->slots, a->cap * sizeof *a->slots), 0));
}

// Every statistic of two profiles is the same, bit for bit.
static void assert_same_profile(const seer_profile *a, const seer_profile *b) {
    cr_assert(eq(sz, a->rows, b->rows));
    cr_assert(eq(sz, a->label_pos, b->label_pos));
    cr_assert(eq(int, memcmp(&a->rng, &b->rng, sizeof a->rng), 0));
    for (size_t j = 0; j < a->n_cols; j++) {
        const seer_col_stats *x = &a->col[j], *y = &b->col[j];
        cr_assert(eq(sz, x->present, y->present), "%s", a->names[j]);
        cr_assert(eq(sz, x->missing, y->missing));
        cr_assert(eq(sz, x->numeric, y->numeric));
        assert_same_moments(&x->num, &y->num);
        assert_same_moments(&x->lnum, &y->lnum);
        cr_assert(eq(int, memcmp(&x->min, &y->min, 3 * sizeof x->min), 0));  // min, max, last
        cr_assert(eq(int, x->all_integer, y->all_integer));
        cr_assert(eq(int, x->increasing, y->increasing));
        cr_assert(eq(sz, x->first_text_line, y->first_text_line), "%s", a->names[j]);
        cr_assert(eq(sz, x->first_text_field, y->first_text_field));
        cr_assert(eq(str, (char *)x->first_text, (char *)y->first_text));
        cr_assert(eq(int, memcmp(&x->hll, &y->hll, sizeof x->hll), 0));
        assert_same_counter(&x->tokens, &y->tokens);
        cr_assert(eq(sz, x->n_sample, y->n_sample));
        cr_assert(eq(int, memcmp(x->sample, y->sample, x->n_sample * sizeof *x->sample), 0));
        if (x->sample_y) cr_assert(eq(int, memcmp(x->sample_y, y->sample_y, x->n_sample), 0));
        cr_assert(eq(sz, x->vectors, y->vectors), "%s", a->names[j]);
        cr_assert(eq(sz, x->vec_dims, y->vec_dims));
        for (size_t k = 0; k < x->vec_dims; k++) assert_same_moments(&x->vec[k], &y->vec[k]);
        cr_assert(eq(sz, x->multi, y->multi), "%s", a->names[j]);
        cr_assert(eq(sz, x->max_tokens, y->max_tokens));
        cr_assert(eq(sz, x->total_tokens, y->total_tokens));
        assert_same_counter(&x->parts, &y->parts);
        cr_assert(eq(int, x->ids.dropped, y->ids.dropped), "%s", a->names[j]);
        cr_assert(eq(sz, x->ids.n, y->ids.n));
        if (x->ids.slots)
            cr_assert(eq(int, memcmp(x->ids.slots, y->ids.slots,
                                     x->ids.cap * sizeof *x->ids.slots), 0));
    }
}

// The profile pass of text on this thread alone (one CPU) or reading here and counting on
// another (two CPUs, where the machine has them), into op.
static void profile_on(one_pass *op, const char *text, const seer_split *split, int skip_bad,
                       int one_cpu) {
    cpu_set_t was;
    if (one_cpu) only_one_cpu(&was);
    seer_table_options to = {SEER_FORMAT_AUTO, skip_bad};
    memset(op, 0, sizeof *op);
    size_t skipped = 0;
    cr_assert(eq(int, seer_table_open_memory(&op->tab, text, strlen(text), "mem.csv", 0, &to),
                 SEER_OK));
    cr_assert(eq(int, seer_profile_pass(&op->prof, op->tab, "y", SEER_TASK_BINARY, split,
                                        skip_bad, &op->rows_read, &skipped, &op->raw,
                                        SEER_RAW_ROWS_MAX_BYTES), SEER_OK), "%s",
              seer_error_message());
    if (one_cpu) cr_assert(eq(int, sched_setaffinity(0, sizeof was, &was), 0));
}

// Counting on a thread of its own (the rows read on this one) gives the one-thread profile to
// the bit, and the same words: with multi-valued values, text in numeric columns, vectors,
// ids and a hold-out; and with bad labels skipped (the words then dropped alike).
Test(raw_rows, counting_apart_is_the_one_thread_profile) {
    if (seer_cpus_available() < 2) cr_log_warn("one CPU here: both passes count on one thread");
    for (int bad = 0; bad < 2; bad++) {
        char *text = counting_text(20000, bad);
        seer_split split = {0.1, 4};
        one_pass a, b;
        profile_on(&a, text, &split, bad, 1);
        profile_on(&b, text, &split, bad, 0);
        cr_assert(eq(sz, a.rows_read, b.rows_read));
        assert_same_profile(&a.prof, &b.prof);
        cr_assert(eq(int, a.raw.dropped, b.raw.dropped));
        cr_assert(eq(int, a.raw.dropped, bad));
        cr_assert(eq(sz, a.raw.rows, b.raw.rows));
        if (!bad) {
            cr_assert(eq(sz, a.raw.rows, 20000));
            cr_assert(eq(int, memcmp(a.raw.word, b.raw.word,
                                     a.raw.rows * a.raw.words * sizeof *a.raw.word), 0));
        }
        // The profile saw what it was given.
        cr_assert(gt(sz, a.prof.col[0].multi, 0));
        cr_assert(gt(sz, a.prof.col[3].vectors, 1700));  // the training rows of the first 2,000
        cr_assert(eq(sz, a.prof.col[2].first_text_field, 3));
        one_pass_free(&a);
        one_pass_free(&b);
        free(text);
    }
}

// A table of 3,000 columns: blocks of 5 rows, the same profile either way.
Test(raw_rows, counting_apart_a_wide_table) {
    size_t cols = 3000, n = 60;
    char *s = malloc(32 + (n + 1) * cols * 8), *w = s;
    for (size_t j = 0; j < cols; j++) w += sprintf(w, "c%zu,", j);
    w += sprintf(w, "y\n");
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < cols; j++) w += sprintf(w, j % 3 ? "%zu," : "t%zu,", (i * j) % 7);
        w += sprintf(w, "%zu\n", i % 2);
    }
    seer_split split = {0.2, 1};
    one_pass a, b;
    profile_on(&a, s, &split, 0, 1);
    profile_on(&b, s, &split, 0, 0);
    assert_same_profile(&a.prof, &b.prof);
    cr_assert(eq(sz, a.raw.rows, n));
    cr_assert(eq(int, memcmp(a.raw.word, b.raw.word, n * a.raw.words * sizeof *a.raw.word), 0));
    one_pass_free(&a);
    one_pass_free(&b);
    free(s);
}
