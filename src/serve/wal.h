// The write-ahead log of online learning: records (one event's values each,
// serve/event.h) appended and fsynced before they are acknowledged, numbered by a
// sequence that starts at 1 and never repeats in one directory, read back in
// order, and deleted segment by segment once a snapshot covers them.
//
// Layout of the directory (the snapshot beside it is online.c's business):
//
//   LOCK                        flock'ed while open: one process per log
//   wal-<first seq, 16 hex>.log segments; a segment holds records first, first+1, ...
//
// A record, little-endian, 16 bytes of header then the payload:
//
//    0  u32 crc   CRC-32C of bytes 4 .. 16 + len (length, sequence and payload)
//    4  u32 len   payload bytes (<= SEER_WAL_RECORD_MAX)
//    8  u64 seq
//   16  payload
//
// An empty payload marks a record lost to damage: a repair writes one in its
// place, so that the records after it keep their sequence numbers and the
// sequence stays whole. Appends refuse empty payloads.
//
// Key decisions:
// - Group commit. Appenders copy their records into a shared buffer under a
//   mutex; the log's own thread (the syncer) writes the buffer with one
//   write() and one fdatasync(), then wakes the blocked appenders and calls
//   back the asynchronous ones (an HTTP thread, which must not wait for the
//   disk) whose records were in it. One fsync serves every caller that arrived
//   while the previous one ran.
// - A torn tail is a crash's unfinished append: every acknowledged record was
//   fsynced whole, so a bad record (short, too long, out of sequence or
//   failing its CRC) in the last segment with no whole record after it
//   starts bytes nobody was told are durable. Opening cuts them off. A bad
//   record followed by whole ones (found by trying each later offset for a
//   header whose CRC holds and whose sequence number fits), or one in an
//   earlier segment (a segment is closed only after its last fsync), cannot
//   come from a crash: that is damage, SEER_EDATA naming the file and offset,
//   since cutting there would drop acknowledged events. Opening with repair
//   rewrites such a segment through a temporary file (fsync, rename): its
//   whole records, and an empty record for each one lost.
// - Truncation is by whole segments, so it is safe at any instant: a new
//   segment starts (its directory entry fsynced before any record goes in),
//   and segments whose records are all covered by a snapshot are unlinked.
//   A crash between the snapshot and the unlinks leaves covered records that
//   a reopen skips by sequence number.
// - Any write or fsync failure breaks the log for good (SEER_EIO on every
//   later append): after a failed fsync the file's state is unknown, and a
//   restart's scan is the only sound way back.
#ifndef SEER_SERVE_WAL_H
#define SEER_SERVE_WAL_H

#include <stddef.h>
#include <stdint.h>

// The largest payload of one record.
#define SEER_WAL_RECORD_MAX ((size_t)1 << 24)
// Bytes of a record's header.
#define SEER_WAL_HEADER 16
// The most lost records a repair marks in one gap (16 bytes each).
#define SEER_WAL_REPAIR_MAX ((uint64_t)1 << 24)

typedef struct seer_wal seer_wal;

// Opens the log in dir (created if missing): takes the lock, deletes segments
// that covered (a snapshot's last sequence number, 0 for none) makes
// redundant, checks every record of the others, cuts a torn tail off the last
// one, and appends from there on. SEER_EIO naming the file when it cannot be
// read or written, or is locked by another process; SEER_EDATA naming the file
// and offset when a damaged record has whole records after it (see above), or
// when a sequence number is missing.
int seer_wal_open(seer_wal **out, const char *dir, uint64_t covered);
// Opens like seer_wal_open, but a segment with damaged records is rewritten
// without them (an empty record in the place of each lost one, so the others
// keep their sequence numbers), and so is one whose successor starts after a
// gap; *lost gets how many records were lost, each file's count also on
// stderr. SEER_EIO when a rewrite fails (the segment is left as it was).
int seer_wal_open_repair(seer_wal **out, const char *dir, uint64_t covered, uint64_t *lost);
// Appends n records (payload i is data[i], lens[i] bytes) as sequence numbers
// last+1 .. last+n in this order, without another caller's records between
// them, and returns once they are durable, with *last_seq the last one's.
// SEER_EINVAL for an empty payload or one over SEER_WAL_RECORD_MAX (nothing appended);
// SEER_EIO when the write or fsync fails, and from then on; but a write refused for room (a
// full disk, a quota, the file size limit) is cut off again, and once every append it refused
// has been answered the next one tries again, numbered on from the last durable record.
int seer_wal_append(seer_wal *w, const char *const *data, const size_t *lens, size_t n,
                    uint64_t *last_seq);
// Called once the records of an asynchronous append are durable (rc SEER_OK) or
// cannot be (SEER_EIO, the message set on the calling thread), with the last
// record's sequence number; on the log's own thread, which it must not hold up.
typedef void (*seer_wal_done)(void *ctx, int rc, uint64_t last_seq);
// Appends like seer_wal_append but returns at once; done(ctx, ...) follows
// exactly once, on another thread, when SEER_OK is returned (maybe before
// this returns). Any other return (SEER_EINVAL, SEER_EIO, SEER_ENOMEM)
// appended nothing and calls nothing.
int seer_wal_append_async(seer_wal *w, const char *const *data, const size_t *lens, size_t n,
                          seer_wal_done done, void *ctx);
// The sequence number of the last durable record (or of the last one a
// snapshot covers, whichever is later; 0 when there never was one).
uint64_t seer_wal_last_seq(seer_wal *w);
// Records the next appends in a new segment, when the current one holds any.
int seer_wal_rotate(seer_wal *w);
// Deletes the segments, other than the current one, whose records all have
// sequence numbers <= covered, then fsyncs the directory.
int seer_wal_truncate(seer_wal *w, uint64_t covered);
// The number of segment files now (for tests and metrics).
size_t seer_wal_segments(seer_wal *w);
// Writes what is pending (answering the asynchronous appends), closes the files
// and releases the lock. Blocking appends must have returned.
void seer_wal_close(seer_wal *w);

// Reads records back in order, from one thread, while others append.
typedef struct {
    seer_wal *w;
    int fd;                // the segment being read, -1 before the first
    uint64_t seg_first;    // its first sequence number
    uint64_t next_seq;     // the sequence number the next read returns
    uint64_t off;          // its offset in the segment
    char *buf;             // a window of the segment: bytes buf_off .. buf_off + buf_len
    size_t cap, buf_len;
    uint64_t buf_off;
} seer_wal_reader;

// A reader whose first record is after_seq + 1.
int seer_wal_reader_init(seer_wal_reader *r, seer_wal *w, uint64_t after_seq);
// The next record when its sequence number is <= limit (a durable one): 1
// with *data (valid until the next call), *len (0: a record lost to damage)
// and *seq; 0 when the next is past limit. SEER_EDATA when a durable record
// is missing or damaged, SEER_EIO when reading fails.
int seer_wal_next(seer_wal_reader *r, uint64_t limit, const char **data, size_t *len,
                  uint64_t *seq);
void seer_wal_reader_free(seer_wal_reader *r);

#endif
