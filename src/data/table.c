// Streaming tokenizer for CSV, TSV, the Criteo layout and libFM, see table.h.
//
// The reader holds one window of the decompressed stream and splits rows in place: quoted
// fields are unquoted by copying bytes down (the write offset w never passes the read offset
// r) and every field is NUL-terminated where its separator was, so no field is copied out or
// allocated. A row that runs past the end of the window is moved to the front and the window
// refilled behind it; the parser keeps its state as offsets from the row start, so it goes on
// where it stopped.
//
//   buf  [ consumed | row being split .... | rest of the window | free ]
//        0          pos           pos + r   end                  cap
//
// The window starts small and doubles while a row fills more than half of it, up to the
// longest legal row plus one chunk of read-ahead: memory follows the longest row, never the
// length of the file.
//
// Most rows take a fast path first (split_fast): one scan of 32-byte blocks finds the row's
// separators, quotes and newline, and the fields are NUL-terminated in place with no copy (a
// quoted field "..." is its inside). A row it does not fully see (a "" or a separator or
// newline inside quotes, a NUL, a row past the window's end, a wrong field count) goes to the
// byte-wise splitter from its start, which wrote nothing yet.
//
// libFM has its own row splitter, read_libfm_row: no quoting and exactly one physical line per
// row, so it first makes the window hold the whole line and then splits it in place, writing
// each field's NUL over the ':' after its index.
//
// Not here: what a field means (seer_parse_number and seer_is_missing are helpers for the
// callers that decide), and decompression (source.c).
#include "data/table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/mem.h"
#include "base/text.h"
#include "data/scan.h"
#include "data/source.h"

const char *const seer_format_names[] = {"auto", "csv", "tsv", "criteo", "libfm",
                                         "movielens", "seq", "kt", NULL};

#define CRITEO_COLS 40
// The first window, and the largest: a whole legal row (with its CR LF) and one chunk to
// read ahead. Small files and tests never allocate the large one.
#define WINDOW_MIN (64u << 10)
#define WINDOW_MAX (SEER_LINE_MAX + 2 + SEER_SOURCE_CHUNK)
#define WINDOW_PAD (1 + SEER_SCAN_BLOCK)

// read_row's and read_libfm_row's results besides negative error codes.
enum { ROW_OK = 1, ROW_BAD = 2 };

// Where the parser is inside a row.
enum {
    S_START,        // at the first byte of a field
    S_PLAIN,        // inside an unquoted field
    S_QUOTED,       // inside a quoted field
    S_AFTER_QUOTE,  // just past a closing quote: a separator or the row end must follow
};

struct seer_table {
    seer_source *src;
    seer_format format;        // as read: never SEER_FORMAT_AUTO
    unsigned char sep;
    int quoting;               // 0 for Criteo and libFM: quotes are ordinary bytes
    int skip_bad_rows;
    unsigned char stop[256];   // 1 for the bytes that end a run of unquoted field bytes
    char *buf;                 // (cap + WINDOW_PAD) the window; a NUL after the last byte
                               // and a block of slack for the scans of split_fast
    size_t cap;
    size_t pos, end;           // buf[pos, end) is not parsed yet
    int eof;                   // the source has nothing more
    size_t line;               // physical line of buf[pos], 1-based
    size_t ncols;
    char **names;              // (ncols) point into names_block
    char *names_block;
    // Per field, SEER_COLS_MAX of each (CRITEO_COLS for Criteo).
    size_t *off;               // field starts from the row start, while parsing (or libFM)
    size_t *raw;               // header fields' raw offsets, for messages
    char **field;              // the current row's fields
    size_t *len;
    char why[1024];            // the last malformed row's message
    size_t bad_rows, nkept;
    char kept[SEER_BAD_ROWS_KEPT][1024];  // copies of why
    const char *kept_ptr[SEER_BAD_ROWS_KEPT];
};

// Moves buf[pos, end) to the front, grows the window if that fills more than half of it,
// and reads more behind it. Sets eof when nothing came.
static int refill(seer_table *t) {
    size_t n = t->end - t->pos;
    if (t->pos > 0) {
        memmove(t->buf, t->buf + t->pos, n);
        t->pos = 0;
        t->end = n;
    }
    if (n > t->cap / 2 && t->cap < WINDOW_MAX) {
        size_t cap = t->cap * 2 < WINDOW_MAX ? t->cap * 2 : WINDOW_MAX;
        char *buf = realloc(t->buf, cap + WINDOW_PAD);
        if (!buf) return seer_errorf(SEER_ENOMEM, "%s: out of memory", seer_source_path(t->src));
        // Defined bytes in the slack, though the scans drop their bits anyway.
        memset(buf + t->cap + WINDOW_PAD, 0, cap - t->cap);
        t->buf = buf;
        t->cap = cap;
    }
    // Holds because read_row and whole_line never keep more than SEER_LINE_MAX + 1 bytes of a
    // row.
    SEER_ASSERT(t->end < t->cap);
    size_t got = 0;
    int rc = seer_source_read(t->src, t->buf + t->end, t->cap - t->end, &got);
    if (rc != SEER_OK) return rc;
    t->end += got;
    if (got == 0) t->eof = 1;
    return SEER_OK;
}

