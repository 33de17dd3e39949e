// The option tables of the subcommands: each command's options are listed once, and its
// --help, `seer help COMMAND`, the man page and the parsing all read that one table.
#ifndef SEER_CLI_OPTIONS_H
#define SEER_CLI_OPTIONS_H

#include <stdio.h>

// One option: its long name, whether it takes a value, getopt's code for it, the value's
// name in the help ("N"; NULL for a flag) and its help (lines joined by '\n').
typedef struct {
    const char *name;
    int has_arg;
    int val;
    const char *arg;
    const char *help;
} seer_cli_opt;

// A command: its name, what follows "seer NAME" in the usage line, one line of what it does,
// its short options besides -h (getopt's form: "o:"), its options (ending with a zeroed entry)
// and a closing paragraph (or NULL).
typedef struct seer_cli_command {
    const char *name;
    const char *synopsis;
    const char *summary;
    const char *shorts;
    const seer_cli_opt *opts;
    const char *notes;
} seer_cli_command;

extern const seer_cli_command seer_cli_profile_command, seer_cli_train_command,
    seer_cli_eval_command, seer_cli_predict_command, seer_cli_serve_command,
    seer_cli_demo_command, seer_cli_value_command;

// The commands in the order `seer help` lists them (profile, train, eval, predict, serve,
// demo, value); NULL-terminated.
extern const seer_cli_command *const seer_cli_commands[];
const seer_cli_command *seer_cli_command_find(const char *name);

// The most options a command has.
#define SEER_CLI_OPTS_MAX 64

// Reads argv[1..] with getopt_long over cmd's table and short options, one option per call,
// into *c and optarg: 1 while there are options, 0 at the end, -1 after a usage error it
// printed (an unknown option, on the first line with the nearest name; an abbreviated long
// option; a flag given a value; a value missing; an option given twice). seen
// (SEER_CLI_OPTION_MAX entries, zeroed before the first call) gets each option's value, ""
// for a flag. Set optind = 0 before the first call.
int seer_cli_next(const seer_cli_command *cmd, int argc, char **argv, int *c, const char **seen);

// The usage and options of cmd, as --help prints them.
void seer_cli_help(const seer_cli_command *cmd, FILE *out);
// The overview of all commands (seer help).
void seer_cli_overview(FILE *out);
// The man page seer.1 in roff, one section per command.
void seer_cli_man(FILE *out);

// The nearest of the NULL-terminated names to s by edit distance, or NULL when none is near.
const char *seer_cli_nearest(const char *s, const char *const *names);

// The option of cmd whose code is val, or NULL.
const seer_cli_opt *seer_cli_opt_by_val(const seer_cli_command *cmd, int val);

#endif
