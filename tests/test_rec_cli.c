// The recommender side of the command line on a small generated log: --config for seer train
// of a recommender (the file read against the recommender's options, the command line
// winning), and the help listing each command once.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"
#include "tmpdir.h"

static char dir[64];

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/seer_reccli_XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
}
static void teardown(void) {
    run_free_last();
    remove_tree(dir);
}

TestSuite(rec_cli, .init = setup, .fini = teardown);

static const char *tmp(const char *name) {
    static char p[8][256];
    static int k;
    char *out = p[k++ % 8];
    snprintf(out, 256, "%s/%s", dir, name);
    return out;
}

static const char *write_tmp(const char *name, const char *text) {
    const char *path = tmp(name);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs(text, f);
    fclose(f);
    return path;
}

// 20 users x 12 items in MovieLens u.data form.
static const char *small_log(void) {
    static char text[16384];
    size_t n = 0;
    for (int u = 0; u < 20; u++)
        for (int i = 0; i < 12; i++)
            if ((u * 7 + i * 3) % 5 < 3)
                n += (size_t)snprintf(text + n, sizeof text - n, "%d\t%d\t%d\t%d\n", u, i,
                                      1 + (u + i) % 5, u * 100 + i);
    return write_tmp("u.data", text);
}

Test(rec_cli, config_file_trains_a_recommender_and_the_command_line_wins) {
    const char *log = small_log(), *m = tmp("m.seer");
    // The kind, the format and a recommender's own option (reg) from the file alone.
    const char *cfg = write_tmp("c.json", "{\"model\": \"ease\", \"format\": \"movielens\",\n"
                                          " \"reg\": 7, \"json\": true}\n");
    cr_assert(eq(int, run_seer("train", log, "--config", cfg, "-o", m, NULL), 0), "%s", last.err);
    cr_assert(strstr(last.out, "\"model\":\"ease\"") && strstr(last.out, "\"reg\":7,") != NULL,
              "%s", last.out);
    cr_assert(strstr(last.out, "\"reg_from\":\"given\"") != NULL, "%s", last.out);
    // The command line's --reg over the file's.
    cr_assert(eq(int, run_seer("train", log, "--config", cfg, "--reg", "3", "-o", m, NULL), 0),
              "%s", last.err);
    cr_assert(strstr(last.out, "\"reg\":3,") != NULL, "%s", last.out);
    // The kind on the command line, the rest from the file (--config=FILE too).
    const char *reg = write_tmp("r.json", "{\"reg\": 5, \"json\": true}");
    char opt[300];
    snprintf(opt, sizeof opt, "--config=%s", reg);
    cr_assert(eq(int, run_seer("train", log, "--format", "movielens", "--model", "ease", opt,
                               "-o", m, NULL), 0), "%s", last.err);
    cr_assert(strstr(last.out, "\"reg\":5,") != NULL, "%s", last.out);
    // An option no recommender has is named with the file and line; nothing is written.
    const char *bad = write_tmp("b.json", "{\"model\": \"ease\",\n \"label\": \"y\"}");
    cr_assert(eq(int, run_seer("train", log, "--format", "movielens", "--config", bad, "-o",
                               tmp("none.seer"), NULL), 1));
    cr_assert(strstr(last.err, "b.json:2: unknown key 'label'") != NULL, "%s", last.err);
    cr_assert(file_exists(tmp("none.seer")) == 0);
    // seer eval of a recommender reads its options from a file the same way.
    const char *ev = write_tmp("e.json", "{\"min-rating\": 4, \"json\": true}");
    cr_assert(eq(int, run_seer("eval", m, log, "--format", "movielens", "--config", ev, NULL), 0),
              "%s", last.err);
    cr_assert(strstr(last.out, "\"ndcg@10\"") != NULL, "%s", last.out);
}

// Each name once in `seer help` (train and eval have a table's and a recommender's command:
// the second's summary is a continuation line).
Test(rec_cli, help_lists_each_command_once) {
    cr_assert(eq(int, run_seer("help", NULL), 0));
    const char *names[] = {"profile", "train", "eval", "predict", "serve", "demo", "value",
                           "recommend", NULL};
    for (int i = 0; names[i]; i++) {
        char line[32];
        int n = 0;
        snprintf(line, sizeof line, "\n  %s ", names[i]);
        for (const char *p = last.out; (p = strstr(p, line)); p++) n++;
        cr_assert(eq(int, n, 1), "'%s' listed %d times:\n%s", names[i], n, last.out);
    }
    cr_assert(strstr(last.out, "or: train a recommender") != NULL, "%s", last.out);
    cr_assert(strstr(last.out, "or: ranking metrics of a recommender") != NULL, "%s", last.out);
}

// A kind with no regularisation setting (sasrec) reports none, not the -1 that stands for
// "choose it", in the JSON and on stderr; a kind with one still gives its value.
Test(rec_cli, report_of_a_kind_without_reg) {
    const char *log = small_log(), *m = tmp("s.seer");
    cr_assert(eq(int, run_seer("train", log, "--format", "movielens", "--model", "sasrec",
                               "--epochs", "1", "--json", "-o", m, NULL), 0), "%s", last.err);
    cr_assert(ne(ptr, strstr(last.out, "\"reg\":null,\"reg_from\":\"none\""), NULL), "%s",
              last.out);
    cr_assert(ne(ptr, strstr(last.err, ": no reg ("), NULL), "%s", last.err);
    cr_assert(eq(ptr, strstr(last.err, "reg -1"), NULL), "%s", last.err);
    cr_assert(eq(int, run_seer("train", log, "--format", "movielens", "--model", "ease",
                               "--reg", "7", "--json", "-o", m, NULL), 0), "%s", last.err);
    cr_assert(ne(ptr, strstr(last.out, "\"reg\":7,\"reg_from\":\"given\""), NULL), "%s",
              last.out);
}

// A hold-out with no user to score leaves the grid nothing to choose by: its first value is
// used and said to be the default, not a choice by validation, and the grid is not trained
// (no line of it, no NaN said).
Test(rec_cli, reg_without_a_held_out_user_is_the_default) {
    const char *log = write_tmp("one.data", "1\t2\t5\t100\n1\t2\t4\t101\n1\t2\t3\t102\n");
    cr_assert(eq(int, run_seer("train", log, "--format", "movielens", "--model", "ease",
                               "--json", "-o", tmp("e.seer"), NULL), 0), "%s", last.err);
    cr_assert(ne(ptr, strstr(last.out, "\"reg_from\":\"default\""), NULL), "%s", last.out);
    cr_assert(ne(ptr, strstr(last.err, "(default: no held-out user to choose it on)"), NULL),
              "%s", last.err);
    cr_assert(eq(ptr, strstr(last.err, "nan"), NULL), "%s", last.err);
    cr_assert(eq(ptr, strstr(last.err, ": validation"), NULL), "%s", last.err);
    const char *two = small_log();
    cr_assert(eq(int, run_seer("train", two, "--format", "movielens", "--model", "ease", "--json",
                               "-o", tmp("f.seer"), NULL), 0), "%s", last.err);
    cr_assert(ne(ptr, strstr(last.out, "\"reg_from\":\"validation\""), NULL), "%s", last.out);
}
