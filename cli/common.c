// Option parsing helpers and error reporting shared by the subcommands.
//
// Every numeric option of profile, train, eval, predict, demo and value has its range in one
// table here, so that a bad value gets one message naming the option, the value and the range.
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "cli.h"
#include "seer.h"

// The range of one numeric option: from lo to hi, each end in or out.
typedef struct {
    const char *cmd, *opt;
    double lo, hi;
    int whole;            // a whole number (parsed as one, not through a double)
    int lo_out, hi_out;   // the end itself is out of range
} range;

#define WHOLE 1, 0, 0
#define ABOVE_LO 0, 1, 0
#define BELOW_HI 0, 0, 1
#define BIG 1099511627776.0  // 2^40: the most any count may be

static const range ranges[] = {
    {"train", "--epochs", 1, 1000000, WHOLE},
    {"train", "--batch", 1, 65536, WHOLE},
    {"train", "--lr", 0, 10, ABOVE_LO},
    {"train", "--l2", 0, 1000, 0, 0, 0},
    {"train", "--cost-fn", 0, 1e9, ABOVE_LO},
    {"train", "--cost-fp", 0, 1e9, ABOVE_LO},
    {"train", "--pos-weight", 0, 1e6, ABOVE_LO},
    {"train", "--threads", 1, 256, WHOLE},
    {"train", "--seed", 0, BIG, WHOLE},
    {"train", "--valid-frac", 0, 1, BELOW_HI},
    {"train", "--patience", 0, 1000000, WHOLE},
    {"train", "--emb-dim", 1, 4096, WHOLE},
    {"train", "--cross-layers", 0, SEER_HIDDEN_MAX, WHOLE},
    {"train", "--heads", 1, 65536, WHOLE},
    {"train", "--gate-hidden", 1, 65536, WHOLE},
    {"train", "--dropout", 0, 1, BELOW_HI},
    {"train", "--average", 0, 1, BELOW_HI},
    {"train", "--checkpoint-every", 0, BIG, WHOLE},
    {"train", "--max-steps", 0, BIG, WHOLE},
    {"train", "--hash-buckets", 0, 2147483648.0, WHOLE},
    {"train", "--buckets", 0, 1024, WHOLE},
    {"train", "--min-count", 1, BIG, WHOLE},
    {"train", "--max-tokens", 1, SEER_MULTI_SLOTS_MAX, WHOLE},
    {"demo", "--sessions", 1, 100000000, WHOLE},
    {"value", "--test-frac", 0, 1, BELOW_HI},
    {"value", "--seed", 0, BIG, WHOLE},
    {"value", "--epochs", 1, 1000000, WHOLE},
    {"value", "--batch", 1, 65536, WHOLE},
    {"value", "--lr", 0, 10, ABOVE_LO},
};

// A bug of the command line (an option asked for as the wrong kind, or without a range):
// always checked, never a message for the user to act on.
static void bug(const char *what, const char *opt) {
    fprintf(stderr, "seer: internal error: %s %s\n", opt, what);
    abort();
}

static const range *find_range(const char *cmd, const char *opt) {
    for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++)
        if (strcmp(ranges[i].cmd, cmd) == 0 && strcmp(ranges[i].opt, opt) == 0) return &ranges[i];
    bug("has no range", opt);
    return NULL;
}

// "a whole number from 1 to 65536", "a number above 0 and at most 10", ...
static void describe(const range *r, char *buf, size_t cap) {
    snprintf(buf, cap, "%s %s %.15g %s %.15g", r->whole ? "a whole number" : "a number",
             r->lo_out ? "above" : "from", r->lo, r->lo_out ? "and at most" : r->hi_out ?
             "to below" : "to", r->hi);
}

static int out_of_range(const range *r, const char *s, int not_number) {
    char want[128];
    describe(r, want, sizeof want);
    if (not_number) return seer_cli_usage("%s: '%s' is not %s", r->opt, s, want);
    return seer_cli_usage("%s %s is out of range: it must be %s", r->opt, s, want);
}

int seer_cli_fail(int rc) {
    const char *msg = seer_error_message();
    fprintf(stderr, "seer: %s\n", msg[0] ? msg : seer_strerror(rc));
    return seer_error_exit_code(rc);
}

double seer_cli_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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

int seer_cli_data_options_parse(int argc, char **argv, const seer_cli_data_command *cmd,
                                seer_cli_data_options *d) {
    int c, more;
    memset(d, 0, sizeof *d);
    d->format = SEER_FORMAT_AUTO;
    optind = 0;
    while ((more = seer_cli_next(cmd->cmd, argc, argv, &c, d->seen)) > 0) {
        if (c == 'f') {
            if (seer_cli_format(optarg, &d->format)) return 1;
            d->format_given = 1;
        } else if (c == 's') d->skip = 1;
        else if (c == 'h') {
            seer_cli_help(cmd->cmd, stdout);
            return 0;
        }
    }
    if (more < 0) return 1;
    if (optind != argc - cmd->operands)
        return seer_cli_usage("usage: seer %s %s", cmd->cmd->name, cmd->cmd->synopsis);
    d->operands = argv + optind;
    return -1;
}

int seer_cli_format(const char *s, seer_format *out) {
    int k;
    int bad = seer_cli_choice("--format", s, seer_format_names, &k);
    if (!bad) *out = (seer_format)k;
    return bad;
}

const char *seer_cli_format_name(seer_format f) { return seer_format_names[f]; }

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

int seer_cli_count(const char *cmd, const char *opt, const char *s, size_t *out) {
    const range *r = find_range(cmd, opt);
    if (!r->whole) bug("is not a whole number", opt);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    int not_number = !isdigit((unsigned char)s[0]) || errno == EINVAL || end == s || *end;
    // Too big for 64 bits is out of range, not "not a number".
    if (!not_number && errno == ERANGE) v = ~0ULL;
    if (not_number || (double)v < r->lo || (double)v > r->hi) return out_of_range(r, s, not_number);
    *out = (size_t)v;
    return 0;
}

int seer_cli_real(const char *cmd, const char *opt, const char *s, double *out) {
    const range *r = find_range(cmd, opt);
    if (r->whole) bug("is a whole number", opt);
    char *end;
    double v = strtod(s, &end);
    int not_number = end == s || *end || isnan(v);
    if (not_number || v < r->lo || v > r->hi || (r->lo_out && v == r->lo) ||
        (r->hi_out && v == r->hi))
        return out_of_range(r, s, not_number);
    *out = v;
    return 0;
}

int seer_cli_choice(const char *opt, const char *s, const char *const *names, int *out) {
    char list[256] = "";
    for (int i = 0; names[i]; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 0;
        }
        size_t k = strlen(list);
        snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", names[i]);
    }
    return seer_cli_usage("%s: '%s' is not one of %s", opt, s, list);
}

int seer_cli_widths(const char *opt, const char *s, size_t *out, size_t max, size_t *n) {
    *n = 0;
    if (!*s) return 0;
    const char *p = s;
    while (1) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || v == 0 || v > 65536 || *n >= max || (*end && *end != ',')) {
            seer_cli_usage("%s: '%s' must be up to %zu comma-separated widths, each a whole "
                           "number from 1 to 65536, e.g. 64,32", opt, s, max);
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

void seer_cli_json_number(const char *key, const char *fmt, double v, int comma) {
    printf("\"%s\":", key);
    if (isfinite(v)) printf(fmt, v);
    else fputs("null", stdout);
    if (comma) putchar(',');
}
