// The model file container: writing it atomically, reading and validating it.
//
// On disk, little-endian, every section starting at a multiple of 64 bytes:
//
//   offset  size  header field
//        0     8  magic "SEERMDL1"
//        8     4  u32 version (1, or 2: the body checksum in lanes)
//       12     4  u32 n_tensors (at most 1 << 16)
//       16     8  u64 json_len (at most 64 MiB; no NUL on disk, none inside)
//       24     8  u64 dir_offset = align64(64 + json_len)
//       32     8  u64 data_offset = align64(dir_offset + 128 * n_tensors)
//       40     8  u64 file_size, the whole file
//       48     8  u64 body checksum: seer_hash_bytes(file + 64, file_size - 64, 0), in
//                     version 2 seer_lane_hash (base/lane_hash.h) of the same bytes
//       56     8  u64 header checksum: seer_hash_bytes(file, 56, 0)
//
//   64           JSON text, zero padding to dir_offset
//   dir_offset   n_tensors directory entries of 128 bytes each:
//                  0  64  name, NUL-terminated, zero-padded, non-empty, unique
//                 64   4  u32 dtype (seer_dtype)
//                 68   4  u32 ndim (at most 4)
//                 72  32  u64 shape[4], zero beyond ndim
//                104   8  u64 offset of the data from the file start, a multiple of 64
//                112   8  u64 size of the data in bytes, numel * element size
//                120   8  reserved, zero
//                zero padding to data_offset
//   data_offset  tensor data in directory order, each at a multiple of 64,
//                zero padding between; the file ends where the last one ends
//
// Key decisions. The checksum is seer_hash_bytes (base/hash.h, frozen for the
// model format anyway): 64 bits, and any change confined to one 8-byte word is
// always caught because each step is a bijection of the state. The writer
// streams the body through an incremental form of the same function and
// patches the header last, so writing never copies the tensors. The reader
// reads the whole file into one 64-byte-aligned buffer (not mmap: a file
// truncated under a mapping kills the process with SIGBUS; mapping is the
// caller's choice for files replaced only by rename) and checks, in this
// order, the magic, the version, the header checksum, every size and offset
// against the real file length, the directory, and the body checksum, before
// anything is handed out. Every check is overflow-safe, so no input crashes it.
#include "io/modelfile.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/bytes.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/lane_hash.h"
#include "base/mem.h"
#include "base/threads.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the model format is little-endian");

enum {
    HEADER_SIZE = 64,
    ENTRY_SIZE = 128,
    ALIGN = 64,
    NAME_FIELD = SEER_TENSOR_NAME_MAX + 1,
    HEADER_CHECKED = 56,  // bytes covered by the header checksum
};

#define JSON_MAX ((uint64_t)64 << 20)
#define TENSORS_MAX ((uint64_t)1 << 16)

static const char MAGIC[8] = {'S', 'E', 'E', 'R', 'M', 'D', 'L', '1'};
static const unsigned char ZEROS[ALIGN];

struct seer_modelfile {
    unsigned char *buf;            // (file_size rounded up to 64) the whole file
    int mapped;                    // buf is a read-only mapping of the file
    size_t map_bytes;              // its size while this owns it (0 once given away)
    int fd;                        // a mapped file's descriptor, else -1
    char *json;                    // (json_len + 1) NUL-terminated copy
    seer_tensor *tensors;          // (n) in file order, names and data point into buf
    const seer_tensor **by_name;   // (n) sorted by name, for lookup
    size_t n;
    uint64_t id;                   // the header checksum (seer_modelfile_id)
};

typedef struct {
    uint32_t version;
    uint32_t n_tensors;
    uint64_t json_len;
    uint64_t dir_offset;
    uint64_t data_offset;
    uint64_t file_size;
    uint64_t body_checksum;
    uint64_t header_checksum;
} file_header;

// The body checksum fed in pieces: version 1's seer_hash_bytes(data, n, seed), the same 8-byte
// steps, or version 2's seer_lane_hash, the same 128-byte blocks, with the bytes that do not yet
// fill a step held back. n must be known up front because the initial state depends on it.
typedef struct {
    uint32_t version;
    uint64_t h;                           // version 1
    seer_lane_state lanes;                // version 2
    unsigned char tail[SEER_LANE_BLOCK];
    size_t tail_n, step;                  // bytes held back, and a step's
} stream_hash;

typedef struct {
    FILE *f;
    stream_hash hash;
    uint64_t pos;
    bool failed;
} body_writer;

