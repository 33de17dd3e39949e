// Tests of the model file container: round trips, the documented on-disk
// layout, and that truncated, corrupted or crafted files are SEER_EDATA.
//
// Crafted files are made by patching a valid file and then recomputing both
// checksums (fix_checksums), so that the check under test, not the checksum,
// is what rejects them.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address_space.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/lane_hash.h"
#include "io/modelfile.h"

static char dir[64];
static char path[256];

static void make_dir(void) {
    strcpy(dir, "/tmp/seer_test_modelfile_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
    snprintf(path, sizeof path, "%s/model.seer", dir);
}

static void remove_dir(void) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int count_entries(void) {
    DIR *d = opendir(dir);
    cr_assert(ne(ptr, d, NULL));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

TestSuite(modelfile, .init = make_dir, .fini = remove_dir);

// Reads the file at p; *n gets its size. The caller frees.
static unsigned char *slurp(const char *p, size_t *n) {
    FILE *f = fopen(p, "rb");
    cr_assert(ne(ptr, f, NULL));
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
    cr_assert(eq(sz, fread(buf, 1, (size_t)len, f), (size_t)len));
    fclose(f);
    *n = (size_t)len;
    return buf;
}

static void spill(const char *p, const unsigned char *buf, size_t n) {
    FILE *f = fopen(p, "wb");
    cr_assert(ne(ptr, f, NULL));
    cr_assert(eq(sz, fwrite(buf, 1, n, f), n));
    fclose(f);
}

static uint64_t get_u64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t get_u32(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void put_u64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }

static void put_u32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }

// Recomputes the body checksum (bytes 48..56) and then the header checksum
// (56..64) as the format defines them.
static void fix_checksums(unsigned char *buf, size_t n) {
    put_u64(buf + 48, seer_hash_bytes(buf + 64, n - 64, 0));
    put_u64(buf + 56, seer_hash_bytes(buf, 56, 0));
}

// Opening the file at path must fail with SEER_EDATA and a message holding want, read and
// mapped alike.
static void expect_edata(const char *want) {
    for (int mapped = 0; mapped < 2; mapped++) {
        seer_modelfile *m = (seer_modelfile *)1;
        int rc = mapped ? seer_modelfile_open_mapped(&m, path) : seer_modelfile_open(&m, path);
        cr_assert(eq(int, rc, SEER_EDATA), "mapped %d, message: %s", mapped,
                  seer_error_message());
        cr_assert(eq(ptr, m, NULL));
        if (want)
            cr_assert(ne(ptr, strstr(seer_error_message(), want), NULL), "message: %s",
                      seer_error_message());
    }
}

// A small model: one tensor of each dtype, some odd sizes, a scalar and an
// empty tensor, so that padding appears everywhere.
enum { N_SMALL = 5 };
static float small_f[3 * 5];
static uint32_t small_u[7];
static uint64_t small_l[2 * 3];
static float small_s[1];
static const char *SMALL_JSON = "{\"model\": \"mlp\", \"note\": \"caf\xc3\xa9\"}";

static void small_tensors(seer_tensor *t) {
    for (int i = 0; i < 15; i++) small_f[i] = (float)i * 0.25f - 1.0f;
    for (int i = 0; i < 7; i++) small_u[i] = 0xdeadbeefu + (uint32_t)i;
    for (int i = 0; i < 6; i++) small_l[i] = 0x0123456789abcdefULL * (uint64_t)(i + 1);
    small_s[0] = 3.5f;
    t[0] = (seer_tensor){"w", SEER_DTYPE_F32, 2, {3, 5}, small_f};
    t[1] = (seer_tensor){"ids", SEER_DTYPE_U32, 1, {7}, small_u};
    t[2] = (seer_tensor){"hashes", SEER_DTYPE_U64, 2, {2, 3}, small_l};
    t[3] = (seer_tensor){"scale", SEER_DTYPE_F32, 0, {0}, small_s};
    t[4] = (seer_tensor){"empty", SEER_DTYPE_F32, 2, {0, 4}, NULL};
}

static void write_small(void) {
    seer_tensor t[N_SMALL];
    small_tensors(t);
    cr_assert(eq(int, seer_modelfile_write(path, SMALL_JSON, t, N_SMALL), SEER_OK),
              "message: %s", seer_error_message());
}

static size_t dtype_bytes(seer_dtype d) { return d == SEER_DTYPE_U64 ? 8 : 4; }

static size_t numel(const seer_tensor *t) {
    size_t n = 1;
    for (size_t d = 0; d < t->ndim; d++) n *= t->shape[d];
    return n;
}

// m holds exactly the tensors t (n) in that order, bit for bit.
static void expect_tensors(const seer_modelfile *m, const seer_tensor *t, size_t n) {
    cr_assert(eq(sz, seer_modelfile_count(m), n));
    for (size_t i = 0; i < n; i++) {
        const seer_tensor *got = seer_modelfile_at(m, i);
        cr_assert(eq(str, (char *)got->name, (char *)t[i].name));
        cr_assert(eq(ptr, (void *)seer_modelfile_tensor(m, t[i].name), (void *)got));
        cr_assert(eq(int, got->dtype, t[i].dtype));
        cr_assert(eq(sz, got->ndim, t[i].ndim));
        for (size_t d = 0; d < t[i].ndim; d++) cr_assert(eq(sz, got->shape[d], t[i].shape[d]));
        cr_assert(eq(u64, (uintptr_t)got->data % 64, 0), "tensor %s unaligned", t[i].name);
        size_t bytes = numel(&t[i]) * dtype_bytes(t[i].dtype);
        if (bytes) cr_assert(eq(int, memcmp(got->data, t[i].data, bytes), 0), "%s", t[i].name);
    }
}

Test(modelfile, round_trip) {
    write_small();
    seer_tensor t[N_SMALL];
    small_tensors(t);
    seer_modelfile *m;
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_OK), "message: %s",
              seer_error_message());
    cr_assert(eq(str, (char *)seer_modelfile_json(m), (char *)SMALL_JSON));
    expect_tensors(m, t, N_SMALL);
    cr_assert(eq(ptr, (void *)seer_modelfile_tensor(m, "nope"), NULL));
    cr_assert(eq(ptr, (void *)seer_modelfile_tensor(m, ""), NULL));
    seer_modelfile_close(m);
    cr_assert(eq(int, count_entries(), 1));
}

