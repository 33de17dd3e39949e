// Online learning: events logged durably, a learner thread that applies them
// in mini-batches, publishes copies of its model and writes snapshots. See
// online.h for the contract and wal.h for the log.
//
// The learner reads events back from the log rather than from a queue in
// memory: one path serves the replay after a restart and the live stream,
// and a learner that falls behind costs disk, not memory. A record holds the
// event's values by column name (event.h), made once when the event was
// accepted; the learner encodes them with its own model's transform.
//
// The wal directory holds the log's segments and snapshot.seer: a training
// checkpoint (model, Adam moments, step) whose "online" record says which
// event it holds last (seq), how many were applied in all, and by content
// which model file it derives from (source: the file's id, its header checksum,
// which covers the body's checksum, taken from the bytes actually loaded) and
// which file was at the served path when it was written (at_path). Opening
// decides by content, not modification time, which a `cp -p` or `rsync -t`
// of an older file would fool, and says on stderr what it chose and why:
// - the file at the path is the snapshot's source, or unchanged since the
//   snapshot (which derives from a model reloaded from another file): the
//   snapshot is resumed and the log after it replayed;
// - else a new model was deployed: it is served. The events the snapshot
//   holds shaped the old model and are not applied to it again; the events
//   logged after the snapshot are, as with seer_online_reload. The old
//   snapshot is replaced by the next one.
// - a snapshot of an older seer, without the hashes: the newer file by
//   modification time, as before.
//
// Mini-batches: the learner steps on `batch` events as soon as that many are
// logged; fewer wait until the next publish is due (at most publish_every_s),
// so a trickle of events still reaches the served model within an interval.
// Where such a partial step ended is recorded beside the log (step_ends.h), and a
// replay ends its steps there: full batches in log order otherwise, then the
// remainder. The model a crash's replay reaches is the one the live learner had.
//
// Served copies are deep copies without optimiser moments (seer_model_clone):
// a reader keeps its copy as long as it needs, and the learner never waits
// for one. The copy costs an allocation and a memcpy of the parameters per
// publish; sharing an immutable transform would save the (small) transform
// copy but make the model's ownership two-headed, which is not worth it.
#include "serve/online.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/threads.h"
#include "io/checkpoint.h"
#include "io/model.h"
#include "io/modelfile.h"
#include "serve/event.h"
#include "serve/request.h"
#include "serve/step_ends.h"
#include "serve/wal.h"

#define SNAPSHOT_NAME "snapshot.seer"

struct seer_online {
    seer_online_options o;
    char *model_path, *wal_dir, *snap_path;  // one block, model_path's
    seer_slot *slot;
    seer_wal *wal;
    seer_wal_reader rd;
    seer_step_ends ends;       // where partial steps ended (the learner's)
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;       // the learner waits on it
    pthread_cond_t reloaded;   // a reload waits on it
    pthread_mutex_t reload_mu; // one reload at a time
    // Under mu.
    uint64_t logged;           // the last durable event's sequence number
    uint64_t applied_seq;      // the last event the learner's model holds
    uint64_t applied;          // events applied in all
    int stop;
    int failed;                // the learner met an error it cannot get past
    uint64_t publish_failures, snapshot_failures;  // since this start (seer_online_failures)
    int diverged;              // a step left the learner's model non-finite: never published
    seer_model *reload_model;  // handed to the learner by seer_online_reload
    uint64_t reload_source;    // its file's hash
    int reload_at_path;        // it was loaded from the served path
    int reload_done, reload_rc;
    char reload_msg[512];
    // The learner thread's own.
    seer_model *m;
    seer_adam_config adam;
    size_t S, nd, cap_S, cap_nd;  // ids and dense inputs per row, and the buffers' room
    uint32_t *ids;             // (batch, cap_S) the block of size_buffers
    float *dense;              // (batch, cap_nd) in it
    float *y;                  // (batch) in it
    seer_event_reader evr;     // the log's records read back
    int dirty;                 // changed since the last publish
    int flush;                 // a publish failed: the events waiting for it step now
    uint64_t publish_failing;  // publishes failed in a row (said at the first and the end)
    int snap_dirty;            // changed since the last snapshot
    double next_publish, next_snapshot;
    uint64_t skipped;          // events a reloaded model could not encode
    uint64_t source, at_path;  // hashes of the model file m derives from and of the
                               // served path's file as last read (0: unknown)
};