static uint64_t align_up(uint64_t x) { return (x + (ALIGN - 1)) & ~(uint64_t)(ALIGN - 1); }

static size_t dtype_size(uint32_t dtype) {
    switch (dtype) {
    case SEER_DTYPE_F32: return 4;
    case SEER_DTYPE_U32: return 4;
    case SEER_DTYPE_U64: return 8;
    }
    return 0;
}

static void stream_hash_init(stream_hash *s, uint32_t version, uint64_t n, uint64_t seed) {
    s->version = version;
    s->h = seed ^ (0x9e3779b97f4a7c15ULL * (n + 1));
    if (version == SEER_MODELFILE_VERSION_LANES) seer_lane_hash_init(&s->lanes, n, seed);
    s->step = version == SEER_MODELFILE_VERSION_LANES ? SEER_LANE_BLOCK : 8;
    s->tail_n = 0;
}

// Whole steps at p.
static void stream_hash_steps(stream_hash *s, const unsigned char *p, size_t steps) {
    if (s->version == SEER_MODELFILE_VERSION_LANES) {
        seer_lane_hash_blocks(&s->lanes, p, steps);
        return;
    }
    for (size_t k = 0; k < steps; k++, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        s->h = seer_mix64(s->h ^ w) + 0x9e3779b97f4a7c15ULL;
    }
}

static void stream_hash_update(stream_hash *s, const void *data, size_t n) {
    const unsigned char *p = data;
    if (s->tail_n > 0) {
        size_t take = s->step - s->tail_n < n ? s->step - s->tail_n : n;
        memcpy(s->tail + s->tail_n, p, take);
        s->tail_n += take;
        p += take;
        n -= take;
        if (s->tail_n < s->step) return;
        stream_hash_steps(s, s->tail, 1);
        s->tail_n = 0;
    }
    stream_hash_steps(s, p, n / s->step);
    p += n / s->step * s->step;
    n %= s->step;
    memcpy(s->tail, p, n);
    s->tail_n = n;
}

static uint64_t stream_hash_final(const stream_hash *s) {
    if (s->version == SEER_MODELFILE_VERSION_LANES)
        return seer_lane_hash_final(&s->lanes, s->tail, s->tail_n);
    uint64_t w = 0;
    for (size_t i = 0; i < s->tail_n; i++) w |= (uint64_t)s->tail[i] << (8 * i);
    return seer_mix64(s->h ^ w ^ ((uint64_t)s->tail_n << 56));
}

// The body checksum of a file of the version, over the n bytes after its header.
static uint64_t body_checksum(uint32_t version, const unsigned char *body, uint64_t n) {
    return version == SEER_MODELFILE_VERSION_LANES ? seer_lane_hash(body, (size_t)n, 0)
                                                   : seer_hash_bytes(body, (size_t)n, 0);
}

static void body_put(body_writer *w, const void *data, size_t n) {
    if (n == 0) return;
    stream_hash_update(&w->hash, data, n);
    if (fwrite(data, 1, n, w->f) != n) w->failed = true;
    w->pos += n;
}

// Zero bytes up to file offset off.
static void body_pad_to(body_writer *w, uint64_t off) {
    SEER_ASSERT(off >= w->pos);
    while (w->pos < off) {
        uint64_t n = off - w->pos < ALIGN ? off - w->pos : ALIGN;
        body_put(w, ZEROS, (size_t)n);
    }
}

static int compare_by_name(const void *a, const void *b) {
    const seer_tensor *x = *(const seer_tensor *const *)a;
    const seer_tensor *y = *(const seer_tensor *const *)b;
    return strcmp(x->name, y->name);
}

// Sorts by_name (n) and returns the index of a name that appears twice, or n.
static size_t sort_names(const seer_tensor **by_name, size_t n) {
    if (n > 1) qsort(by_name, n, sizeof *by_name, compare_by_name);
    for (size_t i = 1; i < n; i++)
        if (strcmp(by_name[i - 1]->name, by_name[i]->name) == 0) return i;
    return n;
}

// Elements in a tensor of this shape, or false on overflow.
static bool shape_numel(uint64_t *numel, const size_t *shape, size_t ndim) {
    uint64_t n = 1;
    for (size_t d = 0; d < ndim; d++)
        if (__builtin_mul_overflow(n, (uint64_t)shape[d], &n)) return false;
    *numel = n;
    return true;
}

