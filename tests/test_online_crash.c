// Crash recovery through the real server: `seer serve --wal DIR` takes events
// from several client threads and is killed with SIGKILL at a random moment;
// restarted on the same directory, it must hold every acknowledged event
// (acknowledged <= logged <= sent: a request's events can be durable with its
// 202 lost in the kill, and the events of one request are logged in order, so
// a kill during the write can leave a prefix of them), apply each once
// (applied reaches logged and stops there), and a further kill and restart
// without new events must leave both counts as they were. Five kills at
// different moments (from a seeded generator), a few seconds in all.
//
// The server is $SEER_BIN (default build/seer); the model is trained in code.
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/rng.h"
#include "io/model.h"
#include "train/train.h"
#include "small_model.h"
#include "tmpdir.h"

extern char **environ;

static char dir[64];

static void make_dir(void) {
    strcpy(dir, "/tmp/seer_test_crash_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
    signal(SIGPIPE, SIG_IGN);
}

static void remove_dir(void) { remove_tree(dir); }

TestSuite(online_crash, .init = make_dir, .fini = remove_dir, .timeout = 120);

static const char *seer_bin(void) {
    const char *s = getenv("SEER_BIN");
    return s && *s ? s : "build/seer";
}

typedef struct {
    pid_t pid;
    int port;
} server;

// Starts seer serve on the model and wal dir, stderr to a file, and waits for
// its start line, which names the port it chose.
static server start_server(const char *model, const char *wal, int n) {
    char err_path[256], port_text[16] = "0";
    snprintf(err_path, sizeof err_path, "%s/serve.%d.err", dir, n);
    const char *argv[] = {seer_bin(), "serve", model, "--port", port_text, "--wal", wal,
                          "--allow-unauthenticated-writes", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    server s = {0, 0};
    int rc = posix_spawn(&s.pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert(eq(int, rc, 0), "cannot run %s: %s (set SEER_BIN)", argv[0], strerror(rc));
    char text[4096];
    double t0 = seer_now();
    while (seer_now() - t0 < 20) {
        FILE *f = fopen(err_path, "r");
        size_t k = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f) fclose(f);
        text[k] = '\0';
        const char *p = strstr(text, "listening on http://");
        const char *colon = p ? strchr(p + strlen("listening on http://"), ':') : NULL;
        if (colon && strchr(colon, ' ')) {
            s.port = atoi(colon + 1);
            return s;
        }
        int status;
        if (waitpid(s.pid, &status, WNOHANG) == s.pid)
            cr_fatal("seer serve exited early; stderr:\n%s", text);
        usleep(2000);
    }
    kill(s.pid, SIGKILL);
    waitpid(s.pid, NULL, 0);
    cr_fatal("seer serve did not start in 20 s; stderr:\n%s", text);
    return s;
}

static void kill_server(server *s) {
    kill(s->pid, SIGKILL);
    int status;
    cr_assert(eq(int, waitpid(s->pid, &status, 0), s->pid));
    int killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    cr_assert(killed, "status %d", status);
}

// One request on a new connection: the status, and the body into out (NUL-terminated).
// -1 when the connection fails or closes before a full status line.
static int http(int port, const char *method, const char *path, const char *body, char *out,
                size_t cap) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    char head[256];
    size_t blen = body ? strlen(body) : 0;
    int hl = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: localhost\r\n"
                      "Connection: close\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      method, path, blen);
    if (write(fd, head, (size_t)hl) != hl || (blen && write(fd, body, blen) != (ssize_t)blen)) {
        close(fd);
        return -1;
    }
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(fd, out + n, cap - 1 - n)) > 0) n += (size_t)k;
    close(fd);
    out[n] = '\0';
    int status;
    if (sscanf(out, "HTTP/1.%*d %d", &status) != 1) return -1;
    char *b = strstr(out, "\r\n\r\n");
    if (b) memmove(out, b + 4, strlen(b + 4) + 1);
    return status;
}

typedef struct {
    int port;
    uint64_t seed;
    atomic_ullong *sent, *acked;
    atomic_int *stop;
} streamer;

// Posts batches of 1-4 events until the server stops answering.
static void *stream(void *arg) {
    streamer *st = arg;
    seer_rng r;
    seer_rng_init(&r, st->seed);
    char body[1024], out[4096];
    while (!atomic_load(st->stop)) {
        int k = 1 + (int)seer_rng_below(&r, 4), n = 0;
        n += snprintf(body + n, sizeof body - (size_t)n, "{\"events\":[");
        for (int i = 0; i < k; i++) {
            int c = (int)seer_rng_below(&r, 3);
            n += snprintf(body + n, sizeof body - (size_t)n,
                          "%s{\"x\":%.3f,\"color\":\"%s\",\"label\":%d}", i ? "," : "",
                          seer_rng_uniform(&r) * 4 - 2, small_model_colors[c],
                          (int)seer_rng_below(&r, 2));
        }
        snprintf(body + n, sizeof body - (size_t)n, "]}");
        atomic_fetch_add(st->sent, (unsigned long long)k);
        int status = http(st->port, "POST", "/v1/events", body, out, sizeof out);
        if (status == 202) atomic_fetch_add(st->acked, (unsigned long long)k);
        else if (status < 0) break;
        else cr_assert(eq(int, status, 202), "POST /v1/events: %d %s", status, out);
    }
    return NULL;
}

