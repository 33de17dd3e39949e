// seer predict MODEL DATA [-o OUT]: one score per row, in order, one per line.
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/atomic_file.h"
#include "base/error.h"
#include "cli.h"
#include "seer/files.h"
#include "io/model.h"
#include "train/predict.h"

typedef struct {
    FILE *f;
    const char *name;   // for messages: the -o path, or "stdout"
} score_out;

// One line per input row; a skipped row's line is empty, so the lines still line up.
static int write_scores(void *ctx, const float *p, const float *y, size_t n) {
    score_out *o = ctx;
    for (size_t i = 0; i < n; i++) {
        if (isnan(p[i])) fputc('\n', o->f);
        else fprintf(o->f, "%.7g\n", (double)p[i]);
    }
    if (ferror(o->f))
        return seer_errorf(SEER_EIO, "%s: writing scores failed: %s", o->name, strerror(errno));
    return SEER_OK;
}

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
    if (!format_given) format = m->tf.format;
    seer_table_options topt = {format, skip};
    seer_table *tab = NULL;
    seer_atomic_file af = {0};
    rc = seer_table_open(&tab, argv[optind + 1], &topt);
    if (rc == SEER_OK && out) rc = seer_atomic_open(&af, out);
    size_t skipped = 0;
    if (rc == SEER_OK)
        rc = seer_predict_table(m, tab, 0, skip ? SEER_SKIP_HOLD : 0, &skipped, write_scores,
                                &(score_out){out ? af.f : stdout, out ? out : "stdout"});
    if (out && af.f) {
        if (rc == SEER_OK) rc = seer_atomic_commit(&af);
        else seer_atomic_abort(&af);
    }
    if (tab) seer_table_close(tab);
    seer_model_free(m);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    if (skipped)
        fprintf(stderr, "skipped %zu malformed rows (not scored: their lines are empty)\n",
                skipped);
    return 0;
}
