// Online learning for a served model: events (labelled rows) are appended
// to a write-ahead log and fsynced before they are acknowledged; a learner
// thread applies them in mini-batches with the training optimiser, publishes
// the updated model to the slot at an interval, and writes snapshots
// atomically; the log is truncated only once a snapshot covers it. Opening
// restores the newest snapshot and replays the log past it, so after a crash
// every acknowledged event is in the model once.
#ifndef SEER_SERVE_ONLINE_H
#define SEER_SERVE_ONLINE_H

#include <stddef.h>
#include <stdint.h>

#include "serve/slot.h"

typedef struct {
    const char *model_path;    // the model file served at first
    const char *wal_dir;       // the log and snapshots (created if missing)
    size_t batch;              // events per optimiser step (default 256)
    double publish_every_s;    // swap the updated model in at this interval (default 1)
    double snapshot_every_s;   // snapshot and truncate the log at this interval (default 60)
    float lr;                  // the optimiser's step (default: the model's training lr)
    int wal_repair;            // drop damaged log records instead of refusing to start
} seer_online_options;

void seer_online_options_default(seer_online_options *o);

typedef struct seer_online seer_online;

// Loads the snapshot in wal_dir, or the model file when it is not the one
// the snapshot derives from (by content; online.c says more), replays the
// log past the snapshot, publishes the result into slot (initialised here)
// and starts the learner. SEER_EIO / SEER_EDATA naming the file on failure.
int seer_online_open(seer_online **out, const seer_online_options *o, seer_slot *slot);
// Logs n events (each a JSON object's text with the row's columns and a
// 0/1 "label") and returns once they are durable (fsynced). Each is checked
// with the served transform first: a bad one is SEER_EDATA naming its index,
// and none of the n is logged.
int seer_online_log(seer_online *on, const char *const *events, const size_t *lens, size_t n);
// Called once events given to seer_online_log_async are durable (rc SEER_OK)
// or cannot be (SEER_EIO, the message set on the calling thread); on the
// log's own thread, which it must not hold up.
typedef void (*seer_online_done)(void *ctx, int rc);
// Logs n events given as their log records (seer_request_events_parse, which checked
// them with the served model) but does not wait for the disk: on SEER_OK, done(ctx, ...)
// follows exactly once, on another thread, maybe before this returns. Any other return
// (SEER_EINVAL, SEER_EIO, SEER_ENOMEM) logged nothing and calls nothing.
int seer_online_log_async(seer_online *on, const char *const *records, const size_t *lens,
                          size_t n, seer_online_done done, void *ctx);
// Loads path as the new base model: events not yet applied go to it, a
// snapshot covers the swap, and it is published. On failure the old model
// keeps serving.
int seer_online_reload(seer_online *on, const char *path);
// Events acknowledged and applied, counting every event ever acknowledged
// for this log directory, across restarts, once.
void seer_online_counts(seer_online *on, uint64_t *logged, uint64_t *applied);
// The learner's failures since this start: updated models it could not publish (no memory for
// the copy served; the last one published keeps serving, and the next publish tries again) and
// snapshots it could not write (the log keeps their events). Each is said on stderr too.
void seer_online_failures(seer_online *on, uint64_t *publishes, uint64_t *snapshots);
// 1 while the learner applies events; 0 once it has stopped on an error it cannot get past
// (a damaged log, a model that diverged: the server's log says which). Events are still
// logged then, and the last model published keeps serving.
int seer_online_learning(seer_online *on);
// Stops the learner (applying what is logged), writes a final snapshot and
// publishes the final model. No seer_online_log or reload may run during or
// after it; the slot stays initialised, and its owner frees it afterwards.
void seer_online_close(seer_online *on);

#endif
