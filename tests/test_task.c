// The tasks beside binary (seer train --task regression|ziln): the heads' gradients through the
// whole network against finite differences, what predict returns, the label checks per task,
// a regression that learns a linear function, a model file's round trip, and the value metrics
// of eval against hand-computed cases.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seer.h"
#include "seer/serve.h"

#include "cli_run.h"
#include "http_client.h"
#include "io/model.h"
#include "models/net.h"
#include "nn/ziln.h"
#include "tmpdir.h"
#include "train/value_metrics.h"

static char tmpdir[64];
static char paths[8][512];
static int npaths;

static void make_dir(void) {
    strcpy(tmpdir, "/tmp/seer_test_task_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(tmpdir), NULL));
}

static void remove_dir(void) {
    run_free_last();
    remove_tree(tmpdir);
}

TestSuite(task, .init = make_dir, .fini = remove_dir, .timeout = 300);

static const char *tmp_path(const char *name) {
    char *p = paths[npaths++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

// ---- the heads through the network, by finite differences --------------------------------
//
// A small net (2 fields of 4, 3 dense inputs, one hidden layer of 5, 8 rows) with the head of
// the task. The analytic gradient is the one a training step computes: a step at lr 0 leaves
// the weights as they were and n->grads (dense) and n->drows (the rows of the table it
// touched, n->uniq) holding it: of the loss it steps on, which for regression is that of the
// standardised label, seer_net_loss / sd^2. Central differences of seer_net_loss (double, from float
// outputs) with a step of 3e-3: the float rounding of the outputs moves the loss (about 1 to
// 3 here) by about 1e-7, up to 4e-5 in the numerical value, so a gradient passes if
// |num - ana| <= 1e-4 + 2e-3 |ana|. A wrong term (a missing 1/B, sigma's softplus slope, a
// head output wired to the wrong unit) is off by 1e-2 or more. A perturbation that switches a
// ReLU makes the loss non-smooth: those elements are skipped, a few at most.

#define GF 2
#define GROWS 10
#define GDENSE 3
#define GB 8

typedef struct {
    seer_net n;
    uint32_t ids[GB * GF];
    float dense[GB * GDENSE], y[GB];
    double scale;  // the loss a step differentiates over seer_net_loss's (label units)
} head_case;

static void head_case_init(head_case *h, seer_model_kind kind, seer_task task) {
    seer_net_config c = {.kind = kind, .n_fields = GF, .n_dense = GDENSE, .emb_rows = GROWS,
                         .emb_dim = 4, .batch_cap = GB, .n_hidden = 1, .hidden = {5},
                         .task = task, .label_mean = 2.0f, .label_sd = 1.5f};
    if (kind == SEER_MODEL_DCNV2) c.n_cross = 1;
    cr_assert(eq(ptr, (void *)seer_net_config_invalid(&c), NULL));
    cr_assert(eq(int, seer_net_init(&h->n, &c, 7), SEER_OK));
    seer_rng r;
    seer_rng_init(&r, 11);
    for (size_t i = 0; i < GB * GF; i++)
        h->ids[i] = (uint32_t)((i % GF) * (GROWS / GF) + seer_rng_below(&r, GROWS / GF));
    for (size_t i = 0; i < GB * GDENSE; i++) h->dense[i] = (float)(seer_rng_uniform(&r) * 2 - 1);
    // Amounts: zeros and positives of several sizes (ziln), or any numbers (regression).
    const float y[GB] = {0.0f, 3.5f, 0.0f, 12.0f, 0.7f, 0.0f, 40.0f, 2.0f};
    for (size_t i = 0; i < GB; i++) h->y[i] = task == SEER_TASK_REGRESSION ? y[i] - 5 : y[i];
    // Regression steps on the standardised label: its loss is the reported one / sd^2.
    h->scale = task == SEER_TASK_REGRESSION ? 1 / (1.5 * 1.5) : 1;
    // Heads away from 0, so that the checks see sigma's and mu's terms at work, and weights
    // that pass gradients to the trunk (dcnv2 starts a ziln head's at 0).
    size_t last = h->n.n_layers - 1;
    float *b = h->n.b[last], *w = h->n.w[last];
    if (task == SEER_TASK_ZILN) b[1] = 1.0f, b[2] = 0.3f;
    for (size_t i = 0; i < h->n.layer_in[last] * h->n.layer_out[last]; i++)
        if (w[i] == 0) w[i] = (float)(seer_rng_uniform(&r) - 0.5);
}

static double loss_now(head_case *h, uint8_t *mask) {
    seer_net *n = &h->n;
    seer_net_forward(n, h->ids, h->dense, GB);
    // The ReLU pattern of the hidden layer (the last but one layer of both models).
    const float *hid = n->h[n->n_layers - 2];
    for (size_t i = 0; i < GB * 5; i++) mask[i] = hid[i] > 0;
    return seer_net_loss(n, h->y, GB);
}

static size_t check_part(const char *what, head_case *h, float *x, const float *ana, size_t k,
                         const uint8_t *mask0) {
    uint8_t mp[GB * 5], mm[GB * 5];
    size_t skipped = 0;
    for (size_t i = 0; i < k; i++) {
        float x0 = x[i], xp = (float)(x0 + 3e-3), xm = (float)(x0 - 3e-3);
        x[i] = xp;
        double lp = loss_now(h, mp);
        x[i] = xm;
        double lm = loss_now(h, mm);
        x[i] = x0;
        if (memcmp(mp, mask0, sizeof mp) || memcmp(mm, mask0, sizeof mm)) {
            skipped++;
            continue;
        }
        double num = (lp - lm) / ((double)xp - (double)xm) * h->scale;
        if (!(fabs(num - ana[i]) <= 1e-4 + 2e-3 * fabs(ana[i])))
            cr_fatal("%s[%zu]: numerical %.7g analytic %.7g", what, i, num, ana[i]);
    }
    return skipped;
}

static void check_head(seer_model_kind kind, seer_task task) {
    head_case h;
    head_case_init(&h, kind, task);
    seer_net *n = &h.n;
    uint8_t mask0[GB * 5];
    double before = loss_now(&h, mask0);
    seer_adam_config still = seer_net_optimiser(&n->cfg, 0.0f);
    double stepped = seer_net_train_step(n, h.ids, h.dense, h.y, GB, &still);
    cr_assert(eq(dbl, stepped, before), "the step's loss is seer_net_loss");
    float *grads = malloc(n->n_params * sizeof *grads), demb[GROWS * 4] = {0};
    memcpy(grads, n->grads, n->n_params * sizeof *grads);
    // The table's gradient by row: the step's unique rows and their gradient rows.
    size_t n_uniq = 0;
    for (size_t i = 0; i < GB * GF; i++) {
        int seen = 0;
        for (size_t k = 0; k < i; k++) seen |= h.ids[k] == h.ids[i];
        n_uniq += !seen;
    }
    for (size_t k = 0; k < n_uniq; k++) memcpy(demb + n->uniq[k] * 4, n->drows + k * 4, 16);
    size_t skipped = check_part("params", &h, n->params, grads, n->n_params, mask0);
    skipped += check_part("emb", &h, n->emb, demb, GROWS * 4, mask0);
    cr_assert(le(sz, skipped, 4), "%zu elements skipped at a ReLU switch", skipped);
    free(grads);
    seer_net_free(n);
}

Test(task, ziln_head_gradcheck_mlp) { check_head(SEER_MODEL_MLP, SEER_TASK_ZILN); }
Test(task, ziln_head_gradcheck_dcnv2) { check_head(SEER_MODEL_DCNV2, SEER_TASK_ZILN); }

// dcnv2's ziln head starts at the data's answer on every row, however large its inputs (the
// cross layers multiply them); its binary head starts random as before.
Test(task, dcnv2_ziln_head_starts_at_the_data) {
    for (int t = 0; t < 2; t++) {
        seer_task task = t ? SEER_TASK_ZILN : SEER_TASK_BINARY;
        seer_net_config c = {.kind = SEER_MODEL_DCNV2, .n_fields = GF, .n_dense = GDENSE,
                             .emb_rows = GROWS, .emb_dim = 4, .batch_cap = GB, .n_hidden = 1,
                             .hidden = {5}, .n_cross = 3, .task = task};
        seer_net n;
        cr_assert(eq(int, seer_net_init(&n, &c, 7), SEER_OK));
        const float y[GB] = {0.0f, 3.5f, 0.0f, 12.0f, 0.7f, 0.0f, 40.0f, 2.0f};
        seer_net_init_head(&n, y, GB);
        uint32_t ids[GB * GF];
        float dense[GB * GDENSE];
        for (size_t i = 0; i < GB * GF; i++) ids[i] = (uint32_t)(i % GROWS);
        for (size_t i = 0; i < GB * GDENSE; i++) dense[i] = (float)(i % 7) * 3.0f - 9.0f;
        seer_net_forward(&n, ids, dense, GB);
        size_t K = seer_net_outputs(&n.cfg), last = n.n_layers - 1, differ = 0;
        for (size_t i = 0; i < GB; i++)
            for (size_t k = 0; k < K; k++) differ += n.logit[i * K + k] != n.b[last][k];
        if (task == SEER_TASK_ZILN) cr_assert(eq(sz, differ, 0), "outputs off the bias");
        else cr_assert(gt(sz, differ, 0), "a binary head starts random");
        seer_net_free(&n);
    }
}
Test(task, regression_head_gradcheck_mlp) { check_head(SEER_MODEL_MLP, SEER_TASK_REGRESSION); }

// The regression loss is the squared error in the label's units: with the output z standing
// for z sd + mean, mean((z sd + mean - y)^2), computed here in double.
Test(task, regression_loss_in_label_units) {
    head_case h;
    head_case_init(&h, SEER_MODEL_MLP, SEER_TASK_REGRESSION);
    uint8_t mask[GB * 5];
    double loss = loss_now(&h, mask), want = 0;
    for (size_t i = 0; i < GB; i++) {
        double v = (double)h.n.logit[i] * 1.5 + 2.0 - h.y[i];
        want += v * v / GB;
    }
    // The step standardises the labels in float: agreement to float's precision.
    cr_assert(le(dbl, fabs(loss - want), 1e-6 * want), "%.9g vs %.9g", loss, want);
    seer_net_free(&h.n);
}

// predict returns the expected value: ziln p exp(mu + sigma^2 / 2) of the head's outputs
// (sigma the softplus of the third), regression the output scaled back to the label.
Test(task, predict_returns_the_expected_value) {
    for (int t = 0; t < 2; t++) {
        seer_task task = t ? SEER_TASK_ZILN : SEER_TASK_REGRESSION;
        head_case h;
        head_case_init(&h, SEER_MODEL_MLP, task);
        float p[GB];
        seer_net_predict(&h.n, h.ids, h.dense, GB, p);
        for (size_t i = 0; i < GB; i++) {
            const float *z = h.n.logit + (t ? 3 * i : i);
            double want = z[0] * 1.5 + 2.0;
            if (t) {
                double sig = log1p(exp(z[2])), pi = 1 / (1 + exp(-(double)z[0]));
                want = pi * exp(z[1] + sig * sig / 2);
            }
            cr_assert(le(dbl, fabs(p[i] - want), 1e-5 * fabs(want) + 1e-6), "row %zu: %g vs %g",
                      i, (double)p[i], want);
        }
        seer_net_free(&h.n);
    }
}

// A ziln row whose mu strays far (as rows of label 0, which teach mu nothing, may) predicts at
// most p times the largest training label, label_max.
Test(task, ziln_prediction_held_to_the_largest_label) {
    head_case h;
    head_case_init(&h, SEER_MODEL_MLP, SEER_TASK_ZILN);
    h.n.b[h.n.n_layers - 1][1] = 60.0f;  // mu about 60: e^60 without the cap
    float p[GB], capped[GB];
    seer_net_predict(&h.n, h.ids, h.dense, GB, p);
    h.n.cfg.label_max = 40.0f;
    seer_net_predict(&h.n, h.ids, h.dense, GB, capped);
    for (size_t i = 0; i < GB; i++) {
        double pi = 1 / (1 + exp(-(double)h.n.logit[3 * i]));
        cr_assert(gt(flt, p[i], 1e20f), "row %zu: %g", i, (double)p[i]);
        cr_assert(le(dbl, fabs(capped[i] - pi * 40), 1e-5 * pi * 40), "row %zu: %g, p %g", i,
                  (double)capped[i], pi);
    }
    seer_net_free(&h.n);
}

// The models without a head of any width refuse the other tasks.
Test(task, binary_only_models_refuse_other_tasks) {
    const seer_model_kind kinds[] = {SEER_MODEL_LR, SEER_MODEL_FM, SEER_MODEL_WDL,
                                     SEER_MODEL_DEEPFM, SEER_MODEL_FINALMLP};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        seer_train_options o;
        seer_train_options_default(&o, kinds[k]);
        cr_assert(eq(ptr, (void *)seer_train_options_invalid(&o), NULL));
        o.task = SEER_TASK_ZILN;
        const char *why = seer_train_options_invalid(&o);
        cr_assert(ne(ptr, (void *)why, NULL), "%s takes ziln", seer_model_kind_name(kinds[k]));
        cr_assert(ne(ptr, strstr(why, "mlp or dcnv2"), NULL), "%s", why);
    }
}

// ---- value metrics, by hand ----------------------------------------------------------------

// y = 0, 1, 2, 5 and p = 0.5, 0.5, 3, 4. Errors 0.5, 0.5, 1, 1: rmse sqrt(2.5 / 4), mae 0.75.
// Gain by prediction (total 8): 5/8 after the first quarter, 7/8 after the second, then the
// tied pair as one block to 1: area 0.078125 + 0.1875 + 0.46875 = 0.734375, 0.234375 above
// the diagonal; the perfect order's area is 0.75, 0.25 above: Gini 0.9375. Ranks 1, 2, 3, 4
// against 1.5, 1.5, 3, 4: Spearman 4.5 / sqrt(5 x 4.5) = 0.9486833.
Test(task, value_metrics_hand_computed) {
    const float y[] = {0, 1, 2, 5}, p[] = {0.5f, 0.5f, 3, 4};
    seer_metrics m;
    cr_assert(eq(int, seer_value_metrics_compute(&m, p, y, 4, SEER_TASK_REGRESSION), SEER_OK));
    cr_assert(eq(sz, m.rows, 4));
    cr_assert(le(dbl, fabs(m.rmse - sqrt(0.625)), 1e-12));
    cr_assert(le(dbl, fabs(m.mae - 0.75), 1e-12));
    cr_assert(le(dbl, fabs(m.normalized_gini - 0.9375), 1e-12));
    cr_assert(le(dbl, fabs(m.spearman - 4.5 / sqrt(22.5)), 1e-12));
    cr_assert(isnan(m.auc) && isnan(m.logloss) && isnan(m.ece), "no binary metrics");
    cr_assert(eq(int, (int)m.task, (int)SEER_TASK_REGRESSION));
}

// ---- from the command line -----------------------------------------------------------------

// y = 3 x1 - 2 x2 + the effect of c + 10 + noise of sd 0.1, rows with a header.
static const char *linear_table(const char *name, size_t rows, uint64_t seed) {
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "w");
    cr_assert(ne(ptr, f, NULL));
    fprintf(f, "x1,x2,c,y\n");
    seer_rng r;
    seer_rng_init(&r, seed);
    const double effect[4] = {0, 1, 2, -1};
    for (size_t i = 0; i < rows; i++) {
        double x1 = seer_rng_normal(&r), x2 = seer_rng_normal(&r);
        int c = (int)seer_rng_below(&r, 4);
        double y = 3 * x1 - 2 * x2 + effect[c] + 10 + 0.1 * seer_rng_normal(&r);
        fprintf(f, "%.5f,%.5f,%c,%.5f\n", x1, x2, 'a' + c, y);
    }
    cr_assert(eq(int, fclose(f), 0));
    return path;
}

static double json_number(const char *json, const char *key) {
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *at = strstr(json, k);
    cr_assert(ne(ptr, (void *)at, NULL), "%s lacks %s", json, key);
    return strtod(at + strlen(k), NULL);
}

// A regression learns y = a linear function: on rows it has not seen, its RMSE is below 0.3
// (the label's sd is about 3.8 and the noise's 0.1; the mean alone scores 3.8), and eval gives
// no binary metrics.
Test(task, regression_learns_a_linear_function) {
    const char *train = linear_table("train.csv", 4000, 1), *test = linear_table("test.csv",
                                                                                 1000, 2);
    const char *model = tmp_path("reg.seer");
    cr_assert(eq(int, run_seer("train", train, "--label", "y", "--task", "regression", "-o",
                               model, NULL), 0), "%s", last.err);
    cr_assert(eq(int, run_seer("eval", model, test, "--json", NULL), 0), "%s", last.err);
    double rmse = json_number(last.out, "rmse");
    cr_assert(lt(dbl, rmse, 0.3), "%s", last.out);
    cr_assert(gt(dbl, json_number(last.out, "normalized_gini"), 0.99), "%s", last.out);
    cr_assert(gt(dbl, json_number(last.out, "spearman"), 0.99), "%s", last.out);
    cr_assert(eq(ptr, strstr(last.out, "\"auc\""), NULL), "%s", last.out);
}

// eval's rmse and mae are those of predict's values against the labels, computed here.
Test(task, eval_metrics_match_predictions) {
    const char *train = linear_table("train.csv", 2000, 3), *test = linear_table("test.csv",
                                                                                 300, 4);
    const char *model = tmp_path("reg.seer"), *out = tmp_path("pred.txt");
    cr_assert(eq(int, run_seer("train", train, "--label", "y", "--task", "regression",
                               "--model", "dcnv2", "-o", model, NULL), 0), "%s", last.err);
    cr_assert(eq(int, run_seer("predict", model, test, "-o", out, NULL), 0), "%s", last.err);
    FILE *fp = fopen(out, "r"), *ft = fopen(test, "r");
    char line[256];
    cr_assert(ne(ptr, fgets(line, sizeof line, ft), NULL));  // the header
    double sq = 0, ab = 0;
    size_t n = 0;
    float p;
    while (fscanf(fp, "%f", &p) == 1) {
        cr_assert(ne(ptr, fgets(line, sizeof line, ft), NULL));
        double y = atof(strrchr(line, ',') + 1);
        sq += (p - y) * (p - y);
        ab += fabs(p - y);
        n++;
    }
    fclose(fp);
    fclose(ft);
    cr_assert(eq(sz, n, 300));
    cr_assert(eq(int, run_seer("eval", model, test, "--json", NULL), 0), "%s", last.err);
    // predict prints 7 digits: the metrics agree to about that.
    cr_assert(le(dbl, fabs(json_number(last.out, "rmse") - sqrt(sq / n)), 1e-4), "%s", last.out);
    cr_assert(le(dbl, fabs(json_number(last.out, "mae") - ab / n), 1e-4), "%s", last.out);
}

static const char *put(const char *name, const char *text) {
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    cr_assert(ne(ptr, f, NULL));
    fputs(text, f);
    cr_assert(eq(int, fclose(f), 0));
    return p;
}

// Rows x,y with y >= 0 and, at line 5, y = -1.
static const char *amounts_with(const char *bad) {
    static char text[4096];
    size_t k = (size_t)snprintf(text, sizeof text, "x,y\n");
    for (int i = 0; i < 60; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "%d,%s\n", i % 7,
                              i == 3 ? bad : i % 3 ? "0" : "12.5");
    return put("amounts.csv", text);
}

Test(task, ziln_refuses_a_negative_label_naming_its_place) {
    const char *data = amounts_with("-1");
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "--task", "ziln", "-o",
                               tmp_path("m.seer"), NULL), 2));
    char want[600];
    snprintf(want, sizeof want, "%s:5:2: label '-1' in column 'y' is not a finite number >= 0",
             data);
    cr_assert(ne(ptr, strstr(last.err, want), NULL), "%s", last.err);
    cr_assert(eq(int, file_exists(tmp_path("m.seer")), 0));
}

