// Tests of knowledge tracing: the `--format kt` reader (data/kt.c), the head on sasrec's
// network (rec/kt.c, kt_score.c, kt_train.c) and the model (rec/kt_ops.c, seer/kt.h).
//
// Gradients against central differences of the float32 network: with a step of 1e-3 the
// float rounding of the loss (about 1e-6 on a loss of about 7) gives errors near 5e-4 of a
// gradient of order 1; GC_TOL 3e-3 leaves a margin and still catches a missing or doubled
// term (an error of order 1).
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "data/kt.h"
#include "rec/kt.h"
#include "rec/kt_train.h"
#include "seer/kt.h"
#include "seer/recommend.h"

#define GC_H 1e-3
#define GC_TOL 3e-3
#pragma GCC diagnostic ignored "-Wunused-function"   // the helpers it does not use
#include "gradcheck.h"
#include "tmpdir.h"
#include "cli_run.h"

// ---- the reader -------------------------------------------------------------------------------

static int read_text(seer_kt_data *d, const char *text, seer_idmap *students) {
    seer_source *src;
    seer_idmap_init(students);
    cr_assert(eq(int, seer_source_open_memory(&src, text, strlen(text), "mem.csv", 0), SEER_OK));
    int rc = seer_kt_read_source(d, src, students);
    seer_source_close(src);
    return rc;
}

Test(kt, reader_reads_four_lines_a_student) {
    seer_kt_data d;
    seer_idmap s;
    int rc = read_text(&d, "7,700\n3,3,9\n1,1,2\n1,0,1\n2,800\r\n5\r\n4\r\n0\r\n", &s);
    cr_assert(eq(int, rc, SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, d.n_students, 2));
    cr_assert(eq(sz, d.n, 4));
    cr_assert(eq(u64, d.off[1], 3));
    cr_assert(eq(str, (char *)seer_idmap_name(&s, d.student[1]), "2"));
    cr_assert(eq(u32, d.problem[2], 9));
    cr_assert(eq(u32, d.skill[3], 4));
    cr_assert(eq(u8, d.answer[1], 0));
    cr_assert(eq(u8, d.answer[3], 0));
    cr_assert(eq(u32, d.max_problem, 9));
    cr_assert(eq(u32, d.max_skill, 4));
    seer_kt_free(&d);
    seer_idmap_free(&s);
}

// Each bad file and the place and words its message must name.
static void refused(const char *text, const char *where, const char *what) {
    seer_kt_data d;
    seer_idmap s;
    cr_assert(eq(int, read_text(&d, text, &s), SEER_EDATA), "accepted: %s", text);
    cr_assert(strstr(seer_error_message(), where) != NULL, "%s (want %s)",
              seer_error_message(), where);
    cr_assert(strstr(seer_error_message(), what) != NULL, "%s (want %s)", seer_error_message(),
              what);
    cr_assert(eq(ptr, d.off, NULL));
    seer_idmap_free(&s);
}

Test(kt, reader_names_what_is_wrong_and_where) {
    refused("1,10\n1,2,3\n1,2\n1,1,0\n", "mem.csv:3:", "2 skill ids, but 3 problem ids on line 2");
    refused("1,10\n1,2\n1,2\n1,1,0\n", "mem.csv:4:", "3 answers, but 2 problem ids");
    refused("1,10\n1,2\n1,2\n1,2\n", "mem.csv:4:3:", "answer 2 is not 0 or 1");
    refused("1,10\n1,-2\n1,2\n1,1\n", "mem.csv:2:3:", "negative id");
    refused("1,10\n1,2\n\n1,1\n", "mem.csv:3:", "empty line");
    refused("1,10\n1,x\n1,2\n1,1\n", "mem.csv:2:3:", "whole numbers");
    refused("1,10\n1,2,\n1,2\n1,1\n", "mem.csv:2:5:", "whole numbers");
    refused("1,10\n1,2\n1,2\n", "mem.csv:4:", "ends inside a student");
    refused("15\n1,2\n1,2\n1,1\n", "mem.csv:1:", "user_idx,original_user_id");
    refused("1,10\n1\n1\n1\n1,11\n1\n1\n1\n", "mem.csv:5:1:", "appears twice");
    refused("1,10\n1,200000000\n1,2\n1,1\n", "mem.csv:2:3:", "id over");
    refused("1,10\n1,99999999999999999999999\n1,2\n1,1\n", "mem.csv:2:3:", "id over");
    refused("", "mem.csv", "no students");
}

