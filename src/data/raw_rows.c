// The profile pass's words of every row; see raw_rows.h. An anonymous mapping grown by
// mremap: growing moves pages, not bytes, and released rows give their pages back.
#define _GNU_SOURCE
#include "data/raw_rows.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/error.h"

#define FIRST_ROWS 65536

int seer_raw_rows_init(seer_raw_rows *r, size_t n_cols, size_t max_bytes) {
    memset(r, 0, sizeof *r);
    r->n_cols = n_cols;
    r->max_bytes = max_bytes;
    r->hash_at = malloc((n_cols ? n_cols : 1) * sizeof *r->hash_at);
    r->num_at = malloc((n_cols ? n_cols : 1) * sizeof *r->num_at);
    r->text_seen = calloc(n_cols ? n_cols : 1, 1);
    if (!r->hash_at || !r->num_at || !r->text_seen) {
        seer_raw_rows_free(r);
        return seer_errorf(SEER_ENOMEM, "out of memory keeping the rows' values");
    }
    for (size_t j = 0; j < n_cols; j++) r->hash_at[j] = r->num_at[j] = -1;
    return SEER_OK;
}

void seer_raw_rows_keep(seer_raw_rows *r, size_t j, int hash, int num) {
    SEER_ASSERT(j < r->n_cols && r->rows == 0 && !r->word);
    if (hash && r->hash_at[j] < 0) r->hash_at[j] = (long)r->words++;
    if (num && r->num_at[j] < 0) r->num_at[j] = (long)r->words++;
}

static size_t bytes_of(const seer_raw_rows *r, size_t rows) {
    return rows * r->words * sizeof *r->word;
}

// Room for twice the rows (FIRST_ROWS at first); 0 when the store is past its bytes or the
// system has no more memory.
static int grow(seer_raw_rows *r) {
    size_t cap = r->cap ? 2 * r->cap : FIRST_ROWS;
    if (cap > r->max_bytes / (r->words * sizeof *r->word)) {
        cap = r->max_bytes / (r->words * sizeof *r->word);
        if (cap <= r->rows) return 0;
    }
    void *p = r->word ? mremap(r->word, bytes_of(r, r->cap), bytes_of(r, cap), MREMAP_MAYMOVE)
                      : mmap(NULL, bytes_of(r, cap), PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 0;
    r->word = p;
    r->cap = cap;
    return 1;
}

void seer_raw_rows_push(seer_raw_rows *r, const uint64_t *hash, const uint64_t *num) {
    if (r->dropped) return;
    if (r->words && r->rows == r->cap && !grow(r)) {
        seer_raw_rows_drop(r);
        return;
    }
    uint64_t *w = r->words ? r->word + r->rows * r->words : NULL;
    for (size_t j = 0; j < r->n_cols; j++) {
        if (r->hash_at[j] >= 0) w[r->hash_at[j]] = hash[j];
        if (r->num_at[j] >= 0) {
            w[r->num_at[j]] = num[j];
            r->text_seen[j] |= num[j] == SEER_RAW_TEXT;
        }
    }
    r->rows++;
}

void seer_raw_rows_drop(seer_raw_rows *r) {
    if (r->word) munmap(r->word, bytes_of(r, r->cap));
    r->word = NULL;
    r->rows = r->cap = 0;
    r->dropped = 1;
}

void seer_raw_rows_release(seer_raw_rows *r, size_t first, size_t n) {
    if (!r->word || n == 0) return;
    // The mapping starts on a page: whole pages start and end at multiples of its size.
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t begin = (bytes_of(r, first) + page - 1) / page * page;
    size_t end = bytes_of(r, first + n) / page * page;
    if (end > begin) madvise((char *)r->word + begin, end - begin, MADV_DONTNEED);
}

void seer_raw_rows_free(seer_raw_rows *r) {
    if (r->word) munmap(r->word, bytes_of(r, r->cap));
    free(r->hash_at);
    free(r->num_at);
    free(r->text_seen);
    memset(r, 0, sizeof *r);
}
