// Lines of a byte source (data/lines.h).
#include "data/lines.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "data/table.h"  // SEER_LINE_MAX

int seer_lines_init(seer_lines *r, seer_source *src) {
    memset(r, 0, sizeof *r);
    r->src = src;
    r->cap = SEER_LINE_MAX + SEER_SOURCE_CHUNK;
    r->buf = malloc(r->cap);
    if (!r->buf) return seer_errorf(SEER_ENOMEM, "%s: out of memory", seer_source_path(src));
    return SEER_OK;
}

int seer_lines_next(seer_lines *r, char **line, size_t *n) {
    for (;;) {
        char *nl = r->at < r->len ? memchr(r->buf + r->at, '\n', r->len - r->at) : NULL;
        if (nl || (r->eof && r->at < r->len)) {
            size_t end = nl ? (size_t)(nl - r->buf) : r->len;
            *line = r->buf + r->at;
            *n = end - r->at;
            if (*n && (*line)[*n - 1] == '\r') (*n)--;
            r->at = nl ? end + 1 : r->len;
            r->line++;
            return 1;
        }
        if (r->eof) return 0;
        memmove(r->buf, r->buf + r->at, r->len - r->at);
        r->len -= r->at;
        r->at = 0;
        if (r->len >= SEER_LINE_MAX)
            return seer_errorf(SEER_EDATA, "%s:%zu: a line longer than %u bytes",
                               seer_source_path(r->src), r->line + 1, SEER_LINE_MAX);
        size_t got;
        int rc = seer_source_read(r->src, r->buf + r->len, r->cap - r->len, &got);
        if (rc != SEER_OK) return rc;
        r->len += got;
        r->eof = got == 0;
    }
}

void seer_lines_free(seer_lines *r) {
    free(r->buf);
    r->buf = NULL;
}