Test(task, regression_refuses_a_label_that_is_not_a_number) {
    const char *data = amounts_with("inf");
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "--task", "regression", "-o",
                               tmp_path("m.seer"), NULL), 2));
    cr_assert(ne(ptr, strstr(last.err, ":5:2: label 'inf' in column 'y' is not a finite number"),
                 NULL), "%s", last.err);
}

// Without --task a label outside 0/1 is refused as it always was (exit 2, the same message).
Test(task, binary_still_refuses_a_label_outside_0_1) {
    const char *data = amounts_with("1");
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "-o", tmp_path("m.seer"), NULL),
                 2));
    char want[600];
    snprintf(want, sizeof want, "%s:2:2: label '12.5' in column 'y' is not 0 or 1", data);
    cr_assert(ne(ptr, strstr(last.err, want), NULL), "%s", last.err);
}

// seer profile checks the label as training would: 0/1 by default, an amount with --task.
Test(task, profile_takes_the_task) {
    const char *data = amounts_with("1");
    cr_assert(eq(int, run_seer("profile", data, "--label", "y", NULL), 2));
    cr_assert(ne(ptr, strstr(last.err, ":2:2: label '12.5' in column 'y' is not 0 or 1"), NULL),
              "%s", last.err);
    cr_assert(eq(int, run_seer("profile", data, "--label", "y", "--task", "ziln", NULL), 0),
              "%s", last.err);
    cr_assert(ne(ptr, strstr(last.out, "label"), NULL), "%s", last.out);
    cr_assert(eq(int, run_seer("profile", amounts_with("-1"), "--label", "y", "--task", "ziln",
                               NULL), 2));
    cr_assert(ne(ptr, strstr(last.err, ":5:2: label '-1' in column 'y' is not a finite number"),
                 NULL), "%s", last.err);
    cr_assert(eq(int, run_seer("profile", data, "--label", "y", "--task", "zzz", NULL), 1));
    cr_assert(ne(ptr, strstr(last.err, "--task: 'zzz' is not one of binary, regression, ziln"),
                 NULL), "%s", last.err);
}

