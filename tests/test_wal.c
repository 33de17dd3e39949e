// The write-ahead log: appends read back in order, a torn tail cut at every
// byte of the last record, damage detected by the CRC, truncation by segment,
// concurrent appends sharing fsyncs, the lock. Each test works in a fresh
// directory under /tmp, removed afterwards.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crc32c.h"
#include "base/error.h"
#include "serve/wal.h"
#include "tmpdir.h"

static char dir[64];

static void make_dir(void) {
    strcpy(dir, "/tmp/seer_test_wal_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
}

static void remove_dir(void) { remove_tree(dir); }

TestSuite(wal, .init = make_dir, .fini = remove_dir, .timeout = 60);

static const char *sub(const char *name) {
    static char p[8][256];
    static int k;
    char *s = p[k++ % 8];
    snprintf(s, 256, "%s/%s", dir, name);
    return s;
}

// The payload of record i: varying lengths, some empty of structure.
static size_t payload(char *buf, size_t cap, uint64_t i) {
    int n = snprintf(buf, cap, "{\"i\":%llu,\"pad\":\"%.*s\"}", (unsigned long long)i,
                     (int)(i * 7 % 23), "abcdefghijklmnopqrstuvwxyz");
    return (size_t)n;
}

static void append_range(seer_wal *w, uint64_t from, uint64_t to) {
    char buf[128];
    for (uint64_t i = from; i <= to; i++) {
        size_t len = payload(buf, sizeof buf, i);
        const char *d = buf;
        uint64_t last;
        cr_assert(eq(int, seer_wal_append(w, &d, &len, 1, &last), SEER_OK), "%s",
                  seer_error_message());
        cr_assert(eq(u64, last, i));
    }
}

// Reads every record after `after` up to limit and checks each is payload(seq).
static uint64_t read_all(seer_wal *w, uint64_t after, uint64_t limit) {
    seer_wal_reader r;
    cr_assert(eq(int, seer_wal_reader_init(&r, w, after), SEER_OK), "%s", seer_error_message());
    uint64_t n = 0, expect = after + 1, seq;
    const char *data;
    size_t len;
    int k;
    char buf[128];
    while ((k = seer_wal_next(&r, limit, &data, &len, &seq)) == 1) {
        cr_assert(eq(u64, seq, expect));
        size_t want = payload(buf, sizeof buf, seq);
        cr_assert(eq(sz, len, want));
        cr_assert(eq(int, memcmp(data, buf, len), 0));
        expect++;
        n++;
    }
    cr_assert(eq(int, k, 0), "%s", seer_error_message());
    seer_wal_reader_free(&r);
    return n;
}

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    cr_assert(ne(ptr, f, NULL), "%s", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)size + 1);
    cr_assert(eq(sz, fread(b, 1, (size_t)size, f), (size_t)size));
    fclose(f);
    *n = (size_t)size;
    return b;
}

static void spit(const char *path, const char *b, size_t n) {
    FILE *f = fopen(path, "wb");
    cr_assert(ne(ptr, f, NULL), "%s", path);
    cr_assert(eq(sz, fwrite(b, 1, n, f), n));
    fclose(f);
}

// A closed log of two segments: records 1-3 in the first, 4-6 in the second.
static void two_segments(void) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    append_range(w, 1, 3);
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));
    append_range(w, 4, 6);
    seer_wal_close(w);
}

Test(wal, crc32c_known_value) {
    cr_assert(eq(u32, seer_crc32c(0, "123456789", 9), 0xe3069283u));
    // Continuing equals one pass.
    cr_assert(eq(u32, seer_crc32c(seer_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u));
    cr_assert(eq(u32, seer_crc32c(0, "", 0), 0u));
}

Test(wal, append_and_replay) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(u64, seer_wal_last_seq(w), 0));
    append_range(w, 1, 5);
    // Several records in one call are contiguous.
    char b[3][128];
    const char *d[3] = {b[0], b[1], b[2]};
    size_t lens[3];
    for (int i = 0; i < 3; i++) lens[i] = payload(b[i], sizeof b[i], 6 + (uint64_t)i);
    uint64_t last;
    cr_assert(eq(int, seer_wal_append(w, d, lens, 3, &last), SEER_OK));
    cr_assert(eq(u64, last, 8));
    cr_assert(eq(u64, read_all(w, 0, 8), 8));
    cr_assert(eq(u64, read_all(w, 3, 8), 5));
    cr_assert(eq(u64, read_all(w, 0, 4), 4));  // the limit holds reads back
    seer_wal_close(w);
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(u64, seer_wal_last_seq(w), 8));
    append_range(w, 9, 10);
    cr_assert(eq(u64, read_all(w, 0, 10), 10));
    seer_wal_close(w);
}

