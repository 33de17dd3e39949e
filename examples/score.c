// score: scores the rows of a data file through seer's public API, one line per row, in order,
// with the digits of seer predict.
//
//   cc examples/score.c $(pkg-config --cflags --libs seer) -o score
//   ./score MODEL FILE [--format auto|csv|tsv|criteo|libfm]
//
// The program reads FILE itself into memory and hands each row's values to the model by column
// name (seer_rows_set_string), so it shows how an application scores rows it already holds:
// no temporary file, no seer reader. The format defaults to the one the model was trained on,
// as seer predict's does. Rows are scored SEER_SCORE_ROWS at a time, the chunks of seer
// predict, so that the scores are the same to the bit.
//
// The reader is small on purpose: CSV/TSV with a header line and RFC 4180 quoting (the
// separator of "auto" sniffed from the header as seer does: tab, else comma, else ';', else
// '|'), the Criteo layout (tab separated, no header: label, I1..I13, C1..C26) and libFM
// ("label idx:1 idx:1 ...", the pairs being the fields F1..Fk). Exit status as the seer
// command's: 1 usage, 2 bad data, 3 I/O.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seer.h>

#define FIELDS_MAX 4096

typedef struct {
    char *p, *end;      // the unread part of the file
    size_t line;        // of p, from 1
    int sep;            // the separator of CSV and TSV
    int quoting;
    const char *why;    // what is wrong with the row a reader refused
} reader;

// One row's fields, pointing into the file's buffer (each ends with a NUL written over its
// separator) and the line the row started on.
typedef struct {
    char *f[FIELDS_MAX];
    size_t n, line;
} fields;

// Prints "score: MESSAGE" and returns code, the exit status.
static int fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "score: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static int read_all(const char *path, char **out, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return fail(3, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap + 1);
    for (size_t got = 1; b && got;) {
        if (len == cap) {
            char *nb = realloc(b, 2 * cap + 1);
            if (!nb) break;
            b = nb, cap *= 2;
        }
        got = fread(b + len, 1, cap - len, f);
        len += got;
    }
    int bad = ferror(f) || !b || (len == cap && !feof(f)), err = errno;
    fclose(f);
    if (bad) {
        free(b);
        return fail(3, "%s: reading failed: %s", path, strerror(err));
    }
    b[len] = '\0';
    *out = b;
    *n = len;
    return 0;
}

// Skips blank lines; 0 at the end of the file.
static int skip_blank(reader *r) {
    while (r->p < r->end && (*r->p == '\n' || *r->p == '\r')) {
        if (*r->p == '\n') r->line++;
        r->p++;
    }
    return r->p < r->end;
}

// Splits the next row of a delimited file into fs. Returns 0 at the end, 1 for a row, -1 for
// an unterminated quote or too many fields.
static int next_row(reader *r, fields *fs) {
    if (!skip_blank(r)) return 0;
    fs->n = 0;
    fs->line = r->line;
    for (;;) {
        if (fs->n == FIELDS_MAX) return r->why = "more fields than this reader takes", -1;
        char *w = r->p, *start = r->p;
        fs->f[fs->n++] = start;
        if (r->quoting && *r->p == '"') {  // "..." with "" for a quote, newlines allowed
            for (r->p++;; r->p++) {
                if (r->p >= r->end) return r->why = "a quote that is never closed", -1;
                if (*r->p == '"' && r->p[1] == '"') r->p++;
                else if (*r->p == '"') break;
                if (*r->p == '\n') r->line++;
                *w++ = *r->p;
            }
            r->p++;
        }
        while (r->p < r->end && *r->p != r->sep && *r->p != '\n') *w++ = *r->p++;
        int last = r->p >= r->end || *r->p == '\n';
        if (last && w > start && w[-1] == '\r') w--;
        if (r->p < r->end) r->p++;
        *w = '\0';
        if (last) {
            r->line++;
            return 1;
        }
    }
}

