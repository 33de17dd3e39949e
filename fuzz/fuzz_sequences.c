// libFuzzer target for the `--format seq` reader (src/data/sequences.c): "user item item ..."
// lines. The first byte's low bit is skip_bad_rows; a file that reads is checked: every index
// within its map, every id found again by its name, each interaction's time its place in the
// file, and the per-user CSR (seer_sequences_csr) holding every interaction once, in order.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "data/idmap.h"
#include "data/sequences.h"

static void check_map(const seer_idmap *m) {
    for (uint32_t i = 0; i < m->n; i++) {
        const char *s = seer_idmap_name(m, i);
        SEER_ASSERT(seer_idmap_find(m, s, strlen(s)) == (long)i);
    }
}

static void check(const seer_interactions *x, const seer_idmap *users, const seer_idmap *items) {
    SEER_ASSERT(x->n > 0);
    for (size_t i = 0; i < x->n; i++) {
        SEER_ASSERT(x->user[i] < users->n && x->item[i] < items->n);
        SEER_ASSERT(!x->time || x->time[i] == (double)i);
    }
    check_map(users);
    check_map(items);
    uint64_t *off;
    uint32_t *seq;
    if (seer_sequences_csr(x, users->n, &off, &seq) != SEER_OK) return;
    SEER_ASSERT(off[0] == 0 && off[users->n] == x->n);
    // Each user's row holds its interactions in file order: walk the log once per row.
    uint64_t *at = calloc(users->n + 1, sizeof *at);
    SEER_ASSERT(at != NULL);
    for (size_t i = 0; i < x->n; i++) {
        uint32_t u = x->user[i];
        SEER_ASSERT(off[u] + at[u] < off[u + 1]);
        SEER_ASSERT(seq[off[u] + at[u]] == x->item[i]);
        at[u]++;
    }
    free(at);
    free(off);
    free(seq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    seer_source *src;
    if (seer_source_open_memory(&src, data + 1, size - 1, "fuzz", 0) != SEER_OK) return 0;
    seer_idmap users, items;
    seer_idmap_init(&users);
    seer_idmap_init(&items);
    seer_interactions x;
    if (seer_sequences_read_source(&x, src, data[0] & 1, &users, &items) == SEER_OK) {
        check(&x, &users, &items);
        seer_interactions_free(&x);
    }
    seer_source_close(src);
    seer_idmap_free(&users);
    seer_idmap_free(&items);
    return 0;
}
