// Text: a growing buffer for responses and reports (printf-style appends; on
// allocation failure it stops growing and says so (failed) rather than failing
// each call), the trimming of fields, the text of a number, and a CSV field written out.
#ifndef SEER_BASE_TEXT_H
#define SEER_BASE_TEXT_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    char *s;      // NUL-terminated once anything was added; the caller frees it
    size_t n, cap;
    int failed;   // an allocation failed: s holds what came before
} seer_text;

// Makes room for k more bytes and the NUL.
void seer_text_reserve(seer_text *t, size_t k);
// Appends n bytes as they are (a NUL among them too).
void seer_text_add(seer_text *t, const void *bytes, size_t n);
// Appends printf(fmt, ...).
void seer_text_put(seer_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// s[0..len) without the spaces and tabs at both ends: the start, and the length in *out_len.
// Inline: the reading passes call it for every field.
static inline const char *seer_trim(const char *s, size_t len, size_t *out_len) {
    while (len && (*s == ' ' || *s == '\t')) s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    *out_len = len;
    return s;
}

// Room for the shortest round-tripping text of a double ("-1.2345678901234567e-308").
#define SEER_NUMBER_TEXT 32
// v as a CSV would hold it, so that a number given as a double (a JSON value, a row built in
// memory) encodes as its text in a file would: an integer up to 2^53 as its digits, else the
// shortest of %.15g, %.16g, %.17g that reads back as v. buf: SEER_NUMBER_TEXT bytes.
void seer_number_text(char *buf, double v);

// s written to f as one CSV field (RFC 4180): as it is, or, when it holds a comma, a quote or a
// line break, in quotes with each quote doubled.
void seer_csv_field_write(FILE *f, const char *s);

#endif
