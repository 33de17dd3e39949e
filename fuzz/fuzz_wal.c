// libFuzzer target for what online learning reads back from disk after a crash: the event
// log's segments (src/serve/wal.c: opening scans every record, cuts a torn tail, refuses or
// repairs damage) and the ends of the learner's partial steps (src/serve/step_ends.c).
//
// The input builds a log directory. Its first byte picks the mode: raw (the rest of the input
// is a segment's bytes as they are, so the scanner meets any garbage) or structured (the rest
// is read as records, each a control byte then its payload, and written with true checksums
// unless the control byte asks for a bad one, so that sequence gaps, repeats, lengths and torn
// tails are reached without the fuzzer having to find CRCs). It also picks the segment's first
// sequence number, the snapshot's position (covered) and whether opening repairs. The last
// bytes, as many as the second byte says, are the steps file.
//
// Checks: a log that opens reads back its records in sequence, each within the size limit,
// takes one more append, and opens again, plainly, with that record last; the ends of steps
// read back increasing and past covered, take one more, and read back the same with it.
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/crc32c.h"
#include "base/error.h"
#include "serve/step_ends.h"
#include "serve/wal.h"

static char dir[64];

static void put_file(const char *name, const void *data, size_t n) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    SEER_ASSERT(f);
    SEER_ASSERT(n == 0 || fwrite(data, 1, n, f) == n);
    fclose(f);
}

// Empties the directory (the log's files, LOCK, steps and what a repair left).
static void clear_dir(void) {
    DIR *d = opendir(dir);
    SEER_ASSERT(d);
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

// Structured records: per record a control byte c (bits 0-1: the sequence step, 0 a repeat,
// 1 the next, 2 and 3 a gap; bit 2: a bad checksum; bits 3-7: the payload's length / 8) then
// the payload, cut short where the input ends (a torn tail).
static size_t build_records(const uint8_t *in, size_t n, uint64_t first, uint8_t *out) {
    uint8_t rec[SEER_WAL_HEADER + 256];
    size_t o = 0, i = 0;
    uint64_t seq = first;
    int started = 0;
    while (i < n) {
        uint8_t c = in[i++];
        uint64_t step = (uint64_t)(c & 3);
        if (started) seq += step == 0 ? 0 : step == 1 ? 1 : 3 * step;
        started = 1;
        size_t len = (size_t)(c >> 3) * 8 + 1;
        size_t have = n - i < len ? n - i : len;
        memset(rec, 0, sizeof rec);
        seer_put_le32(rec + 4, (uint32_t)len);
        seer_put_le64(rec + 8, seq);
        memcpy(rec + SEER_WAL_HEADER, in + i, have);
        uint32_t crc = seer_crc32c(0, rec + 4, SEER_WAL_HEADER - 4 + len);
        seer_put_le32(rec, (c & 4) ? crc ^ 1u : crc);
        memcpy(out + o, rec, SEER_WAL_HEADER + have);
        o += SEER_WAL_HEADER + have;
        i += have;
    }
    return o;
}

static void check_log(uint64_t covered, int repair) {
    seer_wal *w;
    uint64_t lost = 0;
    int rc = repair ? seer_wal_open_repair(&w, dir, covered, &lost) : seer_wal_open(&w, dir, covered);
    if (rc != SEER_OK) return;
    uint64_t last = seer_wal_last_seq(w);
    seer_wal_reader rd;
    SEER_ASSERT(seer_wal_reader_init(&rd, w, covered) == SEER_OK);
    const char *data;
    size_t len;
    uint64_t seq, expect = covered + 1;
    int k;
    while ((k = seer_wal_next(&rd, last, &data, &len, &seq)) == 1) {
        SEER_ASSERT(seq == expect && len <= SEER_WAL_RECORD_MAX);
        expect++;
    }
    // Opening checked every record: each one up to the last reads back.
    SEER_ASSERT(k == 0 && expect == (last > covered ? last : covered) + 1);
    seer_wal_reader_free(&rd);
    const char *rec = "x";
    size_t one = 1;
    uint64_t appended = 0;
    int ok = seer_wal_append(w, &rec, &one, 1, &appended) == SEER_OK;
    seer_wal_close(w);
    if (!ok) return;
    SEER_ASSERT(appended == last + 1);
    SEER_ASSERT(seer_wal_open(&w, dir, covered) == SEER_OK);
    SEER_ASSERT(seer_wal_last_seq(w) == appended);
    seer_wal_close(w);
}

static void check_ends(uint64_t covered) {
    seer_step_ends s;
    if (seer_step_ends_open(&s, dir, covered) != SEER_OK) return;
    uint64_t got[64], at = covered, end;
    size_t n = 0;
    while ((end = seer_step_ends_after(&s, at)) != 0) {
        SEER_ASSERT(end > at && n < 63);  // at most 255 bytes of entries
        got[n++] = at = end;
    }
    got[n++] = at + 1;
    SEER_ASSERT(seer_step_ends_add(&s, at + 1) == SEER_OK);
    seer_step_ends_close(&s);
    SEER_ASSERT(seer_step_ends_open(&s, dir, covered) == SEER_OK);
    at = covered;
    for (size_t i = 0; i < n; i++) SEER_ASSERT((at = seer_step_ends_after(&s, at)) == got[i]);
    SEER_ASSERT(seer_step_ends_after(&s, at) == 0);
    seer_step_ends_close(&s);
}

static void remove_dir(void) {
    clear_dir();
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    if (!dir[0]) {  // one directory a process, in memory where there is a tmpfs
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof dir, "%s/seer_fuzz_wal_%d", base, (int)getpid());
        SEER_ASSERT(mkdir(dir, 0700) == 0);
        atexit(remove_dir);
    }
    clear_dir();
    uint8_t mode = data[0];
    size_t steps_len = data[1] < size - 2 ? data[1] : size - 2;
    const uint8_t *body = data + 2;
    size_t body_len = size - 2 - steps_len;
    uint64_t first = 1 + (uint64_t)((mode >> 2) & 7) * 5;
    uint64_t covered = (uint64_t)((mode >> 5) & 3) * 4;
    int repair = (mode >> 1) & 1;
    char name[32];
    snprintf(name, sizeof name, "wal-%016llx.log", (unsigned long long)first);
    if (mode & 1) {
        uint8_t *seg = malloc(body_len * (SEER_WAL_HEADER + 1) + 1);
        SEER_ASSERT(seg);
        put_file(name, seg, build_records(body, body_len, first, seg));
        free(seg);
    } else {
        put_file(name, body, body_len);
    }
    put_file("steps", body + body_len, steps_len);
    check_log(covered, repair);
    check_ends(covered);
    return 0;
}