void seer_online_options_default(seer_online_options *o) {
    memset(o, 0, sizeof *o);
    o->batch = 256;
    o->publish_every_s = 1.0;
    o->snapshot_every_s = 60.0;
}

static size_t slots_of(const seer_transform *t) {
    return t->n_slots > t->n_fields ? t->n_slots : t->n_fields;
}

// Sizes the batch buffers for m (growing them only): ids, dense and y in one block of
// 4-byte elements, (batch, cap_S) + 1, (batch, cap_nd) + 1 and (batch). SEER_ENOMEM.
static int size_buffers(seer_online *on, const seer_model *m) {
    size_t S = slots_of(&m->tf), nd = m->tf.n_dense, B = on->o.batch;
    if (on->ids && S <= on->cap_S && nd <= on->cap_nd) return SEER_OK;
    if (S < on->cap_S) S = on->cap_S;
    if (nd < on->cap_nd) nd = on->cap_nd;
    uint32_t *p = realloc(on->ids, ((B * S + 1) + (B * nd + 1) + B) * sizeof *p);
    if (!p) return seer_errorf(SEER_ENOMEM, "out of memory for the learner's batch");
    on->ids = p;
    on->dense = (float *)(p + B * S + 1);
    on->y = on->dense + B * nd + 1;
    on->cap_S = S;
    on->cap_nd = nd;
    return SEER_OK;
}

// The learner's model from now on: buffers, optimiser settings.
static void use_model(seer_online *on, seer_model *m) {
    on->m = m;
    on->S = slots_of(&m->tf);
    on->nd = m->tf.n_dense;
    // The optimiser of training, at the lr of training unless the server was given one.
    float lr = on->o.lr > 0 ? on->o.lr : (float)seer_model_training_number(m, "lr", 1e-3);
    on->adam = seer_net_optimiser(&m->net.cfg, lr);
}

// Applies the next n logged events (all <= limit) in one optimiser step; a partial step (fewer
// than a batch, not ended by a recorded end) records where it ended before it counts.
static int apply(seer_online *on, size_t n, uint64_t limit, int partial) {
    size_t b = 0, S = on->S, nd = on->nd;
    uint64_t seq = 0;
    for (size_t i = 0; i < n; i++) {
        const char *data;
        size_t len;
        int k = seer_wal_next(&on->rd, limit, &data, &len, &seq);
        if (k < 0) return k;
        if (k == 0)
            return seer_errorf(SEER_EINTERNAL, "the log ends before event %" PRIu64, limit);
        if (len == 0) continue;   // lost to damage: a repair reported it
        // Every event was encoded by the served model before it was logged;
        // only one logged before a reload to another transform (or a record damaged past
        // its checksum) can fail here. Memory running out is no reason to drop an event: the
        // learner stops and the log keeps it.
        int rc = seer_event_encode(&on->evr, &on->m->tf, data, len, on->ids + b * S,
                                   on->dense + b * nd, on->y + b);
        if (rc == SEER_OK) {
            b++;
        } else if (rc == SEER_EDATA) {
            on->skipped++;
            fprintf(stderr, "seer: event %" PRIu64 " does not fit the reloaded model, "
                    "skipped: %s\n", seq, seer_error_message());
        } else {
            return rc;
        }
    }
    // A step that made the loss or a weight non-finite has spoilt the learner's model: it
    // stops learning (the caller marks it failed) and never publishes or snapshots it, so the
    // served model stays the last one published and the log keeps every event.
    double loss = b ? seer_net_train_step(&on->m->net, on->ids, on->dense, on->y, b, &on->adam)
                    : 0.0;
    if (!isfinite(loss)) {
        on->diverged = 1;
        return seer_errorf(SEER_EDATA, "the model diverged at event %" PRIu64 ": the loss is "
                           "not finite (a smaller --lr would help); serving the last model "
                           "published", seq);
    }
    if (partial && seer_step_ends_add(&on->ends, seq) != SEER_OK)
        fprintf(stderr, "seer: the end of a step was not recorded (a replay after a crash "
                "would step on a full batch there): %s\n", seer_error_message());
    pthread_mutex_lock(&on->mu);
    on->applied_seq = seq;
    on->applied += b;
    pthread_mutex_unlock(&on->mu);
    on->dirty = on->snap_dirty = 1;
    return SEER_OK;
}

