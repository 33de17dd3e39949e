// The HTTP layer over libmicrohttpd; see http.h. The only file that includes
// microhttpd.h.
//
// `threads` daemons of one thread each, each with its own listening socket on the port
// (SO_REUSEPORT): the kernel spreads new connections over them. (libmicrohttpd's own pool
// shares one listening socket, and the thread that accepted one connection won the race for
// the next: a client's 16 keep-alive connections all went to one thread, the others idle.)
// A request is parsed, handled and answered on the thread of its connection.
// libmicrohttpd calls the access handler once at the headers, once per chunk
// of body and once more at the end: the response is queued on that last call,
// because one queued at the headers makes libmicrohttpd skip the body and close
// the connection (which we want only for a body declared over the limit, and
// for 503). Keep-alive is libmicrohttpd's default for HTTP/1.1.
//
// A handler may defer its answer (seer_http_defer): the connection is then
// suspended (its thread goes on with other connections) until the answer comes
// from another thread, which queues it and resumes the connection.
//
// Overload: libmicrohttpd's own connection limit refuses a connection without
// an answer (it waits in the kernel's backlog), so that limit is set by the
// descriptors this process may open, far above max_connections. A connection is
// admitted (counted against max_connections) at its first request, not when it
// opens: sockets that send nothing hold no place, and are closed after
// FIRST_TIMEOUT_S (the daemon's timeout; a request sets the connection's own to
// timeout_s). A request over the limit is answered 503 and its connection closed,
// except a light one (a health check or a scrape, see http.h), answered whatever
// the count: a small, cheap reserve, so that overload does not look like death.
#include "serve/http.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/text.h"

// Sockets accepted beyond max_connections at least, whatever the descriptor limit.
#define HEADROOM 64
// Descriptors kept for everything but sockets: model files, the event log, snapshots.
#define FD_RESERVE 128
// Sockets accepted at most, whatever the descriptor limit.
#define SOCKETS_MAX 65536
// Seconds a connection may stay open without sending a request.
#define FIRST_TIMEOUT_S 5

// A connection's socket context: whether its first request found room under
// max_connections.
typedef enum { CONN_NEW, CONN_ADMITTED, CONN_UNCOUNTED } conn_state;
typedef struct {
    conn_state state;
} conn_info;

struct seer_http {
    struct MHD_Daemon **d;   // (n_d) a daemon a thread
    unsigned n_d;
    seer_http_options o;
    unsigned port;
    atomic_uint open;        // connections open
    atomic_uint admitted;    // of those, the ones counted against max_connections
    atomic_long in_flight;   // requests begun and not yet answered
    atomic_long suspended;   // connections waiting for a deferred answer
    atomic_int stopping;
};

// One request, from its headers to its response's completion.
typedef struct {
    seer_http_request req;
    seer_http_response resp;   // the early answer (status != 0), if any
    seer_text body;            // what came of the body so far
    int over;                  // the body passed max_body: it is discarded
    int status;                // of the response queued, 0 until then
    double t0;
    seer_http *h;
    struct MHD_Connection *conn;
    // A deferred answer (seer_http_defer): the handler's return and the answer
    // each add one; the second queues the answer and resumes the connection.
    int deferred;
    atomic_int arrivals;
    seer_http_response late;
} call;

static char *copy(const char *s, size_t *len) {
    *len = strlen(s);
    char *p = malloc(*len + 1);
    if (p) memcpy(p, s, *len + 1);
    return p;
}

static void answer_static(seer_http_response *r, int status, const char *json) {
    r->status = status;
    r->body = copy(json, &r->len);
}

static enum MHD_Result queue(struct MHD_Connection *conn, call *c, seer_http_response *r,
                             int close) {
    struct MHD_Response *resp;
    if (r->body) {
        resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
        if (!resp) free(r->body);
    } else {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    r->body = NULL;
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->content_type ? r->content_type : "application/json");
    if (r->allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->authenticate)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->authenticate);
    if (close) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    if (ok == MHD_YES) c->status = r->status;
    return ok;
}

