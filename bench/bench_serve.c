// Load generator for seer serve: HTTP/1.1 over keep-alive loopback connections,
// per-request latency recorded. The connections are shared among --threads event
// loops (default 1: on a machine of one or two cores, a thread per connection would
// add its own wake-ups to every latency).
//
//   bench_serve --port P --body FILE [--path /v1/predict] [--connections C]
//               [--threads T] [--rate R | --max] [--duration S | --requests N]
//               [--events-body FILE --events-share F --token T]
//
// --rate R is an open loop: request k of a connection is due at t0 + k*C/R, and
// its latency is counted from when it was due, not from when it was sent, so a
// stalled server shows as latency rather than as fewer requests (the
// coordinated-omission correction of wrk2). --max is a closed loop: each
// connection sends its next request when the last one is answered. With
// --events-body, that share of the requests POST the events body to /v1/events.
//
// Prints one line: bench serve ... rps=.. p50_us=.. p99_us=.. non2xx=.. and the
// machine's own stalls during the run (stalls_over_1ms, stall_max_us: see run_probe).
#define _GNU_SOURCE   // strcasestr
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const char *path, *events_path, *token;
    char *body, *events_body;
    size_t body_len, events_len;
    unsigned port, connections, threads;
    double rate, duration, events_share;
    long requests;   // total, closed loop (0: by duration)
    int max;
} config;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long k = ftell(f);
    rewind(f);
    char *b = malloc((size_t)k + 1);
    if (fread(b, 1, (size_t)k, f) != (size_t)k) exit(1);
    b[k] = '\0';
    fclose(f);
    *n = (size_t)k;
    return b;
}

static int dial(unsigned port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

// A request's bytes: headers then body, built once per kind.
static char *build(const config *c, const char *path, const char *body, size_t len,
                   size_t *n) {
    char head[512];
    int k = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "%s%s%sContent-Length: %zu\r\n\r\n", path, c->token ? "Authorization: Bearer "
                     : "", c->token ? c->token : "", c->token ? "\r\n" : "", len);
    char *r = malloc((size_t)k + len);
    memcpy(r, head, (size_t)k);
    memcpy(r + k, body, len);
    *n = (size_t)k + len;
    return r;
}

// Bytes received on a connection, not yet taken as responses.
typedef struct {
    char buf[1 << 16];
    size_t start, end;
} reader;

// One connection: its socket, response reader and schedule.
typedef struct {
    int fd, busy, done, is_event;
    unsigned id;        // 0 .. connections-1, over all threads
    double due, start;  // open loop: when the next request is due; when this one counts from
    long sent;          // requests started on this connection
    reader rd;
} conn;

// One client thread: an event loop over its share of the connections.
typedef struct {
    const config *c;
    conn *conns;
    unsigned n_conns;
    double t0;
    float *lat_us;   // (n)
    size_t n, cap;
    long ok, non2xx, failed, events;
} loop_state;

static void record(loop_state *s, double us) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 65536;
        s->lat_us = realloc(s->lat_us, s->cap * sizeof *s->lat_us);
    }
    s->lat_us[s->n++] = (float)us;
}

// Takes one whole response from r; returns its status, 0 when more bytes are needed,
// -1 when the bytes cannot be a response.
static int take_response(reader *r) {
    if (r->end == r->start) return 0;
    r->buf[r->end] = '\0';
    char *hdr_end = strstr(r->buf + r->start, "\r\n\r\n");
    if (!hdr_end) return r->end - r->start >= sizeof r->buf - 1 ? -1 : 0;
    int status = 0;
    sscanf(r->buf + r->start, "HTTP/1.1 %d", &status);
    const char *cl = strcasestr(r->buf + r->start, "\r\nContent-Length:");
    size_t len = cl && cl < hdr_end ? (size_t)atol(cl + 17) : 0;
    size_t total = (size_t)(hdr_end + 4 - (r->buf + r->start)) + len;
    if (total >= sizeof r->buf) return -1;
    if (r->end - r->start < total) return 0;
    r->start += total;
    if (r->start == r->end) r->start = r->end = 0;
    return status ? status : -1;
}

// Reads what the socket holds into r, making room at the front; returns 0, or -1 when
// the connection closed or failed.
static int fill(int fd, reader *r) {
    for (;;) {
        if (r->start && r->end + 1 >= sizeof r->buf) {
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->start = 0;
        }
        if (r->end + 1 >= sizeof r->buf) return 0;   // full: take a response first
        ssize_t k = recv(fd, r->buf + r->end, sizeof r->buf - 1 - r->end, MSG_DONTWAIT);
        if (k > 0) {
            r->end += (size_t)k;
            continue;
        }
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return -1;
    }
}

static int send_all(int fd, const char *b, size_t n) {
    size_t sent = 0;
    while (sent < n) {
        ssize_t w = send(fd, b + sent, n - sent, MSG_NOSIGNAL);
        if (w <= 0) return -1;
        sent += (size_t)w;
    }
    return 0;
}