// peek_json reads the header and the JSON only: the same JSON as a full open, and a file cut
// anywhere or a header byte flipped is an error, never a crash or a partial document.
Test(modelfile, peek_json) {
    write_small();
    char *json;
    cr_assert(eq(int, seer_modelfile_peek_json(path, &json), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(str, json, (char *)SMALL_JSON));
    free(json);
    size_t n;
    unsigned char *b = slurp(path, &n);
    for (size_t cut = 0; cut < n; cut++) {
        spill(path, b, cut);
        cr_assert(eq(int, seer_modelfile_peek_json(path, &json), SEER_EDATA), "cut at %zu", cut);
        cr_assert(eq(ptr, json, NULL));
    }
    for (size_t i = 0; i < 64; i++) {
        b[i] ^= 0x01;
        spill(path, b, n);
        cr_assert(ne(int, seer_modelfile_peek_json(path, &json), SEER_OK), "byte %zu", i);
        b[i] ^= 0x01;
    }
    free(b);
    cr_assert(eq(int, seer_modelfile_peek_json("/nonexistent/m.seer", &json), SEER_EIO));
    cr_assert(eq(int, seer_modelfile_peek_json("/tmp", &json), SEER_EIO));
}

Test(modelfile, round_trip_many_tensors) {
    // Every dtype with every ndim from 0 to 4, random bits (NaN patterns
    // included: floats must come back bit-identical, not just equal).
    enum { N = 3 * 5 };
    seer_tensor t[N];
    char names[N][16];
    void *data[N];
    uint64_t seed = 42;
    static const seer_dtype dtypes[3] = {SEER_DTYPE_F32, SEER_DTYPE_U32, SEER_DTYPE_U64};
    for (size_t i = 0; i < N; i++) {
        size_t ndim = i % 5;
        snprintf(names[i], sizeof names[i], "t%zu.d%zu", i, ndim);
        t[i] = (seer_tensor){names[i], dtypes[i / 5], ndim, {0}, NULL};
        for (size_t d = 0; d < ndim; d++) t[i].shape[d] = 1 + (i + 3 * d) % 6;
        size_t bytes = numel(&t[i]) * dtype_bytes(t[i].dtype);
        unsigned char *p = malloc(bytes);
        for (size_t b = 0; b < bytes; b++) p[b] = (unsigned char)(seer_mix64(seed++) >> 56);
        data[i] = p;
        t[i].data = p;
    }
    const char *json = "{\"a\": [1, 2, 3]}";
    cr_assert(eq(int, seer_modelfile_write(path, json, t, N), SEER_OK));
    seer_modelfile *m;
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_OK), "message: %s",
              seer_error_message());
    cr_assert(eq(str, (char *)seer_modelfile_json(m), (char *)json));
    expect_tensors(m, t, N);
    seer_modelfile_close(m);
    for (size_t i = 0; i < N; i++) free(data[i]);
}

