// Online additions to user sequences (live.h).
#include "rec/live.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

void seer_rec_live_init(seer_rec_live *l) {
    memset(l, 0, sizeof *l);
    pthread_rwlock_init(&l->lock, NULL);
    seer_idmap_init(&l->fresh);
}

void seer_rec_live_free(seer_rec_live *l) {
    for (size_t u = 0; l->known && u < l->n_known; u++) free(l->known[u]);
    for (size_t u = 0; u < l->fresh.n; u++) free(l->fresh_items[u]);
    free(l->known);
    free(l->fresh_items);
    seer_idmap_free(&l->fresh);
    pthread_rwlock_destroy(&l->lock);
}

// The row of a user into *row, made (empty) when missing.
static int row_of(seer_rec_live *l, size_t n_users, long user, const char *name,
                  uint32_t ***row) {
    if (user >= 0) {
        if (!l->known && !(l->known = calloc(n_users ? n_users : 1, sizeof *l->known)))
            return seer_errorf(SEER_ENOMEM, "out of memory");
        l->n_known = n_users;
        *row = &l->known[user];
        return SEER_OK;
    }
    long at = seer_idmap_find(&l->fresh, name, strlen(name));
    if (at >= 0) {
        *row = &l->fresh_items[at];
        return SEER_OK;
    }
    if (l->fresh.n >= SEER_REC_LIVE_USERS_MAX)
        return seer_errorf(SEER_EDATA, "user \"%.64s\": the server already holds the "
                           "sequences of %u users the model does not know, the most it keeps",
                           name, SEER_REC_LIVE_USERS_MAX);
    if (l->fresh.n == l->fresh_cap) {
        size_t cap = l->fresh_cap ? 2 * l->fresh_cap : 64;
        uint32_t **p = realloc(l->fresh_items, cap * sizeof *p);
        if (!p) return seer_errorf(SEER_ENOMEM, "out of memory");
        l->fresh_items = p;
        l->fresh_cap = cap;
    }
    uint32_t idx;
    int rc = seer_idmap_add(&l->fresh, name, strlen(name), &idx, NULL);
    if (rc != SEER_OK) return rc;
    l->fresh_items[idx] = NULL;
    *row = &l->fresh_items[idx];
    return SEER_OK;
}

int seer_rec_live_append(seer_rec_live *l, size_t n_users, size_t keep, long user,
                         const char *name, uint32_t item) {
    if (keep == 0) return seer_errorf(SEER_EINVAL, "seer_rec_live_append: keep 0");
    pthread_rwlock_wrlock(&l->lock);
    int rc = SEER_OK;
    uint32_t **row = NULL;
    rc = row_of(l, n_users, user, name, &row);
    if (rc == SEER_OK && !*row && !(*row = calloc(keep + 1, sizeof **row)))
        rc = seer_errorf(SEER_ENOMEM, "out of memory");
    if (rc == SEER_OK) {
        l->keep = keep;
        uint32_t *r = *row, n = r[0];
        if (n == keep) {   // full: the oldest goes
            memmove(r + 1, r + 2, (keep - 1) * sizeof *r);
            n--;
        }
        r[1 + n] = item;
        r[0] = n + 1;
    }
    pthread_rwlock_unlock(&l->lock);
    return rc;
}

size_t seer_rec_live_get(seer_rec_live *l, long user, const char *name, uint32_t *out) {
    pthread_rwlock_rdlock(&l->lock);
    const uint32_t *r = NULL;
    if (user >= 0 && l->known && (size_t)user < l->n_known) r = l->known[user];
    if (user < 0 && name && l->fresh.n) {
        long at = seer_idmap_find(&l->fresh, name, strlen(name));
        if (at >= 0) r = l->fresh_items[at];
    }
    size_t n = r ? r[0] : 0;
    if (n) memcpy(out, r + 1, n * sizeof *out);
    pthread_rwlock_unlock(&l->lock);
    return n;
}
