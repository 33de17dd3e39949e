// Online events of a served recommender (rec_online.h): the log, its replay, and each
// durable event appended to its user's sequence.
#include "serve/rec_online.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "serve/event.h"
#include "serve/wal.h"

struct seer_rec_online {
    seer_recommender *r;
    seer_wal *wal;
    atomic_ullong applied;
};

// Applies one record; SEER_EDATA (with the reason) when it does not apply.
static int apply(seer_rec_online *o, const char *rec, size_t n) {
    char *buf = malloc(n + 1);
    if (!buf) return seer_errorf(SEER_ENOMEM, "out of memory applying an event");
    const char *user, *item;
    int rc = seer_event_seq_read(rec, n, buf, &user, &item);
    if (rc == SEER_OK) rc = seer_rec_append(o->r, user, item);
    if (rc == SEER_OK) atomic_fetch_add(&o->applied, 1);
    free(buf);
    return rc;
}

static int replay(seer_rec_online *o, const char *wal_dir) {
    seer_wal_reader rd;
    int rc = seer_wal_reader_init(&rd, o->wal, 0);
    if (rc != SEER_OK) return rc;
    uint64_t last = seer_wal_last_seq(o->wal), skipped = 0, seq;
    const char *data;
    size_t len;
    int k;
    while ((k = seer_wal_next(&rd, last, &data, &len, &seq)) == 1) {
        if (len == 0) continue;   // lost to damage and repaired
        rc = apply(o, data, len);
        if (rc == SEER_ENOMEM) break;
        if (rc != SEER_OK && skipped++ == 0)
            fprintf(stderr, "seer: %s: event %" PRIu64 " skipped: %s\n", wal_dir, seq,
                    seer_error_message());
        rc = SEER_OK;
    }
    if (k < 0) rc = k;
    seer_wal_reader_free(&rd);
    if (rc == SEER_OK && skipped)
        fprintf(stderr, "seer: %s: %" PRIu64 " logged event%s did not apply to this model\n",
                wal_dir, skipped, skipped == 1 ? "" : "s");
    return rc;
}

int seer_rec_online_open(seer_rec_online **out, seer_recommender *r, const char *wal_dir,
                         int repair) {
    seer_rec_online *o = calloc(1, sizeof *o);
    if (!o) return seer_errorf(SEER_ENOMEM, "out of memory");
    o->r = r;
    uint64_t lost = 0;
    int rc = repair ? seer_wal_open_repair(&o->wal, wal_dir, 0, &lost)
                    : seer_wal_open(&o->wal, wal_dir, 0);
    if (rc == SEER_OK && repair)
        fprintf(stderr, "seer: %s: %" PRIu64 " event%s lost to damage\n", wal_dir, lost,
                lost == 1 ? "" : "s");
    if (rc == SEER_OK) rc = replay(o, wal_dir);
    if (rc != SEER_OK) {
        if (o->wal) seer_wal_close(o->wal);
        free(o);
        return rc;
    }
    *out = o;
    return SEER_OK;
}

// A logging call in flight: its records (copied: the request's go with the request).
typedef struct {
    seer_rec_online *o;
    seer_rec_online_done done;
    void *ctx;
    size_t n;
    char **rec;
    size_t *len;
} call;

static void call_free(call *c) {
    for (size_t i = 0; i < c->n; i++) free(c->rec[i]);
    free(c->rec);
    free(c->len);
    free(c);
}

// On the log's thread: the durable records go to their users, then the answer.
static void logged(void *ctx, int rc, uint64_t last_seq) {
    (void)last_seq;
    call *c = ctx;
    for (size_t i = 0; rc == SEER_OK && i < c->n; i++) {
        // Parsed and checked against the model before logging: only memory can fail here,
        // and the event stays in the log for the next start.
        if (apply(c->o, c->rec[i], c->len[i]) != SEER_OK)
            fprintf(stderr, "seer: an event logged but not applied: %s\n", seer_error_message());
    }
    c->done(c->ctx, rc);
    call_free(c);
}

int seer_rec_online_log_async(seer_rec_online *o, const char *const *records,
                              const size_t *lens, size_t n, seer_rec_online_done done,
                              void *ctx) {
    call *c = calloc(1, sizeof *c);
    if (!c) return seer_errorf(SEER_ENOMEM, "out of memory");
    *c = (call){o, done, ctx, 0, calloc(n + 1, sizeof *c->rec), calloc(n + 1, sizeof *c->len)};
    int rc = c->rec && c->len ? SEER_OK : seer_errorf(SEER_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SEER_OK && i < n; i++, c->n++) {
        if (!(c->rec[i] = malloc(lens[i] + 1))) rc = seer_errorf(SEER_ENOMEM, "out of memory");
        else memcpy(c->rec[i], records[i], lens[i]);
        c->len[i] = lens[i];
    }
    if (rc == SEER_OK)
        rc = seer_wal_append_async(o->wal, (const char *const *)c->rec, c->len, n, logged, c);
    if (rc != SEER_OK) call_free(c);
    return rc;
}

uint64_t seer_rec_online_applied(seer_rec_online *o) { return atomic_load(&o->applied); }

uint64_t seer_rec_online_logged(seer_rec_online *o) { return seer_wal_last_seq(o->wal); }

void seer_rec_online_close(seer_rec_online *o) {
    if (!o) return;
    seer_wal_close(o->wal);
    free(o);
}
