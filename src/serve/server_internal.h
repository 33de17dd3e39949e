// What the files of seer serve share: the server's state, the scoring worker of an
// HTTP thread (workers.c), and the handlers of the endpoints (handle_*.c), which
// server.c's dispatch calls. Private to src/serve/.
#ifndef SEER_SERVE_SERVER_INTERNAL_H
#define SEER_SERVE_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "models/net.h"
#include "serve/auth.h"
#include "serve/batcher.h"
#include "serve/http.h"
#include "serve/metrics.h"
#include "serve/online.h"
#include "serve/rec_online.h"
#include "serve/request.h"
#include "serve/server.h"
#include "serve/slot.h"
#include "seer/kt.h"
#include "seer/recommend.h"

// One HTTP thread's scoring state.
typedef struct seer_worker {
    struct seer_worker *next;
    const struct seer_server *server;
    seer_net view;
    uint64_t view_version;   // of the model the view scores with; 0: no view
    seer_request_rows rows;
    float *p;                // (p_cap) scores
    size_t p_cap;
    struct ranked { size_t index; float score; } *ranked;  // (p_cap)
} seer_worker;

struct seer_server {
    seer_server_config cfg;
    seer_slot slot;
    seer_recommender *rec;   // a recommender's file: /v1/recommend alone, no slot (NULL: CTR)
    seer_online *online;     // NULL without a wal_dir
    seer_rec_online *rec_online;   // a sasrec recommender's events (NULL: none taken)
    seer_http *http;
    seer_batcher *batcher;   // NULL: every request scored on its own thread
    seer_serve_metrics metrics;
    seer_token token;        // token.s NULL: no token configured
    char *model_dir;         // realpath of the directory HTTP reloads take files from
    pthread_mutex_t reload_mu;   // one reload at a time
    pthread_mutex_t workers_mu;
    seer_worker *workers;
    atomic_ullong reloads, reload_failures;
};

// The calling HTTP thread's worker for s, made on its first request; NULL without memory.
seer_worker *seer_worker_get(seer_server *s);
void seer_worker_free(seer_worker *w);

typedef int (*seer_parse_fn)(const seer_transform *t, const char *body, size_t len,
                             size_t max_rows, seer_request_rows *out);

// Parses the body with parse into w->rows; on failure answers resp and returns nonzero.
// *sv is acquired either way; the caller releases it.
int seer_worker_parse(seer_server *s, seer_worker *w, seer_served *sv, seer_parse_fn parse,
                      const seer_http_request *req, seer_http_response *resp);
// Scores w->rows with sv's model into w->p; on failure answers resp and returns nonzero.
int seer_worker_score(seer_worker *w, seer_served *sv, seer_http_response *resp);

// Scores w->rows (at most seer_batcher_rows(b) rows) as b's scorer would: in one product
// of seer_batcher_rows(b) rows, padded as it pads, into w->p; so the same bits. On failure
// answers resp and returns nonzero.
int seer_worker_score_as_batch(seer_worker *w, seer_served *sv, const seer_batcher *b,
                               seer_http_response *resp);

// Answers resp with /v1/predict's body: the n scores p and the model's version.
void seer_reply_scores(seer_http_response *resp, const float *p, size_t n, uint64_t version);

// The endpoints (server.c's dispatch; the route is checked, and so is the token for the
// write endpoints). Each answers resp, or defers the answer (events).
void seer_handle_predict(seer_server *s, seer_worker *w, const seer_http_request *req,
                         seer_http_response *resp);
void seer_handle_rank(seer_server *s, seer_worker *w, const seer_http_request *req,
                      seer_http_response *resp);
void seer_handle_recommend(seer_server *s, const seer_http_request *req,
                           seer_http_response *resp);
void seer_handle_events(seer_server *s, const seer_http_request *req,
                        seer_http_response *resp);
void seer_handle_model(seer_server *s, seer_http_response *resp);
void seer_handle_metrics(seer_server *s, seer_http_response *resp);
void seer_handle_reload(seer_server *s, const seer_http_request *req,
                        seer_http_response *resp);

#endif