// ---- the head ---------------------------------------------------------------------------------

enum { NS = 3, NP = 5, D = 8, LMAX = 6 };

typedef struct {
    seer_kt_config c;
    seer_kt_head h, gh;
    seer_sasrec_params p, gp;
    float *head, *rest, *ghead, *grest;
    seer_kt_work k;
    size_t S;
} head_case;

// Two windows (6 and 4 answers) over 3 skills and 5 problems, random weights, no dropout.
// A seed whose MLP pre-activations all stand at least 0.05 from ReLU's kink (checked when it
// was chosen), so that a step of 1e-3 crosses none of them.
static uint64_t case_seed = 29;

static void case_open(head_case *t, size_t heads) {
    memset(t, 0, sizeof *t);
    t->c = (seer_kt_config){{0, LMAX, D, 2, heads, 0.0f}, NS, NP};
    size_t nh = seer_kt_head_size(&t->c), nr = seer_sasrec_rest_size(&t->c.net);
    t->head = calloc(nh, sizeof(float));
    t->ghead = calloc(nh, sizeof(float));
    t->rest = calloc(nr, sizeof(float));
    t->grest = calloc(nr, sizeof(float));
    seer_kt_bind(&t->h, t->head, &t->c);
    seer_kt_bind(&t->gh, t->ghead, &t->c);
    seer_sasrec_bind(&t->p, NULL, t->rest, &t->c.net);
    seer_sasrec_bind(&t->gp, NULL, t->grest, &t->c.net);
    seer_rng r;
    seer_rng_init(&r, case_seed);
    seer_kt_init(&t->h, &t->p, &t->c, &r);
    fill(t->h.mu, NP, &r, -0.5, 0.5);   // difficulties away from 0, biases away from 0
    fill(t->h.b1, D, &r, -0.1, 0.1);
    fill(t->p.lnf_b, D, &r, -0.1, 0.1);
    cr_assert(eq(int, seer_kt_work_init(&t->k, &t->c, 2, 1), SEER_OK));
    static const uint32_t prob[10] = {0, 1, 2, 0, 3, 4, 1, 1, 2, 3};
    static const uint32_t skill[10] = {0, 1, 2, 0, 1, 2, 1, 1, 0, 2};
    static const uint8_t ans[10] = {1, 0, 1, 1, 0, 0, 1, 0, 1, 1};
    memcpy(t->k.prob, prob, sizeof prob);
    memcpy(t->k.skill, skill, sizeof skill);
    memcpy(t->k.answer, ans, sizeof ans);
    t->k.w.off[0] = 0;
    t->k.w.off[1] = 6;
    t->k.w.off[2] = 10;
    t->S = 2;
}

static void case_close(head_case *t) {
    seer_kt_work_free(&t->k);
    free(t->head);
    free(t->rest);
    free(t->ghead);
    free(t->grest);
}

static double head_loss(void *ctx) {
    head_case *t = ctx;
    seer_kt_forward(&t->h, &t->p, &t->c, &t->k, t->S, NULL);
    double l = 0.0;
    for (size_t i = 0; i < 10; i++)
        l -= t->k.answer[i] ? log(t->k.p[i]) : log(1.0 - t->k.p[i]);
    return l;
}

