// Where the online learner's partial steps ended, kept beside its log so that a replay steps
// on the same events as the live learner did (online.c).
//
// The learner steps on `batch` events once that many are logged, and on fewer when a publish
// is due first: how a trickle of events was cut into steps depends on when they arrived,
// which the log does not keep. A replay that stepped on full batches would reach another
// model from the same events. So each step on fewer than `batch` events appends the sequence
// number of its last event to the file `steps` in the log's directory (fdatasync'ed before
// the step's model is published), and a replay ends its steps there.
//
// The file, little-endian, 16 bytes an entry, in increasing order:
//
//    0  u64 seq   the last event of a partial step
//    8  u32 crc   CRC-32C of bytes 0 .. 8
//   12  u32 0
//
// Key decisions:
// - A file of its own, not records in the log: the log's sequence numbers count events
//   (the counts served, the snapshot's position), and a recommender's log has no steps.
// - A damaged or torn entry loses the ends from it on, with one line on stderr: the replay
//   then steps on full batches from there, a model as good but not the same bits, which is
//   no reason to refuse to serve. An entry is written before the step's model is published,
//   so a torn last one belongs to a step nobody was served.
// - Entries a snapshot covers go once the snapshot is durable (the file truncated, or
//   rewritten whole when ends of a replay lie ahead); a crash in between leaves entries that
//   opening skips.
#ifndef SEER_SERVE_STEP_ENDS_H
#define SEER_SERVE_STEP_ENDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int fd;
    char *path;
    uint64_t *ends;   // the recorded ends past the snapshot, increasing
    size_t n, cap, next;  // next: the first end not yet passed
} seer_step_ends;

// Opens (creating) dir/steps and reads the ends after covered, the snapshot's last event.
// SEER_EIO naming the file when it cannot be read or written; SEER_ENOMEM.
int seer_step_ends_open(seer_step_ends *s, const char *dir, uint64_t covered);
// The first recorded end after seq (a replay's step from seq + 1 ends there), or 0 for none.
uint64_t seer_step_ends_after(seer_step_ends *s, uint64_t seq);
// Records that a partial step ended at seq, durably. SEER_EIO.
int seer_step_ends_add(seer_step_ends *s, uint64_t seq);
// Forgets the ends up to covered (a snapshot holds their steps): the file emptied, or written
// anew with the ends after covered (a snapshot in the middle of a replay). SEER_EIO.
int seer_step_ends_forget(seer_step_ends *s, uint64_t covered);
void seer_step_ends_close(seer_step_ends *s);

#endif