Test(wal, reader_follows_appends_across_segments) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    seer_wal_reader r;
    cr_assert(eq(int, seer_wal_reader_init(&r, w, 0), SEER_OK));
    const char *data;
    size_t len;
    uint64_t seq, expect = 1;
    for (int round = 0; round < 4; round++) {
        append_range(w, expect, expect + 2);
        if (round % 2) cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));
        while (seer_wal_next(&r, seer_wal_last_seq(w), &data, &len, &seq) == 1)
            cr_assert(eq(u64, seq, expect++));
    }
    cr_assert(eq(u64, expect, 13));
    seer_wal_reader_free(&r);
    seer_wal_close(w);
}

// Cuts the only segment at every byte of its last record: reopening keeps
// exactly the complete records, and appends continue after them.
Test(wal, torn_tail_at_every_offset) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    append_range(w, 1, 4);
    size_t start_last = 0, n;
    {
        char *all = slurp(sub("log/wal-0000000000000001.log"), &n);
        free(all);
        start_last = n;  // before the 5th record
    }
    append_range(w, 5, 5);
    seer_wal_close(w);
    char *full = slurp(sub("log/wal-0000000000000001.log"), &n);
    cr_assert(gt(sz, n, start_last + SEER_WAL_HEADER));
    for (size_t cut = start_last; cut < n; cut++) {
        remove_tree(sub("cut"));
        cr_assert(eq(int, mkdir(sub("cut"), 0755), 0));
        spit(sub("cut/wal-0000000000000001.log"), full, cut);
        cr_assert(eq(int, seer_wal_open(&w, sub("cut"), 0), SEER_OK), "cut %zu: %s", cut,
                  seer_error_message());
        cr_assert(eq(u64, seer_wal_last_seq(w), 4), "cut %zu", cut);
        cr_assert(eq(u64, read_all(w, 0, 4), 4));
        struct stat st;
        cr_assert(eq(int, stat(sub("cut/wal-0000000000000001.log"), &st), 0));
        cr_assert(eq(sz, (size_t)st.st_size, start_last), "cut %zu: the tail stays", cut);
        append_range(w, 5, 6);
        seer_wal_close(w);
        cr_assert(eq(int, seer_wal_open(&w, sub("cut"), 0), SEER_OK));
        cr_assert(eq(u64, read_all(w, 0, 6), 6));
        seer_wal_close(w);
    }
    // Uncut, all five are there.
    remove_tree(sub("cut"));
    cr_assert(eq(int, mkdir(sub("cut"), 0755), 0));
    spit(sub("cut/wal-0000000000000001.log"), full, n);
    cr_assert(eq(int, seer_wal_open(&w, sub("cut"), 0), SEER_OK));
    cr_assert(eq(u64, read_all(w, 0, 5), 5));
    seer_wal_close(w);
    free(full);
}

// A flipped bit in the current segment's last record: a crash's unfinished
// append for all anyone can tell, and cut off as one.
Test(wal, crc_damage_in_last_record_cuts_the_tail) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    append_range(w, 1, 4);
    size_t n;
    char *b = slurp(sub("log/wal-0000000000000001.log"), &n);
    size_t fourth = n;
    free(b);
    append_range(w, 5, 5);
    seer_wal_close(w);
    b = slurp(sub("log/wal-0000000000000001.log"), &n);
    b[fourth + SEER_WAL_HEADER + 3] ^= 0x10;  // a payload byte of record 5
    spit(sub("log/wal-0000000000000001.log"), b, n);
    free(b);
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(u64, seer_wal_last_seq(w), 4));
    cr_assert(eq(u64, read_all(w, 0, 4), 4));
    seer_wal_close(w);
}

