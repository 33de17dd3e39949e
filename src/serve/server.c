// seer serve's routes and handlers; see server.h. HTTP is http.c; this file
// decides what each request means and writes the answer.
//
// Hot responses (scores) are written with snprintf into a buffer, not cJSON.
#include "serve/server_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/text.h"
#include "io/model.h"
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

// A score as JSON: null where it is not a number (JSON has no NaN), which only a model that
// diverged could give; loaded and published models are checked to be finite.
static void put_score(seer_text *b, const char *before, float p) {
    if (isfinite(p)) seer_text_put(b, "%s%.9g", before, (double)p);
    else seer_text_put(b, "%snull", before);
}

static void handle_predict(seer_server *s, seer_worker *w, const seer_http_request *req,
                           seer_http_response *resp) {
    seer_served *sv = seer_slot_acquire(&s->slot);
    if (!seer_worker_parse_and_score(s, w, sv, seer_request_predict, req, resp)) {
        size_t n = w->rows.n;
        seer_text b = {0};
        seer_text_reserve(&b, 64 + 17 * n);   // about all it takes: one allocation
        seer_text_put(&b, "{\"scores\":[");
        for (size_t i = 0; i < n; i++) put_score(&b, i ? "," : "", w->p[i]);
        seer_text_put(&b, "],\"model\":{\"version\":%llu}}", (unsigned long long)sv->version);
        seer_reply_finish(resp, 200, &b);
    }
    seer_slot_release(&s->slot, sv);
}

// Highest score first, a NaN last (so the order is total), ties by index.
static int cmp_ranked(const void *a, const void *b) {
    const struct ranked *x = a, *y = b;
    float sx = isnan(x->score) ? -INFINITY : x->score, sy = isnan(y->score) ? -INFINITY : y->score;
    if (sx != sy) return sx < sy ? 1 : -1;
    return (x->index > y->index) - (x->index < y->index);
}

