// Whole model files: the fitted transform comes back bit for bit (means,
// deviations, bucket edges), so a loaded model encodes rows exactly as the
// model did in training.
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/rng.h"
#include "fit_text.h"
#include "io/model.h"

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
    seer_net_config c = {.kind = SEER_MODEL_MLP, .n_fields = m.tf.n_fields,
                         .n_dense = m.tf.n_dense, .emb_rows = m.tf.emb_rows, .emb_dim = 4,
                         .n_hidden = 1, .hidden = {3}, .batch_cap = 8};
    cr_assert(eq(int, seer_net_init(&m.net, &c, 1), SEER_OK));
    char path[] = "/tmp/seer_model_io_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(ge(int, fd, 0));
    close(fd);
    cr_assert(eq(int, seer_model_save(&m, path), SEER_OK), "%s", seer_error_message());
    seer_model *back;
    cr_assert(eq(int, seer_model_load(&back, path, 8), SEER_OK), "%s", seer_error_message());
    unlink(path);
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