// --print-config of a ziln run makes a --config file that trains it: no early-stop line (which
// the task refuses), calibration none.
Test(task, print_config_round_trip) {
    const char *data = amounts_with("1"), *m = tmp_path("m.seer"), *cfg = tmp_path("c.json");
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "--task", "ziln", "-o", m,
                               "--print-config", NULL), 0), "%s", last.err);
    cr_assert(eq(ptr, strstr(last.out, "early-stop"), NULL), "%s", last.out);
    cr_assert(ne(ptr, strstr(last.out, "\"task\": \"ziln\""), NULL), "%s", last.out);
    FILE *f = fopen(cfg, "w");
    fputs(last.out, f);
    fclose(f);
    cr_assert(eq(int, run_seer("train", data, "--config", cfg, NULL), 0), "%s", last.err);
    seer_model *back;
    cr_assert(eq(int, seer_model_load(&back, m, 0), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, (int)seer_model_task(back), (int)SEER_TASK_ZILN));
    seer_model_free(back);
}

// What a value model cannot have is refused before any work (exit 1).
Test(task, refusals_of_options_a_value_cannot_take) {
    const char *data = amounts_with("1"), *m = tmp_path("m.seer");
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "--task", "ziln", "--calibration",
                               "platt", "-o", m, NULL), 1));
    expect_stderr("--calibration platt calibrates probabilities", NULL);
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "--task", "regression",
                               "--model", "deepfm", "-o", m, NULL), 1));
    expect_stderr("mlp or dcnv2", NULL);
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "--task", "ziln", "--pos-weight",
                               "3", "-o", m, NULL), 1));
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "--task", "ziln", "--early-stop",
                               "auc", "-o", m, NULL), 1));
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "--task", "poisson", "-o", m,
                               NULL), 1));
    cr_assert(eq(int, file_exists(m), 0));
}

