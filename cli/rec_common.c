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
        if (!strcmp(a, "--format=kt") || (!strcmp(a, "--format") && !strcmp(v, "kt"))) return 1;
    }
    return 0;
}

// 1 when the command line (before "--") names --opt, in either form.
static int has_option(int argc, char **argv, const char *opt) {
    size_t n = strlen(opt);
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strncmp(argv[i], "--", 2) && !strncmp(argv[i] + 2, opt, n) &&
            (argv[i][2 + n] == '\0' || argv[i][2 + n] == '='))
            return 1;
    return 0;
}

const seer_cli_command *seer_cli_config_command(const char *name, int argc, char **argv) {
    if (!strcmp(name, "train")) {
        char v[64];
        seer_rec_kind k;
        int rec = seer_cli_is_rec_train(argc, argv);
        if (!rec && !has_option(argc, argv, "model") && !has_option(argc, argv, "format"))
            rec = (seer_cli_config_peek(argc, argv, "model", v, sizeof v) &&
                   seer_rec_kind_parse(v, &k) == SEER_OK) ||
                  (seer_cli_config_peek(argc, argv, "format", v, sizeof v) &&
                   (!strcmp(v, "movielens") || !strcmp(v, "seq")));
        if (rec) return &seer_cli_train_rec_command;
    }
    if (!strcmp(name, "eval")) {
        // The model is the first operand: --config's file is not one.
        char *ops[3] = {argv[0], NULL, NULL};
        for (int i = 1; i < argc && !ops[1]; i++) {
            if (!strcmp(argv[i], "--config")) i++;
            else if (argv[i][0] != '-') ops[1] = argv[i];
        }
        if (ops[1] && seer_cli_is_rec_model(2, ops)) return &seer_cli_eval_rec_command;
    }
    return seer_cli_command_find(name);
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
