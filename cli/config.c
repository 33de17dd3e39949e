// --config FILE: a command's options from a JSON object whose keys are its long option names
// ({"epochs": 20, "model": "lr", "json": true, "ignore": ["id", "ts"]}), put before the
// command line's own options, so the command line wins; an option on both is taken from the
// command line only. The reader is small and counts lines, so that a bad key is named with
// FILE:LINE, and the command then parses the options as if typed.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CONFIG_BYTES_MAX (1 << 20)
#define CONFIG_VALUE_MAX 65536

typedef struct {
    const char *path, *s, *end;
    size_t line;
    int quiet;    // a peek (seer_cli_config_peek): errors are the real reading's to report
} reader;

static int fail(const reader *r, const char *what) {
    if (r->quiet) return 1;
    return seer_cli_usage("%s:%zu: %s", r->path, r->line, what);
}

static void skip_space(reader *r) {
    for (; r->s < r->end; r->s++) {
        if (*r->s == '\n') r->line++;
        else if (*r->s != ' ' && *r->s != '\t' && *r->s != '\r') return;
    }
}

// A JSON string into out (cap bytes, NUL-ended); \u escapes of ASCII only.
static int read_string(reader *r, char *out, size_t cap) {
    size_t n = 0;
    if (r->s >= r->end || *r->s != '"') return fail(r, "expected a string in double quotes");
    for (r->s++; r->s < r->end && *r->s != '"'; r->s++) {
        char c = *r->s;
        if (c == '\n' || (unsigned char)c < 0x20) return fail(r, "a line break inside a string");
        if (c == '\\') {
            if (++r->s >= r->end) break;
            const char *esc = strchr("\"\\/bfnrtu", *r->s);
            if (!esc || !*r->s) return fail(r, "an unknown escape in a string");
            c = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrtu"];
            if (*r->s == 'u') {
                unsigned v;
                if (r->end - r->s < 5 || sscanf(r->s + 1, "%4x", &v) != 1 || v == 0 || v > 0x7f)
                    return fail(r, "only \\u escapes of ASCII characters are read");
                c = (char)v;
                r->s += 4;
            }
        }
        if (n + 1 >= cap) return fail(r, "a string too long");
        out[n++] = c;
    }
    if (r->s >= r->end) return fail(r, "a string without its closing quote");
    r->s++;
    out[n] = '\0';
    return 0;
}

// A number, true, false or null as its text into out.
static int read_word(reader *r, char *out, size_t cap) {
    size_t n = strspn(r->s, "0123456789+-.eEtrufalsn");
    if (n == 0 || n >= cap || r->s + n > r->end) return fail(r, "expected a value");
    memcpy(out, r->s, n);
    out[n] = '\0';
    r->s += n;
    char *end;
    if (strcmp(out, "true") && strcmp(out, "false") && strcmp(out, "null") &&
        (strtod(out, &end), *end))
        return fail(r, "expected a string, a number, true, false, null or a list");
    return 0;
}

// A string or a word.
static int read_scalar(reader *r, char *out, size_t cap, int *is_string) {
    *is_string = r->s < r->end && *r->s == '"';
    return *is_string ? read_string(r, out, cap) : read_word(r, out, cap);
}

// A value: a string or a word, or a list of them (not of lists) joined by commas ("a,b").
static int read_value(reader *r, char *out, size_t cap, int *is_string) {
    if (r->s >= r->end || *r->s != '[') return read_scalar(r, out, cap, is_string);
    *is_string = 1;
    size_t n = 0;
    r->s++;
    skip_space(r);
    while (r->s < r->end && *r->s != ']') {
        int str;
        if (n && n + 1 < cap) out[n++] = ',';
        if (*r->s == '[') return fail(r, "a list inside a list");
        if (read_scalar(r, out + n, cap - n, &str)) return 1;
        n += strlen(out + n);
        skip_space(r);
        if (r->s < r->end && *r->s == ',') r->s++;
        else if (r->s < r->end && *r->s != ']') return fail(r, "expected ',' or ']' in a list");
        skip_space(r);
    }
    if (r->s >= r->end) return fail(r, "a list without its ']'");
    r->s++;
    out[n] = '\0';
    return 0;
}

// The words the configuration adds to the command line, and where they are kept.
typedef struct {
    char **argv;
    int argc, cap;
    int given[SEER_CLI_OPTION_MAX];  // an option the command line gives: 1
    int from_file[SEER_CLI_OPTION_MAX];
} expansion;

