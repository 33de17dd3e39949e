// The encoding pass beside the first epoch: a thread of its own encodes the words the profile
// pass kept, chunk by chunk (data/encode.h), in the order the first epoch visits the chunks,
// while the calling thread trains on the chunks already encoded. The rows are the bytes the
// encoding pass alone writes, so the model is the same.
#ifndef SEER_TRAIN_ENCODE_AHEAD_H
#define SEER_TRAIN_ENCODE_AHEAD_H

#include <stddef.h>

#include "data/encode.h"

typedef struct seer_encode_ahead seer_encode_ahead;

// Starts the thread on the chunks of *w in `order` (a permutation of w->n_chunks), taking *w
// and the words *raw (w->raw) over: both are left empty. *e is NULL when no thread could be
// started; the chunks were then encoded before returning. SEER_ENOMEM.
int seer_encode_ahead_start(seer_encode_ahead **e, seer_word_chunks *w, seer_raw_rows *raw,
                            const size_t *order);
// Returns once chunk c's rows are encoded; the seconds it waited are added to *waited. e may be
// NULL (nothing to wait for).
void seer_encode_ahead_wait(seer_encode_ahead *e, size_t c, double *waited);
// Returns once every chunk is encoded.
void seer_encode_ahead_wait_all(seer_encode_ahead *e, double *waited);
// Joins the thread and frees the words: after the chunks left (or, with abandon, after the one
// it is on, leaving the rest unencoded: for a run that failed). *e may be NULL; it is then.
void seer_encode_ahead_finish(seer_encode_ahead **e, int abandon);

#endif
