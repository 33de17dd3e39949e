// The scoring endpoints of seer serve: /v1/predict and /v1/rank (parse, score with
// the thread's worker or hand small predicts to the micro-batcher, write the scores);
// /v1/recommend is handle_recommend.c.
//
// Hot responses (scores) are written into a buffer (seer_reply_score), not with cJSON.
#include "serve/server_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/text.h"
#include "io/model.h"
#include "serve/reply.h"

// A score as JSON: null where it is not a number (JSON has no NaN), which only a model that
// diverged could give; loaded and published models are checked to be finite.
static void put_score(seer_text *b, const char *before, float p) {
    seer_text_add(b, before, strlen(before));
    if (isfinite(p)) seer_reply_score(b, p);
    else seer_text_add(b, "null", 4);
}

void seer_reply_scores(seer_http_response *resp, const float *p, size_t n, uint64_t version) {
    seer_text b = {0};
    seer_text_reserve(&b, 64 + 17 * n);   // about all it takes: one allocation
    seer_text_put(&b, "{\"scores\":[");
    for (size_t i = 0; i < n; i++) put_score(&b, i ? "," : "", p[i]);
    seer_text_put(&b, "],\"model\":{\"version\":%llu}}", (unsigned long long)version);
    seer_reply_finish(resp, 200, &b);
}

// A request of at most a product's rows goes to the micro-batcher, which answers it, unless
// it is alone (seer_batcher_lone): then it is scored here as the batcher would score it;
// more rows (or none) are scored here as they come.
void seer_handle_predict(seer_server *s, seer_worker *w, const seer_http_request *req,
                         seer_http_response *resp) {
    seer_served *sv = seer_slot_acquire(&s->slot);
    if (seer_worker_parse(s, w, sv, seer_request_predict, req, resp)) {
        seer_slot_release(&s->slot, sv);
        return;
    }
    size_t n = w->rows.n;
    seer_batcher *b = s->batcher;
    if (b && n >= 1 && n <= seer_batcher_rows(b)) {
        if (seer_batcher_lone(b)) {
            double t0 = seer_thread_cpu_now();
            if (!seer_worker_score_as_batch(w, sv, b, resp)) {
                seer_batcher_scored_here(b, seer_thread_cpu_now() - t0);
                seer_reply_scores(resp, w->p, n, sv->version);
            }
            seer_slot_release(&s->slot, sv);
            return;
        }
        if (seer_batcher_submit(b, req, &w->rows, sv) == SEER_OK)
            return;   // deferred: the scorer answers and releases sv
    }
    if (!seer_worker_score(w, sv, resp)) seer_reply_scores(resp, w->p, n, sv->version);
    seer_slot_release(&s->slot, sv);
}

// Highest score first, a NaN last (so the order is total), ties by index.
static int cmp_ranked(const void *a, const void *b) {
    const struct ranked *x = a, *y = b;
    float sx = isnan(x->score) ? -INFINITY : x->score, sy = isnan(y->score) ? -INFINITY : y->score;
    if (sx != sy) return sx < sy ? 1 : -1;
    return (x->index > y->index) - (x->index < y->index);
}

void seer_handle_rank(seer_server *s, seer_worker *w, const seer_http_request *req,
                      seer_http_response *resp) {
    seer_served *sv = seer_slot_acquire(&s->slot);
    if (!seer_worker_parse(s, w, sv, seer_request_rank, req, resp) &&
        !seer_worker_score(w, sv, resp)) {
        size_t n = w->rows.n;
        for (size_t i = 0; i < n; i++) w->ranked[i] = (struct ranked){i, w->p[i]};
        qsort(w->ranked, n, sizeof *w->ranked, cmp_ranked);
        seer_text b = {0};
        seer_text_reserve(&b, 64 + 44 * n);
        seer_text_put(&b, "{\"ranked\":[");
        for (size_t i = 0; i < n; i++) {
            seer_text_put(&b, "%s{\"index\":%zu,", i ? "," : "", w->ranked[i].index);
            put_score(&b, "\"score\":", w->ranked[i].score);
            seer_text_put(&b, "}");
        }
        seer_text_put(&b, "],\"model\":{\"version\":%llu}}", (unsigned long long)sv->version);
        seer_reply_finish(resp, 200, &b);
    }
    seer_slot_release(&s->slot, sv);
}
