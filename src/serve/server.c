// seer serve's routes, dispatch and life cycle; see server.h. HTTP is http.c; this
// file decides which handler a request goes to (handle_*.c write the answers), and
// starts, reloads and stops the server.
#include "serve/server_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/text.h"
#include "io/model.h"
#include "nn/gemm.h"
#include "serve/reply.h"

// ---------------------------------------------------------------- routing

typedef struct {
    const char *path;
    seer_endpoint ep;
    const char *method;
    int write;   // needs the bearer token (or, with none, allow_unauthenticated_writes)
    int light;   // served even over max_connections (http.h)
} route;

static const route routes[] = {
    {"/v1/predict", SEER_EP_PREDICT, "POST", 0, 0},
    {"/v1/rank", SEER_EP_RANK, "POST", 0, 0},
    {"/v1/recommend", SEER_EP_RECOMMEND, "POST", 0, 0},
    {"/v1/events", SEER_EP_EVENTS, "POST", 1, 0},
    {"/v1/model", SEER_EP_MODEL, "GET", 0, 0},
    {"/healthz", SEER_EP_HEALTHZ, "GET", 0, 1},
    {"/metrics", SEER_EP_METRICS, "GET", 0, 1},
    {"/v1/admin/reload", SEER_EP_RELOAD, "POST", 1, 0},
};

static void on_begin(void *ctx, seer_http_request *req, seer_http_response *resp) {
    seer_server *s = ctx;
    const route *r = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof *routes && !r; i++)
        if (strcmp(req->path, routes[i].path) == 0) r = &routes[i];
    req->tag = r ? (int)r->ep : SEER_EP_OTHER;
    req->light = r && r->light;
    if (!r) {
        char msg[200];
        snprintf(msg, sizeof msg, "no endpoint %.100s (see /v1/predict, /v1/rank, /v1/events, "
                 "/v1/model, /healthz, /metrics)", req->path);
        seer_reply_error(resp, 404, msg);
    } else if (strcmp(req->method, r->method) != 0 &&
               !(strcmp(r->method, "GET") == 0 && strcmp(req->method, "HEAD") == 0)) {
        // HEAD is a GET whose body libmicrohttpd leaves out.
        char msg[120];
        snprintf(msg, sizeof msg, "%s takes %s, not %.20s", r->path, r->method, req->method);
        seer_reply_error(resp, 405, msg);
        resp->allow = strcmp(r->method, "GET") == 0 ? "GET, HEAD" : r->method;
    } else if (r->write && s->token.s && !seer_token_ok(&s->token, req->authorization)) {
        seer_reply_error(resp, 401, req->authorization ? "wrong bearer token"
                                                       : "this endpoint needs an Authorization: "
                                                         "Bearer token");
        resp->authenticate = "Bearer";
    } else if (r->write && !s->token.s && !s->cfg.allow_unauthenticated_writes) {
        // Answered at the headers: the body is discarded unread by the handlers.
        char msg[300];
        snprintf(msg, sizeof msg, "%s is off: this server has no --token-file. Start seer serve "
                 "with --token-file F (then send 'Authorization: Bearer <the token>'), or with "
                 "--allow-unauthenticated-writes for local experiments", r->path);
        seer_reply_error(resp, 403, msg);
    }
}

static void on_done(void *ctx, int tag, int status, double seconds) {
    seer_server *s = ctx;
    seer_metrics_record(&s->metrics, (seer_endpoint)tag, status, seconds);
}

