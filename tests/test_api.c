// The public API (include/seer.h) as a library user sees it: a model's input schema, rows
// scored in memory against the same rows scored from a file (to the bit), the errors of bad
// names, values and handles, the error codes' words, and training and evaluation through the
// public options.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seer.h"
#include "seer/serve.h"
#include "slurp.h"
#include "small_model.h"

static char dir[64], csv[128], path[128];

static void setup(void) {
    strcpy(dir, "/tmp/seer_test_api_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
    snprintf(csv, sizeof csv, "%s/small.csv", dir);
    snprintf(path, sizeof path, "%s/small.seer", dir);
    cr_assert(eq(int, write_small_model(csv, path, 1, 16), SEER_OK), "%s", seer_error_message());
}

static void teardown(void) {
    unlink(csv);
    unlink(path);
    rmdir(dir);
}

static seer_model *load(void) {
    seer_model *m = NULL;
    cr_assert(eq(int, seer_model_load(&m, path, 0), SEER_OK), "%s", seer_error_message());
    return m;
}

TestSuite(api, .init = setup, .fini = teardown);

Test(api, schema_of_a_trained_model) {
    seer_model *m = load();
    cr_assert(eq(str, (char *)seer_model_name(m), "mlp"));
    cr_assert(eq(int, seer_model_get_kind(m), SEER_MODEL_MLP));
    cr_assert(eq(int, seer_model_format(m), SEER_FORMAT_AUTO), "trained on a sniffed CSV");
    cr_assert(eq(str, (char *)seer_model_label(m), "label"));
    cr_assert(eq(sz, seer_model_input_count(m), 3));
    const char *names[] = {"label", "x", "color"};
    seer_column_kind kinds[] = {SEER_COLUMN_LABEL, SEER_COLUMN_NUMERIC, SEER_COLUMN_CATEGORICAL};
    for (size_t i = 0; i < 3; i++) {
        seer_column_info c;
        cr_assert(eq(int, seer_model_input(m, i, &c), SEER_OK));
        cr_assert(eq(str, (char *)c.name, (char *)names[i]));
        cr_assert(eq(int, c.kind, kinds[i]));
        cr_assert(eq(sz, c.dims, 1));
    }
    seer_column_info c;
    seer_model_input(m, 2, &c);
    cr_assert(eq(sz, c.values, 3), "red, green and blue each have a row");
    cr_assert(eq(int, seer_model_input(m, 3, &c), SEER_EINVAL));
    seer_model_free(m);
}

// Reads the small table back, each row into rows: x as a string or as a number.
static size_t fill_rows(seer_rows *r, int x_as_number) {
    FILE *f = fopen(csv, "r");
    cr_assert(ne(ptr, f, NULL));
    char line[256];
    size_t n = 0;
    cr_assert(ne(ptr, fgets(line, sizeof line, f), NULL));
    while (fgets(line, sizeof line, f)) {
        char *label = strtok(line, ","), *x = strtok(NULL, ","), *color = strtok(NULL, "\n");
        cr_assert(eq(int, seer_rows_add(r), SEER_OK));
        cr_assert(eq(int, seer_rows_set_string(r, "label", label), SEER_OK));
        int rc = x_as_number ? seer_rows_set_number(r, "x", strtod(x, NULL))
                             : seer_rows_set_string(r, "x", x);
        cr_assert(eq(int, rc, SEER_OK));
        cr_assert(eq(int, seer_rows_set_string(r, "color", color), SEER_OK));
        n++;
    }
    fclose(f);
    return n;
}

static void scores_match_file(int x_as_number) {
    seer_model *m = load();
    float *want;
    size_t n;
    cr_assert(eq(int, seer_model_score_file(m, csv, SEER_FORMAT_AUTO, &want, &n), SEER_OK));
    cr_assert(eq(sz, n, 2000), "more rows than one chunk of SEER_SCORE_ROWS");
    seer_rows *r;
    cr_assert(eq(int, seer_rows_new(&r, m), SEER_OK));
    cr_assert(eq(sz, fill_rows(r, x_as_number), n));
    cr_assert(eq(sz, seer_rows_count(r), n));
    float *got = malloc(n * sizeof *got);
    cr_assert(eq(int, seer_model_score(m, r, got), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, memcmp(got, want, n * sizeof *got), 0), "scores differ from the file's");
    free(got);
    free(want);
    seer_rows_free(r);
    seer_model_free(m);
}

Test(api, rows_score_as_the_file_to_the_bit) { scores_match_file(0); }
Test(api, rows_of_numbers_score_as_the_file_to_the_bit) { scores_match_file(1); }

Test(api, rows_missing_values_score_as_empty_fields) {
    seer_model *m = load();
    seer_rows *r;
    cr_assert(eq(int, seer_rows_new(&r, m), SEER_OK));
    float p[2];
    cr_assert(eq(int, seer_rows_add(r), SEER_OK));
    cr_assert(eq(int, seer_rows_add(r), SEER_OK));
    cr_assert(eq(int, seer_rows_set_string(r, "x", ""), SEER_OK));
    cr_assert(eq(int, seer_rows_set_string(r, "color", "NA"), SEER_OK));
    cr_assert(eq(int, seer_model_score(m, r, p), SEER_OK));
    cr_assert(eq(int, memcmp(&p[0], &p[1], sizeof *p), 0), "unset and missing differ");
    cr_assert(p[0] > 0 && p[0] < 1);
    seer_rows_clear(r);
    cr_assert(eq(sz, seer_rows_count(r), 0));
    seer_rows_free(r);
    seer_model_free(m);
}

Test(api, unknown_column_refused_by_name) {
    seer_model *m = load();
    seer_rows *r;
    cr_assert(eq(int, seer_rows_new(&r, m), SEER_OK));
    cr_assert(eq(int, seer_rows_set_string(r, "x", "1"), SEER_EINVAL), "before any row");
    cr_assert(eq(int, seer_rows_add(r), SEER_OK));
    cr_assert(eq(int, seer_rows_set_number(r, "colour", 1), SEER_EINVAL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "no column named 'colour'"), NULL), "%s",
              seer_error_message());
    seer_rows_free(r);
    seer_model_free(m);
}

