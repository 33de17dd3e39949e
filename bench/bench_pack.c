// A gathered row's dense values: written out from their packed form (data/dense_pack.h) against
// copied as encoded, the cost per row that decides which rows are held packed. The layout is
// that of an mlp's Criteo rows (13 standardised numbers, then per column its piecewise-linear
// buckets and, but for one, its flag: 163 values, 51 held). Rows are visited in order, shuffled
// within chunks of 65,536 as an epoch visits them, or shuffled whole; each way with and without
// the rows 8 ahead prefetched. The best of REPEAT, nanoseconds a row:
//
//   bench_pack [ROWS [REPEAT]]      (defaults: 1000000, 3)
//   bench pack order=chunks prefetch=0 copy_ns=... unpack_ns=...
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/rng.h"
#include "data/dense_pack.h"

#define COLS 13
#define CHUNK 65536
#define AHEAD 8

static const size_t buckets[COLS] = {6, 12, 12, 9, 16, 14, 10, 11, 16, 10, 7, 5, 10};

// Visits rows in order, or shuffles them within chunks of c rows.
static void make_order(size_t *order, size_t rows, size_t c, seer_rng *r) {
    for (size_t i = 0; i < rows; i++) order[i] = i;
    for (size_t first = 0; c && first < rows; first += c) {
        size_t n = rows - first < c ? rows - first : c;
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)seer_rng_below(r, i);
            size_t t = order[first + i - 1];
            order[first + i - 1] = order[first + j];
            order[first + j] = t;
        }
    }
}

// Nanoseconds a row to gather every row in order into a batch of 256 (packed or copied).
static double gather(const seer_dense_pack *p, const float *held, const float *dense,
                     const size_t *order, size_t rows, int packed, int prefetch, float *out) {
    size_t nd = p->n_dense, nh = p->n_held;
    double t0 = seer_now();
    for (size_t i = 0; i < rows; i++) {
        if (prefetch && i + AHEAD < rows) {
            const char *a = packed ? (const char *)(held + order[i + AHEAD] * nh)
                                   : (const char *)(dense + order[i + AHEAD] * nd);
            for (size_t b = 0; b < (packed ? nh : nd) * sizeof(float); b += 64)
                __builtin_prefetch(a + b);
        }
        float *to = out + (i % 256) * nd;
        if (packed) seer_dense_unpack_row(p, held + order[i] * nh, to);
        else memcpy(to, dense + order[i] * nd, nd * sizeof *to);
    }
    return (seer_now() - t0) * 1e9 / (double)rows;
}

int main(int argc, char **argv) {
    size_t rows = argc > 1 ? (size_t)atol(argv[1]) : 1000000;
    int repeat = argc > 2 ? atoi(argv[2]) : 3;
    size_t starts[COLS], lens[COLS], at = COLS;
    for (size_t j = 0; j < COLS; j++) {
        starts[j] = at;
        lens[j] = buckets[j];
        at += buckets[j] + (j != 1);  // the second column has no flag
    }
    seer_dense_pack p;
    if (seer_dense_pack_init(&p, at, starts, lens, COLS) != 0 || !p.n_runs) return 1;
    size_t nd = p.n_dense, nh = p.n_held;
    float *held = malloc(rows * nh * sizeof *held), *dense = malloc(rows * nd * sizeof *dense);
    float *out = malloc(256 * nd * sizeof *out), *back = malloc(nd * sizeof *back);
    size_t *order = malloc(rows * sizeof *order);
    if (!held || !dense || !out || !back || !order) return 1;
    seer_rng r;
    seer_rng_init(&r, 1);
    for (size_t i = 0; i < rows; i++) {
        float *x = dense + i * nd;
        memset(x, 0, nd * sizeof *x);
        for (size_t k = 0; k < COLS; k++) x[k] = (float)seer_rng_below(&r, 1000) * 0.01f - 5.0f;
        for (size_t j = 0; j < COLS; j++) {
            size_t ones = (size_t)seer_rng_below(&r, lens[j] + 1);
            for (size_t k = 0; k < ones; k++) x[starts[j] + k] = 1.0f;
            if (ones < lens[j]) x[starts[j] + ones] = 0.37f;
            if (j != 1) x[starts[j] + lens[j]] = (float)seer_rng_below(&r, 2);
        }
        seer_dense_pack_row(&p, x, held + i * nh);
        seer_dense_unpack_row(&p, held + i * nh, back);
        if (memcmp(back, x, nd * sizeof *x) != 0) {
            fprintf(stderr, "bench_pack: row %zu does not come back\n", i);
            return 1;
        }
    }
    const char *names[3] = {"in_order", "chunks", "whole"};
    const size_t chunk[3] = {0, CHUNK, rows};
    for (int o = 0; o < 3; o++) {
        make_order(order, rows, chunk[o], &r);
        for (int prefetch = 0; prefetch < 2; prefetch++) {
            double best[2] = {1e30, 1e30};
            for (int k = 0; k < repeat; k++)
                for (int packed = 0; packed < 2; packed++) {
                    double ns = gather(&p, held, dense, order, rows, packed, prefetch, out);
                    if (ns < best[packed]) best[packed] = ns;
                }
            printf("bench pack rows=%zu dense=%zu held=%zu order=%s prefetch=%d copy_ns=%.1f "
                   "unpack_ns=%.1f\n", rows, nd, nh, names[o], prefetch, best[0], best[1]);
        }
    }
    seer_dense_pack_free(&p);
    free(held);
    free(dense);
    free(out);
    free(back);
    free(order);
    return 0;
}
