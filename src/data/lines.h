// Lines of a byte source (data/source.h) one at a time, for the line-per-record formats that
// are not tables (interaction logs, item sequences, value logs): each without its "\n" or
// "\r\n", counted for messages, at most SEER_LINE_MAX bytes (a longer one is SEER_EDATA
// naming its line).
#ifndef SEER_DATA_LINES_H
#define SEER_DATA_LINES_H

#include <stddef.h>

#include "data/source.h"

typedef struct {
    seer_source *src;
    char *buf;            // (cap) bytes [at, len) read but not yet returned
    size_t len, at, cap;
    size_t line;          // the number of the last line returned (1 for the first)
    int eof;
} seer_lines;

// Reads src's lines through a buffer of its own. SEER_ENOMEM.
int seer_lines_init(seer_lines *r, seer_source *src);
// The next line in *line, *n (valid until the next call): 1, 0 at the end, or a code.
int seer_lines_next(seer_lines *r, char **line, size_t *n);
void seer_lines_free(seer_lines *r);

#endif
