// The JSON answers of seer serve: a string escaped for JSON, a body handed to a
// response (500 "out of memory" when building it failed), and an error object
// {"error": "..."} with its status. Only the writing; what to answer is the handlers'.
#include "serve/reply.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

// s as a JSON string, quotes included. Bytes outside printable ASCII become \u00XX
// (a byte over 0x7f that way, so the body stays valid UTF-8 whatever a client sent).
void seer_reply_string(seer_text *b, const char *s) {
    seer_text_reserve(b, 2 + 6 * strlen(s));
    if (b->failed) return;
    char *o = b->s + b->n;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *o++ = '\\';
            *o++ = (char)*p;
        } else if (*p < 0x20 || *p > 0x7e) {
            o += sprintf(o, "\\u%04x", *p);
        } else {
            *o++ = (char)*p;
        }
    }
    *o++ = '"';
    *o = '\0';
    b->n = (size_t)(o - b->s);
}

// p's nine significant digits as printf's "%.9g" writes them, for 1e-4 <= p < 1e9, into out
// (NUL-terminated); 0 for the rest, which the caller leaves to snprintf. p is m * 2^e
// exactly (m < 2^24), so m * 10^(8 - X) * 2^e fits 128 bits and is cut to nine digits with
// its remainder in hand: rounded half to even, as glibc rounds an exact tie. X is the
// decimal exponent, found by trying log10's guess and its neighbours.
static int g9_fixed(char *out, float p) {
    static const uint64_t pow10[14] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                       100000000, 1000000000, 10000000000, 100000000000,
                                       1000000000000, 10000000000000};
    if (!(p >= 1e-4f && p < 1e9f)) return 0;
    int ex;
    uint64_t m = (uint64_t)ldexpf(frexpf(p, &ex), 24);
    int e = ex - 24, x = (int)floor(log10((double)p));
    unsigned __int128 q, r = 0, half = 0;
    for (int tries = 0;; tries++) {
        int s = 8 - x;
        if (s < 0 || s > 13 || tries == 3) return 0;
        unsigned __int128 n = (unsigned __int128)m * pow10[s];
        if (e >= 0) {
            q = n << e;
        } else {
            q = n >> -e;
            r = n & ((((unsigned __int128)1) << -e) - 1);
            half = ((unsigned __int128)1) << (-e - 1);
        }
        if (q >= pow10[9]) x++;
        else if (q < pow10[8]) x--;
        else break;
    }
    if (e < 0 && (r > half || (r == half && (q & 1)))) q++;
    if (q == pow10[9]) {
        q = pow10[8];
        x++;
    }
    if (x < -4 || x > 8) return 0;   // printf's exponent form
    char d[10];
    for (int i = 8; i >= 0; i--, q /= 10) d[i] = (char)('0' + (int)(q % 10));
    char *o = out;
    if (x < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -x - 1; i++) *o++ = '0';
    }
    for (int i = 0; i < 9; i++) {
        *o++ = d[i];
        if (i == x && i < 8) *o++ = '.';
    }
    if (x < 8) {   // trailing zeros of the fraction, then a bare point, go
        while (o[-1] == '0') o--;
        if (o[-1] == '.') o--;
    }
    *o = '\0';
    return 1;
}

void seer_reply_score(seer_text *b, float p) {
    char buf[32];
    int fast = p < 0 ? g9_fixed(buf + 1, -p) : g9_fixed(buf, p);
    if (fast && p < 0) buf[0] = '-';
    if (!fast) snprintf(buf, sizeof buf, "%.9g", (double)p);
    seer_text_add(b, buf, strlen(buf));
}

void seer_reply_finish(seer_http_response *r, int status, seer_text *b) {
    if (b->failed) {
        free(b->s);
        b->s = NULL;
        b->n = 0;
        static const char oom[] = "{\"error\":\"out of memory\"}";
        b->s = malloc(sizeof oom);
        if (b->s) memcpy(b->s, oom, sizeof oom);
        b->n = b->s ? sizeof oom - 1 : 0;
        status = 500;
    }
    r->status = status;
    r->body = b->s;
    r->len = b->n;
}

void seer_reply_error(seer_http_response *r, int status, const char *message) {
    seer_text b = {0};
    seer_text_put(&b, "{\"error\":");
    seer_reply_string(&b, message);
    seer_text_put(&b, "}");
    seer_reply_finish(r, status, &b);
}

// The status for a failed library call: bad client input is 400, the rest 500.
void seer_reply_rc(seer_http_response *r, int rc) {
    seer_reply_error(r, rc == SEER_EDATA || rc == SEER_EINVAL ? 400 : 500, seer_error_message());
}
