// Growing columnar buffers of encoded rows, in memory or in a mapped cache file.
#include "data/dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/error.h"
#include "base/mem.h"

void seer_dataset_init(seer_dataset *d, size_t S, size_t n_dense) {
    memset(d, 0, sizeof *d);
    d->S = S;
    d->n_dense = d->n_held = n_dense;
}

void seer_dataset_use_pack(seer_dataset *d, const seer_dense_pack *pack) {
    SEER_ASSERT(!d->dense && !d->map && d->rows == 0);
    if (!pack || !pack->n_runs) return;
    SEER_ASSERT(pack->n_dense == d->n_dense);
    d->pack = pack;
    d->n_held = pack->n_held;
}

void seer_dataset_put_dense(seer_dataset *d, size_t i, const float *dense) {
    float *to = d->dense + i * d->n_held;
    if (d->pack) seer_dense_pack_row(d->pack, dense, to);
    else memcpy(to, dense, d->n_dense * sizeof *to);
}

void seer_dataset_dense_row(const seer_dataset *d, size_t i, float *out) {
    const float *from = d->dense + i * d->n_held;
    if (d->pack) seer_dense_unpack_row(d->pack, from, out);
    else memcpy(out, from, d->n_dense * sizeof *out);
}

void seer_dataset_prefetch_row(const seer_dataset *d, size_t i) {
    const char *ids = (const char *)(d->ids + i * d->S);
    const char *dense = (const char *)(d->dense + i * d->n_held);
    for (size_t k = 0; k < d->S * sizeof *d->ids; k += 64) __builtin_prefetch(ids + k);
    for (size_t k = 0; k < d->n_held * sizeof *d->dense; k += 64) __builtin_prefetch(dense + k);
}

const float *seer_dataset_dense_rows(const seer_dataset *d, size_t first, size_t n,
                                     float *scratch) {
    if (!d->pack) return d->dense + first * d->n_dense;
    for (size_t i = 0; i < n; i++) seer_dataset_dense_row(d, first + i, scratch + i * d->n_dense);
    return scratch;
}

int seer_dataset_reserve(seer_dataset *d, size_t cap) {
    if (cap <= d->cap) return SEER_OK;
    uint32_t *ids = realloc(d->ids, cap * (d->S ? d->S : 1) * sizeof *ids);
    if (ids) d->ids = ids;
    float *dense = realloc(d->dense, cap * (d->n_held ? d->n_held : 1) * sizeof *dense);
    if (dense) d->dense = dense;
    float *y = realloc(d->y, cap * sizeof *y);
    if (y) d->y = y;
    if (!ids || !dense || !y)
        return seer_errorf(SEER_ENOMEM, "out of memory holding %zu encoded rows", cap);
    d->cap = cap;
    return SEER_OK;
}

// 64-byte aligned sizes of the three arrays for cap rows.
static size_t align64(size_t n) { return (n + 63) / 64 * 64; }

int seer_dataset_map(seer_dataset *d, const char *path, size_t cap) {
    SEER_ASSERT(!d->ids && !d->map);
    size_t a = align64(cap * d->S * sizeof(uint32_t)), b = align64(cap * d->n_held * 4);
    size_t bytes = a + b + align64(cap * 4) + 64;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    // The descriptor, then the mapping, keeps the file alive: unlinked at once,
    // nothing is left behind on any exit, kill -9 included.
    unlink(path);
    int rc = SEER_OK;
    struct rlimit lim;
    int err = 0;
    // Past the file size limit (ulimit -f) the system kills the process with
    // SIGXFSZ rather than fail the call: say so first.
    if (getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY &&
        (uint64_t)bytes > (uint64_t)lim.rlim_cur) {
        rc = seer_errorf(SEER_EIO, "%s: the cache of encoded rows (%zu bytes) exceeds the file "
                         "size limit of %llu bytes (ulimit -f); raise it or train with --cache "
                         "off", path, bytes, (unsigned long long)lim.rlim_cur);
    } else if ((err = posix_fallocate(fd, 0, (off_t)bytes)) != 0) {
        // Reserve the blocks, not just the size: pages of a sparse file that the
        // file system cannot back when they are first written kill the process
        // with SIGBUS; a full disk must be an error here instead.
        rc = seer_errorf(SEER_EIO, "%s: %s the cache of encoded rows (%zu bytes): %s; %s or "
                         "train with --cache off", path,
                         err == ENOSPC || err == EFBIG ? "no room for" : "cannot reserve",
                         bytes, strerror(err),
                         err == ENOSPC || err == EFBIG ? "free space there" : "fix that");
    } else {
        void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            rc = seer_errorf(SEER_EIO, "%s: cannot map the cache: %s", path, strerror(errno));
        } else {
            d->map = m;
            d->map_bytes = bytes;
            d->ids = m;
            d->dense = (float *)((char *)m + a);
            d->y = (float *)((char *)m + a + b);
            d->cap = cap;
        }
    }
    close(fd);
    return rc;
}

