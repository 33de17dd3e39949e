// Tests for the streaming tabular reader (src/data/table.c) and its byte source.
//
// Each test writes its small input files into a fresh directory under /tmp. A table is read
// into a text dump, fields joined by '|' and rows ended by ';', so one string comparison shows
// every field. Refill edge cases are covered by reading the same bytes from memory a few bytes
// at a time (seer_table_open_memory's step), which must not change the result.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base/error.h"
#include "data/table.h"

static char tmpdir[64];
static char paths[8][256];
static int npaths;

static void make_dir(void) {
    strcpy(tmpdir, "/tmp/seer_test_table_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(tmpdir), NULL));
    npaths = 0;
}

static void remove_dir(void) {
    DIR *d = opendir(tmpdir);
    if (!d) return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(tmpdir);
}

TestSuite(table, .init = make_dir, .fini = remove_dir);

// Writes n bytes to tmpdir/name and returns the path (valid for the test).
static const char *put_bytes(const char *name, const void *data, size_t n) {
    char *p = paths[npaths++ % 8];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    cr_assert(ne(ptr, f, NULL));
    cr_assert(eq(sz, fwrite(data, 1, n, f), n));
    fclose(f);
    return p;
}

static const char *put(const char *name, const char *text) {
    return put_bytes(name, text, strlen(text));
}

static const char *put_gzip(const char *name, const char *text, const char *mode) {
    char *p = paths[npaths++ % 8];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    gzFile g = gzopen(p, mode);
    cr_assert(ne(ptr, g, NULL));
    cr_assert(eq(int, gzwrite(g, text, (unsigned)strlen(text)), (int)strlen(text)));
    cr_assert(eq(int, gzclose(g), Z_OK));
    return p;
}

// Compresses text with zstd into a malloc'd buffer; *n gets its size.
static char *zstd_bytes(const char *text, size_t *n) {
    size_t cap = ZSTD_compressBound(strlen(text));
    char *z = malloc(cap);
    *n = ZSTD_compress(z, cap, text, strlen(text), 3);
    cr_assert(not(ZSTD_isError(*n)));
    return z;
}

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    cr_assert(ne(ptr, f, NULL));
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc(*n + 1);
    cr_assert(eq(sz, fread(b, 1, *n, f), *n));
    fclose(f);
    return b;
}

// Reads every row of t into dump ("f1|f2;f1|f2;") and checks the row invariants. Returns the
// last seer_table_next result (0 at a clean end) and the row count in *rows.
static int read_all(seer_table *t, size_t *rows, char *dump, size_t cap) {
    seer_row row;
    size_t k = 0;
    int rc;
    *rows = 0;
    if (dump) dump[0] = '\0';
    while ((rc = seer_table_next(t, &row)) == 1) {
        (*rows)++;
        cr_assert(eq(sz, row.n, seer_table_ncols(t)));
        for (size_t j = 0; j < row.n; j++) {
            cr_assert(eq(sz, strlen(row.field[j]), row.len[j]));
            if (!dump) continue;
            int w = snprintf(dump + k, cap - k, "%s%s", row.field[j], j + 1 < row.n ? "|" : ";");
            cr_assert(lt(sz, k + (size_t)w, cap));
            k += (size_t)w;
        }
    }
    return rc;
}

// Opens path, reads it all and expects no error; returns the dump.
static char *dump_file(const char *path, seer_format format, size_t *rows) {
    static char dump[SEER_LINE_MAX + 4096];
    seer_table_options opt = {format, 0};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, read_all(t, rows, dump, sizeof dump), 0), "%s", seer_error_message());
    seer_table_close(t);
    return dump;
}

// Expects reading text (written as name) to fail with SEER_EDATA at location, at open or on
// some row, and the message to contain what.
static void expect_bad(const char *name, const char *text, size_t n, seer_format format,
                       const char *location, const char *what) {
    const char *path = put_bytes(name, text, n);
    seer_table_options opt = {format, 0};
    seer_table *t;
    int rc = seer_table_open(&t, path, &opt);
    if (rc == SEER_OK) {
        size_t rows;
        rc = read_all(t, &rows, NULL, 0);
        seer_table_close(t);
    }
    const char *msg = seer_error_message();
    cr_assert(eq(int, rc, SEER_EDATA), "%s", msg);
    cr_assert(ne(ptr, strstr(msg, location), NULL), "'%s' lacks '%s'", msg, location);
    cr_assert(ne(ptr, strstr(msg, what), NULL), "'%s' lacks '%s'", msg, what);
}

Test(table, csv_basic) {
    const char *path = put("basic.csv", "a,b,c\n1,2,3\n4,,6\n");
    seer_table_options opt = {SEER_FORMAT_CSV, 0};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK));
    cr_assert(eq(sz, seer_table_ncols(t), 3));
    cr_assert(eq(str, (char *)seer_table_colname(t, 2), "c"));
    cr_assert(eq(long, seer_table_find(t, "b"), 1));
    cr_assert(eq(long, seer_table_find(t, "z"), -1));
    cr_assert(eq(str, (char *)seer_table_path(t), (char *)path));
    cr_assert(eq(int, seer_table_format(t), SEER_FORMAT_CSV));
    seer_row row;
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(sz, row.line, 2));
    cr_assert(eq(str, row.field[0], "1"));
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(sz, row.line, 3));
    cr_assert(eq(sz, row.len[1], 0));
    cr_assert(eq(str, row.field[2], "6"));
    cr_assert(eq(int, seer_table_next(t, &row), 0));
    cr_assert(eq(int, seer_table_next(t, &row), 0));
    seer_table_close(t);
}

Test(table, tsv_basic) {
    size_t rows;
    const char *path = put("basic.tsv", "x\ty\n1\ta b,c\n\t\n");
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_TSV, &rows), "1|a b,c;|;"));
    cr_assert(eq(sz, rows, 2));
}

Test(table, csv_quoted) {
    size_t rows;
    const char *path = put("q.csv", "a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n"
                                    "\"two\nlines\",\"\"\n\"\"\"\",3\n");
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_CSV, &rows),
                 "x,y|he said \"hi\";two\nlines|;\"|3;"));
    cr_assert(eq(sz, rows, 3));
}

Test(table, csv_quoted_row_lines) {
    const char *path = put("ql.csv", "a,b\n\"1\n2\n3\",x\n4,y\n");
    seer_table_options opt = {SEER_FORMAT_CSV, 0};
    seer_table *t;
    seer_row row;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK));
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(sz, row.line, 2));
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(sz, row.line, 5));
    seer_table_close(t);
}

Test(table, csv_crlf) {
    size_t rows;
    const char *path = put("crlf.csv", "a,b\r\n1,2\r\n\"3\",\"4\"\r\n5,\r\n");
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_CSV, &rows), "1|2;3|4;5|;"));
}

Test(table, csv_no_final_newline) {
    size_t rows;
    cr_assert(eq(str, dump_file(put("n1.csv", "a,b\n1,2"), SEER_FORMAT_CSV, &rows), "1|2;"));
    cr_assert(eq(str, dump_file(put("n2.csv", "a,b\n1,\"2\""), SEER_FORMAT_CSV, &rows), "1|2;"));
    cr_assert(eq(str, dump_file(put("n3.csv", "a,b\n1,2\r"), SEER_FORMAT_CSV, &rows), "1|2;"));
    cr_assert(eq(str, dump_file(put("n4.csv", "a,b\n1,\"2\"\r"), SEER_FORMAT_CSV, &rows),
                 "1|2;"));
    cr_assert(eq(str, dump_file(put("n5.csv", "a,b\n1,"), SEER_FORMAT_CSV, &rows), "1|;"));
}

