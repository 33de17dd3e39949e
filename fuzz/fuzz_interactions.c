// libFuzzer target for interaction logs (src/data/interactions.c) and their id maps
// (src/data/idmap.c). The first byte picks the layout (MovieLens or CSV with a header, with a
// rating and a time column or not); a log that reads is checked: every index within its map,
// every id found again by its name, each user's CSR in time order.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "data/idmap.h"
#include "data/interactions.h"

static void check(const seer_interactions *x, const seer_idmap *users, const seer_idmap *items) {
    for (size_t i = 0; i < x->n; i++) SEER_ASSERT(x->user[i] < users->n && x->item[i] < items->n);
    for (uint32_t u = 0; u < users->n; u++) {
        const char *s = seer_idmap_name(users, u);
        SEER_ASSERT(seer_idmap_find(users, s, strlen(s)) == (long)u);
    }
    uint64_t *off, *idx;
    if (seer_interactions_by_user(x, users->n, &off, &idx) != SEER_OK) return;
    SEER_ASSERT(off[users->n] == x->n);
    for (size_t u = 0; u < users->n; u++)
        for (uint64_t k = off[u]; k + 1 < off[u + 1]; k++) {
            SEER_ASSERT(x->user[idx[k]] == u);
            SEER_ASSERT(!x->time || x->time[idx[k]] <= x->time[idx[k + 1]]);
        }
    free(off);
    free(idx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0];
    seer_interactions_options o = {SEER_FORMAT_MOVIELENS, NULL, NULL, NULL, NULL, mode & 2};
    if (mode & 1) {
        o.format = SEER_FORMAT_CSV;
        o.rating_col = mode & 4 ? "rating" : NULL;
        o.time_col = mode & 8 ? "time" : NULL;
    }
    seer_idmap users, items;
    seer_idmap_init(&users);
    seer_idmap_init(&items);
    seer_interactions x;
    if (seer_interactions_read_memory(&x, data + 1, size - 1, "fuzz", &o, &users, &items) ==
        SEER_OK) {
        check(&x, &users, &items);
        seer_interactions_free(&x);
    }
    seer_idmap_free(&users);
    seer_idmap_free(&items);
    return 0;
}