// A ziln checkpoint resumed without --task is refused: a binary run's settings text has no
// --task line to differ, and such a run once went on to calibrate the ziln model, writing a
// file that no load accepts.
Test(task, resume_refuses_another_task) {
    const char *data = linear_table("train.csv", 600, 6), *m = tmp_path("ck.seer");
    char ckpt[600];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", m);
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "--task", "regression",
                               "--checkpoint-every", "5", "--max-steps", "5", "-o", m, NULL), 0),
              "%s", last.err);
    const char *m2 = tmp_path("ck2.seer");
    cr_assert(eq(int, run_seer("train", data, "--label", "y", "--resume", ckpt, "-o", m2, NULL),
                 1));
    expect_stderr("the checkpoint was taken with --task regression, not --task binary", NULL);
    cr_assert(eq(int, file_exists(m2), 0));
}

// A regression model saved and loaded keeps its task and label scale, and scores the same.
Test(task, regression_model_round_trip) {
    const char *train = linear_table("train.csv", 1500, 5), *path = tmp_path("rt.seer");
    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_MLP);
    o.data = train;
    o.label = "y";
    o.task = SEER_TASK_REGRESSION;
    o.quiet = 1;
    seer_model *m, *back;
    cr_assert(eq(int, seer_train(&o, &m, NULL), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, seer_model_save(m, path), SEER_OK));
    cr_assert(eq(int, seer_model_load(&back, path, 0), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, (int)seer_model_task(back), (int)SEER_TASK_REGRESSION));
    cr_assert(eq(flt, back->net.cfg.label_mean, m->net.cfg.label_mean));
    cr_assert(eq(flt, back->net.cfg.label_sd, m->net.cfg.label_sd));
    float *a, *b;
    size_t na, nb;
    cr_assert(eq(int, seer_model_score_file(m, train, SEER_FORMAT_AUTO, &a, &na), SEER_OK));
    cr_assert(eq(int, seer_model_score_file(back, train, SEER_FORMAT_AUTO, &b, &nb), SEER_OK));
    cr_assert(eq(sz, na, nb));
    cr_assert(eq(int, memcmp(a, b, na * sizeof *a), 0), "the loaded model scores differently");
    double spread = 0;
    for (size_t i = 0; i < na; i++) spread = fmax(spread, fabs(a[i] - a[0]));
    cr_assert(gt(dbl, spread, 1), "values, not probabilities");
    free(a);
    free(b);
    seer_model_free(m);
    seer_model_free(back);
}

