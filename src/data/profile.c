// One pass of column statistics; see profile.h.
#include "data/profile.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"
#include "base/progress.h"
#include "base/text.h"

// log1p of the small whole numbers, from log1p itself: counts are most of the numeric values
// of click logs, and a look-up returns the very same double.
#define LOG1P_TABLE 4096
static double log1p_table[LOG1P_TABLE];

__attribute__((constructor)) static void fill_log1p_table(void) {
    for (int k = 0; k < LOG1P_TABLE; k++) log1p_table[k] = log1p((double)k);
}

double seer_slog1p(double x) {
    double a = fabs(x);
    // a == k exactly; 0 goes to log1p, which keeps the sign of -0.
    if (a >= 1 && a < LOG1P_TABLE && a == (double)(int)a) {
        double r = log1p_table[(int)a];
        return x > 0 ? r : -r;
    }
    return x >= 0 ? log1p(x) : -log1p(-x);
}

// Magnitudes of x / 2^e stay below 2^MOMENTS_ROOM: squares of differences stay
// below 2^(2 * MOMENTS_ROOM + 2), far from overflowing even summed 2^60 times.
// (2^MOMENTS_ROOM is the bound seer_moments_add tests in profile.h.)
#define MOMENTS_ROOM 256

void seer_moments_add_scaled(seer_moments *m, double x) {
    int ex;
    frexp(x, &ex);  // |x| < 2^ex
    if (ex - m->e > MOMENTS_ROOM) {
        // Rescale to 2^ex (powers of two: exact but for far smaller values).
        m->mean = ldexp(m->mean, m->e - ex);
        m->m2 = ldexp(m->m2, 2 * (m->e - ex));
        m->e = ex;
    }
    double xs = ldexp(x, -m->e);
    double d = xs - m->mean;
    m->n += 1;
    m->mean += d / m->n;
    m->m2 += d * (xs - m->mean);
}

double seer_moments_mean(const seer_moments *m) { return ldexp(m->mean, m->e); }

double seer_moments_std(const seer_moments *m) {
    // At most half the range of the values, so finite; rounding could still
    // step past DBL_MAX by an ulp.
    double s = m->n > 0 ? ldexp(sqrt(m->m2 / m->n), m->e) : 0.0;
    return isfinite(s) ? s : DBL_MAX;
}

size_t seer_parse_vector(const char *s, size_t len, double *out, size_t max) {
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != ';') continue;
        if (n == max || !seer_parse_number(s + start, i - start, &out[n])) return 0;
        n++;
        start = i + 1;
    }
    return n;
}

size_t seer_split_tokens(const char *s, size_t len,
                         void (*fn)(void *ctx, const char *tok, size_t tok_len), void *ctx) {
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != SEER_MULTI_SEP) continue;
        const char *t = s + start;
        size_t tl = i - start;
        while (tl && (*t == ' ' || *t == '\t')) t++, tl--;
        while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\t')) tl--;
        start = i + 1;
        if (!tl) continue;
        if (fn) fn(ctx, t, tl);
        n++;
    }
    return n;
}

typedef struct {
    seer_counter *parts;
    int rc;
} part_ctx;

static void count_part(void *ctx, const char *tok, size_t len) {
    part_ctx *pc = ctx;
    uint64_t h = seer_hash_bytes(tok, len, 0);
    int rc = seer_counter_add(pc->parts, h ? h : 1);
    if (rc != SEER_OK) pc->rc = rc;
}

// Counts the value's tokens once the column has shown a separator: the first
// value with one starts parts as a copy of tokens, before the value itself
// is counted there (see profile.h).
// Whether s holds byte b: eight bytes at a time (a zero byte of the word xor b), as tokens are
// mostly short and a call to memchr costs more than the scan.
static inline int has_byte(const char *s, size_t len, char b) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t pattern = ones * (uint8_t)b;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        w ^= pattern;
        if ((w - ones) & ~w & highs) return 1;
    }
    for (; i < len; i++)
        if (s[i] == b) return 1;
    return 0;
}

static int add_parts(seer_col_stats *c, const char *s, size_t len) {
    int has_sep = has_byte(s, len, SEER_MULTI_SEP);
    if (!c->parts.slots && !has_sep) return SEER_OK;
    if (!c->parts.slots) {
        int rc = seer_counter_copy(&c->parts, &c->tokens);
        if (rc != SEER_OK) return rc;
        c->max_tokens = c->present > 1 ? 1 : 0;
        c->total_tokens = c->present - 1;  // the values before this one, a token each
    }
    c->multi += has_sep;
    part_ctx pc = {&c->parts, SEER_OK};
    size_t n = has_sep ? seer_split_tokens(s, len, count_part, &pc) : 1;
    if (!has_sep) count_part(&pc, s, len);
    if (n > c->max_tokens) c->max_tokens = n;
    c->total_tokens += n;
    return pc.rc;
}

