// The HTTP layer on its own (serve/http.c), with handlers written here: a
// deferred answer leaves the connection's thread free for other connections,
// may come before the handler returns, and is sent when it comes.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "serve/http.h"
#include "http_client.h"

// /held: deferred, answered by the test; /now: deferred and answered at once, in the
// handler; anything else: answered directly.
static seer_http_later *_Atomic held;
static atomic_int done_status;

static char *text(const char *s, size_t *len) {
    *len = strlen(s);
    char *p = malloc(*len + 1);
    memcpy(p, s, *len + 1);
    return p;
}

static void on_begin(void *ctx, seer_http_request *req, seer_http_response *resp) {}

static void on_handle(void *ctx, const seer_http_request *req, seer_http_response *resp) {
    if (!strcmp(req->path, "/held")) {
        atomic_store(&held, seer_http_defer(req));
        return;
    }
    if (!strcmp(req->path, "/who")) {  // the thread answering
        char b[32];
        snprintf(b, sizeof b, "%lu", (unsigned long)pthread_self());
        resp->status = 200;
        resp->body = text(b, &resp->len);
        return;
    }
    if (!strcmp(req->path, "/now")) {
        seer_http_later *l = seer_http_defer(req);
        seer_http_response r = {.status = 201};
        r.body = text("{\"now\":true}", &r.len);
        seer_http_answer(l, &r);
        return;
    }
    resp->status = 200;
    resp->body = text("{\"fast\":true}", &resp->len);
}

static void on_done(void *ctx, int tag, int status, double seconds) {
    atomic_store(&done_status, status);
}

static seer_http_options options(unsigned threads, unsigned port) {
    seer_http_options o = {.host = "127.0.0.1", .port = port, .threads = threads,
                           .max_body = 1 << 16, .max_connections = 16, .timeout_s = 30,
                           .begin = on_begin, .handle = on_handle, .done = on_done};
    return o;
}

static seer_http *start(void) {
    seer_http_options o = options(1, 0);
    seer_http *h;
    cr_assert(eq(int, seer_http_start(&h, &o), SEER_OK), "%s", seer_error_message());
    atomic_store(&held, NULL);
    return h;
}

// Waits (up to 10 s) for the held request to reach its handler.
static seer_http_later *wait_held(void) {
    for (int i = 0; i < 10000 && !atomic_load(&held); i++) usleep(1000);
    seer_http_later *l = atomic_load(&held);
    cr_assert(not(eq(ptr, l, NULL)), "the deferred request never reached its handler");
    return l;
}

Test(http, deferred_answer_leaves_the_thread_free) {
    seer_http *h = start();
    unsigned port = seer_http_port(h);
    int slow = connect_to(port), fast = connect_to(port);
    cr_assert(eq(int, send_request(slow, "POST", "/held", NULL, "{}", 2), 0));
    seer_http_later *l = wait_held();
    // One HTTP thread, and /held is not answered: /fast must still be served.
    response r;
    for (int i = 0; i < 3; i++) {
        cr_assert(eq(int, send_request(fast, "POST", "/fast", NULL, "{}", 2), 0));
        cr_assert(eq(int, read_response(fast, &r), 0));
        cr_assert(eq(int, r.status, 200));
        cr_assert(eq(str, r.body, "{\"fast\":true}"));
        response_free(&r);
    }
    // Answered from this thread, the held request's response is sent.
    seer_http_response a = {.status = 202};
    a.body = text("{\"accepted\":1}", &a.len);
    seer_http_answer(l, &a);
    cr_assert(eq(ptr, a.body, NULL));
    cr_assert(eq(int, read_response(slow, &r), 0));
    cr_assert(eq(int, r.status, 202));
    cr_assert(eq(str, r.body, "{\"accepted\":1}"));
    response_free(&r);
    // The connection stays usable after a deferred answer.
    cr_assert(eq(int, send_request(slow, "POST", "/fast", NULL, "{}", 2), 0));
    cr_assert(eq(int, read_response(slow, &r), 0));
    cr_assert(eq(int, r.status, 200));
    response_free(&r);
    close(slow);
    close(fast);
    seer_http_stop(h, 5);
}

