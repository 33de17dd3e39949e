// Recommenders, inside: id maps, interaction logs (errors name file:line:column), top-K,
// ranking metrics against hand-computed cases, mf's gradient, the model file's round trip and
// its damage, and recommending to unknown users. The MovieLens figures are test_rec_data.c's.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "data/idmap.h"
#include "data/interactions.h"
#include "io/rec_file.h"
#include "rec/mf.h"
#include "rec/rank_metrics.h"
#include "rec/recommender.h"
#include "rec/topk.h"
#include "seer/recommend.h"
#include "tmpdir.h"

static char dir[64];

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/seer_rec_XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
}
static void teardown(void) { remove_tree(dir); }

static const char *write_file(const char *name, const char *text) {
    static char path[8][256];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    cr_assert(f != NULL);
    fputs(text, f);
    fclose(f);
    return p;
}

TestSuite(rec, .init = setup, .fini = teardown);

Test(rec, idmap_strings_and_integers_round_trip) {
    seer_idmap m;
    seer_idmap_init(&m);
    const char *ids[] = {"42", "alice", "007", "7", "42", "alice"};
    uint32_t idx[6];
    for (int i = 0; i < 6; i++) cr_assert(eq(int, seer_idmap_add(&m, ids[i], strlen(ids[i]), &idx[i], NULL), 0));
    cr_assert(eq(u32, idx[0], 0));
    cr_assert(eq(u32, idx[3], 3));   // "7" and "007" are two ids
    cr_assert(eq(u32, idx[4], 0));
    cr_assert(eq(u32, idx[5], 1));
    cr_assert(eq(str, (char *)seer_idmap_name(&m, 2), "007"));
    cr_assert(eq(long, seer_idmap_find(&m, "nobody", 6), -1));
    for (uint32_t i = 0; i < 5000; i++) {   // growth through several rehashes
        char b[16];
        int n = snprintf(b, sizeof b, "u%u", i);
        uint32_t x;
        cr_assert(eq(int, seer_idmap_add(&m, b, (size_t)n, &x, NULL), 0));
    }
    seer_idmap c;
    cr_assert(eq(int, seer_idmap_copy(&c, &m), 0));
    cr_assert(eq(long, seer_idmap_find(&c, "u4999", 5), (long)m.n - 1));
    cr_assert(eq(int, seer_idmap_add(&m, "", 0, &idx[0], NULL), SEER_EDATA));
    seer_idmap_free(&c);
    seer_idmap_free(&m);
}

static int read_log(const char *text, seer_format f, seer_interactions *x, seer_idmap *u,
                    seer_idmap *i, const char *rating) {
    seer_interactions_options o = {f, NULL, NULL, NULL, rating, 0};
    seer_idmap_init(u);
    seer_idmap_init(i);
    return seer_interactions_read_memory(x, text, strlen(text), "log", &o, u, i);
}

Test(rec, movielens_tab_and_double_colon) {
    seer_interactions x;
    seer_idmap u, i;
    cr_assert(eq(int, read_log("1\t50\t5\t881250949\n2\t50\t4\t881250950\n", SEER_FORMAT_MOVIELENS,
                               &x, &u, &i, NULL), 0));
    cr_assert(eq(sz, x.n, 2));
    cr_assert(eq(sz, i.n, 1));
    cr_assert(eq(flt, x.rating[1], 4.0f));
    seer_interactions_free(&x);
    seer_idmap_free(&u);
    seer_idmap_free(&i);
    cr_assert(eq(int, read_log("1::1193::5::978300760\n1::661::3::978302109\n",
                               SEER_FORMAT_MOVIELENS, &x, &u, &i, NULL), 0));
    cr_assert(eq(str, (char *)seer_idmap_name(&i, 1), "661"));
    cr_assert(eq(dbl, x.time[1], 978302109.0));
    seer_interactions_free(&x);
    seer_idmap_free(&u);
    seer_idmap_free(&i);
}

