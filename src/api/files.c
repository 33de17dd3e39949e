// Checks of the files a command names, made before any work: every input is there and of a
// kind the command can read, every output's directory is there and writable, and no output
// is the same file as an input or as another output. Also the fingerprint of a data file that
// a checkpoint records, so that a resumed run can tell it is given the same data.
//
// Files are compared by device and inode, not by name, so a hard link, a symbolic link or
// "./d.csv" for "d.csv" is the same file. An output that does not exist yet is known by its
// directory's device and inode and its last name.
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/crc32c.h"
#include "base/error.h"
#include "seer/files.h"

// Where a file is: its own device and inode, or (not there yet) its directory's and its name.
typedef struct {
    dev_t dev;
    ino_t ino;
    const char *name;   // NULL for an existing file
} place;

static const char *kind_of(mode_t m) {
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a pipe (FIFO)" : S_ISCHR(m) ?
           "a character device" : S_ISSOCK(m) ? "a socket" : S_ISBLK(m) ? "a block device" :
           "not a regular file";
}

static int check_input(const seer_file_use *f, place *at) {
    struct stat st;
    if (stat(f->path, &st) != 0)
        return seer_errorf(SEER_EIO, "%s %s: %s", f->what, f->path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return seer_errorf(SEER_EINVAL, "%s %s is a directory, not a file", f->what, f->path);
    if (f->regular && !S_ISREG(st.st_mode))
        return seer_errorf(SEER_EINVAL, "%s %s is %s; %s, so give it a regular file (save the "
                           "stream to a file first)", f->what, f->path, kind_of(st.st_mode),
                           f->regular);
    if (access(f->path, R_OK) != 0)
        return seer_errorf(SEER_EIO, "%s %s: %s", f->what, f->path, strerror(errno));
    *at = (place){st.st_dev, st.st_ino, NULL};
    return SEER_OK;
}

static int check_output(const seer_file_use *f, place *at) {
    struct stat st;
    if (stat(f->path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return seer_errorf(SEER_EINVAL, "%s %s is a directory; name the file to write",
                               f->what, f->path);
        // The atomic write renames a new file onto the path: a device or a pipe there would
        // be replaced by a regular file, not written to.
        if (!S_ISREG(st.st_mode))
            return seer_errorf(SEER_EINVAL, "%s %s is %s, which seer would replace by a new "
                               "regular file; name a regular file", f->what, f->path,
                               kind_of(st.st_mode));
        *at = (place){st.st_dev, st.st_ino, NULL};
    }
    // A link into /dev, or one that leads nowhere, is refused; through a link to a regular
    // file, that file is the one replaced, so its directory is the one to check.
    char *copy;
    int rc = seer_atomic_target(f->path, &copy);
    if (rc != SEER_OK) return rc;
    const char *dir = dirname(copy);
    struct stat ds;
    if (stat(dir, &ds) != 0)
        rc = seer_errorf(SEER_EIO, "%s %s: directory %s: %s", f->what, f->path, dir,
                         strerror(errno));
    else if (!S_ISDIR(ds.st_mode))
        rc = seer_errorf(SEER_EIO, "%s %s: %s is not a directory", f->what, f->path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        rc = seer_errorf(SEER_EIO, "%s %s: cannot write in directory %s: %s", f->what, f->path,
                         dir, strerror(errno));
    else if (!at->name && at->ino == 0) {
        const char *slash = strrchr(f->path, '/');
        *at = (place){ds.st_dev, ds.st_ino, slash ? slash + 1 : f->path};
    }
    free(copy);
    return rc;
}

static int same_place(const place *a, const place *b) {
    if (a->dev != b->dev || a->ino != b->ino) return 0;
    if (!a->name || !b->name) return !a->name && !b->name;
    return strcmp(a->name, b->name) == 0;
}

int seer_files_check(const seer_file_use *files, size_t n) {
    place at[16] = {{0}};
    SEER_ASSERT(n <= 16);
    for (size_t i = 0; i < n; i++) {
        if (!files[i].path) continue;
        int rc = files[i].output ? check_output(&files[i], &at[i]) : check_input(&files[i], &at[i]);
        if (rc != SEER_OK) return rc;
    }
    for (size_t i = 0; i < n; i++) {
        const seer_file_use *a = &files[i];
        if (!a->path || !a->output) continue;
        for (size_t j = 0; j < n; j++) {
            const seer_file_use *b = &files[j];
            if (j == i || !b->path || (b->output && j < i) || !same_place(&at[i], &at[j]))
                continue;
            if (a->may_be && strcmp(a->may_be, b->what) == 0) continue;
            return seer_errorf(SEER_EINVAL, "%s %s is the same file as %s %s; writing it would "
                               "%s; name another file", a->what, a->path, b->what, b->path,
                               b->output ? "leave only one of the two" : "destroy the input");
        }
    }
    return SEER_OK;
}

// Samples of this many bytes, spread evenly over the file from its first to its last byte.
#define SAMPLES 64
#define SAMPLE_BYTES 65536

int seer_file_fingerprint(const char *path, char *out, size_t cap) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        return seer_errorf(SEER_EIO, "%s: %s", path, strerror(e));
    }
    char *buf = malloc(SAMPLE_BYTES);
    if (!buf) {
        close(fd);
        return seer_errorf(SEER_ENOMEM, "out of memory");
    }
    uint64_t size = (uint64_t)st.st_size;
    uint32_t crc = 0;
    int rc = SEER_OK;
    for (uint64_t k = 0; k < SAMPLES && rc == SEER_OK; k++) {
        uint64_t span = size > SAMPLE_BYTES ? size - SAMPLE_BYTES : 0;
        off_t at = (off_t)(span * k / (SAMPLES - 1));
        ssize_t got = pread(fd, buf, SAMPLE_BYTES, at);
        if (got < 0) rc = seer_errorf(SEER_EIO, "%s: %s", path, strerror(errno));
        else crc = seer_crc32c(crc, buf, (size_t)got);
    }
    free(buf);
    close(fd);
    if (rc == SEER_OK)
        snprintf(out, cap, "%llu bytes, sampled crc32c %08x", (unsigned long long)size, crc);
    return rc;
}
