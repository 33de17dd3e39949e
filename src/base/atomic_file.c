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
#include "base/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

enum { MAX_NAME_TRIES = 100 };

static atomic_uint tmp_counter;

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
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash) {
        dir = strdup(".");
    } else if (slash == path) {
        dir = strdup("/");
    } else {
        dir = strndup(path, (size_t)(slash - path));
    }
    if (!dir) return ENOMEM;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0) return errno;
    int err = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return err;
}

int seer_atomic_open(seer_atomic_file *a, const char *path) {
    memset(a, 0, sizeof *a);
    size_t len = strlen(path);
    // ".tmp." + pid (at most 10 digits) + "." + counter (at most 10 digits) + NUL
    size_t cap = len + 32;
    a->path = strdup(path);
    a->tmp_path = malloc(cap);
    if (!a->path || !a->tmp_path) {
        atomic_file_free(a);
        return seer_errorf(SEER_ENOMEM, "%s: out of memory", path);
    }
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < MAX_NAME_TRIES; tries++) {
        unsigned n = atomic_fetch_add(&tmp_counter, 1);
        snprintf(a->tmp_path, cap, "%s.tmp.%ld.%u", path, (long)getpid(), n);
        fd = open(a->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        int err = errno;
        atomic_file_free(a);
        return seer_errorf(SEER_EIO, "%s: cannot create a temporary file: %s", path,
                           strerror(err));
    }
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int err = errno;
        close(fd);
        unlink(a->tmp_path);
        atomic_file_free(a);
        return seer_errorf(SEER_EIO, "%s: %s", path, strerror(err));
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
        int rc = seer_errorf(SEER_EIO, "%s: %s failed: %s", a->path, what, strerror(err));
        atomic_file_free(a);
        return rc;
    }
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
    if (a->tmp_path) unlink(a->tmp_path);
    atomic_file_free(a);
}