Test(rec, bad_lines_name_file_line_column) {
    seer_interactions x;
    seer_idmap u, i;
    cr_assert(eq(int, read_log("1\t50\t5\t1\n2\t51\tfive\t2\n", SEER_FORMAT_MOVIELENS, &x, &u, &i,
                               NULL), SEER_EDATA));
    cr_assert(eq(str, (char *)seer_error_message(), "log:2:6: rating 'five' is not a number"));
    seer_idmap_free(&u);
    seer_idmap_free(&i);
    cr_assert(eq(int, read_log("1\t50\t5\n", SEER_FORMAT_MOVIELENS, &x, &u, &i, NULL), SEER_EDATA));
    cr_assert(strstr(seer_error_message(), "log:1:") != NULL, "%s", seer_error_message());
    seer_idmap_free(&u);
    seer_idmap_free(&i);
    cr_assert(eq(int, read_log("user,item,stars\na,x,1\nb,y,zz\n", SEER_FORMAT_CSV, &x, &u, &i,
                               "stars"), SEER_EDATA));
    cr_assert(eq(str, (char *)seer_error_message(), "log:3:5: rating 'zz' is not a number"));
    seer_idmap_free(&u);
    seer_idmap_free(&i);
    cr_assert(eq(int, read_log("who,what\na,x\n", SEER_FORMAT_CSV, &x, &u, &i, NULL), SEER_EINVAL));
    cr_assert(strstr(seer_error_message(), "--user 'user' is no column") != NULL);
    seer_idmap_free(&u);
    seer_idmap_free(&i);
    cr_assert(eq(int, read_log("", SEER_FORMAT_MOVIELENS, &x, &u, &i, NULL), SEER_EDATA));
    seer_idmap_free(&u);
    seer_idmap_free(&i);
}

// With skip_bad_rows, a row the table cannot split is skipped and counted with the lines
// add refuses; a broken stream is not a row and stops the read. This zstd frame announces a
// raw block of 64,026 bytes and holds 42: skipping its error as a row read the same sticky
// error again forever (a fuzz finding).
Test(rec, skipped_rows_counted_and_a_broken_stream_stops, .timeout = 30) {
    seer_interactions x;
    seer_idmap u, i;
    seer_interactions_options o = {SEER_FORMAT_CSV, NULL, NULL, NULL, NULL, 1};
    seer_idmap_init(&u);
    seer_idmap_init(&i);
    const char *log = "user,item\nann,apple\nbob,pear,extra\n,kiwi\ndee,fig\n";
    cr_assert(eq(int, seer_interactions_read_memory(&x, log, strlen(log), "log", &o, &u, &i),
                 SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, x.n, 2));        // ann and dee
    cr_assert(eq(sz, x.skipped, 2));  // the extra field (the table's), the empty user (add's)
    cr_assert(strstr(x.first_bad, "log:") != NULL, "%s", x.first_bad);
    seer_interactions_free(&x);
    seer_idmap_free(&u);
    seer_idmap_free(&i);
    static const unsigned char broken[] = {
        0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x43, 0xd0, 0xd0, 0x07, 0x75, 0x73, 0x65, 0x72, 0x2c,
        0x69, 0x74, 0x65, 0x6d, 0x2c, 0x72, 0x61, 0x74, 0x69, 0x6e, 0x67, 0x2c, 0x74, 0x69,
        0x6d, 0x65, 0x0a, 0x61, 0x6e, 0x6e, 0x2c, 0x61, 0x70, 0x70, 0x6c, 0x65, 0x2c, 0xd0,
        0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0x02, 0x02, 0x02};
    seer_idmap_init(&u);
    seer_idmap_init(&i);
    cr_assert(eq(int, seer_interactions_read_memory(&x, broken, sizeof broken, "log", &o, &u, &i),
                 SEER_EDATA));
    cr_assert(strstr(seer_error_message(), "zstd") != NULL, "%s", seer_error_message());
    seer_idmap_free(&u);
    seer_idmap_free(&i);
}