Test(api, string_in_a_numeric_column_is_bad_data_named) {
    seer_model *m = load();
    seer_rows *r;
    cr_assert(eq(int, seer_rows_new(&r, m), SEER_OK));
    float p[2];
    seer_rows_add(r);
    seer_rows_set_string(r, "x", "0.5");
    seer_rows_add(r);
    seer_rows_set_string(r, "x", "abc");
    cr_assert(eq(int, seer_model_score(m, r, p), SEER_EDATA));
    cr_assert(eq(str, (char *)seer_error_message(),
                  "rows:2:2: 'abc' in numeric column 'x' is not a number"));
    seer_rows_free(r);
    seer_model_free(m);
}

Test(api, null_handles_refused) {
    seer_model *bad = (seer_model *)1;
    cr_assert(eq(int, seer_model_load(&bad, NULL, 0), SEER_EINVAL));
    cr_assert(eq(ptr, bad, NULL));
    cr_assert(eq(int, seer_model_load(NULL, path, 0), SEER_EINVAL));
    seer_model *m = load();
    seer_rows *r = NULL, *other = NULL;
    float p[1];
    cr_assert(eq(int, seer_rows_new(NULL, m), SEER_EINVAL));
    cr_assert(eq(int, seer_rows_new(&r, NULL), SEER_EINVAL));
    cr_assert(eq(int, seer_rows_add(NULL), SEER_EINVAL));
    cr_assert(eq(int, seer_rows_set_string(NULL, "x", "1"), SEER_EINVAL));
    cr_assert(eq(int, seer_model_score(NULL, NULL, p), SEER_EINVAL));
    cr_assert(eq(int, seer_model_input(NULL, 0, NULL), SEER_EINVAL));
    seer_metrics met;
    float *sc;
    size_t n;
    cr_assert(eq(int, seer_eval_file(m, csv, SEER_FORMAT_AUTO, 0, &met, NULL), SEER_EINVAL));
    cr_assert(eq(int, seer_eval_file(NULL, csv, SEER_FORMAT_AUTO, 0, &met, &n), SEER_EINVAL));
    cr_assert(eq(int, seer_model_score_file(m, NULL, SEER_FORMAT_AUTO, &sc, &n), SEER_EINVAL));
    cr_assert(eq(int, seer_predict_file(m, csv, SEER_FORMAT_AUTO, 0, NULL, NULL), SEER_EINVAL));
    cr_assert(eq(int, seer_profile_file(NULL, SEER_FORMAT_AUTO, NULL, SEER_TASK_BINARY, 0, stdout), SEER_EINVAL));
    cr_assert(eq(int, seer_rows_new(&r, m), SEER_OK));
    cr_assert(eq(int, seer_rows_set_string(r, "x", NULL), SEER_EINVAL));
    seer_model *m2 = load();
    cr_assert(eq(int, seer_rows_new(&other, m2), SEER_OK));
    cr_assert(eq(int, seer_model_score(m, other, p), SEER_EINVAL), "rows of another model");
    seer_rows_free(other);
    seer_rows_free(r);
    seer_rows_free(NULL);
    seer_model_free(m2);
    seer_model_free(m);
    seer_model_free(NULL);
}

