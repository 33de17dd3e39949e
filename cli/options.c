// Reading a command line against its option table: long options by their exact name only
// (getopt_long would take "--epoch" for "--epochs", which breaks when an option is added),
// an unknown one answered with the nearest name on the first line, each value given once.
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"

const seer_cli_command *seer_cli_command_find(const char *name) {
    for (int i = 0; seer_cli_commands[i]; i++)
        if (strcmp(seer_cli_commands[i]->name, name) == 0) return seer_cli_commands[i];
    return NULL;
}

const seer_cli_opt *seer_cli_opt_by_val(const seer_cli_command *cmd, int val) {
    for (const seer_cli_opt *o = cmd->opts; o->name; o++)
        if (o->val == val) return o;
    return NULL;
}

static const seer_cli_opt *opt_by_name(const seer_cli_command *cmd, const char *name, size_t n) {
    for (const seer_cli_opt *o = cmd->opts; o->name; o++)
        if (strlen(o->name) == n && strncmp(o->name, name, n) == 0) return o;
    return NULL;
}

// Edit distance with a swap of two neighbours counting one (optimal string alignment);
// strings past 63 characters are compared on their first 63.
static size_t distance(const char *a, const char *b) {
    size_t n = strnlen(a, 63), m = strnlen(b, 63), d[64][64];
    for (size_t i = 0; i <= n; i++) d[i][0] = i;
    for (size_t j = 0; j <= m; j++) d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

const char *seer_cli_nearest(const char *s, const char *const *names) {
    const char *best = NULL;
    size_t best_d = (size_t)-1, len = strlen(s);
    for (int i = 0; names[i]; i++) {
        // An abbreviation is nearest to what it abbreviates.
        if (len >= 2 && strncmp(names[i], s, len) == 0) return names[i];
        size_t d = distance(s, names[i]);
        if (d < best_d) best_d = d, best = names[i];
    }
    // Near: one edit in a short name, two in a longer one, a third of a long one.
    size_t near = len < 4 ? 1 : len < 9 ? 2 : len / 3;
    return best_d <= near ? best : NULL;
}

// "unknown option '--x'" with the nearest of cmd's names; returns 1.
static int unknown_option(const seer_cli_command *cmd, const char *arg, size_t n) {
    const char *names[SEER_CLI_OPTS_MAX + 1];
    int k = 0;
    for (const seer_cli_opt *o = cmd->opts; o->name && k < SEER_CLI_OPTS_MAX; o++)
        names[k++] = o->name;
    names[k] = NULL;
    char given[128];
    snprintf(given, sizeof given, "%.*s", (int)(n < 120 ? n : 120), arg);
    const char *near = seer_cli_nearest(given, names);
    if (near)
        seer_cli_usage("%s: unknown option '--%s': did you mean '--%s'?", cmd->name, given, near);
    else seer_cli_usage("%s: unknown option '--%s'", cmd->name, given);
    fprintf(stderr, "run 'seer %s --help' for its options\n", cmd->name);
    return 1;
}

// The long options of argv by their exact names, before getopt_long sees them: 0, or 1
// after a usage error. A value of an option that takes one is skipped, so "--label --x"
// names the column "--x".
static int check_names(const seer_cli_command *cmd, const char *shorts, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) return 0;
        if (a[0] != '-' || a[1] == '\0') continue;
        if (a[1] != '-') {
            // -oFILE holds its value; -o FILE takes the next word.
            const char *s = strchr(shorts, a[1]);
            if (s && s[1] == ':' && a[2] == '\0') i++;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        const seer_cli_opt *o = opt_by_name(cmd, name, n);
        if (!o) return unknown_option(cmd, name, n);
        if (o->has_arg && !eq) i++;
    }
    return 0;
}

int seer_cli_next(const seer_cli_command *cmd, int argc, char **argv, int *c, const char **seen) {
    static struct option opts[SEER_CLI_OPTS_MAX + 1];
    static char optstring[32];
    if (optind == 0) {
        if (check_names(cmd, cmd->shorts, argc, argv)) return -1;
        int k = 0;
        for (const seer_cli_opt *o = cmd->opts; o->name && k < SEER_CLI_OPTS_MAX; o++)
            opts[k++] = (struct option){o->name, o->has_arg, NULL, o->val};
        opts[k] = (struct option){0, 0, 0, 0};
        // ':' first: a missing value is ':' and no message of getopt's own; -h is --help.
        snprintf(optstring, sizeof optstring, ":h%s", cmd->shorts);
        opterr = 0;
        optind = 1;
    }
    *c = getopt_long(argc, argv, optstring, opts, NULL);
    if (*c == -1) return 0;
    if (*c == 'h') {
        const seer_cli_opt *h = opt_by_name(cmd, "help", 4);
        *c = h ? h->val : 'h';
    }
    const seer_cli_opt *o = seer_cli_opt_by_val(cmd, optopt);
    if (*c == ':') {
        if (o) seer_cli_usage("%s: --%s needs a value", cmd->name, o->name);
        else seer_cli_usage("%s: -%c needs a value", cmd->name, optopt);
        return -1;
    }
    if (*c == '?' && o && optind > 1 && strncmp(argv[optind - 1], "--", 2) == 0) {
        seer_cli_usage("%s: --%s takes no value", cmd->name, o->name);
        return -1;
    }
    if (*c == '?') {
        seer_cli_usage("%s: unknown option '-%c'", cmd->name, optopt > ' ' && optopt < 127 ?
                       optopt : '?');
        fprintf(stderr, "run 'seer %s --help' for its options\n", cmd->name);
        return -1;
    }
    if (*c >= 0 && *c < SEER_CLI_OPTION_MAX) {
        const seer_cli_opt *given = seer_cli_opt_by_val(cmd, *c);
        if (optarg && seen[*c]) {
            seer_cli_usage("--%s is given twice ('%s', then '%s'): give it once",
                           given ? given->name : "?", seen[*c], optarg);
            return -1;
        }
        seen[*c] = optarg ? optarg : "";
    }
    return 1;
}