// The byte offset of record seq in a segment that starts at first.
static size_t offset_of(const char *b, size_t n, uint64_t first, uint64_t seq) {
    size_t off = 0;
    for (uint64_t s = first; s < seq; s++) {
        cr_assert(le(sz, off + SEER_WAL_HEADER, n));
        uint32_t len = 0;
        memcpy(&len, b + off + 4, 4);
        off += SEER_WAL_HEADER + len;
    }
    return off;
}

// Reads records after..limit: each payload(seq), except the ones in lost[]
// (0-terminated), which must be empty. Returns how many were read.
static uint64_t read_with_lost(seer_wal *w, uint64_t after, uint64_t limit, const uint64_t *lost) {
    seer_wal_reader r;
    cr_assert(eq(int, seer_wal_reader_init(&r, w, after), SEER_OK), "%s", seer_error_message());
    uint64_t n = 0, expect = after + 1, seq;
    const char *data;
    size_t len;
    int k;
    char buf[128];
    while ((k = seer_wal_next(&r, limit, &data, &len, &seq)) == 1) {
        cr_assert(eq(u64, seq, expect));
        int is_lost = 0;
        for (const uint64_t *l = lost; *l; l++) is_lost |= *l == seq;
        size_t want = is_lost ? 0 : payload(buf, sizeof buf, seq);
        cr_assert(eq(sz, len, want), "record %llu", (unsigned long long)seq);
        cr_assert(eq(int, memcmp(data, buf, len), 0));
        expect++;
        n++;
    }
    cr_assert(eq(int, k, 0), "%s", seer_error_message());
    seer_wal_reader_free(&r);
    return n;
}

// Only the segments and the lock: a repair leaves no temporary file.
static void only_segments_left(const char *d) {
    DIR *h = opendir(d);
    cr_assert(ne(ptr, h, NULL));
    struct dirent *e;
    while ((e = readdir(h)))
        cr_assert(e->d_name[0] == '.' || strcmp(e->d_name, "LOCK") == 0 ||
                  (strncmp(e->d_name, "wal-", 4) == 0 && strlen(e->d_name) == 24),
                  "left behind: %s", e->d_name);
    closedir(h);
}

// One damaged record in the middle of a segment, whole ones after it: not a
// torn tail. Cutting there would drop 667 acknowledged events, so opening
// refuses, naming the file and offset; a repair loses only the damaged one,
// and the rest keep their sequence numbers.
static void damage_in_the_middle(int byte) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    append_range(w, 1, 1000);
    seer_wal_close(w);
    const char *p = sub("log/wal-0000000000000001.log");
    size_t n;
    char *b = slurp(p, &n);
    size_t off = offset_of(b, n, 1, 334);
    b[off + (size_t)byte] ^= 0x10;
    spit(p, b, n);
    free(b);
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_EDATA));
    char want[128];
    snprintf(want, sizeof want, "wal-0000000000000001.log: record 334 at offset %zu is damaged",
             off);
    cr_assert(ne(ptr, strstr(seer_error_message(), want), NULL), "%s", seer_error_message());
    struct stat st;
    cr_assert(eq(int, stat(p, &st), 0));
    cr_assert(eq(sz, (size_t)st.st_size, n), "the refused segment is left as it was");

    uint64_t lost = 99;
    cr_assert(eq(int, seer_wal_open_repair(&w, sub("log"), 0, &lost), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(u64, lost, 1));
    cr_assert(eq(u64, seer_wal_last_seq(w), 1000));
    const uint64_t gone[] = {334, 0};
    cr_assert(eq(u64, read_with_lost(w, 0, 1000, gone), 1000));
    append_range(w, 1001, 1002);
    seer_wal_close(w);
    only_segments_left(sub("log"));
    // The repair is on disk: a plain open takes the log as it is now.
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(u64, read_with_lost(w, 0, 1002, gone), 1002));
    seer_wal_close(w);
}

Test(wal, damage_mid_segment_payload_refused_then_repaired) {
    damage_in_the_middle(SEER_WAL_HEADER + 2);
}

// The length field damaged: the next record is found by its header and CRC.
Test(wal, damage_mid_segment_length_refused_then_repaired) { damage_in_the_middle(5); }

