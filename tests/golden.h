// Reads the named float32 tensors that tests/ref/make_golden.py writes to
// tests/golden/*.bin, and compares arrays with a tolerance.
//
// Header-only (static functions) because every tests/test_*.c is built as its
// own executable. Include it after <criterion/criterion.h>: golden_get and
// CHECK_CLOSE fail the running test through Criterion.
//
// Format, all little-endian:
//
//   "SGLD"  u32 count
//   count times:  u32 name_len, name (no NUL), u32 ndim, u32 dims[ndim],
//                 f32 data[dims[0] * .. * dims[ndim-1]]
//
// The loader decodes bytes explicitly, so it does not depend on the host's
// byte order, and it rejects (returns -1) a wrong magic, a truncated file,
// trailing bytes and absurd sizes, each with a message on stderr.
#ifndef SEER_TESTS_GOLDEN_H
#define SEER_TESTS_GOLDEN_H

#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_NAME_MAX 63
#define GOLDEN_NDIM_MAX 8

typedef struct {
    char name[GOLDEN_NAME_MAX + 1];
    uint32_t ndim;
    uint32_t dims[GOLDEN_NDIM_MAX];
    size_t numel;
    float *data;  // (numel)
} golden_tensor;

typedef struct {
    size_t count;
    golden_tensor *t;  // (count)
    char path[256];
} golden;

// A cursor over the file's bytes; every read checks the remaining length.
typedef struct {
    const unsigned char *p;
    size_t left;
} golden_reader;

static int golden_read_u32(golden_reader *r, uint32_t *out) {
    if (r->left < 4) return -1;
    *out = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
           (uint32_t)r->p[3] << 24;
    r->p += 4;
    r->left -= 4;
    return 0;
}

static void golden_close(golden *g) {
    for (size_t i = 0; i < g->count; i++) free(g->t[i].data);
    free(g->t);
    g->t = NULL;
    g->count = 0;
}

static int golden_parse(golden *g, golden_reader *r) {
    uint32_t count;
    if (r->left < 4 || memcmp(r->p, "SGLD", 4) != 0) {
        fprintf(stderr, "%s: bad magic\n", g->path);
        return -1;
    }
    r->p += 4;
    r->left -= 4;
    if (golden_read_u32(r, &count) || count > 4096) {
        fprintf(stderr, "%s: bad tensor count\n", g->path);
        return -1;
    }
    g->t = calloc(count ? count : 1, sizeof *g->t);
    if (!g->t) return -1;
    for (uint32_t i = 0; i < count; i++) {
        golden_tensor *t = &g->t[i];
        g->count = i + 1;  // so that golden_close frees what was read so far
        uint32_t len;
        if (golden_read_u32(r, &len) || len == 0 || len > GOLDEN_NAME_MAX || r->left < len) {
            fprintf(stderr, "%s: tensor %u: bad or truncated name\n", g->path, i);
            return -1;
        }
        memcpy(t->name, r->p, len);
        t->name[len] = '\0';
        r->p += len;
        r->left -= len;
        if (golden_read_u32(r, &t->ndim) || t->ndim > GOLDEN_NDIM_MAX) {
            fprintf(stderr, "%s: %s: bad or truncated ndim\n", g->path, t->name);
            return -1;
        }
        t->numel = 1;
        for (uint32_t k = 0; k < t->ndim; k++) {
            if (golden_read_u32(r, &t->dims[k]) || t->dims[k] > (1u << 24)) {
                fprintf(stderr, "%s: %s: bad or truncated dims\n", g->path, t->name);
                return -1;
            }
            t->numel *= t->dims[k];
        }
        if (t->numel > r->left / 4) {
            fprintf(stderr, "%s: %s: truncated data (%zu floats, %zu bytes left)\n", g->path,
                    t->name, t->numel, r->left);
            return -1;
        }
        t->data = malloc(t->numel ? t->numel * sizeof(float) : 1);
        if (!t->data) return -1;
        for (size_t k = 0; k < t->numel; k++) {
            uint32_t bits = 0;
            golden_read_u32(r, &bits);
            memcpy(&t->data[k], &bits, sizeof bits);
        }
    }
    if (r->left != 0) {
        fprintf(stderr, "%s: %zu trailing bytes\n", g->path, r->left);
        return -1;
    }
    return 0;
}

