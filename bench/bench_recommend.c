// Top-K speed: one user over a 100,000-item catalogue of 64-dim fp32 vectors (a memory-bound
// read of 25.6 MB), 64 users scored together by one blocked GEMM, and every user of MovieLens
// 100K u1 recommended through the public API (mf and ease, trained here). Each case is checked
// against full scores before it is timed; medians of repeated runs, and the fastest (on a
// shared machine, the least disturbed), in CPU time on one thread.
//
//   build/bench_recommend        (SEER_DATA: ../shared/data unless set; threads: OMP's)
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/rng.h"
#include "rec/compact.h"
#include "rec/topk.h"
#include "seer/recommend.h"

enum { ITEMS = 100000, DIM = 64, K = 10, REPS = 21 };

// CPU seconds of the process: on this shared machine (load averages of 10 to 20 on two cores
// while these figures were taken) wall time measures the neighbours; the kernels here run on
// one thread, so CPU time is the work's.
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// The top K of user u by double-precision dot products, as the oracle.
static void check(const seer_rec_hit *got, const float *U, const float *V) {
    static float s[ITEMS];
    seer_rec_hit ref[K];
    for (size_t i = 0; i < ITEMS; i++) {
        double t = 0;
        for (size_t d = 0; d < DIM; d++) t += (double)U[d] * V[i * DIM + d];
        s[i] = (float)t;
    }
    seer_topk_scores(ref, s, ITEMS, K, NULL, 0);
    for (int k = 0; k < K; k++)
        if (got[k].item != ref[k].item && fabsf(got[k].score - ref[k].score) > 1e-4f) {
            fprintf(stderr, "bench_recommend: rank %d: item %u, the oracle's %u\n", k,
                    got[k].item, ref[k].item);
            exit(1);
        }
}

static void catalogue(size_t users) {
    float *V = malloc((size_t)ITEMS * DIM * 4), *U = malloc(users * DIM * 4);
    float *scratch = malloc(SEER_TOPK_USERS * SEER_TOPK_BLOCK * 4);
    seer_rec_hit *out = malloc(users * K * sizeof *out);
    size_t n_out[SEER_TOPK_USERS];
    seer_rng g;
    seer_rng_init(&g, 1);
    for (size_t i = 0; i < (size_t)ITEMS * DIM; i++) V[i] = (float)seer_rng_normal(&g);
    for (size_t i = 0; i < users * DIM; i++) U[i] = (float)seer_rng_normal(&g);
    seer_topk_dot(out, n_out, U, NULL, users, V, NULL, ITEMS, DIM, K, NULL, scratch);
    check(out, U, V);
    if (users > 1) check(out + (users - 1) * K, U + (users - 1) * DIM, V);
    double t[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = cpu_now();
        seer_topk_dot(out, n_out, U, NULL, users, V, NULL, ITEMS, DIM, K, NULL, scratch);
        t[r] = cpu_now() - t0;
    }
    qsort(t, REPS, sizeof *t, cmp);
    printf("bench topk items=%d dim=%d k=%d users=%zu ms=%.3f ms_per_user=%.4f fastest_ms=%.3f "
           "gb_per_s=%.1f\n", ITEMS, DIM, K, users, t[REPS / 2] * 1e3,
           t[REPS / 2] * 1e3 / (double)users, t[0] * 1e3, ITEMS * DIM * 4.0 / t[REPS / 2] * 1e-9);
    free(V);
    free(U);
    free(scratch);
    free(out);
}

