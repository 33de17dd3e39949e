// The ends of the online learner's partial steps (step_ends.h).
#include "serve/step_ends.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/bytes.h"
#include "base/crc32c.h"
#include "base/error.h"

#define ENTRY 16
// The most ends read back: a partial step happens at most once a publish interval, and a
// snapshot empties the file, so a million is days of steps without a snapshot.
#define ENDS_MAX ((size_t)1 << 20)

static int io_error(const seer_step_ends *s, const char *what) {
    return seer_errorf(SEER_EIO, "%s: %s: %s", s->path, what, strerror(errno));
}

static int keep(seer_step_ends *s, uint64_t seq) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        uint64_t *p = realloc(s->ends, cap * sizeof *p);
        if (!p) return seer_errorf(SEER_ENOMEM, "out of memory reading %s", s->path);
        s->ends = p;
        s->cap = cap;
    }
    s->ends[s->n++] = seq;
    return SEER_OK;
}

// Reads the entries after covered; stops, saying so, at the first one that is torn, fails its
// checksum or is out of order. *good: the bytes before it.
static int read_ends(seer_step_ends *s, uint64_t covered, off_t *good) {
    unsigned char e[ENTRY];
    uint64_t last = 0;
    for (*good = 0;; *good += ENTRY) {
        ssize_t k;
        do k = pread(s->fd, e, ENTRY, *good);
        while (k < 0 && errno == EINTR);
        if (k < 0) return io_error(s, "read failed");
        if (k == 0) return SEER_OK;
        uint64_t seq = seer_get_le64(e);
        const char *bad = k < ENTRY                                       ? "torn"
                          : seer_crc32c(0, e, 8) != seer_get_le32(e + 8) ? "damaged"
                          : seq <= last                                   ? "out of order"
                          : s->n == ENDS_MAX                              ? "past the limit"
                                                                           : NULL;
        if (bad) {
            fprintf(stderr, "seer: %s: entry at byte %lld %s: a replay steps on full batches "
                    "from event %llu on\n", s->path, (long long)*good, bad,
                    (unsigned long long)last + 1);
            return SEER_OK;
        }
        last = seq;
        if (seq > covered) {
            int rc = keep(s, seq);
            if (rc != SEER_OK) return rc;
        }
    }
}

int seer_step_ends_open(seer_step_ends *s, const char *dir, uint64_t covered) {
    memset(s, 0, sizeof *s);
    s->fd = -1;
    size_t n = strlen(dir) + sizeof "/steps";
    if (!(s->path = malloc(n))) return seer_errorf(SEER_ENOMEM, "out of memory");
    snprintf(s->path, n, "%s/steps", dir);
    s->fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    off_t good = 0;
    int rc = s->fd >= 0 ? read_ends(s, covered, &good) : io_error(s, "cannot open");
    // Appends go after the last good entry: what follows a bad one is cut off.
    struct stat st;
    if (rc == SEER_OK && fstat(s->fd, &st) != 0) rc = io_error(s, "cannot stat");
    if (rc == SEER_OK && st.st_size != good && ftruncate(s->fd, good) != 0)
        rc = io_error(s, "cannot cut a bad entry off");
    if (rc != SEER_OK) seer_step_ends_close(s);
    return rc;
}

uint64_t seer_step_ends_after(seer_step_ends *s, uint64_t seq) {
    while (s->next < s->n && s->ends[s->next] <= seq) s->next++;
    return s->next < s->n ? s->ends[s->next] : 0;
}

static void entry(unsigned char *e, uint64_t seq) {
    memset(e, 0, ENTRY);
    seer_put_le64(e, seq);
    seer_put_le32(e + 8, seer_crc32c(0, e, 8));
}

int seer_step_ends_add(seer_step_ends *s, uint64_t seq) {
    unsigned char e[ENTRY];
    entry(e, seq);
    off_t end = lseek(s->fd, 0, SEEK_END);
    if (end < 0) return io_error(s, "cannot seek");
    for (size_t put = 0; put < ENTRY;) {
        ssize_t k = pwrite(s->fd, e + put, ENTRY - put, end + (off_t)put);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            int rc = io_error(s, "write failed");
            if (ftruncate(s->fd, end) != 0) {}  // the next entry then starts on a whole one
            return rc;
        }
        put += (size_t)k;
    }
    if (fdatasync(s->fd) != 0) return io_error(s, "fdatasync failed");
    return SEER_OK;
}

int seer_step_ends_forget(seer_step_ends *s, uint64_t covered) {
    seer_step_ends_after(s, covered);
    if (s->next) memmove(s->ends, s->ends + s->next, (s->n - s->next) * sizeof *s->ends);
    s->n -= s->next;
    s->next = 0;
    if (s->n == 0) {  // the usual case: a snapshot of the learner's model holds every step
        if (ftruncate(s->fd, 0) != 0) return io_error(s, "cannot empty");
        if (fdatasync(s->fd) != 0) return io_error(s, "fdatasync failed");
        return SEER_OK;
    }
    // A snapshot in the middle of a replay: the ends still ahead are written anew, whole.
    seer_atomic_file a;
    int rc = seer_atomic_open(&a, s->path);
    unsigned char e[ENTRY];
    for (size_t i = 0; rc == SEER_OK && i < s->n; i++) {
        entry(e, s->ends[i]);
        if (fwrite(e, ENTRY, 1, a.f) != 1) rc = io_error(s, "write failed");
    }
    if (rc != SEER_OK) {
        seer_atomic_abort(&a);
        return rc;
    }
    if ((rc = seer_atomic_commit(&a)) != SEER_OK) return rc;
    int fd = open(s->path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return io_error(s, "cannot open");
    close(s->fd);
    s->fd = fd;
    return SEER_OK;
}

void seer_step_ends_close(seer_step_ends *s) {
    if (s->fd >= 0) close(s->fd);
    free(s->path);
    free(s->ends);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}