// Refills until the window holds k bytes after pos or the data ends.
static int want_bytes(seer_table *t, size_t k) {
    while (t->end - t->pos < k && !t->eof) {
        int rc = refill(t);
        if (rc != SEER_OK) return rc;
    }
    return SEER_OK;
}

// Drops bytes up to and including the next newline: where reading resumes after a bad row.
static int skip_line(seer_table *t) {
    for (;;) {
        char *nl = memchr(t->buf + t->pos, '\n', t->end - t->pos);
        if (nl) {
            t->pos = (size_t)(nl - t->buf) + 1;
            t->line++;
            return SEER_OK;
        }
        t->pos = t->end;
        if (t->eof) return SEER_OK;
        int rc = refill(t);
        if (rc != SEER_OK) return rc;
    }
}

// Skips empty lines ("\n", "\r\n", or a lone "\r" at the end). Returns 1 when a row follows,
// 0 at the end of the data, or a negative code.
static int skip_blank(seer_table *t) {
    for (;;) {
        int rc = want_bytes(t, 2);
        if (rc != SEER_OK) return rc;
        size_t n = t->end - t->pos;
        const char *p = t->buf + t->pos;
        if (n == 0) return 0;
        if (p[0] == '\n') {
            t->pos++;
            t->line++;
        } else if (p[0] == '\r' && n >= 2 && p[1] == '\n') {
            t->pos += 2;
            t->line++;
        } else if (p[0] == '\r' && n == 1) {
            t->pos++;
        } else {
            return 1;
        }
    }
}

// Records a malformed row: formats "path:eline:ecol: what" into t->why, then resumes reading
// after the newline that follows offset r (on physical line `line`) of the row.
static int bad_row(seer_table *t, size_t r, size_t line, size_t eline, size_t ecol,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int bad_row(seer_table *t, size_t r, size_t line, size_t eline, size_t ecol,
                   const char *fmt, ...) {
    int k = snprintf(t->why, sizeof t->why, "%s:%zu:%zu: ", seer_source_path(t->src), eline,
                     ecol);
    if (k < 0 || (size_t)k >= sizeof t->why) k = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->why + k, sizeof t->why - (size_t)k, fmt, ap);
    va_end(ap);
    t->pos += r;
    t->line = line;
    int rc = skip_line(t);
    return rc != SEER_OK ? rc : ROW_BAD;
}

// A row being split by read_row: its offsets and where the parser is, kept across refills of
// the window (which move the row to the front but keep offsets from its start valid).
typedef struct {
    size_t want, maxf;          // expected fields (0: a header); most fields kept
    size_t r, w;                // read and write offsets from the row start
    size_t nf, fstart, rstart;  // fields done; current field's w and r starts
    size_t line, line_start;    // physical line at r and the offset it starts at
    size_t qline, qcol;         // the open quote of a quoted field
    size_t xline, xcol;         // the first field past maxf
    int state, newline;
} row_split;

// What a step of the splitter found, besides ROW_BAD and negative codes (which end the row).
enum {
    STEP_NEXT = 3,  // go on with the next byte
    STEP_FIELD,     // a separator at r ends the field
    STEP_ROW,       // a newline at r ends the row
    STEP_MORE,      // the byte after r decides: refill first
    STEP_WINDOW,    // the window's bytes (up to the row length limit) are split
};

// At the first byte of a field: a quote opens a quoted field (1: its first byte may be past
// the window), anything else a plain one (0).
static int start_field(const seer_table *t, row_split *s, const unsigned char *b) {
    s->rstart = s->r;
    if (b[s->r] == '"' && t->quoting) {
        s->qline = s->line;
        s->qcol = s->r - s->line_start + 1;
        s->state = S_QUOTED;
        s->r++;
        return 1;
    }
    s->state = S_PLAIN;
    return 0;
}

// Copies an unquoted field's bytes down to w up to the next stop byte.
static int scan_plain(seer_table *t, row_split *s, unsigned char *b, size_t lim) {
    size_t r = s->r, r0 = r;
    while (r < lim && !t->stop[b[r]]) r++;
    if (s->w != r0) memmove(b + s->w, b + r0, r - r0);
    s->w += r - r0;
    s->r = r;
    if (r == lim) return STEP_NEXT;
    unsigned char c = b[r];
    if (c == t->sep) return STEP_FIELD;
    if (c == '\n') {
        if (s->w > s->fstart && b[s->w - 1] == '\r') s->w--;
        s->newline = 1;
        return STEP_ROW;
    }
    if (c == '"')
        return bad_row(t, r, s->line, s->line, r - s->line_start + 1,
                       "quote inside an unquoted field (quote the whole field)");
    return bad_row(t, r, s->line, s->line, r - s->line_start + 1, "NUL byte");
}