Test(modelfile, empty_tensor_list) {
    seer_modelfile *m;
    cr_assert(eq(int, seer_modelfile_write(path, "", NULL, 0), SEER_OK));
    size_t n;
    free(slurp(path, &n));
    cr_assert(eq(sz, n, 64));
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_OK), "message: %s",
              seer_error_message());
    cr_assert(eq(str, (char *)seer_modelfile_json(m), ""));
    cr_assert(eq(sz, seer_modelfile_count(m), 0));
    cr_assert(eq(ptr, (void *)seer_modelfile_tensor(m, "w"), NULL));
    seer_modelfile_close(m);

    cr_assert(eq(int, seer_modelfile_write(path, "{}", NULL, 0), SEER_OK));
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_OK));
    cr_assert(eq(str, (char *)seer_modelfile_json(m), "{}"));
    seer_modelfile_close(m);
}

Test(modelfile, overwrite) {
    write_small();
    seer_tensor t = {"only", SEER_DTYPE_U32, 1, {7}, small_u};
    cr_assert(eq(int, seer_modelfile_write(path, "{}", &t, 1), SEER_OK));
    seer_modelfile *m;
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_OK));
    expect_tensors(m, &t, 1);
    seer_modelfile_close(m);
    cr_assert(eq(int, count_entries(), 1));
}

Test(modelfile, layout) {
    // The bytes on disk are those the header comment of modelfile.c documents.
    write_small();
    size_t n;
    unsigned char *b = slurp(path, &n);
    size_t json_len = strlen(SMALL_JSON);
    cr_assert(eq(int, memcmp(b, "SEERMDL1", 8), 0));
    cr_assert(eq(u32, get_u32(b + 8), 1));
    cr_assert(eq(u32, get_u32(b + 12), N_SMALL));
    cr_assert(eq(u64, get_u64(b + 16), json_len));
    uint64_t dir_offset = get_u64(b + 24), data_offset = get_u64(b + 32);
    cr_assert(eq(u64, dir_offset, (64 + json_len + 63) / 64 * 64));
    cr_assert(eq(u64, data_offset, (dir_offset + 128 * N_SMALL + 63) / 64 * 64));
    cr_assert(eq(u64, get_u64(b + 40), n));
    cr_assert(eq(u64, get_u64(b + 48), seer_hash_bytes(b + 64, n - 64, 0)));
    cr_assert(eq(u64, get_u64(b + 56), seer_hash_bytes(b, 56, 0)));
    cr_assert(eq(int, memcmp(b + 64, SMALL_JSON, json_len), 0));

    const unsigned char *e = b + dir_offset + 2 * 128;  // "hashes", u64 (2, 3)
    cr_assert(eq(str, (char *)e, "hashes"));
    cr_assert(eq(u32, get_u32(e + 64), SEER_DTYPE_U64));
    cr_assert(eq(u32, get_u32(e + 68), 2));
    cr_assert(eq(u64, get_u64(e + 72), 2));
    cr_assert(eq(u64, get_u64(e + 80), 3));
    cr_assert(eq(u64, get_u64(e + 88), 0));
    uint64_t off = get_u64(e + 104);
    cr_assert(eq(u64, off % 64, 0));
    cr_assert(eq(u64, get_u64(e + 112), 48));
    cr_assert(eq(int, memcmp(b + off, small_l, 48), 0));
    // The file ends where the last tensor ends, even an empty one: "scale"
    // ends at byte 964, "empty" starts and ends at 1024.
    const unsigned char *scale = b + dir_offset + 3 * 128, *empty = b + dir_offset + 4 * 128;
    cr_assert(eq(u64, get_u64(scale + 104) + get_u64(scale + 112), 964));
    cr_assert(eq(u64, get_u64(empty + 104), 1024));
    cr_assert(eq(u64, get_u64(empty + 112), 0));
    cr_assert(eq(sz, n, 1024));
    free(b);
}

Test(modelfile, truncated) {
    write_small();
    size_t n;
    unsigned char *b = slurp(path, &n);
    for (size_t cut = 0; cut < n; cut++) {
        spill(path, b, cut);
        expect_edata(NULL);
    }
    free(b);
}

Test(modelfile, truncated_messages) {
    write_small();
    size_t n;
    unsigned char *b = slurp(path, &n);
    spill(path, b, 40);
    expect_edata("truncated");
    spill(path, b, n - 1);
    expect_edata("truncated");
    free(b);
}

Test(modelfile, appended_data) {
    write_small();
    size_t n;
    unsigned char *b = slurp(path, &n);
    b = realloc(b, n + 1);
    b[n] = 0;
    spill(path, b, n + 1);
    expect_edata("appended");
    free(b);
}

