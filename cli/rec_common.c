// What the recommender commands share: telling a recommender's command line or model file
// from a CTR one, their options' values, JSON strings.
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rec_cli.h"
#include "seer/recommend.h"

int seer_cli_is_rec_train(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        seer_rec_kind k;
        if (!strncmp(a, "--model=", 8) && seer_rec_kind_parse(a + 8, &k) == SEER_OK) return 1;
        if (!strcmp(a, "--model") && seer_rec_kind_parse(v, &k) == SEER_OK) return 1;
        if (!strcmp(a, "--format=movielens") || (!strcmp(a, "--format") && !strcmp(v, "movielens")))
            return 1;
        if (!strcmp(a, "--format=seq") || (!strcmp(a, "--format") && !strcmp(v, "seq"))) return 1;
    }
    return 0;
}

int seer_cli_is_rec_model(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') continue;
        return seer_file_is_recommender(argv[i]) == 1;
    }
    return 0;
}

int seer_cli_real_in(const char *opt, const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return seer_cli_usage("%s: '%s' is not a number in %g .. %g", opt, s, lo, hi);
    *out = v;
    return 0;
}

int seer_cli_count_in(const char *opt, const char *s, size_t lo, size_t hi, size_t *out) {
    if (seer_cli_size(opt, s, out)) return 1;
    if (*out < lo || *out > hi)
        return seer_cli_usage("%s: %zu is not in %zu .. %zu", opt, *out, lo, hi);
    return 0;
}

void seer_cli_json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}