// Copies a quoted field's bytes down to w up to the next quote, newline or NUL; a quote is
// either "" (one quote) or the field's end.
static int scan_quoted(seer_table *t, row_split *s, unsigned char *b, size_t n, size_t lim) {
    size_t r = s->r, r0 = r;
    while (r < lim && b[r] != '"' && b[r] != '\n' && b[r] != '\0') r++;
    if (s->w != r0) memmove(b + s->w, b + r0, r - r0);
    s->w += r - r0;
    s->r = r;
    if (r == lim) return STEP_NEXT;
    unsigned char c = b[r];
    if (c == '\n') {
        b[s->w++] = c;
        s->r++;
        s->line++;
        s->line_start = s->r;
        return STEP_NEXT;
    }
    if (c == '\0') return bad_row(t, r, s->line, s->line, r - s->line_start + 1, "NUL byte");
    // A quote: "" stands for one quote, anything else closes the field.
    if (r + 1 == n && !t->eof) return STEP_MORE;
    if (r + 1 < n && b[r + 1] == '"') {
        b[s->w++] = '"';
        s->r += 2;
    } else {
        s->r++;
        s->state = S_AFTER_QUOTE;
    }
    return STEP_NEXT;
}

// Just past a closing quote: a separator or the row end (a CR before it allowed) must follow.
static int after_quote(seer_table *t, row_split *s, const unsigned char *b, size_t n) {
    size_t r = s->r;
    unsigned char c = b[r];
    if (c == t->sep) return STEP_FIELD;
    if (c == '\n') {
        s->newline = 1;
        return STEP_ROW;
    }
    if (c == '\r') {
        if (r + 1 == n && !t->eof) return STEP_MORE;
        if (r + 1 == n || b[r + 1] == '\n') {
            s->r++;
            return STEP_NEXT;
        }
    }
    return bad_row(t, r, s->line, s->line, r - s->line_start + 1,
                   "unexpected byte 0x%02x after a closing quote", c);
}

// Records the field that ends at w (the first maxf of them) and steps past its separator.
static void end_field(seer_table *t, row_split *s, unsigned char *b) {
    if (s->nf < s->maxf) {
        t->off[s->nf] = s->fstart;
        t->len[s->nf] = s->w - s->fstart;
        if (!s->want) t->raw[s->nf] = s->rstart;
    }
    b[s->w] = '\0';
    s->nf++;
    s->w++;
    s->r++;
    s->fstart = s->w;
    if (s->nf == s->maxf) {
        s->xline = s->line;
        s->xcol = s->r - s->line_start + 1;
    }
    s->state = S_START;
}

// Splits the window's bytes b[r, n) (no further than the row length limit) into fields.
static int split_window(seer_table *t, row_split *s, unsigned char *b, size_t n) {
    // Bytes past offset SEER_LINE_MAX are never looked at: the row is too long by then.
    size_t lim = n < SEER_LINE_MAX + 1 ? n : SEER_LINE_MAX + 1;
    while (s->r < lim) {
        int step;
        if (s->state == S_START && start_field(t, s, b)) continue;
        if (s->state == S_PLAIN)
            step = scan_plain(t, s, b, lim);
        else if (s->state == S_QUOTED)
            step = scan_quoted(t, s, b, n, lim);
        else
            step = after_quote(t, s, b, n);
        if (step == STEP_FIELD)
            end_field(t, s, b);
        else if (step != STEP_NEXT)
            return step;
    }
    return STEP_WINDOW;
}

// The row ends at r: records its last field, checks the field count and moves past it.
static int end_row(seer_table *t, row_split *s, unsigned char *b, size_t *nfields) {
    if (s->nf < s->maxf) {
        t->off[s->nf] = s->fstart;
        t->len[s->nf] = s->w - s->fstart;
        if (!s->want) t->raw[s->nf] = s->rstart;
    }
    size_t nf = ++s->nf, r = s->r;
    if (nf > s->maxf && !s->want)
        return bad_row(t, r, s->line, s->xline, s->xcol, "more than %d columns", SEER_COLS_MAX);
    // A Criteo file read without its label (its first line had 39 fields) says why it wants 39.
    const char *why = t->format == SEER_FORMAT_CRITEO && s->want == CRITEO_COLS - 1
                          ? " (the first line has 39, so the file is read without a label)"
                          : "";
    if (nf > s->maxf)
        return bad_row(t, r, s->line, s->xline, s->xcol, "expected %zu fields, got %zu%s",
                       s->want, nf, why);
    if (nf < s->want)
        return bad_row(t, r, s->line, s->line, r - s->line_start + 1,
                       "expected %zu fields, got %zu%s", s->want, nf, why);
    // Only now: b[w] may be the newline that bad_row resumes after.
    b[s->w] = '\0';
    for (size_t i = 0; i < nf; i++) t->field[i] = (char *)b + t->off[i];
    *nfields = nf;
    t->pos += r + (size_t)s->newline;
    t->line = s->line + (size_t)s->newline;
    return ROW_OK;
}

// The data ends without a newline: the row ends here (STEP_ROW), unless a quote is still open.
static int end_of_data(seer_table *t, row_split *s, const unsigned char *b) {
    if (s->state == S_QUOTED)
        return bad_row(t, s->r, s->line, s->qline, s->qcol,
                       "quoted field opened on line %zu never closes before the end of the file",
                       s->qline);
    if (s->state == S_PLAIN && s->w > s->fstart && b[s->w - 1] == '\r') s->w--;
    return STEP_ROW;
}