// Bytes of tensor data, or SEER_EINVAL naming what is wrong with t.
static int check_tensor_arg(uint64_t *bytes, const char *path, size_t i, const seer_tensor *t) {
    if (!t->name || t->name[0] == '\0' || strlen(t->name) > SEER_TENSOR_NAME_MAX)
        return seer_errorf(SEER_EINVAL, "%s: tensor %zu: name empty or longer than %d bytes",
                           path, i, SEER_TENSOR_NAME_MAX);
    size_t elem = dtype_size(t->dtype);
    if (elem == 0)
        return seer_errorf(SEER_EINVAL, "%s: tensor %s: unknown dtype %d", path, t->name,
                           (int)t->dtype);
    if (t->ndim > SEER_TENSOR_NDIM_MAX)
        return seer_errorf(SEER_EINVAL, "%s: tensor %s: %zu dimensions, at most %d", path,
                           t->name, t->ndim, SEER_TENSOR_NDIM_MAX);
    uint64_t numel;
    if (!shape_numel(&numel, t->shape, t->ndim) || __builtin_mul_overflow(numel, elem, bytes))
        return seer_errorf(SEER_EINVAL, "%s: tensor %s: size overflows", path, t->name);
    if (*bytes > 0 && !t->data)
        return seer_errorf(SEER_EINVAL, "%s: tensor %s: no data", path, t->name);
    return SEER_OK;
}

// Index of the first NaN or infinity of an f32 tensor's n values, or n when
// there is none. No model holds one: it would score NaN or nothing, and JSON
// has no spelling for it.
static uint64_t first_nonfinite(const seer_tensor *t, uint64_t n) {
    const float *x = t->data;
    for (uint64_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return i;
    return n;
}

static const char *nonfinite_name(float x) {
    return isnan(x) ? "NaN" : x > 0 ? "+inf" : "-inf";
}

// Checks the arguments of a write and computes the layout (header fields but
// the checksums). The directory and data offsets follow from these.
static int plan_write(file_header *h, const char *path, const char *json,
                      const seer_tensor *tensors, size_t n, uint32_t version) {
    if (n > TENSORS_MAX)
        return seer_errorf(SEER_EINVAL, "%s: %zu tensors, at most %llu", path, n,
                           (unsigned long long)TENSORS_MAX);
    size_t json_len = strlen(json);
    if (json_len > JSON_MAX)
        return seer_errorf(SEER_EINVAL, "%s: JSON of %zu bytes, at most %llu", path, json_len,
                           (unsigned long long)JSON_MAX);
    h->version = version;
    h->n_tensors = (uint32_t)n;
    h->json_len = json_len;
    h->dir_offset = align_up(HEADER_SIZE + json_len);
    h->data_offset = align_up(h->dir_offset + (uint64_t)ENTRY_SIZE * n);
    uint64_t end = h->data_offset;
    for (size_t i = 0; i < n; i++) {
        uint64_t bytes = 0;
        int rc = check_tensor_arg(&bytes, path, i, &tensors[i]);
        if (rc != SEER_OK) return rc;
        uint64_t n_f32 = tensors[i].dtype == SEER_DTYPE_F32 ? bytes / 4 : 0;
        uint64_t bad = first_nonfinite(&tensors[i], n_f32);
        if (bad < n_f32)
            return seer_errorf(SEER_EINTERNAL, "%s: not written: tensor %s holds %s at index %llu",
                               path, tensors[i].name,
                               nonfinite_name(((const float *)tensors[i].data)[bad]),
                               (unsigned long long)bad);
        if (end > UINT64_MAX - ALIGN || __builtin_add_overflow(align_up(end), bytes, &end))
            return seer_errorf(SEER_EINVAL, "%s: tensors too large", path);
    }
    h->file_size = end;

    const seer_tensor **by_name = malloc((n ? n : 1) * sizeof *by_name);
    if (!by_name) return seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < n; i++) by_name[i] = &tensors[i];
    size_t dup = sort_names(by_name, n);
    int rc = SEER_OK;
    if (dup < n)
        rc = seer_errorf(SEER_EINVAL, "%s: tensor name \"%s\" appears twice", path,
                         by_name[dup]->name);
    free(by_name);
    return rc;
}

static void encode_header(unsigned char *out, const file_header *h) {
    memset(out, 0, HEADER_SIZE);
    memcpy(out, MAGIC, sizeof MAGIC);
    seer_put_le32(out + 8, h->version);
    seer_put_le32(out + 12, h->n_tensors);
    seer_put_le64(out + 16, h->json_len);
    seer_put_le64(out + 24, h->dir_offset);
    seer_put_le64(out + 32, h->data_offset);
    seer_put_le64(out + 40, h->file_size);
    seer_put_le64(out + 48, h->body_checksum);
    seer_put_le64(out + 56, seer_hash_bytes(out, HEADER_CHECKED, 0));
}

