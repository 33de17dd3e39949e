// The JSON answers of seer serve: a string escaped for JSON, a body handed to a
// response (500 "out of memory" when building it failed), and an error object
// {"error": "..."} with its status. Only the writing; what to answer is the handlers'.
#include "serve/reply.h"

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
