// A small HTTP/1.1 client for the server tests: one request at a time on a
// loopback connection, responses read whole (headers byte by byte, so nothing
// of the next response is read ahead). Asserts with Criterion.
#ifndef SEER_TESTS_HTTP_CLIENT_H
#define SEER_TESTS_HTTP_CLIENT_H

#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

typedef struct {
    int status;
    char content_type[128];
    char allow[64];
    char authenticate[64];
    int close;       // the server said Connection: close
    char *body;      // NUL-terminated
    size_t len;
} response;

static void response_free(response *r) {
    free(r->body);
    memset(r, 0, sizeof *r);
}

static int connect_to(unsigned port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(ge(int, fd, 0));
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(0x7f000001);
    cr_assert(eq(int, connect(fd, (struct sockaddr *)&a, sizeof a), 0), "connect: %s",
              strerror(errno));
    struct timeval tv = {20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int send_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

// Sends one request on fd; extra is more header lines ("Name: value\r\n"...) or NULL.
static int send_request(int fd, const char *method, const char *path, const char *extra,
                        const char *body, size_t len) {
    char head[1024];
    int k = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s", method, path,
                     extra ? extra : "", body ? "Content-Type: application/json\r\n" : "");
    if (body) k += snprintf(head + k, sizeof head - (size_t)k, "Content-Length: %zu\r\n", len);
    k += snprintf(head + k, sizeof head - (size_t)k, "\r\n");
    if (send_all(fd, head, (size_t)k)) return -1;
    return body && len ? send_all(fd, body, len) : 0;
}

static void header_value(const char *head, const char *name, char *out, size_t cap) {
    out[0] = '\0';
    size_t nl = strlen(name);
    for (const char *p = head; p && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            p += nl + 1;
            while (*p == ' ') p++;
            size_t k = strcspn(p, "\r\n");
            if (k >= cap) k = cap - 1;
            memcpy(out, p, k);
            out[k] = '\0';
            return;
        }
    }
}

// Reads one response from fd (a body of Content-Length bytes). Returns 0, or -1 when the
// connection closed or failed before a whole response.
static int read_response_of(int fd, response *r, int head);
static int read_response(int fd, response *r) { return read_response_of(fd, r, 0); }

// The same for an answer to HEAD: headers only, whatever Content-Length says.
static int read_response_of(int fd, response *r, int head) {
    memset(r, 0, sizeof *r);
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    char *end = NULL;
    while (!(end = n ? strstr(b, "\r\n\r\n") : NULL)) {
        if (n + 1 >= cap) b = realloc(b, cap *= 2);
        ssize_t k = recv(fd, b + n, 1, 0);   // byte by byte up to the headers: no overread
        if (k <= 0) {
            free(b);
            return -1;
        }
        n += (size_t)k;
        b[n] = '\0';
    }
    *end = '\0';
    sscanf(b, "HTTP/1.1 %d", &r->status);
    char cl[32], conn[32];
    header_value(b, "Content-Length", cl, sizeof cl);
    header_value(b, "Content-Type", r->content_type, sizeof r->content_type);
    header_value(b, "Allow", r->allow, sizeof r->allow);
    header_value(b, "WWW-Authenticate", r->authenticate, sizeof r->authenticate);
    header_value(b, "Connection", conn, sizeof conn);
    r->close = strcasecmp(conn, "close") == 0;
    free(b);
    r->len = head ? 0 : (size_t)atol(cl);
    r->body = malloc(r->len + 1);
    size_t got = 0;
    while (got < r->len) {
        ssize_t k = recv(fd, r->body + got, r->len - got, 0);
        if (k <= 0) {
            response_free(r);
            return -1;
        }
        got += (size_t)k;
    }
    r->body[r->len] = '\0';
    return 0;
}

#endif