// One flipped byte anywhere: in the last record it is a torn tail, cut; anywhere
// else opening refuses and a repair loses exactly the record that holds it.
Test(wal, one_flipped_byte_anywhere_loses_one_record) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("src"), 0), SEER_OK));
    append_range(w, 1, 60);
    seer_wal_close(w);
    size_t n;
    char *b = slurp(sub("src/wal-0000000000000001.log"), &n);
    size_t last_off = offset_of(b, n, 1, 60);
    uint64_t x = 12345;
    for (int trial = 0; trial < 40; trial++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t at = (size_t)(x >> 33) % n;
        uint64_t hit = 1;
        while (hit < 60 && offset_of(b, n, 1, hit + 1) <= at) hit++;
        remove_tree(sub("log"));
        cr_assert(eq(int, mkdir(sub("log"), 0755), 0));
        b[at] ^= 0x04;
        spit(sub("log/wal-0000000000000001.log"), b, n);
        b[at] ^= 0x04;
        if (at >= last_off) {
            cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK), "byte %zu", at);
            cr_assert(eq(u64, seer_wal_last_seq(w), 59));
            seer_wal_close(w);
            continue;
        }
        cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_EDATA), "byte %zu", at);
        uint64_t lost = 0;
        cr_assert(eq(int, seer_wal_open_repair(&w, sub("log"), 0, &lost), SEER_OK), "%s",
                  seer_error_message());
        cr_assert(eq(u64, lost, 1), "byte %zu of record %llu", at, (unsigned long long)hit);
        const uint64_t gone[] = {hit, 0};
        cr_assert(eq(u64, read_with_lost(w, 0, 60, gone), 60));
        seer_wal_close(w);
    }
    free(b);
}

// Damage in a record a snapshot already holds costs no event: the repair says 0 lost,
// and the log is read from the snapshot on.
Test(wal, repair_of_a_covered_record_loses_nothing) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    append_range(w, 1, 20);
    seer_wal_close(w);
    const char *p = sub("log/wal-0000000000000001.log");
    size_t n;
    char *b = slurp(p, &n);
    b[offset_of(b, n, 1, 5) + SEER_WAL_HEADER] ^= 0x01;
    spit(p, b, n);
    free(b);
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 10), SEER_EDATA));
    uint64_t lost = 99;
    cr_assert(eq(int, seer_wal_open_repair(&w, sub("log"), 10, &lost), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(u64, lost, 0));
    cr_assert(eq(u64, read_all(w, 10, 20), 10));
    seer_wal_close(w);
}

// The last record of a closed segment damaged: later segments go on, so it is
// damage too; a repair marks the record lost and keeps the next segment.
Test(wal, damage_at_end_of_older_segment_repaired) {
    seer_wal *w;
    two_segments();
    const char *p = sub("log/wal-0000000000000001.log");
    size_t n;
    char *b = slurp(p, &n);
    size_t off = offset_of(b, n, 1, 3);
    b[n - 1] ^= 0x01;
    spit(p, b, n);
    free(b);
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_EDATA));
    char want[128];
    snprintf(want, sizeof want, "record 3 at offset %zu is damaged", off);
    cr_assert(ne(ptr, strstr(seer_error_message(), want), NULL), "%s", seer_error_message());
    uint64_t lost = 0;
    cr_assert(eq(int, seer_wal_open_repair(&w, sub("log"), 0, &lost), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(u64, lost, 1));
    const uint64_t gone[] = {3, 0};
    cr_assert(eq(u64, read_with_lost(w, 0, 6, gone), 6));
    seer_wal_close(w);
}

// A repair also marks the events of a missing segment lost, so the later ones are read.
Test(wal, repair_fills_a_missing_segment) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    append_range(w, 1, 2);
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));
    append_range(w, 3, 4);
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));
    append_range(w, 5, 6);
    seer_wal_close(w);
    cr_assert(eq(int, unlink(sub("log/wal-0000000000000003.log")), 0));
    uint64_t lost = 0;
    cr_assert(eq(int, seer_wal_open_repair(&w, sub("log"), 0, &lost), SEER_OK), "%s",
              seer_error_message());
    cr_assert(eq(u64, lost, 2));
    const uint64_t gone[] = {3, 4, 0};
    cr_assert(eq(u64, read_with_lost(w, 0, 6, gone), 6));
    seer_wal_close(w);
}