static void encode_entry(unsigned char *out, const seer_tensor *t, uint64_t offset,
                         uint64_t bytes) {
    memset(out, 0, ENTRY_SIZE);
    memcpy(out, t->name, strlen(t->name));
    seer_put_le32(out + 64, (uint32_t)t->dtype);
    seer_put_le32(out + 68, (uint32_t)t->ndim);
    for (size_t d = 0; d < t->ndim; d++) seer_put_le64(out + 72 + 8 * d, t->shape[d]);
    seer_put_le64(out + 104, offset);
    seer_put_le64(out + 112, bytes);
}

// Bytes of t's data; only after check_tensor_arg accepted it.
static uint64_t tensor_bytes(const seer_tensor *t) {
    uint64_t numel = 0;
    bool ok = shape_numel(&numel, t->shape, t->ndim);
    SEER_ASSERT(ok);
    return numel * dtype_size(t->dtype);
}

int seer_modelfile_write(const char *path, const char *json, const seer_tensor *tensors,
                         size_t n_tensors) {
    return seer_modelfile_write_version(path, json, tensors, n_tensors, SEER_MODELFILE_VERSION);
}

int seer_modelfile_write_version(const char *path, const char *json, const seer_tensor *tensors,
                                 size_t n_tensors, unsigned version) {
    SEER_ASSERT(json && (tensors || n_tensors == 0) &&
                (version == SEER_MODELFILE_VERSION || version == SEER_MODELFILE_VERSION_LANES));
    file_header h = {0};
    int rc = plan_write(&h, path, json, tensors, n_tensors, version);
    if (rc != SEER_OK) return rc;

    seer_atomic_file a;
    rc = seer_atomic_open(&a, path);
    if (rc != SEER_OK) return rc;
    unsigned char head[HEADER_SIZE] = {0};
    body_writer w = {.f = a.f, .pos = HEADER_SIZE};
    stream_hash_init(&w.hash, version, h.file_size - HEADER_SIZE, 0);
    if (fwrite(head, 1, HEADER_SIZE, a.f) != HEADER_SIZE) w.failed = true;

    body_put(&w, json, (size_t)h.json_len);
    body_pad_to(&w, h.dir_offset);
    uint64_t off = h.data_offset;
    for (size_t i = 0; i < n_tensors; i++) {
        unsigned char entry[ENTRY_SIZE];
        uint64_t bytes = tensor_bytes(&tensors[i]);
        off = align_up(off);
        encode_entry(entry, &tensors[i], off, bytes);
        body_put(&w, entry, ENTRY_SIZE);
        off += bytes;
    }
    body_pad_to(&w, h.data_offset);
    for (size_t i = 0; i < n_tensors; i++) {
        body_pad_to(&w, align_up(w.pos));
        body_put(&w, tensors[i].data, (size_t)tensor_bytes(&tensors[i]));
    }
    SEER_ASSERT(w.pos == h.file_size);

    h.body_checksum = stream_hash_final(&w.hash);
    encode_header(head, &h);
    if (fseek(a.f, 0, SEEK_SET) != 0 || fwrite(head, 1, HEADER_SIZE, a.f) != HEADER_SIZE)
        w.failed = true;
    if (w.failed) {
        int err = errno;
        seer_atomic_abort(&a);
        return seer_errorf(SEER_EIO, "%s: write failed: %s", path, strerror(err));
    }
    return seer_atomic_commit(&a);
}

static void decode_header(file_header *h, const unsigned char *p) {
    h->version = seer_get_le32(p + 8);
    h->n_tensors = seer_get_le32(p + 12);
    h->json_len = seer_get_le64(p + 16);
    h->dir_offset = seer_get_le64(p + 24);
    h->data_offset = seer_get_le64(p + 32);
    h->file_size = seer_get_le64(p + 40);
    h->body_checksum = seer_get_le64(p + 48);
    h->header_checksum = seer_get_le64(p + 56);
}

