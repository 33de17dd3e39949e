// The scoring workers of seer serve: one per HTTP thread, with its own view of the
// served model and its own buffers; a request's rows parsed and scored.
//
// Scoring: each HTTP pool thread keeps a worker (found through a thread-local
// pointer) with its own scoring view of the served model and its own request
// buffers, so requests on different threads share only the model's read-only
// parameters. A view scores one model version: when the slot serves a new
// one of the same shapes (the online learner's), the view is pointed at it and
// keeps its buffers; otherwise the worker drops it and makes another. Rows
// are scored in chunks of SEER_SCORE_ROWS, the batch `seer predict` uses, so that a
// request of the same rows as a file multiplies the same shapes and gives the
// same scores.
//
// Each HTTP thread scores with one OpenMP thread: requests are small, the pool
// already spreads them over the cores, and an OpenMP team per request thread
// oversubscribes the machine (measured: 25 requests/s instead of 10,000 with
// a team of 2 on this 2-thread machine while another process was busy).
#include <stdlib.h>

#include "base/error.h"
#include "base/threads.h"
#include "io/model.h"
#include "serve/reply.h"
#include "serve/server_internal.h"

static _Thread_local seer_worker *tls_worker;

seer_worker *seer_worker_get(seer_server *s) {
    seer_worker *w = tls_worker;
    if (w && w->server == s) return w;
    w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->server = s;
    seer_threads_set(1);   // for this thread's parallel regions, oneDNN's included
    pthread_mutex_lock(&s->workers_mu);
    w->next = s->workers;
    s->workers = w;
    pthread_mutex_unlock(&s->workers_mu);
    tls_worker = w;
    return w;
}

void seer_worker_free(seer_worker *w) {
    if (w->view_version) seer_net_free(&w->view);
    seer_request_rows_free(&w->rows);
    free(w->p);
    free(w->ranked);
    free(w);
}

// The view ready for sv's model and room for n scores at w->p.
static int prepare(seer_worker *w, seer_served *sv, size_t n) {
    if (w->view_version != sv->version && w->view_version &&
        seer_net_view_retarget(&w->view, &sv->model->net))
        w->view_version = sv->version;  // the same shapes: keep the buffers
    if (w->view_version != sv->version) {
        if (w->view_version) seer_net_free(&w->view);
        w->view_version = 0;
        int rc = seer_net_init_view(&w->view, &sv->model->net, SEER_SCORE_ROWS);
        if (rc != SEER_OK) return rc;
        w->view_version = sv->version;
    }
    if (n > w->p_cap) {
        float *p = realloc(w->p, n * sizeof *p);
        if (p) w->p = p;
        struct ranked *rk = realloc(w->ranked, n * sizeof *rk);
        if (rk) w->ranked = rk;
        if (!p || !rk) return seer_errorf(SEER_ENOMEM, "out of memory for %zu scores", n);
        w->p_cap = n;
    }
    return SEER_OK;
}

// Scores w->rows with sv's model into w->p.
static int score(seer_worker *w, seer_served *sv) {
    size_t n = w->rows.n;
    int rc = prepare(w, sv, n);
    if (rc != SEER_OK) return rc;
    size_t S = sv->model->tf.n_slots, nd = sv->model->tf.n_dense;
    for (size_t i = 0; i < n; i += SEER_SCORE_ROWS) {
        size_t b = n - i < SEER_SCORE_ROWS ? n - i : SEER_SCORE_ROWS;
        seer_net_predict(&w->view, w->rows.ids + i * S, w->rows.dense + i * nd, b, w->p + i);
    }
    return SEER_OK;
}

// Room for k rows in w->rows' buffers (of S ids and nd dense values a row).
static int reserve_rows(seer_request_rows *r, size_t k, size_t S, size_t nd) {
    if (k * S + 1 > r->ids_cap) {
        uint32_t *p = realloc(r->ids, (k * S + 1) * sizeof *p);
        if (!p) return 0;
        r->ids = p;
        r->ids_cap = k * S + 1;
    }
    if (k * nd + 1 > r->dense_cap) {
        float *p = realloc(r->dense, (k * nd + 1) * sizeof *p);
        if (!p) return 0;
        r->dense = p;
        r->dense_cap = k * nd + 1;
    }
    return 1;
}

int seer_worker_score_as_batch(seer_worker *w, seer_served *sv, const seer_batcher *b,
                               seer_http_response *resp) {
    size_t k = seer_batcher_rows(b), S = sv->model->tf.n_slots, nd = sv->model->tf.n_dense;
    int rc = prepare(w, sv, k);
    if (rc == SEER_OK && !reserve_rows(&w->rows, k, S, nd))
        rc = seer_errorf(SEER_ENOMEM, "out of memory for a product of %zu rows", k);
    if (rc == SEER_OK) {
        seer_batcher_pad(b, w->rows.ids, w->rows.dense, w->rows.n, S, nd);
        seer_net_predict(&w->view, w->rows.ids, w->rows.dense, k, w->p);
    }
    if (rc != SEER_OK) seer_reply_rc(resp, rc);
    return rc != SEER_OK;
}

int seer_worker_parse(seer_server *s, seer_worker *w, seer_served *sv, seer_parse_fn parse,
                      const seer_http_request *req, seer_http_response *resp) {
    w->rows.lenient = s->cfg.lenient;
    int rc = parse(&sv->model->tf, req->body, req->len, s->cfg.max_batch, &w->rows);
    if (rc != SEER_OK) {
        if (w->rows.too_many) seer_reply_error(resp, 413, seer_error_message());
        else seer_reply_rc(resp, rc);
        return 1;
    }
    seer_metrics_rows(&s->metrics, (seer_endpoint)req->tag, w->rows.n, w->rows.n_missing);
    return 0;
}

int seer_worker_score(seer_worker *w, seer_served *sv, seer_http_response *resp) {
    int rc = score(w, sv);
    if (rc != SEER_OK) seer_reply_rc(resp, rc);
    return rc != SEER_OK;
}