// With nothing damaged a repair changes nothing and loses nothing; a torn
// tail is cut as without it.
Test(wal, repair_of_a_sound_log_or_torn_tail) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    append_range(w, 1, 5);
    seer_wal_close(w);
    const char *p = sub("log/wal-0000000000000001.log");
    size_t n;
    char *b = slurp(p, &n);
    uint64_t lost = 9;
    cr_assert(eq(int, seer_wal_open_repair(&w, sub("log"), 0, &lost), SEER_OK));
    cr_assert(eq(u64, lost, 0));
    seer_wal_close(w);
    size_t n2;
    char *b2 = slurp(p, &n2);
    cr_assert(eq(sz, n2, n));
    cr_assert(eq(int, memcmp(b, b2, n), 0));
    free(b2);
    spit(p, b, n - 3);
    cr_assert(eq(int, seer_wal_open_repair(&w, sub("log"), 0, &lost), SEER_OK));
    cr_assert(eq(u64, lost, 0));
    cr_assert(eq(u64, seer_wal_last_seq(w), 4));
    cr_assert(eq(u64, read_all(w, 0, 4), 4));
    seer_wal_close(w);
    free(b);
}

// An empty payload is the mark of a lost record: appends refuse it.
// The one segment file of dir/log's size.
static off_t segment_size(void) {
    DIR *d = opendir(sub("log"));
    cr_assert(d != NULL);
    struct dirent *e;
    off_t size = -1;
    int n = 0;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "wal-", 4)) {
            char p[512];
            snprintf(p, sizeof p, "%s/%s", sub("log"), e->d_name);
            struct stat st;
            cr_assert(eq(int, stat(p, &st), 0));
            size = st.st_size;
            n++;
        }
    closedir(d);
    cr_assert(eq(int, n, 1));
    return size;
}

// A flush that fails part-way (here past the file size limit, as on a full disk) is refused,
// and cut off again: a later open finds only the records that were answered as logged, not
// the ones written before the failure (which a restart replayed). With room again, appends go
// on, numbered from the last record kept.
Test(wal, a_failed_flush_is_cut_off) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK), "%s", seer_error_message());
    append_range(w, 1, 5);
    off_t before = segment_size();
    char b[20][128];
    const char *d[20];
    size_t lens[20];
    for (int i = 0; i < 20; i++) {
        d[i] = b[i];
        lens[i] = payload(b[i], sizeof b[i], 6 + (uint64_t)i);
    }
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    cr_assert(eq(int, getrlimit(RLIMIT_FSIZE, &old), 0));
    lim = old;
    lim.rlim_cur = (rlim_t)before + 300;  // room for a few of the 20 records
    cr_assert(eq(int, setrlimit(RLIMIT_FSIZE, &lim), 0));
    uint64_t last;
    for (int i = 0; i < 2; i++) {  // and again while there is no room
        int rc = seer_wal_append(w, d, lens, 20, &last);
        cr_assert(eq(int, rc, SEER_EIO));
        cr_assert(ne(ptr, strstr(seer_error_message(), "File too large"), NULL), "%s",
                  seer_error_message());
        cr_assert(eq(long, (long)segment_size(), (long)before));
    }
    cr_assert(eq(int, setrlimit(RLIMIT_FSIZE, &old), 0));
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK), "%s", seer_error_message());  // a snapshot's
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));  // nothing written since: no new segment
    append_range(w, 6, 7);  // numbered on from the records kept
    cr_assert(eq(u64, read_all(w, 0, 7), 7));
    seer_wal_close(w);
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(u64, seer_wal_last_seq(w), 7));
    cr_assert(eq(u64, read_all(w, 0, 7), 7));
    seer_wal_close(w);
}

Test(wal, empty_record_is_refused) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    size_t len = 0;
    const char *d = "";
    uint64_t last;
    cr_assert(eq(int, seer_wal_append(w, &d, &len, 1, &last), SEER_EINVAL));
    cr_assert(eq(u64, seer_wal_last_seq(w), 0));
    seer_wal_close(w);
}