// The header against itself and against the real file size.
// with_json: buf holds the JSON after the header too (else only the header, HEADER_SIZE bytes or
// size if less).
static int check_header(const file_header *h, const unsigned char *buf, uint64_t size,
                        int with_json, const char *path) {
    if (size < sizeof MAGIC || memcmp(buf, MAGIC, sizeof MAGIC) != 0)
        return seer_errorf(SEER_EDATA, "%s: not a seer model file (no SEERMDL1 magic)", path);
    if (size < HEADER_SIZE)
        return seer_errorf(SEER_EDATA, "%s: truncated: %llu bytes, the header alone is %d", path,
                           (unsigned long long)size, HEADER_SIZE);
    if (h->version != SEER_MODELFILE_VERSION && h->version != SEER_MODELFILE_VERSION_LANES)
        return seer_errorf(SEER_EDATA, "%s: model format version %u, this seer reads versions %d "
                           "and %d", path, h->version, SEER_MODELFILE_VERSION,
                           SEER_MODELFILE_VERSION_LANES);
    if (h->header_checksum != seer_hash_bytes(buf, HEADER_CHECKED, 0))
        return seer_errorf(SEER_EDATA, "%s: header checksum mismatch: the file is corrupted",
                           path);
    if (h->file_size > size)
        return seer_errorf(SEER_EDATA, "%s: truncated: %llu bytes, the header says %llu", path,
                           (unsigned long long)size, (unsigned long long)h->file_size);
    if (h->file_size < size)
        return seer_errorf(SEER_EDATA, "%s: %llu bytes, the header says %llu: data appended",
                           path, (unsigned long long)size, (unsigned long long)h->file_size);
    if (h->json_len > JSON_MAX || h->n_tensors > TENSORS_MAX)
        return seer_errorf(SEER_EDATA, "%s: %llu bytes of JSON and %u tensors: over the limits "
                           "of %llu and %llu", path, (unsigned long long)h->json_len,
                           h->n_tensors, (unsigned long long)JSON_MAX,
                           (unsigned long long)TENSORS_MAX);
    // json_len and n_tensors are small now; the offsets are checked against
    // size before any sum with them, so nothing below can overflow.
    uint64_t json_end = HEADER_SIZE + h->json_len;
    bool ok = h->dir_offset % ALIGN == 0 && h->data_offset % ALIGN == 0 &&
              h->dir_offset >= json_end && h->dir_offset <= size &&
              (uint64_t)ENTRY_SIZE * h->n_tensors <= size - h->dir_offset &&
              h->data_offset >= h->dir_offset + (uint64_t)ENTRY_SIZE * h->n_tensors &&
              h->data_offset <= size;
    if (!ok)
        return seer_errorf(SEER_EDATA, "%s: bad section offsets (JSON %llu bytes, directory at "
                           "%llu, data at %llu, file %llu bytes)", path,
                           (unsigned long long)h->json_len, (unsigned long long)h->dir_offset,
                           (unsigned long long)h->data_offset, (unsigned long long)size);
    if (with_json && memchr(buf + HEADER_SIZE, '\0', (size_t)h->json_len))
        return seer_errorf(SEER_EDATA, "%s: NUL byte inside the JSON", path);
    return SEER_OK;
}

// Reads n bytes at off, all of them or an error (a file shorter than that is truncated).
static int pread_all(int fd, void *buf, size_t n, uint64_t off, const char *path) {
    for (size_t done = 0; done < n;) {
        ssize_t got = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
        if (got == 0) return seer_errorf(SEER_EDATA, "%s: truncated", path);
        done += (size_t)got;
    }
    return SEER_OK;
}

// Reads all of the regular file at path into m->buf. *size gets its length.
// The header of the file open on fd (size bytes) against itself and the size, before the whole
// file is read: a file that is no model, or a model cut short or grown, is refused without
// asking for its size in memory (a 1 GiB file of zeros took 6 s and 1 GiB).
static int check_head(int fd, uint64_t size, const char *path) {
    unsigned char head[HEADER_SIZE];
    size_t n = size < HEADER_SIZE ? (size_t)size : HEADER_SIZE;
    int rc = pread_all(fd, head, n, 0, path);
    file_header h = {0};
    if (rc == SEER_OK && n == HEADER_SIZE) decode_header(&h, head);
    return rc == SEER_OK ? check_header(&h, head, size, 0, path) : rc;
}