Test(table, csv_blank_lines) {
    size_t rows;
    const char *path = put("blank.csv", "\n\r\na,b\n\n1,2\r\n\r\n\n3,4\n\n");
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_CSV, &rows), "1|2;3|4;"));
}

Test(table, csv_bom) {
    const char *path = put("bom.csv", "\xef\xbb\xbfid,v\n1,2\n");
    seer_table_options opt = {SEER_FORMAT_AUTO, 0};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK));
    cr_assert(eq(str, (char *)seer_table_colname(t, 0), "id"));
    seer_table_close(t);
}

Test(table, csv_header_names) {
    const char *path = put("names.csv", ", b ,\"\",\" q \"\n1,2,3,4\n");
    seer_table_options opt = {SEER_FORMAT_CSV, 0};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK));
    cr_assert(eq(sz, seer_table_ncols(t), 4));
    cr_assert(eq(str, (char *)seer_table_colname(t, 0), "col0"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 1), "b"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 2), "col2"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 3), "q"));
    seer_table_close(t);
}

Test(table, csv_header_only) {
    size_t rows;
    cr_assert(eq(str, dump_file(put("h.csv", "a,b\n"), SEER_FORMAT_CSV, &rows), ""));
    cr_assert(eq(sz, rows, 0));
}

Test(table, auto_sniff) {
    static const struct {
        const char *text;
        seer_format format;
        size_t ncols;
    } cases[] = {
        {"a\tb,c\n1\t2\n", SEER_FORMAT_TSV, 2},  {"a,b;c\n1,2\n", SEER_FORMAT_CSV, 2},
        {"a;b;c\n1;2;3\n", SEER_FORMAT_CSV, 3},  {"a|b\n1|2\n", SEER_FORMAT_CSV, 2},
        {"a;b|c\n1;2|3\n", SEER_FORMAT_CSV, 2},  {"alone\n1\n", SEER_FORMAT_CSV, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = put("sniff.txt", cases[i].text);
        seer_table_options opt = {SEER_FORMAT_AUTO, 0};
        seer_table *t;
        cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK), "%s", seer_error_message());
        cr_assert(eq(int, seer_table_format(t), cases[i].format), "case %zu", i);
        cr_assert(eq(sz, seer_table_ncols(t), cases[i].ncols), "case %zu", i);
        size_t rows;
        cr_assert(eq(int, read_all(t, &rows, NULL, 0), 0), "%s", seer_error_message());
        cr_assert(eq(sz, rows, 1));
        seer_table_close(t);
    }
}

// One Criteo row: label, 13 integers, 26 categoricals; fields listed in empty become "".
static void criteo_row(char *dst, int label, int empty_from, int empty_to) {
    char *p = dst + sprintf(dst, "%d", label);
    for (int j = 1; j < 40; j++) {
        *p++ = '\t';
        if (j >= empty_from && j <= empty_to) continue;
        p += j <= 13 ? sprintf(p, "%d", j * 10) : sprintf(p, "%08x", 0xabc00 + j);
    }
    *p++ = '\n';
    *p = '\0';
}

Test(table, criteo_layout) {
    char text[2048];
    criteo_row(text, 1, 0, 0);
    criteo_row(text + strlen(text), 0, 12, 20);
    strcat(text, "0\t\"q\t");
    for (int j = 3; j < 40; j++) strcat(text, "\t");
    strcat(text, "\r\n");
    const char *path = put("criteo.txt", text);
    seer_table_options opt = {SEER_FORMAT_CRITEO, 0};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, seer_table_ncols(t), 40));
    cr_assert(eq(str, (char *)seer_table_colname(t, 0), "label"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 13), "I13"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 14), "C1"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 39), "C26"));
    cr_assert(eq(int, seer_table_format(t), SEER_FORMAT_CRITEO));
    seer_row row;
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(str, row.field[0], "1"));
    cr_assert(eq(str, row.field[13], "130"));
    cr_assert(eq(str, row.field[39], "000abc27"));
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(sz, row.len[12], 0));
    cr_assert(eq(sz, row.len[20], 0));
    cr_assert(eq(str, row.field[21], "000abc15"));
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(str, row.field[1], "\"q"));
    cr_assert(eq(sz, row.len[39], 0));
    cr_assert(eq(int, seer_table_next(t, &row), 0));
    seer_table_close(t);
}

Test(table, criteo_bad_field_count) {
    char text[2048];
    criteo_row(text, 1, 0, 0);
    strcat(text, "0\t1\t2\n");
    expect_bad("bad.txt", text, strlen(text), SEER_FORMAT_CRITEO, "bad.txt:2:6",
               "expected 40 fields, got 3");
}

// A Criteo file without the label column (the challenge's test file): columns I1 .. C26 from
// its first line, the same values as the labelled rows' past their label, and every row must
// have 39 fields.
Test(table, criteo_without_label) {
    char text[4096], with[2048];
    criteo_row(with, 1, 0, 0);
    criteo_row(with + strlen(with), 0, 12, 20);
    // The same rows without their first field.
    size_t n = 0;
    for (const char *line = with; *line;) {
        const char *tab = strchr(line, '\t'), *end = strchr(line, '\n');
        memcpy(text + n, tab + 1, (size_t)(end - tab));
        n += (size_t)(end - tab);
        line = end + 1;
    }
    text[n] = '\0';
    const char *path = put("unlabelled.txt", text);
    seer_table_options opt = {SEER_FORMAT_CRITEO, 0};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, seer_table_ncols(t), 39));
    cr_assert(eq(str, (char *)seer_table_colname(t, 0), "I1"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 13), "C1"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 38), "C26"));
    cr_assert(lt(long, seer_table_find(t, "label"), 0));
    seer_row row;
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(str, row.field[12], "130"));
    cr_assert(eq(str, row.field[38], "000abc27"));
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(sz, row.len[11], 0));
    cr_assert(eq(str, row.field[20], "000abc15"));
    cr_assert(eq(int, seer_table_next(t, &row), 0));
    seer_table_close(t);
    // A labelled row after an unlabelled first one is a bad row, by line.
    strcat(text, with);
    expect_bad("mixed.txt", text, strlen(text), SEER_FORMAT_CRITEO, "mixed.txt:3:",
               "expected 39 fields, got 40 (the first line has 39, so the file is read "
               "without a label)");
}

Test(table, libfm_basic) {
    // Runs of spaces and tabs, blanks before the label and after the last pair.
    const char *path = put("basic.libfm", "1 451:1 12:1\n-1\t3:1  \t9:1\n \t0 77:1 8:1 \n");
    seer_table_options opt = {SEER_FORMAT_LIBFM, 0};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, seer_table_format(t), SEER_FORMAT_LIBFM));
    cr_assert(eq(sz, seer_table_ncols(t), 3));
    cr_assert(eq(str, (char *)seer_table_colname(t, 0), "label"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 1), "F1"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 2), "F2"));
    cr_assert(eq(long, seer_table_find(t, "F2"), 2));
    seer_row row;
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(sz, row.line, 1));
    cr_assert(eq(str, row.field[0], "1"));
    cr_assert(eq(str, row.field[1], "451"));
    cr_assert(eq(sz, row.len[1], 3));
    cr_assert(eq(str, row.field[2], "12"));
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(sz, row.line, 2));
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(sz, row.line, 3));
    cr_assert(eq(int, seer_table_next(t, &row), 0));
    cr_assert(eq(int, seer_table_rewind(t), SEER_OK));
    char dump[64];
    size_t rows;
    cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0), "%s", seer_error_message());
    cr_assert(eq(str, dump, "1|451|12;0|3|9;0|77|8;"));
    seer_table_close(t);
}