Test(api, strerror_of_each_code) {
    cr_assert(eq(str, (char *)seer_strerror(SEER_OK), "ok"));
    cr_assert(eq(str, (char *)seer_strerror(SEER_EINVAL), "invalid argument"));
    cr_assert(eq(str, (char *)seer_strerror(SEER_EDATA), "bad input data"));
    cr_assert(eq(str, (char *)seer_strerror(SEER_EIO), "input/output failure"));
    cr_assert(eq(str, (char *)seer_strerror(SEER_ENOMEM), "out of memory"));
    cr_assert(eq(str, (char *)seer_strerror(SEER_EINTERNAL), "internal error"));
    cr_assert(eq(str, (char *)seer_strerror(7), "unknown error"));
    int codes[] = {SEER_OK, SEER_EINVAL, SEER_EDATA, SEER_EIO, SEER_ENOMEM, SEER_EINTERNAL, 7};
    int exits[] = {0, 1, 2, 3, 4, 4, 4};
    for (int i = 0; i < 7; i++) cr_assert(eq(int, seer_error_exit_code(codes[i]), exits[i]));
}

Test(api, train_defaults_of_each_kind) {
    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_MLP);
    cr_assert(eq(sz, o.n_hidden, 2));
    cr_assert(eq(sz, o.hidden[0], 64));
    cr_assert(eq(sz, o.hidden[1], 32));
    // The run follows the data (train/auto.h; api/auto_settings_* below).
    cr_assert(eq(sz, o.batch, SEER_AUTO));
    cr_assert(eq(sz, o.epochs, SEER_AUTO));
    cr_assert(eq(sz, o.emb_dim, 16));
    cr_assert(eq(int, o.format, SEER_FORMAT_AUTO));
    cr_assert(o.lr == SEER_AUTO_REAL && o.l2 == SEER_AUTO_REAL && o.valid_frac == 0.1 &&
              o.patience == SEER_AUTO && o.seed == 1);
    cr_assert(eq(sz, o.min_count, 5));
    cr_assert(eq(sz, o.buckets, 16));
    cr_assert(eq(sz, o.max_tokens, 32));
    cr_assert(eq(int, o.cache, -1));
    cr_assert(eq(ptr, (void *)seer_train_options_invalid(&o), NULL));
    seer_train_options_default(&o, SEER_MODEL_DEEPFM);
    cr_assert(eq(int, o.model, SEER_MODEL_DEEPFM));
    cr_assert(eq(sz, o.n_hidden, 3));
    cr_assert(eq(sz, o.hidden[2], 400));
    cr_assert(eq(sz, o.batch, SEER_AUTO));
    seer_train_options_default(&o, SEER_MODEL_FINALMLP);
    cr_assert(eq(sz, o.hidden2[0], 800));
    cr_assert(eq(sz, o.heads, 1));
    cr_assert(eq(sz, o.gate_hidden, 64));
    o.heads = 7;
    cr_assert(ne(ptr, (void *)seer_train_options_invalid(&o), NULL), "7 heads do not divide 400");
    seer_train_options_default(&o, SEER_MODEL_DCNV2);
    cr_assert(eq(sz, o.cross_layers, 3));
    seer_model_kind k;
    cr_assert(eq(int, seer_model_kind_parse("finalmlp", &k), SEER_OK));
    cr_assert(eq(int, k, SEER_MODEL_FINALMLP));
    cr_assert(eq(str, (char *)seer_model_kind_name(k), "finalmlp"));
    cr_assert(eq(int, seer_model_kind_parse("gbdt", &k), SEER_EINVAL));
}

