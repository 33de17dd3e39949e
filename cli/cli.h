// Shared pieces of the seer command: subcommands, option helpers, output.
#ifndef SEER_CLI_H
#define SEER_CLI_H

#include <stddef.h>

#include "options.h"
#include "seer.h"

// The version, CMake's project version (a compile definition of the seer command).
#ifndef SEER_VERSION
#error "SEER_VERSION is defined by CMakeLists.txt from the project's version"
#endif

// Each subcommand returns the process exit code.
int seer_cmd_profile(int argc, char **argv);
int seer_cmd_train(int argc, char **argv);
int seer_cmd_eval(int argc, char **argv);
int seer_cmd_predict(int argc, char **argv);
int seer_cmd_demo(int argc, char **argv);
int seer_cmd_serve(int argc, char **argv);
int seer_cmd_value(int argc, char **argv);

// --config FILE of cmd's command line (argv[0] the command's name): its options put before
// the command line's, which win; argc and argv then name the new command line. -1 to go on,
// else the exit code of a refusal (a bad file, an unknown key).
int seer_cli_config(const seer_cli_command *cmd, int *argc, char ***argv);
// The value of key in the --config file of a command line, into out (cap): 1 when found; 0
// when absent, or when the file cannot be read (seer_cli_config then says why).
int seer_cli_config_peek(int argc, char **argv, const char *key, char *out, size_t cap);
// The command whose options a --config file of seer NAME holds: train's or eval's table
// command, or the recommender's when the command line (or, without --model and --format on
// it, the file's "model" or "format") asks for a recommender.
const seer_cli_command *seer_cli_config_command(const char *name, int argc, char **argv);

// Prints "seer: <message>" for rc (the last message recorded with seer_errorf, by the library
// or the command line) and returns its exit code.
int seer_cli_fail(int rc);
// Prints a usage error and returns 1.
int seer_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// Option codes (getopt_long's val) are below this.
#define SEER_CLI_OPTION_MAX 512

#define SEER_CLI_DATA_OPTS                                                                   \
    {"format", 1, 'f', "F", "auto (default: the model's, or CSV/TSV with a header), csv, tsv,\n" \
                            "criteo or libfm"},                                              \
    {"skip-bad-rows", 0, 's', NULL, "skip malformed rows (counted) instead of stopping"},       \
    {"help", 0, 'h', NULL, "this help"}

// A command that reads one data file: its table and its operands.
typedef struct {
    const seer_cli_command *cmd;
    int operands;          // MODEL and DATA: 2, DATA: 1
} seer_cli_data_command;

// What such a command line gave.
typedef struct {
    seer_format format;   // --format; SEER_FORMAT_AUTO when not given
    int format_given;
    int skip;             // --skip-bad-rows
    const char *seen[SEER_CLI_OPTION_MAX];  // each option's value by code, "" for a flag
    char **operands;      // (cmd->operands)
} seer_cli_data_options;

// Parses argv as cmd says into d: -1 to go on, else the exit code (0 after --help).
int seer_cli_data_options_parse(int argc, char **argv, const seer_cli_data_command *cmd,
                                seer_cli_data_options *d);

// Option values, strictly parsed; 0 on success, else a usage error was printed.
int seer_cli_format(const char *s, seer_format *out);
const char *seer_cli_format_name(seer_format f);
int seer_cli_size(const char *opt, const char *s, size_t *out);
// A numeric option of cmd, checked against its range in the table of common.c (every
// numeric option of profile, train, eval, predict and demo has one there); a value out of
// range or not a number is a usage error naming the option, the value and the range.
int seer_cli_count(const char *cmd, const char *opt, const char *s, size_t *out);
int seer_cli_real(const char *cmd, const char *opt, const char *s, double *out);
// s as the index of one of the NULL-terminated names, or a usage error listing them.
int seer_cli_choice(const char *opt, const char *s, const char *const *names, int *out);
// "64,32" -> widths; at most max.
int seer_cli_widths(const char *opt, const char *s, size_t *out, size_t max, size_t *n);
// "a,b,c" -> a list of names pointing into a copy the caller frees.
int seer_cli_names(const char *s, const char *const **out, size_t *n, char **storage);

// Monotonic wall time in seconds.
double seer_cli_now(void);

// Prints "key":v with fmt (one double) to stdout, or "key":null when v is NaN or infinite
// (JSON has no spelling for them), then a comma when comma. Every JSON number of cli/
// goes through it.
void seer_cli_json_number(const char *key, const char *fmt, double v, int comma);

#endif
