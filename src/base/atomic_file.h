// Writing a file so that it is either complete or absent: a temporary file
// beside the target, fsync, rename, fsync of the directory. Temporary files of
// the same target left by a writer that was killed are removed by the next.
#ifndef SEER_BASE_ATOMIC_FILE_H
#define SEER_BASE_ATOMIC_FILE_H

#include <stdio.h>

typedef struct {
    FILE *f;             // write through this
    char *path;          // the target
    char *tmp_path;      // the temporary file
    unsigned tmp_n;      // the counter in its name
} seer_atomic_file;

// Removes the stale temporary files of path (atomic_file.c says which), then
// creates this write's. A symbolic link stays a link: the regular file it leads
// to is replaced. SEER_EINVAL when path exists as something a rename would
// replace by a regular file (a device, a pipe, a directory, a link that leads
// nowhere or into /dev or /proc); SEER_EIO on failure.
int seer_atomic_open(seer_atomic_file *a, const char *path);
// The file a write of path replaces, in *real (malloc'd): path, or for a symbolic link the
// regular file it leads to; refused as seer_atomic_open refuses it. For checks before any work.
int seer_atomic_target(const char *path, char **real);
// Flushes, fsyncs and renames onto the target; on any failure removes the
// temporary file and returns SEER_EIO. Frees a in every case.
int seer_atomic_commit(seer_atomic_file *a);
// Removes the temporary file and frees a (after an error). No-op on a zeroed struct.
void seer_atomic_abort(seer_atomic_file *a);

#endif