// Whether the learner's model diverged, checking its weights too: a step can make a weight
// non-finite with a finite loss. A spoilt model stops learning and is never published or
// snapshotted. Called before each publish and snapshot, not per step (it reads every weight).
static int spoilt(seer_online *on) {
    if (on->diverged) return 1;
    const char *bad = seer_net_nonfinite(&on->m->net);
    if (!bad) return 0;
    fprintf(stderr, "seer: online learning stopped: the model diverged (%s is not finite); "
            "serving the last model published\n", bad);
    on->diverged = 1;
    pthread_mutex_lock(&on->mu);
    on->failed = 1;
    pthread_mutex_unlock(&on->mu);
    return 1;
}

// One more of the learner's failures in *counter (under mu, for seer_online_failures).
static void count_failure(seer_online *on, uint64_t *counter) {
    pthread_mutex_lock(&on->mu);
    (*counter)++;
    pthread_mutex_unlock(&on->mu);
}

static void publish(seer_online *on) {
    if (spoilt(on)) {
        on->dirty = 0;
        on->next_publish = seer_now() + on->o.publish_every_s;
        return;
    }
    seer_model *c;
    int rc = seer_model_clone(&c, on->m, 0);
    if (rc == SEER_OK && !seer_slot_publish(on->slot, c))
        rc = seer_errorf(SEER_ENOMEM, "out of memory swapping the updated model in");
    if (rc == SEER_OK) {
        on->dirty = 0;
        if (on->publish_failing)
            fprintf(stderr, "seer: the updated model is published again, after %llu failed "
                    "publishes\n", (unsigned long long)on->publish_failing);
        on->publish_failing = 0;
    } else {
        // Said once while they fail (each publish interval would repeat it); /metrics counts.
        if (on->publish_failing++ == 0)
            fprintf(stderr, "seer: could not publish the updated model (tried again at each "
                    "publish; the last one published keeps serving): %s\n",
                    seer_error_message());
        count_failure(on, &on->publish_failures);
        // A part batch steps when a publish is due, and a publish that failed is due again at
        // once: without this the part batch would wait behind publishes that keep failing.
        on->flush = 1;
    }
    on->next_publish = seer_now() + on->o.publish_every_s;
}

// Writes the learner's model and what it holds (the learner's applied_seq
// is stable in its own thread).
static int write_snapshot(seer_online *on, uint64_t *seq) {
    seer_checkpoint_state st;
    memset(&st, 0, sizeof st);
    pthread_mutex_lock(&on->mu);
    st.online_seq = on->applied_seq;
    st.online_applied = on->applied;
    pthread_mutex_unlock(&on->mu);
    st.online_source = on->source;
    st.online_at_path = on->at_path;
    st.step = on->m->net.step;
    st.best_score = -INFINITY;
    st.best_auc = NAN;
    st.batch_size = on->o.batch;
    *seq = st.online_seq;
    int rc = seer_checkpoint_write(on->m, on->snap_path, &st, NULL, NULL, NULL);
    if (rc == SEER_OK) on->snap_dirty = 0;
    return rc;
}

// A snapshot, then the log segments it covers go: a new segment starts, so
// that the current one's events become deletable once a snapshot holds them.
static int snapshot(seer_online *on) {
    if (spoilt(on)) return SEER_OK;  // the log keeps every event since the last snapshot
    uint64_t seq;
    int rc = write_snapshot(on, &seq);
    if (rc == SEER_OK) rc = seer_wal_rotate(on->wal);
    if (rc == SEER_OK) rc = seer_wal_truncate(on->wal, seq);
    if (rc == SEER_OK) rc = seer_step_ends_forget(&on->ends, seq);
    return rc;
}

