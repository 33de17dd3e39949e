// Load generator for seer serve: HTTP/1.1 over keep-alive loopback connections,
// one thread per connection, per-request latency recorded.
//
//   bench_serve --port P --body FILE [--path /v1/predict] [--connections C]
//               [--rate R | --max] [--duration S | --requests N]
//               [--events-body FILE --events-share F --token T]
//
// --rate R is an open loop: request k of a connection is due at t0 + k*C/R, and
// its latency is counted from when it was due, not from when it was sent, so a
// stalled server shows as latency rather than as fewer requests (the
// coordinated-omission correction of wrk2). --max is a closed loop: each
// connection sends its next request when the last one is answered. With
// --events-body, that share of the requests POST the events body to /v1/events.
//
// Prints one line: bench serve ... rps=.. p50_us=.. p99_us=.. non2xx=..
#define _GNU_SOURCE   // strcasestr
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const char *path, *events_path, *token;
    char *body, *events_body;
    size_t body_len, events_len;
    unsigned port, connections;
    double rate, duration, events_share;
    long requests;   // total, closed loop (0: by duration)
    int max;
} config;

typedef struct {
    const config *c;
    int id;
    float *lat_us;   // (n)
    size_t n, cap;
    long ok, non2xx, failed, events;
} conn_state;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_until(double t) {
    double d = t - now();
    if (d <= 0) return;
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
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

// Reads one response; returns its status, or -1 when the connection failed.
typedef struct {
    char buf[1 << 16];
    size_t start, end;
} reader;

static int read_response(int fd, reader *r) {
    for (;;) {
        char *hdr_end = NULL;
        if (r->end > r->start) {
            r->buf[r->end] = '\0';
            hdr_end = strstr(r->buf + r->start, "\r\n\r\n");
        }
        if (hdr_end) {
            int status = 0;
            sscanf(r->buf + r->start, "HTTP/1.1 %d", &status);
            const char *cl = strcasestr(r->buf + r->start, "\r\nContent-Length:");
            size_t len = cl && cl < hdr_end ? (size_t)atol(cl + 17) : 0;
            size_t total = (size_t)(hdr_end + 4 - (r->buf + r->start)) + len;
            while (r->end - r->start < total) {
                if (r->start + total >= sizeof r->buf) {   // make room at the front
                    memmove(r->buf, r->buf + r->start, r->end - r->start);
                    r->end -= r->start;
                    r->start = 0;
                    if (total >= sizeof r->buf) return -1;
                }
                ssize_t k = recv(fd, r->buf + r->end, sizeof r->buf - 1 - r->end, 0);
                if (k <= 0) return -1;
                r->end += (size_t)k;
            }
            r->start += total;
            if (r->start == r->end) r->start = r->end = 0;
            return status;
        }
        if (r->end >= sizeof r->buf - 1) {
            if (r->start == 0) return -1;
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->start = 0;
        }
        ssize_t k = recv(fd, r->buf + r->end, sizeof r->buf - 1 - r->end, 0);
        if (k <= 0) return -1;
        r->end += (size_t)k;
    }
}

static void record(conn_state *s, double us) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 65536;
        s->lat_us = realloc(s->lat_us, s->cap * sizeof *s->lat_us);
    }
    s->lat_us[s->n++] = (float)us;
}