Test(kt, head_gradients_match_finite_differences) {
    head_case t;
    case_open(&t, 2);
    seer_kt_forward(&t.h, &t.p, &t.c, &t.k, t.S, NULL);
    double l = seer_kt_backward(&t.gh, &t.gp, &t.h, &t.p, &t.c, &t.k, t.S, 1.0f);
    cr_assert(fabs(l - head_loss(&t)) < 1e-6 * fabs(l), "loss %.9g vs %.9g", l, head_loss(&t));
    gradcheck("kt head", t.head, t.ghead, seer_kt_head_size(&t.c), head_loss, &t);
    gradcheck("sasrec blocks", t.rest, t.grest, seer_sasrec_rest_size(&t.c.net), head_loss, &t);
    case_close(&t);
}

Test(kt, later_answer_does_not_move_earlier_predictions) {
    head_case t;
    case_open(&t, 2);
    seer_kt_forward(&t.h, &t.p, &t.c, &t.k, t.S, NULL);
    float before[10];
    memcpy(before, t.k.p, sizeof before);
    t.k.answer[3] ^= 1;   // row 3's answer: rows 0..3 must not move, row 4 must
    t.k.prob[5] = 1;      // and a later problem
    seer_kt_forward(&t.h, &t.p, &t.c, &t.k, t.S, NULL);
    cr_assert(eq(int, memcmp(before, t.k.p, 4 * sizeof(float)), 0), "earlier rows moved");
    cr_assert(before[4] != t.k.p[4], "the next row did not see the answer");
    cr_assert(eq(int, memcmp(before + 6, t.k.p + 6, 4 * sizeof(float)), 0),
              "the other window moved");
    case_close(&t);
}

Test(kt, scoring_a_candidate_is_the_window_with_it_appended) {
    head_case t;
    case_open(&t, 2);
    // the first window's rows 0..4 as the history; candidates: every (problem, skill)
    uint32_t prob[NP * NS], skill[NP * NS];
    float p[NP * NS], *scratch = malloc(seer_kt_score_scratch(&t.c, NP * NS) * sizeof(float));
    for (uint32_t i = 0; i < NP * NS; i++) {
        prob[i] = i % NP;
        skill[i] = i / NP;
    }
    for (size_t n = 0; n < 6; n++) {   // n = 0: the start row alone
        t.k.w.off[1] = (uint32_t)n;
        if (n) seer_kt_forward(&t.h, &t.p, &t.c, &t.k, 1, NULL);
        seer_kt_score_next(p, scratch, &t.h, &t.p, &t.c, &t.k, n, prob, skill, NP * NS);
        for (size_t i = 0; i < NP * NS; i++) {
            head_case u;
            case_open(&u, 2);
            u.k.prob[n] = prob[i];
            u.k.skill[n] = skill[i];
            u.k.w.off[1] = (uint32_t)n + 1;
            seer_kt_forward(&u.h, &u.p, &u.c, &u.k, 1, NULL);
            cr_assert(fabsf(p[i] - u.k.p[n]) <= 1e-6f,
                      "n %zu candidate %zu: %.9g vs %.9g", n, i, p[i], u.k.p[n]);
            case_close(&u);
        }
    }
    free(scratch);
    case_close(&t);
}