Test(rec, csv_with_string_ids_and_side_features) {
    const char *log = write_file("log.csv", "user,item,t\nann,apple,3\nann,pear,1\nbob,apple,2\n");
    const char *items = write_file("items.csv", "item,colour,weight,tags\napple,red,150,fruit|sweet\n"
                                   "pear,green,,fruit\nplum,purple,40,\n");
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, SEER_REC_POP);
    o.data = log;
    o.time_col = "t";
    o.items_path = items;
    seer_recommender *r;
    cr_assert(eq(int, seer_rec_train(&o, &r, NULL), 0), "%s", seer_error_message());
    seer_rec_model *m = seer_rec_internal(r);
    cr_assert(eq(sz, m->n_items, 2));
    cr_assert(eq(u32, m->hist_item[0], 1));   // ann's history in time order: pear, apple
    const seer_side_features *f = &m->item_feats;
    cr_assert(eq(sz, f->rows, 2));
    cr_assert(eq(sz, (size_t)(f->off[1] - f->off[0]), 4));   // colour, weight, 2 tags
    cr_assert(eq(sz, (size_t)(f->off[2] - f->off[1]), 2));   // colour, tag (weight missing)
    cr_assert(seer_idmap_find(&f->names, "tags=sweet", 10) >= 0);
    char path[300];
    snprintf(path, sizeof path, "%s/m.seer", dir);
    cr_assert(eq(int, seer_rec_save(r, path), 0));
    seer_recommender *b;
    cr_assert(eq(int, seer_rec_load(&b, path), 0), "%s", seer_error_message());
    cr_assert(eq(sz, seer_rec_internal(b)->item_feats.names.n, f->names.n));
    cr_assert(eq(str, (char *)seer_rec_item_id(b, 1), "pear"));
    seer_rec_free(b);
    seer_rec_free(r);
}

Test(rec, topk_excludes_and_orders_ties_by_item) {
    float s[6] = {1, 5, 5, 3, 9, 5};
    seer_rec_hit h[4];
    uint32_t ex[1] = {4};
    size_t n = seer_topk_scores(h, s, 6, 4, ex, 1);
    cr_assert(eq(sz, n, 4));
    uint32_t want[4] = {1, 2, 5, 3};
    for (int i = 0; i < 4; i++) cr_assert(eq(u32, h[i].item, want[i]));
    n = seer_topk_scores(h, s, 2, 4, NULL, 0);   // fewer items than k
    cr_assert(eq(sz, n, 2));
}

Test(rec, topk_dot_equals_full_scores) {
    enum { N = 5, NI = 5000, D = 24, K = 7 };
    float *U = malloc(N * D * 4), *V = malloc((size_t)NI * D * 4), *b = malloc(NI * 4);
    float *scratch = malloc(SEER_TOPK_USERS * SEER_TOPK_BLOCK * 4), s[NI];
    seer_rng g;
    seer_rng_init(&g, 3);
    for (int i = 0; i < N * D; i++) U[i] = (float)seer_rng_normal(&g);
    for (int i = 0; i < NI * D; i++) V[i] = (float)seer_rng_normal(&g);
    for (int i = 0; i < NI; i++) b[i] = (float)seer_rng_normal(&g);
    uint64_t off[N + 1] = {0, 2, 2, 3, 3, 3};
    uint32_t items[3] = {10, 4000, 7};
    seer_topk_exclude ex = {off, items};
    seer_rec_hit out[N * K], ref[K];
    size_t n_out[N];
    seer_topk_dot(out, n_out, U, NULL, N, V, b, NI, D, K, &ex, scratch);
    for (int u = 0; u < N; u++) {
        for (int i = 0; i < NI; i++) {
            double t = b[i];
            for (int d = 0; d < D; d++) t += (double)U[u * D + d] * V[i * D + d];
            s[i] = (float)t;
        }
        size_t n = seer_topk_scores(ref, s, NI, K, items + off[u], (size_t)(off[u + 1] - off[u]));
        cr_assert(eq(sz, n_out[u], n));
        for (int k = 0; k < K; k++) {
            cr_assert(eq(u32, out[u * K + k].item, ref[k].item), "user %d rank %d", u, k);
            cr_assert(fabsf(out[u * K + k].score - ref[k].score) < 1e-4f);
        }
    }
    free(U);
    free(V);
    free(b);
    free(scratch);
}

