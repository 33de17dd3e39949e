// Byte source over a plain, gzip or zstd file (or memory block), see source.h.
//
// Input flows   file --read()--> in[] --inflate / ZSTD_decompressStream--> caller's buffer
// for compressed data, and   file --read()--> caller's buffer   for plain data. The first few
// bytes are peeked into in[] to detect the format and are handed out first for plain data.
//
// Concatenated gzip members (cat a.gz b.gz) and zstd frames are read as one stream, as gzip -d
// and zstd -d do. Anything else after a gzip member, or a stream that ends before its last
// member or frame is complete, is SEER_EDATA.
#define ZLIB_CONST
#include "data/source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base/error.h"

// Largest zstd window accepted, as a log2: zstd's own default, 27 (128 MiB). The fuzz build
// lowers it, or every random frame header would allocate up to 128 MiB.
#ifndef SEER_ZSTD_WINDOW_LOG_MAX
#define SEER_ZSTD_WINDOW_LOG_MAX 27
#endif

typedef enum { KIND_PLAIN, KIND_GZIP, KIND_ZSTD } source_kind;

struct seer_source {
    char *path;                 // path, or the memory block's name
    int fd;                     // -1 for a memory source
    const unsigned char *mem;   // (mem_n) the memory source's bytes, else NULL
    size_t mem_n, mem_pos;
    size_t step;                // most bytes of mem per input window
    source_kind kind;
    unsigned char *buf;         // (SEER_SOURCE_CHUNK) input buffer of a file source
    const unsigned char *in;    // current input window: buf, or a slice of mem
    size_t in_pos, in_n;        // in[in_pos, in_n) is not consumed yet
    int in_eof;                 // no input after in_n
    int done;                   // all output produced
    int failed;                 // the error code of a failed read, repeated by later reads
    char failed_msg[512];
    z_stream z;
    int z_ready;                // z was set up by inflateInit2
    int z_between;              // at the end of a gzip member (a clean place to stop)
    ZSTD_DStream *zs;
    int zs_ended;               // the last zstd frame is complete (a clean place to stop)
};

// Makes in[in_pos, in_n) non-empty unless the input is exhausted (then sets in_eof).
static int fill_input(seer_source *s) {
    if (s->in_pos < s->in_n || s->in_eof) return SEER_OK;
    if (s->fd < 0) {
        size_t n = s->mem_n - s->mem_pos;
        if (n > s->step) n = s->step;
        s->in = s->mem + s->mem_pos;
        s->in_pos = 0;
        s->in_n = n;
        s->mem_pos += n;
        if (n == 0) s->in_eof = 1;
        return SEER_OK;
    }
    ssize_t got;
    do {
        got = read(s->fd, s->buf, SEER_SOURCE_CHUNK);
    } while (got < 0 && errno == EINTR);
    if (got < 0) return seer_errorf(SEER_EIO, "%s: %s", s->path, strerror(errno));
    s->in = s->buf;
    s->in_pos = 0;
    s->in_n = (size_t)got;
    if (got == 0) s->in_eof = 1;
    return SEER_OK;
}