// Whether a request may be served on conn: its connection was admitted at an earlier
// request, or is now (the first request, with fewer than max_connections admitted),
// or the request is light. The first request also gives the connection the timeout
// for connections in use.
static int admit(seer_http *h, struct MHD_Connection *conn, int light) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_info *info = ci ? ci->socket_context : NULL;
    if (!info) return 0;   // no memory for it when the connection opened
    if (info->state == CONN_ADMITTED) return 1;
    if (info->state == CONN_NEW) {
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, h->o.timeout_s);
        info->state = CONN_UNCOUNTED;
    }
    if (atomic_fetch_add(&h->admitted, 1) < h->o.max_connections) {
        info->state = CONN_ADMITTED;
        return 1;
    }
    atomic_fetch_sub(&h->admitted, 1);
    return light;
}

// The path of a request target in absolute form (`http://host:port/path`, as a proxy sends
// it; RFC 9112 3.2.2 has servers accept it): what follows the authority, "/" when nothing does.
// Any other target is returned as it is.
static const char *origin_form(const char *url) {
    size_t n = strncasecmp(url, "http://", 7) == 0 ? 7 : strncasecmp(url, "https://", 8) == 0 ? 8
                                                                                          : 0;
    if (!n) return url;
    const char *slash = strchr(url + n, '/');
    return slash ? slash : "/";
}

// The first call, at the headers: route, check admission and the declared length.
static enum MHD_Result begin(seer_http *h, struct MHD_Connection *conn, const char *url,
                             const char *method, void **con_cls) {
    call *c = calloc(1, sizeof *c);
    if (!c) return MHD_NO;
    *con_cls = c;
    c->h = h;
    c->conn = conn;
    atomic_fetch_add(&h->in_flight, 1);
    c->t0 = seer_now();
    c->req.method = method;
    c->req.path = origin_form(url);
    c->req.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_AUTHORIZATION);
    h->o.begin(h->o.ctx, &c->req, &c->resp);

    int admitted = admit(h, conn, c->req.light);
    if (!admitted || atomic_load(&h->stopping)) {
        free(c->resp.body);
        memset(&c->resp, 0, sizeof c->resp);
        answer_static(&c->resp, 503, admitted ? "{\"error\":\"the server is shutting down\"}"
                                              : "{\"error\":\"too many connections; try again "
                                                "later\"}");
        return queue(conn, c, &c->resp, 1);
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && !c->resp.status && strtoull(cl, NULL, 10) > h->o.max_body) {
        char msg[128];
        snprintf(msg, sizeof msg, "{\"error\":\"the body is over the limit of %zu bytes\"}",
                 h->o.max_body);
        answer_static(&c->resp, 413, msg);
        return queue(conn, c, &c->resp, 1);
    }
    return MHD_YES;
}

// Adds k bytes of body; 0 when that would pass max bytes or memory ran out.
static int append(call *c, const char *data, size_t k, size_t max) {
    if (c->body.n + k > max) return 0;
    seer_text_add(&c->body, data, k);
    return !c->body.failed;
}

