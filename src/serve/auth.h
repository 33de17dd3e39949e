// The bearer token of seer serve's write endpoints (auth.c).
#ifndef SEER_SERVE_AUTH_H
#define SEER_SERVE_AUTH_H

#include <stddef.h>

typedef struct {
    char *s;      // NUL-terminated; NULL: no token configured
    size_t len;
} seer_token;

// Reads the token, the first line of the file at path. SEER_EIO when it cannot be
// read, SEER_EINVAL naming the file when the line is empty, too long, or holds a
// control character or white space at either end.
int seer_token_read(seer_token *out, const char *path);
// Whether header is "Bearer <the token>".
int seer_token_ok(const seer_token *t, const char *header);
void seer_token_free(seer_token *t);

#endif