// The public options train the same model, byte for byte, as the internal job that
// small_model.h runs with the same settings; then the model evaluates on its table.
Test(api, train_through_public_options_then_eval) {
    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_MLP);
    o.data = csv;
    o.label = "label";
    o.epochs = 2;
    o.batch = 256;  // small_model.h's run, given
    o.lr = 1e-3f;
    o.patience = 3;
    o.valid_frac = 0;
    o.quiet = 1;
    o.hidden[0] = 16;
    o.hidden[1] = 8;
    o.average_decay = 0;  // small_model.h's job does not leave it to the data
    seer_model *m = NULL;
    seer_train_report r;
    cr_assert(eq(int, seer_train(&o, &m, &r), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, r.train_rows, 2000));
    cr_assert(eq(sz, r.epochs_run, 2));
    char again[160];
    snprintf(again, sizeof again, "%s/again.seer", dir);
    cr_assert(eq(int, seer_model_save(m, again), SEER_OK));
    assert_same_files(path, again, "the public options trained another model");
    unlink(again);
    seer_metrics met;
    size_t skipped = 0;
    cr_assert(eq(int, seer_eval_file(m, csv, SEER_FORMAT_AUTO, 0, &met, &skipped), SEER_OK));
    cr_assert(eq(sz, met.rows, 2000));
    cr_assert(met.auc >= 0 && met.auc <= 1 && met.positive_rate > 0 && met.positive_rate < 1);
    seer_model_free(m);
}

Test(api, train_refuses_what_cannot_train) {
    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_MLP);
    seer_model *m = (seer_model *)&o;
    o.data = csv;
    cr_assert(eq(int, seer_train(&o, &m, NULL), SEER_EINVAL), "no label");
    cr_assert(eq(ptr, m, NULL));
    cr_assert(eq(int, seer_train(NULL, &m, NULL), SEER_EINVAL));
    o.label = "no_such_column";
    o.quiet = 1;
    cr_assert(eq(int, seer_train(&o, &m, NULL), SEER_EDATA));
    cr_assert(ne(ptr, strstr(seer_error_message(), "no_such_column"), NULL), "%s",
              seer_error_message());
}

Test(api, unknown_model_kind_refused) {
    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_MLP);
    o.data = csv;
    o.label = "label";
    o.model = (seer_model_kind)42;
    seer_model *m = NULL;
    cr_assert(ne(ptr, (void *)seer_train_options_invalid(&o), NULL));
    cr_assert(eq(ptr, (void *)seer_model_kind_name(o.model), NULL));
    cr_assert(eq(int, seer_train(&o, &m, NULL), SEER_EINVAL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "no such model kind"), NULL), "%s",
              seer_error_message());
}

