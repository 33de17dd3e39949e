// Tests of SASRec (rec/sasrec*.c) and of the `--format seq` reader (data/sequences.c).
//
// The network against tests/golden/sasrec_model.bin (tests/ref/sasrec_model_ref.py:
// bench/torch_sasrec.py's model in float64, a padded batch of 3 users): the final states,
// the loss and every parameter's gradient, then the losses and weights of 5 Adam steps.
// The float32 network over two blocks agrees to about 1e-6 relative; the tolerances below
// (1e-4 relative, 1e-5 absolute) leave a margin and catch any wrong term. Then: a later
// item never moves an earlier output, training learns a pattern a tiny catalogue makes
// plain, and the reader's refusals name file:line:column.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address_space.h"
#include "base/error.h"
#include "base/rng.h"
#include "data/sequences.h"
#include "golden.h"
#include "nn/adam.h"
#include "nn/softmax_ce.h"
#include "rec/sasrec.h"
#include "rec/sasrec_train.h"
#include "seer/recommend.h"
#include "tmpdir.h"

#define M_RTOL 1e-4
#define M_ATOL 1e-5

static void open_model_golden(golden *g) {
    cr_assert(eq(int, golden_open(g, "tests/golden/sasrec_model.bin"), 0),
              "cannot read the golden; run tests from the repo root");
}

static void expect_close(const char *what, const float *got, const float *want, size_t n) {
    golden_diff d = golden_compare(got, want, n, M_RTOL, M_ATOL);
    cr_assert(d.n_bad == 0, "%s: %zu bad, first [%zu] got %.8g want %.8g (max abs %.3g)", what,
              d.n_bad, d.first, d.first_got, d.first_want, d.max_abs);
}

// The golden's network and batch: weights copied, 3 sequences packed.
typedef struct {
    seer_sasrec_config c;
    float *item, *rest, *g_item, *g_rest, *m, *v;
    seer_sasrec_params p, g;
    seer_sasrec_work w;
    size_t n_item, n_rest, T;
} model_case;

static void case_open(model_case *k, const golden *gd) {
    k->c = (seer_sasrec_config){9, 4, 8, 2, 2, 0.0f};
    k->n_item = 9 * 8;
    k->n_rest = seer_sasrec_rest_size(&k->c);
    cr_assert(eq(sz, golden_numel(gd, "rest"), k->n_rest));
    size_t n = k->n_item + k->n_rest;
    k->item = calloc(4 * n, sizeof(float));
    k->rest = k->item + k->n_item;
    k->g_item = k->item + n;
    k->g_rest = k->g_item + k->n_item;
    k->m = k->item + 2 * n;
    k->v = k->item + 3 * n;
    memcpy(k->item, golden_get(gd, "item"), k->n_item * sizeof(float));
    memcpy(k->rest, golden_get(gd, "rest"), k->n_rest * sizeof(float));
    seer_sasrec_bind(&k->p, k->item, k->rest, &k->c);
    seer_sasrec_bind(&k->g, k->g_item, k->g_rest, &k->c);
    cr_assert(eq(int, seer_sasrec_work_init(&k->w, &k->c, 3, 4), SEER_OK));
    static const uint32_t off[4] = {0, 4, 6, 9};
    memcpy(k->w.off, off, sizeof off);
    k->T = 9;
    const float *x = golden_get(gd, "x"), *t = golden_get(gd, "target");
    for (size_t i = 0; i < k->T; i++) {
        k->w.item[i] = (uint32_t)x[i];
        k->w.target[i] = (uint32_t)t[i];
    }
}

static void case_close(model_case *k) {
    seer_sasrec_work_free(&k->w);
    free(k->item);
}

// Forward, the mean cross-entropy over the catalogue and the backward; returns the loss.
static double case_step(model_case *k) {
    seer_sasrec_forward(&k->p, &k->c, &k->w, 3, NULL);
    memset(k->g_item, 0, (k->n_item + k->n_rest) * sizeof(float));
    memset(k->w.dh, 0, k->T * 8 * sizeof(float));
    double loss = seer_softmax_ce_full(k->w.dh, k->g_item, k->w.ce_scratch, k->w.h, k->item,
                                       k->w.target, k->T, 9, 8, 4, 1.0f / (float)k->T);
    seer_sasrec_backward(&k->g, &k->p, &k->c, &k->w, 3);
    return loss / (double)k->T;
}

