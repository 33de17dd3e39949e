// Writing a file so that it is either complete or absent.
//
// The data goes to "<path>.tmp.<pid>.<n>" in the target's directory (rename is
// only atomic within one file system), which is flushed, fsynced, renamed onto
// the target, and then the directory is fsynced so that the rename itself
// survives a crash. Any failure removes the temporary file; the target is
// either the old file or the new one, never a mix.
//
// Key decision: the temporary file is created with open(O_CREAT | O_EXCL,
// 0666) rather than mkstemp, so that the finished file gets the usual
// permissions (0666 less the umask) instead of mkstemp's 0600, which would
// hide a model from a server running as another user. A counter and the pid
// make the name unique; O_EXCL makes a collision a retry, never a clobber.
//
// A process killed while writing (kill -9, a crash, a power cut) leaves its
// temporary file, as large as what it had written. Opening the next write of
// the same target removes such leftovers: the names of exactly that pattern
// ("<target name>.tmp.<pid>.<n>", same directory) whose pid is no live
// process, or is this process and n no temporary file it is writing now.
// A leftover whose pid has since been taken by another live process is kept
// (no harm but its size) until that process ends; a pid is only known alive
// on this machine and in this pid namespace, so writers of one target in
// two containers sharing a directory would take each other's for stale.
#include "base/atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

enum { MAX_NAME_TRIES = 100 };

static atomic_uint tmp_counter;

// The counters of the temporary files this process is writing now, so that no
// write takes another's for a leftover. Under live_mu.
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned *live;
static size_t n_live, cap_live;

static int live_add(unsigned n) {
    pthread_mutex_lock(&live_mu);
    int ok = 1;
    if (n_live == cap_live) {
        size_t cap = cap_live ? 2 * cap_live : 16;
        unsigned *p = realloc(live, cap * sizeof *p);
        if (p) {
            live = p;
            cap_live = cap;
        } else {
            ok = 0;
        }
    }
    if (ok) live[n_live++] = n;
    pthread_mutex_unlock(&live_mu);
    return ok;
}

static void live_remove(unsigned n) {
    pthread_mutex_lock(&live_mu);
    for (size_t i = 0; i < n_live; i++)
        if (live[i] == n) {
            live[i] = live[--n_live];
            break;
        }
    pthread_mutex_unlock(&live_mu);
}

// Whether name is "<base>.tmp.<pid>.<n>" as seer_atomic_open writes it (decimal,
// no leading zeros, pid from 1, n an unsigned), with *pid and *n.
static int temp_name(const char *name, const char *base, unsigned long long *pid,
                     unsigned *n) {
    size_t b = strlen(base);
    if (strncmp(name, base, b) != 0 || strncmp(name + b, ".tmp.", 5) != 0) return 0;
    const char *p = name + b + 5;
    unsigned long long v[2];
    for (int i = 0; i < 2; i++) {
        if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9')) return 0;
        v[i] = 0;
        for (int digits = 0; *p >= '0' && *p <= '9'; digits++) {
            if (digits == 10) return 0;
            v[i] = 10 * v[i] + (unsigned)(*p++ - '0');
        }
        if (i == 0 && *p++ != '.') return 0;
    }
    if (*p != '\0' || v[0] == 0 || v[1] > UINT_MAX) return 0;
    *pid = v[0];
    *n = (unsigned)v[1];
    return 1;
}

// Whether a temporary file of process pid with counter n is nobody's now.
// Under live_mu.
static int is_stale(unsigned long long pid, unsigned n) {
    if (pid == (unsigned long long)getpid()) {
        for (size_t i = 0; i < n_live; i++)
            if (live[i] == n) return 0;
        return 1;
    }
    if (pid > INT_MAX) return 1;   // no process has it
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

// Splits path into its directory ("." for none) and, in *base, its last name.
static char *dir_of(const char *path, const char **base) {
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

// Removes the temporary files of path that writers killed mid-write left
// behind (see the top of the file). Best effort: a write does not fail for it.
static void remove_leftovers(const char *path) {
    const char *base;
    char *dir = dir_of(path, &base);
    DIR *d = dir && *base ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        unsigned long long pid;
        unsigned n;
        if (!temp_name(e->d_name, base, &pid, &n)) continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (!p) break;
        snprintf(p, len, "%s/%s", dir, e->d_name);
        pthread_mutex_lock(&live_mu);
        if (is_stale(pid, n) && unlink(p) == 0)
            fprintf(stderr, "seer: removed %s, a temporary file left by process %llu\n", p, pid);
        pthread_mutex_unlock(&live_mu);
        free(p);
    }
    if (d) closedir(d);
    free(dir);
}

static void atomic_file_free(seer_atomic_file *a) {
    free(a->path);
    free(a->tmp_path);
    a->f = NULL;
    a->path = NULL;
    a->tmp_path = NULL;
}

// Opens the directory holding path and fsyncs it, so that a rename into it is
// durable. Returns 0 or an errno value.
static int fsync_parent_dir(const char *path) {
    const char *base;
    char *dir = dir_of(path, &base);
    if (!dir) return ENOMEM;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0) return errno;
    int err = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return err;
}

