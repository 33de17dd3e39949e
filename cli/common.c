// Option parsing helpers and error reporting shared by the subcommands.
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "cli.h"

int seer_cli_fail(int rc) {
    const char *msg = seer_error_message();
    fprintf(stderr, "seer: %s\n", msg[0] ? msg : seer_error_name(rc));
    return seer_error_exit_code(rc);
}

int seer_cli_usage(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("seer: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int seer_cli_format(const char *s, seer_format *out) {
    // Indexed by seer_format.
    const char *names[] = {"auto", "csv", "tsv", "criteo", "libfm"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (seer_format)i;
            return 0;
        }
    seer_cli_usage("--format: '%s' is not one of auto, csv, tsv, criteo, libfm", s);
    return 1;
}

int seer_cli_size(const char *opt, const char *s, size_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > (1ULL << 40)) {
        seer_cli_usage("%s: '%s' is not a whole number", opt, s);
        return 1;
    }
    *out = (size_t)v;
    return 0;
}

int seer_cli_double(const char *opt, const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) {
        seer_cli_usage("%s: '%s' is not a number", opt, s);
        return 1;
    }
    *out = v;
    return 0;
}

int seer_cli_widths(const char *opt, const char *s, size_t *out, size_t max, size_t *n) {
    *n = 0;
    if (!*s) return 0;
    const char *p = s;
    while (1) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || v == 0 || v > 65536 || *n >= max || (*end && *end != ',')) {
            seer_cli_usage("%s: '%s' must be up to %zu comma-separated widths, e.g. 64,32", opt, s,
                           max);
            return 1;
        }
        out[(*n)++] = v;
        if (!*end) return 0;
        p = end + 1;
    }
}

int seer_cli_names(const char *s, const char *const **out, size_t *n, char **storage) {
    free(*storage);
    free((void *)*out);
    *storage = strdup(s);
    size_t cap = 1;
    for (const char *p = s; *p; p++) cap += *p == ',';
    const char **list = calloc(cap, sizeof *list);
    *out = list;
    *n = 0;
    if (!*storage || !list) return seer_cli_usage("out of memory");
    for (char *tok = strtok(*storage, ","); tok; tok = strtok(NULL, ",")) list[(*n)++] = tok;
    return 0;
}
