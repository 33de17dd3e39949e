// A thread encoding the kept words beside training; see encode_ahead.h.
#include "train/encode_ahead.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/error.h"

struct seer_encode_ahead {
    seer_word_chunks w;
    seer_raw_rows raw;   // w.raw points here
    size_t *order;       // (n_chunks) the chunks in the order encoded
    unsigned char *done; // (n_chunks) 1 once encoded; under lock
    int stop;            // under lock: encode no further chunk
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t thread;
};

static void *encode_chunks(void *arg) {
    seer_encode_ahead *e = arg;
    for (size_t k = 0; k < e->w.n_chunks; k++) {
        pthread_mutex_lock(&e->lock);
        int stop = e->stop;
        pthread_mutex_unlock(&e->lock);
        if (stop) break;
        size_t c = e->order[k];
        seer_word_chunks_encode(&e->w, c, 0);
        pthread_mutex_lock(&e->lock);
        e->done[c] = 1;
        pthread_cond_broadcast(&e->changed);
        pthread_mutex_unlock(&e->lock);
    }
    return NULL;
}

static void ahead_free(seer_encode_ahead *e) {
    seer_word_chunks_free(&e->w);
    seer_raw_rows_free(&e->raw);
    free(e->order);
    free(e->done);
    free(e);
}

int seer_encode_ahead_start(seer_encode_ahead **e, seer_word_chunks *w, seer_raw_rows *raw,
                            const size_t *order) {
    SEER_ASSERT(w->raw == raw);
    *e = NULL;
    seer_encode_ahead *a = calloc(1, sizeof *a);
    size_t n = w->n_chunks;
    if (a) {
        a->order = malloc((n + 1) * sizeof *a->order);
        a->done = calloc(n + 1, 1);
    }
    if (!a || !a->order || !a->done) {
        if (a) free(a->order);
        free(a);
        seer_word_chunks_free(w);
        seer_raw_rows_free(raw);
        return seer_errorf(SEER_ENOMEM, "out of memory");
    }
    memcpy(a->order, order, n * sizeof *order);
    a->w = *w;
    a->raw = *raw;
    a->w.raw = &a->raw;
    memset(w, 0, sizeof *w);
    memset(raw, 0, sizeof *raw);
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->changed, NULL);
    if (pthread_create(&a->thread, NULL, encode_chunks, a) != 0) {
        // No thread to be had: the chunks now, on this one.
        for (size_t c = 0; c < n; c++) seer_word_chunks_encode(&a->w, c, 1);
        pthread_mutex_destroy(&a->lock);
        pthread_cond_destroy(&a->changed);
        ahead_free(a);
        return SEER_OK;
    }
    *e = a;
    return SEER_OK;
}

void seer_encode_ahead_wait(seer_encode_ahead *e, size_t c, double *waited) {
    if (!e) return;
    SEER_ASSERT(c < e->w.n_chunks);
    pthread_mutex_lock(&e->lock);
    if (!e->done[c]) {
        double t0 = seer_now();
        while (!e->done[c]) pthread_cond_wait(&e->changed, &e->lock);
        *waited += seer_now() - t0;
    }
    pthread_mutex_unlock(&e->lock);
}

void seer_encode_ahead_wait_all(seer_encode_ahead *e, double *waited) {
    for (size_t c = 0; e && c < e->w.n_chunks; c++) seer_encode_ahead_wait(e, c, waited);
}

void seer_encode_ahead_finish(seer_encode_ahead **e, int abandon) {
    seer_encode_ahead *a = *e;
    if (!a) return;
    pthread_mutex_lock(&a->lock);
    a->stop = abandon;
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->changed);
    ahead_free(a);
    *e = NULL;
}
