// Tests of atomic file writes: commit, abort, a missing directory, overwrite, and
// the leftovers of killed writers removed by the next write.
// Each test works in its own fresh directory under /tmp.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/error.h"

static char dir[64];

static void make_dir(void) {
    strcpy(dir, "/tmp/seer_test_atomic_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
}

// Removes every entry of dir, then dir itself.
static void remove_dir(void) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

// The number of entries in dir, not counting "." and "..".
static int count_entries(void) {
    DIR *d = opendir(dir);
    cr_assert(ne(ptr, d, NULL));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

// Reads the whole file at path into buf (cap bytes) and NUL-terminates it.
static void read_text(const char *path, char *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    cr_assert(ne(ptr, f, NULL), "cannot open %s", path);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

TestSuite(atomic_file, .init = make_dir, .fini = remove_dir);

Test(atomic_file, commit_creates_file) {
    char path[256], got[64];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    seer_atomic_file a;
    cr_assert(eq(int, seer_atomic_open(&a, path), SEER_OK));
    fputs("hello, seer\n", a.f);
    cr_assert(eq(int, seer_atomic_commit(&a), SEER_OK));
    read_text(path, got, sizeof got);
    cr_assert(eq(str, got, "hello, seer\n"));
    cr_assert(eq(int, count_entries(), 1));
    cr_assert(eq(ptr, a.f, NULL));
    cr_assert(eq(ptr, a.tmp_path, NULL));
}

Test(atomic_file, commit_uses_umask_permissions) {
    char path[256];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    mode_t old = umask(022);
    seer_atomic_file a;
    cr_assert(eq(int, seer_atomic_open(&a, path), SEER_OK));
    cr_assert(eq(int, seer_atomic_commit(&a), SEER_OK));
    umask(old);
    struct stat st;
    cr_assert(eq(int, stat(path, &st), 0));
    cr_assert(eq(int, (int)(st.st_mode & 0777), 0644));
}

Test(atomic_file, abort_leaves_nothing) {
    char path[256];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    seer_atomic_file a;
    cr_assert(eq(int, seer_atomic_open(&a, path), SEER_OK));
    fputs("partial", a.f);
    cr_assert(eq(int, count_entries(), 1));
    seer_atomic_abort(&a);
    cr_assert(eq(int, count_entries(), 0));
    // A second abort, and an abort of a zeroed struct, are no-ops.
    seer_atomic_abort(&a);
    seer_atomic_file zero = {0};
    seer_atomic_abort(&zero);
}

Test(atomic_file, missing_directory) {
    char path[256];
    snprintf(path, sizeof path, "%s/no/such/dir/out.txt", dir);
    seer_atomic_file a;
    cr_assert(eq(int, seer_atomic_open(&a, path), SEER_EIO));
    cr_assert(ne(ptr, strstr(seer_error_message(), path), NULL), "message: %s",
              seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), strerror(ENOENT)), NULL));
    cr_assert(eq(int, count_entries(), 0));
    seer_atomic_abort(&a);
}

Test(atomic_file, overwrite_is_atomic) {
    char path[256], got[64];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    seer_atomic_file a;
    cr_assert(eq(int, seer_atomic_open(&a, path), SEER_OK));
    fputs("old", a.f);
    cr_assert(eq(int, seer_atomic_commit(&a), SEER_OK));

    cr_assert(eq(int, seer_atomic_open(&a, path), SEER_OK));
    fputs("new content", a.f);
    fflush(a.f);
    read_text(path, got, sizeof got);
    cr_assert(eq(str, got, "old"));
    cr_assert(eq(int, seer_atomic_commit(&a), SEER_OK));
    read_text(path, got, sizeof got);
    cr_assert(eq(str, got, "new content"));
    cr_assert(eq(int, count_entries(), 1));
}

Test(atomic_file, abort_keeps_old_file) {
    char path[256], got[64];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    seer_atomic_file a;
    cr_assert(eq(int, seer_atomic_open(&a, path), SEER_OK));
    fputs("old", a.f);
    cr_assert(eq(int, seer_atomic_commit(&a), SEER_OK));
    cr_assert(eq(int, seer_atomic_open(&a, path), SEER_OK));
    fputs("new", a.f);
    seer_atomic_abort(&a);
    read_text(path, got, sizeof got);
    cr_assert(eq(str, got, "old"));
    cr_assert(eq(int, count_entries(), 1));
}

Test(atomic_file, rename_failure_removes_temporary) {
    // A directory made at the target path after the open (an open refuses one that is
    // there already) makes the rename fail after the data was written: the temporary
    // file must go and the directory must stay.
    char path[256];
    snprintf(path, sizeof path, "%s/taken", dir);
    seer_atomic_file a;
    cr_assert(eq(int, seer_atomic_open(&a, path), SEER_OK));
    cr_assert(eq(int, mkdir(path, 0755), 0));
    fputs("data", a.f);
    cr_assert(eq(int, seer_atomic_commit(&a), SEER_EIO));
    cr_assert(ne(ptr, strstr(seer_error_message(), path), NULL));
    cr_assert(eq(int, count_entries(), 1));
    struct stat st;
    cr_assert(eq(int, stat(path, &st), 0));
    cr_assert(eq(int, S_ISDIR(st.st_mode) != 0, 1));
    rmdir(path);
}

