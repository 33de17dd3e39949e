// seer predict MODEL DATA [-o OUT]: one score per row, in order, one per line.
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "seer.h"
#include "seer/files.h"

int seer_cmd_predict(int argc, char **argv) {
    seer_format format = SEER_FORMAT_AUTO;
    const char *out = NULL;
    int skip = 0, c, format_given = 0;
    static const struct option opts[] = {{"format", 1, 0, 'f'}, {"output", 1, 0, 'o'},
                                         {"skip-bad-rows", 0, 0, 's'}, {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *seen[SEER_CLI_OPTION_MAX] = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (seer_cli_once(c, opts, seen)) return 1;
        if (c == 'f') {
            if (seer_cli_format(optarg, &format)) return 1;
            format_given = 1;
        } else if (c == 'o') out = optarg;
        else if (c == 's') skip = 1;
        else if (c == 'h') {
            puts("usage: seer predict MODEL DATA [-o OUT] [--format F] [--skip-bad-rows]\n"
                 "writes one probability per input row, in order, one per line");
            return 0;
        } else return 1;
    }
    if (optind != argc - 2) return seer_cli_usage("usage: seer predict MODEL DATA [-o OUT]");
    // DATA is read once, so a pipe will do; -o must not replace the model or the data.
    const seer_file_use files[] = {{"MODEL", argv[optind], 0, NULL, NULL},
                                   {"DATA", argv[optind + 1], 0, NULL, NULL},
                                   {"-o", out, 1, NULL, NULL}};
    int rc = seer_files_check(files, sizeof files / sizeof *files);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    seer_model *m;
    rc = seer_model_load(&m, argv[optind], SEER_SCORE_ROWS);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    if (!format_given) format = seer_model_format(m);
    size_t skipped = 0;
    rc = seer_predict_file(m, argv[optind + 1], format, skip, out, &skipped);
    seer_model_free(m);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    if (skipped)
        fprintf(stderr, "skipped %zu malformed rows (not scored: their lines are empty)\n",
                skipped);
    return 0;
}
