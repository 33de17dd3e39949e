// Pass 1 over a table (seer_profile_pass; see profile.h): on one thread, or, where the process
// may run on two CPUs, reading on the calling thread and counting on another.
//
// Two threads: the calling thread reads rows (splitting, trimming, hashing, parsing numbers and
// the label) into blocks, and hands the blocks in file order to a thread that counts them (the
// statistics, and the words kept). A row whose counting needs its text
// (seer_profile_needs_text: rare) is counted by the calling thread once every row before it
// was, so the statistics are those of the one-thread pass to the bit, in the same order.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/progress.h"
#include "base/threads.h"
#include "data/profile.h"

// The words raw keeps of each column: the token hash where tokens are counted (the only
// columns a transform can make categorical) but the label's, the number where numbers are
// parsed.
static int raw_init(seer_raw_rows *raw, const seer_profile *p, size_t max_bytes) {
    int rc = seer_raw_rows_init(raw, p->n_cols, max_bytes);
    for (size_t j = 0; rc == SEER_OK && j < p->n_cols; j++)
        seer_raw_rows_keep(raw, j, p->col[j].count_tokens && (long)j != p->label_col,
                           p->col[j].parse_numbers);
    return rc;
}

// The pass on the calling thread alone.
static int pass_alone(seer_profile *p, seer_table *tab, const seer_split *split, int skip_bad,
                      size_t *rows_read, size_t *skipped, seer_raw_rows *raw,
                      seer_progress *bar) {
    seer_row row;
    size_t index = 0;
    int rc;
    while ((rc = seer_table_next(tab, &row)) == 1) {
        if ((index & 4095) == 0) seer_progress_update(bar, index, -1);
        int held_out = seer_split_holds_out(split, index++);
        // A held-out row is only read: the encoding pass takes its words, or, for a row the
        // transform would reject, reads the text again to say so (or skip it).
        rc = held_out ? (raw && !raw->dropped ? seer_profile_read_row(p, &row) : SEER_OK)
                      : seer_profile_add(p, &row);
        if (rc == SEER_EDATA && (held_out || skip_bad)) {
            // The encoding pass must meet this row again: it reads the text.
            if (raw) seer_raw_rows_drop(raw);
            if (skipped && !held_out) (*skipped)++;
            continue;
        }
        if (rc != SEER_OK) break;
        if (raw) seer_raw_rows_push(raw, p->hash, p->num);
    }
    *rows_read = index;
    return rc < 0 ? rc : SEER_OK;
}

// Values a block holds (its rows: this over the columns, at least 1), and blocks in flight:
// 4 blocks of 17 bytes a value, 1.1 MB, however wide the table.
#define BLOCK_VALUES 16384
#define BLOCKS 4

// Rows read and not yet counted.
typedef struct {
    size_t n;
    uint64_t *hash, *num;  // (rows * n_cols) each row's words
    uint8_t *as_int;       // (rows * n_cols) seer_profile_needs_text's
    double *y;             // (rows)
    uint8_t *counted;      // (rows) 0: a held-out row, only its words kept
} row_block;

typedef struct {
    seer_profile *p;
    seer_raw_rows *raw;    // or NULL
    size_t rows;           // a block's
    row_block block[BLOCKS];
    size_t handed, taken;  // blocks handed over, and counted, in all (under lock)
    int done;              // no block will follow (under lock)
    int rc;                // the counting thread's first error (under lock)
    pthread_mutex_t lock;
    pthread_cond_t changed;
} counting;

// The counting thread: the blocks in the order handed over. After an error it takes the rest
// uncounted, so that the reader never waits for it.
static void *count_blocks(void *arg) {
    counting *k = arg;
    seer_profile *p = k->p;
    size_t nc = p->n_cols;
    int rc = SEER_OK;
    for (;;) {
        pthread_mutex_lock(&k->lock);
        while (k->taken == k->handed && !k->done) pthread_cond_wait(&k->changed, &k->lock);
        int end = k->taken == k->handed;
        pthread_mutex_unlock(&k->lock);
        if (end) return NULL;
        row_block *b = &k->block[k->taken % BLOCKS];
        for (size_t r = 0; r < b->n && rc == SEER_OK; r++) {
            const uint64_t *h = b->hash + r * nc, *x = b->num + r * nc;
            // The next row's counter slots, while this one is counted: their misses overlap.
            for (size_t j = 0; r + 1 < b->n && j < nc; j++)
                if (p->col[j].count_tokens && h[nc + j])
                    seer_counter_prefetch(&p->col[j].tokens, h[nc + j]);
            if (b->counted[r]) rc = seer_profile_count(p, h, x, b->y[r], b->as_int + r * nc, NULL);
            if (rc == SEER_OK && k->raw) seer_raw_rows_push(k->raw, h, x);
        }
        pthread_mutex_lock(&k->lock);
        if (rc != SEER_OK && k->rc == SEER_OK) k->rc = rc;
        k->taken++;
        pthread_cond_broadcast(&k->changed);
        pthread_mutex_unlock(&k->lock);
    }
}

// Hands the block being filled over (when it holds rows), then waits until a block is free
// (drain: until every block handed over is counted). The counting thread's error, if any.
static int hand_over(counting *k, int drain) {
    pthread_mutex_lock(&k->lock);
    if (k->block[k->handed % BLOCKS].n) {
        k->handed++;
        pthread_cond_broadcast(&k->changed);
    }
    while (drain ? k->taken < k->handed : k->handed - k->taken == BLOCKS)
        pthread_cond_wait(&k->changed, &k->lock);
    int rc = k->rc;
    pthread_mutex_unlock(&k->lock);
    k->block[k->handed % BLOCKS].n = 0;
    return rc;
}