Test(kt, recent_pattern_and_attempts_of_the_rows_skill) {
    static const uint32_t skill[6] = {1, 2, 1, 1, 1, 1};
    static const uint8_t ans[6] = {1, 1, 0, 1, 1, 0};
    cr_assert(eq(u32, seer_kt_recent(skill, ans, 0, 1), 0));      // none yet
    cr_assert(eq(u32, seer_kt_recent(skill, ans, 1, 1), 1 + 1));  // one: correct
    cr_assert(eq(u32, seer_kt_recent(skill, ans, 3, 1), 3 + 2));  // 0 then 1: bits 0b10
    // the last 4 of skill 1 before row 6, newest first: 0 1 1 0 -> bits 0b0110
    cr_assert(eq(u32, seer_kt_recent(skill, ans, 6, 1), 15 + 6));
    cr_assert(eq(u32, seer_kt_recent(skill, ans, 6, 2), 1 + 1));
    // attempts before: skill 1 has 5 by row 6 (bucket 5: 5-6), skill 3 none
    cr_assert(eq(u32, seer_kt_count(skill, 6, 1), 5));
    cr_assert(eq(u32, seer_kt_count(skill, 3, 1), 2));
    cr_assert(eq(u32, seer_kt_count(skill, 6, 3), 0));
    uint32_t many[40];
    for (size_t i = 0; i < 40; i++) many[i] = 7;
    cr_assert(eq(u32, seer_kt_count(many, 9, 7), 6));    // 7-9
    cr_assert(eq(u32, seer_kt_count(many, 24, 7), 8));   // 15-24
    cr_assert(eq(u32, seer_kt_count(many, 40, 7), 9));   // 25+
}

Test(kt, auc_by_hand) {
    const float p[4] = {0.1f, 0.4f, 0.35f, 0.8f};
    const uint8_t y[4] = {0, 0, 1, 1};
    // pairs (pos, neg): (0.35, 0.1) yes, (0.35, 0.4) no, (0.8, *) yes: 3 of 4
    cr_assert(ieee_ulp_eq(dbl, seer_kt_auc(p, y, 4), 0.75, 4));
    const float q[3] = {0.5f, 0.5f, 0.2f};
    const uint8_t z[3] = {1, 0, 0};
    // (0.5, 0.5) a tie: half; (0.5, 0.2) yes: 1.5 of 2
    cr_assert(ieee_ulp_eq(dbl, seer_kt_auc(q, z, 3), 0.75, 4));
    cr_assert(isnan(seer_kt_auc(q, z, 1)));
}

// ---- the model --------------------------------------------------------------------------------

// Students on 4 skills, 3 problems each (problem 10 s + j): a skill of an even id is always
// answered right, an odd one right only after its first wrong answer. A model that reads the
// history predicts most answers; AUC far above chance.
static void write_students(const char *path, size_t n, uint64_t seed) {
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    seer_rng r;
    seer_rng_init(&r, seed);
    for (size_t u = 0; u < n; u++) {
        size_t len = 6 + (size_t)seer_rng_below(&r, 20);
        uint32_t prob[32], skill[32];
        int ans[32], seen_wrong[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < len; i++) {
            skill[i] = 1 + (uint32_t)seer_rng_below(&r, 4);
            prob[i] = 10 * skill[i] + (uint32_t)seer_rng_below(&r, 3);
            ans[i] = skill[i] % 2 == 0 || seen_wrong[skill[i] - 1];
            seen_wrong[skill[i] - 1] = 1;
        }
        fprintf(f, "%zu,%zu\n", 100 + u, 9000 + u);
        for (size_t i = 0; i < len; i++) fprintf(f, "%s%u", i ? "," : "", prob[i]);
        fprintf(f, "\n");
        for (size_t i = 0; i < len; i++) fprintf(f, "%s%u", i ? "," : "", skill[i]);
        fprintf(f, "\n");
        for (size_t i = 0; i < len; i++) fprintf(f, "%s%d", i ? "," : "", ans[i]);
        fprintf(f, "\n");
    }
    fclose(f);
}

// A scratch directory dir (mkdtemp) with train.csv of n_train students and valid.csv and
// test.csv of n_test each (seeds 1, 2, 3), and the path m.seer for a model.
static void student_files(char *dir, char *tr, char *va, char *te, char *mp, size_t n_train,
                          size_t n_test) {
    cr_assert(mkdtemp(dir) != NULL);
    snprintf(tr, 64, "%s/train.csv", dir);
    snprintf(va, 64, "%s/valid.csv", dir);
    snprintf(te, 64, "%s/test.csv", dir);
    snprintf(mp, 64, "%s/m.seer", dir);
    write_students(tr, n_train, 1);
    write_students(va, n_test, 2);
    write_students(te, n_test, 3);
}