static void on_handle(void *ctx, const seer_http_request *req, seer_http_response *resp) {
    seer_server *s = ctx;
    seer_worker *w = NULL;
    int sasrec = s->rec && seer_rec_get_kind(s->rec) == SEER_REC_SASREC;
    if (s->rec && req->tag != SEER_EP_RECOMMEND && req->tag != SEER_EP_HEALTHZ &&
        req->tag != SEER_EP_METRICS && !(req->tag == SEER_EP_EVENTS && sasrec)) {
        char msg[256];
        snprintf(msg, sizeof msg, "%.40s is not served for a recommender: this server answers "
                 "POST /v1/recommend%s, GET /healthz and GET /metrics", req->path,
                 sasrec ? ", POST /v1/events" : "");
        seer_reply_error(resp, 400, msg);
        return;
    }
    if (req->tag == SEER_EP_PREDICT || req->tag == SEER_EP_RANK) {
        w = seer_worker_get(s);
        if (!w) {
            seer_reply_error(resp, 500, "out of memory");
            return;
        }
    }
    switch ((seer_endpoint)req->tag) {
    case SEER_EP_PREDICT: seer_handle_predict(s, w, req, resp); break;
    case SEER_EP_RANK: seer_handle_rank(s, w, req, resp); break;
    case SEER_EP_RECOMMEND: seer_handle_recommend(s, req, resp); break;
    case SEER_EP_EVENTS: seer_handle_events(s, req, resp); break;
    case SEER_EP_MODEL: seer_handle_model(s, resp); break;
    case SEER_EP_HEALTHZ: {
        seer_text b = {0};
        seer_text_put(&b, "{\"status\":\"ok\"}");
        seer_reply_finish(resp, 200, &b);
        break;
    }
    case SEER_EP_METRICS: seer_handle_metrics(s, resp); break;
    case SEER_EP_RELOAD: seer_handle_reload(s, req, resp); break;
    default: seer_reply_error(resp, 404, "no such endpoint"); break;
    }
}

// ---------------------------------------------------------------- life cycle

void seer_server_config_default(seer_server_config *c) {
    memset(c, 0, sizeof *c);
    c->host = "127.0.0.1";
    c->port = 8080;
    c->threads = 1;
    c->max_body = 1u << 20;
    c->max_batch = 10000;
    c->max_connections = 512;
    c->timeout_s = 30;
    c->micro_batch = 4;
    c->micro_wait_us = 100;
}

// The directory HTTP reloads take files from: c->model_dir, or the model file's own.
static int resolve_model_dir(seer_server *s, const seer_server_config *c) {
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(c->model_path, '/');
    if (c->model_dir) snprintf(dir, sizeof dir, "%s", c->model_dir);
    else if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == c->model_path) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - c->model_path), c->model_path);
    struct stat st;
    if (!realpath(dir, real))
        return seer_errorf(c->model_dir ? SEER_EINVAL : SEER_EIO, "%s%s: %s",
                           c->model_dir ? "--model-dir " : "", dir, strerror(errno));
    if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
        return seer_errorf(SEER_EINVAL, "--model-dir %s: not a directory", dir);
    s->model_dir = strdup(real);
    return s->model_dir ? SEER_OK : seer_errorf(SEER_ENOMEM, "out of memory");
}

int seer_server_reload(seer_server *s, const char *path, unsigned long long *version) {
    if (!path) path = s->cfg.model_path;
    pthread_mutex_lock(&s->reload_mu);
    atomic_fetch_add(&s->reloads, 1);
    int rc;
    if (s->online) {
        rc = seer_online_reload(s->online, path);
    } else {
        seer_model *m;
        rc = seer_model_load(&m, path, 1);
        if (rc == SEER_OK && !seer_slot_publish(&s->slot, m))
            rc = seer_errorf(SEER_ENOMEM, "out of memory swapping in %s", path);
    }
    if (rc != SEER_OK) atomic_fetch_add(&s->reload_failures, 1);
    *version = seer_slot_version(&s->slot);
    pthread_mutex_unlock(&s->reload_mu);
    return rc;
}

// What the config cannot start with, as the command line's ranges say it (cmd_serve.c), or
// NULL: a library user gets the same refusals.
static const char *config_invalid(const seer_server_config *c) {
    if (!c->model_path) return "no model path";
    if (!c->host || !*c->host) return "no host";
    if (c->port > 65535) return "port above 65535";
    if (c->threads < 1 || c->threads > 1024) return "threads must be 1 to 1024";
    if (c->max_body == 0) return "max_body must be at least 1";
    if (c->max_batch == 0) return "max_batch must be at least 1";
    if (c->max_connections < 1 || c->max_connections > (1u << 20))
        return "max_connections must be 1 to 1048576";
    if (c->timeout_s > 86400) return "timeout_s above 86400";
    if (c->micro_batch > SEER_BATCHER_ROWS_MAX) return "micro_batch above 64";
    if (c->micro_wait_us > 10000) return "micro_wait_us above 10000";
    return NULL;
}

