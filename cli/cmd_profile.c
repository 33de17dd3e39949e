// seer profile DATA [--label COL] [--format F]: the columns and the decision.
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "seer.h"

int seer_cmd_profile(int argc, char **argv) {
    seer_format format = SEER_FORMAT_AUTO;
    const char *label = NULL;
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
        } else if (c == 'l') label = optarg;
        else if (c == 's') skip = 1;
        else if (c == 'h') {
            puts("usage: seer profile DATA [--label COL] [--format auto|csv|tsv|criteo|libfm] "
                 "[--skip-bad-rows]");
            return 0;
        } else return 1;
    }
    if (optind != argc - 1) return seer_cli_usage("usage: seer profile DATA [--label COL]");
    int rc = seer_profile_file(argv[optind], format, label, skip, stdout);
    return rc == SEER_OK ? 0 : seer_cli_fail(rc);
}