Test(table, libfm_crlf) {
    size_t rows;
    const char *path = put("crlf.libfm", "\r\n1 5:1 7:1\r\n\r\n\n-1 3:1 9:1 \r\n0 1:1 2:1\r");
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_LIBFM, &rows), "1|5|7;0|3|9;0|1|2;"));
    cr_assert(eq(sz, rows, 3));
    path = put("nolf.libfm", "1 5:1\n-1 6:1");
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_LIBFM, &rows), "1|5;0|6;"));
}

// Every split of the same bytes across refills gives the same rows.
Test(table, libfm_refill) {
    static const char text[] = "\xef\xbb\xbf\r\n1 10:1 2:1.0\r\n\r\n-1\t3:1e0 44:1\n"
                               "7 x:1 y:1\r\n0 5:1 6:1\r";
    for (size_t step = 0; step <= 12; step++) {
        seer_table_options opt = {SEER_FORMAT_LIBFM, 0};
        seer_table *t;
        cr_assert(eq(int, seer_table_open_memory(&t, text, sizeof text - 1, "m", step, &opt),
                     SEER_OK), "%s", seer_error_message());
        char dump[64];
        size_t rows;
        cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0), "%s", seer_error_message());
        cr_assert(eq(str, dump, "1|10|2;0|3|44;1|x|y;0|5|6;"), "step %zu", step);
        seer_table_close(t);
    }
}

Test(table, libfm_bad_pair) {
    static const struct {
        const char *line2, *location, *what;
    } cases[] = {
        {"1 5:1 71\n", "bad.libfm:2:7", "feature 2 is not index:value"},
        {"1 :1 7:1\n", "bad.libfm:2:3", "feature 1 has an empty index"},
        {"1 5:x 7:1\n", "bad.libfm:2:5", "value of feature 1 is not a number"},
        {"1 5: 7:1\n", "bad.libfm:2:5", "value of feature 1 is not a number"},
        {"1 1:5:1 7:1\n", "bad.libfm:2:5", "value of feature 1 is not a number"},
        {"yes 5:1 7:1\n", "bad.libfm:2:1", "label is not a number"},
        {"  nan 5:1 7:1\n", "bad.libfm:2:3", "label is not a number"},
        {" \t \r\n", "bad.libfm:2:1", "no label"},
        {"\"1\" 5:1 7:1\n", "bad.libfm:2:1", "label is not a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "1 2:1 3:1\n%s", cases[i].line2);
        expect_bad("bad.libfm", text, strlen(text), SEER_FORMAT_LIBFM, cases[i].location,
                   cases[i].what);
    }
    expect_bad("nul.libfm", "1 2:1\n1 3\0:1\n", 12, SEER_FORMAT_LIBFM, "nul.libfm:2:4", "NUL");
}

Test(table, libfm_value_other_than_one) {
    // A libFM value weights its feature; seer cannot, so it refuses rather than read it as 1.
    static const struct {
        const char *line2, *location, *what;
    } cases[] = {
        {"1 5:0.5 7:1\n", "bad.libfm:2:5", "the value of feature 1 is '0.5': seer reads libFM "
         "values of 1 only"},
        {"0 5:1 7:3\n", "bad.libfm:2:9", "the value of feature 2 is '3'"},
        {"0 5:1\t77:0\r\n", "bad.libfm:2:10", "the value of feature 2 is '0'"},
        {"-1 5:-1 7:1\n", "bad.libfm:2:6", "the value of feature 1 is '-1'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "1 2:1 3:1\n%s", cases[i].line2);
        expect_bad("bad.libfm", text, strlen(text), SEER_FORMAT_LIBFM, cases[i].location,
                   cases[i].what);
    }
    // 1 in any spelling reads.
    const char *ok = "1 2:1 3:1.0\n0 4:1e0 5:01\n";
    seer_table *t;
    seer_table_options o = {SEER_FORMAT_LIBFM, 0};
    cr_assert(eq(int, seer_table_open_memory(&t, ok, strlen(ok), "ok.libfm", 0, &o), SEER_OK));
    seer_row row;
    cr_assert(eq(int, seer_table_next(t, &row), 1), "%s", seer_error_message());
    cr_assert(eq(int, seer_table_next(t, &row), 1), "%s", seer_error_message());
    cr_assert(eq(str, row.field[1], "4"));
    cr_assert(eq(int, seer_table_next(t, &row), 0));
    seer_table_close(t);
}

Test(table, libfm_wrong_count) {
    const char *text = "1 2:1 3:1\n1 2:1 3:1 4:1 5:1\n";
    expect_bad("many.libfm", text, strlen(text), SEER_FORMAT_LIBFM, "many.libfm:2:11",
               "expected 2 features, got 4");
    text = "1 2:1 3:1\n-1 2:1\r\n";
    expect_bad("few.libfm", text, strlen(text), SEER_FORMAT_LIBFM, "few.libfm:2:7",
               "expected 2 features, got 1");
    text = "1 2:1 3:1\n-1";
    expect_bad("few.libfm", text, strlen(text), SEER_FORMAT_LIBFM, "few.libfm:2:3",
               "expected 2 features, got 0");
}

// The first data line sets the column count; it must have a pair, and not too many.
Test(table, libfm_first_line) {
    expect_bad("one.libfm", "\n1 \n1 2:1\n", 10, SEER_FORMAT_LIBFM, "one.libfm:2:3",
               "expected a label and index:value pairs");
    expect_bad("empty.libfm", "\r\n\n", 3, SEER_FORMAT_LIBFM, "empty.libfm: empty file", "");
    size_t cap = (SEER_COLS_MAX + 1) * 4 + 16, k = 0;
    char *text = malloc(cap);
    k += (size_t)sprintf(text, "1");
    for (int j = 1; j < SEER_COLS_MAX; j++) k += (size_t)sprintf(text + k, " %d:1", j % 10);
    text[k++] = '\n';
    size_t rows;
    dump_file(put_bytes("max.libfm", text, k), SEER_FORMAT_LIBFM, &rows);
    cr_assert(eq(sz, rows, 1));
    k--;
    k += (size_t)sprintf(text + k, " 9:1\n");
    char where[64];
    snprintf(where, sizeof where, "wide.libfm:1:%zu", k - 3);
    expect_bad("wide.libfm", text, k, SEER_FORMAT_LIBFM, where, "more than 4096 columns");
    free(text);
}

Test(table, libfm_long_row) {
    // Line 2 is "1 " then x's then ":1", SEER_LINE_MAX + 1 bytes before its newline.
    size_t n = SEER_LINE_MAX + 1, k = 0;
    char *text = malloc(n + 32);
    k += (size_t)sprintf(text, "1 5:1\n1 ");
    memset(text + k, 'x', n - 4);
    k += n - 4;
    k += (size_t)sprintf(text + k, ":1\n0 6:1\n");
    char where[64];
    snprintf(where, sizeof where, "long.libfm:2:%u", SEER_LINE_MAX + 1);
    expect_bad("long.libfm", text, k, SEER_FORMAT_LIBFM, where, "longer than");
    seer_table_options opt = {SEER_FORMAT_LIBFM, 1};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, put_bytes("long.libfm", text, k), &opt), SEER_OK));
    char dump[64];
    size_t rows;
    cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0), "%s", seer_error_message());
    cr_assert(eq(str, dump, "1|5;0|6;"));
    cr_assert(eq(sz, seer_table_bad_rows(t), 1));
    seer_table_close(t);
    // As the first line it cannot be counted: the open fails.
    snprintf(where, sizeof where, "first.libfm:1:%u", SEER_LINE_MAX + 1);
    expect_bad("first.libfm", text + 6, k - 6, SEER_FORMAT_LIBFM, where, "longer than");
    // One byte shorter is a legal row.
    memmove(text + 8, text + 9, k - 9);
    dump_file(put_bytes("max.libfm", text, k - 1), SEER_FORMAT_LIBFM, &rows);
    cr_assert(eq(sz, rows, 3));
    free(text);
}

