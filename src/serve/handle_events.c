// POST /v1/events of seer serve: the body checked by the request rules on the model
// served now, handed to online learning, and answered 202 once the log holds it.
#include "serve/server_internal.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/error.h"
#include "base/text.h"
#include "serve/reply.h"

// An events request waiting for its events to be durable.
typedef struct {
    seer_http_later *later;
    size_t n;
} events_call;

// On the log's thread: 202 once the events are durable, or the error.
static void events_logged(void *ctx, int rc) {
    events_call *c = ctx;
    seer_http_response r = {0};
    if (rc != SEER_OK) {
        seer_reply_rc(&r, rc);
    } else {
        seer_text b = {0};
        seer_text_put(&b, "{\"accepted\":%zu}", c->n);
        seer_reply_finish(&r, 202, &b);
    }
    seer_http_answer(c->later, &r);
    free(c);
}

void seer_handle_events(seer_server *s, const seer_http_request *req,
                        seer_http_response *resp) {
    if (!s->online) {
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
