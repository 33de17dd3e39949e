// seer profile DATA [--label COL] [--format F]: the columns and the decision.
#include <getopt.h>
#include <stdio.h>

#include "base/error.h"
#include "cli.h"
#include "data/dataset.h"
#include "data/profile.h"
#include "data/transform.h"

int seer_cmd_profile(int argc, char **argv) {
    seer_format format = SEER_FORMAT_AUTO;
    seer_transform_options to;
    seer_transform_options_default(&to);
    int skip = 0, c;
    static const struct option opts[] = {{"format", 1, 0, 'f'}, {"label", 1, 0, 'l'},
                                         {"skip-bad-rows", 0, 0, 's'}, {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *seen[SEER_CLI_OPTION_MAX] = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (seer_cli_once(c, opts, seen)) return 1;
        if (c == 'f') {
            if (seer_cli_format(optarg, &format)) return 1;
        } else if (c == 'l') to.label = optarg;
        else if (c == 's') skip = 1;
        else if (c == 'h') {
            puts("usage: seer profile DATA [--label COL] [--format auto|csv|tsv|criteo|libfm] "
                 "[--skip-bad-rows]");
            return 0;
        } else return 1;
    }
    if (optind != argc - 1) return seer_cli_usage("usage: seer profile DATA [--label COL]");
    if (!to.label && (format == SEER_FORMAT_CRITEO || format == SEER_FORMAT_LIBFM))
        to.label = "label";
    seer_table_options topt = {format, skip};
    seer_table *tab;
    int rc = seer_table_open(&tab, argv[optind], &topt);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    seer_profile p;
    seer_transform t = {0};
    size_t rows_read = 0, skipped = 0;
    rc = seer_profile_pass(&p, tab, to.label, NULL, skip, &rows_read, &skipped);
    if (rc == SEER_OK) rc = seer_transform_fit(&t, &p, &to);
    if (rc == SEER_OK) {
        printf("%s: %zu rows, %zu columns\n", argv[optind], p.rows, p.n_cols);
        seer_transform_print(&t, stdout);
        skipped += seer_table_bad_rows(tab);
        if (skipped) printf("skipped %zu malformed rows\n", skipped);
    }
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    return rc == SEER_OK ? 0 : seer_cli_fail(rc);
}
