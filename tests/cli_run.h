// Running the seer command from a test: $SEER_BIN (default build/seer) started with
// posix_spawn, no shell, stdin from /dev/null, stdout and stderr captured into `last`; and
// the assertions and file helpers the command-line suites share. A run that has not ended
// after RUN_LIMIT_S is killed and fails its test, so a command that would block for ever
// (a pipe nobody writes) fails rather than hangs.
#ifndef SEER_TESTS_CLI_RUN_H
#define SEER_TESTS_CLI_RUN_H

#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "slurp.h"

extern char **environ;

#define ARGS_MAX 40
#ifndef RUN_LIMIT_S
#define RUN_LIMIT_S 600
#endif

typedef struct {
    int exited;      // 1: the process exited normally (not killed by a signal)
    int code;        // its exit status, or the signal number when !exited
    int timed_out;   // killed after RUN_LIMIT_S
    char *out, *err; // stdout and stderr, NUL-terminated
    size_t out_n, err_n;
} run_result;

static run_result last;

// Frees the last run's outputs (a suite's fini calls it).
static inline void run_free_last(void) {
    free(last.out);
    free(last.err);
    memset(&last, 0, sizeof last);
}

static inline const char *seer_bin(void) {
    const char *s = getenv("SEER_BIN");
    return s && *s ? s : "build/seer";
}

static inline void run_append(char **buf, size_t *n, const char *data, size_t k) {
    *buf = realloc(*buf, *n + k + 1);
    cr_assert(ne(ptr, *buf, NULL));
    memcpy(*buf + *n, data, k);
    *n += k;
    (*buf)[*n] = '\0';
}

// Runs seer with the NULL-terminated arguments after argv[0] into `last`. Returns the exit
// status (or -1 when killed by a signal).
static inline int run_seer(const char *arg, ...) {
    const char *argv[ARGS_MAX + 2];
    int argc = 0;
    argv[argc++] = seer_bin();
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a; a = va_arg(ap, const char *)) {
        cr_assert(lt(int, argc, ARGS_MAX));
        argv[argc++] = a;
    }
    va_end(ap);
    argv[argc] = NULL;
    run_free_last();
    run_append(&last.out, &last.out_n, "", 0);
    run_append(&last.err, &last.err_n, "", 0);
    int po[2], pe[2];
    cr_assert(eq(int, pipe(po), 0));
    cr_assert(eq(int, pipe(pe), 0));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawn_file_actions_addclose(&fa, po[0]);
    posix_spawn_file_actions_addclose(&fa, pe[0]);
    posix_spawn_file_actions_addclose(&fa, po[1]);
    posix_spawn_file_actions_addclose(&fa, pe[1]);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]);
    close(pe[1]);
    cr_assert(eq(int, rc, 0), "cannot run %s: %s (set SEER_BIN)", argv[0], strerror(rc));
    // Read both pipes until both close, so that neither side blocks on a full pipe.
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    time_t deadline = time(NULL) + RUN_LIMIT_S;
    char chunk[65536];
    while (open_fds > 0) {
        if (time(NULL) > deadline && !last.timed_out) {
            kill(pid, SIGKILL);
            last.timed_out = 1;
        }
        int k = poll(fds, 2, 1000);
        if (k < 0) cr_assert(eq(int, errno, EINTR));
        if (k <= 0) continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else if (i == 0) {
                run_append(&last.out, &last.out_n, chunk, (size_t)got);
            } else {
                run_append(&last.err, &last.err_n, chunk, (size_t)got);
            }
        }
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) cr_assert(eq(int, errno, EINTR));
    last.exited = WIFEXITED(status);
    last.code = last.exited ? WEXITSTATUS(status) : WTERMSIG(status);
    return last.exited ? last.code : -1;
}

// Asserts that the last run ended by itself with `code`; shows its stderr otherwise.
static inline void expect_exit(int code) {
    cr_assert(eq(int, last.timed_out, 0), "seer did not end within %d s; stderr:\n%s",
              RUN_LIMIT_S, last.err);
    cr_assert(last.exited, "seer was killed by signal %d; stderr:\n%s", last.code, last.err);
    cr_assert(eq(int, last.code, code), "exit %d, expected %d; stderr:\n%s", last.code, code,
              last.err);
}

// Asserts that the last run's stderr contains each NULL-terminated string.
static inline void expect_stderr(const char *s, ...) {
    va_list ap;
    va_start(ap, s);
    for (const char *a = s; a; a = va_arg(ap, const char *))
        cr_assert(ne(ptr, strstr(last.err, a), NULL), "stderr lacks \"%s\":\n%s", a, last.err);
    va_end(ap);
}

static inline void expect_stderr_lacks(const char *s) {
    cr_assert(eq(ptr, strstr(last.err, s), NULL), "stderr has \"%s\":\n%s", s, last.err);
}

static inline int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

// Bytes of two files are identical.
static inline int same_bytes(const char *a, const char *b) {
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

// A 64-bit LCG (Knuth's MMIX constants): generated tables are the same everywhere.
static inline uint32_t lcg(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 33);
}

#endif