Test(table, libfm_skip_bad) {
    static const char text[] = "1 2:1 3:1\n"
                               "1 2:1\n"          // line 2: too few
                               "-1 4:1 5:1\n"
                               "1 2:1 3\n"        // line 4: no ':'
                               "x 2:1 3:1\n"      // line 5: label
                               "0 2:1 3:1 4:1\n"  // line 6: too many
                               "1 2:1 3:z\r\n"    // line 7: value
                               "1 8:1 9:1\r\n"
                               "1 2:1 \0:1\n"     // line 9: NUL
                               "0 6:1 7:1";
    const char *path = put_bytes("skip.libfm", text, sizeof text - 1);
    seer_table_options opt = {SEER_FORMAT_LIBFM, 1};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK));
    char dump[128];
    size_t rows;
    cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0), "%s", seer_error_message());
    cr_assert(eq(str, dump, "1|2|3;0|4|5;1|8|9;0|6|7;"));
    cr_assert(eq(sz, seer_table_bad_rows(t), 6));
    const char *const *msgs;
    cr_assert(eq(sz, seer_table_bad_messages(t, &msgs), SEER_BAD_ROWS_KEPT));
    cr_assert(ne(ptr, strstr(msgs[0], "skip.libfm:2:6: expected 2 features, got 1"), NULL), "%s",
              msgs[0]);
    cr_assert(ne(ptr, strstr(msgs[1], "skip.libfm:4:7: feature 2"), NULL), "%s", msgs[1]);
    cr_assert(ne(ptr, strstr(msgs[2], "skip.libfm:5:1: the label"), NULL), "%s", msgs[2]);
    cr_assert(ne(ptr, strstr(msgs[3], "skip.libfm:6:11: expected 2 features, got 3"), NULL), "%s",
              msgs[3]);
    cr_assert(ne(ptr, strstr(msgs[4], "skip.libfm:7:9: the value"), NULL), "%s", msgs[4]);
    cr_assert(eq(int, seer_table_rewind(t), SEER_OK));
    cr_assert(eq(sz, seer_table_bad_rows(t), 0));
    cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0));
    cr_assert(eq(str, dump, "1|2|3;0|4|5;1|8|9;0|6|7;"));
    cr_assert(eq(sz, seer_table_bad_rows(t), 6));
    seer_table_close(t);
}

// The label is 1 when it is a number > 0, else 0; the values only have to be numbers.
Test(table, libfm_label_mapping) {
    size_t rows;
    const char *path = put("labels.libfm", "1 1:1\n-1 1:1\n0 1:1\n2 1:1\n+1 1:1\n0.5 1:1\n"
                                           "-0.5 1:1\n1e-9 1:1\n-0 1:1\n1.0 1:1.0\n"
                                           "3 1:1e0\n");
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_LIBFM, &rows),
                 "1|1;0|1;0|1;1|1;1|1;1|1;0|1;1|1;0|1;1|1;1|1;"));
    cr_assert(eq(sz, rows, 11));
}

Test(table, libfm_gzip) {
    static const char text[] = "1 5:1 7:1\r\n-1 3:1 9:1\r\n";
    size_t rows, n;
    // No .gz in the name: the magic decides.
    const char *path = put_gzip("data.libfm", text, "wb");
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_LIBFM, &rows), "1|5|7;0|3|9;"));
    char *z = zstd_bytes(text, &n);
    const char *zst = put_bytes("data.zst", z, n);
    free(z);
    const char *files[] = {path, zst};
    for (int i = 0; i < 2; i++) {
        seer_table_options opt = {SEER_FORMAT_LIBFM, 0};
        seer_table *t;
        seer_row row;
        cr_assert(eq(int, seer_table_open(&t, files[i], &opt), SEER_OK));
        cr_assert(eq(int, seer_table_next(t, &row), 1));
        cr_assert(eq(int, seer_table_rewind(t), SEER_OK));
        char dump[64];
        cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0), "%s", seer_error_message());
        cr_assert(eq(str, dump, "1|5|7;0|3|9;"));
        seer_table_close(t);
    }
}

Test(table, gzip_input) {
    size_t rows;
    // No .gz in the name: the magic decides.
    const char *path = put_gzip("data.csv", "a,b\n1,2\n3,4\n", "wb");
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_AUTO, &rows), "1|2;3|4;"));
    // A second member appended: cat a.gz b.gz.
    put_gzip("data.csv", "5,6\n", "ab");
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_AUTO, &rows), "1|2;3|4;5|6;"));
}

Test(table, zstd_input) {
    size_t rows, n, n2;
    char *z = zstd_bytes("a\tb\n1\t2\n3\t4\n", &n);
    char *z2 = zstd_bytes("5\t6\n", &n2);
    z = realloc(z, n + n2);
    memcpy(z + n, z2, n2);
    const char *path = put_bytes("data.tsv.gz", z, n);
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_AUTO, &rows), "1|2;3|4;"));
    path = put_bytes("two-frames", z, n + n2);
    cr_assert(eq(str, dump_file(path, SEER_FORMAT_AUTO, &rows), "1|2;3|4;5|6;"));
    free(z);
    free(z2);
}

Test(table, gzip_truncated) {
    const char *path = put_gzip("t.csv.gz", "a,b\n1,2\n3,4\n", "wb");
    size_t n;
    char *b = slurp(path, &n);
    expect_bad("cut.gz", b, n - 5, SEER_FORMAT_CSV, "cut.gz: truncated gzip", "");
    free(b);
}

Test(table, gzip_corrupt) {
    const char *path = put_gzip("t.csv.gz", "a,b\n1,2\n3,4\n", "wb");
    size_t n;
    char *b = slurp(path, &n);
    b[n - 6] ^= 0x55;  // the CRC-32 in the trailer
    expect_bad("crc.gz", b, n, SEER_FORMAT_CSV, "crc.gz: corrupt gzip", "");
    b[n - 6] ^= 0x55;
    char *junk = malloc(n + 3);
    memcpy(junk, b, n);
    memcpy(junk + n, "xyz", 3);
    expect_bad("junk.gz", junk, n + 3, SEER_FORMAT_CSV, "junk.gz: corrupt gzip", "");
    free(junk);
    free(b);
}

