// The JSON answers of seer serve (reply.c): every handler writes its body into a
// seer_text and hands it over with seer_reply_finish, which owns the one fallback:
// a body that could not be built goes out as 500 {"error":"out of memory"}.
#ifndef SEER_SERVE_REPLY_H
#define SEER_SERVE_REPLY_H

#include "base/text.h"
#include "serve/http.h"

// s as a JSON string, quotes included. Bytes outside printable ASCII become \u00XX.
void seer_reply_string(seer_text *b, const char *s);
// p as "%.9g" writes it (the scores' form), byte for byte, without printf in the usual range.
void seer_reply_score(seer_text *b, float p);
// Hands b's text to r as its body with status (500 and an error object if b failed).
void seer_reply_finish(seer_http_response *r, int status, seer_text *b);
// {"error": message} with status.
void seer_reply_error(seer_http_response *r, int status, const char *message);
// The status for a failed library call: bad client input is 400, the rest 500.
void seer_reply_rc(seer_http_response *r, int rc);

#endif
