// seer profile DATA [--label COL] [--format F]: the columns and the decision.
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "seer.h"

static const seer_cli_data_command cmd = {
    .own_name = "label", .own_arg = 1, .shorts = "", .operands = 1,
    .help = "usage: seer profile DATA [--label COL] [--format auto|csv|tsv|criteo|libfm] "
            "[--skip-bad-rows]",
    .usage = "usage: seer profile DATA [--label COL]"};

int seer_cmd_profile(int argc, char **argv) {
    seer_cli_data_options d;
    int code = seer_cli_data_options_parse(argc, argv, &cmd, &d);
    if (code >= 0) return code;
    int rc = seer_profile_file(d.operands[0], d.format, d.own, d.skip, stdout);
    return rc == SEER_OK ? 0 : seer_cli_fail(rc);
}