// Opens (or reopens) the input, peeks at the magic bytes and sets up the decoder.
// On failure the source reads as empty.
static int start(seer_source *s) {
    s->done = 1;
    s->failed = 0;
    if (s->mem == NULL) {
        if (s->fd >= 0) close(s->fd);
        s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) return seer_errorf(SEER_EIO, "%s: %s", s->path, strerror(errno));
    }
    s->mem_pos = 0;
    s->in_pos = s->in_n = 0;
    s->in_eof = 0;
    // Peek at the magic. A short read (a pipe) may give fewer than 4 bytes, so read into buf
    // until it holds 4 or the input ends; the peeked bytes stay in buf as the first input.
    const unsigned char *m = s->mem;
    size_t n = s->mem_n;
    if (s->fd >= 0) {
        int rc = fill_input(s);
        if (rc != SEER_OK) return rc;
        while (s->in_n < 4 && !s->in_eof) {
            ssize_t got = read(s->fd, s->buf + s->in_n, SEER_SOURCE_CHUNK - s->in_n);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) return seer_errorf(SEER_EIO, "%s: %s", s->path, strerror(errno));
            if (got == 0) break;
            s->in_n += (size_t)got;
        }
        m = s->buf;
        n = s->in_n;
    }
    s->kind = KIND_PLAIN;
    if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) s->kind = KIND_GZIP;
    if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        s->kind = KIND_ZSTD;

    if (s->kind == KIND_GZIP) {
        int zrc = s->z_ready ? inflateReset(&s->z) : inflateInit2(&s->z, 15 + 32);
        if (zrc == Z_MEM_ERROR) return seer_errorf(SEER_ENOMEM, "%s: zlib: out of memory", s->path);
        if (zrc != Z_OK) return seer_errorf(SEER_EINTERNAL, "%s: zlib init failed", s->path);
        s->z_ready = 1;
        s->z_between = 0;
    } else if (s->kind == KIND_ZSTD) {
        if (!s->zs) {
            s->zs = ZSTD_createDStream();
            if (!s->zs) return seer_errorf(SEER_ENOMEM, "%s: zstd: out of memory", s->path);
            ZSTD_DCtx_setParameter(s->zs, ZSTD_d_windowLogMax, SEER_ZSTD_WINDOW_LOG_MAX);
        }
        s->zs_ended = 0;
        size_t zrc = ZSTD_initDStream(s->zs);
        if (ZSTD_isError(zrc))
            return seer_errorf(SEER_EINTERNAL, "%s: zstd init: %s", s->path,
                               ZSTD_getErrorName(zrc));
    }
    s->done = 0;
    return SEER_OK;
}

