// Events per second through seer_online_log (validated, appended, fsynced
// before it returns) with one caller and with 8 concurrent callers, whose
// appends share fsyncs (group commit); and, for scale, the fdatasync latency
// of the disk alone.
//
//   build/bench_online [DIR] [SECONDS]
//
// DIR (default /tmp) is where the log goes: the disk measured. Each case runs
// SECONDS (default 2) three times after a warm-up; the median is reported.
// Before timing, the log's count is checked against the events sent.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/rng.h"
#include "io/model.h"
#include "serve/online.h"
#include "train/train.h"
// Test support shared with the benchmark: the model the serving tests use, and
// removing a directory tree.
#include "../tests/small_model.h"
#include "../tests/tmpdir.h"

static char dir[4096];

static void die(const char *what) {
    fprintf(stderr, "bench_online: %s: %s\n", what, seer_error_message());
    exit(1);
}

typedef struct {
    seer_online *on;
    double until;
    size_t per_call;
    unsigned long long events;
    int id;
} caller;

static void *call_loop(void *arg) {
    caller *c = arg;
    char buf[16][96];
    const char *text[16];
    size_t len[16];
    seer_rng r;
    seer_rng_init(&r, (uint64_t)c->id + 1);
    while (seer_now() < c->until) {
        for (size_t i = 0; i < c->per_call; i++) {
            len[i] = (size_t)snprintf(buf[i], sizeof buf[i],
                                      "{\"x\":%.3f,\"color\":\"%s\",\"label\":%d}",
                                      seer_rng_uniform(&r) * 4 - 2,
                                      small_model_colors[seer_rng_below(&r, 3)], (int)seer_rng_below(&r, 2));
            text[i] = buf[i];
        }
        if (seer_online_log(c->on, text, len, c->per_call) != SEER_OK) die("log");
        c->events += c->per_call;
    }
    return NULL;
}

// Events per second with `callers` threads logging per_call events a call for `seconds`.
static double run(seer_online *on, int callers, size_t per_call, double seconds) {
    caller c[64];
    pthread_t t[64];
    uint64_t logged0, applied;
    seer_online_counts(on, &logged0, &applied);
    double t0 = seer_now();
    for (int i = 0; i < callers; i++) {
        c[i] = (caller){on, t0 + seconds, per_call, 0, i};
        pthread_create(&t[i], NULL, call_loop, &c[i]);
    }
    unsigned long long events = 0;
    for (int i = 0; i < callers; i++) {
        pthread_join(t[i], NULL);
        events += c[i].events;
    }
    double dt = seer_now() - t0;
    uint64_t logged;
    seer_online_counts(on, &logged, &applied);
    if (logged - logged0 != events) {
        fprintf(stderr, "bench_online: logged %llu events, sent %llu\n",
                (unsigned long long)(logged - logged0), events);
        exit(1);
    }
    return (double)events / dt;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// Median milliseconds of an 100-byte append + fdatasync on the disk alone.
static double fsync_ms(void) {
    char path[4200];
    snprintf(path, sizeof path, "%s/fsync.probe", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) die(path);
    double ms[200];
    char b[100] = {0};
    for (int i = 0; i < 200; i++) {
        double t0 = seer_now();
        if (write(fd, b, sizeof b) != (ssize_t)sizeof b || fdatasync(fd) != 0) die("fsync probe");
        ms[i] = (seer_now() - t0) * 1e3;
    }
    close(fd);
    unlink(path);
    qsort(ms, 200, sizeof *ms, cmp_double);
    return ms[100];
}

int main(int argc, char **argv) {
    const char *base = argc > 1 ? argv[1] : "/tmp";
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    snprintf(dir, sizeof dir, "%s/seer_bench_online_XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror(dir);
        return 1;
    }
    char model[4200], wal[4200];
    snprintf(model, sizeof model, "%s/m.seer", dir);
    snprintf(wal, sizeof wal, "%s/m.seer.wal", dir);
    char csv[4200];
    snprintf(csv, sizeof csv, "%s/train.csv", dir);
    if (write_small_model(csv, model, 1, 16) != SEER_OK) die("the model");
    printf("bench fdatasync dir=%s append=100B ms=%.3f\n", base, fsync_ms());
    seer_online_options o;
    seer_online_options_default(&o);
    o.model_path = model;
    o.wal_dir = wal;
    seer_slot slot;
    seer_online *on;
    if (seer_online_open(&on, &o, &slot) != SEER_OK) die("open");
    struct {
        int callers;
        size_t per_call;
    } cases[] = {{1, 1}, {8, 1}, {1, 16}, {8, 16}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        run(on, cases[k].callers, cases[k].per_call, seconds / 4);  // warm-up
        double v[3];
        for (int i = 0; i < 3; i++) v[i] = run(on, cases[k].callers, cases[k].per_call, seconds);
        qsort(v, 3, sizeof *v, cmp_double);
        printf("bench online_log callers=%d events_per_call=%zu events_per_s=%.0f\n",
               cases[k].callers, cases[k].per_call, v[1]);
        fflush(stdout);
    }
    uint64_t logged, applied;
    seer_online_close(on);
    seer_slot_free(&slot);
    // The log holds what was acknowledged: reopen and count.
    if (seer_online_open(&on, &o, &slot) != SEER_OK) die("reopen");
    seer_online_counts(on, &logged, &applied);
    printf("bench online_log total logged=%llu applied=%llu\n", (unsigned long long)logged,
           (unsigned long long)applied);
    seer_online_close(on);
    seer_slot_free(&slot);
    remove_tree(dir);
    return 0;
}
