// The model being served, swapped without blocking or failing requests.
//
// A request acquires the current model, scores with it, and releases it; a
// reload or the online learner publishes a new one. The old model is freed
// when its last reader releases it, so a request never sees a model change
// under it, and a swap never waits for requests to finish.
#ifndef SEER_SERVE_SLOT_H
#define SEER_SERVE_SLOT_H

#include <pthread.h>
#include <stdint.h>

#include "io/model.h"

typedef struct {
    seer_model *model;   // read only while served
    uint64_t version;    // 1 for the first model, +1 per publish
    long refs;           // readers, plus one while it is the current model
} seer_served;

typedef struct {
    pthread_mutex_t mu;
    seer_served *cur;
    uint64_t last_version;
} seer_slot;

// Starts serving m (the slot owns it from now). SEER_ENOMEM on failure, when m
// is freed too.
int seer_slot_init(seer_slot *s, seer_model *m);
// The current model, held until seer_slot_release.
seer_served *seer_slot_acquire(seer_slot *s);
void seer_slot_release(seer_slot *s, seer_served *sv);
// Serves m from now (the slot owns it); returns its version, or 0 without
// memory (m is freed then).
uint64_t seer_slot_publish(seer_slot *s, seer_model *m);
// The version now served.
uint64_t seer_slot_version(seer_slot *s);
// Frees the current model. Every acquired model must have been released.
void seer_slot_free(seer_slot *s);

#endif