static void answer_late(call *c);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    seer_http *h = cls;
    call *c = *con_cls;
    if (!c) return begin(h, conn, url, method, con_cls);
    if (c->status) {   // answered at the headers: libmicrohttpd discards the rest
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (c->deferred) return MHD_NO;   // resumed, but its answer could not be queued
    if (*upload_data_size) {
        if (!c->resp.status && !c->over && !append(c, upload_data, *upload_data_size,
                                                   h->o.max_body)) {
            c->over = 1;
            free(c->body.s);
            c->body = (seer_text){0};
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (c->resp.status) return queue(conn, c, &c->resp, 0);
    seer_http_response r = {0};
    if (c->over) {
        char msg[128];
        snprintf(msg, sizeof msg, "{\"error\":\"the body is over the limit of %zu bytes\"}",
                 h->o.max_body);
        answer_static(&r, 413, msg);
    } else {
        c->req.body = c->body.s ? c->body.s : "";   // seer_text keeps it NUL-terminated
        c->req.len = c->body.n;
        h->o.handle(h->o.ctx, &c->req, &r);
        if (c->deferred) {
            // Suspended before the count, so the answer's resume always follows it.
            MHD_suspend_connection(conn);
            atomic_fetch_add(&h->suspended, 1);
            if (atomic_fetch_add(&c->arrivals, 1) == 1) answer_late(c);
            return MHD_YES;
        }
        if (!r.status) answer_static(&r, 500, "{\"error\":\"no response\"}");
    }
    return queue(conn, c, &r, 0);
}

// Queues a deferred call's answer on its suspended connection and resumes it; both
// may be done from any thread.
static void answer_late(call *c) {
    if (!c->late.status) answer_static(&c->late, 500, "{\"error\":\"no response\"}");
    seer_http *h = c->h;   // c may be freed once the connection is resumed
    queue(c->conn, c, &c->late, 0);   // on failure the handler closes the connection
    MHD_resume_connection(c->conn);
    atomic_fetch_sub(&h->suspended, 1);
}

seer_http_later *seer_http_defer(const seer_http_request *req) {
    call *c = (call *)((char *)req - offsetof(call, req));
    c->deferred = 1;
    return (seer_http_later *)c;
}

void seer_http_answer(seer_http_later *later, seer_http_response *resp) {
    call *c = (call *)later;
    c->late = *resp;
    resp->body = NULL;
    if (atomic_fetch_add(&c->arrivals, 1) == 1) answer_late(c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    seer_http *h = cls;
    call *c = *con_cls;
    if (!c) return;
    *con_cls = NULL;
    if (c->status) h->o.done(h->o.ctx, c->req.tag, c->status, seer_now() - c->t0);
    free(c->resp.body);
    free(c->late.body);
    free(c->body.s);
    free(c);
    atomic_fetch_sub(&h->in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    seer_http *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&h->open, 1);
        *socket_context = calloc(1, sizeof(conn_info));   // CONN_NEW
    } else {
        conn_info *info = *socket_context;
        if (info && info->state == CONN_ADMITTED) atomic_fetch_sub(&h->admitted, 1);
        free(info);
        *socket_context = NULL;
        atomic_fetch_sub(&h->open, 1);
    }
}

static void log_mhd(void *cls, const char *fmt, va_list ap) {
    fputs("seer serve: ", stderr);
    vfprintf(stderr, fmt, ap);
}

// The sockets libmicrohttpd may hold: what the descriptor limit leaves (the caller
// raises it), and never fewer than max_connections + HEADROOM.
static unsigned socket_limit(unsigned max_connections) {
    struct rlimit r;
    rlim_t fds = getrlimit(RLIMIT_NOFILE, &r) == 0 ? r.rlim_cur : 1024;
    rlim_t n = fds > FD_RESERVE ? fds - FD_RESERVE : 0;
    if (n > SOCKETS_MAX) n = SOCKETS_MAX;
    rlim_t least = (rlim_t)max_connections + HEADROOM;
    return (unsigned)(n > least ? n : least);
}

// Whether the port of addr is free: a socket bound without SO_REUSEPORT, closed at once. The
// daemons' sockets all share the port; this keeps a second server on it refused, as one
// socket would have it refused, instead of sharing its connections.
static int port_free(const struct addrinfo *ai) {
    int fd = socket(ai->ai_family, SOCK_STREAM, 0), one = 1;
    if (fd < 0) return 1;  // the daemon's own bind says what is wrong
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int ok = bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    close(fd);
    return ok;
}

// One daemon of one thread on port (0: any) of ai's address; reuse: SO_REUSEPORT.
static struct MHD_Daemon *start_daemon(seer_http *h, const struct addrinfo *ai, unsigned port,
                                       unsigned sockets, int reuse) {
    const seer_http_options *o = &h->o;
    unsigned first_timeout = o->timeout_s && o->timeout_s < FIRST_TIMEOUT_S ? o->timeout_s
                                                                            : FIRST_TIMEOUT_S;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    struct sockaddr_storage addr;
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    if (ai->ai_family == AF_INET6) ((struct sockaddr_in6 *)&addr)->sin6_port = htons(port);
    else ((struct sockaddr_in *)&addr)->sin_port = htons(port);
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)log_mhd, NULL},
        {MHD_OPTION_SOCK_ADDR, 0, &addr},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)sockets, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)first_timeout, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, h},
        {reuse ? MHD_OPTION_LISTENING_ADDRESS_REUSE : MHD_OPTION_END, 1, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, h, MHD_OPTION_ARRAY,
                            opts, MHD_OPTION_END);
}

