// seer profile DATA [--label COL] [--format F]: the columns and the decision.
#include <stdio.h>

#include "cli.h"
#include "seer.h"

enum { O_LABEL = 256 };

static const seer_cli_opt opts[] = {
    {"label", 1, O_LABEL, "COL", "the 0/1 column to predict, left out of the columns\n"
                                 "(default 'label' with --format criteo or libfm)"},
    SEER_CLI_DATA_OPTS,
    {0}};

const seer_cli_command seer_cli_profile_command = {
    .name = "profile", .synopsis = "DATA [--label COL] [--format F]",
    .summary = "columns, their types, missing rates, cardinality and the sparsity decision",
    .shorts = "", .opts = opts, .notes = NULL};

int seer_cmd_profile(int argc, char **argv) {
    seer_cli_data_options d;
    const seer_cli_data_command cmd = {&seer_cli_profile_command, 1};
    int code = seer_cli_data_options_parse(argc, argv, &cmd, &d);
    if (code >= 0) return code;
    int rc = seer_profile_file(d.operands[0], d.format, d.seen[O_LABEL], d.skip, stdout);
    return rc == SEER_OK ? 0 : seer_cli_fail(rc);
}