static void watch(int ep, int fd, uint32_t key) {
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = key};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static void redial(loop_state *s, int ep, conn *k) {
    if (k->fd >= 0) close(k->fd);   // closing also removes it from the epoll set
    memset(&k->rd, 0, sizeof k->rd);
    k->fd = dial(s->c->port);
    if (k->fd >= 0) watch(ep, k->fd, (uint32_t)(k - s->conns));
}

// Ends the request in flight on k at time t: records its latency and status; a failed
// connection is replaced.
static void finish(loop_state *s, int ep, conn *k, int status, double t) {
    const config *c = s->c;
    record(s, (t - k->start) * 1e6);
    s->events += k->is_event;
    if (status < 0) {
        s->failed++;
        redial(s, ep, k);
    } else if (status >= 200 && status < 300) {
        s->ok++;
    } else {
        s->non2xx++;
    }
    k->busy = 0;
    k->due += c->rate > 0 ? c->connections / c->rate : 0;
}

// Arms the timer for the absolute CLOCK_MONOTONIC time t (0: disarms it).
static void set_timer(int tfd, double t) {
    struct itimerspec it = {0};
    if (t > 0) {
        it.it_value.tv_sec = (time_t)t;
        it.it_value.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
        if (!it.it_value.tv_sec && !it.it_value.tv_nsec) it.it_value.tv_nsec = 1;
    }
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &it, NULL);
}

// The event loop of one client thread: starts each idle connection's next request when
// it is due (open loop) or at once (closed loop) and reads responses as they arrive,
// until every connection has run the duration or its share of --requests.
static void *run_loop(void *arg) {
    loop_state *s = arg;
    const config *c = s->c;
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);   // wake when due, not up to 50 us later
    size_t req_n, ev_n = 0;
    char *req = build(c, c->path, c->body, c->body_len, &req_n);
    char *ev = c->events_body ? build(c, "/v1/events", c->events_body, c->events_len, &ev_n)
                              : NULL;
    int ep = epoll_create1(0), tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    watch(ep, tfd, UINT32_MAX);
    double interval = c->rate > 0 ? c->connections / c->rate : 0;
    for (unsigned i = 0; i < s->n_conns; i++) {
        conn *k = &s->conns[i];
        k->fd = -1;
        redial(s, ep, k);
        k->due = s->t0 + interval * k->id / c->connections;   // spread over one interval
    }
    uint64_t rng = 0x9e3779b97f4a7c15ull * (uint64_t)(s->conns[0].id + 1);
    for (;;) {
        double t = now(), next = 0;
        unsigned live = 0;
        for (unsigned i = 0; i < s->n_conns; i++) {
            conn *k = &s->conns[i];
            if (k->done) continue;
            live++;
            if (k->busy) continue;
            double at = c->max ? t : k->due;
            long quota = c->requests ? (c->requests + c->connections - 1 - k->id) /
                                           c->connections : -1;
            if (quota >= 0 ? k->sent >= quota : at - s->t0 >= c->duration) {
                k->done = 1;
                live--;
                continue;
            }
            if (at > t) {
                if (!next || at < next) next = at;
                continue;
            }
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            k->is_event = ev && (double)(rng >> 11) / 9007199254740992.0 < c->events_share;
            k->start = at;
            k->busy = 1;
            k->sent++;
            if (k->fd < 0 ||
                send_all(k->fd, k->is_event ? ev : req, k->is_event ? ev_n : req_n) < 0) {
                finish(s, ep, k, -1, now());
                next = t;   // come back at once: nothing may be left to wake the loop
            }
        }
        if (!live) break;
        set_timer(tfd, next);
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, -1);
        for (int e = 0; e < n; e++) {
            if (evs[e].data.u32 == UINT32_MAX) {
                uint64_t ticks;   // nothing to do: the loop above starts what is due
                if (read(tfd, &ticks, sizeof ticks) < 0) ticks = 0;
                continue;
            }
            conn *k = &s->conns[evs[e].data.u32];
            if (k->fd < 0) continue;
            int fd = k->fd, closed = fill(fd, &k->rd) < 0, got;
            while (k->busy && (got = take_response(&k->rd)) != 0) finish(s, ep, k, got, now());
            if (closed && k->busy) finish(s, ep, k, -1, now());
            else if (closed && k->fd == fd) redial(s, ep, k);   // closed while idle
        }
    }
    for (unsigned i = 0; i < s->n_conns; i++)
        if (s->conns[i].fd >= 0) close(s->conns[i].fd);
    close(tfd);
    close(ep);
    free(req);
    free(ev);
    return NULL;
}

// A probe of the machine itself: a thread that asks to wake every 5 ms and counts
// the wake-ups that came more than 1 ms late. Nothing else runs on it, so a late
// wake-up is a stall of the machine (the hypervisor, another tenant), which the
// server's latencies in the same run share.
typedef struct {
    atomic_int stop;
    long late;          // wake-ups over 1 ms late
    double worst_us;    // the latest one
} stall_probe;