// Swaps in the model a reload handed over, snapshots it so that a restart
// serves it, and publishes it; on failure the old model stays. The caller
// waits for the result.
static void take_reload(seer_online *on, seer_model *nm, uint64_t source, int at_path) {
    seer_model *old = on->m;
    int old_dirty = on->snap_dirty, old_diverged = on->diverged;
    uint64_t old_source = on->source, old_at_path = on->at_path;
    int rc = size_buffers(on, nm);
    if (rc == SEER_OK) {
        use_model(on, nm);
        on->diverged = 0;  // a new model; learning stays stopped if it had stopped
        on->source = source;
        if (at_path) on->at_path = source;
        uint64_t seq;
        rc = write_snapshot(on, &seq);
        if (rc == SEER_OK && (seer_wal_rotate(on->wal) != SEER_OK ||
                              seer_wal_truncate(on->wal, seq) != SEER_OK ||
                              seer_step_ends_forget(&on->ends, seq) != SEER_OK))
            fprintf(stderr, "seer: truncating the log failed (retried at the next snapshot): "
                    "%s\n", seer_error_message());
    }
    if (rc == SEER_OK) {
        seer_model_free(old);
        publish(on);
    } else {
        use_model(on, old);
        on->snap_dirty = old_dirty;
        on->diverged = old_diverged;
        on->source = old_source;
        on->at_path = old_at_path;
        seer_model_free(nm);
    }
    pthread_mutex_lock(&on->mu);
    on->reload_rc = rc;
    snprintf(on->reload_msg, sizeof on->reload_msg, "%s", rc ? seer_error_message() : "");
    on->reload_done = 1;
    pthread_cond_broadcast(&on->reloaded);
    pthread_mutex_unlock(&on->mu);
}

static void wait_until(seer_online *on, double deadline) {
    double dt = deadline - seer_now();
    if (dt <= 0) return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double s = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec + (dt < 3600 ? dt : 3600);
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    pthread_cond_timedwait(&on->wake, &on->mu, &ts);
}

static void *learner(void *arg) {
    seer_online *on = arg;
    size_t B = on->o.batch;
    // Steps of a few hundred rows gain little from more threads, and the
    // cores belong to the requests: the learner's own parallel regions use one.
    seer_threads_set(1);
    pthread_mutex_lock(&on->mu);
    for (;;) {
        if (on->reload_model) {
            seer_model *nm = on->reload_model;
            uint64_t source = on->reload_source;
            int at_path = on->reload_at_path;
            on->reload_model = NULL;
            pthread_mutex_unlock(&on->mu);
            take_reload(on, nm, source, at_path);
            pthread_mutex_lock(&on->mu);
            continue;
        }
        double now = seer_now();
        uint64_t pending = on->failed ? 0 : on->logged - on->applied_seq;
        // A replay's step ends where the live learner's ended, when that was recorded.
        uint64_t end = pending ? seer_step_ends_after(&on->ends, on->applied_seq) : 0;
        uint64_t n = pending < B ? pending : B;
        int ends_recorded = end && end - on->applied_seq <= n;
        if (ends_recorded) n = end - on->applied_seq;
        int step = pending && (pending >= B || ends_recorded || on->stop || on->flush ||
                               now >= on->next_publish);
        int act = (on->dirty && now >= on->next_publish) || (!on->stop && now >= on->next_snapshot)
                  || step;
        if (!act && on->stop) break;
        if (!act) {
            double next = on->next_snapshot;
            if ((pending || on->dirty) && on->next_publish < next) next = on->next_publish;
            wait_until(on, next);
            continue;
        }
        uint64_t limit = on->logged;
        pthread_mutex_unlock(&on->mu);
        if (on->dirty && now >= on->next_publish) {
            publish(on);
        } else if (!on->stop && now >= on->next_snapshot) {
            int rc = on->snap_dirty ? snapshot(on) : SEER_OK;
            if (rc != SEER_OK) {
                fprintf(stderr, "seer: snapshot failed (the log is kept): %s\n",
                        seer_error_message());
                count_failure(on, &on->snapshot_failures);
            }
            on->next_snapshot = seer_now() + on->o.snapshot_every_s;
        } else {
            on->flush = 0;
            int rc = apply(on, (size_t)n, limit, n < B && !ends_recorded);
            if (rc != SEER_OK) {
                fprintf(stderr, "seer: online learning stopped: %s\n", seer_error_message());
                pthread_mutex_lock(&on->mu);
                on->failed = 1;
                pthread_mutex_unlock(&on->mu);
            }
        }
        pthread_mutex_lock(&on->mu);
    }
    pthread_mutex_unlock(&on->mu);
    if (on->dirty) publish(on);
    if (on->snap_dirty && snapshot(on) != SEER_OK) {
        fprintf(stderr, "seer: the final snapshot failed (the log is kept): %s\n",
                seer_error_message());
        count_failure(on, &on->snapshot_failures);
    }
    return NULL;
}