// The common row in one scan: it ends with a newline inside the window (and within the row
// length limit), has want fields and holds no NUL; a quoted field is "..." with no quote,
// separator or newline inside (a CR may stand between its closing quote and the newline).
// Returns ROW_OK with the row split and passed as read_row does, or 0 having written
// nothing: read_row's byte-wise splitter then takes the row with its messages.
typedef struct {
    size_t nf, fstart;  // fields done; the current field's first byte
    size_t closed;      // the closing quote of the current field (q == 2)
    int q;              // 0: not quoted (so far), 1: inside quotes, 2: past the closing quote
} fast_split;

// The field that ends at e (a separator, the newline or a CR before it): 0 if it is not a
// plain or a whole quoted field.
static int fast_field(seer_table *t, fast_split *f, size_t e) {
    if (f->q == 1 || (f->q == 2 && f->closed + 1 != e)) return 0;
    t->off[f->nf] = f->fstart + (f->q == 2);
    t->len[f->nf] = f->q == 2 ? f->closed - f->fstart - 1 : e - f->fstart;
    f->nf++;
    f->fstart = e + 1;
    f->q = 0;
    return 1;
}

// A quote at p: opens the field when it is the field's first byte, else closes it.
static int fast_quote(fast_split *f, size_t p) {
    if (f->q == 0 && p == f->fstart) {
        f->q = 1;
    } else if (f->q == 1) {
        f->q = 2;
        f->closed = p;
    } else {
        return 0;  // "" inside a field, or a stray quote
    }
    return 1;
}

// The row's newline at e: its last field, then the count.
static int fast_row_end(seer_table *t, fast_split *f, const unsigned char *b, size_t e,
                        size_t want) {
    if (f->nf + 1 != want) return 0;
    size_t w = e;
    // A CR before the newline ends the row (after a closing quote too), not the field.
    if (w > f->fstart && b[w - 1] == '\r' && (f->q != 2 || f->closed + 2 == e)) w--;
    return fast_field(t, f, w);
}

static int split_fast(seer_table *t, size_t want, size_t *nfields) {
    unsigned char *b = (unsigned char *)t->buf + t->pos;
    size_t n = t->end - t->pos;
    size_t lim = n < SEER_LINE_MAX + 1 ? n : SEER_LINE_MAX + 1;
    fast_split f = {0, 0, 0, 0};
    for (size_t i = 0; i < lim; i += SEER_SCAN_BLOCK) {
        seer_scan_masks m = seer_scan_block(b + i, t->sep, t->quoting);
        uint32_t valid = lim - i >= SEER_SCAN_BLOCK ? ~0u : (1u << (lim - i)) - 1;
        uint32_t nl = m.nl & valid;
        uint32_t in_row = nl ? (nl & -nl) - 1 : valid;  // the row's bytes in this block
        if (m.nul & in_row) return 0;
        for (uint32_t ev = (m.sep | m.quote) & in_row; ev; ev &= ev - 1) {
            size_t p = i + (size_t)__builtin_ctz(ev);
            if (b[p] == '"' ? !fast_quote(&f, p) : !fast_field(t, &f, p)) return 0;
            if (f.nf >= want) return 0;  // a field more follows: too many
        }
        if (!nl) continue;
        size_t e = i + (size_t)__builtin_ctz(nl);
        if (!fast_row_end(t, &f, b, e, want)) return 0;
        for (size_t k = 0; k < want; k++) {
            b[t->off[k] + t->len[k]] = '\0';
            t->field[k] = (char *)b + t->off[k];
        }
        *nfields = want;
        t->pos += e + 1;
        t->line++;
        return ROW_OK;
    }
    return 0;
}