// A ziln model trained on 1,500 rows of x, c and an amount y (0 or exp(2 + x / 2)).
static seer_model *train_ziln(const char *data) {
    FILE *f = fopen(data, "w");
    fprintf(f, "x,c,y\n");
    seer_rng r;
    seer_rng_init(&r, 9);
    for (int i = 0; i < 1500; i++) {
        double x = seer_rng_normal(&r);
        int buys = seer_rng_uniform(&r) < 1 / (1 + exp(-x));
        fprintf(f, "%.4f,%c,%.3f\n", x, 'a' + i % 3, buys ? exp(2 + 0.5 * x) : 0.0);
    }
    fclose(f);
    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_MLP);
    o.data = data;
    o.label = "y";
    o.task = SEER_TASK_ZILN;
    o.quiet = 1;
    seer_model *m;
    cr_assert(eq(int, seer_train(&o, &m, NULL), SEER_OK), "%s", seer_error_message());
    return m;
}

// A ziln model's file keeps its task and largest label, and scores the same loaded.
Test(task, ziln_model_round_trip) {
    const char *data = tmp_path("amounts.csv"), *path = tmp_path("z.seer");
    seer_model *m = train_ziln(data), *back;
    cr_assert(gt(flt, m->net.cfg.label_max, 7.0f));
    cr_assert(eq(int, seer_model_save(m, path), SEER_OK));
    cr_assert(eq(int, seer_model_load(&back, path, 0), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, (int)seer_model_task(back), (int)SEER_TASK_ZILN));
    cr_assert(eq(flt, back->net.cfg.label_max, m->net.cfg.label_max));
    float *a, *b;
    size_t na, nb;
    cr_assert(eq(int, seer_model_score_file(m, data, SEER_FORMAT_AUTO, &a, &na), SEER_OK));
    cr_assert(eq(int, seer_model_score_file(back, data, SEER_FORMAT_AUTO, &b, &nb), SEER_OK));
    cr_assert(eq(sz, na, 1500));
    cr_assert(eq(int, memcmp(a, b, na * sizeof *a), 0), "the loaded model scores differently");
    free(a);
    free(b);
    seer_model_free(m);
    seer_model_free(back);
}

