// The micro-batcher of seer serve: small /v1/predict requests from every HTTP thread
// scored together by one scoring thread.
//
// Why: a product of one row reads all of a model's dense weights for two flops a weight
// (deepfm's 2.6 MB for one row); rows scored together share that read. An HTTP thread
// parses a request, hands its rows here and defers its answer (http.h); the scoring thread
// takes every request waiting, scores their rows, writes each answer and hands it back.
//
//   HTTP threads:  parse -> job (rows, the model they were encoded for) -> queue, defer
//   scorer:        take the queue -> products of exactly `rows` rows -> answer each job
//
// The same bits, alone or together: a product's rounding depends on how many rows it
// multiplies (seer.h, SEER_SCORE_ROWS), not on the other rows' values nor on a row's place
// among them. Every product here has exactly `rows` rows, the places no request fills
// holding copies of a real row, so a request's scores are the same bits whether it was
// scored alone or beside others. A lone request pays for the padding (measured in
// BENCHMARKS.md); requests of more rows than a product are scored on their own thread.
//
// A lone request is scored on its own HTTP thread (seer_batcher_lone): when nothing is
// queued or being scored, no request came in the last wait_us and requests come far apart
// on average (the HTTP thread would stay mostly idle), a hand-off would only add two
// wake-ups and a suspend and resume of its connection (measured in BENCHMARKS.md). Its
// product is padded the same way (seer_batcher_pad), so it gives the same bits.
//
// The wait: the scorer takes what is queued at once, except while requests come in a
// stream (the last two arrived less than wait_us apart) and the HTTP layer holds more
// requests than are queued: then it waits for a full product at most wait_us after the
// oldest request queued. A lone request never waits, nor a queue of every request open.
//
// Jobs live on a free list: a request costs no allocation once the pool has grown to the
// requests in flight. A job keeps its model (seer_slot_acquire) until it is answered, so a
// reload or the online learner's swap never changes the model under a queued request.
#ifndef SEER_SERVE_BATCHER_H
#define SEER_SERVE_BATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "serve/http.h"
#include "serve/request.h"
#include "serve/slot.h"

// The most rows of one product.
#define SEER_BATCHER_ROWS_MAX 64

typedef struct seer_batcher seer_batcher;
struct seer_server;

// Starts the scoring thread for server s: products of rows rows (1 to
// SEER_BATCHER_ROWS_MAX), waits of at most wait_us. SEER_ENOMEM, or SEER_EINTERNAL when
// the thread cannot start.
int seer_batcher_start(seer_batcher **out, struct seer_server *s, size_t rows,
                       unsigned wait_us);

// The rows of one product; requests of more rows are not taken.
size_t seer_batcher_rows(const seer_batcher *b);

// Whether a request that just arrived is alone (nothing queued or being scored, no other
// request in the last wait_us, far apart on average): then the caller scores it itself,
// padded (seer_batcher_pad), and counts it (seer_batcher_scored_here). Either way it counts
// as an arrival.
int seer_batcher_lone(seer_batcher *b);

// Pads n rows (1 to seer_batcher_rows()) at ids (n_slots a row) and dense (n_dense a row),
// which have room for seer_batcher_rows() rows, to a product of seer_batcher_rows() rows as
// the scorer does: the rows after n are copies of row 0.
void seer_batcher_pad(const seer_batcher *b, uint32_t *ids, float *dense, size_t n,
                      size_t n_slots, size_t n_dense);

// Counts a product scored on an HTTP thread after seer_batcher_lone (for /metrics), which
// took that many seconds of the thread's CPU time (for seer_batcher_lone).
void seer_batcher_scored_here(seer_batcher *b, double seconds);

// Queues the rows of req (1 to seer_batcher_rows() rows, encoded for sv's model) and
// defers req's answer: the scorer answers it. Takes *rows (swapped for a job's spare
// buffers, so the caller's stay usable) and sv (released once answered). SEER_ENOMEM when
// no job could be made: nothing was taken, and the caller answers.
int seer_batcher_submit(seer_batcher *b, const seer_http_request *req,
                        seer_request_rows *rows, seer_served *sv);

// Products of --micro-batch rows scored and requests answered so far, all of them and
// those scored on their HTTP thread (for /metrics).
void seer_batcher_counts(seer_batcher *b, uint64_t *products, uint64_t *requests,
                         uint64_t *here);

// Stops the scoring thread once the queue is empty and frees everything. Call after the
// HTTP layer has stopped (seer_http_stop waits for every deferred answer). NULL: no-op.
void seer_batcher_stop(seer_batcher *b);

#endif