Test(sasrec, model_golden_forward_backward) {
    golden gd;
    open_model_golden(&gd);
    model_case k;
    case_open(&k, &gd);
    double loss = case_step(&k);
    expect_close("h", k.w.h, golden_get(&gd, "h"), k.T * 8);
    cr_assert(fabs(loss - golden_get(&gd, "loss")[0]) < 1e-5, "loss %.8g", loss);
    expect_close("g_item", k.g_item, golden_get(&gd, "g_item"), k.n_item);
    expect_close("g_rest", k.g_rest, golden_get(&gd, "g_rest"), k.n_rest);
    case_close(&k);
    golden_close(&gd);
}

Test(sasrec, model_golden_adam_steps) {
    golden gd;
    open_model_golden(&gd);
    model_case k;
    case_open(&k, &gd);
    const float *losses = golden_get(&gd, "losses");
    seer_adam_config a = {1e-2f, 0.9f, 0.98f, 1e-8f};
    for (long s = 1; s <= 5; s++) {
        double loss = case_step(&k);
        cr_assert(fabs(loss - losses[s - 1]) < 1e-4 * fmax(1.0, fabs(losses[s - 1])),
                  "step %ld: loss %.8g want %.8g", s, loss, losses[s - 1]);
        seer_adam_step(k.item, k.m, k.v, k.g_item, k.n_item, &a, s, NULL);
        seer_adam_step(k.rest, k.m + k.n_item, k.v + k.n_item, k.g_rest, k.n_rest, &a, s, NULL);
    }
    expect_close("item_5", k.item, golden_get(&gd, "item_5"), k.n_item);
    // The key bias adds q . bk to every score of a query's row, which the softmax ignores:
    // its gradient is 0 up to rounding (1e-9 here, 1e-17 in float64), and Adam divides that
    // noise by its own size, so bk moves by +-lr in directions rounding decides. Compared
    // everywhere else.
    const float *want = golden_get(&gd, "rest_5");
    size_t at = 0;
    for (size_t b = 0; b < k.c.blocks; b++) {
        size_t bk = (size_t)(k.p.blk[b].bk - k.rest);
        expect_close("rest_5", k.rest + at, want + at, bk - at);
        at = bk + 8;
    }
    expect_close("rest_5", k.rest + at, want + at, k.n_rest - at);
    case_close(&k);
    golden_close(&gd);
}

// The whole network, not only its attention: changing the latest item of the first
// sequence moves none of that sequence's earlier states, nor another sequence's.
Test(sasrec, later_item_does_not_move_earlier_outputs) {
    golden gd;
    open_model_golden(&gd);
    model_case k;
    case_open(&k, &gd);
    seer_sasrec_forward(&k.p, &k.c, &k.w, 3, NULL);
    float before[9 * 8];
    memcpy(before, k.w.h, sizeof before);
    k.w.item[3] = (k.w.item[3] + 4) % 9;
    seer_sasrec_forward(&k.p, &k.c, &k.w, 3, NULL);
    cr_assert(eq(int, memcmp(before, k.w.h, 3 * 8 * sizeof(float)), 0), "earlier rows moved");
    cr_assert(eq(int, memcmp(before + 4 * 8, k.w.h + 4 * 8, 5 * 8 * sizeof(float)), 0));
    cr_assert(memcmp(before + 3 * 8, k.w.h + 3 * 8, 8 * sizeof(float)) != 0);
    case_close(&k);
    golden_close(&gd);
}

// ---- training ---------------------------------------------------------------------------------

// 60 users walking a ring of 20 items one step at a time from random starts: the next item
// is always the current one plus 1, which the model must learn (HR@10 near 1, chance 0.5).
static void ring(uint64_t *off, uint32_t *items, size_t users, size_t len) {
    seer_rng r;
    seer_rng_init(&r, 3);
    for (size_t u = 0; u < users; u++) {
        off[u] = u * len;
        uint32_t s = (uint32_t)seer_rng_below(&r, 20);
        for (size_t k = 0; k < len; k++) items[u * len + k] = (s + (uint32_t)k) % 20;
    }
    off[users] = users * len;
}

