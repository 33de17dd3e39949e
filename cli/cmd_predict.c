// seer predict MODEL DATA [-o OUT]: one score per row, in order, one per line.
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "seer.h"
#include "seer/files.h"

static const seer_cli_data_command cmd = {
    .own_name = "output", .own_arg = 1, .shorts = "o:", .operands = 2,
    .help = "usage: seer predict MODEL DATA [-o OUT] [--format F] [--skip-bad-rows]\n"
            "writes one probability per input row, in order, one per line",
    .usage = "usage: seer predict MODEL DATA [-o OUT]"};

int seer_cmd_predict(int argc, char **argv) {
    seer_cli_data_options d;
    int code = seer_cli_data_options_parse(argc, argv, &cmd, &d);
    if (code >= 0) return code;
    seer_format format = d.format;
    const char *out = d.own;
    // DATA is read once, so a pipe will do; -o must not replace the model or the data.
    const seer_file_use files[] = {{"MODEL", d.operands[0], 0, NULL, NULL},
                                   {"DATA", d.operands[1], 0, NULL, NULL},
                                   {"-o", out, 1, NULL, NULL}};
    int rc = seer_files_check(files, sizeof files / sizeof *files);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    seer_model *m;
    rc = seer_model_load(&m, d.operands[0], SEER_SCORE_ROWS);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    if (!d.format_given) format = seer_model_format(m);
    size_t skipped = 0;
    rc = seer_predict_file(m, d.operands[1], format, d.skip, out, &skipped);
    seer_model_free(m);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    if (skipped)
        fprintf(stderr, "skipped %zu malformed rows (not scored: their lines are empty)\n",
                skipped);
    return 0;
}
