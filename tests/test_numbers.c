// Numbers that must never reach a model or an output: training that diverges
// to NaN stops with an error, and a full disk under the cache of encoded rows
// is an error naming the file, not a SIGBUS.
//
// Each test trains on a small CSV written into a fresh directory under /tmp;
// one runs the seer binary named by $SEER_BIN (default build/seer).
// The full-disk test mounts a 64 KiB tmpfs in a mount namespace of its own
// (Criterion runs each test in its own process), and is skipped where that is
// not permitted.
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "base/hash.h"
#include "io/model.h"
#include "tmpdir.h"
#include "train/train.h"

static char dir[64];

static void make_dir(void) {
    strcpy(dir, "/tmp/seer_test_numbers_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
}

static void drop_dir(void) {
    umount2(dir, MNT_DETACH);
    remove_tree(dir);
}

TestSuite(numbers, .init = make_dir, .fini = drop_dir, .timeout = 120);

// Writes rows of "y,x,c" (x numeric, c one of 7 tokens) to dir/name; returns the path.
static const char *write_csv(const char *name, size_t rows, char *path, size_t cap) {
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert(ne(ptr, f, NULL));
    fprintf(f, "y,x,c\n");
    for (size_t i = 0; i < rows; i++)
        fprintf(f, "%zu,%.3f,k%zu\n", (i * 7 + i / 3) % 2, (double)(i % 101) / 10.0, i % 7);
    cr_assert(eq(int, fclose(f), 0));
    return path;
}

static void quiet_options(seer_train_job *o, const char *data) {
    seer_train_job_default(o);
    o->data = data;
    o->tf.label = "y";
    o->epochs = 2;
    o->valid_frac = 0;
    o->quiet = 1;
}

Test(numbers, diverged_training_stops) {
    char path[256];
    seer_train_job o;
    quiet_options(&o, write_csv("d.csv", 2000, path, sizeof path));
    o.lr = 1e30f;
    seer_train_outcome r;
    seer_model *m = (seer_model *)1;
    int rc = seer_train_run(&o, &r, &m);
    cr_assert(eq(int, rc, SEER_EDATA), "rc %d: %s", rc, seer_error_message());
    cr_assert(eq(ptr, m, NULL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "training diverged at step "), NULL), "%s",
              seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), "--lr"), NULL), "%s", seer_error_message());
}

Test(numbers, diverged_training_leaves_no_bad_checkpoint) {
    char path[256], ckpt[256];
    seer_train_job o;
    quiet_options(&o, write_csv("d.csv", 2000, path, sizeof path));
    snprintf(ckpt, sizeof ckpt, "%s/d.ckpt", dir);
    o.lr = 1e30f;
    o.checkpoint_path = ckpt;
    o.checkpoint_every = 1;
    seer_train_outcome r;
    seer_model *m;
    cr_assert(eq(int, seer_train_run(&o, &r, &m), SEER_EDATA), "%s", seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), "diverged at step"), NULL), "%s",
              seer_error_message());
    // The checkpoint of step 1, before the divergence (at lr 1e30 the first step leaves huge
    // but finite weights, the second a non-finite loss), is there and loads.
    seer_model *back;
    cr_assert(eq(int, access(ckpt, F_OK), 0), "no checkpoint of the steps before");
    cr_assert(eq(int, seer_model_load(&back, ckpt, 8), SEER_OK), "%s", seer_error_message());
    seer_model_free(back);
}

Test(numbers, sane_training_is_untouched) {
    char path[256];
    seer_train_job o;
    quiet_options(&o, write_csv("d.csv", 2000, path, sizeof path));
    seer_train_outcome r;
    seer_model *m;
    cr_assert(eq(int, seer_train_run(&o, &r, &m), SEER_OK), "%s", seer_error_message());
    cr_assert(eq(int, isfinite(r.metrics.logloss), 1));
    seer_model_free(m);
}

// Mounts a tmpfs of `bytes` on dir in a private mount namespace; 0 when not permitted.
static int small_disk(size_t bytes) {
    if (unshare(CLONE_NEWNS) != 0) return 0;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return 0;
    char opts[64];
    snprintf(opts, sizeof opts, "size=%zu", bytes);
    return mount("tmpfs", dir, "tmpfs", 0, opts) == 0;
}

Test(numbers, cache_on_full_disk_is_an_error) {
    // The data lives outside the small disk; the cache goes beside the model on it.
    char data[256], model[256];
    snprintf(data, sizeof data, "/tmp/seer_test_numbers_data_%ld.csv", (long)getpid());
    FILE *f = fopen(data, "w");
    cr_assert(ne(ptr, f, NULL));
    fprintf(f, "y,x,c\n");
    for (size_t i = 0; i < 20000; i++) fprintf(f, "%zu,%zu,k%zu\n", i % 2, i % 101, i % 7);
    cr_assert(eq(int, fclose(f), 0));
    if (!small_disk(64 << 10)) {
        unlink(data);
        cr_skip_test("cannot mount a tmpfs here: %s", strerror(errno));
    }
    snprintf(model, sizeof model, "%s/m.seer", dir);
    seer_train_job o;
    quiet_options(&o, data);
    o.cache = 1;
    o.cache_prefix = model;
    seer_train_outcome r;
    seer_model *m;
    int rc = seer_train_run(&o, &r, &m);
    unlink(data);
    cr_assert(eq(int, rc, SEER_EIO), "rc %d: %s", rc, seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), model), NULL), "names the file: %s",
              seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), "No space left on device"), NULL), "%s",
              seer_error_message());
    cr_assert(eq(int, seer_error_exit_code(rc), 3));
    // Nothing is left on the small disk.
    int entries = 0;
    DIR *d = opendir(dir);
    cr_assert(ne(ptr, d, NULL));
    for (struct dirent *e; (e = readdir(d));) entries += e->d_name[0] != '.';
    closedir(d);
    cr_assert(eq(int, entries, 0));
}