Test(http, answer_before_the_handler_returns) {
    seer_http *h = start();
    int fd = connect_to(seer_http_port(h));
    response r;
    for (int i = 0; i < 5; i++) {
        cr_assert(eq(int, send_request(fd, "POST", "/now", NULL, "{}", 2), 0));
        cr_assert(eq(int, read_response(fd, &r), 0));
        cr_assert(eq(int, r.status, 201));
        cr_assert(eq(str, r.body, "{\"now\":true}"));
        response_free(&r);
    }
    close(fd);
    seer_http_stop(h, 5);
    cr_assert(eq(int, atomic_load(&done_status), 201));
}

static void *answer_later(void *arg) {
    usleep(100000);
    seer_http_response a = {.status = 202};
    a.body = text("{}", &a.len);
    seer_http_answer(arg, &a);
    return NULL;
}

// Stopping waits for a deferred request in flight, even past its wait (0 s here): the
// connection is resumed with its answer before the daemon stops, and counted.
Test(http, stop_waits_for_a_deferred_answer) {
    seer_http *h = start();
    int fd = connect_to(seer_http_port(h));
    cr_assert(eq(int, send_request(fd, "POST", "/held", NULL, "{}", 2), 0));
    pthread_t t;
    pthread_create(&t, NULL, answer_later, wait_held());
    seer_http_stop(h, 0);
    pthread_join(t, NULL);
    cr_assert(eq(int, atomic_load(&done_status), 202));
    close(fd);
}

// Connections opened together, as a client's pool opens them, are answered by more than one of
// the server's threads (each has its own listening socket on the port; libmicrohttpd's own
// pool gave all of them to one thread). 12 connections over 3 threads all on one: about 1 in
// 200,000 when spread at random.
Test(http, connections_spread_over_the_threads) {
    seer_http_options o = options(3, 0);
    seer_http *h;
    cr_assert(eq(int, seer_http_start(&h, &o), SEER_OK), "%s", seer_error_message());
    int fd[12];
    for (int i = 0; i < 12; i++) fd[i] = connect_to(seer_http_port(h));
    char who[12][32];
    size_t distinct = 0;
    for (int i = 0; i < 12; i++) {
        response r;
        cr_assert(eq(int, send_request(fd[i], "GET", "/who", NULL, NULL, 0), 0));
        cr_assert(eq(int, read_response(fd[i], &r), 0));
        cr_assert(eq(int, r.status, 200));
        snprintf(who[i], sizeof who[i], "%s", r.body);
        response_free(&r);
        int seen = 0;
        for (int k = 0; k < i; k++) seen |= !strcmp(who[k], who[i]);
        distinct += !seen;
    }
    cr_assert(ge(sz, distinct, 2), "every connection went to one thread");
    for (int i = 0; i < 12; i++) close(fd[i]);
    seer_http_stop(h, 5);
}

// The threads' sockets share the port: a second server on it is still refused, with one
// thread or several, and after the first stops the port is free again.
Test(http, a_taken_port_is_refused_with_threads) {
    seer_http_options o = options(2, 0);
    seer_http *h, *again;
    cr_assert(eq(int, seer_http_start(&h, &o), SEER_OK), "%s", seer_error_message());
    unsigned port = seer_http_port(h);
    for (unsigned threads = 1; threads <= 3; threads++) {
        seer_http_options p = options(threads, port);
        cr_assert(eq(int, seer_http_start(&again, &p), SEER_EIO), "%u threads", threads);
        cr_assert(ne(ptr, strstr(seer_error_message(), "in use"), NULL));
    }
    seer_http_stop(h, 5);
    seer_http_options p = options(2, port);
    cr_assert(eq(int, seer_http_start(&again, &p), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, seer_http_port(again), port));
    seer_http_stop(again, 5);
}