// Damage in a closed segment cannot be a crash's unfinished append: an error naming the file.
Test(wal, crc_damage_in_older_segment_is_an_error) {
    seer_wal *w;
    two_segments();
    const char *p = sub("log/wal-0000000000000001.log");
    size_t n;
    char *b = slurp(p, &n);
    b[SEER_WAL_HEADER + 1] ^= 0x01;  // record 1's payload
    spit(p, b, n);
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_EDATA));
    cr_assert(ne(ptr, strstr(seer_error_message(), "wal-0000000000000001.log"), NULL), "%s",
              seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), "damaged"), NULL), "%s",
              seer_error_message());
    // The header's length field damaged the same way.
    b[SEER_WAL_HEADER + 1] ^= 0x01;
    b[5] ^= 0x40;
    spit(p, b, n);
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_EDATA));
    free(b);
    // Covered by a snapshot, the damaged segment is not needed: it is deleted unread.
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 3), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(u64, seer_wal_last_seq(w), 6));
    cr_assert(eq(u64, read_all(w, 3, 6), 3));
    cr_assert(eq(sz, seer_wal_segments(w), 1));
    seer_wal_close(w);
}

Test(wal, truncation_by_segment) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    append_range(w, 1, 3);
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));
    append_range(w, 4, 6);
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));
    append_range(w, 7, 8);
    cr_assert(eq(sz, seer_wal_segments(w), 3));
    cr_assert(eq(int, seer_wal_truncate(w, 2), SEER_OK));
    cr_assert(eq(sz, seer_wal_segments(w), 3));  // record 3 is not covered
    cr_assert(eq(int, seer_wal_truncate(w, 5), SEER_OK));
    cr_assert(eq(sz, seer_wal_segments(w), 2));
    struct stat st;
    cr_assert(ne(int, stat(sub("log/wal-0000000000000001.log"), &st), 0));
    cr_assert(eq(int, seer_wal_truncate(w, 100), SEER_OK));
    cr_assert(eq(sz, seer_wal_segments(w), 1));  // never the current one
    cr_assert(eq(u64, read_all(w, 6, 8), 2));
    // Rotating an empty segment does nothing.
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));
    cr_assert(eq(sz, seer_wal_segments(w), 2));
    seer_wal_close(w);
    // Reopened under a snapshot of 8, the log continues at 9 and holds nothing to replay.
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 8), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(u64, seer_wal_last_seq(w), 8));
    cr_assert(eq(u64, read_all(w, 8, 8), 0));
    append_range(w, 9, 9);
    cr_assert(eq(u64, read_all(w, 8, 9), 1));
    seer_wal_close(w);
}

// A crash between a snapshot's rename and the unlinks leaves covered
// segments; one could also come back after the unlink if the directory was
// not synced. Either way a reopen skips them by sequence number.
Test(wal, covered_segments_left_by_a_crash) {
    seer_wal *w;
    two_segments();
    // The snapshot covers 5: the first segment goes, the second is replayed from 6.
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 5), SEER_OK));
    cr_assert(eq(u64, seer_wal_last_seq(w), 6));
    cr_assert(eq(u64, read_all(w, 5, 6), 1));
    cr_assert(eq(sz, seer_wal_segments(w), 1));
    seer_wal_close(w);
}

Test(wal, missing_segment_is_an_error) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    append_range(w, 1, 2);
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));
    append_range(w, 3, 4);
    cr_assert(eq(int, seer_wal_rotate(w), SEER_OK));
    append_range(w, 5, 6);
    seer_wal_close(w);
    cr_assert(eq(int, unlink(sub("log/wal-0000000000000003.log")), 0));
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_EDATA));
    cr_assert(ne(ptr, strstr(seer_error_message(), "lacks events 3 to 4"), NULL), "%s",
              seer_error_message());
    // Nor may the log start after what a snapshot covers.
    cr_assert(eq(int, unlink(sub("log/wal-0000000000000001.log")), 0));
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 1), SEER_EDATA));
}

Test(wal, one_process_at_a_time) {
    seer_wal *w, *w2;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    cr_assert(eq(int, seer_wal_open(&w2, sub("log"), 0), SEER_EIO));
    cr_assert(ne(ptr, strstr(seer_error_message(), "in use"), NULL), "%s", seer_error_message());
    seer_wal_close(w);
    cr_assert(eq(int, seer_wal_open(&w2, sub("log"), 0), SEER_OK));
    seer_wal_close(w2);
}

Test(wal, oversized_record_is_refused) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    size_t len = SEER_WAL_RECORD_MAX + 1;
    const char *d = "x";
    uint64_t last;
    cr_assert(eq(int, seer_wal_append(w, &d, &len, 1, &last), SEER_EINVAL));
    cr_assert(eq(u64, seer_wal_last_seq(w), 0));
    seer_wal_close(w);
}