static void *run_conn(void *arg) {
    conn_state *s = arg;
    const config *c = s->c;
    size_t req_n, ev_n = 0;
    char *req = build(c, c->path, c->body, c->body_len, &req_n);
    char *ev = c->events_body ? build(c, "/v1/events", c->events_body, c->events_len, &ev_n)
                              : NULL;
    reader *rd = calloc(1, sizeof *rd);
    int fd = dial(c->port);
    uint64_t rng = 0x9e3779b97f4a7c15ull * (uint64_t)(s->id + 1);
    double t0 = now(), interval = c->rate > 0 ? c->connections / c->rate : 0;
    // Spread the connections' schedules over one interval.
    double due = t0 + interval * s->id / c->connections;
    long quota = c->requests ? (c->requests + c->connections - 1 - s->id) / c->connections : -1;
    for (long k = 0; quota < 0 || k < quota; k++) {
        if (!c->requests && (c->max ? now() : due) - t0 >= c->duration) break;
        if (!c->max) sleep_until(due);
        double start = c->max ? now() : due;
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int is_event = ev && (double)(rng >> 11) / 9007199254740992.0 < c->events_share;
        const char *b = is_event ? ev : req;
        size_t n = is_event ? ev_n : req_n;
        int status = -1;
        if (fd >= 0) {
            size_t sent = 0;
            while (sent < n) {
                ssize_t w = send(fd, b + sent, n - sent, MSG_NOSIGNAL);
                if (w <= 0) break;
                sent += (size_t)w;
            }
            if (sent == n) status = read_response(fd, rd);
        }
        record(s, (now() - start) * 1e6);
        s->events += is_event;
        if (status < 0) {
            s->failed++;
            if (fd >= 0) close(fd);
            memset(rd, 0, sizeof *rd);
            fd = dial(c->port);
        } else if (status >= 200 && status < 300) {
            s->ok++;
        } else {
            s->non2xx++;
        }
        due += interval;
    }
    if (fd >= 0) close(fd);
    free(rd);
    free(req);
    free(ev);
    return NULL;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void usage(void) {
    fputs("usage: bench_serve --port P --body FILE [--path /v1/predict] [--connections C]\n"
          "       [--rate R | --max] [--duration S | --requests N]\n"
          "       [--events-body FILE --events-share F] [--token T] [--label TEXT]\n", stderr);
    exit(1);
}

int main(int argc, char **argv) {
    config c = {.path = "/v1/predict", .connections = 4, .duration = 10};
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
        else if (!strcmp(a, "--rate")) c.rate = atof(v);
        else if (!strcmp(a, "--duration")) c.duration = atof(v);
        else if (!strcmp(a, "--requests")) c.requests = atol(v);
        else if (!strcmp(a, "--events-body")) events_path = v;
        else if (!strcmp(a, "--events-share")) c.events_share = atof(v);
        else if (!strcmp(a, "--token")) c.token = v;
        else if (!strcmp(a, "--label")) label = v;
        else usage();
    }
    if (!c.port || !body_path || !c.connections || (!c.max && c.rate <= 0)) usage();
    c.body = slurp(body_path, &c.body_len);
    if (events_path) c.events_body = slurp(events_path, &c.events_len);

    conn_state *st = calloc(c.connections, sizeof *st);
    pthread_t *th = calloc(c.connections, sizeof *th);
    double t0 = now();
    for (unsigned i = 0; i < c.connections; i++) {
        st[i].c = &c;
        st[i].id = (int)i;
        pthread_create(&th[i], NULL, run_conn, &st[i]);
    }
    for (unsigned i = 0; i < c.connections; i++) pthread_join(th[i], NULL);
    double secs = now() - t0;
    size_t n = 0;
    long ok = 0, non2xx = 0, failed = 0, events = 0;
    for (unsigned i = 0; i < c.connections; i++) {
        n += st[i].n;
        ok += st[i].ok;
        non2xx += st[i].non2xx;
        failed += st[i].failed;
        events += st[i].events;
    }
    float *all = malloc((n + 1) * sizeof *all);
    size_t k = 0;
    for (unsigned i = 0; i < c.connections; i++) {
        memcpy(all + k, st[i].lat_us, st[i].n * sizeof *all);
        k += st[i].n;
        free(st[i].lat_us);
    }
    qsort(all, n, sizeof *all, cmp_float);
#define PCT(q) (n ? (double)all[(size_t)((q) * (double)(n - 1))] : 0.0)
    printf("bench serve %s path=%s mode=%s rate=%.0f conns=%u requests=%zu events=%ld secs=%.2f "
           "rps=%.0f ok=%ld non2xx=%ld failed=%ld p50_us=%.0f p90_us=%.0f p99_us=%.0f "
           "p999_us=%.0f max_us=%.0f\n", label, c.path, c.max ? "closed" : "open", c.rate,
           c.connections, n, events, secs, (double)n / secs, ok, non2xx, failed, PCT(0.50),
           PCT(0.90), PCT(0.99), PCT(0.999), n ? (double)all[n - 1] : 0.0);
    free(all);
    free(st);
    free(th);
    free(c.body);
    free(c.events_body);
    return failed || non2xx ? 2 : 0;
}