// Whether path or a link on its way leads into /dev or /proc (/dev/stdout ->
// /proc/self/fd/1 -> whatever stdout is): a stream, not a file to replace.
static int links_into_dev(const char *path) {
    char hop[4096], next[4096];
    snprintf(hop, sizeof hop, "%s", path);
    for (int depth = 0; depth < 40; depth++) {
        if (strncmp(hop, "/dev/", 5) == 0 || strncmp(hop, "/proc/", 6) == 0) return 1;
        ssize_t n = readlink(hop, next, sizeof next - 1);
        if (n < 0) return 0;
        next[n] = '\0';
        if (next[0] == '/') {
            memcpy(hop, next, (size_t)n + 1);
        } else {  // relative to the link's own directory
            char *slash = strrchr(hop, '/');
            size_t keep = slash ? (size_t)(slash - hop) + 1 : 0;
            if (keep + (size_t)n + 1 > sizeof hop) return 1;
            memcpy(hop + keep, next, (size_t)n + 1);
        }
    }
    return 1;  // a loop of links
}

// The file a write of path replaces, in *real (malloc'd): path itself, or for a symbolic link
// the regular file it leads to, so that the link stays a link. What rename would replace by a
// regular file is refused (SEER_EINVAL): a device, a pipe, a directory, or a link that leads
// nowhere or into /dev or /proc (as root, "-o /dev/stdout" put a file where the link was).
int seer_atomic_target(const char *path, char **real) {
    struct stat ls, st;
    *real = NULL;
    if (lstat(path, &ls) != 0) {
        *real = strdup(path);  // a new file; a missing directory fails at the create
    } else if (S_ISREG(ls.st_mode)) {
        *real = strdup(path);
    } else if (!S_ISLNK(ls.st_mode)) {
        return seer_errorf(SEER_EINVAL, "%s exists and is not a regular file, which a write "
                           "would replace: name a regular file", path);
    } else {
        char *r = realpath(path, NULL);
        if (!r || stat(r, &st) != 0 || !S_ISREG(st.st_mode) || links_into_dev(path)) {
            free(r);
            return seer_errorf(SEER_EINVAL, "%s is a symbolic link to a stream or to no "
                               "regular file (a write would replace the link): name a regular "
                               "file", path);
        }
        *real = r;
    }
    return *real ? SEER_OK : seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
}

int seer_atomic_open(seer_atomic_file *a, const char *target) {
    memset(a, 0, sizeof *a);
    char *path;
    int rc = seer_atomic_target(target, &path);
    if (rc != SEER_OK) return rc;
    size_t len = strlen(path);
    // ".tmp." + pid (at most 10 digits) + "." + counter (at most 10 digits) + NUL
    size_t cap = len + 32;
    a->path = path;
    a->tmp_path = malloc(cap);
    if (!a->path || !a->tmp_path) {
        atomic_file_free(a);
        return seer_errorf(SEER_ENOMEM, "%s: out of memory", target);
    }
    remove_leftovers(path);
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < MAX_NAME_TRIES; tries++) {
        unsigned n = atomic_fetch_add(&tmp_counter, 1);
        // Known as this write's before the file exists, so no other write takes it.
        if (!live_add(n)) {
            errno = ENOMEM;
            break;
        }
        snprintf(a->tmp_path, cap, "%s.tmp.%ld.%u", path, (long)getpid(), n);
        a->tmp_n = n;
        fd = open(a->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0) {
            int err = errno;
            live_remove(n);
            errno = err;
            if (err != EEXIST) break;
        }
    }
    if (fd < 0) {
        int err = errno;
        atomic_file_free(a);
        return seer_errorf(SEER_EIO, "%s: cannot create a temporary file: %s", target,
                           strerror(err));
    }
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int err = errno;
        close(fd);
        unlink(a->tmp_path);
        live_remove(a->tmp_n);
        atomic_file_free(a);
        return seer_errorf(SEER_EIO, "%s: %s", target, strerror(err));
    }
    return SEER_OK;
}

int seer_atomic_commit(seer_atomic_file *a) {
    SEER_ASSERT(a->f && a->path && a->tmp_path);
    int err = 0;
    const char *what = "write";
    // A write error (ENOSPC, EIO) may surface at any of these steps; the stream
    // error flag catches one that the caller's fwrite already hit and ignored.
    if (ferror(a->f)) {
        err = EIO;
    } else if (fflush(a->f) != 0) {
        err = errno;
    } else if (fsync(fileno(a->f)) != 0) {
        err = errno;
        what = "fsync";
    }
    if (fclose(a->f) != 0 && err == 0) err = errno;
    a->f = NULL;
    if (err == 0 && rename(a->tmp_path, a->path) != 0) {
        err = errno;
        what = "rename";
    }
    if (err != 0) {
        unlink(a->tmp_path);
        live_remove(a->tmp_n);
        int rc = seer_errorf(SEER_EIO, "%s: %s failed: %s", a->path, what, strerror(err));
        atomic_file_free(a);
        return rc;
    }
    live_remove(a->tmp_n);
    // The target is complete from here on; a failed directory fsync only means
    // the rename may not survive a power cut, which the caller should hear.
    err = fsync_parent_dir(a->path);
    int rc = SEER_OK;
    if (err != 0)
        rc = seer_errorf(SEER_EIO, "%s: fsync of the directory failed: %s", a->path,
                         strerror(err));
    atomic_file_free(a);
    return rc;
}

void seer_atomic_abort(seer_atomic_file *a) {
    if (a->f) fclose(a->f);
    if (a->tmp_path) {
        unlink(a->tmp_path);
        live_remove(a->tmp_n);
    }
    atomic_file_free(a);
}