// One user through the int8 copy (rec/compact.h): the answer must be the fp32 path's, bits
// and all, for every user tried; then timed as above.
static void compact(void) {
    enum { USERS = 64 };
    float *V = malloc((size_t)ITEMS * DIM * 4), *U = malloc(USERS * DIM * 4);
    float *scratch = malloc(SEER_TOPK_USERS * SEER_TOPK_BLOCK * 4);
    seer_rec_hit out[K], ref[K];
    size_t n, n_ref;
    seer_rng g;
    seer_rng_init(&g, 1);
    for (size_t i = 0; i < (size_t)ITEMS * DIM; i++) V[i] = (float)seer_rng_normal(&g);
    for (size_t i = 0; i < USERS * DIM; i++) U[i] = (float)seer_rng_normal(&g);
    seer_rec_compact c;
    double t0 = cpu_now();
    if (seer_rec_compact_build(&c, V, NULL, ITEMS, DIM) != SEER_OK) exit(1);
    double build = cpu_now() - t0;
    for (size_t u = 0; u < USERS; u++) {
        seer_topk_dot(ref, &n_ref, U + u * DIM, NULL, 1, V, NULL, ITEMS, DIM, K, NULL, scratch);
        if (!seer_rec_compact_top(&c, out, &n, U + u * DIM, NULL, V, NULL, K, NULL, 0, scratch) ||
            n != n_ref || memcmp(out, ref, sizeof out)) {
            fprintf(stderr, "bench_recommend: compact top-K of user %zu differs\n", u);
            exit(1);
        }
    }
    for (int avx512 = c.avx512; avx512 >= 0; avx512--) {
        c.avx512 = avx512;
        double t[REPS];
        for (int r = 0; r < REPS; r++) {
            double t1 = cpu_now();
            seer_rec_compact_top(&c, out, &n, U + (r % USERS) * DIM, NULL, V, NULL, K, NULL, 0,
                                 scratch);
            t[r] = cpu_now() - t1;
        }
        qsort(t, REPS, sizeof *t, cmp);
        printf("bench topk_int8 items=%d dim=%d k=%d users=1 kernel=%s ms=%.3f fastest_ms=%.3f "
               "build_ms=%.1f\n", ITEMS, DIM, K, avx512 ? "avx512" : "portable",
               t[REPS / 2] * 1e3, t[0] * 1e3, build * 1e3);
    }
    seer_rec_compact_free(&c);
    free(V);
    free(U);
    free(scratch);
}

static void movielens(const char *kind_name, seer_rec_kind kind, float reg) {
    const char *d = getenv("SEER_DATA");
    char path[512];
    snprintf(path, sizeof path, "%s/movielens-100k/u1.base", d && *d ? d : "../shared/data");
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, kind);
    o.data = path;
    o.format = SEER_FORMAT_MOVIELENS;
    o.reg = reg;
    o.quiet = 1;
    seer_recommender *r;
    if (seer_rec_train(&o, &r, NULL) != SEER_OK) {
        printf("bench recommend_all %s: skipped (%s)\n", kind_name, seer_error_message());
        return;
    }
    size_t users = seer_rec_user_count(r);
    seer_rec_item items[K];
    double t[5];
    for (int rep = 0; rep < 5; rep++) {
        double t0 = cpu_now();
        for (size_t u = 0; u < users; u++) {
            seer_rec_request q = {seer_rec_user_id(r, u), K, 0, NULL, 0, NULL, NULL, 0};
            size_t n;
            seer_rec_source src;
            seer_rec_recommend(r, &q, items, &n, &src);
        }
        t[rep] = cpu_now() - t0;
    }
    qsort(t, 5, sizeof *t, cmp);
    printf("bench recommend_all model=%s users=%zu items=%zu k=%d s=%.4f ms_per_user=%.4f "
           "fastest_s=%.4f\n", kind_name, users, seer_rec_item_count(r), K, t[2],
           t[2] * 1e3 / (double)users, t[0]);
    seer_rec_free(r);
}

int main(void) {
    catalogue(1);
    compact();
    catalogue(SEER_TOPK_USERS);
    movielens("mf", SEER_REC_MF, 0.04f);
    movielens("ease", SEER_REC_EASE, 300);
    movielens("pop", SEER_REC_POP, SEER_AUTO_REAL);
    return 0;
}
