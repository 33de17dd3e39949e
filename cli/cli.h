// Shared pieces of the seer command: subcommands, option helpers, output.
#ifndef SEER_CLI_H
#define SEER_CLI_H

#include <stddef.h>

#include "data/table.h"

// Each subcommand returns the process exit code.
int seer_cmd_profile(int argc, char **argv);
int seer_cmd_train(int argc, char **argv);
int seer_cmd_eval(int argc, char **argv);
int seer_cmd_predict(int argc, char **argv);
int seer_cmd_demo(int argc, char **argv);
int seer_cmd_serve(int argc, char **argv);

// Prints "seer: <message>" for rc and returns its exit code.
int seer_cli_fail(int rc);
// Prints a usage error and returns 1.
int seer_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// Option values, strictly parsed; 0 on success, else a usage error was printed.
int seer_cli_format(const char *s, seer_format *out);
int seer_cli_size(const char *opt, const char *s, size_t *out);
int seer_cli_double(const char *opt, const char *s, double *out);
// "64,32" -> widths; at most max.
int seer_cli_widths(const char *opt, const char *s, size_t *out, size_t max, size_t *n);
// "a,b,c" -> a list of names pointing into a copy the caller frees.
int seer_cli_names(const char *s, const char *const **out, size_t *n, char **storage);

#endif
