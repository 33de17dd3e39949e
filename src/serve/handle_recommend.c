// POST /v1/recommend: a recommender's top K for a user, or for a user it does not know from
// recent items and features, answered exactly as seer recommend --json prints it (the same
// library call, seer_rec_recommend, one user scored by dot products: the same items and the
// same score bits). A CTR model holds no catalogue: the answer says so and points to
// /v1/rank.
#include <stdlib.h>

#include "base/error.h"
#include "base/text.h"
#include "serve/reply.h"
#include "serve/server_internal.h"

// The refusal of a server whose model is a CTR network.
static void refuse(seer_server *s, seer_http_response *resp) {
    seer_served *sv = seer_slot_acquire(&s->slot);
    const seer_model_ops *ops = seer_model_ops_of(sv->model->net.cfg.kind);
    char msg[300];
    snprintf(msg, sizeof msg, "this model (%s) holds no item catalogue, so it cannot recommend "
             "from all items; POST the candidates to /v1/rank to rank them for a user",
             ops ? ops->name : "unknown");
    seer_slot_release(&s->slot, sv);
    seer_reply_error(resp, 400, msg);
}

static void answer(seer_http_response *resp, const seer_request_rec *q, const seer_rec_item *it,
                   size_t n, seer_rec_source src, size_t unknown) {
    seer_text b = {0};
    seer_text_reserve(&b, 64 + 48 * n);
    seer_text_put(&b, "{\"user\":");
    if (q->user) seer_reply_string(&b, q->user);
    else seer_text_put(&b, "null");
    seer_text_put(&b, ",\"items\":[");
    for (size_t i = 0; i < n; i++) {
        seer_text_put(&b, "%s{\"item\":", i ? "," : "");
        seer_reply_string(&b, it[i].item);
        seer_text_put(&b, ",\"score\":%.7g}", (double)it[i].score);
    }
    seer_text_put(&b, "],\"source\":\"%s\"", seer_rec_source_names[src]);
    if (q->n_recent) seer_text_put(&b, ",\"unknown_items\":%zu", unknown);
    seer_text_put(&b, "}");
    seer_reply_finish(resp, 200, &b);
}

void seer_handle_recommend(seer_server *s, const seer_http_request *req,
                           seer_http_response *resp) {
    if (!s->rec) {
        refuse(s, resp);
        return;
    }
    seer_request_rec *q = malloc(sizeof *q);
    if (!q) {
        seer_reply_error(resp, 500, "out of memory");
        return;
    }
    int rc = seer_request_recommend(req->body, req->len, q);
    if (rc != SEER_OK) {
        free(q);
        seer_reply_rc(resp, rc);
        return;
    }
    seer_rec_request r = {q->user, q->k, q->include_seen, q->recent, q->n_recent,
                          q->names, q->values, q->n_features};
    seer_rec_item *items = malloc(q->k * sizeof *items);
    size_t n = 0;
    seer_rec_source src;
    rc = items ? seer_rec_recommend(s->rec, &r, items, &n, &src)
               : seer_errorf(SEER_ENOMEM, "out of memory");
    if (rc == SEER_OK)
        answer(resp, q, items, n, src, seer_rec_unknown_items(s->rec, q->recent, q->n_recent));
    else seer_reply_rc(resp, rc);
    free(items);
    seer_request_recommend_free(q);
    free(q);
}
