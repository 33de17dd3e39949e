// seer serve: the endpoints, their limits and the served model. Routing and
// handlers live here; HTTP is http.c, request parsing request.c, online
// learning online.c.
//
//   POST /v1/predict       {"rows": [...]}                      -> {"scores": [...], "model"}
//   POST /v1/rank          {"user": {...}, "candidates": [...]} -> {"ranked": [{index, score}]}
//   POST /v1/recommend     400: no model today holds an item catalogue
//   POST /v1/events        {"events": [...]}                    -> 202 {"accepted": n}
//   GET  /v1/model         version, event counts, kind, inputs, training metadata
//   GET  /healthz          {"status": "ok"}
//   GET  /metrics          Prometheus text
//   POST /v1/admin/reload  {} or {"path": ...}                  -> {"version": v}
//
// The write endpoints (events, reload) need the bearer token of --token-file; with
// none configured they answer 403 unless allow_unauthenticated_writes (protected by
// default: any local process could otherwise change the served model). A reload
// path is taken relative to the model directory and must resolve (realpath: no
// ".." or symlink out) to a file under it; errors about other paths say only that.
#ifndef SEER_SERVE_SERVER_H
#define SEER_SERVE_SERVER_H

#include "seer/serve.h"  // the public config, start, reload and stop

#endif
