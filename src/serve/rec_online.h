// Online events of a served recommender (sasrec): each event (a user read an item) goes to
// the write-ahead log (wal.h) and, once durable, to the user's sequence in memory
// (seer_rec_append), so that the next /v1/recommend for the user scores it. Opening replays
// the whole log into the recommender, so a restart (or a crash: every acknowledged event
// was fsynced) serves the same sequences. Nothing is learnt: the network's weights stay the
// file's. The log is never truncated: a user keeps only its latest maxlen items, but the log
// holds every event (one record of ~10 + id bytes each).
#ifndef SEER_SERVE_REC_ONLINE_H
#define SEER_SERVE_REC_ONLINE_H

#include <stddef.h>
#include <stdint.h>

#include "seer/recommend.h"

typedef struct seer_rec_online seer_rec_online;

// Opens (creates) the log in wal_dir, with repair as seer serve --wal-repair, and replays it
// into r; a record that does not apply (an item the model lacks: the log of another model)
// is skipped and counted on stderr. Errors as seer_wal_open.
int seer_rec_online_open(seer_rec_online **out, seer_recommender *r, const char *wal_dir,
                         int repair);
// Called once the events are durable and applied (rc SEER_OK) or cannot be (SEER_EIO).
typedef void (*seer_rec_online_done)(void *ctx, int rc);
// Logs the n sequence records (seer_request_seq_events_parse) without waiting for the
// disk, then applies them; done(ctx, ...) follows exactly once on SEER_OK, on another
// thread. Any other return logged nothing and calls nothing.
int seer_rec_online_log_async(seer_rec_online *o, const char *const *records,
                              const size_t *lens, size_t n, seer_rec_online_done done,
                              void *ctx);
// Events applied since the log began (replayed ones included).
uint64_t seer_rec_online_applied(seer_rec_online *o);
// Events logged (durable) since the log began.
uint64_t seer_rec_online_logged(seer_rec_online *o);
// Answers what is pending and closes the log.
void seer_rec_online_close(seer_rec_online *o);

#endif
