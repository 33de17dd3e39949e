// A byte source over a file or a memory block: plain, gzip or zstd.
//
// The compression is detected from the first bytes (1f 8b gzip, 28 b5 2f fd zstd), never from
// the file name, so a misnamed file still reads. The source only produces bytes; splitting them
// into rows is table.c's job. This is the only file that includes zlib.h and zstd.h.
//
// Plain files are read straight into the caller's buffer; compressed input goes through one
// fixed buffer of SEER_SOURCE_CHUNK bytes, so memory does not depend on the file size.
#ifndef SEER_DATA_SOURCE_H
#define SEER_DATA_SOURCE_H

#include <stddef.h>

// Size of the compressed-input buffer, and a good size for the caller's reads.
#define SEER_SOURCE_CHUNK (1u << 20)

typedef struct seer_source seer_source;

// Opens path. An unreadable file is SEER_EIO with strerror.
int seer_source_open(seer_source **out, const char *path);
// A source over data[0, n), which must outlive the source (tests and fuzzing). name is used
// in error messages in place of a path. step > 0 caps the bytes taken from data per read
// (step 1 makes every decoder and reader refill at every byte); 0 means no cap.
int seer_source_open_memory(seer_source **out, const void *data, size_t n, const char *name,
                            size_t step);
// Reads up to cap (> 0) bytes into buf. *got is 0 only at the end of the data. A corrupt or
// truncated compressed stream is SEER_EDATA, a failed read SEER_EIO.
int seer_source_read(seer_source *s, char *buf, size_t cap, size_t *got);
// Starts again at the first byte (a file is reopened, so gzip and zstd work too).
int seer_source_rewind(seer_source *s);
// The path (or memory name) given at open.
const char *seer_source_path(const seer_source *s);
// Closes the file and frees s; NULL is a no-op.
void seer_source_close(seer_source *s);

#endif
