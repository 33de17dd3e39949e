// The write-ahead log: segments, group-committed appends, the scan that cuts a
// torn tail, ordered reads, truncation by segment. See wal.h for the format
// and the crash reasoning.
#include "serve/wal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/bytes.h"
#include "base/crc32c.h"
#include "base/error.h"
#include "base/sort.h"

// Bytes read from a segment at a time.
#define WINDOW ((size_t)1 << 20)

struct seer_wal {
    int dir_fd, lock_fd;
    pthread_mutex_t mu;
    pthread_cond_t flushed;
    // Under mu: the segments' first sequence numbers, ascending; the last is current.
    uint64_t *seg;
    size_t n_seg, cap_seg;
    int fd;              // the current segment, opened for appending
    uint64_t written;    // the last sequence number written to a segment
    uint64_t tail_last;  // at open: the last record of the last segment (first - 1: none)
    int repair;          // at open: rewrite damaged segments instead of refusing them
    uint64_t covered;    // at open: the last record a snapshot holds
    uint64_t lost;       // at open: records a repair found lost, not counting covered ones
    uint64_t next_seq;   // the next to hand out
    uint64_t durable;    // the last one fsynced (or covered by a snapshot)
    int flushing;        // the syncer is writing
    int err;             // errno of a failed write or fsync: the log is broken
    int cut;             // that write was cut off again: the segment ends at written
    int waiting;         // blocking appenders inside wait_durable
    char *pend, *spare;  // records waiting for the syncer; the buffer it writes
    size_t pend_len, pend_cap, spare_cap;
    // Under mu: asynchronous appenders waiting for their last record to be durable, in
    // sequence order (waiters[head .. n_waiters)).
    struct waiter {
        uint64_t upto;
        seer_wal_done done;
        void *ctx;
    } *waiters;
    size_t head, n_waiters, cap_waiters;
    pthread_cond_t work;   // records are pending, or stop
    pthread_t syncer;
    int syncer_started, stop;
    char dir[];            // the directory, allocated with the struct
};

static void seg_path(const seer_wal *w, uint64_t first, char *out, size_t cap) {
    snprintf(out, cap, "%s/wal-%016" PRIx64 ".log", w->dir, first);
}

