// The micro-batcher: small predict requests queued by the HTTP threads, scored together
// by one thread in products of a fixed number of rows; see batcher.h.
#include "serve/batcher.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/threads.h"
#include "serve/reply.h"
#include "serve/server_internal.h"

// One queued request: its rows (copied from the HTTP thread's buffers), its model, its
// scores and its deferred answer.
typedef struct job {
    struct job *next;
    seer_http_later *later;
    seer_served *sv;
    size_t n;                        // rows
    uint32_t *ids;                   // (n, n_slots)
    float *dense;                    // (n, n_dense)
    size_t ids_cap, dense_cap;       // elements
    int failed;                      // no scores: answered 500
    double t;                        // when queued (seer_now)
    float p[SEER_BATCHER_ROWS_MAX];  // (n) scores
} job;

struct seer_batcher {
    struct seer_server *s;
    size_t rows;            // of every product
    double wait_s;
    pthread_t thread;
    pthread_mutex_t mu;     // the queue, the free list, the arrival times, stopping
    pthread_cond_t cv;      // a job queued, or stopping
    job *head, **tail;
    size_t queued_rows, queued_jobs;
    job *spare;             // the free list
    double last_t, gap;     // the newest request's arrival, and the time since the one before
    double mean_gap;        // between arrivals, a moving average (seer_batcher_lone)
    double here_s;          // CPU a product scored on an HTTP thread takes, a moving average
    int scoring;            // the scorer holds jobs taken from the queue
    int stopping;
    atomic_ullong products, requests;   // scored and answered, for /metrics
    atomic_ullong here;     // of those, scored on their HTTP thread (seer_batcher_lone)
    // The scoring thread's own: its view of the model, one product's input and scores.
    seer_net view;
    uint64_t view_version;  // 0: no view
    uint32_t *ids;          // (rows, n_slots)
    float *dense;           // (rows, n_dense)
    size_t ids_cap, dense_cap;
    float p[SEER_BATCHER_ROWS_MAX];
    struct { job *j; size_t i; } at[SEER_BATCHER_ROWS_MAX];  // each product row's request
};

// Room for n elements of size bytes at *buf (holding *cap); 0 without memory.
static int reserve(void **buf, size_t *cap, size_t n, size_t size) {
    if (n <= *cap) return 1;
    void *p = realloc(*buf, n * size);
    if (!p) return 0;
    *buf = p;
    *cap = n;
    return 1;
}

static void job_free(job *j) {
    free(j->ids);
    free(j->dense);
    free(j);
}

// ---------------------------------------------------------------- the HTTP threads' side

size_t seer_batcher_rows(const seer_batcher *b) { return b->rows; }

// A request is scored on its HTTP thread only where that thread would stay mostly idle: while
// requests come closer than LONE_BUSY times the CPU such a product takes, the scorer's thread
// shares the work (measured: scored on the one HTTP thread, 5,000 requests/s fell behind).
#define LONE_BUSY 4.0
// Of a moving average, the weight of the newest value.
#define MEAN_WEIGHT 0.125
// A gap counts for at most this many seconds in the average gap: one long idle spell is
// forgotten as fast as a stream is seen.
#define GAP_CAP_S 0.1

int seer_batcher_lone(seer_batcher *b) {
    pthread_mutex_lock(&b->mu);
    double t = seer_now();
    b->gap = t - b->last_t;
    b->last_t = t;
    double g = b->gap < GAP_CAP_S ? b->gap : GAP_CAP_S;
    b->mean_gap += MEAN_WEIGHT * (g - b->mean_gap);
    int lone = !b->head && !b->scoring && b->gap >= b->wait_s &&
               b->mean_gap >= LONE_BUSY * b->here_s;
    pthread_mutex_unlock(&b->mu);
    return lone;
}

void seer_batcher_pad(const seer_batcher *b, uint32_t *ids, float *dense, size_t n,
                      size_t n_slots, size_t n_dense) {
    for (size_t r = n; r < b->rows; r++) {
        memcpy(ids + r * n_slots, ids, n_slots * sizeof *ids);
        memcpy(dense + r * n_dense, dense, n_dense * sizeof *dense);
    }
}

void seer_batcher_scored_here(seer_batcher *b, double seconds) {
    pthread_mutex_lock(&b->mu);
    b->here_s += MEAN_WEIGHT * (seconds - b->here_s);
    pthread_mutex_unlock(&b->mu);
    atomic_fetch_add_explicit(&b->products, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&b->requests, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&b->here, 1, memory_order_relaxed);
}