Test(atomic_file, relative_path) {
    // A name without a slash lives in the current directory, whose fsync must work.
    char cwd[512], got[16];
    cr_assert(ne(ptr, getcwd(cwd, sizeof cwd), NULL));
    cr_assert(eq(int, chdir(dir), 0));
    seer_atomic_file a;
    cr_assert(eq(int, seer_atomic_open(&a, "rel.txt"), SEER_OK));
    fputs("x", a.f);
    int rc = seer_atomic_commit(&a);
    read_text("rel.txt", got, sizeof got);
    cr_assert(eq(int, chdir(cwd), 0));
    cr_assert(eq(int, rc, SEER_OK));
    cr_assert(eq(str, got, "x"));
}

// A pid no process has: above the kernel's largest.
static long dead_pid(void) {
    long max = 4194304;
    FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
    if (f) {
        cr_assert(eq(int, fscanf(f, "%ld", &max), 1));
        fclose(f);
    }
    return max + 1;
}

// Creates dir/name holding a few bytes.
static void put_file(const char *name) {
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    cr_assert(ne(ptr, f, NULL), "%s", p);
    fputs("a partial model", f);
    fclose(f);
}

static int exists(const char *name) {
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat st;
    return stat(p, &st) == 0;
}

static void write_target(const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/out.seer", dir);
    seer_atomic_file a;
    cr_assert(eq(int, seer_atomic_open(&a, path), SEER_OK), "%s", seer_error_message());
    fputs(text, a.f);
    cr_assert(eq(int, seer_atomic_commit(&a), SEER_OK), "%s", seer_error_message());
}

// A writer killed with SIGKILL mid-write leaves its temporary file: the next write of
// the same target removes it.
Test(atomic_file, killed_writer_leftover_removed_by_next_write) {
    char path[256], tmp[300];
    snprintf(path, sizeof path, "%s/out.seer", dir);
    pid_t child = fork();
    cr_assert(ge(int, child, 0));
    if (child == 0) {
        seer_atomic_file a;
        if (seer_atomic_open(&a, path) != SEER_OK) _exit(1);
        fputs("half of a model", a.f);
        fflush(a.f);
        raise(SIGKILL);
    }
    int status;
    cr_assert(eq(int, waitpid(child, &status, 0), child));
    cr_assert(eq(int, WIFSIGNALED(status) != 0, 1));
    snprintf(tmp, sizeof tmp, "out.seer.tmp.%ld.0", (long)child);
    cr_assert(exists(tmp), "the killed writer left %s", tmp);
    write_target("whole");
    cr_assert(eq(int, exists(tmp), 0), "%s stayed", tmp);
    cr_assert(eq(int, count_entries(), 1));
}

// Leftovers of a pid no process has, and of this process but no write in flight,
// go; a live process's stays, and so does every name not of the exact pattern.
Test(atomic_file, stale_temporaries_only_of_the_target) {
    long dead = dead_pid();
    char stale[4][128], kept[9][128];
    snprintf(stale[0], 128, "out.seer.tmp.%ld.0", dead);
    snprintf(stale[1], 128, "out.seer.tmp.%ld.4294967295", dead);
    snprintf(stale[2], 128, "out.seer.tmp.%ld.123456", (long)getpid());
    snprintf(stale[3], 128, "out.seer.tmp.9999999999.7");   // over any pid_t
    snprintf(kept[0], 128, "out.seer.tmp.%ld.0", (long)getppid());   // alive
    snprintf(kept[1], 128, "other.seer.tmp.%ld.0", dead);           // another target
    snprintf(kept[2], 128, "out.seer.tmp.%ld.0.bak", dead);
    snprintf(kept[3], 128, "out.seer.tmp.%ld", dead);
    snprintf(kept[4], 128, "out.seer.tmp.0%ld.1", dead);             // a leading zero
    snprintf(kept[5], 128, "out.seer.tmp.%ld.x", dead);
    snprintf(kept[6], 128, "xout.seer.tmp.%ld.0", dead);
    snprintf(kept[7], 128, "out.seer.tmp.%ld.4294967296", dead);     // over the counter
    snprintf(kept[8], 128, "out.seer.tmp.0.3");                       // pid 0
    for (int i = 0; i < 4; i++) put_file(stale[i]);
    for (int i = 0; i < 9; i++) put_file(kept[i]);
    write_target("whole");
    for (int i = 0; i < 4; i++) cr_assert(eq(int, exists(stale[i]), 0), "%s stayed", stale[i]);
    for (int i = 0; i < 9; i++) cr_assert(exists(kept[i]), "%s went", kept[i]);
    cr_assert(exists("out.seer"));
}