static void train_ring(seer_sasrec_loss loss, double *hr10) {
    uint64_t off[61];
    uint32_t items[60 * 8];
    ring(off, items, 60, 8);
    seer_sasrec_options o;
    seer_sasrec_options_default(&o, 20);
    o.net.maxlen = 6;
    o.net.dim = 16;
    o.net.dropout = 0.1f;
    o.batch = 16;
    o.epochs = 40;
    o.lr = 1e-2f;
    o.loss = loss;
    o.negatives = 8;
    o.quiet = 1;
    float item[20 * 16], *rest = malloc(seer_sasrec_rest_size(&o.net) * sizeof(float));
    seer_sasrec_report r;
    cr_assert(eq(int, seer_sasrec_train(item, rest, &o, off, items, 60, &r), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(sz, r.users_evaluated, 60));
    cr_assert(eq(sz, r.train_positions, 60 * 5));
    *hr10 = r.hr[1];
    free(rest);
}

Test(sasrec, train_learns_the_next_item) {
    double hr10;
    train_ring(SEER_SASREC_LOSS_SOFTMAX, &hr10);
    cr_assert(hr10 > 0.9, "hr@10 %.3f", hr10);
}

Test(sasrec, train_sampled_softmax_learns_the_next_item) {
    double hr10;
    train_ring(SEER_SASREC_LOSS_SAMPLED, &hr10);
    cr_assert(hr10 > 0.9, "hr@10 %.3f", hr10);
}

Test(sasrec, options_refused_by_name) {
    seer_sasrec_options o;
    seer_sasrec_options_default(&o, 10);
    o.net.heads = 3;
    cr_assert(eq(int, seer_sasrec_options_check(&o), SEER_EINVAL));
    cr_assert(strstr(seer_error_message(), "--heads 3") != NULL, "%s", seer_error_message());
    seer_sasrec_options_default(&o, 10);
    o.net.maxlen = 0;
    cr_assert(eq(int, seer_sasrec_options_check(&o), SEER_EINVAL));
    cr_assert(strstr(seer_error_message(), "--maxlen") != NULL);
    seer_sasrec_options_default(&o, 10);
    o.net.maxlen = 1000;
    o.net.dim = 512;
    cr_assert(eq(int, seer_sasrec_options_check(&o), SEER_EINVAL));
    cr_assert(strstr(seer_error_message(), "to score") != NULL, "%s", seer_error_message());
}

Test(sasrec, no_user_long_enough_is_a_data_error) {
    uint64_t off[3] = {0, 3, 6};
    uint32_t items[6] = {0, 1, 2, 2, 1, 0};
    seer_sasrec_options o;
    seer_sasrec_options_default(&o, 3);
    o.quiet = 1;
    float item[3 * 64], *rest = malloc(seer_sasrec_rest_size(&o.net) * sizeof(float));
    seer_sasrec_report r;
    cr_assert(eq(int, seer_sasrec_train(item, rest, &o, off, items, 2, &r), SEER_EDATA));
    free(rest);
}

// Where the trainer's buffers cannot be had, training is out of memory, not a fault: the
// parameters were initialised through pointers never bound (`seer train --model sasrec` of
// 57,196 interactions under `ulimit -v` 60,000-62,000 KB: SIGSEGV).
Test(sasrec, no_memory_for_the_trainer_is_out_of_memory) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("ASan reserves the address space an rlimit would measure");
#endif
    uint64_t off[61];
    uint32_t items[60 * 8];
    ring(off, items, 60, 8);
    seer_sasrec_options o;
    seer_sasrec_options_default(&o, 500000);   // 4 copies of 16 M parameters: 256 MB
    o.net.dim = 32;
    o.quiet = 1;
    float *item = malloc((size_t)500000 * 32 * sizeof(float));
    float *rest = malloc(seer_sasrec_rest_size(&o.net) * sizeof(float));
    cr_assert(item && rest);
    address_space_leave((size_t)64 << 20);
    seer_sasrec_report r;
    cr_assert(eq(int, seer_sasrec_train(item, rest, &o, off, items, 60, &r), SEER_ENOMEM), "%s",
              seer_error_message());
    cr_assert(strstr(seer_error_message(), "out of memory") != NULL, "%s", seer_error_message());
    free(rest);
    free(item);
}