static int read_plain(seer_source *s, char *buf, size_t cap, size_t *got) {
    // Hand out what is buffered (the peeked bytes, or a memory window) first.
    if (s->in_pos < s->in_n || s->fd < 0) {
        int rc = fill_input(s);
        if (rc != SEER_OK) return rc;
        size_t n = s->in_n - s->in_pos;
        if (n > cap) n = cap;
        memcpy(buf, s->in + s->in_pos, n);
        s->in_pos += n;
        *got = n;
        return SEER_OK;
    }
    ssize_t n;
    do {
        n = read(s->fd, buf, cap);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return seer_errorf(SEER_EIO, "%s: %s", s->path, strerror(errno));
    *got = (size_t)n;
    return SEER_OK;
}

static int read_gzip(seer_source *s, char *buf, size_t cap, size_t *got) {
    if (cap > UINT_MAX) cap = UINT_MAX;
    s->z.next_out = (unsigned char *)buf;
    s->z.avail_out = (uInt)cap;
    while (s->z.avail_out == cap) {
        int rc = fill_input(s);
        if (rc != SEER_OK) return rc;
        size_t avail = s->in_n - s->in_pos;
        if (avail == 0 && s->z_between) break;  // clean end after a whole member
        s->z.next_in = s->in + s->in_pos;
        s->z.avail_in = (uInt)avail;
        int zrc = inflate(&s->z, Z_NO_FLUSH);
        s->in_pos = s->in_n - s->z.avail_in;
        if (zrc == Z_STREAM_END) {
            // Another member may follow; inflate reads its header once it has bytes.
            inflateReset(&s->z);
            s->z_between = 1;
        } else if (zrc == Z_OK) {
            s->z_between = 0;
        } else if (zrc == Z_BUF_ERROR && avail == 0) {
            // No progress without input: fill_input gets more, unless there is none.
            if (s->in_eof) return seer_errorf(SEER_EDATA, "%s: truncated gzip stream", s->path);
        } else if (zrc == Z_MEM_ERROR) {
            return seer_errorf(SEER_ENOMEM, "%s: zlib: out of memory", s->path);
        } else {
            return seer_errorf(SEER_EDATA, "%s: corrupt gzip stream (%s)", s->path,
                               s->z.msg ? s->z.msg : "bad data");
        }
    }
    *got = cap - s->z.avail_out;
    return SEER_OK;
}

static int read_zstd(seer_source *s, char *buf, size_t cap, size_t *got) {
    ZSTD_outBuffer out = {buf, cap, 0};
    while (out.pos == 0) {
        int rc = fill_input(s);
        if (rc != SEER_OK) return rc;
        if (s->in_pos == s->in_n && s->zs_ended) break;
        ZSTD_inBuffer in = {s->in, s->in_n, s->in_pos};
        size_t zrc = ZSTD_decompressStream(s->zs, &out, &in);
        if (ZSTD_isError(zrc))
            return seer_errorf(SEER_EDATA, "%s: corrupt zstd stream (%s)", s->path,
                               ZSTD_getErrorName(zrc));
        int stalled = in.pos == s->in_pos && out.pos == 0;
        s->in_pos = in.pos;
        s->zs_ended = zrc == 0;  // 0: the frame is decoded and flushed
        if (stalled && s->in_pos == s->in_n && s->in_eof)
            return seer_errorf(SEER_EDATA, "%s: truncated zstd stream", s->path);
    }
    *got = out.pos;
    return SEER_OK;
}

int seer_source_open(seer_source **out, const char *path) {
    *out = NULL;
    seer_source *s = calloc(1, sizeof *s);
    if (s) s->path = strdup(path);
    if (s) s->buf = malloc(SEER_SOURCE_CHUNK);
    if (!s || !s->path || !s->buf) {
        seer_source_close(s);
        return seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
    }
    s->fd = -1;
    int rc = start(s);
    if (rc != SEER_OK) {
        seer_source_close(s);
        return rc;
    }
    *out = s;
    return SEER_OK;
}

int seer_source_open_memory(seer_source **out, const void *data, size_t n, const char *name,
                            size_t step) {
    *out = NULL;
    seer_source *s = calloc(1, sizeof *s);
    if (s) s->path = strdup(name);
    if (!s || !s->path) {
        seer_source_close(s);
        return seer_errorf(SEER_ENOMEM, "%s: out of memory", name);
    }
    s->fd = -1;
    // A non-NULL pointer marks a memory source even when n == 0.
    s->mem = data ? data : (const unsigned char *)"";
    s->mem_n = n;
    s->step = step > 0 && step < SEER_SOURCE_CHUNK ? step : SEER_SOURCE_CHUNK;
    int rc = start(s);
    if (rc != SEER_OK) {
        seer_source_close(s);
        return rc;
    }
    *out = s;
    return SEER_OK;
}

int seer_source_read(seer_source *s, char *buf, size_t cap, size_t *got) {
    SEER_ASSERT(cap > 0);
    *got = 0;
    // A decoder is not to be used after an error, so the error sticks until a rewind.
    if (s->failed) return seer_errorf(s->failed, "%s", s->failed_msg);
    if (s->done) return SEER_OK;
    int rc;
    if (s->kind == KIND_GZIP) {
        rc = read_gzip(s, buf, cap, got);
    } else if (s->kind == KIND_ZSTD) {
        rc = read_zstd(s, buf, cap, got);
    } else {
        rc = read_plain(s, buf, cap, got);
    }
    if (rc == SEER_OK && *got == 0) s->done = 1;
    if (rc != SEER_OK) {
        s->failed = rc;
        snprintf(s->failed_msg, sizeof s->failed_msg, "%s", seer_error_message());
    }
    return rc;
}

int seer_source_rewind(seer_source *s) { return start(s); }

const char *seer_source_path(const seer_source *s) { return s->path; }

void seer_source_close(seer_source *s) {
    if (!s) return;
    if (s->fd >= 0) close(s->fd);
    if (s->z_ready) inflateEnd(&s->z);
    ZSTD_freeDStream(s->zs);
    free(s->buf);
    free(s->path);
    free(s);
}
