// The served model and its swaps; see slot.h. One mutex guards the pointer
// and the counts: a request holds it for a few instructions, twice.
#include "serve/slot.h"

#include <stdlib.h>

#include "base/error.h"

static void unref(seer_served *sv) {
    if (--sv->refs > 0) return;
    seer_model_free(sv->model);
    free(sv);
}

int seer_slot_init(seer_slot *s, seer_model *m) {
    s->cur = NULL;
    s->last_version = 0;
    pthread_mutex_init(&s->mu, NULL);
    if (!seer_slot_publish(s, m)) {
        pthread_mutex_destroy(&s->mu);
        return seer_errorf(SEER_ENOMEM, "out of memory starting to serve a model");
    }
    return SEER_OK;
}

seer_served *seer_slot_acquire(seer_slot *s) {
    pthread_mutex_lock(&s->mu);
    seer_served *sv = s->cur;
    sv->refs++;
    pthread_mutex_unlock(&s->mu);
    return sv;
}

void seer_slot_release(seer_slot *s, seer_served *sv) {
    pthread_mutex_lock(&s->mu);
    // The last reader of a replaced model frees it; rare, and freeing a large
    // table under the lock would stall every request, so do it after.
    int last = sv->refs == 1;
    if (!last) sv->refs--;
    pthread_mutex_unlock(&s->mu);
    if (last) unref(sv);
}

uint64_t seer_slot_publish(seer_slot *s, seer_model *m) {
    seer_served *sv = malloc(sizeof *sv);
    if (!sv) {
        seer_model_free(m);
        return 0;
    }
    sv->model = m;
    sv->refs = 1;
    pthread_mutex_lock(&s->mu);
    sv->version = ++s->last_version;
    seer_served *old = s->cur;
    s->cur = sv;
    int last = old && old->refs == 1;
    if (old && !last) old->refs--;
    pthread_mutex_unlock(&s->mu);
    if (last) unref(old);
    return sv->version;
}

uint64_t seer_slot_version(seer_slot *s) {
    pthread_mutex_lock(&s->mu);
    uint64_t v = s->cur ? s->cur->version : 0;
    pthread_mutex_unlock(&s->mu);
    return v;
}

void seer_slot_free(seer_slot *s) {
    if (!s->cur) return;
    SEER_ASSERT(s->cur->refs == 1);
    unref(s->cur);
    s->cur = NULL;
    pthread_mutex_destroy(&s->mu);
}