// Values seer train's parser would refuse are refused by seer_train too, before any work
// (a batch of 0 divided by zero).
Test(api, out_of_range_options_refused) {
    const char *want[] = {"batch", "hidden", "emb_dim", "threads", "valid_frac", "format",
                          "heads", "epochs"};
    for (int k = 0; k < 8; k++) {
        seer_train_options o;
        seer_train_options_default(&o, SEER_MODEL_MLP);
        o.data = csv;
        o.label = "label";
        o.quiet = 1;
        if (k == 0) o.batch = 0;
        if (k == 1) o.n_hidden = SEER_HIDDEN_MAX + 1;
        if (k == 2) o.emb_dim = 0;
        if (k == 3) o.threads = 0;
        if (k == 4) o.valid_frac = NAN;
        if (k == 5) o.format = (seer_format)9;
        if (k == 6) o.heads = 0;
        if (k == 7) o.epochs = 0;
        seer_model *m = NULL;
        cr_assert(eq(int, seer_train(&o, &m, NULL), SEER_EINVAL), "%s", want[k]);
        cr_assert(ne(ptr, strstr(seer_error_message(), want[k]), NULL), "%s: %s", want[k],
                  seer_error_message());
        cr_assert(eq(ptr, m, NULL));
    }
}

// The settings text of the run, as a checkpoint records it; too small a buffer is refused.
Test(api, train_settings_text) {
    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_DCNV2);
    o.data = csv;
    o.label = "label";
    char buf[SEER_CHECKPOINT_SETTINGS_MAX], small[16];
    cr_assert(eq(int, seer_train_settings(&o, buf, sizeof buf), SEER_OK), "%s",
              seer_error_message());
    cr_assert(ne(ptr, strstr(buf, "--model dcnv2\n--hidden 400,400,400\n"), NULL), "%s", buf);
    cr_assert(ne(ptr, strstr(buf, "\n--cross-layers 3\n--dcn-structure parallel\n"), NULL));
    cr_assert(eq(int, strncmp(buf, "DATA ", 5), 0));
    cr_assert(eq(int, seer_train_settings(&o, small, sizeof small), SEER_EINVAL));
    cr_assert(eq(int, seer_train_settings(NULL, buf, sizeof buf), SEER_EINVAL));
    o.label = NULL;
    cr_assert(eq(int, seer_train_settings(&o, buf, sizeof buf), SEER_EINVAL));
}

// A batch_cap so large that the network's buffer sizes overflowed loaded "successfully" and
// left the scoring paths to fail or write past their buffers.
Test(api, huge_batch_cap_refused) {
    seer_model *m = (seer_model *)1;
    cr_assert(eq(int, seer_model_load(&m, path, (size_t)1 << 62), SEER_EINVAL));
    cr_assert(eq(ptr, m, NULL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "batch_cap"), NULL));
    cr_assert(eq(int, seer_model_load(&m, path, SEER_BATCH_CAP_MAX + 1), SEER_EINVAL));
    cr_assert(eq(int, seer_model_load(&m, path, 1 << 16), SEER_OK), "%s",
              seer_error_message());
    seer_model_free(m);
}

// A server config out of the ranges seer serve's options have is refused by the library too
// (it started with port 70000 or no threads at all), before any file is opened.
Test(api, server_config_out_of_range_refused) {
    seer_server_config good;
    seer_server_config_default(&good);
    good.model_path = "no-such-model.seer";
    seer_server_config bad[7];
    for (size_t i = 0; i < 7; i++) bad[i] = good;
    bad[0].port = 70000;
    bad[1].threads = 0;
    bad[2].max_batch = 0;
    bad[3].max_body = 0;
    bad[4].max_connections = 0;
    bad[5].model_path = NULL;
    bad[6].timeout_s = 86401;
    for (size_t i = 0; i < 7; i++) {
        seer_server *s = NULL;
        cr_assert(eq(int, seer_server_start(&s, &bad[i]), SEER_EINVAL), "config %zu", i);
        cr_assert(ne(ptr, strstr(seer_error_message(), "server config"), NULL), "%s",
                  seer_error_message());
    }
    seer_server *s = NULL;
    cr_assert(eq(int, seer_server_start(&s, NULL), SEER_EINVAL));
    // The good config gets past the checks to the model, which is missing: an I/O error.
    cr_assert(eq(int, seer_server_start(&s, &good), SEER_EIO), "%s", seer_error_message());
}