// The file at path with the first and the last bit of each of its bytes flipped in turn is
// refused every time; b (n bytes) holds the file and is given back as it was.
static void expect_every_flip_refused(unsigned char *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            b[i] ^= (unsigned char)(1u << bit);
            spill(path, b, n);
            expect_edata(NULL);
            b[i] ^= (unsigned char)(1u << bit);
        }
    }
}

Test(modelfile, flipped_byte) {
    write_small();
    size_t n;
    unsigned char *b = slurp(path, &n);
    expect_every_flip_refused(b, n);
    spill(path, b, n);
    seer_modelfile *m;
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_OK));
    seer_modelfile_close(m);
    free(b);
}

Test(modelfile, flipped_data_byte_message) {
    write_small();
    size_t n;
    unsigned char *b = slurp(path, &n);
    b[961] ^= 0x10;  // inside "scale" (bytes 960..964, see layout)
    spill(path, b, n);
    expect_edata("checksum mismatch: the file is corrupted");
    b[961] ^= 0x10;
    b[20] ^= 0x10;  // json_len, in the header
    spill(path, b, n);
    expect_edata("checksum mismatch: the file is corrupted");
    free(b);
}

Test(modelfile, wrong_magic) {
    write_small();
    size_t n;
    unsigned char *b = slurp(path, &n);
    memcpy(b, "SEERMDL0", 8);
    fix_checksums(b, n);
    spill(path, b, n);
    expect_edata("not a seer model file");
    spill(path, (const unsigned char *)"hello", 5);
    expect_edata("not a seer model file");
    spill(path, b, 0);
    expect_edata("not a seer model file");
    free(b);
}

Test(modelfile, other_version) {
    write_small();
    size_t n;
    unsigned char *b = slurp(path, &n);
    put_u32(b + 8, 3);
    fix_checksums(b, n);
    spill(path, b, n);
    expect_edata("model format version 3, this seer reads versions 1 and 2");
    // Version 2 with version 1's checksum: the body checksum is checked as version 2's.
    put_u32(b + 8, 2);
    fix_checksums(b, n);
    spill(path, b, n);
    expect_edata("checksum mismatch");
    free(b);
}

Test(modelfile, missing_file) {
    seer_modelfile *m = (seer_modelfile *)1;
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_EIO));
    cr_assert(eq(ptr, m, NULL));
    cr_assert(ne(ptr, strstr(seer_error_message(), path), NULL), "message: %s",
              seer_error_message());
}

Test(modelfile, directory_is_not_a_file) {
    seer_modelfile *m;
    cr_assert(eq(int, seer_modelfile_open(&m, dir), SEER_EIO));
}

Test(modelfile, write_missing_directory) {
    char p[300];
    snprintf(p, sizeof p, "%s/missing/model.seer", dir);
    seer_tensor t[N_SMALL];
    small_tensors(t);
    cr_assert(eq(int, seer_modelfile_write(p, SMALL_JSON, t, N_SMALL), SEER_EIO));
    cr_assert(ne(ptr, strstr(seer_error_message(), p), NULL), "message: %s",
              seer_error_message());
    cr_assert(eq(int, count_entries(), 0));
}

Test(modelfile, write_bad_arguments) {
    seer_tensor t[2] = {{"a", SEER_DTYPE_F32, 1, {3}, small_f},
                        {"a", SEER_DTYPE_F32, 1, {3}, small_f}};
    cr_assert(eq(int, seer_modelfile_write(path, "{}", t, 2), SEER_EINVAL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "appears twice"), NULL));
    t[1].name = "b";
    t[1].dtype = (seer_dtype)7;
    cr_assert(eq(int, seer_modelfile_write(path, "{}", t, 2), SEER_EINVAL));
    t[1].dtype = SEER_DTYPE_U32;
    t[1].ndim = 5;
    cr_assert(eq(int, seer_modelfile_write(path, "{}", t, 2), SEER_EINVAL));
    t[1].ndim = 1;
    t[1].name = "0123456789012345678901234567890123456789012345678901234567890123";  // 64
    cr_assert(eq(int, seer_modelfile_write(path, "{}", t, 2), SEER_EINVAL));
    t[1].name = "";
    cr_assert(eq(int, seer_modelfile_write(path, "{}", t, 2), SEER_EINVAL));
    t[1].name = "b";
    t[1].data = NULL;
    cr_assert(eq(int, seer_modelfile_write(path, "{}", t, 2), SEER_EINVAL));
    t[1].shape[0] = SIZE_MAX / 2;
    t[1].data = small_f;
    cr_assert(eq(int, seer_modelfile_write(path, "{}", t, 2), SEER_EINVAL));
    cr_assert(eq(int, count_entries(), 0));
    // A 63-byte name is the longest allowed.
    t[1].shape[0] = 3;
    t[1].name = "012345678901234567890123456789012345678901234567890123456789012";
    cr_assert(eq(int, seer_modelfile_write(path, "{}", t, 2), SEER_OK));
    seer_modelfile *m;
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_OK));
    expect_tensors(m, t, 2);
    seer_modelfile_close(m);
}

