// Model files written before a change still load and score the same, to the last bit.
//
// tests/compat/ holds model files of every kind and of each option that changes a model
// file, a training checkpoint, and what the seer that wrote them made of a fixed scoring file
// (tests/compat_make.sh wrote it all; the commit that added them names that seer). Each test
// scores with the current library, as `seer predict` does, and compares the bits of every
// score (text "%08x %.9g" a row); the command line's `seer eval` and `seer predict` text is
// compared byte for byte.
//
// The bits depend on the machine, not only the code: oneDNN picks its GEMM kernels by CPU
// (DNNL_MAX_CPU_ISA caps it), and a build without optimisation fuses no multiply-adds. So a
// reference FILE has variants FILE.ISA (written under that cap, where it differs) and, for
// Debug builds, FILE.debug and FILE.debug.ISA; the output must equal one of its family's
// files exactly. A failure shows the first line that differs from the machine's own file.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"
#include "tmpdir.h"

#include "base/error.h"
#include "io/checkpoint.h"
#include "io/model.h"
#include "train/predict.h"

#define DIR "tests/compat/"

static const char *const isas[] = {".avx512_core", ".avx2", ".avx", ".sse41"};
#define N_ISAS (sizeof isas / sizeof *isas)

static char *read_or_null(const char *path) {
    return file_exists(path) ? slurp(path, NULL) : NULL;
}

// Asserts that got equals the reference base (DIR-relative) or one of its variants.
static void expect_reference(const char *got, const char *base) {
#ifdef __OPTIMIZE__
    const char *family = "";
#else
    const char *family = ".debug";
#endif
    char path[512], *own;
    snprintf(path, sizeof path, DIR "%s%s", base, family);
    own = read_or_null(path);
    if (!own) {
        snprintf(path, sizeof path, DIR "%s", base);
        own = slurp(path, NULL);
    }
    int same = strcmp(got, own) == 0;
    for (size_t i = 0; i < N_ISAS && !same; i++) {
        snprintf(path, sizeof path, DIR "%s%s%s", base, family, isas[i]);
        char *v = read_or_null(path);
        same = v && strcmp(got, v) == 0;
        free(v);
    }
    if (!same) {
        size_t at = 0, line = 1;
        while (got[at] && got[at] == own[at]) {
            if (got[at] == '\n') line++;
            at++;
        }
        const char *g = got + at, *o = own + at;
        while (g > got && g[-1] != '\n') g--, o--;
        cr_assert(same, "%s%s, line %zu: got \"%.*s\", expected \"%.*s\" (or a variant)",
                  base, family, line, (int)strcspn(g, "\n"), g, (int)strcspn(o, "\n"), o);
    }
    free(own);
}

typedef struct {
    char *text;
    size_t n, cap;
} text_buf;

static int append_bits(void *ctx, const float *p, const float *y, size_t n) {
    text_buf *t = ctx;
    for (size_t i = 0; i < n; i++) {
        if (t->n + 64 > t->cap) {
            t->cap = 2 * t->cap + 4096;
            t->text = realloc(t->text, t->cap);
            cr_assert(ne(ptr, t->text, NULL));
        }
        uint32_t b;
        memcpy(&b, &p[i], sizeof b);
        t->n += (size_t)sprintf(t->text + t->n, "%08" PRIx32 " %.9g\n", b, (double)p[i]);
    }
    return SEER_OK;
}

// The bits of every score of data under the model at path, as `seer predict` computes them:
// batches of 1024 rows, the model's own format.
static char *score_bits(const char *path, const char *data) {
    seer_model *m;
    cr_assert(eq(int, seer_model_load(&m, path, 1024), SEER_OK), "%s", seer_error_message());
    seer_table_options topt = {m->tf.format, 0};
    seer_table *tab;
    cr_assert(eq(int, seer_table_open(&tab, data, &topt), SEER_OK), "%s", seer_error_message());
    text_buf t = {malloc(4096), 0, 4096};
    cr_assert(ne(ptr, t.text, NULL));
    t.text[0] = '\0';
    size_t skipped = 0;
    int rc = seer_predict_table(m, tab, 0, 0, &skipped, append_bits, &t);
    cr_assert(eq(int, rc, SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, skipped, 0));
    seer_table_close(tab);
    seer_model_free(m);
    return t.text;
}