static int add_word(expansion *e, char *w) {
    if (!w) return seer_cli_usage("out of memory");
    if (e->argc == e->cap) {
        int cap = e->cap ? 2 * e->cap : 64;
        char **n = realloc(e->argv, (size_t)cap * sizeof *n);
        if (!n) return seer_cli_usage("out of memory");
        e->argv = n;
        e->cap = cap;
    }
    e->argv[e->argc++] = w;
    return 0;
}

// One key and its value: an option for the command line, unless the command line gives it.
static int add_option(const seer_cli_command *cmd, reader *r, expansion *e, const char *key,
                      const char *value, int is_string) {
    const seer_cli_opt *o = NULL;
    for (const seer_cli_opt *p = cmd->opts; p->name && !o; p++)
        if (strcmp(p->name, key) == 0) o = p;
    char msg[256];
    // What the command does instead of its job is asked for on the command line.
    if (o && (!strcmp(key, "help") || !strcmp(key, "print-config"))) {
        snprintf(msg, sizeof msg, "'%s' is for the command line, not a config file", key);
        return fail(r, msg);
    }
    if (!o) {
        const char *names[SEER_CLI_OPTS_MAX + 1];
        int k = 0;
        for (const seer_cli_opt *p = cmd->opts; p->name && k < SEER_CLI_OPTS_MAX; p++)
            names[k++] = p->name;
        names[k] = NULL;
        const char *near = seer_cli_nearest(key, names);
        snprintf(msg, sizeof msg, "unknown key '%.64s' (not an option of seer %s)%s%s%s", key,
                 cmd->name, near ? ": did you mean '" : "", near ? near : "", near ? "'?" : "");
        return fail(r, msg);
    }
    int flag = !o->has_arg;
    int boolean = !is_string && (!strcmp(value, "true") || !strcmp(value, "false"));
    int null = !is_string && !strcmp(value, "null");
    if (!null && flag != boolean) {
        snprintf(msg, sizeof msg, "'%s' %s", key, flag ? "is a flag: give true or false"
                 : "takes a value: give a string or a number");
        return fail(r, msg);
    }
    if (o->val >= 0 && o->val < SEER_CLI_OPTION_MAX) {
        if (e->from_file[o->val]) {
            snprintf(msg, sizeof msg, "'%s' is given twice", key);
            return fail(r, msg);
        }
        e->from_file[o->val] = 1;
        if (e->given[o->val]) return 0;
    }
    if (null || (boolean && !strcmp(value, "false"))) return 0;
    size_t n = strlen(key) + strlen(value) + 4;
    char *w = malloc(n);
    if (w && flag) snprintf(w, n, "--%s", key);
    else if (w) snprintf(w, n, "--%s=%s", key, value);
    return add_word(e, w);
}

// The object of the file: each key and value through add_option.
static int read_object(const seer_cli_command *cmd, reader *r, expansion *e) {
    static char key[256], value[CONFIG_VALUE_MAX];
    skip_space(r);
    if (r->s >= r->end || *r->s != '{') return fail(r, "a config file is one JSON object {...}");
    r->s++;
    for (skip_space(r); r->s < r->end && *r->s != '}'; skip_space(r)) {
        int is_string;
        if (read_string(r, key, sizeof key)) return 1;
        skip_space(r);
        if (r->s >= r->end || *r->s != ':') return fail(r, "expected ':' after a key");
        r->s++;
        skip_space(r);
        size_t line = r->line;
        if (read_value(r, value, sizeof value, &is_string)) return 1;
        reader at = *r;
        at.line = line;
        if (add_option(cmd, &at, e, key, value, is_string)) return 1;
        skip_space(r);
        if (r->s < r->end && *r->s == ',') r->s++;
        else if (r->s < r->end && *r->s != '}') return fail(r, "expected ',' or '}'");
    }
    if (r->s >= r->end) return fail(r, "the object has no closing '}'");
    r->s++;
    skip_space(r);
    if (r->s != r->end) return fail(r, "text after the object");
    return 0;
}