// The model file's training record of a value model holds the value metrics of the run's
// report (rmse, mae, normalized_gini, spearman, the loss), read back from the saved file, and
// neither a binary metric nor a null (JSON has no NaN; cJSON writes null for one).
static void check_training_record(seer_model *m, const seer_train_report *r, const char *path) {
    seer_model *back;
    cr_assert(eq(int, seer_model_save(m, path), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, seer_model_load(&back, path, 0), SEER_OK), "%s", seer_error_message());
    const char *tr = back->training_json;
    cr_assert(ne(ptr, (void *)tr, NULL));
    cr_assert(eq(ptr, strstr(tr, "null"), NULL), "%s", tr);
    cr_assert(eq(ptr, strstr(tr, "\"auc\""), NULL), "%s", tr);
    cr_assert(eq(ptr, strstr(tr, "logloss"), NULL), "%s", tr);
    const char *keys[] = {"rmse", "mae", "normalized_gini", "spearman", "loss"};
    const double want[] = {r->metrics.rmse, r->metrics.mae, r->metrics.normalized_gini,
                           r->metrics.spearman, r->metrics.loss};
    for (int k = 0; k < 5; k++) {
        cr_assert(isfinite(want[k]), "%s", keys[k]);
        double got = seer_model_training_number(back, keys[k], NAN);
        // cJSON writes 15 digits when they come back within a relative 2^-52.
        cr_assert(le(dbl, fabs(got - want[k]), 1e-14 * fabs(want[k])),
                  "%s: %.17g in the file, %.17g reported", keys[k], got, want[k]);
    }
    cr_assert(gt(dbl, seer_model_training_number(back, "rmse", 0), 0));
    cr_assert(isfinite(seer_model_training_number(back, "train_loss", NAN)), "%s", tr);
    seer_model_free(back);
}