// Crafted files: a valid file, one field patched, checksums recomputed.
// Offsets: the first directory entry of the small model, and its fields.
static unsigned char *crafted(size_t *n, unsigned char **entry0) {
    write_small();
    unsigned char *b = slurp(path, n);
    *entry0 = b + get_u64(b + 24);
    return b;
}

static void expect_crafted(unsigned char *b, size_t n, const char *want) {
    fix_checksums(b, n);
    spill(path, b, n);
    expect_edata(want);
    free(b);
}

Test(modelfile, crafted_duplicate_name) {
    size_t n;
    unsigned char *e;
    unsigned char *b = crafted(&n, &e);
    memcpy(e + 128, "w\0\0", 3);  // "ids" -> "w"
    expect_crafted(b, n, "appears twice");
}

Test(modelfile, crafted_bad_names) {
    size_t n;
    unsigned char *e;
    unsigned char *b = crafted(&n, &e);
    memset(e, 'x', 64);  // no NUL
    expect_crafted(b, n, "bad name field");
    b = crafted(&n, &e);
    e[0] = '\0';  // empty
    expect_crafted(b, n, "bad name field");
    b = crafted(&n, &e);
    e[40] = 'x';  // garbage after the NUL
    expect_crafted(b, n, "bad name field");
}

Test(modelfile, crafted_dtype_and_ndim) {
    size_t n;
    unsigned char *e;
    unsigned char *b = crafted(&n, &e);
    put_u32(e + 64, 0);
    expect_crafted(b, n, "unknown dtype 0");
    b = crafted(&n, &e);
    put_u32(e + 64, 4);
    expect_crafted(b, n, "unknown dtype 4");
    b = crafted(&n, &e);
    put_u32(e + 68, 5);
    expect_crafted(b, n, "5 dimensions");
    b = crafted(&n, &e);
    put_u32(e + 68, 0xffffffffu);
    expect_crafted(b, n, "dimensions");
    b = crafted(&n, &e);
    put_u64(e + 96, 1);  // shape[3] of a 2-d tensor
    expect_crafted(b, n, "unused fields");
    b = crafted(&n, &e);
    put_u64(e + 120, 1);  // reserved
    expect_crafted(b, n, "unused fields");
}

Test(modelfile, crafted_sizes) {
    size_t n;
    unsigned char *e;
    unsigned char *b = crafted(&n, &e);
    put_u64(e + 72, 4);  // shape (4, 5) but 60 bytes
    expect_crafted(b, n, "does not match its shape");
    b = crafted(&n, &e);
    // shape (2^32, 2^32) overflows 64 bits.
    put_u64(e + 72, (uint64_t)1 << 32);
    put_u64(e + 80, (uint64_t)1 << 32);
    expect_crafted(b, n, "does not match its shape");
    b = crafted(&n, &e);
    // shape (2^62) in f32: 2^64 bytes, an overflow of the byte count.
    put_u32(e + 68, 1);
    put_u64(e + 72, (uint64_t)1 << 62);
    put_u64(e + 80, 0);
    put_u64(e + 112, 0);
    expect_crafted(b, n, "does not match its shape");
    b = crafted(&n, &e);
    // A consistent shape and size, but far beyond the end of the file.
    put_u32(e + 68, 1);
    put_u64(e + 72, (uint64_t)1 << 40);
    put_u64(e + 80, 0);
    put_u64(e + 112, (uint64_t)1 << 42);
    expect_crafted(b, n, "outside the file");
}

Test(modelfile, crafted_offsets) {
    size_t n;
    unsigned char *e;
    unsigned char *b = crafted(&n, &e);
    put_u64(e + 104, get_u64(e + 104) + 1);  // misaligned
    expect_crafted(b, n, "outside the file");
    b = crafted(&n, &e);
    put_u64(e + 104, UINT64_MAX - 63);  // offset + size wraps
    expect_crafted(b, n, "outside the file");
    b = crafted(&n, &e);
    put_u64(e + 128 + 104, get_u64(e + 104));  // "ids" on top of "w"
    expect_crafted(b, n, "overlaps");
    b = crafted(&n, &e);
    put_u64(e + 104, 0);  // data inside the header
    expect_crafted(b, n, "overlaps");
}