// ---- the reader -------------------------------------------------------------------------------

static int read_text(seer_interactions *x, const char *text, int skip, seer_idmap *u,
                     seer_idmap *i) {
    seer_source *src;
    seer_idmap_init(u);
    seer_idmap_init(i);
    cr_assert(eq(int, seer_source_open_memory(&src, text, strlen(text), "mem.txt", 0), SEER_OK));
    int rc = seer_sequences_read_source(x, src, skip, u, i);
    seer_source_close(src);
    return rc;
}

Test(sasrec, seq_reader_builds_each_users_sequence) {
    seer_interactions x;
    seer_idmap u, i;
    int rc = read_text(&x, "u1 a b c\r\n\nu2\tb  d\nu1 e\n", 0, &u, &i);
    cr_assert(eq(int, rc, SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, x.n, 6));
    cr_assert(eq(sz, u.n, 2));
    cr_assert(eq(sz, i.n, 5));
    uint64_t *off;
    uint32_t *seq;
    cr_assert(eq(int, seer_sequences_csr(&x, u.n, &off, &seq), SEER_OK));
    cr_assert(eq(u64, off[1], 4));   // u1: a b c e (its second line continues it)
    cr_assert(eq(str, (char *)seer_idmap_name(&i, seq[3]), "e"));
    cr_assert(eq(str, (char *)seer_idmap_name(&i, seq[5]), "d"));
    free(off);
    free(seq);
    seer_interactions_free(&x);
    seer_idmap_free(&u);
    seer_idmap_free(&i);
}

Test(sasrec, seq_reader_names_a_user_without_items) {
    seer_interactions x;
    seer_idmap u, i;
    cr_assert(eq(int, read_text(&x, "1 2 3\n7  \n", 0, &u, &i), SEER_EDATA));
    cr_assert(strstr(seer_error_message(), "mem.txt:2:") != NULL, "%s", seer_error_message());
    cr_assert(strstr(seer_error_message(), "no item") != NULL, "%s", seer_error_message());
    seer_idmap_free(&u);
    seer_idmap_free(&i);
    cr_assert(eq(int, read_text(&x, "1 2 3\n7\n8 9\n", 1, &u, &i), SEER_OK));
    cr_assert(eq(sz, x.skipped, 1));
    cr_assert(eq(sz, x.n, 3));
    seer_interactions_free(&x);
    seer_idmap_free(&u);
    seer_idmap_free(&i);
}

Test(sasrec, seq_reader_refuses_an_empty_file) {
    seer_interactions x;
    seer_idmap u, i;
    cr_assert(eq(int, read_text(&x, "\n\n", 0, &u, &i), SEER_EDATA));
    cr_assert(strstr(seer_error_message(), "no sequences") != NULL, "%s", seer_error_message());
    seer_idmap_free(&u);
    seer_idmap_free(&i);
}

// The wrapped message of the id map reads whole: seer_errorf used to format into the buffer
// it was given as an argument ("f.txt:1:1: user: f.txt:1:1: user: ").
Test(sasrec, seq_reader_names_a_bad_id_once) {
    static const char text[] = "u\0x 1 2\n";
    seer_source *src;
    seer_idmap u, i;
    seer_idmap_init(&u);
    seer_idmap_init(&i);
    const char *name = "/work/tmp/a/sequences-with-a-bad-id.txt";
    cr_assert(eq(int, seer_source_open_memory(&src, text, sizeof text - 1, name, 0), SEER_OK));
    seer_interactions x;
    cr_assert(eq(int, seer_sequences_read_source(&x, src, 0, &u, &i), SEER_EDATA));
    seer_source_close(src);
    cr_assert(eq(str, (char *)seer_error_message(),
                 "/work/tmp/a/sequences-with-a-bad-id.txt:1:1: user: an id holding a NUL byte"));
    seer_idmap_free(&u);
    seer_idmap_free(&i);
}

