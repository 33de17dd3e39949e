// Counters and latency histograms of the server, and their Prometheus text.
//
// Every response is recorded once, when it has been sent: its endpoint, status
// code and the seconds from the request's headers to the last byte of the
// response. Recording is a few relaxed atomic adds, no lock. Endpoints are a
// fixed list, so the metrics never grow with what clients send.
#ifndef SEER_SERVE_METRICS_H
#define SEER_SERVE_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SEER_EP_PREDICT,
    SEER_EP_RANK,
    SEER_EP_RECOMMEND,
    SEER_EP_EVENTS,
    SEER_EP_MODEL,
    SEER_EP_HEALTHZ,
    SEER_EP_METRICS,
    SEER_EP_RELOAD,
    SEER_EP_OTHER,   // unknown paths (404)
    SEER_EP_COUNT,
} seer_endpoint;

// The status codes counted one by one; any other counts as "other".
#define SEER_METRICS_CODES 12
// Latency histogram bucket bounds, seconds (plus +Inf).
#define SEER_METRICS_BUCKETS 14

typedef struct {
    uint64_t requests[SEER_EP_COUNT][SEER_METRICS_CODES + 1];
    uint64_t latency[SEER_EP_COUNT][SEER_METRICS_BUCKETS + 1];  // not cumulative
    uint64_t latency_ns[SEER_EP_COUNT];                         // sum
    uint64_t rows[SEER_EP_COUNT];           // rows (candidates, events) of accepted requests
    uint64_t rows_missing[SEER_EP_COUNT];   // of those, with no value in some input column
} seer_serve_metrics;

// What the server adds at scrape time.
typedef struct {
    uint64_t model_version;
    uint64_t events_logged, events_applied;
    uint64_t publish_failures, snapshot_failures;  // the online learner's (online.h)
    int learning;  // 1 while the online learner applies events
    uint64_t connections_open;
    uint64_t reloads, reload_failures;
    uint64_t micro_products, micro_requests;   // the micro-batcher's (batcher.h)
    uint64_t micro_here;     // of those, products scored on their HTTP thread
} seer_metrics_gauges;

// The path of an endpoint ("/v1/predict"; "other" for SEER_EP_OTHER).
const char *seer_endpoint_path(seer_endpoint ep);
// Records one response. Thread-safe.
void seer_metrics_record(seer_serve_metrics *m, seer_endpoint ep, int status, double seconds);
// Counts the rows of a request accepted (encoded), and those of them missing a column.
void seer_metrics_rows(seer_serve_metrics *m, seer_endpoint ep, size_t rows, size_t missing);
// The Prometheus text (format 0.0.4) into a new buffer the caller frees (*len
// bytes, NUL-terminated), or NULL without memory.
char *seer_metrics_text(const seer_serve_metrics *m, const seer_metrics_gauges *g, size_t *len);

#endif