// Two relevant items, hits at ranks 2 and 4 of the top 5 (K 5):
// DCG = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677; IDCG = 1 + 1/log2(3) = 1.630930.
Test(rec, metrics_hand_computed) {
    seer_rec_hit top[6] = {{9, 6}, {3, 5}, {8, 4}, {5, 3}, {7, 2}, {1, 1}};
    uint32_t rel[2] = {3, 5};
    seer_rank_metrics m;
    seer_rank_metrics_of(&m, top, 6, rel, 2);
    cr_assert(fabs(m.ndcg[0] - (0.6309297535714575 + 0.43067655807339306) / 1.6309297535714575) < 1e-12);
    cr_assert(eq(dbl, m.recall[0], 1.0));
    cr_assert(eq(dbl, m.hr[0], 1.0));
    uint32_t rel3[3] = {1, 3, 100};   // 100: unknown to the model, stays relevant
    seer_rank_metrics_of(&m, top, 6, rel3, 3);
    cr_assert(fabs(m.recall[0] - 1.0 / 3.0) < 1e-12);
    cr_assert(fabs(m.ndcg[0] - 0.6309297535714575 / (1 + 0.6309297535714575 + 0.5)) < 1e-12);
    float s[10] = {0, 1, 0, 5, 0, 3, 0, 2, 4, 6};
    uint32_t ex[1] = {9};   // the best item is seen: item 3 ranks first
    cr_assert(eq(dbl, seer_rank_rr(s, 10, rel, 2, ex, 1), 1.0));
    cr_assert(eq(dbl, seer_rank_rr(s, 10, rel, 2, NULL, 0), 0.5));
    uint32_t none[1] = {100};
    cr_assert(eq(dbl, seer_rank_rr(s, 10, none, 1, NULL, 0), 0.0));
}

static double loss_at(const float *p, const float *q, float bu, float bi, float r, size_t D) {
    float dp[8] = {0}, dq[8] = {0}, a = 0, b = 0;
    return seer_mf_loss(dp, dq, &a, &b, p, q, bu, bi, 3.5f, r, 0.07f, D);
}

Test(rec, mf_gradient_check) {
    enum { D = 8 };
    float p[D], q[D], dp[D] = {0}, dq[D] = {0}, dbu = 0, dbi = 0, bu = 0.3f, bi = -0.2f;
    seer_rng g;
    seer_rng_init(&g, 5);
    for (int d = 0; d < D; d++) {
        p[d] = (float)(0.5 * seer_rng_normal(&g));
        q[d] = (float)(0.5 * seer_rng_normal(&g));
    }
    seer_mf_loss(dp, dq, &dbu, &dbi, p, q, bu, bi, 3.5f, 4.0f, 0.07f, D);
    const float h = 1e-2f;   // the loss is a quadratic in each coordinate: central differences
    for (int d = 0; d < D; d++) {   // are exact up to float rounding
        float s = p[d];
        p[d] = s + h;
        double up = loss_at(p, q, bu, bi, 4.0f, D);
        p[d] = s - h;
        double dn = loss_at(p, q, bu, bi, 4.0f, D);
        p[d] = s;
        cr_assert(fabs((up - dn) / (2 * h) - dp[d]) < 2e-3, "dp[%d]", d);
        s = q[d];
        q[d] = s + h;
        up = loss_at(p, q, bu, bi, 4.0f, D);
        q[d] = s - h;
        dn = loss_at(p, q, bu, bi, 4.0f, D);
        q[d] = s;
        cr_assert(fabs((up - dn) / (2 * h) - dq[d]) < 2e-3, "dq[%d]", d);
    }
    double up = loss_at(p, q, bu + h, bi, 4.0f, D), dn = loss_at(p, q, bu - h, bi, 4.0f, D);
    cr_assert(fabs((up - dn) / (2 * h) - dbu) < 2e-3);
    up = loss_at(p, q, bu, bi + h, 4.0f, D);
    dn = loss_at(p, q, bu, bi - h, 4.0f, D);
    cr_assert(fabs((up - dn) / (2 * h) - dbi) < 2e-3);
    // The SGD step is the same gradient, applied.
    float p2[D], q2[D], bu2 = bu, bi2 = bi;
    memcpy(p2, p, sizeof p);
    memcpy(q2, q, sizeof q);
    seer_mf_sgd_step(p2, q2, &bu2, &bi2, 3.5f, 4.0f, 0.1f, 0.07f, D);
    for (int d = 0; d < D; d++) {
        cr_assert(fabsf(p2[d] - (p[d] - 0.1f * dp[d])) < 1e-6f);
        cr_assert(fabsf(q2[d] - (q[d] - 0.1f * dq[d])) < 1e-6f);
    }
    cr_assert(fabsf(bu2 - (bu - 0.1f * dbu)) < 1e-6f);
}