// Two writes of one target at once in this process: the second does not take the
// first's temporary file for a leftover.
Test(atomic_file, write_in_flight_is_not_stale) {
    char path[256], got[16];
    snprintf(path, sizeof path, "%s/out.seer", dir);
    seer_atomic_file first;
    cr_assert(eq(int, seer_atomic_open(&first, path), SEER_OK));
    fputs("first", first.f);
    write_target("second");
    cr_assert(eq(int, seer_atomic_commit(&first), SEER_OK), "%s", seer_error_message());
    read_text(path, got, sizeof got);
    cr_assert(eq(str, got, "first"));
    cr_assert(eq(int, count_entries(), 1));
}

static void *write_many(void *arg) {
    const char *path = arg;
    for (int i = 0; i < 50; i++) {
        seer_atomic_file a;
        if (seer_atomic_open(&a, path) != SEER_OK) return (void *)1;
        fprintf(a.f, "write %d", i);
        if (seer_atomic_commit(&a) != SEER_OK) return (void *)1;
    }
    return NULL;
}

// Threads writing one target at once: each write's cleaning takes none of the
// others' temporary files, so every commit succeeds and nothing is left over.
Test(atomic_file, concurrent_writes_of_one_target) {
    static char path[256];
    snprintf(path, sizeof path, "%s/out.seer", dir);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        cr_assert(eq(int, pthread_create(&t[i], NULL, write_many, path), 0));
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        cr_assert(eq(ptr, r, NULL), "a write of thread %d failed", i);
    }
    cr_assert(eq(int, count_entries(), 1));
}

// Writes text to path through an atomic write; returns the rc of open or commit.
static int write_text(const char *path, const char *text) {
    seer_atomic_file a;
    int rc = seer_atomic_open(&a, path);
    if (rc != SEER_OK) return rc;
    fputs(text, a.f);
    return seer_atomic_commit(&a);
}

// A rename onto a symbolic link replaces the link; run as root, "-o /dev/stdout" once put a
// regular file where /dev/stdout's link was. A link to a regular file stays a link and the file
// it leads to gets the new text; links that lead nowhere or into /dev, devices and pipes are
// refused and left as they were.
Test(atomic_file, links_followed_devices_and_pipes_refused) {
    char real[256], link[256], dangling[256], devlink[256], fifo[256], text[64];
    snprintf(real, sizeof real, "%s/real.txt", dir);
    snprintf(link, sizeof link, "%s/link.txt", dir);
    snprintf(dangling, sizeof dangling, "%s/dangling.txt", dir);
    snprintf(devlink, sizeof devlink, "%s/null.txt", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    cr_assert(eq(int, write_text(real, "old"), SEER_OK));
    cr_assert(eq(int, symlink("real.txt", link), 0));
    cr_assert(eq(int, write_text(link, "new"), SEER_OK), "%s", seer_error_message());
    struct stat st;
    cr_assert(eq(int, lstat(link, &st), 0));
    cr_assert(eq(int, S_ISLNK(st.st_mode) ? 1 : 0, 1), "the link was replaced by a file");
    read_text(real, text, sizeof text);
    cr_assert(eq(str, text, "new"));

    cr_assert(eq(int, symlink("nowhere.txt", dangling), 0));
    cr_assert(eq(int, write_text(dangling, "x"), SEER_EINVAL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "symbolic link"), NULL));
    cr_assert(eq(int, symlink("/dev/null", devlink), 0));
    cr_assert(eq(int, write_text(devlink, "x"), SEER_EINVAL));
    cr_assert(eq(int, lstat(devlink, &st), 0));
    cr_assert(eq(int, S_ISLNK(st.st_mode) ? 1 : 0, 1));
    cr_assert(eq(int, mkfifo(fifo, 0600), 0));
    cr_assert(eq(int, write_text(fifo, "x"), SEER_EINVAL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "not a regular file"), NULL));
    cr_assert(eq(int, lstat(fifo, &st), 0));
    cr_assert(eq(int, S_ISFIFO(st.st_mode) ? 1 : 0, 1));
    char devhop[256];  // a link to a link into /dev: the file at its end is the shell's
    snprintf(devhop, sizeof devhop, "%s/stdout.txt", dir);
    cr_assert(eq(int, symlink("/dev/stdout", devhop), 0));
    cr_assert(eq(int, write_text(devhop, "x"), SEER_EINVAL));
    cr_assert(eq(int, write_text(dir, "x"), SEER_EINVAL));
    // A link through /proc to a regular file (what /dev/stdout is when stdout is a file):
    // realpath leads to the file itself, so only the walk along the links refuses it.
    char fdlink[256], proc[64];
    int fd = open(real, O_RDONLY);
    cr_assert(ge(int, fd, 0));
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    snprintf(fdlink, sizeof fdlink, "%s/fd.txt", dir);
    cr_assert(eq(int, symlink(proc, fdlink), 0));
    cr_assert(eq(int, write_text(fdlink, "x"), SEER_EINVAL));
    close(fd);
    read_text(real, text, sizeof text);
    cr_assert(eq(str, text, "new"));
    cr_assert(eq(int, count_entries(), 7), "a temporary file was left");
}