#define THREADS 8
#define CALLS 100

// An asynchronous call's answer.
typedef struct {
    seer_wal *w;
    uint64_t last;
    int rc;
    atomic_int called;
    int durable_then;   // the log's last durable record was >= last when it came
} answer;

static void on_durable(void *ctx, int rc, uint64_t last) {
    answer *a = ctx;
    a->last = last;
    a->rc = rc;
    a->durable_then = seer_wal_last_seq(a->w) >= last;
    atomic_fetch_add(&a->called, 1);
}

typedef struct {
    seer_wal *w;
    int id, async;
    int pace_us;  // a pause before each call, so that calls span the flips of the limit
    uint64_t last[CALLS];
    int n[CALLS];
    answer ans[CALLS];
} appender;

static void *append_thread(void *arg) {
    appender *a = arg;
    char b[3][64];
    const char *d[3] = {b[0], b[1], b[2]};
    size_t lens[3];
    for (int c = 0; c < CALLS; c++) {
        if (a->pace_us) usleep((useconds_t)a->pace_us);
        a->n[c] = 1 + (a->id + c) % 3;
        for (int i = 0; i < a->n[c]; i++)
            lens[i] = (size_t)snprintf(b[i], sizeof b[i], "t%d c%d i%d", a->id, c, i);
        a->ans[c].w = a->w;
        if (a->async) {
            if (seer_wal_append_async(a->w, d, lens, (size_t)a->n[c], on_durable,
                                      &a->ans[c]) != SEER_OK)
                a->ans[c].rc = -1;
        } else if (seer_wal_append(a->w, d, lens, (size_t)a->n[c], &a->last[c]) != SEER_OK) {
            a->last[c] = 0;
        }
    }
    return NULL;
}

// Flips the file size limit between a few hundred bytes past the log's end and none, every
// millisecond, until stop: writes refused for room now and then, as on a disk nearly full.
typedef struct {
    const char *segment;
    atomic_int stop;
    int flips;
} flipper;

static void *flip_thread(void *arg) {
    flipper *f = arg;
    struct rlimit lim;
    getrlimit(RLIMIT_FSIZE, &lim);
    rlim_t none = lim.rlim_cur;
    while (!atomic_load(&f->stop)) {
        struct stat st;
        if (stat(f->segment, &st) != 0) break;
        lim.rlim_cur = (rlim_t)st.st_size + 300;
        setrlimit(RLIMIT_FSIZE, &lim);
        usleep(1000);
        lim.rlim_cur = none;
        setrlimit(RLIMIT_FSIZE, &lim);
        usleep(1000);
        f->flips++;
    }
    return NULL;
}