// Counts a value of at least two ';'-separated numbers as a vector when its
// length matches the column's first one.
static void add_vector(seer_col_stats *c, const char *s, size_t len) {
    if (!memchr(s, ';', len) || c->vectors + 1 < c->present) return;  // not all vectors so far
    double v[SEER_VECTOR_DIMS_MAX];
    size_t n = seer_parse_vector(s, len, v, SEER_VECTOR_DIMS_MAX);
    if (n < 2 || (c->vec_dims && n != c->vec_dims)) return;
    if (!c->vec_dims) {
        c->vec = calloc(n, sizeof *c->vec);
        if (!c->vec) return;
        c->vec_dims = n;
    }
    for (size_t k = 0; k < n; k++) seer_moments_add(&c->vec[k], v[k]);
    c->vectors++;
}

const char *seer_label_invalid(seer_task task, const char *s, size_t len, double *y) {
    // Finite as the float the loss reads.
    int number = !seer_is_missing(s, len) && seer_parse_number(s, len, y) && isfinite((float)*y);
    switch (task) {
    case SEER_TASK_REGRESSION: return number ? NULL : "is not a finite number (--task regression)";
    case SEER_TASK_ZILN:
        return number && *y >= 0 ? NULL : "is not a finite number >= 0 (--task ziln)";
    default: return number && (*y == 0 || *y == 1) ? NULL : "is not 0 or 1";
    }
}

int seer_profile_init(seer_profile *p, const seer_table *t, const char *label) {
    memset(p, 0, sizeof *p);
    p->path = strdup(seer_table_path(t));
    p->format = seer_table_format(t);
    p->n_cols = seer_table_ncols(t);
    p->label_col = -1;
    p->names = calloc(p->n_cols, sizeof *p->names);
    p->col = calloc(p->n_cols, sizeof *p->col);
    p->hash = calloc(p->n_cols, sizeof *p->hash);
    p->num = calloc(p->n_cols, sizeof *p->num);
    p->read_multi = calloc(p->n_cols + 1, 1);
    p->read_text = calloc(p->n_cols + 1, 1);
    p->read_as = calloc(p->n_cols + 1, 1);
    p->value_bits = calloc(p->n_cols + 1, 1);
    if (!p->path || !p->names || !p->col || !p->hash || !p->num || !p->read_multi ||
        !p->read_text || !p->read_as || !p->value_bits) {
        seer_profile_free(p);
        return seer_errorf(SEER_ENOMEM, "out of memory profiling %zu columns", p->n_cols);
    }
    seer_rng_init(&p->rng, 0x5eed);
    for (size_t j = 0; j < p->n_cols; j++) {
        seer_col_stats *c = &p->col[j];
        p->names[j] = strdup(seer_table_colname(t, j));
        c->sample = malloc(SEER_PROFILE_SAMPLE * sizeof *c->sample);
        c->all_integer = 1;
        c->increasing = 1;
        c->min = INFINITY;
        c->max = -INFINITY;
        c->last = -INFINITY;
        // Criteo's integer columns are numeric by definition: no vocabulary to count.
        c->count_tokens = !(p->format == SEER_FORMAT_CRITEO && p->names[j][0] == 'I');
        c->hll_all = !c->count_tokens;
        c->parse_numbers = !(p->format == SEER_FORMAT_CRITEO && p->names[j][0] == 'C');
        p->read_as[j] = (uint8_t)((c->count_tokens ? SEER_READ_TOKENS : 0) |
                                  (c->parse_numbers ? SEER_READ_NUMBERS : 0));
        int rc = c->count_tokens ? seer_counter_init(&c->tokens, SEER_PROFILE_MAX_TOKENS) : 0;
        if (!p->names[j] || !c->sample || rc != SEER_OK) {
            seer_profile_free(p);
            return seer_errorf(SEER_ENOMEM, "out of memory profiling %zu columns", p->n_cols);
        }
    }
    if (label) {
        p->label_col = seer_table_find(t, label);
        if (p->label_col < 0) {
            char list[512] = "";
            for (size_t j = 0; j < p->n_cols && strlen(list) < 400; j++) {
                strcat(list, j ? ", " : "");
                strncat(list, p->names[j], 64);
            }
            // A Criteo file whose first line has 39 fields is read without its label.
            int unlabelled = p->format == SEER_FORMAT_CRITEO && p->n_cols == 39;
            int rc = seer_errorf(SEER_EDATA,
                                 "%s: no column named '%s' for --label (columns: %s%s)%s", p->path,
                                 label, list, strlen(list) >= 400 ? ", ..." : "",
                                 unlabelled ? "; its first line has 39 fields, so the file is "
                                              "read as Criteo rows without a label" : "");
            seer_profile_free(p);
            return rc;
        }
        for (size_t j = 0; j < p->n_cols; j++) {
            p->col[j].sample_y = malloc(SEER_PROFILE_SAMPLE);
            if (!p->col[j].sample_y) {
                seer_profile_free(p);
                return seer_errorf(SEER_ENOMEM, "out of memory profiling %zu columns", p->n_cols);
            }
        }
    }
    return SEER_OK;
}

