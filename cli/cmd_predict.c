// seer predict MODEL DATA [-o OUT] [--id COL] [--output-format F]: one score per row, in order.
#include <stdio.h>

#include "cli.h"
#include "seer.h"
#include "seer/files.h"

enum { O_ID = 256, O_LAYOUT };

static const seer_cli_opt opts[] = {
    {"output", 1, 'o', "OUT", "write the scores to OUT (atomically) instead of stdout"},
    {"id", 1, O_ID, "COL", "write the value of column COL beside each score (csv by default)"},
    {"output-format", 1, O_LAYOUT, "F", "text (one score a line; the default without --id),\n"
                                        "csv (header id,score or score) or jsonl (one JSON\n"
                                        "object a line: {\"id\":...,\"score\":...})"},
    SEER_CLI_DATA_OPTS,
    {0}};

const seer_cli_command seer_cli_predict_command = {
    .name = "predict", .synopsis = "MODEL DATA [-o OUT] [--id COL] [--output-format F]",
    .summary = "one probability per input row, in order",
    .shorts = "o:", .opts = opts,
    .notes = "With --skip-bad-rows a malformed row keeps its place: an empty line (text), an\n"
             "empty score (csv) or a null one (jsonl).\n"};

int seer_cmd_predict(int argc, char **argv) {
    seer_cli_data_options d;
    const seer_cli_data_command cmd = {&seer_cli_predict_command, 2};
    int code = seer_cli_data_options_parse(argc, argv, &cmd, &d);
    if (code >= 0) return code;
    const char *out = d.seen['o'];
    seer_predict_options po = {d.format, d.skip, out, d.seen[O_ID],
                               d.seen[O_ID] ? SEER_SCORES_CSV : SEER_SCORES_TEXT};
    int k;
    if (d.seen[O_LAYOUT]) {
        if (seer_cli_choice("--output-format", d.seen[O_LAYOUT], seer_scores_format_names, &k))
            return 1;
        po.layout = (seer_scores_format)k;
    }
    if (po.id_column && po.layout == SEER_SCORES_TEXT)
        return seer_cli_usage("--id needs --output-format csv or jsonl (text has no ids)");
    // DATA is read once, so a pipe will do; -o must not replace the model or the data.
    const seer_file_use files[] = {{"MODEL", d.operands[0], 0, NULL, NULL},
                                   {"DATA", d.operands[1], 0, NULL, NULL},
                                   {"-o", out, 1, NULL, NULL}};
    int rc = seer_files_check(files, sizeof files / sizeof *files);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    seer_model *m;
    rc = seer_model_load(&m, d.operands[0], SEER_SCORE_ROWS);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    if (!d.format_given) po.format = seer_model_format(m);
    size_t skipped = 0;
    rc = seer_predict_write(m, d.operands[1], &po, &skipped);
    seer_model_free(m);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    if (skipped)
        fprintf(stderr, "skipped %zu malformed rows (not scored: their scores are empty)\n",
                skipped);
    return 0;
}
