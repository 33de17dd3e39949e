#include "base/text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void seer_text_reserve(seer_text *t, size_t k) {
    if (t->failed || t->n + k + 1 <= t->cap) return;
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->n + k + 1) cap *= 2;
    char *s = realloc(t->s, cap);
    if (!s) {
        t->failed = 1;
        return;
    }
    t->s = s;
    t->cap = cap;
}

void seer_text_add(seer_text *t, const void *bytes, size_t n) {
    seer_text_reserve(t, n);
    if (t->failed) return;
    memcpy(t->s + t->n, bytes, n);
    t->n += n;
    t->s[t->n] = '\0';
}

void seer_text_put(seer_text *t, const char *fmt, ...) {
    // The first try writes into the room there is; when it was short, the second
    // has exactly what the first measured.
    for (int tries = 0; tries < 2 && !t->failed; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            t->failed = 1;
            return;
        }
        if (t->s && (size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        seer_text_reserve(t, (size_t)k);
    }
}

// Any decimal of at most 15 digits survives a trip through a
// double, so %.15g is the shortest form whenever one of 15 digits or fewer exists.
void seer_number_text(char *buf, double v) {
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {   // integers up to 2^53, as written
        snprintf(buf, SEER_NUMBER_TEXT, "%.0f", v);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, SEER_NUMBER_TEXT, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}

void seer_csv_field_write(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