Test(table, corrupt_error_sticks) {
    char text[4096] = "a,b\n";
    for (int i = 0; i < 300; i++) sprintf(text + strlen(text), "%d,%d\n", i, i * 7);
    const char *path = put_gzip("t.gz", text, "wb");
    size_t n;
    char *b = slurp(path, &n);
    b[n / 2] ^= 0xff;
    seer_table_options opt = {SEER_FORMAT_CSV, 1};
    seer_table *t;
    seer_row row;
    int rc = seer_table_open_memory(&t, b, n, "mid.gz", 7, &opt);
    if (rc == SEER_OK) {
        while ((rc = seer_table_next(t, &row)) == 1) continue;
    }
    cr_assert(eq(int, rc, SEER_EDATA));
    cr_assert(ne(ptr, strstr(seer_error_message(), "mid.gz: corrupt gzip"), NULL), "%s",
              seer_error_message());
    seer_error_clear();
    if (t) {
        cr_assert(eq(int, seer_table_next(t, &row), SEER_EDATA));
        cr_assert(ne(ptr, strstr(seer_error_message(), "mid.gz: corrupt gzip"), NULL));
        seer_table_close(t);
    }
    free(b);
}

Test(table, zstd_truncated) {
    size_t n;
    char *z = zstd_bytes("a,b\n1,2\n3,4\n", &n);
    expect_bad("cut.zst", z, n - 3, SEER_FORMAT_CSV, "cut.zst: truncated zstd", "");
    expect_bad("magic.zst", z, 4, SEER_FORMAT_CSV, "magic.zst: truncated zstd", "");
    char *junk = malloc(n + 8);
    memcpy(junk, z, n);
    memcpy(junk + n, "not zstd", 8);
    expect_bad("junk.zst", junk, n + 8, SEER_FORMAT_CSV, "junk.zst: corrupt zstd", "");
    free(junk);
    free(z);
}

Test(table, bad_field_count) {
    expect_bad("bad.csv", "a,b,c\n1,2,3\n1,2,3,4\n", 20, SEER_FORMAT_CSV, "bad.csv:3:7",
               "expected 3 fields, got 4");
    expect_bad("bad.csv", "a,b,c\n1,2,3\n1,2\n", 16, SEER_FORMAT_CSV, "bad.csv:3:4",
               "expected 3 fields, got 2");
    expect_bad("bad.csv", "a,b,c\n1,2,3\n1,2", 15, SEER_FORMAT_CSV, "bad.csv:3:4",
               "expected 3 fields, got 2");
}

Test(table, bad_unterminated_quote) {
    const char *text = "a,b\n1,2\n3,\"x\n4,5\n6,7\n";
    expect_bad("bad.csv", text, strlen(text), SEER_FORMAT_CSV, "bad.csv:3:3", "line 3");
}

Test(table, bad_quote_in_field) {
    const char *text = "a,b\n1,2\n3,x\"y\n";
    expect_bad("bad.csv", text, strlen(text), SEER_FORMAT_CSV, "bad.csv:3:4", "quote");
}

Test(table, bad_after_quote) {
    const char *text = "a,b\n\"x\"y,2\n";
    expect_bad("bad.csv", text, strlen(text), SEER_FORMAT_CSV, "bad.csv:2:4", "closing quote");
    text = "a,b\n1,\"x\"\ry\n";
    expect_bad("bad.csv", text, strlen(text), SEER_FORMAT_CSV, "bad.csv:2:6", "closing quote");
}

Test(table, bad_nul) {
    expect_bad("bad.csv", "a,b\n1,2\n3,4\0\n", 13, SEER_FORMAT_CSV, "bad.csv:3:4", "NUL");
    expect_bad("bad.csv", "a,b\n1,\"2\0\"\n", 11, SEER_FORMAT_CSV, "bad.csv:2:5", "NUL");
    expect_bad("bad.txt", "1\t2\0\n", 5, SEER_FORMAT_CRITEO, "bad.txt:1:4", "NUL");
}

// A row of n bytes (before its newline): "1," then x's.
static char *long_text(size_t n, size_t *total) {
    char *text = malloc(n + 32);
    size_t k = (size_t)sprintf(text, "a,b\n1,");
    memset(text + k, 'x', n - 2);
    k += n - 2;
    k += (size_t)sprintf(text + k, "\n2,3\n");
    *total = k;
    return text;
}

Test(table, long_row) {
    size_t n, rows;
    char *text = long_text(SEER_LINE_MAX, &n);
    char *dump = dump_file(put_bytes("max.csv", text, n), SEER_FORMAT_CSV, &rows);
    cr_assert(eq(sz, rows, 2));
    cr_assert(eq(str, dump + strlen(dump) - 4, "2|3;"));
    free(text);
    text = long_text(SEER_LINE_MAX + 1, &n);
    char where[64];
    snprintf(where, sizeof where, "long.csv:2:%u", SEER_LINE_MAX + 1);
    expect_bad("long.csv", text, n, SEER_FORMAT_CSV, where, "longer than");

    seer_table_options opt = {SEER_FORMAT_CSV, 1};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, put_bytes("long.csv", text, n), &opt), SEER_OK));
    char small[64];
    cr_assert(eq(int, read_all(t, &rows, small, sizeof small), 0));
    cr_assert(eq(str, small, "2|3;"));
    cr_assert(eq(sz, seer_table_bad_rows(t), 1));
    seer_table_close(t);
    free(text);
}

Test(table, duplicate_header) {
    expect_bad("dup.csv", "a,b,a\n1,2,3\n", 12, SEER_FORMAT_CSV, "dup.csv:1:5",
               "\"a\" (columns 1 and 3)");
    expect_bad("dup.csv", "col1,\n1,2\n", 10, SEER_FORMAT_CSV, "dup.csv:1:6", "columns 1 and 2");
}

Test(table, empty_file) {
    expect_bad("empty.csv", "", 0, SEER_FORMAT_AUTO, "empty.csv: empty file", "");
    expect_bad("empty.csv", "\n\r\n\n", 4, SEER_FORMAT_CSV, "empty.csv: empty file", "");
    expect_bad("empty.txt", "", 0, SEER_FORMAT_CRITEO, "empty.txt: empty file", "");
    expect_bad("bom.csv", "\xef\xbb\xbf", 3, SEER_FORMAT_CSV, "bom.csv: empty file", "");
}

Test(table, missing_file) {
    seer_table_options opt = {SEER_FORMAT_CSV, 0};
    seer_table *t = (seer_table *)1;
    char path[300];
    snprintf(path, sizeof path, "%s/nope.csv", tmpdir);
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_EIO));
    cr_assert(eq(ptr, t, NULL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "nope.csv: No such file"), NULL));
    // A directory opens but cannot be read.
    cr_assert(eq(int, seer_table_open(&t, tmpdir, &opt), SEER_EIO));
}

Test(table, skip_bad_rows) {
    static const char text[] = "a,b\n"
                               "1,2\n"
                               "1,2,3\n"     // line 3: too many
                               "x\"y,1\n"    // line 4: quote in field
                               "5,6\n"
                               "\"a\"b,1\n"  // line 6: after quote
                               "7\n"         // line 7: too few
                               "8,9\r\n"
                               "1,\"\0\"\n"  // line 9: NUL
                               "3,\"4\n"     // line 10: never closed
                               "5,6\n";
    const char *path = put_bytes("skip.csv", text, sizeof text - 1);
    seer_table_options opt = {SEER_FORMAT_CSV, 1};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK));
    char dump[256];
    size_t rows;
    cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0), "%s", seer_error_message());
    cr_assert(eq(str, dump, "1|2;5|6;8|9;"));
    cr_assert(eq(sz, seer_table_bad_rows(t), 6));
    const char *const *msgs;
    cr_assert(eq(sz, seer_table_bad_messages(t, &msgs), SEER_BAD_ROWS_KEPT));
    cr_assert(ne(ptr, strstr(msgs[0], "skip.csv:3:5: expected 2 fields, got 3"), NULL), "%s",
              msgs[0]);
    cr_assert(ne(ptr, strstr(msgs[1], "skip.csv:4:2:"), NULL), "%s", msgs[1]);
    cr_assert(ne(ptr, strstr(msgs[2], "skip.csv:6:4:"), NULL), "%s", msgs[2]);
    cr_assert(ne(ptr, strstr(msgs[3], "skip.csv:7:2:"), NULL), "%s", msgs[3]);
    cr_assert(ne(ptr, strstr(msgs[4], "skip.csv:9:4:"), NULL), "%s", msgs[4]);

    cr_assert(eq(int, seer_table_rewind(t), SEER_OK));
    cr_assert(eq(sz, seer_table_bad_rows(t), 0));
    cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0));
    cr_assert(eq(sz, seer_table_bad_rows(t), 6));
    seer_table_close(t);
}