static void stop_daemons(seer_http *h) {
    for (unsigned i = 0; i < h->n_d; i++) MHD_stop_daemon(h->d[i]);
    free(h->d);
    free(h);
}

int seer_http_start(seer_http **out, const seer_http_options *o) {
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char port[16];
    snprintf(port, sizeof port, "%u", o->port);
    int gai = getaddrinfo(o->host, port, &hints, &ai);
    if (gai != 0)
        return seer_errorf(SEER_EIO, "cannot resolve host '%s': %s", o->host, gai_strerror(gai));
    seer_http *h = calloc(1, sizeof *h);
    unsigned n = o->threads > 1 ? o->threads : 1;
    if (h) h->d = calloc(n, sizeof *h->d);
    if (!h || !h->d) {
        free(h);
        freeaddrinfo(ai);
        return seer_errorf(SEER_ENOMEM, "out of memory");
    }
    h->o = *o;
    // The sockets the descriptors allow, shared by the daemons; each may hold every admitted
    // connection where the descriptors allow that too.
    unsigned all = socket_limit(o->max_connections), each = all / n;
    if (each < o->max_connections + HEADROOM) each = all < o->max_connections + HEADROOM * 2
                                                         ? all : o->max_connections + HEADROOM;
    int reuse = n > 1, rc = SEER_OK;
    if (reuse && o->port && !port_free(ai)) rc = SEER_EIO;
    for (unsigned i = 0; rc == SEER_OK && i < n; i++) {
        h->d[i] = start_daemon(h, ai, i ? h->port : o->port, n > 1 ? each : all, reuse);
        if (!h->d[i]) {
            rc = SEER_EIO;
            break;
        }
        h->n_d++;
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d[i], MHD_DAEMON_INFO_BIND_PORT);
        if (i == 0) h->port = di && di->port ? di->port : o->port;
    }
    freeaddrinfo(ai);
    if (rc != SEER_OK) {
        stop_daemons(h);
        return seer_errorf(SEER_EIO, "cannot listen on %s port %u (in use, not an address of "
                           "this machine, or no room for the server's threads)", o->host,
                           o->port);
    }
    *out = h;
    return SEER_OK;
}

unsigned seer_http_port(const seer_http *h) { return h->port; }

unsigned seer_http_connections(const seer_http *h) {
    return atomic_load(&((seer_http *)h)->open);
}

long seer_http_in_flight(const seer_http *h) {
    return atomic_load(&((seer_http *)h)->in_flight);
}

void seer_http_stop(seer_http *h, double wait_s) {
    if (!h) return;
    atomic_store(&h->stopping, 1);
    for (unsigned i = 0; i < h->n_d; i++) {
        MHD_socket fd = MHD_quiesce_daemon(h->d[i]);
        if (fd != MHD_INVALID_SOCKET) close(fd);
    }
    double t0 = seer_now();
    while (atomic_load(&h->in_flight) > 0 && seer_now() - t0 < wait_s) usleep(5000);
    // libmicrohttpd must not be stopped with a connection suspended, and a deferred
    // answer always comes (seer_http_answer's contract): wait for those without limit.
    while (atomic_load(&h->suspended) > 0) usleep(5000);
    stop_daemons(h);
}