Test(task, regression_training_record_round_trip) {
    const char *train = linear_table("train.csv", 1500, 6);
    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_MLP);
    o.data = train;
    o.label = "y";
    o.task = SEER_TASK_REGRESSION;
    o.quiet = 1;
    seer_model *m;
    seer_train_report r;
    cr_assert(eq(int, seer_train(&o, &m, &r), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(str, (char *)r.metrics_on, "valid"));
    check_training_record(m, &r, tmp_path("rec.seer"));
    seer_model_free(m);
}

Test(task, ziln_training_record_round_trip) {
    const char *data = tmp_path("amounts.csv");
    seer_model *m = train_ziln(data);
    seer_model_free(m);
    seer_train_options o;
    seer_train_options_default(&o, SEER_MODEL_DCNV2);
    o.data = data;
    o.label = "y";
    o.task = SEER_TASK_ZILN;
    o.quiet = 1;
    seer_train_report r;
    cr_assert(eq(int, seer_train(&o, &m, &r), SEER_OK), "%s", seer_error_message());
    check_training_record(m, &r, tmp_path("zrec.seer"));
    seer_model_free(m);
}

// seer train --json of a value model is one line of JSON that parses, with the value metrics
// as numbers and no binary ones; without a hold-out, its metrics are the training rows'.
Test(task, train_json_has_the_value_keys) {
    const char *data = tmp_path("amounts.csv"), *model = tmp_path("j.seer");
    seer_model_free(train_ziln(data));
    const char *holdouts[] = {"0.1", "0"};
    for (int h = 0; h < 2; h++) {
        cr_assert(eq(int, run_seer("train", data, "--label", "y", "--task", "ziln", "--valid-frac",
                                   holdouts[h], "--json", "-o", model, NULL), 0), "%s",
                  last.err);
        cJSON *j = cJSON_Parse(last.out);
        cr_assert(ne(ptr, j, NULL), "not JSON: %s", last.out);
        const char *keys[] = {"rmse", "mae", "normalized_gini", "spearman", "loss"};
        for (int k = 0; k < 5; k++)
            cr_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, keys[k])), "%s: %s",
                      keys[k], last.out);
        cr_assert(eq(ptr, cJSON_GetObjectItemCaseSensitive(j, "auc"), NULL), "%s", last.out);
        cr_assert(eq(str, cJSON_GetObjectItemCaseSensitive(j, "evaluated_on")->valuestring,
                     h ? "train" : "valid"));
        cJSON_Delete(j);
    }
}