Test(table, error_then_continue) {
    const char *path = put("cont.csv", "a,b\n1\n2,3\n");
    seer_table_options opt = {SEER_FORMAT_CSV, 0};
    seer_table *t;
    seer_row row;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK));
    cr_assert(eq(int, seer_table_next(t, &row), SEER_EDATA));
    cr_assert(eq(int, seer_table_next(t, &row), 1));
    cr_assert(eq(str, row.field[1], "3"));
    seer_table_close(t);
}

Test(table, rewind) {
    const char *plain = put("r.csv", "\xef\xbb\xbf\na,b\n1,2\n3,4\n");
    const char *gz = put_gzip("r.gz", "a,b\n1,2\n3,4\n", "wb");
    size_t n;
    char *z = zstd_bytes("a,b\n1,2\n3,4\n", &n);
    const char *zst = put_bytes("r.zst", z, n);
    free(z);
    const char *files[] = {plain, gz, zst};
    for (int i = 0; i < 3; i++) {
        seer_table_options opt = {SEER_FORMAT_AUTO, 0};
        seer_table *t;
        seer_row row;
        cr_assert(eq(int, seer_table_open(&t, files[i], &opt), SEER_OK));
        cr_assert(eq(int, seer_table_next(t, &row), 1));
        cr_assert(eq(int, seer_table_rewind(t), SEER_OK));
        char dump[64];
        size_t rows;
        cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0));
        cr_assert(eq(str, dump, "1|2;3|4;"));
        cr_assert(eq(int, seer_table_rewind(t), SEER_OK));
        cr_assert(eq(int, seer_table_next(t, &row), 1));
        cr_assert(eq(sz, row.line, i == 0 ? 3 : 2));
        cr_assert(eq(str, row.field[0], "1"));
        seer_table_close(t);
    }
}

// Text that exercises every parser state at every refill position.
static const char tricky[] = "\xef\xbb\xbf\r\n id ,\"na,me\",v\r\n"
                             "1,\"a \"\"b\"\"\",\"x\r\ny\"\r\n"
                             "\r\n"
                             "2,,\"\"\n"
                             "\n"
                             "3,\"\"\"\",\"\"\"\"\"\"\"\"\r\n"
                             "4,plain\rcr,\"q\"\r";
static const char tricky_dump[] = "1|a \"b\"|x\r\ny;2||;3|\"|\"\"\";4|plain\rcr|q;";

Test(table, refill_everywhere) {
    size_t len = sizeof tricky - 1;
    for (size_t step = 0; step <= 12; step++) {
        seer_table_options opt = {SEER_FORMAT_AUTO, 0};
        seer_table *t;
        cr_assert(eq(int, seer_table_open_memory(&t, tricky, len, "mem", step, &opt), SEER_OK),
                  "%s", seer_error_message());
        cr_assert(eq(str, (char *)seer_table_colname(t, 0), "id"));
        cr_assert(eq(str, (char *)seer_table_colname(t, 1), "na,me"));
        char dump[256];
        size_t rows;
        cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0), "%s", seer_error_message());
        cr_assert(eq(str, dump, (char *)tricky_dump), "step %zu", step);
        seer_table_close(t);
    }
}

Test(table, refill_everywhere_compressed) {
    const char *path = put_gzip("tricky.gz", tricky, "wb");
    size_t ng, nz;
    char *g = slurp(path, &ng);
    char *z = zstd_bytes(tricky, &nz);
    for (size_t step = 1; step <= 5; step++) {
        for (int k = 0; k < 2; k++) {
            seer_table_options opt = {SEER_FORMAT_CSV, 0};
            seer_table *t;
            int rc = seer_table_open_memory(&t, k ? z : g, k ? nz : ng, "mem", step, &opt);
            cr_assert(eq(int, rc, SEER_OK), "%s", seer_error_message());
            char dump[256];
            size_t rows;
            cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0), "%s",
                      seer_error_message());
            cr_assert(eq(str, dump, (char *)tricky_dump));
            seer_table_close(t);
        }
    }
    free(g);
    free(z);
}

Test(table, refill_bad_rows) {
    const char text[] = "a,b\n1,2,3\n\"x\"y,1\n4,5\n6,\"7\n8,9\n";
    const char *first[SEER_BAD_ROWS_KEPT];
    char keep[SEER_BAD_ROWS_KEPT][256];
    for (size_t step = 0; step <= 9; step++) {
        seer_table_options opt = {SEER_FORMAT_CSV, 1};
        seer_table *t;
        cr_assert(eq(int, seer_table_open_memory(&t, text, sizeof text - 1, "m", step, &opt),
                     SEER_OK));
        char dump[64];
        size_t rows;
        cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0));
        cr_assert(eq(str, dump, "4|5;"));
        const char *const *msgs;
        cr_assert(eq(sz, seer_table_bad_messages(t, &msgs), 3));
        for (int i = 0; i < 3; i++) {
            if (step == 0) {
                snprintf(keep[i], sizeof keep[i], "%s", msgs[i]);
                first[i] = keep[i];
            }
            cr_assert(eq(str, (char *)msgs[i], (char *)first[i]), "step %zu", step);
        }
        seer_table_close(t);
    }
    cr_assert(eq(str, keep[0], "m:2:5: expected 2 fields, got 3"));
    cr_assert(ne(ptr, strstr(keep[2], "m:5:3: "), NULL), "%s", keep[2]);
}

// The block scan's edges: separators on the last and first byte of a 32-byte block, a row of
// exactly one block before its newline, CRLF, a CR inside a field, quoted fields (separators
// and newlines inside) beside plain ones, and a last line without a newline. Read whole and a
// few bytes at a time (the rows then straddle the window's end): the same fields.
Test(table, block_scan_edges) {
    static const char text[] =
        "a,b,c\n"
        "0123456789012345678901234567890,x,y\n"                        // sep at byte 31
        "01234567890123456789012345678901,x,y\n"                       // sep at byte 32
        "0123456789012345678901234567890123456789012345678901234567890123,,\n"  // 64, 65
        "01234567890123456789012345678,y,\r\n"                         // 32 bytes, CR LF
        "p\rq,\"s,e\np\",r\r\n"
        "\"0123456789012345678901234567890\",\"\",z\n"
        "last,,row";
    static const char want[] =
        "0123456789012345678901234567890|x|y;"
        "01234567890123456789012345678901|x|y;"
        "0123456789012345678901234567890123456789012345678901234567890123||;"
        "01234567890123456789012345678|y|;"
        "p\rq|s,e\np|r;"
        "0123456789012345678901234567890||z;"
        "last||row;";
    static const size_t steps[] = {0, 1, 3, 31, 32, 33};
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        seer_table_options opt = {SEER_FORMAT_CSV, 0};
        seer_table *t;
        cr_assert(eq(int, seer_table_open_memory(&t, text, sizeof text - 1, "m", steps[k], &opt),
                     SEER_OK));
        char dump[512];
        size_t rows;
        cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0), "%s", seer_error_message());
        cr_assert(eq(str, dump, (char *)want), "step %zu", steps[k]);
        seer_table_close(t);
    }
}

