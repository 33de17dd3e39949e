// Items users interacted with after training, appended online (seer serve's /v1/events for
// a sasrec model): each user's latest `keep` such items in order, beside the model's stored
// histories, which stay as loaded. A user the model does not know gets a sequence here too (a
// session begun online), up to SEER_REC_LIVE_USERS_MAX of them. Readers copy a user's items
// out under the read lock; appends take the write lock, so scoring threads never see a
// sequence half-written.
#ifndef SEER_REC_LIVE_H
#define SEER_REC_LIVE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "data/idmap.h"

#define SEER_REC_LIVE_USERS_MAX (1u << 20)

typedef struct {
    pthread_rwlock_t lock;
    size_t keep;             // items kept a user (sasrec: its maxlen); 0: nothing appended yet
    size_t n_known;          // users of the model
    uint32_t **known;        // (n_known) NULL, or the count then up to keep items
    seer_idmap fresh;        // users the model does not know, in order of their first event
    uint32_t **fresh_items;  // (fresh.n) as known's
    size_t fresh_cap;
} seer_rec_live;

void seer_rec_live_init(seer_rec_live *l);
void seer_rec_live_free(seer_rec_live *l);
// Appends item to the sequence of the model's user index user (>= 0), or of the user called
// name the model does not know (user -1), keeping the latest keep items. SEER_EDATA past
// SEER_REC_LIVE_USERS_MAX new users or for a bad id; SEER_ENOMEM.
int seer_rec_live_append(seer_rec_live *l, size_t n_users, size_t keep, long user,
                         const char *name, uint32_t item);
// The appended items of user (or of name when user is -1) into out (room for keep), oldest
// first; returns how many (0: none).
size_t seer_rec_live_get(seer_rec_live *l, long user, const char *name, uint32_t *out);

#endif