Test(numbers, cache_over_file_size_limit_is_an_error) {
    // Past RLIMIT_FSIZE the system kills with SIGXFSZ: the limit is checked first.
    char data[256], model[256];
    seer_train_job o;
    quiet_options(&o, write_csv("d.csv", 20000, data, sizeof data));
    snprintf(model, sizeof model, "%s/m.seer", dir);
    struct rlimit lim = {64 << 10, 64 << 10};
    cr_assert(eq(int, setrlimit(RLIMIT_FSIZE, &lim), 0));
    o.cache = 1;
    o.cache_prefix = model;
    seer_train_outcome r;
    seer_model *m;
    int rc = seer_train_run(&o, &r, &m);
    cr_assert(eq(int, rc, SEER_EIO), "rc %d: %s", rc, seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), "exceeds the file size limit of 65536 bytes"),
                 NULL), "%s", seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), model), NULL), "%s", seer_error_message());
    DIR *d = opendir(dir);
    cr_assert(ne(ptr, d, NULL));
    for (struct dirent *e; (e = readdir(d));)
        cr_assert(eq(int, strstr(e->d_name, "cache") == NULL, 1), "left: %s", e->d_name);
    closedir(d);
}

// Runs $SEER_BIN with args (NULL-terminated), stdout and stderr into dir/out and dir/err;
// returns the exit status, -1 when killed.
static int run_seer(const char *const *args) {
    const char *bin = getenv("SEER_BIN");
    const char *argv[16] = {bin && *bin ? bin : "build/seer"};
    for (int i = 0; args[i]; i++) argv[i + 1] = args[i];
    char out[256], err[256];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    extern char **environ;
    pid_t pid;
    cr_assert(eq(int, posix_spawn(&pid, argv[0], &fa, NULL, (char **)argv, environ), 0));
    posix_spawn_file_actions_destroy(&fa);
    int status;
    cr_assert(eq(int, waitpid(pid, &status, 0), pid));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The text of dir/name (at most 4 KiB).
static const char *read_back(const char *name, char *buf, size_t cap) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    cr_assert(ne(ptr, f, NULL));
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

Test(numbers, eval_refuses_nan_model) {
    // A model file whose first dense weight is NaN, checksums recomputed, as a
    // model written before training checked for divergence could be: eval used
    // to print "logloss":-nan, which is not JSON.
    char data[256], model[256];
    seer_train_job o;
    quiet_options(&o, write_csv("d.csv", 2000, data, sizeof data));
    seer_train_outcome r;
    seer_model *m;
    cr_assert(eq(int, seer_train_run(&o, &r, &m), SEER_OK), "%s", seer_error_message());
    snprintf(model, sizeof model, "%s/m.seer", dir);
    cr_assert(eq(int, seer_model_save(m, model), SEER_OK), "%s", seer_error_message());
    seer_model_free(m);
    FILE *f = fopen(model, "r+b");
    cr_assert(ne(ptr, f, NULL));
    unsigned char *b = malloc(1 << 24);
    size_t n = fread(b, 1, 1 << 24, f);
    uint64_t dir_offset, off = 0;
    uint32_t n_tensors;
    memcpy(&n_tensors, b + 12, 4);
    memcpy(&dir_offset, b + 24, 8);
    for (uint32_t i = 0; i < n_tensors; i++)
        if (strcmp((char *)b + dir_offset + 128 * i, "dense") == 0)
            memcpy(&off, b + dir_offset + 128 * i + 104, 8);
    cr_assert(gt(u64, off, 0));
    float nan = NAN;
    memcpy(b + off, &nan, 4);
    uint64_t body = seer_hash_bytes(b + 64, n - 64, 0), head;
    memcpy(b + 48, &body, 8);
    head = seer_hash_bytes(b, 56, 0);
    memcpy(b + 56, &head, 8);
    rewind(f);
    cr_assert(eq(sz, fwrite(b, 1, n, f), n));
    fclose(f);
    free(b);
    const char *args[] = {"eval", model, data, "--json", NULL};
    cr_assert(eq(int, run_seer(args), 2));
    char buf[4096];
    cr_assert(eq(str, (char *)read_back("out", buf, sizeof buf), ""));
    read_back("err", buf, sizeof buf);
    cr_assert(ne(ptr, strstr(buf, "tensor dense holds NaN at index 0"), NULL), "%s", buf);
}
