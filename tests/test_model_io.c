// Whole model files: the fitted transform comes back bit for bit (means,
// deviations, bucket edges), so a loaded model encodes rows exactly as the
// model did in training.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/rng.h"
#include "fit_text.h"
#include "io/model.h"
#include "io/modelfile.h"

// Gives m (its transform fitted) a small mlp, saves it to a scratch file and loads it back.
static seer_model *with_net_saved_and_loaded(seer_model *m) {
    seer_net_config c = {.kind = SEER_MODEL_MLP, .n_fields = m->tf.n_fields,
                         .n_dense = m->tf.n_dense, .emb_rows = m->tf.emb_rows, .emb_dim = 4,
                         .n_hidden = 1, .hidden = {3}, .batch_cap = 8};
    cr_assert(eq(int, seer_net_init(&m->net, &c, 1), SEER_OK));
    char path[] = "/tmp/seer_model_io_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(ge(int, fd, 0));
    close(fd);
    cr_assert(eq(int, seer_model_save(m, path), SEER_OK), "%s", seer_error_message());
    seer_model *back;
    cr_assert(eq(int, seer_model_load(&back, path, 8), SEER_OK), "%s", seer_error_message());
    unlink(path);
    return back;
}

Test(model_io, transform_round_trip_is_exact) {
    // 40,000 rows: enough for bucket fields; a heavy-tailed column (logged,
    // so its statistics are not short decimals) and a plain one.
    size_t n = 40000;
    char *text = malloc(n * 48 + 64), *w = text;
    w += sprintf(w, "y,heavy,plain,c\n");
    seer_rng r;
    seer_rng_init(&r, 5);
    for (size_t i = 0; i < n; i++) {
        double u = seer_rng_uniform(&r);
        w += sprintf(w, "%zu,%.6f,%.4f,k%zu\n", i % 2, exp(8 * u) - 1, seer_rng_normal(&r), i % 7);
    }
    seer_table *tab;
    seer_profile p;
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    seer_model m;
    memset(&m, 0, sizeof m);
    cr_assert(eq(int, fit_text_with(text, &o, &m.tf, &p, &tab), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(int, m.tf.col[1].log, 1));
    cr_assert(gt(sz, m.tf.col[1].n_edges, 2));
    // Values whose 15-digit forms read back within an ulp but not exactly: the
    // writer must not settle for that.
    m.tf.col[1].mean = 0.1 + 0.2;
    m.tf.col[2].std = nextafter(1.0, 2.0);
    m.tf.col[1].edges[0] = nextafter(m.tf.col[1].edges[0], 0.0);
    seer_model *back = with_net_saved_and_loaded(&m);
    for (size_t j = 1; j <= 2; j++) {
        const seer_column *a = &m.tf.col[j], *b = &back->tf.col[j];
        cr_assert(eq(int, memcmp(&a->mean, &b->mean, sizeof a->mean), 0), "mean of %zu", j);
        cr_assert(eq(int, memcmp(&a->std, &b->std, sizeof a->std), 0), "std of %zu", j);
        cr_assert(eq(sz, a->n_edges, b->n_edges));
        cr_assert(eq(int, memcmp(a->edges, b->edges, a->n_edges * sizeof *a->edges), 0),
                  "edges of %zu", j);
    }
    cr_assert(eq(int, memcmp(m.net.params, back->net.params, m.net.n_params * sizeof(float)), 0));
    seer_model_free(back);
    seer_net_free(&m.net);
    seer_transform_free(&m.tf);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

// The id rule's decision is the transform's: saved and loaded, store is still categorical
// with the same vocabulary, says why, and a row encodes to the same ids and values.
Test(model_io, id_decision_survives_save_and_load) {
    char *text = id_table_text(4000, 3);
    seer_table *tab;
    seer_profile p;
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    seer_model m;
    memset(&m, 0, sizeof m);
    cr_assert(eq(int, fit_text_with(text, &o, &m.tf, &p, &tab), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(int, m.tf.col[0].kind, SEER_COL_CATEGORICAL), "%s", m.tf.col[0].reason);
    seer_model *back = with_net_saved_and_loaded(&m);
    const seer_column *a = &m.tf.col[0], *b = &back->tf.col[0];
    cr_assert(eq(int, b->kind, SEER_COL_CATEGORICAL));
    cr_assert(eq(str, (char *)b->reason, (char *)a->reason));
    cr_assert(eq(sz, b->n_vocab, 40));
    cr_assert(eq(int, memcmp(a->vocab, b->vocab, a->n_vocab * sizeof *a->vocab), 0));
    cr_assert(eq(int, back->tf.col[1].kind, SEER_COL_NUMERIC));
    seer_table *rows;
    seer_table_options to = {SEER_FORMAT_AUTO, 0};
    const char *probe = "store,visits,y\n117,3,1\n999,39,0\n";
    cr_assert(eq(int, seer_table_open_memory(&rows, probe, strlen(probe), "p.csv", 0, &to),
                 SEER_OK));
    long map_a[3], map_b[3];
    cr_assert(eq(int, seer_transform_bind(&m.tf, rows, map_a, 1), SEER_OK));
    cr_assert(eq(int, seer_transform_bind(&back->tf, rows, map_b, 1), SEER_OK));
    seer_row row;
    while (seer_table_next(rows, &row) == 1) {
        uint32_t ia[4], ib[4];
        float da[4], db[4], ya, yb;
        cr_assert(eq(int, seer_transform_row(&m.tf, map_a, &row, "p.csv", ia, da, &ya), 0));
        cr_assert(eq(int, seer_transform_row(&back->tf, map_b, &row, "p.csv", ib, db, &yb), 0));
        cr_assert(eq(int, memcmp(ia, ib, m.tf.n_slots * sizeof *ia), 0));
        cr_assert(eq(int, memcmp(da, db, m.tf.n_dense * sizeof *da), 0));
    }
    seer_table_close(rows);
    seer_model_free(back);
    seer_net_free(&m.net);
    seer_transform_free(&m.tf);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}

// A small fitted model (columns y, x numeric, c categorical) for the tests below.
static void small_model(seer_model *m, seer_profile *p, seer_table **tab, char **text) {
    char *w = *text = malloc(1 << 16);
    w += sprintf(w, "y,x,c\n");
    for (int i = 0; i < 300; i++) w += sprintf(w, "%d,%d,k%d\n", i % 2, i % 17, i % 5);
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    memset(m, 0, sizeof *m);
    cr_assert(eq(int, fit_text_with(*text, &o, &m->tf, p, tab), SEER_OK), "%s",
              seer_error_message());
    seer_net_config c = {.kind = SEER_MODEL_MLP, .n_fields = m->tf.n_fields,
                         .n_dense = m->tf.n_dense, .emb_rows = m->tf.emb_rows, .emb_dim = 4,
                         .n_hidden = 1, .hidden = {3}, .batch_cap = 8};
    cr_assert(eq(int, seer_net_init(&m->net, &c, 1), SEER_OK));
}

static void free_small(seer_model *m, seer_profile *p, seer_table *tab, char *text) {
    seer_net_free(&m->net);
    seer_transform_free(&m->tf);
    seer_profile_free(p);
    seer_table_close(tab);
    free(text);
}

Test(model_io, save_refuses_nonfinite_numbers) {
    seer_model m;
    seer_profile p;
    seer_table *tab;
    char *text;
    small_model(&m, &p, &tab, &text);
    char path[] = "/tmp/seer_model_io_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(ge(int, fd, 0));
    close(fd);
    unlink(path);
    m.tf.col[1].mean = INFINITY;
    cr_assert(eq(int, seer_model_save(&m, path), SEER_EINTERNAL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "column 2 ('x') has a non-finite \"mean\""),
                 NULL), "%s", seer_error_message());
    cr_assert(ne(int, access(path, F_OK), 0), "nothing written");
    m.tf.col[1].mean = 0;
    m.net.params[1] = NAN;
    cr_assert(eq(int, seer_model_save(&m, path), SEER_EINTERNAL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "tensor dense holds NaN at index 1"), NULL),
              "%s", seer_error_message());
    cr_assert(ne(int, access(path, F_OK), 0), "nothing written");
    free_small(&m, &p, tab, text);
}

// Rewrites the model file at path with its JSON text's first `from` replaced by `to`.
static void rewrite_json(const char *path, const char *from, const char *to) {
    seer_modelfile *f;
    cr_assert(eq(int, seer_modelfile_open(&f, path), SEER_OK), "%s", seer_error_message());
    const char *json = seer_modelfile_json(f), *at = strstr(json, from);
    cr_assert(ne(ptr, (void *)at, NULL), "no %s in %s", from, json);
    size_t n = strlen(json), k = (size_t)(at - json);
    char *edited = malloc(n + strlen(to) + 1);
    sprintf(edited, "%.*s%s%s", (int)k, json, to, at + strlen(from));
    size_t nt = seer_modelfile_count(f);
    seer_tensor *ts = malloc(nt * sizeof *ts);
    for (size_t i = 0; i < nt; i++) ts[i] = *seer_modelfile_at(f, i);
    cr_assert(eq(int, seer_modelfile_write(path, edited, ts, nt), SEER_OK));
    free(ts);
    free(edited);
    seer_modelfile_close(f);
}

Test(model_io, malformed_transform_names_column_and_key) {
    seer_model m;
    seer_profile p;
    seer_table *tab;
    char *text;
    small_model(&m, &p, &tab, &text);
    char path[] = "/tmp/seer_model_io_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(ge(int, fd, 0));
    close(fd);
    const struct {
        const char *from, *to, *want;
    } cases[] = {
        {"\"mean\":", "\"mean\":null,\"was\":", "column 2 of 3 ('x') has no valid \"mean\""},
        {"\"std\":", "\"std\":1e999,\"was\":", "column 2 of 3 ('x') has no valid \"std\""},
        {"\"std\":", "\"std\":-1,\"was\":", "column 2 of 3 ('x') has no valid \"std\""},
        {"\"kind\":\"categorical\"", "\"kind\":\"blue\"", "column 3 of 3 ('c') has no valid "
         "\"kind\""},
        {"\"vocab\":", "\"vocab\":\"5\",\"was\":", "column 3 of 3 ('c') has no valid \"vocab\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cr_assert(eq(int, seer_model_save(&m, path), SEER_OK), "%s", seer_error_message());
        rewrite_json(path, cases[i].from, cases[i].to);
        seer_model *back = NULL;
        cr_assert(eq(int, seer_model_load(&back, path, 8), SEER_EDATA), "case %zu", i);
        cr_assert(ne(ptr, strstr(seer_error_message(), cases[i].want), NULL), "case %zu: %s", i,
                  seer_error_message());
    }
    unlink(path);
    free_small(&m, &p, tab, text);
}

Test(model_io, huge_values_round_trip) {
    // Numbers near DBL_MAX train a model that loads again (the mean used to
    // overflow to an infinity, written as null).
    char *text = malloc(1 << 16), *w = text;
    w += sprintf(w, "y,big\n");
    for (int i = 0; i < 300; i++)
        w += sprintf(w, "%d,%s\n", i % 2, i % 3 == 0 ? "1.7e308" : i % 3 == 1 ? "1.6e308" : "3");
    seer_table *tab;
    seer_profile p;
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "y";
    seer_model m;
    memset(&m, 0, sizeof m);
    cr_assert(eq(int, fit_text_with(text, &o, &m.tf, &p, &tab), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(int, isfinite(m.tf.col[1].mean), 1), "mean %g", m.tf.col[1].mean);
    seer_model *back = with_net_saved_and_loaded(&m);
    cr_assert(eq(int, memcmp(&back->tf.col[1].mean, &m.tf.col[1].mean, sizeof(double)), 0));
    cr_assert(eq(int, memcmp(&back->tf.col[1].std, &m.tf.col[1].std, sizeof(double)), 0));
    seer_model_free(back);
    seer_net_free(&m.net);
    seer_transform_free(&m.tf);
    seer_profile_free(&p);
    seer_table_close(tab);
    free(text);
}