// Runs THREADS appenders (every other one asynchronous when mixed) and checks that
// every record is durable once, each call's records are contiguous, every
// asynchronous call is answered once, after its records were durable, and a reader
// sees exactly what each caller wrote. With failures, writes are refused for room now and
// then (flip_thread): then exactly the calls answered as logged are in the log, numbered
// without a gap, and some calls after a refusal were logged.
static void concurrent_appends(int mixed, int failures) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    static appender a[THREADS];
    memset(a, 0, sizeof a);
    pthread_t t[THREADS], ft;
    static flipper f;
    memset(&f, 0, sizeof f);
    f.segment = sub("log/wal-0000000000000001.log");
    if (failures) {
        signal(SIGXFSZ, SIG_IGN);
        pthread_create(&ft, NULL, flip_thread, &f);
    }
    for (int i = 0; i < THREADS; i++) {
        a[i].w = w;
        a[i].id = i;
        a[i].async = mixed && i % 2;
        a[i].pace_us = failures ? 300 : 0;
        pthread_create(&t[i], NULL, append_thread, &a[i]);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    if (failures) {
        atomic_store(&f.stop, 1);
        pthread_join(ft, NULL);
    }
    int refused = 0, logged_after = 0;
    for (int i = 0; i < THREADS; i++)   // the answers may still be on their way
        for (int c = 0; a[i].async && c < CALLS; c++) {
            if (failures && a[i].ans[c].rc == -1) {  // refused before it was queued
                a[i].last[c] = 0;
                continue;
            }
            for (int k = 0; k < 10000 && !atomic_load(&a[i].ans[c].called); k++) usleep(1000);
            cr_assert(eq(int, atomic_load(&a[i].ans[c].called), 1));
            if (failures && a[i].ans[c].rc != SEER_OK) {
                a[i].last[c] = 0;
                continue;
            }
            cr_assert(eq(int, a[i].ans[c].rc, SEER_OK));
            cr_assert(a[i].ans[c].durable_then, "answered before its records were durable");
            a[i].last[c] = a[i].ans[c].last;
        }
    uint64_t total = 0;
    for (int i = 0; i < THREADS; i++) {
        int seen_refusal = 0;
        for (int c = 0; c < CALLS; c++) {
            if (!a[i].last[c]) {
                cr_assert(failures, "thread %d call %d was not logged", i, c);
                refused++;
                seen_refusal = 1;
                continue;
            }
            logged_after += seen_refusal;
            total += (uint64_t)a[i].n[c];
        }
    }
    if (failures) {
        cr_assert(gt(int, refused, 0), "no write was refused in %d flips", f.flips);
        cr_assert(gt(int, logged_after, 0), "nothing was logged after a refusal");
    }
    cr_assert(eq(u64, seer_wal_last_seq(w), total));
    // seq -> (thread, call, index) from the callers' own answers.
    char (*want)[64] = calloc(total + 1, sizeof *want);
    for (int i = 0; i < THREADS; i++)
        for (int c = 0; c < CALLS; c++) {
            if (!a[i].last[c]) continue;  // refused (failures only)
            for (int k = 0; k < a[i].n[c]; k++) {
                uint64_t seq = a[i].last[c] - (uint64_t)(a[i].n[c] - 1 - k);
                cr_assert(eq(chr, want[seq][0], 0), "seq %llu given twice",
                          (unsigned long long)seq);
                snprintf(want[seq], 64, "t%d c%d i%d", i, c, k);
            }
        }
    seer_wal_close(w);
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    seer_wal_reader r;
    cr_assert(eq(int, seer_wal_reader_init(&r, w, 0), SEER_OK));
    const char *data;
    size_t len;
    uint64_t seq, n = 0;
    while (seer_wal_next(&r, total, &data, &len, &seq) == 1) {
        n++;
        cr_assert(eq(sz, len, strlen(want[seq])));
        cr_assert(eq(int, memcmp(data, want[seq], len), 0));
    }
    cr_assert(eq(u64, n, total));
    seer_wal_reader_free(&r);
    seer_wal_close(w);
    free(want);
}

Test(wal, concurrent_appends_group_commit) { concurrent_appends(0, 0); }

Test(wal, concurrent_blocking_and_async_appends) { concurrent_appends(1, 0); }

Test(wal, concurrent_appends_while_writes_are_refused_for_room) { concurrent_appends(1, 1); }

// Closing right after asynchronous appends writes them and answers every one first.
Test(wal, close_answers_pending_async_appends) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    static answer ans[50];
    memset(ans, 0, sizeof ans);
    char b[50][16];
    for (int i = 0; i < 50; i++) {
        const char *d = b[i];
        size_t len = (size_t)snprintf(b[i], sizeof b[i], "r%d", i);
        ans[i].w = w;
        cr_assert(eq(int, seer_wal_append_async(w, &d, &len, 1, on_durable, &ans[i]), SEER_OK));
    }
    seer_wal_close(w);
    for (int i = 0; i < 50; i++) {
        cr_assert(eq(int, atomic_load(&ans[i].called), 1));
        cr_assert(eq(int, ans[i].rc, SEER_OK));
        cr_assert(eq(u64, ans[i].last, (uint64_t)i + 1));
    }
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    cr_assert(eq(u64, seer_wal_last_seq(w), 50));
    seer_wal_close(w);
}

// A refused asynchronous append appends nothing and never calls back.
Test(wal, oversized_async_record_is_refused) {
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("log"), 0), SEER_OK));
    static answer ans;
    memset(&ans, 0, sizeof ans);
    size_t len = SEER_WAL_RECORD_MAX + 1;
    const char *d = "x";
    cr_assert(eq(int, seer_wal_append_async(w, &d, &len, 1, on_durable, &ans), SEER_EINVAL));
    seer_wal_close(w);
    cr_assert(eq(int, atomic_load(&ans.called), 0));
}