// The first sequence number of a segment's file name, or 0 when name is not one.
static uint64_t seg_name_first(const char *name) {
    if (strlen(name) != 24 || strncmp(name, "wal-", 4) != 0 || strcmp(name + 20, ".log") != 0)
        return 0;
    uint64_t v = 0;
    for (int i = 4; i < 20; i++) {
        char c = name[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return 0;
        v = v << 4 | (uint64_t)d;
    }
    return v;
}

static int seg_push(seer_wal *w, uint64_t first) {
    if (w->n_seg == w->cap_seg) {
        size_t cap = w->cap_seg ? 2 * w->cap_seg : 16;
        uint64_t *s = realloc(w->seg, cap * sizeof *s);
        if (!s) return seer_errorf(SEER_ENOMEM, "out of memory listing log segments");
        w->seg = s;
        w->cap_seg = cap;
    }
    w->seg[w->n_seg++] = first;
    return SEER_OK;
}

// A window onto a file, so that records are read a megabyte at a time.
typedef struct {
    int fd;
    char *buf;
    size_t cap, len;
    uint64_t off;
} window;

// Points *p at bytes [off, off + n) of the file: 1, or 0 when the file ends
// first (w->len then says how many bytes there are from off). fresh reads the
// file again even if the window holds the bytes.
static int window_get(window *wd, uint64_t off, size_t n, int fresh, const char **p,
                      const char *path) {
    if (!fresh && off >= wd->off && off + n <= wd->off + wd->len) {
        *p = wd->buf + (off - wd->off);
        return 1;
    }
    size_t want = n > WINDOW ? n : WINDOW;
    if (want > wd->cap) {
        char *b = realloc(wd->buf, want);
        if (!b) return seer_errorf(SEER_ENOMEM, "out of memory reading %s", path);
        wd->buf = b;
        wd->cap = want;
    }
    wd->off = off;
    wd->len = 0;
    while (wd->len < want) {
        ssize_t k = pread(wd->fd, wd->buf + wd->len, want - wd->len, (off_t)(off + wd->len));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
        if (k == 0) break;
        wd->len += (size_t)k;
    }
    *p = wd->buf;
    return wd->len >= n;
}

enum { REC_END, REC_OK, REC_BAD };

typedef struct {
    uint64_t seq;
    const char *data;
    size_t len;
} record;

// The record at off: REC_OK, REC_END (the file ends at off), REC_BAD (short,
// too long or a wrong CRC), or a negative error code.
static int record_at(window *wd, uint64_t off, int fresh, record *r, const char *path) {
    const char *h = NULL;
    int got = window_get(wd, off, SEER_WAL_HEADER, fresh, &h, path);
    if (got < 0) return got;
    if (!got) return wd->len == 0 ? REC_END : REC_BAD;
    size_t len = seer_get_le32(h + 4);
    if (len > SEER_WAL_RECORD_MAX) return REC_BAD;
    got = window_get(wd, off, SEER_WAL_HEADER + len, 0, &h, path);
    if (got < 0) return got;
    if (!got) return REC_BAD;
    if (seer_crc32c(0, h + 4, SEER_WAL_HEADER - 4 + len) != seer_get_le32(h)) return REC_BAD;
    r->seq = seer_get_le64(h + 8);
    r->data = h + SEER_WAL_HEADER;
    r->len = len;
    return REC_OK;
}

static int fsync_dir(seer_wal *w) {
    if (fsync(w->dir_fd) != 0)
        return seer_errorf(SEER_EIO, "%s: fsync of the directory failed: %s", w->dir,
                           strerror(errno));
    return SEER_OK;
}

// The first whole record after damage at off: at an offset past off, with a
// valid CRC and a sequence number from expected on, and no more records
// missing than the damaged bytes could have held (each took at least a
// header). That bound, with the CRC, keeps the bytes of a payload from
// passing for a record. 1 with *at and *r, 0 when there is none.
static int resync(window *wd, uint64_t off, uint64_t size, uint64_t expected, uint64_t *at,
                  record *r, const char *path) {
    for (uint64_t p = off + 1; p + SEER_WAL_HEADER <= size; p++) {
        const char *h = NULL;
        int got = window_get(wd, p, SEER_WAL_HEADER, 0, &h, path);
        if (got <= 0) return got;
        uint64_t len = seer_get_le32(h + 4), seq = seer_get_le64(h + 8);
        if (len > SEER_WAL_RECORD_MAX || p + SEER_WAL_HEADER + len > size) continue;
        if (seq < expected || seq - expected > (p - off) / SEER_WAL_HEADER) continue;
        int k = record_at(wd, p, 0, r, path);
        if (k < 0) return k;
        if (k == REC_OK && r->seq == seq) {
            *at = p;
            return 1;
        }
    }
    return 0;
}

static uint64_t file_size(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

// Checks the records of the segment starting at first (next: the first
// sequence number of the segment after it, 0 for the last one); *last gets
// the last one's sequence number (first - 1 when it has none). A bad record
// in the last segment with no whole record after it is a torn tail, cut off.
// A bad record followed by whole ones, or any in an earlier segment, is
// damage: SEER_EDATA, or *damaged = 1 with repair.
static int scan_segment(seer_wal *w, uint64_t first, uint64_t next, int repair, uint64_t *last,
                        int *damaged) {
    char path[4096];
    seg_path(w, first, path, sizeof path);
    *damaged = 0;
    window wd = {open(path, (next ? O_RDONLY : O_RDWR) | O_CLOEXEC), NULL, 0, 0, 0};
    if (wd.fd < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    uint64_t off = 0, expected = first, size = file_size(wd.fd);
    int rc = SEER_OK;
    for (;;) {
        record r;
        int k = record_at(&wd, off, 0, &r, path);
        if (k < 0) {
            rc = k;
            break;
        }
        if (k == REC_END) break;
        if (k == REC_OK && r.seq == expected) {
            off += SEER_WAL_HEADER + r.len;
            expected++;
            continue;
        }
        uint64_t at;
        int found = resync(&wd, off, size, expected, &at, &r, path);
        if (found < 0) {
            rc = found;
            break;
        }
        if (found || next) {
            *damaged = 1;
            if (!repair)
                rc = seer_errorf(SEER_EDATA, "%s: record %" PRIu64 " at offset %" PRIu64
                                 " is damaged and the log goes on after it (not a crash's "
                                 "unfinished append); seer serve --wal-repair drops the damaged "
                                 "records and keeps the rest", path, expected, off);
            break;
        }
        if (ftruncate(wd.fd, (off_t)off) != 0 || fsync(wd.fd) != 0) {
            rc = seer_errorf(SEER_EIO, "%s: cannot cut the torn tail: %s", path,
                             strerror(errno));
            break;
        }
        fprintf(stderr, "seer: %s: cut an unfinished record (%" PRIu64 " bytes at offset %"
                PRIu64 ") left by a crash\n", path, size - off, off);
        break;
    }
    close(wd.fd);
    free(wd.buf);
    *last = expected - 1;
    return rc;
}

// How many of the records from .. to - 1 a snapshot does not hold.
static uint64_t uncovered(const seer_wal *w, uint64_t from, uint64_t to) {
    return to > w->covered ? to - (from > w->covered ? from : w->covered + 1) : 0;
}

// Writes the placeholders of the lost records from .. to - 1 (see wal.h).
static int put_lost(FILE *f, uint64_t from, uint64_t to) {
    char h[SEER_WAL_HEADER];
    for (uint64_t s = from; s < to; s++) {
        seer_put_le32(h + 4, 0);
        seer_put_le64(h + 8, s);
        seer_put_le32(h, seer_crc32c(0, h + 4, SEER_WAL_HEADER - 4));
        if (fwrite(h, 1, sizeof h, f) != sizeof h) return 0;
    }
    return 1;
}

// Rewrites the segment starting at first through a temporary file: its whole
// records in order, a placeholder for each record lost in damaged bytes or
// missing before the next segment (next, 0 for the last segment), nothing of
// a torn tail. *last as for scan_segment; w->lost counts the placeholders
// of records no snapshot holds.
static int repair_segment(seer_wal *w, uint64_t first, uint64_t next, uint64_t *last) {
    char path[4096];
    seg_path(w, first, path, sizeof path);
    window wd = {open(path, O_RDONLY | O_CLOEXEC), NULL, 0, 0, 0};
    if (wd.fd < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    uint64_t off = 0, expected = first, size = file_size(wd.fd), lost = 0;
    seer_atomic_file a;
    int rc = seer_atomic_open(&a, path), werr = 0;
    while (rc == SEER_OK) {
        record r;
        int k = record_at(&wd, off, 0, &r, path);
        if (k < 0) rc = k;
        if (k < 0 || k == REC_END) break;
        uint64_t at = off;
        if (k != REC_OK || r.seq != expected) {
            int found = resync(&wd, off, size, expected, &at, &r, path);
            if (found < 0) rc = found;
            if (found <= 0) break;
            fprintf(stderr, "seer: %s: dropped %" PRIu64 " damaged bytes at offset %" PRIu64
                    ", which held %" PRIu64 " event%s\n", path, at - off, off, r.seq - expected,
                    r.seq - expected == 1 ? "" : "s");
            if (!put_lost(a.f, expected, r.seq)) {
                werr = errno;
                break;
            }
            lost += uncovered(w, expected, r.seq);
            expected = r.seq;
        }
        if (fwrite(r.data - SEER_WAL_HEADER, 1, SEER_WAL_HEADER + r.len, a.f) !=
            SEER_WAL_HEADER + r.len) {
            werr = errno;
            break;
        }
        off = at + SEER_WAL_HEADER + r.len;
        expected++;
    }
    if (rc == SEER_OK && !werr && off < size)
        fprintf(stderr, "seer: %s: dropped %" PRIu64 " bytes at offset %" PRIu64 " with no whole "
                "record after them\n", path, size - off, off);
    if (rc == SEER_OK && next > expected) {
        if (next - expected > SEER_WAL_REPAIR_MAX)
            rc = seer_errorf(SEER_EDATA, "%s: the log lacks events %" PRIu64 " to %" PRIu64
                             ", more than a repair fills in (%llu)", path, expected, next - 1,
                             (unsigned long long)SEER_WAL_REPAIR_MAX);
        else if (!put_lost(a.f, expected, next))
            werr = errno;
        else
            fprintf(stderr, "seer: %s: events %" PRIu64 " to %" PRIu64 " are missing before "
                    "the next segment\n", path, expected, next - 1);
        lost += uncovered(w, expected, next);
        expected = next;
    }
    if (rc == SEER_OK && werr)
        rc = seer_errorf(SEER_EIO, "%s: writing the repaired copy failed (the segment is left as "
                         "it was): %s", path, strerror(werr));
    if (rc == SEER_OK) rc = seer_atomic_commit(&a);
    else if (a.f) seer_atomic_abort(&a);
    close(wd.fd);
    free(wd.buf);
    if (rc == SEER_OK) {
        fprintf(stderr, "seer: %s: repaired, %" PRIu64 " event%s lost\n", path, lost,
                lost == 1 ? "" : "s");
        w->lost += lost;
    }
    *last = expected - 1;
    return rc;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return errno;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

// Creates the segment for records from first on, durably, and makes it current.
static int start_segment(seer_wal *w, uint64_t first) {
    char path[4096];
    seg_path(w, first, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    int rc = fsync_dir(w);
    if (rc == SEER_OK) rc = seg_push(w, first);
    if (rc != SEER_OK) {
        close(fd);
        unlink(path);
        return rc;
    }
    if (w->fd >= 0) close(w->fd);
    w->fd = fd;
    return SEER_OK;
}

// Lists the segment files of the directory, ascending.
static int list_segments(seer_wal *w) {
    DIR *d = opendir(w->dir);
    if (!d) return seer_errorf(SEER_EIO, "%s: %s", w->dir, strerror(errno));
    struct dirent *e;
    int rc = SEER_OK;
    while (rc == SEER_OK && (e = readdir(d))) {
        uint64_t first = seg_name_first(e->d_name);
        if (first) rc = seg_push(w, first);
    }
    closedir(d);
    if (w->n_seg) seer_sort_u64(w->seg, w->n_seg);
    return rc;
}

// Drops segments i (not the last) whose successor starts at or before
// covered + 1: every record of them is covered. Returns how many went.
static size_t drop_covered(seer_wal *w, uint64_t covered, uint64_t *gone) {
    size_t k = 0;
    while (k + 1 < w->n_seg && w->seg[k + 1] <= covered + 1) {
        gone[k] = w->seg[k];
        k++;
    }
    if (k) memmove(w->seg, w->seg + k, (w->n_seg - k) * sizeof *w->seg);
    w->n_seg -= k;
    return k;
}

static int unlink_segments(seer_wal *w, const uint64_t *gone, size_t k) {
    char path[4096];
    for (size_t i = 0; i < k; i++) {
        seg_path(w, gone[i], path, sizeof path);
        if (unlink(path) != 0 && errno != ENOENT)
            return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    }
    return k ? fsync_dir(w) : SEER_OK;
}

static int open_dir(seer_wal *w, const char *dir) {
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return seer_errorf(SEER_EIO, "%s: cannot create the log directory: %s", dir,
                           strerror(errno));
    w->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w->dir_fd < 0) return seer_errorf(SEER_EIO, "%s: %s", dir, strerror(errno));
    char path[4096];
    snprintf(path, sizeof path, "%s/LOCK", dir);
    w->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (w->lock_fd < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    if (flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return seer_errorf(SEER_EIO, "%s: the log is in use by another process (%s)", dir,
                           strerror(errno));
    return SEER_OK;
}

// Scans the segments left after dropping covered ones; sets written.
static int scan_all(seer_wal *w, uint64_t covered) {
    char path[4096];
    uint64_t last = covered;
    for (size_t i = 0; i < w->n_seg; i++) {
        uint64_t first = w->seg[i];
        seg_path(w, first, path, sizeof path);
        if (first > last + 1)
            return seer_errorf(SEER_EDATA, "%s: the log lacks events %" PRIu64 " to %" PRIu64,
                               path, last + 1, first - 1);
        uint64_t seg_last = 0, next = i + 1 < w->n_seg ? w->seg[i + 1] : 0;
        int damaged;
        int rc = scan_segment(w, first, next, w->repair, &seg_last, &damaged);
        if (rc == SEER_OK && w->repair && (damaged || seg_last + 1 < next))
            rc = repair_segment(w, first, next, &seg_last);
        if (rc != SEER_OK) return rc;
        if (i + 1 < w->n_seg && seg_last + 1 > w->seg[i + 1])
            return seer_errorf(SEER_EDATA, "%s: ends at event %" PRIu64
                               " but the next segment starts at %" PRIu64, path, seg_last,
                               w->seg[i + 1]);
        if (i + 1 < w->n_seg && seg_last + 1 < w->seg[i + 1] && seg_last >= first)
            return seer_errorf(SEER_EDATA, "%s: the log lacks events %" PRIu64 " to %" PRIu64,
                               path, seg_last + 1, w->seg[i + 1] - 1);
        if (seg_last > last) last = seg_last;
        w->tail_last = seg_last;
    }
    w->written = last;
    return SEER_OK;
}

// Opens the last segment for appending when the next record belongs there,
// else starts a new one (removing the last when it is empty).
static int open_current(seer_wal *w) {
    char path[4096];
    uint64_t next = w->written + 1;
    if (w->n_seg) {
        uint64_t first = w->seg[w->n_seg - 1];
        seg_path(w, first, path, sizeof path);
        struct stat st;
        if (stat(path, &st) != 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
        // The last segment continues to next when its records end at written
        // (a snapshot may cover more than the log holds), or it is empty and named next.
        int continues = st.st_size > 0 ? w->tail_last == w->written : first == next;
        if (continues) {
            w->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
            if (w->fd < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
            return SEER_OK;
        }
        if (st.st_size == 0) {
            if (unlink(path) != 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
            w->n_seg--;
        }
    }
    return start_segment(w, next);
}

static void *syncer_main(void *arg);

static int open_log(seer_wal **out, const char *dir, uint64_t covered, int repair,
                    uint64_t *lost) {
    *out = NULL;
    seer_wal *w = calloc(1, sizeof *w + strlen(dir) + 1);
    if (!w) return seer_errorf(SEER_ENOMEM, "out of memory opening the log %s", dir);
    strcpy(w->dir, dir);
    w->dir_fd = w->lock_fd = w->fd = -1;
    w->repair = repair;
    w->covered = covered;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->flushed, NULL);
    pthread_cond_init(&w->work, NULL);
    int rc = open_dir(w, dir);
    if (rc == SEER_OK) rc = list_segments(w);
    if (rc == SEER_OK) {
        uint64_t *gone = malloc((w->n_seg + 1) * sizeof *gone);
        if (!gone) rc = seer_errorf(SEER_ENOMEM, "out of memory opening the log %s", dir);
        size_t k = gone ? drop_covered(w, covered, gone) : 0;
        if (rc == SEER_OK) rc = unlink_segments(w, gone, k);
        free(gone);
    }
    if (rc == SEER_OK) rc = scan_all(w, covered);
    if (rc == SEER_OK) rc = open_current(w);
    w->durable = w->written;
    w->next_seq = w->written + 1;
    if (rc == SEER_OK) {
        if (pthread_create(&w->syncer, NULL, syncer_main, w) == 0) w->syncer_started = 1;
        else rc = seer_errorf(SEER_EIO, "%s: cannot start the log's writer thread", dir);
    }
    if (rc != SEER_OK) {
        seer_wal_close(w);
        return rc;
    }
    if (lost) *lost = w->lost;
    *out = w;
    return SEER_OK;
}

int seer_wal_open(seer_wal **out, const char *dir, uint64_t covered) {
    return open_log(out, dir, covered, 0, NULL);
}

int seer_wal_open_repair(seer_wal **out, const char *dir, uint64_t covered, uint64_t *lost) {
    return open_log(out, dir, covered, 1, lost);
}

// Adds n records to the pending buffer, numbered from w->next_seq. Under mu.
static int add_pending(seer_wal *w, const char *const *data, const size_t *lens, size_t n) {
    size_t need = 0;
    for (size_t i = 0; i < n; i++) need += SEER_WAL_HEADER + lens[i];
    if (w->pend_len + need > w->pend_cap) {
        size_t cap = w->pend_cap ? w->pend_cap : 65536;
        while (cap < w->pend_len + need) cap *= 2;
        char *p = realloc(w->pend, cap);
        if (!p) return seer_errorf(SEER_ENOMEM, "out of memory appending to the log");
        w->pend = p;
        w->pend_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        char *h = w->pend + w->pend_len;
        seer_put_le32(h + 4, (uint32_t)lens[i]);
        seer_put_le64(h + 8, w->next_seq++);
        memcpy(h + SEER_WAL_HEADER, data[i], lens[i]);
        seer_put_le32(h, seer_crc32c(0, h + 4, SEER_WAL_HEADER - 4 + lens[i]));
        w->pend_len += SEER_WAL_HEADER + lens[i];
    }
    return SEER_OK;
}

// One flush: writes the pending records with one write and one fdatasync,
// outside the lock. Called and returns with mu held, by the syncer only.
static void flush_pending(seer_wal *w) {
    w->flushing = 1;
    char *buf = w->pend;
    size_t len = w->pend_len, cap = w->pend_cap;
    uint64_t upto = w->next_seq - 1;
    w->pend = w->spare;
    w->pend_cap = w->spare_cap;
    w->pend_len = 0;
    int fd = w->fd;
    pthread_mutex_unlock(&w->mu);
    off_t end = lseek(fd, 0, SEEK_END);  // the segment's durable records end here
    int err = end < 0 ? errno : write_all(fd, buf, len), wrote = !err;
    if (!err && fdatasync(fd) != 0) err = errno;
    // A flush that failed (the disk full, say, after part of it was written) is cut off again,
    // so that records nobody was told are logged are not replayed at the next start; where the
    // cut fails too, they may be, as after a crash between the write and the answer.
    int cut = err && end >= 0 && ftruncate(fd, end) == 0 && fdatasync(fd) == 0;
    pthread_mutex_lock(&w->mu);
    w->spare = buf;
    w->spare_cap = cap;
    if (err) {
        if (!w->err) w->err = err;
        // Only a write refused for room may be tried again: after a failed fdatasync the
        // kernel's copy of the file is in doubt.
        w->cut = cut && !wrote && (err == ENOSPC || err == EDQUOT || err == EFBIG);
    } else {
        w->written = w->durable = upto;
    }
    w->flushing = 0;
    pthread_cond_broadcast(&w->flushed);
}

// Calls back the asynchronous appenders whose records are now durable (all of them
// once the log is broken), outside the lock. Called and returns with mu held.
static void answer_waiters(seer_wal *w) {
    while (w->head < w->n_waiters &&
           (w->err || w->waiters[w->head].upto <= w->durable)) {
        struct waiter x = w->waiters[w->head++];
        int err = w->err;
        pthread_mutex_unlock(&w->mu);
        int rc = err ? seer_errorf(SEER_EIO, "%s: writing the log failed: %s", w->dir,
                                   strerror(err))
                     : SEER_OK;
        x.done(x.ctx, rc, x.upto);
        pthread_mutex_lock(&w->mu);
    }
    if (w->head == w->n_waiters) w->head = w->n_waiters = 0;
}

// The log's one writer (group commit): whatever was appended while the last
// fdatasync ran goes out with the next one, and then the appenders hear of it.
static void *syncer_main(void *arg) {
    seer_wal *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->pend_len && !w->stop) pthread_cond_wait(&w->work, &w->mu);
        if (!w->pend_len) break;   // stopping, and nothing left to write
        if (w->err) {              // broken: nothing more is written
            w->pend_len = 0;
            pthread_cond_broadcast(&w->flushed);
        } else {
            flush_pending(w);
        }
        answer_waiters(w);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

// A log stopped by a write refused for room and cut off again goes on once every append it
// refused has been answered (so no waiter can take a later record's number for its own):
// numbered on from its last durable record, the next write is tried. Under mu.
static void go_on(seer_wal *w) {
    if (w->err && w->cut && !w->flushing && !w->pend_len && w->head == w->n_waiters &&
        !w->waiting) {
        w->err = w->cut = 0;
        w->next_seq = w->written + 1;
    }
}

// Checks the payloads' sizes and queues the records for the syncer; under mu on return
// (also on failure), with *last the last record's sequence number.
static int enqueue(seer_wal *w, const char *const *data, const size_t *lens, size_t n,
                   uint64_t *last) {
    for (size_t i = 0; i < n; i++)
        if (lens[i] == 0 || lens[i] > SEER_WAL_RECORD_MAX) {
            pthread_mutex_lock(&w->mu);
            if (lens[i] == 0)   // the mark of a record lost to damage (wal.h)
                return seer_errorf(SEER_EINVAL, "a log record may not be empty");
            return seer_errorf(SEER_EINVAL, "a log record of %zu bytes is over the limit of %zu",
                               lens[i], SEER_WAL_RECORD_MAX);
        }
    pthread_mutex_lock(&w->mu);
    go_on(w);
    if (w->err && w->cut)
        return seer_errorf(SEER_EIO, "%s: writing the log failed: %s (nothing logged; a later "
                           "append tries again)", w->dir, strerror(w->err));
    if (w->err)
        return seer_errorf(SEER_EIO, "%s: the log stopped at an earlier failure (%s): nothing "
                           "more is logged until it is opened again", w->dir, strerror(w->err));
    int rc = add_pending(w, data, lens, n);
    *last = w->next_seq - 1;
    if (rc == SEER_OK) pthread_cond_signal(&w->work);
    return rc;
}

// Returns once record mine is durable or the log is broken. Under mu.
static void wait_durable(seer_wal *w, uint64_t mine) {
    w->waiting++;
    while (w->durable < mine && !w->err) pthread_cond_wait(&w->flushed, &w->mu);
    w->waiting--;
}

int seer_wal_append(seer_wal *w, const char *const *data, const size_t *lens, size_t n,
                    uint64_t *last_seq) {
    uint64_t mine = 0;
    int rc = enqueue(w, data, lens, n, &mine);
    if (rc != SEER_OK) {  // said by enqueue
        pthread_mutex_unlock(&w->mu);
        return rc;
    }
    wait_durable(w, mine);
    int err = w->err, lost = w->durable < mine;
    pthread_mutex_unlock(&w->mu);
    if (lost)
        return seer_errorf(SEER_EIO, "%s: writing the log failed: %s", w->dir, strerror(err));
    *last_seq = mine;
    return SEER_OK;
}

int seer_wal_append_async(seer_wal *w, const char *const *data, const size_t *lens, size_t n,
                          seer_wal_done done, void *ctx) {
    uint64_t mine = 0;
    int rc = enqueue(w, data, lens, n, &mine);
    if (rc == SEER_OK && w->n_waiters == w->cap_waiters) {
        if (w->head) {   // reuse the answered front
            memmove(w->waiters, w->waiters + w->head,
                    (w->n_waiters - w->head) * sizeof *w->waiters);
            w->n_waiters -= w->head;
            w->head = 0;
        } else {
            size_t cap = w->cap_waiters ? 2 * w->cap_waiters : 64;
            struct waiter *p = realloc(w->waiters, cap * sizeof *p);
            if (p) {
                w->waiters = p;
                w->cap_waiters = cap;
            }
        }
    }
    if (rc == SEER_OK && w->n_waiters == w->cap_waiters) {
        // Out of memory for the waiter: its records are queued already, so wait for
        // them here, as a blocking append does, rather than lose the answer.
        wait_durable(w, mine);
        int err = w->err;
        pthread_mutex_unlock(&w->mu);
        rc = err ? seer_errorf(SEER_EIO, "%s: writing the log failed: %s", w->dir,
                               strerror(err))
                 : SEER_OK;
        done(ctx, rc, mine);
        return SEER_OK;
    }
    if (rc == SEER_OK) w->waiters[w->n_waiters++] = (struct waiter){mine, done, ctx};
    pthread_mutex_unlock(&w->mu);
    return rc;
}

// What the log's readers outside it may ask, read under the lock.
typedef struct {
    uint64_t durable;
    size_t n_seg;
} wal_state;

static wal_state state_of(seer_wal *w) {
    pthread_mutex_lock(&w->mu);
    wal_state st = {w->durable, w->n_seg};
    pthread_mutex_unlock(&w->mu);
    return st;
}

uint64_t seer_wal_last_seq(seer_wal *w) { return state_of(w).durable; }

int seer_wal_rotate(seer_wal *w) {
    pthread_mutex_lock(&w->mu);
    while (w->flushing) pthread_cond_wait(&w->flushed, &w->mu);
    go_on(w);  // a snapshot after a full disk need not wait for the next event
    int rc = SEER_OK;
    if (w->err) rc = seer_errorf(SEER_EIO, "%s: the log is broken by an earlier failure", w->dir);
    else if (w->written >= w->seg[w->n_seg - 1]) rc = start_segment(w, w->written + 1);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int seer_wal_truncate(seer_wal *w, uint64_t covered) {
    pthread_mutex_lock(&w->mu);
    uint64_t *gone = malloc((w->n_seg + 1) * sizeof *gone);
    size_t k = gone ? drop_covered(w, covered, gone) : 0;
    pthread_mutex_unlock(&w->mu);
    if (!gone) return seer_errorf(SEER_ENOMEM, "out of memory truncating the log");
    int rc = unlink_segments(w, gone, k);
    free(gone);
    return rc;
}

size_t seer_wal_segments(seer_wal *w) { return state_of(w).n_seg; }

void seer_wal_close(seer_wal *w) {
    if (!w) return;
    if (w->syncer_started) {   // it writes what is pending and answers its waiters first
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_signal(&w->work);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->syncer, NULL);
    }
    if (w->fd >= 0) close(w->fd);
    if (w->dir_fd >= 0) close(w->dir_fd);
    if (w->lock_fd >= 0) close(w->lock_fd);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->flushed);
    pthread_cond_destroy(&w->work);
    free(w->waiters);
    free(w->seg);
    free(w->pend);
    free(w->spare);
    free(w);
}

// The first sequence number of the segment that holds seq (0 when none).
static uint64_t segment_of(seer_wal *w, uint64_t seq) {
    pthread_mutex_lock(&w->mu);
    uint64_t first = 0;
    for (size_t i = 0; i < w->n_seg && w->seg[i] <= seq; i++) first = w->seg[i];
    pthread_mutex_unlock(&w->mu);
    return first;
}

// Makes the segment starting at first the one being read, from its start.
static int reader_switch(seer_wal_reader *r, uint64_t first) {
    char path[4096];
    seg_path(r->w, first, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    if (r->fd >= 0) close(r->fd);
    r->fd = fd;
    r->seg_first = first;
    r->off = 0;
    r->buf_len = 0;
    r->buf_off = 0;
    return SEER_OK;
}

// The record at the reader's offset, through its window.
static int reader_record(seer_wal_reader *r, int fresh, record *rec) {
    window wd = {r->fd, r->buf, r->cap, r->buf_len, r->buf_off};
    char path[4096];
    seg_path(r->w, r->seg_first, path, sizeof path);
    int k = record_at(&wd, r->off, fresh, rec, path);
    r->buf = wd.buf;
    r->cap = wd.cap;
    r->buf_len = wd.len;
    r->buf_off = wd.off;
    return k;
}

int seer_wal_reader_init(seer_wal_reader *r, seer_wal *w, uint64_t after_seq) {
    memset(r, 0, sizeof *r);
    r->w = w;
    r->fd = -1;
    r->next_seq = after_seq + 1;
    uint64_t first = segment_of(w, r->next_seq);
    if (!first) {
        pthread_mutex_lock(&w->mu);
        first = w->seg[0];
        pthread_mutex_unlock(&w->mu);
    }
    int rc = reader_switch(r, first);
    // Skip the records at or before after_seq.
    while (rc == SEER_OK) {
        record rec;
        int k = reader_record(r, 0, &rec);
        if (k < 0) rc = k;
        if (k != REC_OK || rec.seq >= r->next_seq) break;
        r->off += SEER_WAL_HEADER + rec.len;
    }
    if (rc != SEER_OK) seer_wal_reader_free(r);
    return rc;
}

int seer_wal_next(seer_wal_reader *r, uint64_t limit, const char **data, size_t *len,
                  uint64_t *seq) {
    if (r->next_seq > limit) return 0;
    record rec;
    // The window may have been read before the record was written: then read
    // again, and at the end of a segment move to the one that holds it.
    for (int attempt = 0; attempt < 3; attempt++) {
        int k = reader_record(r, attempt > 0, &rec);
        if (k < 0) return k;
        if (k == REC_OK && rec.seq == r->next_seq) {
            r->off += SEER_WAL_HEADER + rec.len;
            r->next_seq++;
            *data = rec.data;
            *len = rec.len;
            *seq = rec.seq;
            return 1;
        }
        uint64_t first = segment_of(r->w, r->next_seq);
        if (k == REC_END && attempt > 0 && first != r->seg_first) {
            int rc = reader_switch(r, first);
            if (rc != SEER_OK) return rc;
        }
    }
    char path[4096];
    seg_path(r->w, r->seg_first, path, sizeof path);
    return seer_errorf(SEER_EDATA, "%s: record %" PRIu64 " at offset %" PRIu64
                       " is missing or damaged", path, r->next_seq, r->off);
}

void seer_wal_reader_free(seer_wal_reader *r) {
    if (r->fd >= 0) close(r->fd);
    free(r->buf);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}
