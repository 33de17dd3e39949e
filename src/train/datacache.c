// The cache of a run's encoded rows: its name, its key, and reading and writing it with
// warnings rather than errors (datacache.h). The file's format is io/rowcache.c's.
#include "train/datacache.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/hash.h"
#include "io/rowcache.h"

// Bytes at the head of DATA hashed into the key: with its size and mtime they tell a file
// rewritten in place within the mtime's resolution.
#define HEAD_BYTES ((size_t)1 << 20)

typedef struct {
    char *buf;
    size_t cap, len;
    int full;  // the key did not fit: no cache
} key_text;

static void put(key_text *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(key_text *k, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(k->buf + k->len, k->cap - k->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= k->cap - k->len) k->full = 1;
    else k->len += (size_t)n;
}

// One line per name: a list "a,b" and the names "a" and "b" must not give one key.
static void put_names(key_text *k, const char *what, const char *const *names, size_t n) {
    for (size_t i = 0; i < n; i++) put(k, "%s %s\n", what, names[i]);
}

// The file as it stands: size, mtime and the hash of its first MiB. 0 when it cannot be read.
static int put_file(key_text *k, const char *real) {
    struct stat st;
    FILE *f = fopen(real, "rb");
    if (!f) return 0;
    char *head = malloc(HEAD_BYTES);
    size_t got = head ? fread(head, 1, HEAD_BYTES, f) : 0;
    int ok = head && !ferror(f) && fstat(fileno(f), &st) == 0;
    fclose(f);
    if (ok) {
        put(k, "data %s\nsize %lld\nmtime %lld.%09ld\nhead %016llx\n", real,
            (long long)st.st_size, (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
            (unsigned long long)seer_hash_bytes(head, got, 0));
    }
    free(head);
    return ok;
}

// Everything the encoded rows depend on besides the data: the reader, the split and the
// transform's options.
static void put_settings(key_text *k, const seer_train_job *o) {
    const seer_transform_options *t = &o->tf;
    put(k, "format %d\nskip_bad_rows %d\nlabel %s\n", (int)o->format, o->skip_bad_rows,
        t->label ? t->label : "");
    put(k, "valid_frac %.17g\nseed %llu\n", o->valid_path ? 0.0 : o->valid_frac,
        (unsigned long long)o->seed);
    put_names(k, "ignore", t->ignore, t->n_ignore);
    put_names(k, "categorical", t->categorical, t->n_categorical);
    put_names(k, "numeric", t->numeric, t->n_numeric);
    put_names(k, "multi", t->multi, t->n_multi);
    put(k, "min_count %zu\nmax_vocab %zu\nbuckets %zu\nhash_buckets %zu\nhash_shared %d\n",
        t->min_count, t->max_vocab, t->buckets, t->hash_buckets, t->hash_shared);
    put(k, "max_tokens %zu\npool_sum %d\nscale_by_label %d\nbucket_ple %d\n", t->max_tokens,
        t->pool_sum, t->scale_by_label, t->bucket_ple);
    put(k, "rules %d\n", SEER_TRANSFORM_RULES);
}

// The key of DATA as it stands now into key (SEER_DATACACHE_KEY_MAX bytes), its real path
// into real (PATH_MAX). 0 when there is none (unreadable, or settings too long for a key).
static int make_key(const seer_train_job *o, char *key, char *real) {
    key_text k = {key, SEER_DATACACHE_KEY_MAX, 0, 0};
    if (!realpath(o->data, real)) return 0;
    put(&k, "seer encoded rows\n");
    if (!put_file(&k, real)) return 0;
    put_settings(&k, o);
    return !k.full;
}

void seer_datacache_init(seer_datacache *c, const seer_train_job *o, int resumed) {
    memset(c, 0, sizeof *c);
    char real[PATH_MAX];
    if (!o->cache_dir || resumed || !make_key(o, c->key, real)) return;
    int n = snprintf(c->path, sizeof c->path, "%s/seer-rows-%016llx.cache", o->cache_dir,
                     (unsigned long long)seer_hash_bytes(real, strlen(real), 0));
    c->on = n > 0 && (size_t)n < sizeof c->path;
}

int seer_datacache_load(const seer_datacache *c, const seer_train_job *o, seer_transform *tf,
                        seer_dataset *tr, seer_dataset *va, size_t *skipped) {
    if (!c->on) return 0;
    struct stat st;
    if (stat(c->path, &st) != 0 && errno == ENOENT) return 0;
    int rc = seer_rowcache_read(c->path, c->key, tf, tr, va, skipped);
    if (rc != SEER_OK) {
        fprintf(stderr, "seer: warning: --cache: %s; reading %s again and writing a new cache\n",
                seer_error_message(), o->data);
        return 0;
    }
    if (!o->quiet)
        fprintf(stderr, "seer: %zu training and %zu hold-out rows read from the cache %s\n",
                tr->rows, va->rows, c->path);
    return 1;
}

void seer_datacache_save(const seer_datacache *c, const seer_train_job *o,
                         const seer_transform *tf, const seer_dataset *tr,
                         const seer_dataset *va, size_t skipped) {
    if (!c->on || tr->map || va->map) return;
    // DATA as it stands after the reading: rows of a file that changed meanwhile are no
    // encoding of either version.
    char now[SEER_DATACACHE_KEY_MAX], real[PATH_MAX];
    if (!make_key(o, now, real) || strcmp(now, c->key) != 0) {
        fprintf(stderr, "seer: warning: --cache: %s changed while it was read; no cache "
                "written\n", o->data);
        return;
    }
    int rc = seer_rowcache_write(c->path, c->key, tf, tr, va, skipped);
    if (rc != SEER_OK)
        fprintf(stderr, "seer: warning: --cache: no cache written: %s\n", seer_error_message());
    else if (!o->quiet)
        fprintf(stderr, "seer: wrote the cache %s\n", c->path);
}