// Reads the whole file at path. 0 on success, -1 (with a message on stderr)
// if it cannot be read or is malformed; g is then empty and golden_close on
// it is a no-op.
static int golden_open(golden *g, const char *path) {
    memset(g, 0, sizeof *g);
    snprintf(g->path, sizeof g->path, "%s", path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 4096;
            unsigned char *nb = realloc(buf, cap);
            if (!nb) break;
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int err = ferror(f) || len == cap;
    fclose(f);
    golden_reader r = {buf, len};
    int rc = err ? -1 : golden_parse(g, &r);
    free(buf);
    if (rc) golden_close(g);
    return rc;
}

// The tensor called name, or NULL.
static const golden_tensor *golden_find(const golden *g, const char *name) {
    for (size_t i = 0; i < g->count; i++)
        if (strcmp(g->t[i].name, name) == 0) return &g->t[i];
    return NULL;
}

// The data of the tensor called name; fails the test if there is none.
static const float *golden_get(const golden *g, const char *name) {
    const golden_tensor *t = golden_find(g, name);
    if (!t) cr_fatal("%s: no tensor named \"%s\"", g->path, name);
    return t->data;
}

// Its number of elements; fails the test if there is none.
static size_t golden_numel(const golden *g, const char *name) {
    const golden_tensor *t = golden_find(g, name);
    if (!t) cr_fatal("%s: no tensor named \"%s\"", g->path, name);
    return t->numel;
}

// How got (n) differs from want (n). An element passes if
// |got - want| <= atol + rtol * |want|; NaN never passes.
typedef struct {
    size_t n_bad;
    size_t first;        // index of the first failing element
    double first_got, first_want;
    double max_abs;      // max |got - want|
    double max_rel;      // max |got - want| / |want| over want != 0
} golden_diff;

static golden_diff golden_compare(const float *got, const float *want, size_t n, double rtol,
                                  double atol) {
    golden_diff d = {0};
    for (size_t i = 0; i < n; i++) {
        double a = got[i], b = want[i], e = fabs(a - b);
        if (!(e <= atol + rtol * fabs(b))) {
            if (d.n_bad++ == 0) {
                d.first = i;
                d.first_got = a;
                d.first_want = b;
            }
        }
        if (e > d.max_abs || isnan(e)) d.max_abs = e;
        if (b != 0.0 && (e / fabs(b) > d.max_rel || isnan(e))) d.max_rel = e / fabs(b);
    }
    return d;
}

// Fails the test (at the caller's line) unless got (n) matches want (n)
// within atol + rtol * |want| elementwise; prints the first mismatch and the
// max abs and rel differences.
#define CHECK_CLOSE(got, want, n, rtol, atol)                                                   \
    do {                                                                                      \
        golden_diff d_ = golden_compare((got), (want), (n), (rtol), (atol));                  \
        if (d_.n_bad)                                                                         \
            cr_fatal("%s vs %s: %zu of %zu differ; first [%zu] got %.9g want %.9g; "          \
                     "max abs %.3g, max rel %.3g (rtol %g, atol %g)",                         \
                     #got, #want, d_.n_bad, (size_t)(n), d_.first, d_.first_got,              \
                     d_.first_want, d_.max_abs, d_.max_rel, (double)(rtol), (double)(atol)); \
    } while (0)

// The same against the golden tensor called name, whose size must be n.
#define CHECK_GOLDEN(g, name, got, n, rtol, atol)                                              \
    do {                                                                                      \
        size_t n_ = golden_numel((g), (name));                                                \
        if (n_ != (size_t)(n))                                                                \
            cr_fatal("%s: \"%s\" has %zu elements, expected %zu", (g)->path, (name), n_,      \
                     (size_t)(n));                                                            \
        golden_diff d_ = golden_compare((got), golden_get((g), (name)), n_, (rtol), (atol));  \
        if (d_.n_bad)                                                                         \
            cr_fatal("%s[%s]: %zu of %zu differ; first [%zu] got %.9g want %.9g; "            \
                     "max abs %.3g, max rel %.3g (rtol %g, atol %g)",                         \
                     (g)->path, (name), d_.n_bad, n_, d_.first, d_.first_got, d_.first_want,  \
                     d_.max_abs, d_.max_rel, (double)(rtol), (double)(atol));                 \
    } while (0)

#endif