// The model NAME.seer scores its scoring file as before, and `seer eval` prints the same.
static void check_model(const char *name) {
    const char *data = strncmp(name, "criteo_", 7) == 0 ? DIR "criteo_score.txt"
                                                          : DIR "score.csv";
    char path[512], base[256];
    snprintf(path, sizeof path, DIR "%s.seer", name);
    char *bits = score_bits(path, data);
    snprintf(base, sizeof base, "%s.scores", name);
    expect_reference(bits, base);
    free(bits);
    run_seer("eval", path, data, NULL);
    expect_exit(0);
    snprintf(base, sizeof base, "%s.eval", name);
    // The lines it printed then, unchanged; the metrics added since (brier, ece, ks, gini, the
    // reliability table) follow them.
    size_t lines = 0, at = 0;
    snprintf(path, sizeof path, DIR "%s", base);
    char *old = slurp(path, NULL);
    for (const char *c = old; *c; c++) lines += *c == '\n';
    free(old);
    for (size_t k = 0; k < lines && last.out[at]; at++) k += last.out[at] == '\n';
    last.out[at] = 0;
    expect_reference(last.out, base);
}

static void fini(void) {
    run_free_last();
}

TestSuite(compat, .fini = fini);

#define MODEL_TEST(name) \
    Test(compat, scores_##name) { check_model(#name); }

MODEL_TEST(lr)
MODEL_TEST(mlp)
MODEL_TEST(fm)
MODEL_TEST(wdl)
MODEL_TEST(deepfm)
MODEL_TEST(dcnv2)
MODEL_TEST(dcnv2_stacked)
MODEL_TEST(finalmlp)
MODEL_TEST(mlp_bf16)
MODEL_TEST(mlp_adagrad)
MODEL_TEST(mlp_dropout)
MODEL_TEST(mlp_multi)
MODEL_TEST(deepfm_multi_sum)
MODEL_TEST(wdl_hash)
MODEL_TEST(fm_hash_shared)
MODEL_TEST(criteo_mlp)
MODEL_TEST(criteo_dcnv2)

Test(compat, cli_predict_text) {
    run_seer("predict", DIR "deepfm_multi_sum.seer", DIR "score.csv", NULL);
    expect_exit(0);
    expect_reference(last.out, "deepfm_multi_sum.predict");
    run_seer("predict", DIR "criteo_mlp.seer", DIR "criteo_score.txt", NULL);
    expect_exit(0);
    expect_reference(last.out, "criteo_mlp.predict");
}

// The state as compat_make.sh prints it: every field, doubles in "%a".
static char *state_text(const seer_checkpoint_state *st, int bp, int be, int bw) {
    char *s = malloc(16384), *w = s;
    cr_assert(ne(ptr, s, NULL));
    w += sprintf(w, "step %ld\nepoch %zu\nbatch %zu\n", st->step, st->epoch, st->batch);
    for (int i = 0; i < 4; i++) w += sprintf(w, "rng%d %016" PRIx64 "\n", i, st->rng[i]);
    w += sprintf(w, "loss_sum %a\nepochs_run %zu\nbest_score %a\nbest_epoch %zu\n"
                 "since_best %zu\n", st->loss_sum, st->epochs_run, st->best_score,
                 st->best_epoch, st->since_best);
    w += sprintf(w, "best_auc %a\nbest_logloss %a\nbest_accuracy %a\nbest_positive_rate %a\n",
                 st->best_auc, st->best_logloss, st->best_accuracy, st->best_positive_rate);
    w += sprintf(w, "best_rows %zu\nbatch_size %zu\nseed %" PRIu64 "\n", st->best_rows,
                 st->batch_size, st->seed);
    w += sprintf(w, "online_seq %" PRIu64 "\nonline_applied %" PRIu64 "\n", st->online_seq,
                 st->online_applied);
    w += sprintf(w, "best_params %s\nbest_emb %s\nbest_wide %s\n", bp ? "yes" : "no",
                 be ? "yes" : "no", bw ? "yes" : "no");
    snprintf(w, 16384 - (size_t)(w - s), "settings\n%s", st->settings);
    return s;
}

Test(compat, checkpoint_state) {
    seer_model *m;
    seer_checkpoint_state st;
    float *bp = NULL, *be = NULL, *bw = NULL;
    int rc = seer_checkpoint_read(&m, DIR "mlp.ckpt", 1024, &st, &bp, &be, &bw);
    cr_assert(eq(int, rc, SEER_OK), "%s", seer_error_message());
    char *s = state_text(&st, bp != NULL, be != NULL, bw != NULL);
    char *want = slurp(DIR "mlp.ckpt.state", NULL);
    cr_assert(eq(str, s, want));
    free(want);
    free(s);
    free(bp);
    free(be);
    free(bw);
    seer_model_free(m);
}

// A run resumed from the old checkpoint ends with the model the old seer's resume did.
Test(compat, checkpoint_resume) {
    char dir[] = "/tmp/seer_compat_XXXXXX", ckpt[64], model[64];
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
    snprintf(ckpt, sizeof ckpt, "%s/r.ckpt", dir);
    snprintf(model, sizeof model, "%s/r.seer", dir);
    char *args = slurp(DIR "mlp.ckpt.args", NULL);
    const char *a[36] = {0};
    size_t n = 0;
    for (char *t = strtok(args, " \n"); t; t = strtok(NULL, " \n")) {
        cr_assert(lt(sz, n, 28));
        a[n++] = t;
    }
    // The old seer calibrated nothing.
    const char *extra[] = {"--resume", DIR "mlp.ckpt", "--checkpoint", ckpt, "-o", model,
                           "--calibration", "none"};
    for (size_t i = 0; i < 8; i++) a[n++] = extra[i];
    run_seer("train", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
             a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21],
             a[22], a[23], a[24], a[25], a[26], a[27], a[28], a[29], a[30], a[31], a[32],
             a[33], a[34], a[35], NULL);
    expect_exit(0);
    char *bits = score_bits(model, DIR "score.csv");
    expect_reference(bits, "mlp_resumed.scores");
    free(bits);
    free(args);
    remove_tree(dir);
}

// Saving a loaded model writes the very bytes the old seer wrote: the writer is unchanged.
Test(compat, resave_same_bytes) {
    static const char *const names[] = {
        "lr", "mlp", "fm", "wdl", "deepfm", "dcnv2", "dcnv2_stacked", "finalmlp", "mlp_bf16",
        "mlp_adagrad", "mlp_dropout", "mlp_multi", "deepfm_multi_sum", "wdl_hash",
        "fm_hash_shared", "criteo_mlp", "criteo_dcnv2"};
    char dir[] = "/tmp/seer_compat_XXXXXX", path[256], copy[64];
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
    snprintf(copy, sizeof copy, "%s/m.seer", dir);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, DIR "%s.seer", names[i]);
        seer_model *m;
        cr_assert(eq(int, seer_model_load(&m, path, 1024), SEER_OK), "%s", seer_error_message());
        cr_assert(eq(int, seer_model_save(m, copy), SEER_OK), "%s", seer_error_message());
        seer_model_free(m);
        cr_assert(same_bytes(path, copy), "%s: saved again, the bytes differ", path);
    }
    remove_tree(dir);
}