// libFM: "label idx:val ..." into label, F1 = idx, F2 = idx, ...; the values are 1.
static int next_libfm_row(reader *r, fields *fs) {
    if (!skip_blank(r)) return 0;
    fs->n = 0;
    fs->line = r->line;
    char *eol = memchr(r->p, '\n', (size_t)(r->end - r->p));
    if (!eol) eol = r->end;
    *eol = '\0';
    for (char *tok = strtok(r->p, " \t\r"); tok; tok = strtok(NULL, " \t\r")) {
        if (fs->n == FIELDS_MAX) return r->why = "more fields than this reader takes", -1;
        char *colon = fs->n ? strchr(tok, ':') : NULL, *end = NULL;
        if (fs->n && (!colon || colon == tok || strtod(colon + 1, &end) != 1 || *end))
            return r->why = "a feature that is not index:1", -1;
        if (colon) *colon = '\0';
        fs->f[fs->n++] = tok;
    }
    r->p = eol < r->end ? eol + 1 : r->end;
    r->line++;
    return 1;
}

static char sniff(const char *p, const char *end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (memchr(p, '\t', n)) return '\t';
    if (memchr(p, ',', n)) return ',';
    if (memchr(p, ';', n)) return ';';
    if (memchr(p, '|', n)) return '|';
    return ',';
}

static char *copy(const char *s, size_t len) {
    char *c = malloc(len + 1);
    if (c) memcpy(c, s, len), c[len] = '\0';
    return c;
}

// The column names of the file into names (each a copy the caller frees).
static int header(reader *r, seer_format fmt, const fields *first, char ***names, size_t *n) {
    fields h;
    size_t count = fmt == SEER_FORMAT_CRITEO ? 40 : fmt == SEER_FORMAT_LIBFM ? first->n : 0;
    if (fmt != SEER_FORMAT_CRITEO && fmt != SEER_FORMAT_LIBFM) {
        if (next_row(r, &h) != 1) return -1;
        count = h.n;
    }
    *names = calloc(count, sizeof **names);
    for (size_t j = 0; *names && j < count; j++) {
        char buf[64];
        const char *s = buf;
        if (fmt == SEER_FORMAT_CRITEO || fmt == SEER_FORMAT_LIBFM) {
            if (j == 0) snprintf(buf, sizeof buf, "label");
            else if (fmt == SEER_FORMAT_LIBFM) snprintf(buf, sizeof buf, "F%zu", j);
            else snprintf(buf, sizeof buf, j <= 13 ? "I%zu" : "C%zu", j <= 13 ? j : j - 13);
        } else {  // trimmed of blanks, "col<j>" when empty, as seer names them
            s = h.f[j];
            while (*s == ' ' || *s == '\t') s++;
            size_t len = strlen(s);
            while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
            if (!len) snprintf(buf, sizeof buf, "col%zu", j), s = buf, len = strlen(buf);
            (*names)[j] = copy(s, len);
            continue;
        }
        (*names)[j] = copy(s, strlen(s));
    }
    *n = count;
    int ok = *names != NULL;
    for (size_t j = 0; ok && j < count; j++) ok = (*names)[j] != NULL;
    return ok ? 0 : -1;
}

// Scores the rows added so far and prints them.
static int flush(seer_model *m, seer_rows *rows, float *out) {
    int rc = seer_model_score(m, rows, out);
    if (rc != SEER_OK) return rc;
    for (size_t i = 0; i < seer_rows_count(rows); i++) printf("%.7g\n", (double)out[i]);
    seer_rows_clear(rows);
    return SEER_OK;
}

// Whether the model has a column of this name (a file's other columns are not read).
static int known(const seer_model *m, const char *name) {
    for (size_t i = 0; i < seer_model_input_count(m); i++) {
        seer_column_info c;
        if (seer_model_input(m, i, &c) == SEER_OK && strcmp(c.name, name) == 0) return 1;
    }
    return 0;
}

// The name of a column the model scores with that the file lacks, or NULL (seer predict
// refuses such a file rather than score the column as missing in every row).
static const char *lacking(const seer_model *m, char *const *names, size_t n) {
    for (size_t i = 0; i < seer_model_input_count(m); i++) {
        seer_column_info c;
        if (seer_model_input(m, i, &c) != SEER_OK || c.kind == SEER_COLUMN_IGNORED ||
            c.kind == SEER_COLUMN_LABEL)
            continue;
        size_t j = 0;
        while (j < n && strcmp(names[j], c.name) != 0) j++;
        if (j == n) return c.name;
    }
    return NULL;
}