// A small log of ratings: 30 users, 20 items.
static const char *small_log(void) {
    static char text[65536];
    size_t n = 0;
    seer_rng g;
    seer_rng_init(&g, 11);
    for (int u = 0; u < 30; u++)
        for (int i = 0; i < 20; i++)
            if (seer_rng_uniform(&g) < 0.4 || i == u % 20)
                n += (size_t)snprintf(text + n, sizeof text - n, "u%d\ti%d\t%d\t%d\n", u, i,
                                      1 + (u + i) % 5, u * 100 + i);
    return write_file("small.data", text);
}

static seer_recommender *train_small(seer_rec_kind kind, const char *save_to) {
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, kind);
    o.data = small_log();
    o.format = SEER_FORMAT_MOVIELENS;
    o.quiet = 1;
    o.epochs = 5;
    seer_recommender *r;
    cr_assert(eq(int, seer_rec_train(&o, &r, NULL), 0), "%s", seer_error_message());
    if (save_to) cr_assert(eq(int, seer_rec_save(r, save_to), 0));
    return r;
}

Test(rec, model_file_round_trip_scores_the_same) {
    seer_rec_kind kinds[3] = {SEER_REC_POP, SEER_REC_MF, SEER_REC_EASE};
    for (int k = 0; k < 3; k++) {
        char path[300];
        snprintf(path, sizeof path, "%s/k%d.seer", dir, k);
        seer_recommender *a = train_small(kinds[k], path), *b;
        cr_assert(eq(int, seer_file_is_recommender(path), 1));
        cr_assert(eq(int, seer_rec_load(&b, path), 0), "%s", seer_error_message());
        seer_rec_request q = {"u3", 5, 0, NULL, 0, NULL, NULL, 0};
        seer_rec_item x[5], y[5];
        size_t nx, ny;
        seer_rec_source sx, sy;
        cr_assert(eq(int, seer_rec_recommend(a, &q, x, &nx, &sx), 0));
        cr_assert(eq(int, seer_rec_recommend(b, &q, y, &ny, &sy), 0));
        cr_assert(eq(sz, nx, ny));
        cr_assert(eq(int, (int)sx, (int)SEER_REC_FROM_HISTORY));
        for (size_t i = 0; i < nx; i++) {
            cr_assert(eq(str, (char *)x[i].item, (char *)y[i].item));
            cr_assert(eq(flt, x[i].score, y[i].score));
        }
        seer_rec_free(a);
        seer_rec_free(b);
    }
}