Test(modelfile, crafted_header) {
    size_t n;
    unsigned char *e;
    unsigned char *b = crafted(&n, &e);
    put_u64(b + 16, UINT64_MAX);  // json_len
    expect_crafted(b, n, "over the limits");
    b = crafted(&n, &e);
    put_u32(b + 12, (1u << 16) + 1);  // n_tensors
    expect_crafted(b, n, "over the limits");
    b = crafted(&n, &e);
    put_u32(b + 12, 1000);  // a directory longer than the file
    expect_crafted(b, n, "bad section offsets");
    b = crafted(&n, &e);
    put_u64(b + 16, get_u64(b + 24));  // the JSON runs into the directory
    expect_crafted(b, n, "bad section offsets");
    b = crafted(&n, &e);
    put_u64(b + 24, UINT64_MAX - 63);  // dir_offset
    expect_crafted(b, n, "bad section offsets");
    b = crafted(&n, &e);
    put_u64(b + 32, get_u64(b + 24));  // data over the directory
    expect_crafted(b, n, "bad section offsets");
    b = crafted(&n, &e);
    put_u64(b + 32, get_u64(b + 32) + 8);  // misaligned data section
    expect_crafted(b, n, "bad section offsets");
    b = crafted(&n, &e);
    put_u64(b + 40, UINT64_MAX);  // file_size
    expect_crafted(b, n, "truncated");
    b = crafted(&n, &e);
    b[64 + 3] = '\0';  // NUL inside the JSON
    expect_crafted(b, n, "NUL byte inside the JSON");
}

Test(modelfile, write_refuses_nonfinite) {
    seer_tensor t[N_SMALL];
    small_tensors(t);
    small_f[7] = NAN;
    cr_assert(eq(int, seer_modelfile_write(path, SMALL_JSON, t, N_SMALL), SEER_EINTERNAL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "tensor w holds NaN at index 7"), NULL),
              "message: %s", seer_error_message());
    cr_assert(eq(int, count_entries(), 0), "nothing written");
    small_tensors(t);
    small_s[0] = -INFINITY;
    cr_assert(eq(int, seer_modelfile_write(path, SMALL_JSON, t, N_SMALL), SEER_EINTERNAL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "tensor scale holds -inf at index 0"), NULL),
              "message: %s", seer_error_message());
    cr_assert(eq(int, count_entries(), 0), "nothing written");
}

Test(modelfile, crafted_nonfinite) {
    // "scale" (f32) at bytes 960..964, see layout; u32 and u64 tensors may hold any bits.
    const float bad[] = {NAN, INFINITY, -INFINITY};
    const char *want[] = {"tensor scale holds NaN at index 0", "holds +inf", "holds -inf"};
    for (int i = 0; i < 3; i++) {
        size_t n;
        unsigned char *e;
        unsigned char *b = crafted(&n, &e);
        memcpy(b + 960, &bad[i], 4);
        expect_crafted(b, n, want[i]);
    }
    size_t n;
    unsigned char *e;
    unsigned char *b = crafted(&n, &e);
    float nan = NAN;
    memcpy(b + get_u64(e + 128 + 104), &nan, 4);  // "ids", u32: a NaN's bits are an id
    fix_checksums(b, n);
    spill(path, b, n);
    seer_modelfile *m;
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_OK), "%s", seer_error_message());
    seer_modelfile_close(m);
    free(b);
}

// A file that is no model is refused from its header, before it is read: 1 GiB of zeros (sparse)
// under an address-space limit 64 MiB above the process's, which reading it whole would pass.
Test(modelfile, a_large_file_refused_from_its_header) {
    snprintf(path, sizeof path, "%s/zeros.seer", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    cr_assert(eq(int, ftruncate(fileno(f), (off_t)1 << 30), 0));
    fclose(f);
    address_space_leave((size_t)64 << 20);
    seer_modelfile *m = NULL;
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_EDATA));
    cr_assert(eq(ptr, m, NULL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "not a seer model file"), NULL), "%s",
              seer_error_message());
}

// A FIFO given for a model is refused at once: opened blocking, it waited for a writer forever.
Test(modelfile, a_fifo_refused_without_waiting, .timeout = 10) {
    snprintf(path, sizeof path, "%s/fifo.seer", dir);
    cr_assert(eq(int, mkfifo(path, 0600), 0));
    seer_modelfile *m = NULL;
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_EIO));
    cr_assert(ne(ptr, strstr(seer_error_message(), "not a regular file"), NULL), "%s",
              seer_error_message());
    char *json = NULL;
    cr_assert(ne(int, seer_modelfile_peek_json(path, &json), SEER_OK));
    uint64_t id = 1;
    cr_assert(ne(int, seer_modelfile_peek_id(path, &id), SEER_OK));
    cr_assert(eq(int, remove(path), 0));
}