static int score(seer_model *m, reader *r, seer_format fmt, const char *path) {
    static fields fs;
    // libFM's fields are counted on its first row, which is read before the names.
    int libfm = fmt == SEER_FORMAT_LIBFM, got = libfm ? next_libfm_row(r, &fs) : 0;
    char **names = NULL;
    size_t n_names = 0;
    if (header(r, fmt, &fs, &names, &n_names) != 0) {
        for (size_t j = 0; names && j < n_names; j++) free(names[j]);
        free(names);
        return fail(2, "%s:%zu: no header line, or one that cannot be read", path, r->line);
    }
    const char *lack = lacking(m, names, n_names);
    if (lack) {
        for (size_t j = 0; j < n_names; j++) free(names[j]);
        free(names);
        return fail(2, "%s: no column named '%s', which the model was trained with", path, lack);
    }
    int *use = calloc(n_names + 1, sizeof *use);
    for (size_t j = 0; use && j < n_names; j++) use[j] = known(m, names[j]);
    seer_rows *rows = NULL;
    float *out = malloc(SEER_SCORE_ROWS * sizeof *out);
    int rc = use && out ? seer_rows_new(&rows, m) : SEER_ENOMEM, code = 0;
    if (!libfm && rc == SEER_OK) got = next_row(r, &fs);
    while (rc == SEER_OK && !code && got == 1) {
        if (fs.n != n_names) {
            code = fail(2, "%s:%zu: the row's field count differs from the header's", path,
                        fs.line);
            break;
        }
        rc = seer_rows_add(rows);
        for (size_t j = 0; rc == SEER_OK && j < fs.n; j++)
            if (use[j]) rc = seer_rows_set_string(rows, names[j], fs.f[j]);
        if (rc == SEER_OK && seer_rows_count(rows) == SEER_SCORE_ROWS) rc = flush(m, rows, out);
        if (rc == SEER_OK) got = libfm ? next_libfm_row(r, &fs) : next_row(r, &fs);
    }
    if (rc == SEER_OK && !code && got < 0)
        code = fail(2, "%s:%zu: %s", path, fs.line, r->why);
    if (rc == SEER_OK && !code) rc = flush(m, rows, out);
    if (rc != SEER_OK) code = fail(seer_error_exit_code(rc), "%s", seer_error_message());
    seer_rows_free(rows);
    free(out);
    free(use);
    for (size_t j = 0; j < n_names; j++) free(names[j]);
    free(names);
    return code;
}

int main(int argc, char **argv) {
    const char *format = NULL;
    if (argc == 5 && strcmp(argv[3], "--format") == 0) format = argv[4];
    if (argc != 3 && !format) {
        fprintf(stderr, "usage: score MODEL FILE [--format auto|csv|tsv|criteo|libfm]\n");
        return 1;
    }
    seer_model *m = NULL;
    int rc = seer_model_load(&m, argv[1], 0);
    if (rc != SEER_OK) return fail(seer_error_exit_code(rc), "%s", seer_error_message());
    seer_format fmt = seer_model_format(m);
    if (format) {
        int f = 0;
        while (seer_format_names[f] && strcmp(seer_format_names[f], format) != 0) f++;
        if (!seer_format_names[f]) {
            seer_model_free(m);
            return fail(1, "--format: unknown format '%s'", format);
        }
        fmt = (seer_format)f;
    }
    char *text = NULL;
    size_t n = 0;
    int code = read_all(argv[2], &text, &n);
    if (!code) {
        char *p = n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? text + 3 : text;
        reader r = {p, text + n, 1, ',', 1, NULL};
        if (fmt == SEER_FORMAT_AUTO) r.sep = sniff(p, text + n);
        if (fmt == SEER_FORMAT_TSV || fmt == SEER_FORMAT_CRITEO) r.sep = '\t';
        if (fmt == SEER_FORMAT_CRITEO || fmt == SEER_FORMAT_LIBFM) r.quoting = 0;
        code = skip_blank(&r) ? score(m, &r, fmt, argv[2]) : fail(2, "%s: empty file", argv[2]);
    }
    free(text);
    seer_model_free(m);
    if ((fflush(stdout) != 0 || ferror(stdout)) && !code)
        code = fail(3, "writing the scores failed: %s", strerror(errno));
    return code;
}
