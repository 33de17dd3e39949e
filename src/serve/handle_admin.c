// The endpoints of seer serve about the server itself: GET /v1/model (the served
// model and its inputs), GET /metrics (Prometheus text) and POST /v1/admin/reload
// (a file under the model directory swapped in).
#include "serve/server_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/text.h"
#include "io/model.h"
#include "serve/reply.h"

void seer_handle_model(seer_server *s, seer_http_response *resp) {
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
    // What the scores are: probabilities only for "binary" (regression, ziln: values).
    seer_text_put(&b, ",\"task\":\"%s\",\"columns\":[", seer_task_names[m->net.cfg.task]);
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

void seer_handle_metrics(seer_server *s, seer_http_response *resp) {
    seer_metrics_gauges g = {0};
    g.model_version = seer_slot_version(&s->slot);
    if (s->online) {
        seer_online_counts(s->online, &g.events_logged, &g.events_applied);
        seer_online_failures(s->online, &g.publish_failures, &g.snapshot_failures);
        g.learning = seer_online_learning(s->online);
    } else if (s->rec_online) {  // a recommender's events: applied to its sequences, not learnt
        g.events_logged = seer_rec_online_logged(s->rec_online);
        g.events_applied = seer_rec_online_applied(s->rec_online);
    }
    g.connections_open = seer_http_connections(s->http);
    g.reloads = atomic_load(&s->reloads);
    g.reload_failures = atomic_load(&s->reload_failures);
    if (s->batcher)
        seer_batcher_counts(s->batcher, &g.micro_products, &g.micro_requests, &g.micro_here);
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

void seer_handle_reload(seer_server *s, const seer_http_request *req,
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