static int read_file(const char *path, char **text, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return seer_cli_fail(seer_errorf(SEER_EIO, "--config %s: %s", path,
                                                 strerror(errno)));
    *text = malloc(CONFIG_BYTES_MAX + 1);
    errno = 0;
    *n = *text ? fread(*text, 1, CONFIG_BYTES_MAX + 1, f) : 0;
    int err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (!*text) return seer_cli_usage("out of memory");
    int code = 0;
    if (err)
        code = seer_cli_fail(seer_errorf(SEER_EIO, "--config %s: %s", path, strerror(err)));
    else if (*n > CONFIG_BYTES_MAX)
        code = seer_cli_usage("--config %s: larger than %d bytes", path, CONFIG_BYTES_MAX);
    else if (memchr(*text, '\0', *n))
        code = seer_cli_usage("--config %s: holds a NUL byte", path);
    if (code) {
        free(*text);
        return code;
    }
    (*text)[*n] = '\0';
    return 0;
}

// Where --config is on the command line (its index, 0 if absent), its file, and what the
// command line gives (e->given): -1, or 1 after a usage error.
static int scan(const seer_cli_command *cmd, int argc, char **argv, expansion *e, int *at,
                const char **path) {
    *at = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) break;
        if (a[0] != '-' || a[1] == '\0') continue;
        if (a[1] != '-') {
            const char *s = strchr(cmd->shorts, a[1]);
            if (s) e->given[(unsigned char)a[1]] = 1;
            if (s && s[1] == ':' && a[2] == '\0') i++;
            continue;
        }
        size_t n = strcspn(a + 2, "=");
        if (n == 6 && strncmp(a + 2, "config", 6) == 0) {
            if (*at) return seer_cli_usage("--config is given twice: give it once");
            *at = i;
            *path = a[8] == '=' ? a + 9 : i + 1 < argc ? argv[++i] : NULL;
            if (!*path) return seer_cli_usage("%s: --config needs a value", cmd->name);
            continue;
        }
        for (const seer_cli_opt *o = cmd->opts; o->name; o++)
            if (strlen(o->name) == n && strncmp(o->name, a + 2, n) == 0) {
                if (o->val < SEER_CLI_OPTION_MAX) e->given[o->val] = 1;
                if (o->has_arg && !a[2 + n]) i++;
            }
    }
    return -1;
}

int seer_cli_config(const seer_cli_command *cmd, int *argc, char ***argv) {
    static expansion e;
    memset(&e, 0, sizeof e);
    int at;
    const char *path = NULL;
    int code = scan(cmd, *argc, *argv, &e, &at, &path);
    if (code >= 0 || !at) return code;
    char *text;
    size_t n;
    if ((code = read_file(path, &text, &n))) return code;
    reader r = {path, text, text + n, 1, 0};
    code = add_word(&e, (*argv)[0]) || read_object(cmd, &r, &e);
    free(text);
    if (code) return 1;
    // The command line after the file's options, without --config FILE.
    int skip = strchr((*argv)[at], '=') ? 1 : 2;
    for (int i = 1; i < *argc; i++)
        if ((i < at || i >= at + skip) && add_word(&e, (*argv)[i])) return 1;
    // getopt wants argv[argc] NULL.
    if (add_word(&e, "")) return 1;
    e.argv[--e.argc] = NULL;
    *argc = e.argc;
    *argv = e.argv;
    return -1;
}

int seer_cli_config_peek(int argc, char **argv, const char *key, char *out, size_t cap) {
    const char *path = NULL;
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        if (!strncmp(argv[i], "--config=", 9)) path = argv[i] + 9;
        else if (!strcmp(argv[i], "--config") && i + 1 < argc) path = argv[i + 1];
    }
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) return 0;
    char *text = malloc(CONFIG_BYTES_MAX + 2);
    size_t n = text ? fread(text, 1, CONFIG_BYTES_MAX + 1, f) : 0;
    fclose(f);
    if (text) text[n] = '\0';   // read_word's strspn stops there
    static char k[256], value[CONFIG_VALUE_MAX];
    reader r = {path, text, text + n, 1, 1};
    int found = 0, is_string;
    skip_space(&r);
    if (!text || n > CONFIG_BYTES_MAX || r.s >= r.end || *r.s++ != '{') n = 0;
    for (skip_space(&r); n && !found && r.s < r.end && *r.s != '}'; skip_space(&r)) {
        if (read_string(&r, k, sizeof k)) break;
        skip_space(&r);
        if (r.s >= r.end || *r.s++ != ':') break;
        skip_space(&r);
        if (read_value(&r, value, sizeof value, &is_string)) break;
        found = !strcmp(k, key) && strlen(value) < cap;
        skip_space(&r);
        if (r.s < r.end && *r.s == ',') r.s++;
    }
    if (found) memcpy(out, value, strlen(value) + 1);
    free(text);
    return found;
}
