// Server metrics and their Prometheus text; see metrics.h.
#include "serve/metrics.h"

#include <stdlib.h>

#include "base/text.h"

static const char *const paths[SEER_EP_COUNT] = {
    "/v1/predict", "/v1/rank", "/v1/recommend", "/v1/events",
    "/v1/model",   "/healthz",  "/metrics",      "/v1/admin/reload", "other",
};
static const int codes[SEER_METRICS_CODES] = {200, 202, 400, 401, 403, 404, 405, 413, 415, 500,
                                              503, 504};
static const double bounds[SEER_METRICS_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                    0.005,  0.01,    0.025,  0.05,  0.1,
                                                    0.25,   0.5,     1.0,    2.5};

const char *seer_endpoint_path(seer_endpoint ep) {
    return ep >= 0 && ep < SEER_EP_COUNT ? paths[ep] : "other";
}

static uint64_t load(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static void add(uint64_t *p, uint64_t v) { __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }

void seer_metrics_record(seer_serve_metrics *m, seer_endpoint ep, int status, double seconds) {
    if (ep < 0 || ep >= SEER_EP_COUNT) ep = SEER_EP_OTHER;
    size_t c = 0;
    while (c < SEER_METRICS_CODES && codes[c] != status) c++;
    add(&m->requests[ep][c], 1);
    size_t b = 0;
    while (b < SEER_METRICS_BUCKETS && seconds > bounds[b]) b++;
    add(&m->latency[ep][b], 1);
    add(&m->latency_ns[ep], seconds > 0 ? (uint64_t)(seconds * 1e9) : 0);
}

void seer_metrics_rows(seer_serve_metrics *m, seer_endpoint ep, size_t rows, size_t missing) {
    if (ep < 0 || ep >= SEER_EP_COUNT) ep = SEER_EP_OTHER;
    add(&m->rows[ep], rows);
    add(&m->rows_missing[ep], missing);
}

char *seer_metrics_text(const seer_serve_metrics *m, const seer_metrics_gauges *g, size_t *len) {
    seer_text t = {0};
    seer_text_reserve(&t, 16384);
    seer_text_put(&t,
                  "# HELP seer_http_requests_total Responses sent, by endpoint and status code.\n"
                  "# TYPE seer_http_requests_total counter\n");
    for (int ep = 0; ep < SEER_EP_COUNT; ep++)
        for (size_t c = 0; c <= SEER_METRICS_CODES; c++) {
            uint64_t v = load(&m->requests[ep][c]);
            if (!v) continue;
            if (c < SEER_METRICS_CODES)
                seer_text_put(&t, "seer_http_requests_total{endpoint=\"%s\",code=\"%d\"} %llu\n",
                              paths[ep], codes[c], (unsigned long long)v);
            else
                seer_text_put(&t, "seer_http_requests_total{endpoint=\"%s\",code=\"other\"} %llu\n",
                              paths[ep], (unsigned long long)v);
        }
    seer_text_put(&t,
                  "# HELP seer_http_errors_total Responses with a 4xx or 5xx status, by endpoint.\n"
                  "# TYPE seer_http_errors_total counter\n");
    for (int ep = 0; ep < SEER_EP_COUNT; ep++) {
        uint64_t v = 0;
        for (size_t c = 0; c <= SEER_METRICS_CODES; c++)
            if (c == SEER_METRICS_CODES || codes[c] >= 400) v += load(&m->requests[ep][c]);
        seer_text_put(&t, "seer_http_errors_total{endpoint=\"%s\"} %llu\n", paths[ep],
                      (unsigned long long)v);
    }
    seer_text_put(&t,
                  "# HELP seer_http_request_duration_seconds From the request's headers to the "
                  "response's last.\n# TYPE seer_http_request_duration_seconds histogram\n");
    for (int ep = 0; ep < SEER_EP_COUNT; ep++) {
        uint64_t cum = 0;
        for (size_t b = 0; b <= SEER_METRICS_BUCKETS; b++) {
            cum += load(&m->latency[ep][b]);
            if (b < SEER_METRICS_BUCKETS)
                seer_text_put(&t, "seer_http_request_duration_seconds_bucket"
                              "{endpoint=\"%s\",le=\"%g\"} %llu\n",
                              paths[ep], bounds[b], (unsigned long long)cum);
            else
                seer_text_put(&t, "seer_http_request_duration_seconds_bucket"
                              "{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
                              paths[ep], (unsigned long long)cum);
        }
        seer_text_put(&t, "seer_http_request_duration_seconds_sum{endpoint=\"%s\"} %.9f\n",
                      paths[ep], 1e-9 * (double)load(&m->latency_ns[ep]));
        seer_text_put(&t, "seer_http_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
                      paths[ep], (unsigned long long)cum);
    }
    seer_text_put(&t, "# HELP seer_rows_total Rows (candidates, events) of requests accepted, "
                  "by endpoint.\n# TYPE seer_rows_total counter\n");
    for (int ep = SEER_EP_PREDICT; ep <= SEER_EP_EVENTS; ep++)
        if (ep != SEER_EP_RECOMMEND)
            seer_text_put(&t, "seer_rows_total{endpoint=\"%s\"} %llu\n", paths[ep],
                          (unsigned long long)load(&m->rows[ep]));
    seer_text_put(&t, "# HELP seer_rows_missing_columns_total Of those, rows with no value in "
                  "some of the model's columns (taken as missing values).\n"
                  "# TYPE seer_rows_missing_columns_total counter\n");
    for (int ep = SEER_EP_PREDICT; ep <= SEER_EP_EVENTS; ep++)
        if (ep != SEER_EP_RECOMMEND)
            seer_text_put(&t, "seer_rows_missing_columns_total{endpoint=\"%s\"} %llu\n",
                          paths[ep], (unsigned long long)load(&m->rows_missing[ep]));
    seer_text_put(&t, "# HELP seer_events_logged_total Events acknowledged (durable in the log).\n"
            "# TYPE seer_events_logged_total counter\nseer_events_logged_total %llu\n"
            "# HELP seer_events_applied_total Events the online learner has trained on.\n"
            "# TYPE seer_events_applied_total counter\nseer_events_applied_total %llu\n",
        (unsigned long long)g->events_logged, (unsigned long long)g->events_applied);
    seer_text_put(&t, "# HELP seer_online_learning 1 while the online learner applies events; 0 "
            "without one, or once it stopped on an error (the server's log says which).\n"
            "# TYPE seer_online_learning gauge\nseer_online_learning %d\n"
            "# HELP seer_online_publish_failures_total Updated models the online learner could "
            "not swap in (the last one published keeps serving).\n"
            "# TYPE seer_online_publish_failures_total counter\n"
            "seer_online_publish_failures_total %llu\n"
            "# HELP seer_online_snapshot_failures_total Snapshots the online learner could not "
            "write (the log keeps their events).\n"
            "# TYPE seer_online_snapshot_failures_total counter\n"
            "seer_online_snapshot_failures_total %llu\n", g->learning,
        (unsigned long long)g->publish_failures, (unsigned long long)g->snapshot_failures);
    seer_text_put(&t,
                  "# HELP seer_model_version The version of the model served (1 at start, +1 per "
            "swap).\n# TYPE seer_model_version gauge\nseer_model_version %llu\n",
        (unsigned long long)g->model_version);
    seer_text_put(&t, "# HELP seer_model_reloads_total Reloads asked for, and those that failed.\n"
            "# TYPE seer_model_reloads_total counter\nseer_model_reloads_total %llu\n"
            "# TYPE seer_model_reload_failures_total counter\n"
            "seer_model_reload_failures_total %llu\n",
        (unsigned long long)g->reloads, (unsigned long long)g->reload_failures);
    seer_text_put(&t, "# HELP seer_micro_batch_products_total Products the micro-batcher "
            "scored, each of --micro-batch rows.\n# TYPE seer_micro_batch_products_total "
            "counter\nseer_micro_batch_products_total %llu\n"
            "# HELP seer_micro_batch_requests_total Predict requests scored in them.\n"
            "# TYPE seer_micro_batch_requests_total counter\nseer_micro_batch_requests_total "
            "%llu\n# HELP seer_micro_batch_inline_total Of those, lone requests scored on "
            "their HTTP thread.\n# TYPE seer_micro_batch_inline_total counter\n"
            "seer_micro_batch_inline_total %llu\n", (unsigned long long)g->micro_products,
        (unsigned long long)g->micro_requests, (unsigned long long)g->micro_here);
    seer_text_put(&t, "# HELP seer_http_connections_open Client connections open now.\n"
            "# TYPE seer_http_connections_open gauge\nseer_http_connections_open %llu\n",
        (unsigned long long)g->connections_open);
    if (t.failed) {
        free(t.s);
        return NULL;
    }
    *len = t.n;
    return t.s;
}