static void *run_probe(void *arg) {
    stall_probe *p = arg;
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    double t = now();
    while (!atomic_load(&p->stop)) {
        t += 0.005;
        struct timespec ts = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
        double late_us = (now() - t) * 1e6;
        if (late_us > 1000) p->late++;
        if (late_us > p->worst_us) p->worst_us = late_us;
        if (late_us > 5000) t = now();   // after a long stall, resume the schedule from now
    }
    return NULL;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void usage(void) {
    fputs("usage: bench_serve --port P --body FILE [--path /v1/predict] [--connections C]\n"
          "       [--threads T]\n"
          "       [--rate R | --max] [--duration S | --requests N]\n"
          "       [--events-body FILE --events-share F] [--token T] [--label TEXT]\n", stderr);
    exit(1);
}

int main(int argc, char **argv) {
    config c = {.path = "/v1/predict", .connections = 4, .threads = 1, .duration = 10};
    const char *body_path = NULL, *events_path = NULL, *label = "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--max")) {
            c.max = 1;
            continue;
        }
        if (!v) usage();
        i++;
        if (!strcmp(a, "--port")) c.port = (unsigned)atoi(v);
        else if (!strcmp(a, "--body")) body_path = v;
        else if (!strcmp(a, "--path")) c.path = v;
        else if (!strcmp(a, "--connections")) c.connections = (unsigned)atoi(v);
        else if (!strcmp(a, "--threads")) c.threads = (unsigned)atoi(v);
        else if (!strcmp(a, "--rate")) c.rate = atof(v);
        else if (!strcmp(a, "--duration")) c.duration = atof(v);
        else if (!strcmp(a, "--requests")) c.requests = atol(v);
        else if (!strcmp(a, "--events-body")) events_path = v;
        else if (!strcmp(a, "--events-share")) c.events_share = atof(v);
        else if (!strcmp(a, "--token")) c.token = v;
        else if (!strcmp(a, "--label")) label = v;
        else usage();
    }
    if (!c.port || !body_path || !c.connections || !c.threads || (!c.max && c.rate <= 0)) usage();
    c.body = slurp(body_path, &c.body_len);
    if (events_path) c.events_body = slurp(events_path, &c.events_len);

    if (c.threads > c.connections) c.threads = c.connections;
    conn *conns = calloc(c.connections, sizeof *conns);
    loop_state *st = calloc(c.threads, sizeof *st);
    pthread_t *th = calloc(c.threads, sizeof *th);
    double t0 = now() + 0.01;   // every thread's schedule counts from the same moment
    for (unsigned i = 0; i < c.connections; i++) conns[i].id = i;
    for (unsigned t = 0, first = 0; t < c.threads; t++) {
        unsigned count = (c.connections - first) / (c.threads - t);
        st[t] = (loop_state){.c = &c, .conns = conns + first, .n_conns = count, .t0 = t0};
        first += count;
        pthread_create(&th[t], NULL, run_loop, &st[t]);
    }
    stall_probe probe = {0};
    pthread_t probe_th;
    pthread_create(&probe_th, NULL, run_probe, &probe);
    for (unsigned t = 0; t < c.threads; t++) pthread_join(th[t], NULL);
    double secs = now() - t0;
    atomic_store(&probe.stop, 1);
    pthread_join(probe_th, NULL);
    size_t n = 0;
    long ok = 0, non2xx = 0, failed = 0, events = 0;
    for (unsigned t = 0; t < c.threads; t++) {
        n += st[t].n;
        ok += st[t].ok;
        non2xx += st[t].non2xx;
        failed += st[t].failed;
        events += st[t].events;
    }
    float *all = malloc((n + 1) * sizeof *all);
    size_t k = 0;
    for (unsigned t = 0; t < c.threads; t++) {
        memcpy(all + k, st[t].lat_us, st[t].n * sizeof *all);
        k += st[t].n;
        free(st[t].lat_us);
    }
    qsort(all, n, sizeof *all, cmp_float);
#define PCT(q) (n ? (double)all[(size_t)((q) * (double)(n - 1))] : 0.0)
    printf("bench serve %s path=%s mode=%s rate=%.0f conns=%u threads=%u requests=%zu events=%ld secs=%.2f "
           "rps=%.0f ok=%ld non2xx=%ld failed=%ld p50_us=%.0f p90_us=%.0f p99_us=%.0f "
           "p999_us=%.0f max_us=%.0f stalls_over_1ms=%ld stall_max_us=%.0f\n", label, c.path, c.max ? "closed" : "open", c.rate,
           c.connections, c.threads, n, events, secs, (double)n / secs, ok, non2xx, failed, PCT(0.50),
           PCT(0.90), PCT(0.99), PCT(0.999), n ? (double)all[n - 1] : 0.0, probe.late,
           probe.worst_us);
    free(all);
    free(st);
    free(th);
    free(conns);
    free(c.body);
    free(c.events_body);
    return failed || non2xx ? 2 : 0;
}