// Quoted fields the block scan takes whole ("..." with nothing to unescape: empty, across a
// block's end, before a CR LF) and those it leaves to the byte-wise splitter ("" inside, a
// separator or newline inside): the same fields either way, read whole and in small steps.
Test(table, block_scan_quoted) {
    static const char text[] =
        "a,b,c\n"
        "\"\",\"x\",\"0123456789012345678901234567890123456789\"\n"
        "\"01234567890123456789012345678\",\"yz\",\"w\"\r\n"
        "\"a\"\"b\",\"c,d\",\"e\nf\"\n"
        "plain,\"q\",\"\"\r\n"
        "\"end\",,\"\"";
    static const char want[] =
        "|x|0123456789012345678901234567890123456789;"
        "01234567890123456789012345678|yz|w;"
        "a\"b|c,d|e\nf;"
        "plain|q|;"
        "end||;";
    static const size_t steps[] = {0, 1, 2, 5, 32};
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        seer_table_options opt = {SEER_FORMAT_CSV, 0};
        seer_table *t;
        cr_assert(eq(int, seer_table_open_memory(&t, text, sizeof text - 1, "m", steps[k], &opt),
                     SEER_OK));
        char dump[512];
        size_t rows;
        cr_assert(eq(int, read_all(t, &rows, dump, sizeof dump), 0), "%s", seer_error_message());
        cr_assert(eq(str, dump, (char *)want), "step %zu", steps[k]);
        seer_table_close(t);
    }
    // After a closing quote only a separator or the row's end may follow, CR LF included.
    expect_bad("aq.csv", "a,b\n\"x\"y,1\n", 11, SEER_FORMAT_CSV, "aq.csv:2:4", "after a closing");
    expect_bad("cr.csv", "a,b\n\"x\"\rz,1\n", 12, SEER_FORMAT_CSV, "cr.csv:2:4", "after a closing");
}

// A NUL or a stray quote past the first block of a long unquoted row is still named at its
// column, and a row with a field too many or too few at its own place.
Test(table, block_scan_bad_rows) {
    char row[128];
    size_t n = (size_t)sprintf(row, "a,b\n1,%s\n", "0123456789012345678901234567890123456789");
    row[n - 3] = '\0';  // column 41 of line 2
    expect_bad("nul.csv", row, n, SEER_FORMAT_CSV, "nul.csv:2:41", "NUL byte");
    row[n - 3] = '"';
    expect_bad("q.csv", row, n, SEER_FORMAT_CSV, "q.csv:2:41", "quote inside an unquoted");
    expect_bad("many.csv", "a,b\n1,2\n0123456789012345678901234567890123456789,2,3\n", 52,
               SEER_FORMAT_CSV, "many.csv:3:44", "expected 2 fields, got 3");
    expect_bad("few.csv", "a,b,c\n1,2,3\n01234567890123456789012345678901234567,2\n", 52,
               SEER_FORMAT_CSV, "few.csv:3:41", "expected 3 fields, got 2");
}

static unsigned next_random(uint64_t *x) {
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(*x >> 33);
}

// Random rows of 2 to 4 fields of up to 47 bytes, now and then a quote, CR, NUL, newline or
// quoted field among them: whatever each row is (good or malformed), reading the file whole
// (the block scan takes most rows) and one byte at a time (the byte-wise splitter takes them
// all) gives the same fields and the same messages.
Test(table, block_scan_matches_bytewise) {
    static const char odd[] = "\"\r\n\0,";
    size_t n = 300000;
    char *text = malloc(n + 256);
    uint64_t x = 12345;
    size_t k = (size_t)sprintf(text, "a,b,c\n");
    while (k < n) {
        unsigned nf = 2 + next_random(&x) % 8 / 3;  // 3 most often
        for (unsigned f = 0; f < nf; f++) {
            unsigned len = next_random(&x) % 48, quoted = next_random(&x) % 10 == 0;
            if (quoted) text[k++] = '"';
            for (unsigned i = 0; i < len; i++) {
                unsigned r = next_random(&x);
                text[k++] = r % 200 ? (char)('a' + r % 26) : odd[(r >> 8) % (sizeof odd - 1)];
            }
            if (quoted) text[k++] = '"';
            text[k++] = f + 1 < nf ? ',' : '\n';
        }
    }
    n = k;
    char *dump[2], msgs[2][SEER_BAD_ROWS_KEPT * 128];
    size_t bad[2], rows[2];
    for (int pass = 0; pass < 2; pass++) {
        seer_table_options opt = {SEER_FORMAT_CSV, 1};
        seer_table *t;
        cr_assert(eq(int, seer_table_open_memory(&t, text, n, "r", pass ? 1 : 0, &opt), SEER_OK),
                  "%s", seer_error_message());
        dump[pass] = malloc(4 * n);
        cr_assert(eq(int, read_all(t, &rows[pass], dump[pass], 4 * n), 0), "%s",
                  seer_error_message());
        bad[pass] = seer_table_bad_rows(t);
        const char *const *m;
        size_t nm = seer_table_bad_messages(t, &m);
        msgs[pass][0] = '\0';
        for (size_t i = 0; i < nm; i++) strcat(strcat(msgs[pass], m[i]), "\n");
        seer_table_close(t);
    }
    cr_assert(gt(sz, rows[0], 1000));
    cr_assert(gt(sz, bad[0], 100));
    cr_assert(eq(sz, rows[0], rows[1]));
    cr_assert(eq(sz, bad[0], bad[1]));
    cr_assert(eq(str, dump[0], dump[1]));
    cr_assert(eq(str, msgs[0], msgs[1]));
    free(dump[0]);
    free(dump[1]);
    free(text);
}

// Many rows, bigger than the reader's window, with quoted newlines across the refills.
static char *big_text(size_t rows, size_t *n) {
    char *text = malloc(rows * 64 + 64);
    size_t k = (size_t)sprintf(text, "s,i,m\n");
    for (size_t i = 0; i < rows; i++)
        k += (size_t)sprintf(text + k, "\"q \"\"%zu\"\"\",%zu,\"a\nb\"\r\n", i % 7, i);
    *n = k;
    return text;
}

Test(table, big_file) {
    size_t n, rows = 250000;
    char *text = big_text(rows, &n);
    cr_assert(gt(sz, n, 4u << 20));
    const char *plain = put_bytes("big.csv", text, n);
    char *gzpath = paths[npaths++ % 8];
    snprintf(gzpath, 256, "%s/big.gz", tmpdir);
    gzFile g = gzopen(gzpath, "wb1");
    cr_assert(eq(int, gzwrite(g, text, (unsigned)n), (int)n));
    gzclose(g);
    const char *files[] = {plain, gzpath};
    for (int f = 0; f < 2; f++) {
        seer_table_options opt = {SEER_FORMAT_CSV, 0};
        seer_table *t;
        seer_row row;
        cr_assert(eq(int, seer_table_open(&t, files[f], &opt), SEER_OK));
        size_t i = 0;
        int rc;
        while ((rc = seer_table_next(t, &row)) == 1) {
            char want[32];
            snprintf(want, sizeof want, "q \"%zu\"", i % 7);
            cr_assert(eq(str, row.field[0], want));
            cr_assert(eq(sz, strtoul(row.field[1], NULL, 10), i));
            cr_assert(eq(str, row.field[2], "a\nb"));
            cr_assert(eq(sz, row.line, 2 + 2 * i));
            i++;
        }
        cr_assert(eq(int, rc, 0), "%s", seer_error_message());
        cr_assert(eq(sz, i, rows));
        seer_table_close(t);
    }
    free(text);
}