static unsigned long long field(const char *json, const char *key) {
    const char *p = strstr(json, key);
    cr_assert(ne(ptr, (void *)p, NULL), "no %s in %s", key, json);
    return strtoull(p + strlen(key), NULL, 10);
}

// Waits until the server has applied every logged event; checks that applied
// never passes logged on the way.
static void settle(int port, unsigned long long *logged, unsigned long long *applied) {
    char out[8192];
    double t0 = seer_now();
    for (;;) {
        int status = http(port, "GET", "/v1/model", NULL, out, sizeof out);
        cr_assert(eq(int, status, 200), "GET /v1/model: %d", status);
        *logged = field(out, "\"events_logged\":");
        *applied = field(out, "\"events_applied\":");
        cr_assert(le(u64, *applied, *logged), "applied %llu > logged %llu", *applied, *logged);
        if (*applied == *logged) return;
        cr_assert(lt(dbl, seer_now() - t0, 20.0), "applied %llu of %llu in 20 s", *applied,
                  *logged);
        usleep(2000);
    }
}

#define STREAMERS 4
#define KILLS 5

Test(online_crash, kill_during_a_stream_loses_no_acknowledged_event) {
    char model[256], wal[256];
    snprintf(model, sizeof model, "%s/m.seer", dir);
    snprintf(wal, sizeof wal, "%s/m.seer.wal", dir);
    char csv[256];
    snprintf(csv, sizeof csv, "%s/train.csv", dir);
    cr_assert(eq(int, write_small_model(csv, model, 1, 16), SEER_OK), "%s", seer_error_message());
    seer_rng r;
    seer_rng_init(&r, 2024);
    atomic_ullong sent = 0, acked = 0;
    int starts = 0;
    server s = start_server(model, wal, starts++);
    for (int round = 0; round < KILLS; round++) {
        atomic_int stop = 0;
        streamer st[STREAMERS];
        pthread_t t[STREAMERS];
        for (int i = 0; i < STREAMERS; i++) {
            st[i] = (streamer){s.port, (uint64_t)(round * STREAMERS + i + 1), &sent, &acked, &stop};
            pthread_create(&t[i], NULL, stream, &st[i]);
        }
        // Kill somewhere between 20 and 220 ms into the stream.
        usleep((useconds_t)(20000 + seer_rng_below(&r, 200000)));
        kill_server(&s);
        atomic_store(&stop, 1);
        for (int i = 0; i < STREAMERS; i++) pthread_join(t[i], NULL);
        unsigned long long a = atomic_load(&acked), n = atomic_load(&sent);
        cr_assert(gt(u64, a, 0), "round %d: nothing was acknowledged", round);

        s = start_server(model, wal, starts++);
        unsigned long long logged, applied;
        settle(s.port, &logged, &applied);
        cr_assert(ge(u64, logged, a), "round %d: logged %llu < acknowledged %llu", round, logged,
                  a);
        cr_assert(le(u64, logged, n), "round %d: logged %llu > sent %llu", round, logged, n);
        fprintf(stderr, "round %d: sent %llu, acknowledged %llu, logged %llu, applied %llu\n",
                round, n, a, logged, applied);

        // Killed again without new events, and restarted: nothing applied twice.
        kill_server(&s);
        s = start_server(model, wal, starts++);
        unsigned long long logged2, applied2;
        settle(s.port, &logged2, &applied2);
        cr_assert(eq(u64, logged2, logged), "round %d", round);
        cr_assert(eq(u64, applied2, applied), "round %d", round);
        // Events the kill left logged without an answer count as sent and acknowledged now,
        // so that the next round's bounds hold exactly.
        atomic_store(&acked, logged);
        atomic_store(&sent, logged);
    }
    // A clean stop writes the final snapshot; the counts survive it too.
    unsigned long long logged, applied;
    settle(s.port, &logged, &applied);
    kill(s.pid, SIGTERM);
    int status;
    cr_assert(eq(int, waitpid(s.pid, &status, 0), s.pid));
    int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    cr_assert(clean, "status %d", status);
    s = start_server(model, wal, starts++);
    unsigned long long logged2, applied2;
    settle(s.port, &logged2, &applied2);
    cr_assert(eq(u64, logged2, logged));
    cr_assert(eq(u64, applied2, applied));
    kill_server(&s);
}