// A model file of before the task (every compat fixture) loads as binary.
Test(task, old_file_loads_as_binary) {
    seer_model *m;
    cr_assert(eq(int, seer_model_load(&m, "tests/compat/mlp.seer", 0), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(int, (int)seer_model_task(m), (int)SEER_TASK_BINARY));
    cr_assert(eq(sz, seer_net_outputs(&m->net.cfg), 1));
    seer_model_free(m);
}

// The server's scores of a ziln model are its values, those of predict (to the printed digits),
// and /v1/model says the task, so that a client knows they are no probabilities.
Test(task, server_scores_the_value_and_says_the_task) {
    const char *data = tmp_path("amounts.csv"), *path = tmp_path("z.seer");
    seer_model *m = train_ziln(data);
    cr_assert(eq(int, seer_model_save(m, path), SEER_OK));
    const char *one = tmp_path("one.csv");
    FILE *f = fopen(one, "w");
    fprintf(f, "x,c\n1.5,b\n");
    fclose(f);
    float *want;
    size_t n;
    cr_assert(eq(int, seer_model_score_file(m, one, SEER_FORMAT_AUTO, &want, &n), SEER_OK));
    seer_model_free(m);
    seer_server_config c;
    seer_server_config_default(&c);
    c.model_path = path;
    c.port = 0;
    seer_server *s;
    cr_assert(eq(int, seer_server_start(&s, &c), SEER_OK), "%s", seer_error_message());
    const char *body = "{\"rows\":[{\"x\":1.5,\"c\":\"b\"}]}";
    int fd = connect_to(seer_server_port(s));
    response r;
    cr_assert(eq(int, send_request(fd, "POST", "/v1/predict", NULL, body, strlen(body)), 0));
    cr_assert(eq(int, read_response(fd, &r), 0));
    close(fd);
    cr_assert(eq(int, r.status, 200), "%s", r.body);
    const char *at = strstr(r.body, "\"scores\":[");
    cr_assert(ne(ptr, (void *)at, NULL), "%s", r.body);
    double got = strtod(at + 10, NULL);
    cr_assert(gt(dbl, got, 1.5), "a value, not a probability: %s", r.body);
    cr_assert(le(dbl, fabs(got - want[0]), 1e-6 * want[0]), "%s vs %g", r.body, (double)want[0]);
    response_free(&r);
    fd = connect_to(seer_server_port(s));
    cr_assert(eq(int, send_request(fd, "GET", "/v1/model", NULL, NULL, 0), 0));
    cr_assert(eq(int, read_response(fd, &r), 0));
    close(fd);
    cr_assert(ne(ptr, strstr(r.body, "\"task\":\"ziln\""), NULL), "%s", r.body);
    // Its training record is a value's: the value metrics, no log loss, no null.
    const char *rec = strstr(r.body, "\"training\":{");
    cr_assert(ne(ptr, (void *)rec, NULL), "%s", r.body);
    cr_assert(ne(ptr, strstr(rec, "\"normalized_gini\":"), NULL), "%s", r.body);
    cr_assert(eq(ptr, strstr(rec, "logloss"), NULL), "%s", r.body);
    cr_assert(eq(ptr, strstr(rec, "null"), NULL), "%s", r.body);
    response_free(&r);
    seer_server_stop(s);
    // Learning online: an event without its label is refused without calling the label 0/1.
    c.wal_dir = tmp_path("wal");
    c.allow_unauthenticated_writes = 1;
    cr_assert(eq(int, mkdir(c.wal_dir, 0700), 0));
    cr_assert(eq(int, seer_server_start(&s, &c), SEER_OK), "%s", seer_error_message());
    const char *ev = "{\"events\":[{\"x\":1.5,\"c\":\"b\"}]}";
    fd = connect_to(seer_server_port(s));
    cr_assert(eq(int, send_request(fd, "POST", "/v1/events", NULL, ev, strlen(ev)), 0));
    cr_assert(eq(int, read_response(fd, &r), 0));
    close(fd);
    cr_assert(eq(int, r.status, 400), "%s", r.body);
    cr_assert(ne(ptr, strstr(r.body, "(the label) is missing"), NULL), "%s", r.body);
    response_free(&r);
    seer_server_stop(s);
    free(want);
}