Test(table, parse_number) {
    static const struct {
        const char *s;
        double v;
    } good[] = {
        {"1", 1},         {" -2.5 ", -2.5},  {"1e3", 1000},      {"1E-2", 0.01},
        {".5", 0.5},      {"5.", 5},         {"+3", 3},          {"0.1", 0.1},
        {"\t7\t", 7},     {"-0", -0.0},      {"1e+2", 100},      {"00012", 12},
        {"123456789012345678901234", 123456789012345678901234.0}, {"1e-400", 0},
        {"0.000000000000000000001", 1e-21},  {"9007199254740993", 9007199254740993.0},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double v = -99;
        cr_assert(eq(int, seer_parse_number(good[i].s, strlen(good[i].s), &v), 1), "%s",
                  good[i].s);
        cr_assert(eq(dbl, v, good[i].v), "%s", good[i].s);
    }
    static const char *const bad[] = {"",    "  ",  "1e",  "0x1f", "inf", "nan",  "1,5",
                                      "1.2.3", "--1", "e5", ".",    "+",   "1 2",  "1e400",
                                      "NaN", "-",   "1e+", "Infinity", "1d", "١"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = -99;
        cr_assert(eq(int, seer_parse_number(bad[i], strlen(bad[i]), &v), 0), "%s", bad[i]);
        cr_assert(eq(dbl, v, -99));
    }
    char sixty_four[65];
    memset(sixty_four, '1', 64);
    sixty_four[64] = '\0';
    double v;
    cr_assert(eq(int, seer_parse_number(sixty_four, 64, &v), 0));
    cr_assert(eq(int, seer_parse_number(sixty_four, 63, &v), 1));
    // Only len bytes are read: no NUL after them.
    const char unterminated[3] = {'4', '2', '9'};
    cr_assert(eq(int, seer_parse_number(unterminated, 2, &v), 1));
    cr_assert(eq(dbl, v, 42));
}

// The fast path must give strtod's result bit for bit.
Test(table, parse_number_matches_strtod) {
    unsigned long long x = 88172645463325252ull;
    char s[40];
    for (int iter = 0; iter < 200000; iter++) {
        size_t k = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (x & 1) s[k++] = '-';
        int ndig = 1 + (int)((x >> 1) % 18), dot = (int)((x >> 6) % (ndig + 2));
        for (int d = 0; d < ndig; d++) {
            if (d == dot) s[k++] = '.';
            s[k++] = (char)('0' + (x >> (10 + d * 2)) % 10);
            x = x * 6364136223846793005ull + 1442695040888963407ull;
        }
        if (x & (1ull << 40)) k += (size_t)sprintf(s + k, "e%d", (int)((x >> 41) % 60) - 30);
        s[k] = '\0';
        double v, want = strtod(s, NULL);
        cr_assert(eq(int, seer_parse_number(s, k, &v), 1), "%s", s);
        uint64_t bits, want_bits;
        memcpy(&bits, &v, sizeof bits);
        memcpy(&want_bits, &want, sizeof bits);
        cr_assert(eq(u64, bits, want_bits), "%s: %.17g vs %.17g", s, v, want);
    }
}

Test(table, is_missing) {
    static const char *const yes[] = {"", "  ", "NA", " N/A ", "NaN", "nan", "null",
                                      "NULL", "None", "?", "\tNA"};
    static const char *const no[] = {"na", "0", "Nan", "none", "-", "NAN", "??", "N A"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        cr_assert(eq(int, seer_is_missing(yes[i], strlen(yes[i])), 1), "'%s'", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        cr_assert(eq(int, seer_is_missing(no[i], strlen(no[i])), 0), "'%s'", no[i]);
    cr_assert(eq(int, seer_is_missing("NAx", 2), 1));
}

// Data sets under $SEER_DATA, skipped where absent.
static const char *data_path(const char *rel, char *buf, size_t cap) {
    const char *root = getenv("SEER_DATA");
    if (!root || !*root) return NULL;
    snprintf(buf, cap, "%s/%s", root, rel);
    return access(buf, R_OK) == 0 ? buf : NULL;
}

Test(table, data_criteo_sample) {
    char buf[512];
    const char *path = data_path("criteo-sample/criteo_train.txt", buf, sizeof buf);
    if (!path) {
        remove_dir();  // a skipped test does not run the suite's fini
        cr_skip_test("SEER_DATA/criteo-sample/criteo_train.txt not found");
    }
    seer_table_options opt = {SEER_FORMAT_CRITEO, 0};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK), "%s", seer_error_message());
    size_t rows;
    cr_assert(eq(int, read_all(t, &rows, NULL, 0), 0), "%s", seer_error_message());
    cr_assert(eq(sz, rows, 7200));
    seer_table_close(t);
}

Test(table, data_give_me_some_credit) {
    char buf[512];
    const char *path = data_path("give-me-some-credit/cs-training.csv", buf, sizeof buf);
    if (!path) {
        remove_dir();  // a skipped test does not run the suite's fini
        cr_skip_test("SEER_DATA/give-me-some-credit/cs-training.csv not found");
    }
    seer_table_options opt = {SEER_FORMAT_AUTO, 0};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, seer_table_ncols(t), 12));
    cr_assert(eq(str, (char *)seer_table_colname(t, 0), "col0"));
    cr_assert(eq(str, (char *)seer_table_colname(t, 11), "NumberOfDependents"));
    size_t rows;
    cr_assert(eq(int, read_all(t, &rows, NULL, 0), 0), "%s", seer_error_message());
    cr_assert(eq(sz, rows, 150000));
    seer_table_close(t);
}

Test(table, data_frappe) {
    char buf[512];
    const char *path = data_path("frappe/frappe.validation.libfm", buf, sizeof buf);
    if (!path) {
        remove_dir();  // a skipped test does not run the suite's fini
        cr_skip_test("SEER_DATA/frappe/frappe.validation.libfm not found");
    }
    seer_table_options opt = {SEER_FORMAT_LIBFM, 0};
    seer_table *t;
    cr_assert(eq(int, seer_table_open(&t, path, &opt), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(sz, seer_table_ncols(t), 11));
    cr_assert(eq(str, (char *)seer_table_colname(t, 10), "F10"));
    seer_row row;
    size_t rows = 0, positives = 0;
    int rc;
    while ((rc = seer_table_next(t, &row)) == 1) {
        rows++;
        positives += row.field[0][0] == '1';
        for (size_t j = 1; j < row.n; j++) cr_assert(gt(sz, row.len[j], 0));
    }
    cr_assert(eq(int, rc, 0), "%s", seer_error_message());
    cr_assert(eq(sz, rows, 57722));
    // Frappe has two negatives sampled per positive.
    cr_assert(gt(sz, positives, rows * 30 / 100));
    cr_assert(lt(sz, positives, rows * 36 / 100));
    seer_table_close(t);
}