static int newer(const struct stat *a, const struct stat *b) {
    return a->st_mtim.tv_sec != b->st_mtim.tv_sec ? a->st_mtim.tv_sec > b->st_mtim.tv_sec
                                                  : a->st_mtim.tv_nsec > b->st_mtim.tv_nsec;
}

// Which model file is at path (seer_modelfile_peek_id: its header checksum, read without
// loading it); 0 when it cannot be read or is not a model file.
static uint64_t file_id(const char *path) {
    uint64_t id;
    return seer_modelfile_peek_id(path, &id) == SEER_OK ? id : 0;
}

// The model to start from (see the top of the file), what it holds, and the
// hashes a snapshot of it will record. One line on stderr says which and why.
static int load_start(seer_online *on, seer_model **m, seer_checkpoint_state *st) {
    size_t cap = on->o.batch > SEER_SCORE_ROWS ? on->o.batch : SEER_SCORE_ROWS;
    memset(st, 0, sizeof *st);
    uint64_t now = file_id(on->model_path);
    on->source = on->at_path = now;
    struct stat snap, model;
    if (stat(on->snap_path, &snap) != 0) {
        fprintf(stderr, "seer: starting from %s (no snapshot in %s)\n", on->model_path,
                on->wal_dir);
        int rc = seer_model_load(m, on->model_path, cap);
        if (rc == SEER_OK) on->source = on->at_path = (*m)->file_id;
        return rc;
    }
    float *bp, *be, *bw;
    int rc = seer_checkpoint_read(m, on->snap_path, cap, st, &bp, &be, &bw);
    free(bp);
    free(be);
    free(bw);
    seer_checkpoint_average_free(st);  // a training run's average; the learner keeps none
    if (rc != SEER_OK) return rc;
    const char *snap_path = on->snap_path, *model_path = on->model_path;
    int fresh = 0;
    if (stat(model_path, &model) != 0 || now == 0) {
        fprintf(stderr, "seer: resuming %s: %s cannot be read as a model file\n", snap_path,
                model_path);
        on->source = st->online_source;
        on->at_path = st->online_at_path;
    } else if (!st->online_source) {
        fresh = newer(&model, &snap);
        fprintf(stderr, "seer: %s does not say which model file it derives from (an older "
                "seer wrote it): by modification time, %s %s\n", snap_path,
                fresh ? "starting from" : "resuming", fresh ? model_path : snap_path);
    } else if (st->online_source == now) {
        fprintf(stderr, "seer: resuming %s (events to %" PRIu64 "): it derives from %s as it "
                "is now\n", snap_path, st->online_seq, model_path);
    } else if (st->online_at_path == now) {
        fprintf(stderr, "seer: resuming %s (events to %" PRIu64 "): %s is unchanged since it "
                "was written (it derives from a model reloaded from another file)\n",
                snap_path, st->online_seq, model_path);
        on->source = st->online_source;
    } else {
        fresh = 1;
        fprintf(stderr, "seer: %s is not the model %s derives from: starting from it; the "
                "events to %" PRIu64 ", which the snapshot holds, are not applied to it again, "
                "the ones logged after them are\n", model_path, snap_path, st->online_seq);
    }
    if (!fresh) return SEER_OK;
    seer_model_free(*m);
    on->snap_dirty = 1;
    rc = seer_model_load(m, on->model_path, cap);
    if (rc == SEER_OK) on->source = on->at_path = (*m)->file_id;  // the bytes loaded
    return rc;
}

static void free_online(seer_online *on) {
    seer_wal_reader_free(&on->rd);
    seer_step_ends_close(&on->ends);
    seer_event_reader_free(&on->evr);
    seer_wal_close(on->wal);
    seer_model_free(on->m);
    free(on->ids);          // and the batch's dense and y
    free(on->model_path);   // and the other two paths
    pthread_mutex_destroy(&on->mu);
    pthread_mutex_destroy(&on->reload_mu);
    pthread_cond_destroy(&on->wake);
    pthread_cond_destroy(&on->reloaded);
    free(on);
}