// The checksum in lanes, written out here from its definition (base/lane_hash.h): word k of
// the whole 128-byte blocks goes to lane k % 16, each lane steps as seer_hash_bytes does, a
// chain over the lanes' states seeds seer_hash_bytes of the tail.
static uint64_t lanes_reference(const unsigned char *p, size_t n, uint64_t seed) {
    const uint64_t step = 0x9e3779b97f4a7c15ULL;
    uint64_t h[16];
    for (size_t l = 0; l < 16; l++) h[l] = seed ^ (step * (n + 1 + l));
    size_t whole = n / 128 * 128;
    for (size_t k = 0; k < whole / 8; k++) {
        uint64_t w;
        memcpy(&w, p + 8 * k, 8);
        h[k % 16] = seer_mix64(h[k % 16] ^ w) + step;
    }
    uint64_t r = step;
    for (size_t l = 0; l < 16; l++) r = seer_mix64(r ^ h[l]) + step;
    return seer_hash_bytes(p + whole, n - whole, r);
}

// Every length from 0 to 700 (no block, blocks and tails of every size) and a few seeds, and
// fixed values: the format is frozen, a change to both forms at once must fail too.
Test(modelfile, lane_hash_matches_its_definition) {
    unsigned char b[700];
    uint64_t x = 12345;
    for (size_t i = 0; i < sizeof b; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        b[i] = (unsigned char)(x >> 56);
    }
    for (size_t n = 0; n <= sizeof b; n++)
        for (uint64_t seed = 0; seed < 3; seed++)
            cr_assert(eq(u64, seer_lane_hash(b, n, seed), lanes_reference(b, n, seed)),
                      "n %zu seed %llu", n, (unsigned long long)seed);
    cr_assert(eq(u64, seer_lane_hash("", 0, 0), 0x47b585b889c31763ULL));
    cr_assert(eq(u64, seer_lane_hash(b, 700, 0), 0x192b5cebf9856fa5ULL));
    // One bit of any word, lanes and tail alike, changes it.
    uint64_t base = seer_lane_hash(b, 700, 0);
    for (size_t i = 0; i < sizeof b; i++) {
        b[i] ^= 0x01;
        cr_assert(ne(u64, seer_lane_hash(b, 700, 0), base), "byte %zu", i);
        b[i] ^= 0x01;
    }
}

// Version 2 (the checksum in lanes), read and mapped: the same document and tensors as the
// version 1 file, and a mapped file gives its descriptor and the tensors' offsets.
// The small model in the container's version 2 (the checksum in lanes).
static void write_small_lanes(void) {
    seer_tensor t[N_SMALL];
    small_tensors(t);
    cr_assert(eq(int, seer_modelfile_write_version(path, SMALL_JSON, t, N_SMALL,
                                                   SEER_MODELFILE_VERSION_LANES), SEER_OK));
}

Test(modelfile, lanes_version_round_trip_read_and_mapped) {
    seer_tensor t[N_SMALL];
    small_tensors(t);
    write_small_lanes();
    size_t n;
    unsigned char *b = slurp(path, &n);
    cr_assert(eq(u32, get_u32(b + 8), 2));
    cr_assert(eq(u64, get_u64(b + 48), seer_lane_hash(b + 64, n - 64, 0)));
    for (int mapped = 0; mapped < 2; mapped++) {
        seer_modelfile *m;
        int rc = mapped ? seer_modelfile_open_mapped(&m, path) : seer_modelfile_open(&m, path);
        cr_assert(eq(int, rc, SEER_OK), "%s", seer_error_message());
        cr_assert(eq(str, (char *)seer_modelfile_json(m), (char *)SMALL_JSON));
        expect_tensors(m, t, N_SMALL);
        cr_assert(eq(int, seer_modelfile_fd(m) >= 0, mapped));
        const seer_tensor *w = seer_modelfile_tensor(m, "w");
        uint64_t off = seer_modelfile_offset(m, w);
        cr_assert(eq(int, memcmp(b + off, small_f, sizeof small_f), 0));
        seer_modelfile_close(m);
    }
    // A mapped version 1 file too.
    write_small();
    seer_modelfile *m;
    cr_assert(eq(int, seer_modelfile_open_mapped(&m, path), SEER_OK));
    expect_tensors(m, t, N_SMALL);
    seer_modelfile_close(m);
    free(b);
}