Test(kt, model_learns_round_trips_and_recommends_in_the_band) {
    char dir[] = "/tmp/seer_kt_XXXXXX", tr[64], va[64], te[64], mp[64];
    student_files(dir, tr, va, te, mp, 120, 40);
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, SEER_REC_SASREC);
    o.data = tr;
    o.valid = va;
    o.format = SEER_FORMAT_KT;
    o.dim = 16;
    o.maxlen = 16;   // windows: a student over 16 answers is two
    o.epochs = 30;
    o.lr = 1e-2f;
    o.quiet = 1;
    seer_recommender *r, *back;
    seer_rec_train_report rep;
    cr_assert(eq(int, seer_rec_train(&o, &r, &rep), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, seer_rec_is_kt(r), 1));
    cr_assert(eq(str, (char *)rep.valid_metric_name, "auc"));
    cr_assert(rep.valid_metric > 0.9, "validation auc %g", rep.valid_metric);
    seer_kt_eval_report e1, e2;
    cr_assert(eq(int, seer_kt_eval(r, te, &e1), SEER_OK), "%s", seer_error_message());
    cr_assert(e1.auc > 0.9, "test auc %g", e1.auc);
    cr_assert(eq(sz, e1.students, 40));
    cr_assert(eq(int, seer_rec_save(r, mp), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, seer_rec_load(&back, mp), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, seer_rec_is_kt(back), 1), "the file lost the task");
    cr_assert(eq(int, seer_kt_eval(back, te, &e2), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(dbl, e1.auc, e2.auc));
    cr_assert(eq(dbl, e1.logloss, e2.logloss));
    // the band: every item in it, none of a mastered skill, none answered before
    seer_kt_item items[20];
    size_t n;
    seer_kt_recommend_report kr;
    cr_assert(eq(int, seer_kt_recommend(back, "100", 0.0, 1.0, 20, items, &n, &kr), SEER_OK),
              "%s", seer_error_message());
    cr_assert(eq(sz, n, kr.in_band < 20 ? kr.in_band : 20));
    cr_assert(eq(sz, kr.in_band, kr.candidates));   // the band 0-1 keeps every candidate
    for (size_t i = 0; i < n; i++) {
        cr_assert(items[i].p >= 0.0f && items[i].p <= 1.0f);
        if (i) cr_assert(fabsf(items[i].p - 0.5f) >= fabsf(items[i - 1].p - 0.5f));
    }
    cr_assert(eq(int, seer_kt_recommend(back, "100", 0.2, 0.3, 20, items, &n, &kr), SEER_OK));
    for (size_t i = 0; i < n; i++) cr_assert(items[i].p >= 0.2f && items[i].p <= 0.3f);
    cr_assert(eq(int, seer_kt_recommend(back, "nobody", 0.6, 0.8, 5, items, &n, &kr),
                 SEER_EINVAL));
    cr_assert(eq(int, seer_kt_recommend(back, "100", 0.8, 0.6, 5, items, &n, &kr), SEER_EINVAL));
    // the generic calls refuse it
    seer_rec_request q = {"100", 5, 0, NULL, 0, NULL, NULL, 0};
    seer_rec_item ri[5];
    seer_rec_source src;
    cr_assert(eq(int, seer_rec_recommend(back, &q, ri, &n, &src), SEER_EINVAL));
    seer_rec_free(r);
    seer_rec_free(back);
    remove_tree(dir);
}