static void handle_rank(seer_server *s, seer_worker *w, const seer_http_request *req,
                        seer_http_response *resp) {
    seer_served *sv = seer_slot_acquire(&s->slot);
    if (!seer_worker_parse_and_score(s, w, sv, seer_request_rank, req, resp)) {
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

static void handle_recommend(seer_server *s, const seer_http_request *req,
                             seer_http_response *resp) {
    seer_served *sv = seer_slot_acquire(&s->slot);
    const seer_model_ops *ops = seer_model_ops_of(sv->model->net.cfg.kind);
    char msg[300];
    snprintf(msg, sizeof msg, "this model (%s) holds no item catalogue, so it cannot recommend "
             "from all items; POST the candidates to /v1/rank to rank them for a user",
             ops ? ops->name : "unknown");
    seer_slot_release(&s->slot, sv);
    seer_reply_error(resp, 400, msg);
}

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

static void handle_events(seer_server *s, const seer_http_request *req,
                          seer_http_response *resp) {
    if (!s->online) {
        seer_reply_error(resp, 400, "online learning is off: this server was started with "
                         "--read-only; without it, events are logged and learnt");
        return;
    }
    // The request rules, on the model served now (the learner encodes the events again).
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
    rc = seer_online_log_async(s->online, (const char *const *)ev.text, ev.len, ev.n,
                               events_logged, c);
    if (rc != SEER_OK) {   // nothing logged: answered here, through the deferral
        seer_http_response r = {0};
        seer_reply_rc(&r, rc);
        seer_http_answer(c->later, &r);
        free(c);
    }
    seer_request_events_free(&ev);
}

static void handle_model(seer_server *s, seer_http_response *resp) {
    uint64_t logged = 0, applied = 0;
    if (s->online) seer_online_counts(s->online, &logged, &applied);
    seer_served *sv = seer_slot_acquire(&s->slot);
    const seer_model *m = sv->model;
    const seer_model_ops *ops = seer_model_ops_of(m->net.cfg.kind);
    seer_text b = {0};
    seer_text_put(&b,
                  "{\"version\":%llu,\"events_logged\":%llu,\"events_applied\":%llu,\"online\":%s,"
            "\"learning\":%s,\"model\":\"%s\",\"fields\":%zu,\"dense\":%zu,\"embedding_rows\":%zu,"
            "\"embedding_dim\":%zu,\"label\":",
        (unsigned long long)sv->version, (unsigned long long)logged,
        (unsigned long long)applied, s->online ? "true" : "false",
        s->online && seer_online_learning(s->online) ? "true" : "false",
        ops ? ops->name : "unknown",
        m->tf.n_fields, m->tf.n_dense, m->tf.emb_rows, m->net.D);
    if (m->tf.label_col >= 0) seer_reply_string(&b, m->tf.col[m->tf.label_col].name);
    else seer_text_put(&b, "null");
    seer_text_put(&b, ",\"columns\":[");
    for (size_t j = 0; j < m->tf.n_cols; j++) {
        seer_text_put(&b, "%s{\"name\":", j ? "," : "");
        seer_reply_string(&b, m->tf.col[j].name);
        seer_text_put(&b, ",\"kind\":\"%s\"}", seer_col_kind_names[m->tf.col[j].kind]);
    }
    // training_json is the model file's own JSON object (settings and metrics), checked
    // when the file was loaded; it goes out with file names for paths.
    char *training = m->training_json ? seer_request_names_only(m->training_json) : NULL;
    seer_slot_release(&s->slot, sv);
    seer_text_put(&b, "],\"training\":%s}", training ? training : "null");
    free(training);
    seer_reply_finish(resp, 200, &b);
}

static void handle_metrics(seer_server *s, seer_http_response *resp) {
    seer_metrics_gauges g = {0};
    g.model_version = seer_slot_version(&s->slot);
    if (s->online) seer_online_counts(s->online, &g.events_logged, &g.events_applied);
    g.connections_open = seer_http_connections(s->http);
    g.reloads = atomic_load(&s->reloads);
    g.reload_failures = atomic_load(&s->reload_failures);
    size_t len;
    char *text = seer_metrics_text(&s->metrics, &g, &len);
    if (!text) {
        seer_reply_error(resp, 500, "out of memory");
        return;
    }
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4";
    resp->body = text;
    resp->len = len;
}

// The file an HTTP reload names (relative to the model directory, or absolute),
// resolved into out (PATH_MAX) and checked to be a regular file under that directory.
// Any failure reads the same, so that the answer tells nothing of other paths.
static int reload_target(const seer_server *s, const char *given, char *out) {
    char joined[PATH_MAX];
    size_t d = strlen(s->model_dir);
    int k = given[0] == '/' ? snprintf(joined, sizeof joined, "%s", given)
                            : snprintf(joined, sizeof joined, "%s/%s", s->model_dir, given);
    struct stat st;
    int ok = k > 0 && (size_t)k < sizeof joined && realpath(joined, out) &&
             (strcmp(s->model_dir, "/") == 0 ||
              (strncmp(out, s->model_dir, d) == 0 && out[d] == '/')) &&
             stat(out, &st) == 0 && S_ISREG(st.st_mode);
    return ok ? SEER_OK
              : seer_errorf(SEER_EINVAL, "'%.200s' is not a file in the model directory (reload "
                            "takes the name of a model file under seer serve's --model-dir)",
                            given);
}

// msg without the model directory's path: "/srv/models/a.seer: ..." -> "a.seer: ...".
static void without_dir(const seer_server *s, const char *msg, char *out, size_t cap) {
    size_t d = strlen(s->model_dir), n = 0;
    while (*msg && n + 1 < cap) {
        if (strncmp(msg, s->model_dir, d) == 0 && msg[d] == '/') msg += d + 1;
        else out[n++] = *msg++;
    }
    out[n] = '\0';
}

static void handle_reload(seer_server *s, const seer_http_request *req,
                          seer_http_response *resp) {
    char *given;
    int rc = seer_request_reload_path(req->body, req->len, &given);
    if (rc != SEER_OK) {
        seer_reply_rc(resp, rc);
        return;
    }
    char path[PATH_MAX];
    unsigned long long version = seer_slot_version(&s->slot);
    if (given) rc = reload_target(s, given, path);
    if (rc == SEER_OK) {
        rc = seer_server_reload(s, given ? path : NULL, &version);
    } else {
        atomic_fetch_add(&s->reloads, 1);
        atomic_fetch_add(&s->reload_failures, 1);
    }
    free(given);
    if (rc != SEER_OK) {
        // A file that cannot be read or is no model is the asker's to fix: 400.
        char what[512], msg[600];
        without_dir(s, seer_error_message(), what, sizeof what);
        snprintf(msg, sizeof msg, "reload failed, still serving version %llu: %s", version, what);
        seer_reply_error(resp,
                         rc == SEER_EIO || rc == SEER_EDATA || rc == SEER_EINVAL ? 400 : 500, msg);
        return;
    }
    seer_text b = {0};
    seer_text_put(&b, "{\"version\":%llu}", version);
    seer_reply_finish(resp, 200, &b);
}

static void on_handle(void *ctx, const seer_http_request *req, seer_http_response *resp) {
    seer_server *s = ctx;
    seer_worker *w = NULL;
    if (req->tag == SEER_EP_PREDICT || req->tag == SEER_EP_RANK) {
        w = seer_worker_get(s);
        if (!w) {
            seer_reply_error(resp, 500, "out of memory");
            return;
        }
    }
    switch ((seer_endpoint)req->tag) {
    case SEER_EP_PREDICT: handle_predict(s, w, req, resp); break;
    case SEER_EP_RANK: handle_rank(s, w, req, resp); break;
    case SEER_EP_RECOMMEND: handle_recommend(s, req, resp); break;
    case SEER_EP_EVENTS: handle_events(s, req, resp); break;
    case SEER_EP_MODEL: handle_model(s, resp); break;
    case SEER_EP_HEALTHZ: {
        seer_text b = {0};
        seer_text_put(&b, "{\"status\":\"ok\"}");
        seer_reply_finish(resp, 200, &b);
        break;
    }
    case SEER_EP_METRICS: handle_metrics(s, resp); break;
    case SEER_EP_RELOAD: handle_reload(s, req, resp); break;
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

int seer_server_start(seer_server **out, const seer_server_config *c) {
    seer_server *s = calloc(1, sizeof *s);
    if (!s) return seer_errorf(SEER_ENOMEM, "out of memory");
    s->cfg = *c;
    pthread_mutex_init(&s->reload_mu, NULL);
    pthread_mutex_init(&s->workers_mu, NULL);
    int rc = c->token_file ? seer_token_read(&s->token, c->token_file) : SEER_OK;
    // A --model-dir is checked before anything is opened; the model's own directory after
    // the model, so that a missing model is reported as such.
    if (rc == SEER_OK && c->model_dir) rc = resolve_model_dir(s, c);
    int slot_ready = 0;
    if (rc == SEER_OK && c->wal_dir) {
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
    if (rc == SEER_OK) {
        seer_http_options h = {c->host, c->port, c->threads, c->max_body, c->max_connections,
                               c->timeout_s, on_begin, on_handle, on_done, s};
        rc = seer_http_start(&s->http, &h);
    }
    if (rc != SEER_OK) {
        if (s->online) seer_online_close(s->online);
        if (slot_ready) seer_slot_free(&s->slot);
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
    seer_http_stop(s->http, 10.0);
    if (s->online) seer_online_close(s->online);
    for (seer_worker *w = s->workers, *next; w; w = next) {
        next = w->next;
        seer_worker_free(w);
    }
    // online.c initialises the slot but, like the caller of any init, we free it.
    seer_slot_free(&s->slot);
    pthread_mutex_destroy(&s->reload_mu);
    pthread_mutex_destroy(&s->workers_mu);
    seer_token_free(&s->token);
    free(s->model_dir);
    free(s);
}