static int blocks_init(counting *k, size_t nc) {
    size_t rows = nc && BLOCK_VALUES / nc ? BLOCK_VALUES / nc : 1;
    k->rows = rows;
    for (size_t i = 0; i < BLOCKS; i++) {
        row_block *b = &k->block[i];
        b->hash = malloc(rows * (nc + 1) * sizeof *b->hash);
        b->num = malloc(rows * (nc + 1) * sizeof *b->num);
        b->as_int = malloc(rows * (nc + 1));
        b->y = malloc(rows * sizeof *b->y);
        b->counted = malloc(rows);
        if (!b->hash || !b->num || !b->as_int || !b->y || !b->counted) return 0;
    }
    return 1;
}

static void blocks_free(counting *k) {
    for (size_t i = 0; i < BLOCKS; i++) {
        row_block *b = &k->block[i];
        free(b->hash);
        free(b->num);
        free(b->as_int);
        free(b->y);
        free(b->counted);
    }
}

// The reader's side of the pass on two threads (k's thread counting).
static int read_rows(counting *k, seer_table *tab, const seer_split *split, int skip_bad,
                     size_t *rows_read, size_t *skipped, seer_progress *bar) {
    seer_profile *p = k->p;
    seer_raw_rows *raw = k->raw;
    size_t nc = p->n_cols, index = 0;
    seer_row row;
    int rc;
    while ((rc = seer_table_next(tab, &row)) == 1) {
        if ((index & 4095) == 0) seer_progress_update(bar, index, -1);
        int held_out = seer_split_holds_out(split, index++);
        rc = held_out && !raw ? SEER_OK : seer_profile_read_row(p, &row);
        if (rc == SEER_EDATA && (held_out || skip_bad)) {
            // As pass_alone: the words are dropped, after every row before was kept.
            rc = hand_over(k, 1);
            if (rc != SEER_OK) break;
            if (raw) seer_raw_rows_drop(raw);
            if (skipped && !held_out) (*skipped)++;
            continue;
        }
        if (rc != SEER_OK) break;
        if (held_out && !raw) continue;
        row_block *b = &k->block[k->handed % BLOCKS];
        uint8_t *as_int = b->as_int + b->n * nc;
        if (!held_out && seer_profile_needs_text(p, as_int)) {
            // Counted here, after every row before it.
            rc = hand_over(k, 1);
            if (rc == SEER_OK) rc = seer_profile_count(p, p->hash, p->num, p->y, NULL, &row);
            if (rc != SEER_OK) break;
            if (raw) seer_raw_rows_push(raw, p->hash, p->num);
            continue;
        }
        memcpy(b->hash + b->n * nc, p->hash, nc * sizeof *p->hash);
        memcpy(b->num + b->n * nc, p->num, nc * sizeof *p->num);
        b->y[b->n] = p->y;
        b->counted[b->n] = (uint8_t)!held_out;
        if (++b->n == k->rows && (rc = hand_over(k, 0)) != SEER_OK) break;
    }
    *rows_read = index;
    return rc < 0 ? rc : SEER_OK;
}

// The pass on two threads; *started 0 when the second could not be had (nothing was read).
static int pass_two(seer_profile *p, seer_table *tab, const seer_split *split, int skip_bad,
                    size_t *rows_read, size_t *skipped, seer_raw_rows *raw, seer_progress *bar,
                    int *started) {
    counting *k = calloc(1, sizeof *k);
    *started = 0;
    if (!k) return SEER_OK;
    k->p = p;
    k->raw = raw;
    pthread_t thread;
    pthread_mutex_init(&k->lock, NULL);
    pthread_cond_init(&k->changed, NULL);
    *started = blocks_init(k, p->n_cols) && pthread_create(&thread, NULL, count_blocks, k) == 0;
    int rc = SEER_OK;
    if (*started) {
        p->counted_apart = 1;  // the counting thread prefetches
        rc = read_rows(k, tab, split, skip_bad, rows_read, skipped, bar);
        int counted = hand_over(k, 1);
        pthread_mutex_lock(&k->lock);
        k->done = 1;
        pthread_cond_broadcast(&k->changed);
        pthread_mutex_unlock(&k->lock);
        pthread_join(thread, NULL);
        p->counted_apart = 0;
        if (rc == SEER_OK) rc = counted;
    }
    pthread_mutex_destroy(&k->lock);
    pthread_cond_destroy(&k->changed);
    blocks_free(k);
    free(k);
    return rc;
}

int seer_profile_pass(seer_profile *p, seer_table *tab, const char *label, seer_task task,
                      const seer_split *split, int skip_bad, size_t *rows_read, size_t *skipped,
                      seer_raw_rows *raw, size_t raw_max_bytes) {
    int rc = seer_profile_init(p, tab, label);
    if (rc != SEER_OK) return rc;
    p->task = task;
    if (raw) rc = raw_init(raw, p, raw_max_bytes);
    if (rc != SEER_OK) return rc;
    seer_progress bar;
    seer_progress_start(&bar, "profiling", 0);
    int two = 0;
    if (seer_cpus_available() > 1 && seer_side_thread_allowed())
        rc = pass_two(p, tab, split, skip_bad, rows_read, skipped, raw, &bar, &two);
    if (!two) rc = pass_alone(p, tab, split, skip_bad, rows_read, skipped, raw, &bar);
    seer_progress_end(&bar);
    return rc;
}