int seer_batcher_submit(seer_batcher *b, const seer_http_request *req,
                        seer_request_rows *rows, seer_served *sv) {
    SEER_ASSERT(rows->n >= 1 && rows->n <= b->rows);
    pthread_mutex_lock(&b->mu);
    job *j = b->spare;
    if (j) b->spare = j->next;
    pthread_mutex_unlock(&b->mu);
    if (!j && !(j = calloc(1, sizeof *j)))
        return seer_errorf(SEER_ENOMEM, "out of memory queueing a request");
    size_t S = sv->model->tf.n_slots, nd = sv->model->tf.n_dense, n = rows->n;
    if (!reserve((void **)&j->ids, &j->ids_cap, n * S + 1, sizeof *j->ids) ||
        !reserve((void **)&j->dense, &j->dense_cap, n * nd + 1, sizeof *j->dense)) {
        job_free(j);
        return seer_errorf(SEER_ENOMEM, "out of memory queueing a request");
    }
    memcpy(j->ids, rows->ids, n * S * sizeof *j->ids);
    memcpy(j->dense, rows->dense, n * nd * sizeof *j->dense);
    j->n = n;
    j->sv = sv;
    j->failed = 0;
    j->next = NULL;
    j->later = seer_http_defer(req);
    pthread_mutex_lock(&b->mu);
    j->t = seer_now();   // the arrival was counted by seer_batcher_lone
    *b->tail = j;
    b->tail = &j->next;
    b->queued_rows += n;
    b->queued_jobs++;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    return SEER_OK;
}

// ---------------------------------------------------------------- the scoring thread

// The view and the product's buffers ready for sv's model (as workers.c keeps its view).
static int prepare(seer_batcher *b, seer_served *sv) {
    if (b->view_version != sv->version && b->view_version &&
        seer_net_view_retarget(&b->view, &sv->model->net))
        b->view_version = sv->version;
    if (b->view_version != sv->version) {
        if (b->view_version) seer_net_free(&b->view);
        b->view_version = 0;
        int rc = seer_net_init_view(&b->view, &sv->model->net, b->rows);
        if (rc != SEER_OK) return rc;
        b->view_version = sv->version;
    }
    size_t S = sv->model->tf.n_slots, nd = sv->model->tf.n_dense;
    if (!reserve((void **)&b->ids, &b->ids_cap, b->rows * S + 1, sizeof *b->ids) ||
        !reserve((void **)&b->dense, &b->dense_cap, b->rows * nd + 1, sizeof *b->dense))
        return seer_errorf(SEER_ENOMEM, "out of memory for a product of %zu rows", b->rows);
    return SEER_OK;
}

// Scores the k rows staged (k <= rows) as a product of exactly `rows` rows, the places
// after k holding copies of row 0, and gives each request its scores.
static void run_product(seer_batcher *b, seer_served *sv, size_t k) {
    seer_batcher_pad(b, b->ids, b->dense, k, sv->model->tf.n_slots, sv->model->tf.n_dense);
    seer_net_predict(&b->view, b->ids, b->dense, b->rows, b->p);
    atomic_fetch_add_explicit(&b->products, 1, memory_order_relaxed);
    for (size_t r = 0; r < k; r++) b->at[r].j->p[b->at[r].i] = b->p[r];
}

// Scores every job of the list: their rows, in order, fill products of one model each.
static void score_jobs(seer_batcher *b, job *list) {
    seer_served *sv = NULL;
    size_t k = 0;
    int ready = 0;
    for (job *j = list; j; j = j->next) {
        if (j->sv != sv) {
            if (k) run_product(b, sv, k);
            k = 0;
            sv = j->sv;
            ready = prepare(b, sv) == SEER_OK;
        }
        if (!ready) {
            j->failed = 1;
            continue;
        }
        size_t S = sv->model->tf.n_slots, nd = sv->model->tf.n_dense;
        for (size_t i = 0; i < j->n; i++) {
            memcpy(b->ids + k * S, j->ids + i * S, S * sizeof *b->ids);
            memcpy(b->dense + k * nd, j->dense + i * nd, nd * sizeof *b->dense);
            b->at[k].j = j;
            b->at[k].i = i;
            if (++k == b->rows) {
                run_product(b, sv, k);
                k = 0;
            }
        }
    }
    if (k) run_product(b, sv, k);
}

