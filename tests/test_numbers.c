// Numbers that must never reach a model or an output: training that diverges
// to NaN stops with an error, and a full disk under the cache of encoded rows
// is an error naming the file, not a SIGBUS.
//
// Each test trains on a small CSV written into a fresh directory under /tmp.
// The full-disk test mounts a 64 KiB tmpfs in a mount namespace of its own
// (Criterion runs each test in its own process), and is skipped where that is
// not permitted.
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/error.h"
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

static void quiet_options(seer_train_options *o, const char *data) {
    seer_train_options_default(o);
    o->data = data;
    o->tf.label = "y";
    o->epochs = 2;
    o->valid_frac = 0;
    o->quiet = 1;
}

Test(numbers, diverged_training_stops) {
    char path[256];
    seer_train_options o;
    quiet_options(&o, write_csv("d.csv", 2000, path, sizeof path));
    o.lr = 1e30f;
    seer_train_result r;
    seer_model *m = (seer_model *)1;
    int rc = seer_train(&o, &r, &m);
    cr_assert(eq(int, rc, SEER_EDATA), "rc %d: %s", rc, seer_error_message());
    cr_assert(eq(ptr, m, NULL));
    cr_assert(ne(ptr, strstr(seer_error_message(), "training diverged at step "), NULL), "%s",
              seer_error_message());
    cr_assert(ne(ptr, strstr(seer_error_message(), "--lr"), NULL), "%s", seer_error_message());
}

Test(numbers, diverged_training_leaves_no_bad_checkpoint) {
    char path[256], ckpt[256];
    seer_train_options o;
    quiet_options(&o, write_csv("d.csv", 2000, path, sizeof path));
    snprintf(ckpt, sizeof ckpt, "%s/d.ckpt", dir);
    o.lr = 1e30f;
    o.checkpoint_path = ckpt;
    o.checkpoint_every = 1;
    seer_train_result r;
    seer_model *m;
    cr_assert(eq(int, seer_train(&o, &r, &m), SEER_EDATA), "%s", seer_error_message());
    // A checkpoint of a step before the divergence may be there; it must load.
    seer_model *back;
    if (access(ckpt, F_OK) == 0) {
        cr_assert(eq(int, seer_model_load(&back, ckpt, 8), SEER_OK), "%s", seer_error_message());
        seer_model_free(back);
    }
}

Test(numbers, sane_training_is_untouched) {
    char path[256];
    seer_train_options o;
    quiet_options(&o, write_csv("d.csv", 2000, path, sizeof path));
    seer_train_result r;
    seer_model *m;
    cr_assert(eq(int, seer_train(&o, &r, &m), SEER_OK), "%s", seer_error_message());
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
    seer_train_options o;
    quiet_options(&o, data);
    o.cache = 1;
    o.cache_prefix = model;
    seer_train_result r;
    seer_model *m;
    int rc = seer_train(&o, &r, &m);
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
