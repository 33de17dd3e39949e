// itemknn (rec/itemknn.c) on a log small enough to compute by hand:
//   u1: a b    u2: a b c    u3: b c    u4: c d
// Users of each item: a 2, b 3, c 3, d 1; seen together: ab 2, ac 1, bc 2, cd 1 (ad, bd
// never). Cosine sim(i, j) = together / (sqrt(n_i) sqrt(n_j) + shrink):
//   shrink 0: ab 2/sqrt(6), ac 1/sqrt(6), bc 2/3, cd 1/sqrt(3)
// With two neighbours per item: a {b, c}, b {a, c}, c {b, d} (cd 0.577 beats ca 0.408),
// d {c} (nothing else was seen with d). u4 (c, d) scores a by c: 1/sqrt(6); b by c: 2/3; so
// recommends b then a.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "rec/recommender.h"
#include "seer/recommend.h"
#include "tmpdir.h"

static char dir[64];

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/seer_knn_XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
}

static void teardown(void) { remove_tree(dir); }

TestSuite(rec_itemknn, .init = setup, .fini = teardown);

static seer_recommender *train(size_t neighbours, float shrink) {
    static char path[128];
    snprintf(path, sizeof path, "%s/log.data", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs("u1\ta\t5\t1\nu1\tb\t4\t2\nu2\ta\t3\t1\nu2\tb\t4\t2\nu2\tc\t2\t3\n"
          "u3\tb\t5\t1\nu3\tc\t1\t2\nu4\tc\t4\t1\nu4\td\t3\t2\n", f);
    fclose(f);
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, SEER_REC_ITEMKNN);
    cr_assert(eq(sz, o.dim, 100));
    o.data = path;
    o.format = SEER_FORMAT_MOVIELENS;
    o.quiet = 1;
    o.dim = neighbours;
    o.reg = shrink;
    seer_recommender *r;
    cr_assert(eq(int, seer_rec_train(&o, &r, NULL), 0), "%s", seer_error_message());
    return r;
}

// The top k of user (or of an unknown user's recent items) against want/score.
static void expect(const seer_recommender *r, const char *user, const char **recent,
                   size_t n_recent, int include_seen, size_t k, const char **want,
                   const double *score) {
    seer_rec_request q = {user, k, include_seen, recent, n_recent, NULL, NULL, 0};
    seer_rec_item x[8];
    size_t n;
    seer_rec_source src;
    cr_assert(eq(int, seer_rec_recommend(r, &q, x, &n, &src), 0), "%s", seer_error_message());
    cr_assert(eq(sz, n, k), "%s", user ? user : "recent");
    for (size_t i = 0; i < k; i++) {
        cr_assert(eq(str, (char *)x[i].item, (char *)want[i]), "%s rank %zu", user, i);
        cr_assert(fabs(x[i].score - score[i]) < 1e-6, "%s rank %zu: %.7f, by hand %.7f", user,
                  i, (double)x[i].score, score[i]);
    }
}

Test(rec_itemknn, hand_computed_scores) {
    seer_recommender *r = train(2, 0);
    const char *w4[2] = {"b", "a"};
    double s4[2] = {2.0 / 3, 1 / sqrt(6)};
    expect(r, "u4", NULL, 0, 0, 2, w4, s4);
    // Seen items too: d by c 1/sqrt(3); c by d 1/sqrt(3) (b not held); ties to the lower
    // item index, c (first seen in the log) before d.
    const char *w4s[4] = {"b", "c", "d", "a"};
    double s4s[4] = {2.0 / 3, 1 / sqrt(3), 1 / sqrt(3), 1 / sqrt(6)};
    expect(r, "u4", NULL, 0, 1, 4, w4s, s4s);
    // u1 (a b): c by b 2/3 (d not held), d by c: 0.
    const char *w1[2] = {"c", "d"};
    double s1[2] = {2.0 / 3, 0};
    expect(r, "u1", NULL, 0, 0, 2, w1, s1);
    // An unknown user with u4's items is scored as u4.
    const char *recent[2] = {"d", "c"};
    expect(r, "new", recent, 2, 0, 2, w4, s4);
    seer_rec_free(r);
    // One neighbour each: a {b}, b {a}, c {b}, d {c}. u4 scores a and b 0.
    r = train(1, 0);
    const char *w1n[2] = {"c", "d"};
    double s1n[2] = {2.0 / 3, 0};
    expect(r, "u1", NULL, 0, 0, 2, w1n, s1n);
    seer_rec_free(r);
    // Shrinkage 1: bc 2/4, ac 1/(sqrt(6) + 1).
    r = train(2, 1);
    double s4k[2] = {0.5, 1 / (sqrt(6) + 1)};
    expect(r, "u4", NULL, 0, 0, 2, w4, s4k);
    seer_rec_free(r);
}

Test(rec_itemknn, model_file_round_trip_and_damage) {
    seer_recommender *r = train(2, 0), *b;
    char path[128];
    snprintf(path, sizeof path, "%s/knn.seer", dir);
    cr_assert(eq(int, seer_rec_save(r, path), 0), "%s", seer_error_message());
    cr_assert(eq(int, seer_rec_load(&b, path), 0), "%s", seer_error_message());
    cr_assert(eq(int, (int)seer_rec_get_kind(b), (int)SEER_REC_ITEMKNN));
    const char *w4[2] = {"b", "a"};
    double s4[2] = {2.0 / 3, 1 / sqrt(6)};
    expect(b, "u4", NULL, 0, 0, 2, w4, s4);
    // A neighbour index past the catalogue is refused by the model's check.
    seer_rec_model *m = seer_rec_internal(b);
    float *item = seer_rec_param_get(m, "knn_item", NULL, NULL);
    item[3] = 4;
    cr_assert(eq(int, m->ops->prepare(m), SEER_EDATA));
    cr_assert(strstr(seer_error_message(), "itemknn") != NULL, "%s", seer_error_message());
    item[3] = 0.5f;
    cr_assert(eq(int, m->ops->prepare(m), SEER_EDATA));
    seer_rec_free(r);
    seer_rec_free(b);
}

// Left to its default, the report says the shrinkage used (0), not the "choose it" marker.
Test(rec_itemknn, report_names_the_default_shrinkage) {
    char path[128];
    snprintf(path, sizeof path, "%s/log.data", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs("u1\ta\t5\t1\nu1\tb\t4\t2\nu2\ta\t3\t1\n", f);
    fclose(f);
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, SEER_REC_ITEMKNN);
    o.data = path;
    o.format = SEER_FORMAT_MOVIELENS;
    o.quiet = 1;
    seer_recommender *r;
    seer_rec_train_report rep;
    cr_assert(eq(int, seer_rec_train(&o, &r, &rep), 0), "%s", seer_error_message());
    cr_assert(eq(flt, rep.reg, 0.0f));
    seer_rec_free(r);
}