// Opened without blocking, as the other readers of a model file: a FIFO given for a model would
// otherwise wait for a writer forever, before fstat could refuse it (regular files ignore it).
// *fd: the open descriptor of a regular file whose header passed (else -1); *size its length.
static int open_file(int *fd, uint64_t *size, const char *path) {
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc = SEER_OK;
    if (fstat(*fd, &st) != 0) {
        rc = seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = seer_errorf(SEER_EIO, "%s: not a regular file", path);
    } else if ((uint64_t)st.st_size > SIZE_MAX - ALIGN) {
        rc = seer_errorf(SEER_ENOMEM, "%s: too large to read", path);
    } else {
        *size = (uint64_t)st.st_size;
        rc = check_head(*fd, *size, path);
    }
    if (rc != SEER_OK) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

// The size bytes of the file open on fd into m->buf.
static int read_file(seer_modelfile *m, int fd, uint64_t size, const char *path) {
    int rc = SEER_OK;
    m->buf = aligned_alloc(ALIGN, (size_t)align_up(size ? size : 1));
    if (!m->buf) rc = seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
    else seer_huge_pages(m->buf, (size_t)size);
    for (uint64_t done = 0; rc == SEER_OK && done < size;) {
        uint64_t want = size - done < ((uint64_t)1 << 30) ? size - done : (uint64_t)1 << 30;
        ssize_t got = read(fd, m->buf + done, (size_t)want);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0)
            rc = seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
        else if (got == 0)
            rc = seer_errorf(SEER_EIO, "%s: the file shrank while being read", path);
        else
            done += (uint64_t)got;
    }
    return rc;
}

// The size bytes of the file open on fd mapped read-only at m->buf (size > 0: check_head
// passed).
static int map_file(seer_modelfile *m, int fd, uint64_t size, const char *path) {
    void *p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) return seer_errorf(SEER_EIO, "%s: cannot map: %s", path, strerror(errno));
    m->buf = p;
    m->mapped = 1;
    m->map_bytes = (size_t)size;
    // Read once from start to end by the checks: the system may read ahead and drop behind.
    madvise(p, (size_t)size, MADV_SEQUENTIAL);
    return SEER_OK;
}

