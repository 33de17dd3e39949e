// The bearer token of seer serve's write endpoints: read once from its file,
// and compared with an Authorization header in the same time wherever they differ.
// It does not decide which endpoints need it (server.c's routes do).
#include "serve/auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"

// The longest token file read.
#define TOKEN_MAX 4096

// Reads the token file once. Its first line is the token (a CR before the newline is
// not part of it); later lines are ignored, so the file may carry a note. Refused: an
// empty first line, one over TOKEN_MAX bytes, a control character (no header could
// carry it), and white space at either end (HTTP drops it from a header's value).
int seer_token_read(seer_token *out, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    char *t = malloc(TOKEN_MAX + 2);
    size_t n = t ? fread(t, 1, TOKEN_MAX + 2, f) : 0;
    int err = ferror(f), err_no = errno;
    fclose(f);
    if (!t) return seer_errorf(SEER_ENOMEM, "out of memory");
    char *nl = memchr(t, '\n', n);
    if (nl) n = (size_t)(nl - t);
    if (n && t[n - 1] == '\r') n--;
    int rc = SEER_OK;
    if (err) {
        rc = seer_errorf(SEER_EIO, "%s: %s", path, strerror(err_no));
    } else if (n > TOKEN_MAX) {
        rc = seer_errorf(SEER_EINVAL, "%s: the token (the first line) is over %d bytes", path,
                         TOKEN_MAX);
    } else if (n == 0) {
        rc = seer_errorf(SEER_EINVAL, "%s: the token file's first line is empty", path);
    } else if (t[0] == ' ' || t[0] == '\t' || t[n - 1] == ' ' || t[n - 1] == '\t') {
        rc = seer_errorf(SEER_EINVAL, "%s: the token starts or ends with white space", path);
    } else {
        for (size_t i = 0; i < n && rc == SEER_OK; i++)
            if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
                rc = seer_errorf(SEER_EINVAL, "%s: the token holds a control character (byte %zu "
                                 "of the first line)", path, i + 1);
    }
    if (rc != SEER_OK) {
        free(t);
        return rc;
    }
    t[n] = '\0';
    out->s = t;
    out->len = n;
    return SEER_OK;
}

// Whether header is "Bearer <token>". The comparison takes the same time
// wherever the first difference is: every byte of the expected token is read.
int seer_token_ok(const seer_token *t, const char *header) {
    if (!header || strncasecmp(header, "Bearer ", 7) != 0) return 0;
    const char *got = header + 7;
    size_t m = strlen(got);
    unsigned char diff = m != t->len;
    for (size_t i = 0; i < t->len; i++)
        diff |= (unsigned char)(t->s[i] ^ (i < m ? got[i] : 0));
    return diff == 0;
}

void seer_token_free(seer_token *t) {
    free(t->s);
    t->s = NULL;
    t->len = 0;
}