// Every byte of the file's body flipped in turn at a stride: an error, never a crash; and
// every truncation at a stride too.
Test(rec, damaged_model_file_is_an_error) {
    char path[300], bad[300];
    snprintf(path, sizeof path, "%s/m.seer", dir);
    snprintf(bad, sizeof bad, "%s/bad.seer", dir);
    seer_rec_free(train_small(SEER_REC_MF, path));
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *buf = malloc((size_t)n);
    cr_assert(eq(sz, fread(buf, 1, (size_t)n, f), (size_t)n));
    fclose(f);
    for (long at = 0; at < n; at += n / 97 + 1) {
        for (int trunc = 0; trunc < 2; trunc++) {
            f = fopen(bad, "wb");
            buf[at] ^= trunc ? 0 : 0x5a;
            fwrite(buf, 1, trunc ? (size_t)at : (size_t)n, f);
            buf[at] ^= trunc ? 0 : 0x5a;
            fclose(f);
            seer_recommender *r = NULL;
            int rc = seer_rec_load(&r, bad);
            cr_assert(rc == SEER_EDATA || rc == SEER_EIO, "at %ld: rc %d", at, rc);
            cr_assert(r == NULL || rc == SEER_OK);
        }
    }
    free(buf);
}

Test(rec, unknown_users_get_features_or_popularity) {
    seer_recommender *r = train_small(SEER_REC_EASE, NULL);
    seer_rec_item it[3];
    size_t n;
    seer_rec_source src;
    seer_rec_request q = {"nobody", 3, 0, NULL, 0, NULL, NULL, 0};
    cr_assert(eq(int, seer_rec_recommend(r, &q, it, &n, &src), 0));
    cr_assert(eq(int, (int)src, (int)SEER_REC_FROM_POPULARITY));
    const char *recent[3] = {"i2", "no-such-item", "i5"};
    q.recent_items = recent;
    q.n_recent = 3;
    cr_assert(eq(int, seer_rec_recommend(r, &q, it, &n, &src), 0));
    cr_assert(eq(int, (int)src, (int)SEER_REC_FROM_FEATURES));
    cr_assert(eq(sz, n, 3));
    for (size_t i = 0; i < n; i++) {   // the recent items are seen
        cr_assert(strcmp(it[i].item, "i2") && strcmp(it[i].item, "i5"));
    }
    q.k = 0;
    cr_assert(eq(int, seer_rec_recommend(r, &q, it, &n, &src), SEER_EINVAL));
    seer_rec_free(r);
}

Test(rec, mf_refuses_a_log_without_ratings) {
    const char *log = write_file("implicit.csv", "user,item\na,x\nb,y\n");
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, SEER_REC_MF);
    o.data = log;
    seer_recommender *r;
    cr_assert(eq(int, seer_rec_train(&o, &r, NULL), SEER_EINVAL));
    cr_assert(strstr(seer_error_message(), "mf predicts ratings") != NULL);
}

Test(rec, ctr_loader_refuses_a_recommender_by_name) {
    char path[300];
    snprintf(path, sizeof path, "%s/p.seer", dir);
    seer_rec_free(train_small(SEER_REC_POP, path));
    seer_model *m;
    cr_assert(eq(int, seer_model_load(&m, path, 0), SEER_EINVAL));
    cr_assert(strstr(seer_error_message(), "a recommender's model file") != NULL, "%s",
              seer_error_message());
}

// An item the training log never had, in a rated test log: mf predicts the mean rating for it
// (it has no bias nor vector; reading them past the catalogue was a heap overflow under ASan).
Test(rec, mf_rates_an_unknown_item_with_the_mean) {
    seer_recommender *r = train_small(SEER_REC_MF, NULL);
    seer_rec_eval_options e;
    seer_rec_eval_options_default(&e);
    e.path = write_file("unknown.data", "u1\tnew_item\t3\t1\nnew_user\tnew_item\t5\t2\n");
    e.format = SEER_FORMAT_MOVIELENS;
    seer_rec_eval_report rep;
    cr_assert(eq(int, seer_rec_eval(r, &e, &rep), 0), "%s", seer_error_message());
    cr_assert(isfinite(rep.rmse), "rmse %g", rep.rmse);
    seer_rec_free(r);
}
