// seer profile DATA [--label COL] [--task T] [--format F]: the columns and the decision.
#include <stdio.h>

#include "cli.h"
#include "seer.h"

enum { O_LABEL = 256, O_TASK };

static const seer_cli_opt opts[] = {
    {"label", 1, O_LABEL, "COL", "the column to predict, left out of the columns: 0/1,\n"
                                 "or a number with --task (default 'label' with\n"
                                 "--format criteo or libfm)"},
    {"task", 1, O_TASK, "T", "binary (default: a 0/1 label), regression (any finite\n"
                             "number) or ziln (an amount >= 0), as seer train --task"},
    SEER_CLI_DATA_OPTS,
    {0}};

const seer_cli_command seer_cli_profile_command = {
    .name = "profile", .synopsis = "DATA [--label COL] [--task T] [--format F]",
    .summary = "columns, their types, missing rates, cardinality and the sparsity decision",
    .shorts = "", .opts = opts, .notes = NULL};

int seer_cmd_profile(int argc, char **argv) {
    seer_cli_data_options d;
    const seer_cli_data_command cmd = {&seer_cli_profile_command, 1};
    int code = seer_cli_data_options_parse(argc, argv, &cmd, &d);
    if (code >= 0) return code;
    int task = SEER_TASK_BINARY;
    if (d.seen[O_TASK] && seer_cli_choice("--task", d.seen[O_TASK], seer_task_names, &task) != 0)
        return 1;
    int rc = seer_profile_file(d.operands[0], d.format, d.seen[O_LABEL], (seer_task)task, d.skip,
                               stdout);
    return rc == SEER_OK ? 0 : seer_cli_fail(rc);
}