static bool all_zero(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

// Decodes directory entry i at e into t. Its data must lie in
// [*data_start, size), after the previous tensor; *data_start moves past it.
static int check_entry(seer_tensor *t, const unsigned char *e, size_t i, uint64_t *data_start,
                       uint64_t size, const unsigned char *buf, const char *path) {
    const unsigned char *nul = memchr(e, '\0', NAME_FIELD);
    if (!nul || nul == e || !all_zero(nul, (size_t)(e + NAME_FIELD - nul)))
        return seer_errorf(SEER_EDATA, "%s: tensor %zu: bad name field", path, i);
    t->name = (const char *)e;
    uint32_t dtype = seer_get_le32(e + 64);
    uint32_t ndim = seer_get_le32(e + 68);
    uint64_t offset = seer_get_le64(e + 104);
    uint64_t bytes = seer_get_le64(e + 112);
    size_t elem = dtype_size(dtype);
    if (elem == 0)
        return seer_errorf(SEER_EDATA, "%s: tensor %s: unknown dtype %u", path, t->name, dtype);
    if (ndim > SEER_TENSOR_NDIM_MAX)
        return seer_errorf(SEER_EDATA, "%s: tensor %s: %u dimensions, at most %d", path,
                           t->name, ndim, SEER_TENSOR_NDIM_MAX);
    if (!all_zero(e + 72 + 8 * ndim, 8 * (SEER_TENSOR_NDIM_MAX - ndim)) ||
        !all_zero(e + 120, 8))
        return seer_errorf(SEER_EDATA, "%s: tensor %s: nonzero unused fields", path, t->name);
    t->dtype = (seer_dtype)dtype;
    t->ndim = ndim;
    for (size_t d = 0; d < SEER_TENSOR_NDIM_MAX; d++) t->shape[d] = seer_get_le64(e + 72 + 8 * d);
    uint64_t numel, want;
    if (!shape_numel(&numel, t->shape, t->ndim) || __builtin_mul_overflow(numel, elem, &want) ||
        want != bytes)
        return seer_errorf(SEER_EDATA, "%s: tensor %s: size %llu does not match its shape", path,
                           t->name, (unsigned long long)bytes);
    if (offset % ALIGN != 0 || offset < *data_start || offset > size || bytes > size - offset)
        return seer_errorf(SEER_EDATA, "%s: tensor %s: data at %llu (%llu bytes) is misaligned, "
                           "overlaps or lies outside the file", path, t->name,
                           (unsigned long long)offset, (unsigned long long)bytes);
    t->data = buf + offset;
    *data_start = offset + bytes;
    return SEER_OK;
}

// Builds m's tensor table from the directory and checks the names are unique.
static int load_directory(seer_modelfile *m, const file_header *h, uint64_t size,
                          const char *path) {
    m->n = h->n_tensors;
    m->tensors = calloc(m->n ? m->n : 1, sizeof *m->tensors);
    m->by_name = calloc(m->n ? m->n : 1, sizeof *m->by_name);
    if (!m->tensors || !m->by_name) return seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
    uint64_t data_start = h->data_offset;
    for (size_t i = 0; i < m->n; i++) {
        const unsigned char *e = m->buf + h->dir_offset + (uint64_t)ENTRY_SIZE * i;
        int rc = check_entry(&m->tensors[i], e, i, &data_start, size, m->buf, path);
        if (rc != SEER_OK) return rc;
        m->by_name[i] = &m->tensors[i];
    }
    size_t dup = sort_names(m->by_name, m->n);
    if (dup < m->n)
        return seer_errorf(SEER_EDATA, "%s: tensor name \"%s\" appears twice", path,
                           m->by_name[dup]->name);
    return SEER_OK;
}

// Files from this size have their body checksum computed on a thread of its own while the
// caller scans their f32 tensors for NaN and infinities (a thread costs tens of microseconds).
#define BESIDE_BYTES ((uint64_t)1 << 20)

typedef struct {
    uint32_t version;
    const unsigned char *body;
    uint64_t n;
    uint64_t sum;  // out
} checksum_job;

static void *run_checksum(void *arg) {
    checksum_job *j = arg;
    j->sum = body_checksum(j->version, j->body, j->n);
    return NULL;
}

// The first f32 value of m that is not finite: its tensor's index (m->n: none) and place.
static size_t first_bad_tensor(const seer_modelfile *m, uint64_t *at) {
    for (size_t i = 0; i < m->n; i++) {
        const seer_tensor *t = &m->tensors[i];
        uint64_t n = t->dtype == SEER_DTYPE_F32 ? tensor_bytes(t) / 4 : 0;
        *at = first_nonfinite(t, n);
        if (*at < n) return i;
    }
    return m->n;
}

// The body checksum against the header's, then every f32 value finite: on two CPUs at once for
// a large file (the checksum beside, the scan here), the same answer in the same order.
static int check_body(const seer_modelfile *m, const file_header *h, uint64_t size,
                      const char *path) {
    checksum_job job = {h->version, m->buf + HEADER_SIZE, size - HEADER_SIZE, 0};
    pthread_t beside;
    int two = job.n >= BESIDE_BYTES && seer_cpus_available() > 1 &&
              seer_side_thread_allowed() && pthread_create(&beside, NULL, run_checksum, &job) == 0;
    uint64_t at = 0;
    size_t bad = first_bad_tensor(m, &at);
    if (two) pthread_join(beside, NULL);
    else run_checksum(&job);
    if (h->body_checksum != job.sum)
        return seer_errorf(SEER_EDATA, "%s: checksum mismatch: the file is corrupted", path);
    if (bad == m->n) return SEER_OK;
    const seer_tensor *t = &m->tensors[bad];
    return seer_errorf(SEER_EDATA, "%s: tensor %s holds %s at index %llu: not a usable model",
                       path, t->name, nonfinite_name(((const float *)t->data)[at]),
                       (unsigned long long)at);
}

// _open, reading the file (mapped 0) or mapping it (1; m->fd kept open).
static int open_model(seer_modelfile **out, const char *path, int mapped) {
    *out = NULL;
    seer_modelfile *m = calloc(1, sizeof *m);
    if (!m) return seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
    uint64_t size = 0;
    int fd;
    int rc = open_file(&fd, &size, path);
    m->fd = -1;
    if (rc == SEER_OK) rc = mapped ? map_file(m, fd, size, path) : read_file(m, fd, size, path);
    if (mapped && rc == SEER_OK) m->fd = fd;
    else if (fd >= 0) close(fd);
    file_header h = {0};
    if (rc == SEER_OK && size >= HEADER_SIZE) decode_header(&h, m->buf);
    if (rc == SEER_OK) rc = check_header(&h, m->buf, size, 1, path);
    if (rc == SEER_OK) rc = load_directory(m, &h, size, path);
    if (rc == SEER_OK) rc = check_body(m, &h, size, path);
    if (rc == SEER_OK) {
        m->json = malloc((size_t)h.json_len + 1);
        if (!m->json) rc = seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
    }
    if (rc != SEER_OK) {
        seer_modelfile_close(m);
        return rc;
    }
    memcpy(m->json, m->buf + HEADER_SIZE, (size_t)h.json_len);
    m->json[h.json_len] = '\0';
    m->id = h.header_checksum;
    *out = m;
    return SEER_OK;
}

int seer_modelfile_open(seer_modelfile **out, const char *path) {
    return open_model(out, path, 0);
}

int seer_modelfile_open_mapped(seer_modelfile **out, const char *path) {
    return open_model(out, path, 1);
}

int seer_modelfile_fd(const seer_modelfile *m) { return m->fd; }

void *seer_modelfile_give_map(seer_modelfile *m, size_t *bytes) {
    *bytes = m->map_bytes;
    if (!m->map_bytes) return NULL;
    m->map_bytes = 0;
    // The checks read it once in order; the new owner may read it in any order.
    madvise(m->buf, *bytes, MADV_NORMAL);
    return m->buf;
}

uint64_t seer_modelfile_offset(const seer_modelfile *m, const seer_tensor *t) {
    return (uint64_t)((const unsigned char *)t->data - m->buf);
}

uint64_t seer_modelfile_id(const seer_modelfile *m) { return m->id; }

int seer_modelfile_peek_id(const char *path, uint64_t *id) {
    *id = 0;
    unsigned char buf[HEADER_SIZE];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    ssize_t got;
    do got = pread(fd, buf, sizeof buf, 0); while (got < 0 && errno == EINTR);
    int err = got < 0 ? errno : 0;
    close(fd);
    if (got < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(err));
    if (got < HEADER_SIZE || memcmp(buf, MAGIC, sizeof MAGIC) != 0 ||
        seer_get_le64(buf + 56) != seer_hash_bytes(buf, HEADER_CHECKED, 0))
        return seer_errorf(SEER_EDATA, "%s: not a seer model file (or a damaged header)", path);
    *id = seer_get_le64(buf + 56);
    return SEER_OK;
}

int seer_modelfile_peek_json(const char *path, char **json) {
    *json = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    unsigned char head[HEADER_SIZE];
    unsigned char *buf = NULL;
    int rc = SEER_OK;
    if (fstat(fd, &st) != 0)
        rc = seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = seer_errorf(SEER_EIO, "%s: not a regular file", path);
    else if ((uint64_t)st.st_size < HEADER_SIZE)
        rc = seer_errorf(SEER_EDATA, "%s: not a seer model file (%llu bytes)", path,
                         (unsigned long long)st.st_size);
    else
        rc = pread_all(fd, head, HEADER_SIZE, 0, path);
    file_header h;
    if (rc == SEER_OK) {
        decode_header(&h, head);
        // Bounded before the allocation; check_header below says what is wrong.
        uint64_t len = h.json_len <= JSON_MAX ? h.json_len : 0;
        if (HEADER_SIZE + len > (uint64_t)st.st_size) len = 0;
        buf = malloc(HEADER_SIZE + (size_t)len + 1);
        if (!buf) rc = seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
        if (rc == SEER_OK) {
            memcpy(buf, head, HEADER_SIZE);
            if (len == h.json_len)
                rc = pread_all(fd, buf + HEADER_SIZE, (size_t)len, HEADER_SIZE, path);
        }
        if (rc == SEER_OK) rc = check_header(&h, buf, (uint64_t)st.st_size, 1, path);
    }
    close(fd);
    if (rc == SEER_OK) {
        memmove(buf, buf + HEADER_SIZE, (size_t)h.json_len);
        buf[h.json_len] = '\0';
        *json = (char *)buf;
    } else {
        free(buf);
    }
    return rc;
}

const char *seer_modelfile_json(const seer_modelfile *m) { return m->json; }

const seer_tensor *seer_modelfile_tensor(const seer_modelfile *m, const char *name) {
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->by_name[mid]->name, name);
        if (c == 0) return m->by_name[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t seer_modelfile_count(const seer_modelfile *m) { return m->n; }

const seer_tensor *seer_modelfile_at(const seer_modelfile *m, size_t i) {
    SEER_ASSERT(i < m->n);
    return &m->tensors[i];
}

void seer_modelfile_close(seer_modelfile *m) {
    if (!m) return;
    if (!m->mapped) free(m->buf);
    else if (m->map_bytes) munmap(m->buf, m->map_bytes);
    if (m->fd >= 0) close(m->fd);
    SEER_FREE_ALL(m->json, m->tensors, m->by_name, m);
}