int seer_server_start(seer_server **out, const seer_server_config *c) {
    const char *why = c ? config_invalid(c) : "no config";
    if (why) return seer_errorf(SEER_EINVAL, "server config: %s", why);
    seer_server *s = calloc(1, sizeof *s);
    if (!s) return seer_errorf(SEER_ENOMEM, "out of memory");
    seer_request_init();   // cJSON's hooks, before the learner's and the HTTP threads start
    // oneDNN's kernels are built while the model loads, not inside the first request (which
    // waited 15-50 ms for them: BENCHMARKS.md, "The first product").
    seer_gemm_preparer kernels;
    seer_gemm_prepare(&kernels, 1);
    s->cfg = *c;
    pthread_mutex_init(&s->reload_mu, NULL);
    pthread_mutex_init(&s->workers_mu, NULL);
    int rc = c->token_file ? seer_token_read(&s->token, c->token_file) : SEER_OK;
    // A --model-dir is checked before anything is opened; the model's own directory after
    // the model, so that a missing model is reported as such.
    if (rc == SEER_OK && c->model_dir) rc = resolve_model_dir(s, c);
    int slot_ready = 0;
    // A recommender's file is served by /v1/recommend alone: no slot, no online learning;
    // a sasrec model's events extend its users' sequences.
    if (rc == SEER_OK && seer_file_is_recommender(c->model_path) == 1) {
        rc = seer_rec_load(&s->rec, c->model_path);
        // /v1/recommend has no target band, which a knowledge-tracing model's answers need
        // (it answered every request 400): refused at the start instead.
        if (rc == SEER_OK && seer_rec_is_kt(s->rec))
            rc = seer_errorf(SEER_EINVAL, "%s: a knowledge-tracing model is not served; seer "
                             "recommend %s --user ID --target LO-HI answers it",
                             c->model_path, c->model_path);
        if (rc == SEER_OK && c->wal_dir && seer_rec_get_kind(s->rec) == SEER_REC_SASREC)
            rc = seer_rec_online_open(&s->rec_online, s->rec, c->wal_dir, c->wal_repair);
    } else if (rc == SEER_OK && c->wal_dir) {
        seer_online_options o;
        seer_online_options_default(&o);
        o.model_path = c->model_path;
        o.wal_dir = c->wal_dir;
        o.wal_repair = c->wal_repair;
        rc = seer_online_open(&s->online, &o, &s->slot);
        slot_ready = rc == SEER_OK;
    } else if (rc == SEER_OK) {
        seer_model *m;
        rc = seer_model_load(&m, c->model_path, 1);
        if (rc == SEER_OK) rc = seer_slot_init(&s->slot, m);
        slot_ready = rc == SEER_OK;
    }
    if (rc == SEER_OK && !s->model_dir) rc = resolve_model_dir(s, c);
    if (rc == SEER_OK && c->micro_batch && !s->rec)
        rc = seer_batcher_start(&s->batcher, s, c->micro_batch, c->micro_wait_us);
    seer_gemm_prepared(&kernels);
    if (rc == SEER_OK) {
        seer_http_options h = {c->host, c->port, c->threads, c->max_body, c->max_connections,
                               c->timeout_s, on_begin, on_handle, on_done, s};
        rc = seer_http_start(&s->http, &h);
    }
    if (rc != SEER_OK) {
        seer_batcher_stop(s->batcher);
        if (s->online) seer_online_close(s->online);
        if (slot_ready) seer_slot_free(&s->slot);
        seer_rec_online_close(s->rec_online);
        seer_rec_free(s->rec);
        seer_token_free(&s->token);
        free(s->model_dir);
        free(s);
        return rc;
    }
    *out = s;
    return SEER_OK;
}

unsigned seer_server_port(const seer_server *s) { return seer_http_port(s->http); }

void seer_server_stop(seer_server *s) {
    if (!s) return;
    seer_http_stop(s->http, 10.0);   // after every deferred answer: the batcher's are done
    seer_batcher_stop(s->batcher);
    if (s->online) seer_online_close(s->online);
    seer_rec_online_close(s->rec_online);
    for (seer_worker *w = s->workers, *next; w; w = next) {
        next = w->next;
        seer_worker_free(w);
    }
    // online.c initialises the slot but, like the caller of any init, we free it.
    seer_slot_free(&s->slot);
    seer_rec_free(s->rec);
    pthread_mutex_destroy(&s->reload_mu);
    pthread_mutex_destroy(&s->workers_mu);
    seer_token_free(&s->token);
    free(s->model_dir);
    free(s);
}