// Splits the row at pos into t->field and t->len and moves past it. want is the expected
// field count, or 0 for a header (up to SEER_COLS_MAX fields). Returns ROW_OK with *nfields
// set, ROW_BAD with t->why set (reading then resumes at the next line), or a negative code.
static int read_row(seer_table *t, size_t want, size_t *nfields) {
    if (want && split_fast(t, want, nfields) == ROW_OK) return ROW_OK;
    row_split s = {.want = want, .maxf = want ? want : SEER_COLS_MAX, .line = t->line,
                   .state = S_START};
    unsigned char *b;
    for (;;) {
        b = (unsigned char *)t->buf + t->pos;
        int step = split_window(t, &s, b, t->end - t->pos);
        if (step == STEP_ROW) break;
        if (step != STEP_WINDOW && step != STEP_MORE) return step;
        if (step == STEP_WINDOW) {
            // Too long: point at the first byte past the limit (the row's bytes before its
            // newline count, a CR included).
            if (s.r > SEER_LINE_MAX)
                return bad_row(t, s.r, s.line, s.line,
                               s.line_start < SEER_LINE_MAX ? SEER_LINE_MAX - s.line_start + 1
                                                            : 1,
                               "row longer than %u bytes", SEER_LINE_MAX);
            if (t->eof) {
                step = end_of_data(t, &s, b);
                if (step != STEP_ROW) return step;
                break;
            }
        }
        int rc = refill(t);
        if (rc < 0) return rc;
    }
    return end_row(t, &s, b, nfields);
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

// Makes the window hold the whole physical line at pos without consuming it: *len gets its
// bytes before the newline (or the end of the data), a CR included, and *newline whether a
// newline follows. Returns SEER_OK, ROW_BAD for a line longer than SEER_LINE_MAX (reading
// then resumes at the next line), or a negative code.
static int whole_line(seer_table *t, size_t *len, int *newline) {
    size_t scanned = 0;  // bytes after pos known to hold no newline
    for (;;) {
        size_t n = t->end - t->pos;
        size_t lim = n < SEER_LINE_MAX + 1 ? n : SEER_LINE_MAX + 1;
        const char *p = t->buf + t->pos;
        const char *nl = memchr(p + scanned, '\n', lim - scanned);
        if (nl) {
            *len = (size_t)(nl - p);
            *newline = 1;
            return SEER_OK;
        }
        if (lim > SEER_LINE_MAX)
            return bad_row(t, lim, t->line, t->line, SEER_LINE_MAX + 1,
                           "row longer than %u bytes", SEER_LINE_MAX);
        if (t->eof) {
            *len = n;
            *newline = 0;
            return SEER_OK;
        }
        scanned = lim;
        int rc = refill(t);
        if (rc < 0) return rc;
    }
}

// Splits the libFM line at pos into t->field and t->len and moves past it: the label becomes
// "1" or "0" in place and each index is NUL-terminated at its ':' (see table.h). Nothing is
// written until the whole line has been checked, so that bad_row still finds its newline.
// Returns ROW_OK, ROW_BAD with t->why set, or a negative code.
static int read_libfm_row(seer_table *t) {
    size_t raw;
    int newline;
    int rc = whole_line(t, &raw, &newline);
    if (rc != SEER_OK) return rc;
    char *b = t->buf + t->pos;
    size_t len = raw > 0 && b[raw - 1] == '\r' ? raw - 1 : raw;
    size_t line = t->line, want = t->ncols - 1;
    size_t ntok = 0, i = 0, label_at = 0, xcol = 0;  // xcol: the first pair past want
    int positive = 0;
    for (;;) {
        while (i < len && is_blank(b[i])) i++;
        if (i == len) break;
        size_t s = i;
        for (; i < len && !is_blank(b[i]); i++) {
            if (b[i] == '\0') return bad_row(t, i, line, line, i + 1, "NUL byte");
        }
        double v;
        if (ntok == 0) {
            if (!seer_parse_number(b + s, i - s, &v))
                return bad_row(t, s, line, line, s + 1, "the label is not a number");
            label_at = s;
            positive = v > 0;
        } else if (ntok <= want) {
            const char *colon = memchr(b + s, ':', i - s);
            if (!colon)
                return bad_row(t, s, line, line, s + 1, "feature %zu is not index:value", ntok);
            size_t c = (size_t)(colon - b);
            if (c == s)
                return bad_row(t, s, line, line, s + 1, "feature %zu has an empty index", ntok);
            if (!seer_parse_number(b + c + 1, i - c - 1, &v))
                return bad_row(t, c + 1, line, line, c + 2,
                               "the value of feature %zu is not a number", ntok);
            // A value scales its feature in libFM; seer has no input for that
            // weight, and reading 0.5 as 1 would train on other data.
            if (v != 1)
                return bad_row(t, c + 1, line, line, c + 2, "the value of feature %zu is "
                               "'%.*s': seer reads libFM values of 1 only (no feature weights)",
                               ntok, (int)(i - c - 1 > 40 ? 40 : i - c - 1), b + c + 1);
            t->off[ntok] = s;
            t->len[ntok] = c - s;
        } else if (ntok == want + 1) {
            xcol = s + 1;
        }
        ntok++;
    }
    if (ntok == 0)
        return bad_row(t, 0, line, line, 1, "no label (the line holds only spaces or tabs)");
    if (ntok - 1 > want)
        return bad_row(t, xcol - 1, line, line, xcol, "expected %zu features, got %zu", want,
                       ntok - 1);
    if (ntok - 1 < want)
        return bad_row(t, len, line, line, len + 1, "expected %zu features, got %zu", want,
                       ntok - 1);
    // The label token has a blank after it (at least one pair follows), so two bytes fit.
    b[label_at] = positive ? '1' : '0';
    b[label_at + 1] = '\0';
    t->field[0] = b + label_at;
    t->len[0] = 1;
    for (size_t j = 1; j <= want; j++) {
        t->field[j] = b + t->off[j];
        t->field[j][t->len[j]] = '\0';
    }
    t->pos += raw + (size_t)newline;
    t->line += (size_t)newline;
    return ROW_OK;
}

// Picks the separator from the header's first physical line: tab, else comma, else ';',
// else '|', else comma (a one-column file).
static int sniff(seer_table *t) {
    while (!memchr(t->buf + t->pos, '\n', t->end - t->pos) && !t->eof &&
           t->end - t->pos <= SEER_LINE_MAX) {
        int rc = refill(t);
        if (rc != SEER_OK) return rc;
    }
    const char *p = t->buf + t->pos;
    const char *nl = memchr(p, '\n', t->end - t->pos);
    size_t n = nl ? (size_t)(nl - p) : t->end - t->pos;
    t->sep = ',';
    if (memchr(p, '\t', n)) {
        t->sep = '\t';
    } else if (!memchr(p, ',', n)) {
        if (memchr(p, ';', n)) {
            t->sep = ';';
        } else if (memchr(p, '|', n)) {
            t->sep = '|';
        }
    }
    t->format = t->sep == '\t' ? SEER_FORMAT_TSV : SEER_FORMAT_CSV;
    return SEER_OK;
}

// Copies the header row's fields into names, trimmed, with "col<j>" for empty ones, and
// rejects repeated names.
static int take_names(seer_table *t, size_t nf, size_t header_line) {
    size_t bytes = 0;
    for (size_t j = 0; j < nf; j++) bytes += t->len[j] + 24;
    t->names = calloc(nf, sizeof *t->names);
    t->names_block = malloc(bytes);
    if (!t->names || !t->names_block)
        return seer_errorf(SEER_ENOMEM, "%s: out of memory", seer_source_path(t->src));
    char *dst = t->names_block;
    for (size_t j = 0; j < nf; j++) {
        size_t len;
        const char *s = seer_trim(t->field[j], t->len[j], &len);
        t->names[j] = dst;
        if (len == 0) {
            dst += snprintf(dst, 24, "col%zu", j) + 1;
        } else {
            memcpy(dst, s, len);
            dst[len] = '\0';
            dst += len + 1;
        }
    }
    t->ncols = nf;
    // Quadratic, but only once per file and at most SEER_COLS_MAX names.
    for (size_t j = 1; j < nf; j++) {
        for (size_t i = 0; i < j; i++) {
            if (strcmp(t->names[i], t->names[j]) == 0)
                return seer_errorf(SEER_EDATA,
                                   "%s:%zu:%zu: duplicate column name \"%s\" (columns %zu and "
                                   "%zu)",
                                   seer_source_path(t->src), header_line, t->raw[j] + 1,
                                   t->names[j], i + 1, j + 1);
        }
    }
    return SEER_OK;
}

// Names the Criteo columns label, I1 .. I13, C1 .. C26; or, when the first data line has one
// field fewer (as the challenge's test file, which has no label), I1 .. C26 alone: every row of
// the file must then have 39 fields. Such a file scores (seer predict); training and evaluation
// find no label column and say so.
static int criteo_names(seer_table *t) {
    size_t len;
    int newline;
    int rc = whole_line(t, &len, &newline);
    if (rc == ROW_BAD) return seer_errorf(SEER_EDATA, "%s", t->why);
    if (rc < 0) return rc;
    size_t fields = 1;
    for (size_t i = 0; i < len; i++) fields += t->buf[t->pos + i] == '\t';
    int first = fields == CRITEO_COLS - 1;  // no label: the columns start at I1
    size_t n = CRITEO_COLS - (size_t)first;
    t->names = calloc(n, sizeof *t->names);
    t->names_block = malloc(n * 8);
    if (!t->names || !t->names_block)
        return seer_errorf(SEER_ENOMEM, "%s: out of memory", seer_source_path(t->src));
    char *dst = t->names_block;
    for (int j = first; j < CRITEO_COLS; j++) {
        t->names[j - first] = dst;
        if (j == 0) {
            dst += sprintf(dst, "label") + 1;
        } else if (j <= 13) {
            dst += sprintf(dst, "I%d", j) + 1;
        } else {
            dst += sprintf(dst, "C%d", j - 13) + 1;
        }
    }
    t->ncols = n;
    return SEER_OK;
}

// Counts the pairs on the first data line, without consuming it, and names the columns
// label, F1 .. Fk. The line itself is checked when it is read as a row.
static int libfm_names(seer_table *t) {
    size_t len;
    int newline;
    int rc = whole_line(t, &len, &newline);
    if (rc == ROW_BAD) return seer_errorf(SEER_EDATA, "%s", t->why);
    if (rc < 0) return rc;
    const char *p = t->buf + t->pos;
    if (len > 0 && p[len - 1] == '\r') len--;
    size_t ntok = 0, xcol = 0;  // xcol: the first token past SEER_COLS_MAX
    for (size_t i = 0; i < len; i++) {
        if (is_blank(p[i]) || (i > 0 && !is_blank(p[i - 1]))) continue;
        if (ntok == SEER_COLS_MAX) xcol = i + 1;
        ntok++;
    }
    const char *path = seer_source_path(t->src);
    if (ntok < 2)
        return seer_errorf(SEER_EDATA, "%s:%zu:%zu: expected a label and index:value pairs",
                           path, t->line, len + 1);
    if (ntok > SEER_COLS_MAX)
        return seer_errorf(SEER_EDATA, "%s:%zu:%zu: more than %d columns", path, t->line, xcol,
                           SEER_COLS_MAX);
    t->names = calloc(ntok, sizeof *t->names);
    t->names_block = malloc(ntok * 8);
    if (!t->names || !t->names_block)
        return seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
    char *dst = t->names_block;
    for (size_t j = 0; j < ntok; j++) {
        t->names[j] = dst;
        if (j == 0) {
            dst += sprintf(dst, "label") + 1;
        } else {
            dst += sprintf(dst, "F%zu", j) + 1;
        }
    }
    t->ncols = ntok;
    return SEER_OK;
}

// A CR not followed by LF before the first LF: the file has classic Mac line ends, and would
// read as one long header line. Refused by name rather than read wrongly. A NUL byte ends the
// search: a binary file is not a text file with odd line ends (the reader names the NUL). Nor
// is one whose CR comes after another control byte (random bytes, a file of another format):
// that is named instead, not line ends to convert.
static int refuse_cr_line_ends(const seer_table *t) {
    const char *p = t->buf + t->pos, *end = t->buf + t->end, *control = NULL;
    for (const char *c = p; c + 1 < end && *c != '\n' && *c != '\0'; c++) {
        unsigned char u = (unsigned char)*c;
        if (!control && ((u < 0x20 && u != '\t' && u != '\r') || u == 0x7f)) control = c;
        if (c[0] != '\r' || c[1] == '\n') continue;
        if (control)
            return seer_errorf(SEER_EDATA, "%s:%zu:%zu: byte 0x%02x: not a text file (seer "
                               "reads CSV, TSV, Criteo and libFM text)", seer_source_path(t->src),
                               t->line, (size_t)(control - p) + 1, (unsigned char)*control);
        return seer_errorf(SEER_EDATA, "%s:%zu:%zu: the file ends its lines with CR alone "
                           "(classic Mac line ends), which seer does not read; convert them "
                           "to LF first (e.g. tr '\\r' '\\n')", seer_source_path(t->src),
                           t->line, (size_t)(c - p) + 1);
    }
    return SEER_OK;
}

// Positions the reader at the first data row of a freshly started source: drops a UTF-8 BOM
// and blank lines, then reads the header (names it on the first start; after a rewind it
// must have the same number of fields).
static int start(seer_table *t, int first) {
    t->pos = t->end = 0;
    t->eof = 0;
    t->line = 1;
    t->bad_rows = t->nkept = 0;
    int rc = want_bytes(t, 3);
    if (rc != SEER_OK) return rc;
    if (t->end >= 3 && memcmp(t->buf, "\xef\xbb\xbf", 3) == 0) t->pos = 3;
    rc = skip_blank(t);
    if (rc < 0) return rc;
    if (rc == 0) return seer_errorf(SEER_EDATA, "%s: empty file", seer_source_path(t->src));
    if (first && (rc = refuse_cr_line_ends(t)) != SEER_OK) return rc;
    if (t->format == SEER_FORMAT_CRITEO) return first ? criteo_names(t) : SEER_OK;
    if (t->format == SEER_FORMAT_LIBFM) return first ? libfm_names(t) : SEER_OK;
    if (first && t->format == SEER_FORMAT_AUTO) {
        rc = sniff(t);
        if (rc != SEER_OK) return rc;
    }
    if (first) {
        t->stop[t->sep] = 1;
        t->stop['"'] = 1;
    }
    size_t header_line = t->line, nf = 0;
    rc = read_row(t, first ? 0 : t->ncols, &nf);
    if (rc == ROW_BAD) return seer_errorf(SEER_EDATA, "%s", t->why);
    if (rc < 0) return rc;
    return first ? take_names(t, nf, header_line) : SEER_OK;
}

static int open_table(seer_table **out, seer_source *src, const seer_table_options *opt) {
    static const seer_table_options defaults = {SEER_FORMAT_AUTO, 0};
    if (!opt) opt = &defaults;
    *out = NULL;
    // An interaction log is read by data/interactions.c, never as a table of rows.
    if (opt->format == SEER_FORMAT_MOVIELENS || opt->format == SEER_FORMAT_SEQ ||
        opt->format == SEER_FORMAT_KT) {
        int rc = seer_errorf(SEER_EINVAL, "%s: --format %s is an interaction log, read by "
                             "recommenders (seer train --model mf|bpr|ease|twotower|pop|sasrec)",
                             seer_source_path(src), seer_format_names[opt->format]);
        seer_source_close(src);
        return rc;
    }
    SEER_ASSERT(opt->format >= SEER_FORMAT_AUTO && opt->format <= SEER_FORMAT_LIBFM);
    seer_table *t = calloc(1, sizeof *t);
    if (!t) {
        seer_source_close(src);
        return seer_errorf(SEER_ENOMEM, "%s: out of memory", seer_source_path(src));
    }
    t->src = src;
    t->format = opt->format;
    t->skip_bad_rows = opt->skip_bad_rows;
    t->quoting = opt->format != SEER_FORMAT_CRITEO && opt->format != SEER_FORMAT_LIBFM;
    t->sep = opt->format == SEER_FORMAT_CSV ? ',' : '\t';
    t->stop['\n'] = t->stop['\0'] = 1;
    if (opt->format == SEER_FORMAT_CRITEO) t->stop['\t'] = 1;
    t->cap = WINDOW_MIN;
    t->buf = calloc(1, t->cap + WINDOW_PAD);
    size_t maxf = opt->format == SEER_FORMAT_CRITEO ? CRITEO_COLS : SEER_COLS_MAX;
    t->off = malloc(maxf * sizeof *t->off);
    t->raw = malloc(maxf * sizeof *t->raw);
    t->field = malloc(maxf * sizeof *t->field);
    t->len = malloc(maxf * sizeof *t->len);
    for (int i = 0; i < SEER_BAD_ROWS_KEPT; i++) t->kept_ptr[i] = t->kept[i];
    int rc = SEER_OK;
    if (!t->buf || !t->off || !t->raw || !t->field || !t->len) {
        rc = seer_errorf(SEER_ENOMEM, "%s: out of memory", seer_source_path(src));
    } else {
        rc = start(t, 1);
    }
    if (rc != SEER_OK) {
        seer_table_close(t);
        return rc;
    }
    *out = t;
    return SEER_OK;
}

int seer_table_open(seer_table **out, const char *path, const seer_table_options *opt) {
    *out = NULL;
    seer_source *src;
    int rc = seer_source_open(&src, path);
    return rc != SEER_OK ? rc : open_table(out, src, opt);
}

int seer_table_open_memory(seer_table **out, const void *data, size_t n, const char *name,
                           size_t step, const seer_table_options *opt) {
    *out = NULL;
    seer_source *src;
    int rc = seer_source_open_memory(&src, data, n, name, step);
    return rc != SEER_OK ? rc : open_table(out, src, opt);
}

int seer_table_next(seer_table *t, seer_row *row) {
    for (;;) {
        int rc = skip_blank(t);
        if (rc <= 0) return rc;
        size_t line = t->line, nf;
        rc = t->format == SEER_FORMAT_LIBFM ? read_libfm_row(t) : read_row(t, t->ncols, &nf);
        if (rc == ROW_OK) {
            row->n = t->ncols;
            row->field = t->field;
            row->len = t->len;
            row->line = line;
            return 1;
        }
        if (rc < 0) return rc;
        if (!t->skip_bad_rows) return seer_errorf(SEER_EDATA, "%s", t->why);
        if (t->nkept < SEER_BAD_ROWS_KEPT)
            snprintf(t->kept[t->nkept++], sizeof t->kept[0], "%s", t->why);
        t->bad_rows++;
    }
}

int seer_table_rewind(seer_table *t) {
    int rc = seer_source_rewind(t->src);
    return rc != SEER_OK ? rc : start(t, 0);
}

size_t seer_table_ncols(const seer_table *t) { return t->ncols; }

const char *seer_table_colname(const seer_table *t, size_t j) {
    SEER_ASSERT(j < t->ncols);
    return t->names[j];
}

long seer_table_find(const seer_table *t, const char *name) {
    for (size_t j = 0; j < t->ncols; j++) {
        if (strcmp(t->names[j], name) == 0) return (long)j;
    }
    return -1;
}

const char *seer_table_path(const seer_table *t) { return seer_source_path(t->src); }

seer_format seer_table_format(const seer_table *t) { return t->format; }

size_t seer_table_bad_rows(const seer_table *t) { return t->bad_rows; }

size_t seer_table_bad_messages(const seer_table *t, const char *const **messages) {
    *messages = t->kept_ptr;
    return t->nkept;
}

void seer_table_close(seer_table *t) {
    if (!t) return;
    seer_source_close(t->src);
    SEER_FREE_ALL(t->buf, t->off, t->raw, t->field, t->len, t->names, t->names_block, t);
}

// Exact powers of ten: a double holds 10^k exactly for k <= 22.
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int seer_parse_number(const char *s, size_t len, double *out) {
    while (len > 0 && (*s == ' ' || *s == '\t')) s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len == 0 || len >= 64) return 0;
    // Check the syntax ourselves, [+-] digits [. digits] [eE [+-] digits] with at least one
    // mantissa digit, so strtod's hex, inf, nan and locale forms never get through.
    size_t i = 0, ndigits = 0, nfrac = 0;
    uint64_t m = 0;  // the first 19 significant digits, for the fast path
    int neg = s[0] == '-';
    if (s[i] == '+' || s[i] == '-') i++;
    for (; i < len && is_digit(s[i]); i++, ndigits++) m = m * 10 + (uint64_t)(s[i] - '0');
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++, ndigits++, nfrac++)
            m = m * 10 + (uint64_t)(s[i] - '0');
    }
    if (ndigits == 0) return 0;
    long e10 = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = i < len && s[i] == '-';
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        size_t nexp = 0;
        for (; i < len && is_digit(s[i]); i++, nexp++) {
            if (e10 < 100000) e10 = e10 * 10 + (s[i] - '0');
        }
        if (nexp == 0) return 0;
        if (eneg) e10 = -e10;
    }
    if (i != len) return 0;
    // Fast path (Clinger 1990): with at most 15 digits the mantissa is an exact double, and
    // so is 10^k for k <= 22; one multiply or divide of exact values is correctly rounded,
    // the same result strtod gives.
    long k = e10 - (long)nfrac;
    if (ndigits <= 15 && k >= -22 && k <= 22) {
        double v = (double)m;
        v = k < 0 ? v / pow10_exact[-k] : v * pow10_exact[k];
        *out = neg ? -v : v;
        return 1;
    }
    char tmp[64];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    if (end != tmp + len || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

int seer_is_missing_text(const char *s, size_t len) {
    static const char *const spellings[] = {"NA",   "N/A",  "NaN", "nan", "null",
                                            "NULL", "None", "?"};
    while (len > 0 && (*s == ' ' || *s == '\t')) s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len == 0) return 1;
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        if (strlen(spellings[i]) == len && memcmp(spellings[i], s, len) == 0) return 1;
    }
    return 0;
}