// Mastery: a learner whose last 3 answers of a skill are right gets none of its problems.
Test(kt, mastered_skills_are_left_out) {
    char dir[] = "/tmp/seer_kt_XXXXXX", tr[64];
    cr_assert(mkdtemp(dir) != NULL);
    snprintf(tr, sizeof tr, "%s/train.csv", dir);
    FILE *f = fopen(tr, "w");
    // student 1: skill 1 right 3 times in a row (mastered), skill 2 wrong last
    fprintf(f, "1,1\n11,12,13,21,22\n1,1,1,2,2\n1,1,1,1,0\n");
    fprintf(f, "2,2\n14,23,24\n1,2,2\n0,1,1\n");
    fclose(f);
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, SEER_REC_SASREC);
    o.data = tr;
    o.format = SEER_FORMAT_KT;
    o.dim = 8;
    o.maxlen = 8;
    o.epochs = 2;
    o.quiet = 1;
    seer_recommender *r;
    seer_rec_train_report rep;
    cr_assert(eq(int, seer_rec_train(&o, &r, &rep), SEER_OK), "%s", seer_error_message());
    seer_kt_item items[10];
    size_t n;
    seer_kt_recommend_report kr;
    cr_assert(eq(int, seer_kt_recommend(r, "1", 0.0, 1.0, 10, items, &n, &kr), SEER_OK));
    cr_assert(eq(sz, kr.mastered, 1));
    cr_assert(eq(sz, kr.candidates, 2), "problems 23, 24: 14 is of skill 1, 11-13, 21, 22 seen");
    for (size_t i = 0; i < n; i++) {
        int ok = strcmp(items[i].item, "23") == 0 || strcmp(items[i].item, "24") == 0;
        cr_assert(ok, "%s", items[i].item);
    }
    seer_rec_free(r);
    remove_tree(dir);
}

// The commands through the seer binary, and their refusals by name.
Test(kt, cli_trains_evaluates_and_recommends) {
    char dir[] = "/tmp/seer_kt_XXXXXX", tr[64], va[64], te[64], mp[64];
    student_files(dir, tr, va, te, mp, 80, 30);
    run_seer("train", tr, "--format", "kt", "--valid", va, "--model", "sasrec", "--hidden", "8",
             "--maxlen", "16", "--epochs", "3", "-o", mp, "--json", NULL);
    expect_exit(0);
    cr_assert(strstr(last.out, "\"valid_auc\":") != NULL, "%s", last.out);
    run_seer("eval", mp, te, "--format", "kt", "--json", NULL);
    expect_exit(0);
    cr_assert(strstr(last.out, "\"auc\":") != NULL, "%s", last.out);
    cr_assert(strstr(last.out, "\"students\":30") != NULL, "%s", last.out);
    run_seer("recommend", mp, "--user", "101", "--target", "0-1", "--json", "-k", "3", NULL);
    expect_exit(0);
    cr_assert(strstr(last.out, "\"user\":\"101\",\"items\":[{\"item\":") != NULL, "%s",
              last.out);
    run_seer("recommend", mp, "--user", "101", "--target", "0.9-0.1", NULL);
    expect_exit(1);
    expect_stderr("--target", NULL);
    run_seer("recommend", mp, "--user", "nobody", NULL);
    expect_exit(1);
    expect_stderr("nobody", NULL);
    run_seer("eval", mp, te, NULL);
    expect_exit(1);
    expect_stderr("--format kt", NULL);
    // seer serve refuses such a model at the start (its /v1/recommend has no target band, and
    // answered every request 400), naming the command that answers it.
    run_seer("serve", mp, "--port", "0", NULL);
    expect_exit(1);
    expect_stderr("knowledge-tracing model is not served", "--target LO-HI", NULL);
    run_seer("train", tr, "--format", "seq", "--valid", va, "--model", "sasrec", "-o", mp, NULL);
    expect_exit(1);
    expect_stderr("--valid", NULL);
    FILE *f = fopen(tr, "w");
    fprintf(f, "1,2\n5,6\n1\n1,0\n");
    fclose(f);
    run_seer("train", tr, "--format", "kt", "--model", "sasrec", "-o", mp, NULL);
    expect_exit(2);
    expect_stderr("train.csv:3:", "1 skill ids, but 2 problem ids", NULL);
    run_free_last();
    remove_tree(dir);
}