int seer_online_open(seer_online **out, const seer_online_options *o, seer_slot *slot) {
    *out = NULL;
    seer_online *on = calloc(1, sizeof *on);
    if (!on) return seer_errorf(SEER_ENOMEM, "out of memory starting online learning");
    on->o = *o;
    if (!on->o.batch) on->o.batch = 256;
    if (!(on->o.publish_every_s > 0)) on->o.publish_every_s = 1.0;
    if (!(on->o.snapshot_every_s > 0)) on->o.snapshot_every_s = 60.0;
    on->rd.fd = -1;
    on->ends.fd = -1;
    pthread_mutex_init(&on->mu, NULL);
    pthread_mutex_init(&on->reload_mu, NULL);
    pthread_cond_init(&on->wake, NULL);
    pthread_cond_init(&on->reloaded, NULL);
    size_t lm = strlen(o->model_path) + 1, lw = strlen(o->wal_dir) + 1;
    size_t n = lw + sizeof SNAPSHOT_NAME + 1;
    if (!(on->model_path = malloc(lm + lw + n))) {
        free_online(on);
        return seer_errorf(SEER_ENOMEM, "out of memory starting online learning");
    }
    on->wal_dir = on->model_path + lm;
    on->snap_path = on->wal_dir + lw;
    memcpy(on->model_path, o->model_path, lm);
    memcpy(on->wal_dir, o->wal_dir, lw);
    snprintf(on->snap_path, n, "%s/%s", o->wal_dir, SNAPSHOT_NAME);

    seer_checkpoint_state st;
    seer_model *m = NULL;
    int rc = load_start(on, &m, &st);
    if (rc == SEER_OK) {
        use_model(on, m);
        rc = size_buffers(on, m);
    }
    uint64_t lost = 0;
    if (rc == SEER_OK && o->wal_repair)
        rc = seer_wal_open_repair(&on->wal, o->wal_dir, st.online_seq, &lost);
    else if (rc == SEER_OK)
        rc = seer_wal_open(&on->wal, o->wal_dir, st.online_seq);
    if (rc == SEER_OK && o->wal_repair && lost > 0)
        fprintf(stderr, "seer: %s: log repaired, %" PRIu64 " event%s lost in all\n", o->wal_dir,
                lost, lost == 1 ? "" : "s");
    else if (rc == SEER_OK && o->wal_repair)
        fprintf(stderr, "seer: %s: --wal-repair found no event lost\n", o->wal_dir);
    if (rc == SEER_OK) rc = seer_wal_reader_init(&on->rd, on->wal, st.online_seq);
    if (rc == SEER_OK) rc = seer_step_ends_open(&on->ends, o->wal_dir, st.online_seq);
    seer_model *served = NULL;
    if (rc == SEER_OK) rc = seer_model_clone(&served, on->m, 0);
    if (rc == SEER_OK) rc = seer_slot_init(slot, served);
    if (rc != SEER_OK) {
        free_online(on);
        return rc;
    }
    on->slot = slot;
    on->logged = seer_wal_last_seq(on->wal);
    on->applied_seq = st.online_seq;
    on->applied = st.online_applied;
    on->next_publish = seer_now();
    on->next_snapshot = on->next_publish + on->o.snapshot_every_s;
    if (pthread_create(&on->thread, NULL, learner, on) != 0) {
        seer_slot_free(slot);
        free_online(on);
        return seer_errorf(SEER_EINTERNAL, "cannot start the learner thread");
    }
    *out = on;
    return SEER_OK;
}

// Checks each event (JSON text) with the served transform and appends its log record to
// recs, its length in rec_lens[i]; SEER_EDATA naming the first bad one.
static int make_records(seer_online *on, const char *const *events, const size_t *lens,
                        size_t n, seer_text *recs, size_t *rec_lens) {
    seer_served *sv = seer_slot_acquire(on->slot);
    const seer_transform *t = &sv->model->tf;
    uint32_t *ids = malloc((slots_of(t) + 1) * sizeof *ids);
    float *dense = malloc((t->n_dense + 1) * sizeof *dense);
    int rc = ids && dense ? SEER_OK : seer_errorf(SEER_ENOMEM, "out of memory checking events");
    for (size_t i = 0; rc == SEER_OK && i < n; i++) {
        size_t before = recs->n;
        rc = seer_request_event_record(t, events[i], lens[i], ids, dense, recs);
        rec_lens[i] = recs->n - before;
        if (rc != SEER_OK) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", seer_error_message());
            rc = seer_errorf(SEER_EDATA, "events[%zu]: %s", i, msg);
        }
    }
    seer_slot_release(on->slot, sv);
    free(ids);
    free(dense);
    return rc;
}

