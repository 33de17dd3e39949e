// The checks of the files a command names, made before any work, so that a long run does not
// fail at its end for a path it could have refused at once: every input is there and of a
// kind the command can read, every output's directory is there and writable, and no output is
// the same file as an input or another output. Also the fingerprint of a data file that a
// training checkpoint records. seer's commands check their paths with these; a program built
// on the library can do the same.
#ifndef SEER_FILES_H
#define SEER_FILES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// A file a command names.
typedef struct {
    const char *what;      // how the command line names it: "DATA", "--valid", "-o", ...
    const char *path;      // NULL: not given, not checked
    int output;            // written (atomically) rather than read
    const char *regular;   // an input that must be a regular file: why, e.g. "train reads
                           // DATA twice"; NULL when a pipe will do
    const char *may_be;    // an output that may be the same file as the one named so (the
                           // checkpoint a run resumes from and goes on writing)
} seer_file_use;

// Every input exists and is readable (a regular file where it must be), every output's
// directory exists and is writable, and no output is the same file as an input or another
// output (by device and inode). SEER_EIO for a missing or unreadable path, SEER_EINVAL (exit
// 1) for a clash or the wrong kind of file; the message names the option and the path.
int seer_files_check(const seer_file_use *files, size_t n);
// "<size> bytes, sampled crc32c <hex>" of a regular file: its size and a checksum of 64
// samples of 64 KiB spread over it, so that a checkpoint can tell another file (or the same
// file changed in length or in a sampled part) from the one it was taken on. SEER_EIO.
int seer_file_fingerprint(const char *path, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