int seer_dataset_map_file(seer_dataset *d, int fd, void *map, size_t map_bytes,
                          uint64_t dense_off, uint64_t y_off, size_t rows, const uint32_t *ids,
                          const char *path) {
    SEER_ASSERT(!d->ids && !d->map && rows > 0);
    size_t ids_bytes = rows * (d->S ? d->S : 1) * sizeof *d->ids;
    uint32_t *held = malloc(ids_bytes);
    if (!held) {
        if (map) munmap(map, map_bytes);
        return seer_errorf(SEER_ENOMEM, "out of memory holding %zu encoded rows", rows);
    }
    seer_huge_pages(held, ids_bytes);
    uint64_t start = 0;
    if (!map) {
        uint64_t dense_bytes = (uint64_t)rows * d->n_held * sizeof *d->dense;
        uint64_t lo = dense_off < y_off ? dense_off : y_off;
        uint64_t hi = dense_off + dense_bytes > y_off + rows * sizeof *d->y
                          ? dense_off + dense_bytes : y_off + rows * sizeof *d->y;
        uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
        start = lo / page * page;
        map_bytes = (size_t)(hi - start);
        map = mmap(NULL, map_bytes, PROT_READ, MAP_PRIVATE, fd, (off_t)start);
        if (map == MAP_FAILED) {
            free(held);
            return seer_errorf(SEER_EIO, "%s: cannot map the rows: %s", path, strerror(errno));
        }
    }
    memcpy(held, ids, rows * d->S * sizeof *d->ids);
    d->map = map;
    d->map_bytes = map_bytes;
    d->ids = held;
    d->ids_apart = 1;
    d->dense = (float *)((char *)map + (dense_off - start));
    d->y = (float *)((char *)map + (y_off - start));
    d->rows = d->cap = rows;
    return SEER_OK;
}

// madvise on the whole pages inside [p, p + n).
static void release_range(const void *p, size_t n) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)p + page - 1) / page * page, hi = ((uintptr_t)p + n) / page * page;
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void seer_dataset_release(const seer_dataset *d, size_t first, size_t n) {
    if (!d->map || !n) return;
    SEER_ASSERT(first <= d->rows && n <= d->rows - first);
    // Ids held apart are anonymous memory: released pages would read back as zeros.
    if (!d->ids_apart) release_range(d->ids + first * d->S, n * d->S * sizeof *d->ids);
    release_range(d->dense + first * d->n_held, n * d->n_held * sizeof *d->dense);
    release_range(d->y + first, n * sizeof *d->y);
}

long seer_dataset_grow(seer_dataset *d) {
    if (d->rows == d->cap && d->map)
        return seer_errorf(SEER_EINTERNAL, "the cache holds %zu rows and is full", d->cap);
    if (d->rows == d->cap) {
        int rc = seer_dataset_reserve(d, d->cap ? d->cap * 2 : 4096);
        if (rc != SEER_OK) return rc;
    }
    return (long)d->rows++;
}

void seer_dataset_free(seer_dataset *d) {
    if (d->map) {
        munmap(d->map, d->map_bytes);
        if (d->ids_apart) free(d->ids);
    } else {
        free(d->ids);
        free(d->dense);
        free(d->y);
    }
    memset(d, 0, sizeof *d);
}
