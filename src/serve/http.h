// The HTTP layer of seer serve, over libmicrohttpd: its daemons (one a thread),
// connections, request bodies up to a size limit, and responses. It knows
// no endpoints: the server (server.c) routes and answers through two callbacks.
//
// A request goes: begin (at the headers; it may answer at once, e.g. 404, and
// tags the request with its endpoint) -> the body is read, up to max_body bytes
// -> handle (with the whole body; it answers, or defers the answer to another
// thread) -> the response is sent -> done (status and seconds, for the
// metrics). The layer itself answers 413 when the body is over max_body, and 503
// when the server is stopping or a request that is not light comes on a connection
// not yet admitted while max_connections are (a connection is admitted at its
// first request; until then it holds no place and is closed after a few seconds
// idle); those go to done too.
#ifndef SEER_SERVE_HTTP_H
#define SEER_SERVE_HTTP_H

#include <stddef.h>

typedef struct {
    const char *method;          // "GET", "POST", ...
    const char *path;            // the URL path, without the query
    const char *authorization;   // the Authorization header, or NULL
    const char *body;            // (len) bytes, NUL-terminated; NULL in begin
    size_t len;
    int tag;                     // set by begin; passed on to handle and done
    int light;                   // set by begin: cheap (a health check), served even over
                                 // max_connections, without taking a place
} seer_http_request;

typedef struct {
    int status;                  // 0 (in begin): go on and read the body
    const char *content_type;    // NULL: application/json
    const char *allow;           // the Allow header (405), or NULL
    const char *authenticate;    // the WWW-Authenticate header (401), or NULL
    char *body;                  // malloc'd, len bytes; the layer frees it
    size_t len;
} seer_http_response;

typedef struct {
    const char *host;            // a numeric address or a name to resolve
    unsigned port;               // 0: any free port (see seer_http_port)
    unsigned threads;            // the threads that parse, score and answer (a daemon each,
                                 // the port's connections spread over them by the kernel)
    size_t max_body;             // bytes
    unsigned max_connections;    // connections admitted; requests on more are answered 503
    unsigned timeout_s;          // idle connections are closed after this (0: never); one
                                 // that sent no request yet after at most 5 s
    void (*begin)(void *ctx, seer_http_request *req, seer_http_response *resp);
    void (*handle)(void *ctx, const seer_http_request *req, seer_http_response *resp);
    void (*done)(void *ctx, int tag, int status, double seconds);
    void *ctx;
} seer_http_options;

typedef struct seer_http seer_http;

// A request whose answer comes later, from any thread.
typedef struct seer_http_later seer_http_later;
// Called in handle instead of answering (resp is then ignored): the request
// stays open, its connection's thread serves others, and the answer is given
// by seer_http_answer, exactly once, on any thread (also before handle
// returns).
seer_http_later *seer_http_defer(const seer_http_request *req);
// Answers a deferred request; takes resp->body (and sets it to NULL).
void seer_http_answer(seer_http_later *later, seer_http_response *resp);

// Binds and starts serving. SEER_EIO naming the address when it cannot bind.
int seer_http_start(seer_http **out, const seer_http_options *o);
// The port bound (the one chosen when o->port was 0).
unsigned seer_http_port(const seer_http *h);
// Connections open now.
unsigned seer_http_connections(const seer_http *h);
// Requests begun (their headers read) and not yet answered to the last byte, deferred ones
// included.
long seer_http_in_flight(const seer_http *h);
// Stops accepting, answers 503 to new requests on open connections, waits up
// to wait_s seconds for requests in flight to be answered (and for every
// deferred answer, however long it takes), then closes all.
void seer_http_stop(seer_http *h, double wait_s);

#endif