// Every bit flipped (the first and last of each byte) in a version 2 file is refused, read and
// mapped.
Test(modelfile, lanes_version_flipped_byte) {
    write_small_lanes();
    size_t n;
    unsigned char *b = slurp(path, &n);
    expect_every_flip_refused(b, n);
    free(b);
}

// The writer feeds the checksum in pieces (header, JSON, directory, padding, tensors of odd
// sizes): the same value as the whole body at once, for tensors of any length, and a word
// changed deep inside a large tensor is found.
Test(modelfile, lanes_version_streamed_equals_whole) {
    enum { BIG = 300001 };
    float *big = malloc(BIG * sizeof *big);
    uint32_t odd[37];
    for (size_t i = 0; i < BIG; i++) big[i] = (float)(i % 977) * 0.5f;
    for (size_t i = 0; i < 37; i++) odd[i] = (uint32_t)(i * 2654435761u);
    for (size_t cut = 0; cut < 5; cut++) {
        seer_tensor t[2] = {{"odd", SEER_DTYPE_U32, 1, {37 - cut}, odd},
                            {"big", SEER_DTYPE_F32, 1, {BIG - 7 * cut}, big}};
        cr_assert(eq(int, seer_modelfile_write_version(path, "{\"a\": 1}", t, 2,
                                                       SEER_MODELFILE_VERSION_LANES), SEER_OK));
        size_t n;
        unsigned char *b = slurp(path, &n);
        cr_assert(eq(u64, get_u64(b + 48), seer_lane_hash(b + 64, n - 64, 0)), "cut %zu", cut);
        seer_modelfile *m;
        cr_assert(eq(int, seer_modelfile_open_mapped(&m, path), SEER_OK));
        expect_tensors(m, t, 2);
        seer_modelfile_close(m);
        b[n / 2] ^= 0x40;
        spill(path, b, n);
        expect_edata("checksum mismatch");
        free(b);
    }
    free(big);
}

// A mapped file's mapping given over: its tensors stay readable after close, until the new
// owner unmaps it; given once only, and a file read has none to give.
Test(modelfile, mapping_given_over_outlives_close) {
    write_small();
    seer_tensor t[N_SMALL];
    small_tensors(t);
    seer_modelfile *m;
    cr_assert(eq(int, seer_modelfile_open_mapped(&m, path), SEER_OK));
    size_t bytes = 0, again = 1;
    void *map = seer_modelfile_give_map(m, &bytes);
    cr_assert(ne(ptr, map, NULL));
    cr_assert(eq(ptr, seer_modelfile_give_map(m, &again), NULL));
    cr_assert(eq(sz, again, 0));
    const seer_tensor *w = seer_modelfile_tensor(m, "w");
    const float *data = w->data;
    uint64_t off = seer_modelfile_offset(m, w);
    seer_modelfile_close(m);
    cr_assert(eq(int, memcmp(data, small_f, sizeof small_f), 0));
    cr_assert(eq(int, memcmp((const char *)map + off, small_f, sizeof small_f), 0));
    struct stat st;
    cr_assert(eq(int, stat(path, &st), 0));
    cr_assert(eq(sz, bytes, (size_t)st.st_size));
    cr_assert(eq(int, munmap(map, bytes), 0));
    cr_assert(eq(int, seer_modelfile_open(&m, path), SEER_OK));
    cr_assert(eq(ptr, seer_modelfile_give_map(m, &bytes), NULL));
    seer_modelfile_close(m);
}

// A file of a few MiB is checked on two CPUs where there are two (the checksum beside the scan
// for NaN): the answers and their order are those of one: a NaN at the very end of a large
// tensor is named with its place; with the checksum also wrong, the checksum is said first.
Test(modelfile, large_file_checked_beside_says_the_same) {
    enum { BIG = 1 << 20 };
    float *big = malloc(BIG * sizeof *big);
    for (size_t i = 0; i < BIG; i++) big[i] = (float)(i % 1000) * 0.125f;
    seer_tensor t[1] = {{"big", SEER_DTYPE_F32, 1, {BIG}, big}};
    cr_assert(eq(int, seer_modelfile_write(path, "{}", t, 1), SEER_OK));
    size_t n;
    unsigned char *b = slurp(path, &n);
    cr_assert(gt(sz, n, (size_t)4 << 20));
    const float nan = NAN;
    memcpy(b + n - 4, &nan, 4);
    fix_checksums(b, n);
    spill(path, b, n);
    expect_edata("tensor big holds NaN at index 1048575");
    b[n / 2] ^= 0x01;  // the checksum is no longer the file's
    spill(path, b, n);
    expect_edata("checksum mismatch");
    free(b);
    free(big);
}
