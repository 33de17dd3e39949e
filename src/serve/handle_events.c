// POST /v1/events of seer serve: the body checked by the request rules on the model
// served now, handed to online learning, and answered 202 once the log holds it. A sasrec
// recommender's events ({"user", "item"}) go to its users' sequences the same way.
#include "serve/server_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/error.h"
#include "base/text.h"
#include "serve/event.h"
#include "serve/reply.h"

// An events request waiting for its events to be durable.
typedef struct {
    seer_http_later *later;
    size_t n;
    size_t unknown;   // a recommender's events whose item the catalogue lacks (not logged)
} events_call;

// On the log's thread: 202 once the events are durable, or the error.
static void events_logged(void *ctx, int rc) {
    events_call *c = ctx;
    seer_http_response r = {0};
    if (rc != SEER_OK) {
        seer_reply_rc(&r, rc);
    } else {
        seer_text b = {0};
        seer_text_put(&b, "{\"accepted\":%zu", c->n);
        if (c->unknown != SIZE_MAX) seer_text_put(&b, ",\"unknown_items\":%zu", c->unknown);
        seer_text_put(&b, "}");
        seer_reply_finish(&r, 202, &b);
    }
    seer_http_answer(c->later, &r);
    free(c);
}

// A recommender's events: those whose item the catalogue holds are logged and appended.
static void seq_events(seer_server *s, const seer_http_request *req, seer_http_response *resp) {
    seer_request_seq_events ev;
    int rc = seer_request_seq_events_parse(req->body, req->len, s->cfg.max_batch, &ev);
    if (rc != SEER_OK) {
        if (ev.too_many) seer_reply_error(resp, 413, seer_error_message());
        else seer_reply_rc(resp, rc);
        return;
    }
    size_t known = 0, unknown = 0;   // the known ones moved to the front, in order
    for (size_t i = 0; rc == SEER_OK && i < ev.n; i++) {
        const char *user, *item;
        char *buf = malloc(ev.len[i] + 1);
        if (!buf) rc = seer_errorf(SEER_ENOMEM, "out of memory");
        else rc = seer_event_seq_read(ev.record[i], ev.len[i], buf, &user, &item);
        int ok = rc == SEER_OK && seer_rec_unknown_items(s->rec, &item, 1) == 0;
        free(buf);
        if (!ok) {
            unknown++;
            continue;
        }
        char *r = ev.record[i];   // swapped with the first unknown one (or itself)
        size_t l = ev.len[i];
        ev.record[i] = ev.record[known];
        ev.len[i] = ev.len[known];
        ev.record[known] = r;
        ev.len[known++] = l;
    }
    seer_metrics_rows(&s->metrics, SEER_EP_EVENTS, ev.n, 0);
    events_call *c = rc == SEER_OK && known ? malloc(sizeof *c) : NULL;
    if (rc == SEER_OK && known && !c) rc = seer_errorf(SEER_ENOMEM, "out of memory");
    if (c) {
        c->later = seer_http_defer(req);
        c->n = known;
        c->unknown = unknown;
        rc = seer_rec_online_log_async(s->rec_online, (const char *const *)ev.record, ev.len,
                                       known, events_logged, c);
        if (rc != SEER_OK) {   // nothing logged: answered here, through the deferral
            seer_http_response r = {0};
            seer_reply_rc(&r, rc);
            seer_http_answer(c->later, &r);
            free(c);
        }
    } else if (rc == SEER_OK) {   // nothing to log
        seer_text b = {0};
        seer_text_put(&b, "{\"accepted\":0,\"unknown_items\":%zu}", unknown);
        seer_reply_finish(resp, 202, &b);
    } else {
        seer_reply_rc(resp, rc);
    }
    seer_request_seq_events_free(&ev);
}

void seer_handle_events(seer_server *s, const seer_http_request *req,
                        seer_http_response *resp) {
    if (s->rec_online) {
        seq_events(s, req, resp);
        return;
    }
    if (!s->online) {   // a sasrec recommender's events need the log too
        seer_reply_error(resp, 400, "online learning is off: this server was started with "
                         "--read-only; without it, events are logged and learnt");
        return;
    }
    // The request rules, on the model served now; the log gets each event's values, which
    // the learner encodes with its own model.
    seer_request_events ev = {.lenient = s->cfg.lenient};
    seer_served *sv = seer_slot_acquire(&s->slot);
    int rc = seer_request_events_parse(&sv->model->tf, req->body, req->len, s->cfg.max_batch,
                                       &ev);
    seer_slot_release(&s->slot, sv);
    if (rc != SEER_OK) {
        if (ev.too_many) seer_reply_error(resp, 413, seer_error_message());
        else seer_reply_rc(resp, rc);
        return;
    }
    seer_metrics_rows(&s->metrics, SEER_EP_EVENTS, ev.n, ev.n_missing);
    // The answer waits for the disk on the log's thread, not on this one.
    events_call *c = malloc(sizeof *c);
    if (!c) {
        seer_reply_error(resp, 500, "out of memory");
        seer_request_events_free(&ev);
        return;
    }
    c->later = seer_http_defer(req);
    c->n = ev.n;
    c->unknown = SIZE_MAX;   // a CTR model's events: no items
    rc = seer_online_log_async(s->online, (const char *const *)ev.record, ev.len, ev.n,
                               events_logged, c);
    if (rc != SEER_OK) {   // nothing logged: answered here, through the deferral
        seer_http_response r = {0};
        seer_reply_rc(&r, rc);
        seer_http_answer(c->later, &r);
        free(c);
    }
    seer_request_events_free(&ev);
}
