// The seer HTTP/JSON server as a library user starts it: the endpoints of `seer serve`
// (README, "Serving") over a model file, with online learning from a write-ahead log.
// seer serve is this, with its options parsed into the config and signals waited for.
#ifndef SEER_SERVE_H
#define SEER_SERVE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *model_path;
    const char *host;            // default 127.0.0.1
    unsigned port;               // default 8080; 0 picks a free one
    unsigned threads;            // HTTP pool threads, each scoring with its own view (default 1)
    const char *wal_dir;         // online learning's log and snapshots; NULL: no /v1/events
    int wal_repair;              // start past damaged log records, dropping them (else refuse)
    const char *token_file;      // bearer token for the write endpoints (the first line)
    int allow_unauthenticated_writes;  // without a token: the write endpoints answer (else 403)
    const char *model_dir;       // reload takes files under it; NULL: model_path's directory
    int lenient;                 // request keys that name no column are ignored, not refused
    size_t max_body;             // bytes (default 1 MiB)
    size_t max_batch;            // rows (or events, or candidates) a request (default 10,000)
    unsigned max_connections;    // default 512
    unsigned timeout_s;          // idle connection timeout (default 30)
    size_t micro_batch;          // predicts of up to this many rows are scored together by one
                                 // thread, in products of exactly this many rows (default 4;
                                 // 0: each on its own HTTP thread; at most 64)
    unsigned micro_wait_us;      // the longest a queued predict waits for others (default 100)
} seer_server_config;

void seer_server_config_default(seer_server_config *c);

typedef struct seer_server seer_server;

// Reads the token, loads the model (through online learning with a wal_dir),
// and starts listening. SEER_EIO / SEER_EDATA / SEER_EINVAL naming what failed; a config
// out of the ranges of seer serve's options (port <= 65535, threads 1 to 1024, max_body and
// max_batch at least 1, max_connections 1 to 2^20, timeout_s <= 86400, micro_batch <= 64,
// micro_wait_us <= 10,000) is SEER_EINVAL.
int seer_server_start(seer_server **out, const seer_server_config *c);
// The port listened on.
unsigned seer_server_port(const seer_server *s);
// Loads path (NULL: the configured model file) and serves it from now on; on
// failure the old model keeps serving. Returns the new version in *version.
// The path is used as given (SIGHUP and the library); HTTP reloads are checked
// against the model directory first.
int seer_server_reload(seer_server *s, const char *path, unsigned long long *version);
// Stops accepting, lets requests in flight finish (up to a few seconds), closes
// online learning (its final snapshot) and frees everything.
void seer_server_stop(seer_server *s);

#ifdef __cplusplus
}
#endif

#endif