// ---- as a recommender ---------------------------------------------------------------------------

// The ring of train_ring as a `--format seq` file of users u0 .. u59.
static void write_ring(const char *path) {
    uint64_t off[61];
    uint32_t items[60 * 8];
    ring(off, items, 60, 8);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    for (size_t u = 0; u < 60; u++) {
        fprintf(f, "u%zu", u);
        for (size_t k = 0; k < 8; k++) fprintf(f, " i%u", items[u * 8 + k]);
        fprintf(f, "\n");
    }
    fclose(f);
}

static void top(const seer_recommender *r, const seer_rec_request *q, seer_rec_item *out,
                seer_rec_source want) {
    size_t n;
    seer_rec_source src;
    cr_assert(eq(int, seer_rec_recommend(r, q, out, &n, &src), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(sz, n, 5));
    cr_assert(eq(int, (int)src, (int)want));
}

// A known user is scored from its stored sequence; the same items given as a new session's
// recent items score the same; the model file gives the same scores after a round trip; and
// the next item of the ring comes first.
Test(sasrec, recommend_from_history_recent_and_file_agree) {
    char dir[] = "/tmp/seer_test_sasrec_XXXXXX", data[64], model[64];
    cr_assert(mkdtemp(dir) != NULL);
    snprintf(data, sizeof data, "%s/ring.txt", dir);
    snprintf(model, sizeof model, "%s/ring.seer", dir);
    write_ring(data);
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, SEER_REC_SASREC);
    o.data = data;
    o.format = SEER_FORMAT_SEQ;
    o.dim = 16;
    o.maxlen = 6;
    o.epochs = 30;
    o.batch = 16;
    o.lr = 1e-2f;
    o.dropout = 0.1f;
    o.quiet = 1;
    seer_recommender *r, *back;
    seer_rec_train_report rep;
    cr_assert(eq(int, seer_rec_train(&o, &r, &rep), SEER_OK), "%s", seer_error_message());
    cr_assert(rep.has_test && rep.test_users == 60 && rep.test_hr[1] > 0.9, "hr@10 %.3f",
              rep.test_hr[1]);
    cr_assert(eq(int, seer_rec_save(r, model), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, seer_rec_load(&back, model), SEER_OK), "%s", seer_error_message());
    seer_rec_item a[5], b[5], c[5];
    seer_rec_request q = {.user = "u0", .k = 5, .include_seen = 1};
    top(r, &q, a, SEER_REC_FROM_HISTORY);
    top(back, &q, c, SEER_REC_FROM_HISTORY);
    const char *recent[8];
    size_t n = seer_rec_user_count(r);
    cr_assert(eq(sz, n, 60));
    uint32_t last = 0;
    FILE *f = fopen(data, "r");
    char line[256];
    cr_assert(fgets(line, sizeof line, f) != NULL);   // u0's line
    fclose(f);
    static char ids[8][8];
    size_t k = 0;
    for (char *t = strtok(line + 3, " \n"); t && k < 8; t = strtok(NULL, " \n"), k++) {
        snprintf(ids[k], sizeof ids[k], "%s", t);
        recent[k] = ids[k];
        last = (uint32_t)atoi(t + 1);
    }
    seer_rec_request qr = {.user = NULL, .k = 5, .include_seen = 1, .recent_items = recent,
                           .n_recent = k};
    top(r, &qr, b, SEER_REC_FROM_FEATURES);
    for (int i = 0; i < 5; i++) {
        cr_assert(eq(str, (char *)a[i].item, (char *)b[i].item));
        cr_assert(eq(flt, a[i].score, b[i].score));
        cr_assert(eq(str, (char *)a[i].item, (char *)c[i].item));
        cr_assert(eq(flt, a[i].score, c[i].score));
    }
    char next[8];
    snprintf(next, sizeof next, "i%u", (last + 1) % 20);
    cr_assert(eq(str, (char *)a[0].item, next));
    seer_rec_free(back);
    seer_rec_free(r);
    remove_tree(dir);
}
