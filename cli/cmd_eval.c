// seer eval MODEL DATA [--format F] [--json] [--skip-bad-rows]
#include <math.h>
#include <stdio.h>

#include "cli.h"
#include "rec_cli.h"
#include "seer.h"

enum { O_JSON = 256 };

static const seer_cli_opt opts[] = {
    {"json", 0, O_JSON, NULL, "print one JSON object (auc, logloss, accuracy, brier, ece,\n"
                              "ks, gini, rows, ...; a regression or ziln model: rmse,\n"
                              "mae, normalized_gini, spearman, rows)"},
    SEER_CLI_DATA_OPTS,
    {0}};

const seer_cli_command seer_cli_eval_command = {
    .name = "eval", .synopsis = "MODEL DATA [--json] [--format F] [--skip-bad-rows]",
    .summary = "AUC, log loss and accuracy (a value: RMSE, MAE, Gini) of MODEL on DATA",
    .shorts = "", .opts = opts, .notes = NULL};

// A metric of ranking positives above negatives: undefined (NaN) where the rows hold one label
// only, said in words rather than as "nan" (--json gives null).
static void print_ranking(const char *name, double v) {
    if (isnan(v)) printf("%-9s -  (undefined: every row has the same label)\n", name);
    else printf("%-9s %.5f\n", name, v);
}

// The reliability table: per bin of predicted probability, its rows, mean prediction and the
// share of positives (the ECE weighs their gaps by rows).
static void print_reliability(const seer_metrics *m) {
    printf("\nreliability  rows      predicted  observed\n");
    for (int b = 0; b < SEER_RELIABILITY_BINS; b++) {
        printf("%.1f-%.1f      %-9zu ", b / 10.0, (b + 1) / 10.0, m->bin_rows[b]);
        if (m->bin_rows[b]) printf("%-10.4f %.4f\n", m->bin_score[b], m->bin_rate[b]);
        else printf("-          -\n");
    }
}

// A regression or ziln model's metrics, as JSON or as lines.
static void print_value_metrics(const seer_metrics *m, int json, size_t skipped, double secs) {
    if (!json) {
        printf("rows      %zu\nrmse      %.6g\nmae       %.6g\nnormalized_gini %.5f\n"
               "spearman  %.5f\n", m->rows, m->rmse, m->mae, m->normalized_gini, m->spearman);
        return;
    }
    printf("{\"task\":\"%s\",", seer_task_names[m->task]);
    seer_cli_json_number("rmse", "%.6g", m->rmse, 1);
    seer_cli_json_number("mae", "%.6g", m->mae, 1);
    seer_cli_json_number("normalized_gini", "%.6f", m->normalized_gini, 1);
    seer_cli_json_number("spearman", "%.6f", m->spearman, 1);
    printf("\"rows\":%zu,\"skipped_rows\":%zu,", m->rows, skipped);
    seer_cli_json_number("seconds", "%.3f", secs, 0);
    printf("}\n");
}

int seer_cmd_eval(int argc, char **argv) {
    if (seer_cli_is_rec_model(argc, argv)) return seer_cmd_eval_rec(argc, argv);
    seer_cli_data_options d;
    const seer_cli_data_command cmd = {&seer_cli_eval_command, 2};
    int code = seer_cli_data_options_parse(argc, argv, &cmd, &d);
    if (code >= 0) return code;
    seer_format format = d.format;
    int json = d.seen[O_JSON] != NULL, skip = d.skip;
    double t0 = seer_cli_now();
    seer_model *m;
    int rc = seer_model_load(&m, d.operands[0], SEER_SCORE_ROWS);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    // The model knows the layout it was trained on; --format overrides it.
    if (!d.format_given) format = seer_model_format(m);
    seer_metrics met;
    size_t skipped = 0;
    rc = seer_eval_file(m, d.operands[1], format, skip, &met, &skipped);
    seer_model_free(m);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    double secs = seer_cli_now() - t0;
    if (skipped) fprintf(stderr, "skipped %zu malformed rows\n", skipped);
    if (met.task != SEER_TASK_BINARY) {
        print_value_metrics(&met, json, skipped, secs);
    } else if (json) {
        putchar('{');
        seer_cli_json_number("auc", "%.6f", met.auc, 1);
        seer_cli_json_number("logloss", "%.6f", met.logloss, 1);
        seer_cli_json_number("accuracy", "%.6f", met.accuracy, 1);
        printf("\"rows\":%zu,", met.rows);
        seer_cli_json_number("positive_rate", "%.6f", met.positive_rate, 1);
        seer_cli_json_number("brier", "%.6f", met.brier, 1);
        seer_cli_json_number("ece", "%.6f", met.ece, 1);
        seer_cli_json_number("ks", "%.6f", met.ks, 1);
        seer_cli_json_number("gini", "%.6f", met.gini, 1);
        if (isfinite(met.cost)) {
            seer_cli_json_number("threshold", "%.6g", met.threshold, 1);
            seer_cli_json_number("cost", "%.6f", met.cost, 1);
        }
        printf("\"skipped_rows\":%zu,", skipped);
        seer_cli_json_number("seconds", "%.3f", secs, 0);
        printf("}\n");
    } else {
        printf("rows      %zu\n", met.rows);
        print_ranking("auc", met.auc);
        printf("logloss   %.5f\naccuracy  %.5f\n", met.logloss, met.accuracy);
        printf("brier     %.5f\nece       %.5f\n", met.brier, met.ece);
        print_ranking("ks", met.ks);
        print_ranking("gini", met.gini);
        if (isfinite(met.cost))
            printf("threshold %.4g (the model's cost matrix)\ncost      %.5f a row\n",
                   met.threshold, met.cost);
        print_reliability(&met);
    }
    return 0;
}
