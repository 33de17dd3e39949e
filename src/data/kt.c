// The `--format kt` reader (kt.h): a student's four lines checked against each other, every
// number checked where it stands, so a bad file is named by line and column.
#include "data/kt.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "data/lines.h"

static const char *const line_names[4] = {"the student line", "problem ids", "skill ids",
                                          "answers"};

static int grow(seer_kt_data *d, size_t need) {
    if (need <= d->cap) return SEER_OK;
    size_t cap = d->cap ? d->cap : 4096;
    while (cap < need) cap *= 2;
    uint32_t *p = realloc(d->problem, cap * sizeof *p);
    if (p) d->problem = p;
    uint32_t *s = p ? realloc(d->skill, cap * sizeof *s) : NULL;
    if (s) d->skill = s;
    uint8_t *a = s ? realloc(d->answer, cap) : NULL;
    if (a) d->answer = a;
    if (!a) return seer_errorf(SEER_ENOMEM, "kt: out of memory at %zu answers", d->n);
    d->cap = cap;
    return SEER_OK;
}

// The comma-separated whole numbers of one line into d's column k (1 problem, 2 skill,
// 3 answer), from d->n on; *count gets how many.
static int parse_numbers(seer_kt_data *d, int k, const char *s, size_t n, const char *path,
                         size_t line, size_t *count) {
    size_t at = 0, c = 0;
    for (;;) {
        size_t start = at;
        uint64_t v = 0;
        if (at < n && s[at] == '-')
            return seer_errorf(SEER_EDATA, "%s:%zu:%zu: a negative id in %s", path, line,
                               at + 1, line_names[k]);
        while (at < n && s[at] >= '0' && s[at] <= '9') {   // past the limit: saturated
            v = v * 10 + (uint64_t)(s[at++] - '0');
            if (v > SEER_KT_ID_MAX) v = SEER_KT_ID_MAX + 1;
        }
        if (at == start || (at < n && s[at] != ','))
            return seer_errorf(SEER_EDATA, "%s:%zu:%zu: %s are whole numbers separated by "
                               "commas", path, line, at + 1, line_names[k]);
        if (v > SEER_KT_ID_MAX)
            return seer_errorf(SEER_EDATA, "%s:%zu:%zu: id over %u in %s", path, line,
                               start + 1, SEER_KT_ID_MAX, line_names[k]);
        if (k == 3 && v > 1)
            return seer_errorf(SEER_EDATA, "%s:%zu:%zu: answer %llu is not 0 or 1", path, line,
                               start + 1, (unsigned long long)v);
        int rc = grow(d, d->n + c + 1);
        if (rc != SEER_OK) return rc;
        if (k == 1) d->problem[d->n + c] = (uint32_t)v;
        else if (k == 2) d->skill[d->n + c] = (uint32_t)v;
        else d->answer[d->n + c] = (uint8_t)v;
        c++;
        if (at == n) break;
        at++;   // the comma; a trailing one leaves an empty field, refused above
    }
    *count = c;
    return SEER_OK;
}

// The first line: "user_idx,original_user_id"; the student is its first field.
static int parse_student(seer_kt_data *d, const char *s, size_t n, const char *path,
                         size_t line, seer_idmap *students) {
    const char *comma = memchr(s, ',', n);
    size_t rest = comma ? n - (size_t)(comma + 1 - s) : 0;
    if (!comma || comma == s || rest == 0 || memchr(comma + 1, ',', rest))
        return seer_errorf(SEER_EDATA, "%s:%zu: expected \"user_idx,original_user_id\" (4 lines "
                           "a student: ids, problems, skills, answers)", path, line);
    if (d->n_students % 1024 == 0) {
        uint32_t *st = realloc(d->student, (d->n_students + 1024) * sizeof *st);
        uint64_t *off = st ? realloc(d->off, (d->n_students + 1025) * sizeof *off) : NULL;
        if (st) d->student = st;
        if (off) d->off = off;
        if (!off)
            return seer_errorf(SEER_ENOMEM, "kt: out of memory at student %zu", d->n_students);
        off[0] = 0;
    }
    uint32_t idx;
    int added = 0;
    int rc = seer_idmap_add(students, s, (size_t)(comma - s), &idx, &added);
    if (rc == SEER_EDATA)
        return seer_errorf(SEER_EDATA, "%s:%zu:1: %s", path, line, seer_error_message());
    if (rc != SEER_OK) return rc;
    if (!added)
        return seer_errorf(SEER_EDATA, "%s:%zu:1: student '%.*s' appears twice", path, line,
                           (int)(comma - s), s);
    d->student[d->n_students] = idx;
    return SEER_OK;
}

// Line k (0..3) of a student's block.
static int parse_line(seer_kt_data *d, int k, const char *s, size_t n, const char *path,
                      size_t line, seer_idmap *students, size_t *count) {
    if (n == 0)
        return seer_errorf(SEER_EDATA, "%s:%zu: empty line where %s should be (4 lines a "
                           "student)", path, line, line_names[k]);
    if (k == 0) return parse_student(d, s, n, path, line, students);
    size_t c = 0;
    int rc = parse_numbers(d, k, s, n, path, line, &c);
    if (rc != SEER_OK) return rc;
    if (k > 1 && c != *count)
        return seer_errorf(SEER_EDATA, "%s:%zu: %zu %s, but %zu problem ids on line %zu", path,
                           line, c, line_names[k], *count, line - (size_t)k + 1);
    *count = c;
    if (k < 3) return SEER_OK;
    for (size_t i = d->n; i < d->n + c; i++) {
        if (d->problem[i] > d->max_problem) d->max_problem = d->problem[i];
        if (d->skill[i] > d->max_skill) d->max_skill = d->skill[i];
    }
    d->n += c;
    d->off[++d->n_students] = d->n;
    return SEER_OK;
}

int seer_kt_read_source(seer_kt_data *out, seer_source *src, seer_idmap *students) {
    memset(out, 0, sizeof *out);
    const char *path = seer_source_path(src);
    seer_lines r;
    int rc = seer_lines_init(&r, src);
    if (rc != SEER_OK) return rc;
    char *s = NULL;
    size_t n = 0, count = 0;
    int k = 0;
    while ((rc = seer_lines_next(&r, &s, &n)) == 1) {
        rc = parse_line(out, k, s, n, path, r.line, students, &count);
        if (rc != SEER_OK) break;
        k = (k + 1) % 4;
    }
    if (rc == 0 && k != 0)
        rc = seer_errorf(SEER_EDATA, "%s:%zu: the file ends inside a student (4 lines each: "
                         "ids, problems, skills, answers; %s missing)", path, r.line + 1,
                         line_names[k]);
    size_t last = r.line;
    seer_lines_free(&r);
    if (rc == 0 && out->n_students == 0)
        rc = seer_errorf(SEER_EDATA, "%s: no students (%zu lines)", path, last);
    if (rc != 0) {
        seer_kt_free(out);
        return rc;
    }
    return SEER_OK;
}

int seer_kt_read(seer_kt_data *out, const char *path, seer_idmap *students) {
    seer_source *src;
    memset(out, 0, sizeof *out);
    int rc = seer_source_open(&src, path);
    if (rc != SEER_OK) return rc;
    rc = seer_kt_read_source(out, src, students);
    seer_source_close(src);
    return rc;
}

void seer_kt_free(seer_kt_data *d) {
    free(d->student);
    free(d->off);
    free(d->problem);
    free(d->skill);
    free(d->answer);
    memset(d, 0, sizeof *d);
}