// Answers every job of the list, releases its model and puts it back on the free list.
static void answer_jobs(seer_batcher *b, job *list) {
    seer_server *s = b->s;
    for (job *j = list, *next; j; j = next) {
        next = j->next;
        seer_http_response resp = {0};
        if (j->failed) seer_reply_error(&resp, 500, "out of memory scoring the request");
        else seer_reply_scores(&resp, j->p, j->n, j->sv->version);
        seer_slot_release(&s->slot, j->sv);
        j->sv = NULL;
        // Counted before the answer leaves: a client that reads /metrics after its answer
        // sees its request there.
        atomic_fetch_add_explicit(&b->requests, 1, memory_order_relaxed);
        seer_http_answer(j->later, &resp);
        pthread_mutex_lock(&b->mu);
        j->next = b->spare;
        b->spare = j;
        pthread_mutex_unlock(&b->mu);
    }
}

// Whether a request could still join the queue: the HTTP layer holds more requests than
// are queued here (some are being read or parsed; some answered ones may not have left yet).
static int more_coming(const seer_batcher *b) {
    return seer_http_in_flight(b->s->http) > (long)b->queued_jobs;
}

// With b->mu held and a job queued: while requests come in a stream and more may come,
// waits for a full product, at most wait_s after the oldest queued request arrived.
static void wait_for_more(seer_batcher *b) {
    if (b->queued_rows >= b->rows || b->gap >= b->wait_s || !more_coming(b)) return;
    double deadline = b->head->t + b->wait_s;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double left = deadline - seer_now();
    if (left <= 0) return;
    long ns = ts.tv_nsec + (long)(left * 1e9);
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    while (b->queued_rows < b->rows && !b->stopping && more_coming(b))
        if (pthread_cond_timedwait(&b->cv, &b->mu, &ts) != 0) break;
}

static void *run(void *arg) {
    seer_batcher *b = arg;
    seer_threads_set(1);   // one OpenMP thread, as every server thread scores (workers.c)
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->head && !b->stopping) pthread_cond_wait(&b->cv, &b->mu);
        if (!b->head) break;
        wait_for_more(b);
        job *list = b->head;
        b->head = NULL;
        b->tail = &b->head;
        b->queued_rows = b->queued_jobs = 0;
        b->scoring = 1;
        pthread_mutex_unlock(&b->mu);
        score_jobs(b, list);
        answer_jobs(b, list);
        pthread_mutex_lock(&b->mu);
        b->scoring = 0;
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

// ---------------------------------------------------------------- life cycle

void seer_batcher_counts(seer_batcher *b, uint64_t *products, uint64_t *requests,
                         uint64_t *here) {
    *products = atomic_load_explicit(&b->products, memory_order_relaxed);
    *requests = atomic_load_explicit(&b->requests, memory_order_relaxed);
    *here = atomic_load_explicit(&b->here, memory_order_relaxed);
}

int seer_batcher_start(seer_batcher **out, struct seer_server *s, size_t rows,
                       unsigned wait_us) {
    SEER_ASSERT(rows >= 1 && rows <= SEER_BATCHER_ROWS_MAX);
    seer_batcher *b = calloc(1, sizeof *b);
    if (!b) return seer_errorf(SEER_ENOMEM, "out of memory");
    b->s = s;
    b->rows = rows;
    b->wait_s = wait_us * 1e-6;
    b->tail = &b->head;
    b->last_t = -1e9;   // the first request comes after no stream
    b->mean_gap = GAP_CAP_S;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);   // the clock of wait_for_more
    pthread_cond_init(&b->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&b->mu, NULL);
    if (pthread_create(&b->thread, NULL, run, b) != 0) {
        pthread_cond_destroy(&b->cv);
        pthread_mutex_destroy(&b->mu);
        free(b);
        return seer_errorf(SEER_EINTERNAL, "cannot start the scoring thread");
    }
    *out = b;
    return SEER_OK;
}

void seer_batcher_stop(seer_batcher *b) {
    if (!b) return;
    pthread_mutex_lock(&b->mu);
    b->stopping = 1;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    SEER_ASSERT(!b->head);   // seer_http_stop waited for every deferred answer
    for (job *j = b->spare, *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    if (b->view_version) seer_net_free(&b->view);
    free(b->ids);
    free(b->dense);
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
}
