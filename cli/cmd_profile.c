// seer profile DATA [--label COL] [--format F]: the columns and the decision.
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "seer.h"

int seer_cmd_profile(int argc, char **argv) {
    seer_cli_data_options d;
    int code = seer_cli_data_options_parse(argc, argv, "label", 1, "", "usage: seer profile DATA "
                                           "[--label COL] [--format auto|csv|tsv|criteo|libfm] "
                                           "[--skip-bad-rows]", &d);
    if (code >= 0) return code;
    if (optind != argc - 1) return seer_cli_usage("usage: seer profile DATA [--label COL]");
    int rc = seer_profile_file(argv[optind], d.format, d.own, d.skip, stdout);
    return rc == SEER_OK ? 0 : seer_cli_fail(rc);
}