// Digits, after a '-' perhaps: an integer as written, and as a request's number is written
// back (seer_number_text), so that an id's token at predict time is the training one.
static int plain_integer(const char *s, size_t len) {
    size_t i = len && s[0] == '-';
    if (i == len) return 0;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

// Whether column j's values may be ids by the id rule: integers under a binary label, in a
// column whose tokens are counted (its vocabulary if categorical).
static int may_be_ids(const seer_profile *p, size_t j) {
    return p->label_col >= 0 && p->task == SEER_TASK_BINARY && (long)j != p->label_col &&
           (p->read_as[j] & SEER_READ_TOKENS);
}

// Counts column j's value with its label for the id rule while the column may hold ids.
// as_int: whether the value is written as an integer; -1: from its text s (len bytes).
static int add_value_label(const seer_profile *p, size_t j, const char *s, size_t len,
                           int as_int, double x, unsigned char y) {
    seer_col_stats *c = &p->col[j];
    if (c->ids.dropped) return SEER_OK;
    if (!may_be_ids(p, j) || !c->all_integer || !(as_int >= 0 ? as_int : plain_integer(s, len))) {
        seer_value_labels_drop(&c->ids);
        return SEER_OK;
    }
    return seer_value_labels_add(&c->ids, x, y);
}

// y: the row's label (0 or 1), kept beside the sampled number when the profile has a label.
// s, len, as_int: the value as written (add_value_label).
static int add_number(seer_profile *p, size_t j, const char *s, size_t len, int as_int, double x,
                      unsigned char y) {
    seer_col_stats *c = &p->col[j];
    c->numeric++;
    seer_moments_add(&c->num, x);
    seer_moments_add(&c->lnum, seer_slog1p(x));
    if (x < c->min) c->min = x;
    if (x > c->max) c->max = x;
    if (x != floor(x) || fabs(x) > 9e15) c->all_integer = 0;
    if (!(x > c->last)) c->increasing = 0;
    c->last = x;
    // Reservoir sampling (Vitter's algorithm R) keeps a uniform sample.
    size_t k = c->n_sample;
    if (c->n_sample < SEER_PROFILE_SAMPLE) c->n_sample++;
    else k = (size_t)seer_rng_below(&p->rng, c->numeric);
    if (k < SEER_PROFILE_SAMPLE) {
        c->sample[k] = x;
        if (c->sample_y) c->sample_y[k] = y;
    }
    return add_value_label(p, j, s, len, as_int, x, y);
}

// The sketch of a column's distinct values so far from its counter, which holds every one of
// them until it overflows: from then on the sketch counts the values (profile.h). Until then
// the exact count stands in for it, and the sketch's random probes are saved.
static void hll_from_counter(seer_col_stats *c) {
    for (size_t i = 0; i < c->tokens.cap; i++)
        if (c->tokens.slots[i].key) seer_hll_add(&c->hll, c->tokens.slots[i].key);
    c->hll_all = 1;
}

// What seer_profile_needs_text asks of column j's value s (len bytes; number: it parsed).
static unsigned value_bits(const seer_profile *p, size_t j, const char *s, size_t len,
                           int number) {
    unsigned as = p->read_as[j], bits = 0;
    if ((as & SEER_READ_TOKENS) && has_byte(s, len, SEER_MULTI_SEP)) bits |= SEER_VALUE_SEP;
    if (number && may_be_ids(p, j) && plain_integer(s, len)) bits |= SEER_VALUE_INT;
    if (!number && (as & SEER_READ_NUMBERS) && memchr(s, ';', len)) bits |= SEER_VALUE_SEMI;
    return bits;
}

int seer_profile_read_row(seer_profile *p, const seer_row *row) {
    // Hash every present token first and prefetch its counter slot: the counters of large
    // vocabularies miss the cache, and the misses of a row then overlap.
    for (size_t j = 0; j < p->n_cols; j++) {
        unsigned as = p->read_as[j];
        size_t len;
        const char *s = seer_trim(row->field[j], row->len[j], &len);
        if (seer_is_missing(s, len)) {
            p->hash[j] = 0;
            p->num[j] = SEER_RAW_MISSING;
            continue;
        }
        uint64_t h = seer_hash_bytes(s, len, 0);
        p->hash[j] = h ? h : 1;
        if ((as & SEER_READ_TOKENS) && !p->counted_apart)
            seer_counter_prefetch(&p->col[j].tokens, p->hash[j]);
        double x;
        int number = (as & SEER_READ_NUMBERS) && seer_parse_number(s, len, &x);
        if (number) memcpy(&p->num[j], &x, sizeof x);
        else p->num[j] = SEER_RAW_TEXT;
        if (p->counted_apart) p->value_bits[j] = value_bits(p, j, s, len, number);
    }
    if (p->label_col < 0) return SEER_OK;
    size_t j = (size_t)p->label_col, len;
    const char *s = seer_trim(row->field[j], row->len[j], &len);
    const char *why = seer_label_invalid(p->task, s, len, &p->y);
    if (why)
        return seer_errorf(SEER_EDATA, "%s:%zu:%zu: label '%.*s' in column '%s' %s", p->path,
                           row->line, j + 1, (int)(len > 40 ? 40 : len), s, p->names[j], why);
    return SEER_OK;
}

int seer_profile_count(seer_profile *p, const uint64_t *hash, const uint64_t *num, double y,
                       const uint8_t *as_int, const seer_row *row) {
    // The row's label, beside the numbers the reservoirs sample.
    unsigned char label = p->label_col >= 0 && y == 1;
    if (p->label_col >= 0) p->label_pos += y > 0;
    for (size_t j = 0; j < p->n_cols; j++) {
        seer_col_stats *c = &p->col[j];
        if (num[j] == SEER_RAW_MISSING) {
            c->missing++;
            continue;
        }
        size_t len = 0;
        const char *s = row ? seer_trim(row->field[j], row->len[j], &len) : NULL;
        c->present++;
        uint64_t h = hash[j];
        int rc;
        if (c->count_tokens) {
            // Without the text, the value holds no separator and the column showed none.
            rc = s ? add_parts(c, s, len) : SEER_OK;
            if (rc == SEER_OK) rc = seer_counter_add(&c->tokens, h);
            if (rc != SEER_OK) return rc;
            if (c->tokens.overflow && !c->hll_all) hll_from_counter(c);
        }
        if (c->hll_all) seer_hll_add(&c->hll, h);
        if (num[j] != SEER_RAW_TEXT) {
            double x;
            memcpy(&x, &num[j], sizeof x);
            rc = add_number(p, j, s, len, as_int ? as_int[j] : -1, x, label);
            if (rc != SEER_OK) return rc;
            continue;
        }
        if (!c->ids.dropped) seer_value_labels_drop(&c->ids);  // a text value: not ids
        // Without the text, the value holds no ';' and is not the column's first text.
        if (c->parse_numbers && s) add_vector(c, s, len);
        if (!c->first_text_line) {
            SEER_ASSERT(s);
            c->first_text_line = row->line;
            c->first_text_field = j + 1;
            snprintf(c->first_text, sizeof c->first_text, "%.*s", (int)(len > 40 ? 40 : len), s);
        }
    }
    p->rows++;
    return SEER_OK;
}

int seer_profile_add(seer_profile *p, const seer_row *row) {
    int rc = seer_profile_read_row(p, row);
    return rc == SEER_OK ? seer_profile_count(p, p->hash, p->num, p->y, NULL, row) : rc;
}

int seer_profile_needs_text(seer_profile *p, uint8_t *as_int) {
    int needs = 0;
    for (size_t j = 0; j < p->n_cols; j++) {
        unsigned as = p->read_as[j], bits = p->value_bits[j];
        as_int[j] = 0;
        if (p->num[j] == SEER_RAW_MISSING) continue;
        if ((bits & SEER_VALUE_SEP) && !p->read_multi[j]) p->read_multi[j] = 1;
        needs |= (as & SEER_READ_TOKENS) && p->read_multi[j];
        if (p->num[j] != SEER_RAW_TEXT) {
            as_int[j] = (bits & SEER_VALUE_INT) != 0;
            continue;
        }
        needs |= (bits & SEER_VALUE_SEMI) != 0;
        if (!p->read_text[j]) p->read_text[j] = 1, needs = 1;
    }
    return needs;
}

void seer_profile_free(seer_profile *p) {
    for (size_t j = 0; p->col && j < p->n_cols; j++) {
        seer_counter_free(&p->col[j].tokens);
        seer_counter_free(&p->col[j].parts);
        free(p->col[j].sample);
        free(p->col[j].sample_y);
        free(p->col[j].vec);
        seer_value_labels_free(&p->col[j].ids);
    }
    for (size_t j = 0; p->names && j < p->n_cols; j++) free(p->names[j]);
    free(p->names);
    free(p->col);
    free(p->hash);
    free(p->num);
    free(p->read_multi);
    free(p->read_text);
    free(p->read_as);
    free(p->value_bits);
    free(p->path);
    memset(p, 0, sizeof *p);
}