// Events up to sequence number last are durable: the learner may take them.
static void note_logged(seer_online *on, uint64_t last) {
    pthread_mutex_lock(&on->mu);
    uint64_t before = on->logged - on->applied_seq;
    if (last > on->logged) on->logged = last;
    if (before == 0 || on->logged - on->applied_seq >= on->o.batch)
        pthread_cond_signal(&on->wake);
    pthread_mutex_unlock(&on->mu);
}

int seer_online_log(seer_online *on, const char *const *events, const size_t *lens, size_t n) {
    if (!n) return SEER_OK;
    uint64_t last = 0;
    seer_text recs = {0};
    size_t *rec_lens = malloc(n * sizeof *rec_lens);
    const char **rec = malloc(n * sizeof *rec);
    int rc = rec_lens && rec ? make_records(on, events, lens, n, &recs, rec_lens)
                             : seer_errorf(SEER_ENOMEM, "out of memory logging events");
    for (size_t i = 0, at = 0; rc == SEER_OK && i < n; at += rec_lens[i++]) rec[i] = recs.s + at;
    if (rc == SEER_OK) rc = seer_wal_append(on->wal, rec, rec_lens, n, &last);
    if (rc == SEER_OK) note_logged(on, last);
    free(recs.s);
    free(rec_lens);
    free(rec);
    return rc;
}

// An asynchronous append in flight: whom to tell.
typedef struct {
    seer_online *on;
    seer_online_done done;
    void *ctx;
} log_call;

static void logged_async(void *arg, int rc, uint64_t last) {
    log_call *c = arg;
    if (rc == SEER_OK) note_logged(c->on, last);
    c->done(c->ctx, rc);
    free(c);
}

int seer_online_log_async(seer_online *on, const char *const *records, const size_t *lens,
                          size_t n, seer_online_done done, void *ctx) {
    if (!n) {
        done(ctx, SEER_OK);
        return SEER_OK;
    }
    log_call *c = malloc(sizeof *c);
    if (!c) return seer_errorf(SEER_ENOMEM, "out of memory logging events");
    *c = (log_call){on, done, ctx};
    int rc = seer_wal_append_async(on->wal, records, lens, n, logged_async, c);
    if (rc != SEER_OK) free(c);
    return rc;
}

int seer_online_reload(seer_online *on, const char *path) {
    size_t cap = on->o.batch > SEER_SCORE_ROWS ? on->o.batch : SEER_SCORE_ROWS;
    seer_model *nm;
    int rc = seer_model_load(&nm, path, cap);
    if (rc != SEER_OK) return rc;
    uint64_t source = nm->file_id;
    pthread_mutex_lock(&on->reload_mu);
    pthread_mutex_lock(&on->mu);
    if (on->stop) {
        rc = seer_errorf(SEER_EINVAL, "online learning is stopping");
        seer_model_free(nm);
    } else {
        on->reload_model = nm;
        on->reload_source = source;
        on->reload_at_path = strcmp(path, on->model_path) == 0;
        on->reload_done = 0;
        pthread_cond_signal(&on->wake);
        while (!on->reload_done) pthread_cond_wait(&on->reloaded, &on->mu);
        rc = on->reload_rc;
        if (rc != SEER_OK) rc = seer_errorf(rc, "%s", on->reload_msg);
    }
    pthread_mutex_unlock(&on->mu);
    pthread_mutex_unlock(&on->reload_mu);
    return rc;
}

void seer_online_counts(seer_online *on, uint64_t *logged, uint64_t *applied) {
    pthread_mutex_lock(&on->mu);
    *logged = on->logged;
    *applied = on->applied;
    pthread_mutex_unlock(&on->mu);
}

void seer_online_failures(seer_online *on, uint64_t *publishes, uint64_t *snapshots) {
    pthread_mutex_lock(&on->mu);
    *publishes = on->publish_failures;
    *snapshots = on->snapshot_failures;
    pthread_mutex_unlock(&on->mu);
}

int seer_online_learning(seer_online *on) {
    pthread_mutex_lock(&on->mu);
    int failed = on->failed;
    pthread_mutex_unlock(&on->mu);
    return !failed;
}

void seer_online_close(seer_online *on) {
    if (!on) return;
    pthread_mutex_lock(&on->mu);
    on->stop = 1;
    pthread_cond_signal(&on->wake);
    pthread_mutex_unlock(&on->mu);
    pthread_join(on->thread, NULL);
    free_online(on);
}
