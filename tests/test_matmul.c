// Tests of nn/matmul.c, oneDNN's matmul cached by description: every part of a description
// (transposes, alpha, beta, ldc, bias, ReLU, bf16) against a loop in double; outputs outside the
// product (the row padding of ldc) and a skipped output left as they were; the cache past its 64
// entries; callers on four threads at once, each told BUSY or given the right product; and a
// tight limit on the address space, under which a new product is declined.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <oneapi/dnnl/dnnl_types.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address_space.h"
#include "base/rng.h"
#include "base/threads.h"
#include "nn/gemm.h"
#include "nn/matmul.h"

#define SENTINEL 12345.0f

static float *floats(size_t n) {
    float *x = malloc((n ? n : 1) * sizeof *x);
    cr_assert(x != NULL);
    return x;
}

static void fill(float *x, size_t n, seer_rng *r) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(seer_rng_uniform(r) * 2 - 1);
}

// x rounded to bf16 and widened back: the values a bf16 product multiplies.
static void round_in_place(float *x, uint16_t *x16, size_t n) {
    seer_bf16_round(x16, x, n);
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)x16[i] << 16;
        memcpy(&x[i], &u, sizeof u);
    }
}

// The definition in double; each element of got within tol of sum_k |a b| (plus |beta c|).
static void check(const seer_matmul_desc *d, const float *A, const float *B, const float *bias,
                  const float *C_old, const float *got, double tol) {
    size_t M = d->M, N = d->N, K = d->K;
    for (size_t i = 0; i < M; i++) {
        for (size_t j = 0; j < d->ldc; j++) {
            float g = got[i * d->ldc + j];
            if (j >= N) {  // the padding of a row: never written
                cr_assert(eq(flt, g, SENTINEL), "padding (%zu, %zu) written", i, j);
                continue;
            }
            double z = 0, mag = 0;
            for (size_t k = 0; k < K; k++) {
                double a = d->trans_a ? A[k * M + i] : A[i * K + k];
                double b = d->trans_b ? B[j * K + k] : B[k * N + j];
                z += a * b;
                mag += fabs(a * b);
            }
            z *= d->alpha;
            mag *= fabs(d->alpha);
            if (d->bias) {
                z += bias[j];
                mag += fabs(bias[j]);
            }
            if (d->beta != 0) {
                z += d->beta * (double)C_old[i * d->ldc + j];
                mag += fabs(d->beta * (double)C_old[i * d->ldc + j]);
            }
            if (d->relu && z < 0) z = 0;
            cr_assert(le(dbl, fabs(g - z), tol * mag + 1e-7),
                      "%zux%zux%zu ta %d tb %d alpha %g beta %g bias %d relu %d bf16 %d: "
                      "(%zu, %zu) is %.9g, not %.9g",
                      M, N, K, d->trans_a, d->trans_b, d->alpha, d->beta, d->bias, d->relu,
                      d->bf16, i, j, g, z);
        }
    }
}

// One description run through seer_matmul on fresh operands and checked; 0 when it ran.
static int run_case(const seer_matmul_desc *d, seer_rng *r) {
    size_t M = d->M, N = d->N, K = d->K;
    float *A = floats(M * K), *B = floats(K * N), *bias = floats(N);
    float *C = floats(M * d->ldc), *C_old = floats(M * d->ldc);
    uint16_t *A16 = malloc(M * K * sizeof *A16), *B16 = malloc(K * N * sizeof *B16);
    cr_assert(A16 && B16);
    fill(A, M * K, r);
    fill(B, K * N, r);
    fill(bias, N, r);
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < d->ldc; j++)
            // beta 0 never reads C: a NaN there would show if it did.
            C_old[i * d->ldc + j] =
                j >= N ? SENTINEL : d->beta == 0 ? NAN : (float)(seer_rng_uniform(r) - 0.5);
    memcpy(C, C_old, M * d->ldc * sizeof *C);
    if (d->bf16) {
        round_in_place(A, A16, M * K);
        round_in_place(B, B16, K * N);
    }
    int st = seer_matmul(d, d->bf16 ? (const void *)A16 : A, d->bf16 ? (const void *)B16 : B,
                         d->bias ? bias : NULL, C);
    // fp32 sums of K terms: K * 2^-24 of sum |a b| at most, and a few roundings more.
    if (st == 0) check(d, A, B, bias, C_old, C, 1e-6 + K * 6e-8);
    free(A);
    free(B);
    free(bias);
    free(C);
    free(C_old);
    free(A16);
    free(B16);
    return st;
}

static void every_description(int bf16) {
    static const size_t shapes[][3] = {{1, 1, 1}, {5, 3, 7}, {33, 17, 65}, {64, 300, 96}};
    static const float alphas[] = {1.0f, -0.5f}, betas[] = {0.0f, 1.0f, 0.25f};
    seer_rng r;
    seer_rng_init(&r, 7);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int t = 0; t < 4; t++)
            for (size_t a = 0; a < 2; a++)
                for (size_t b = 0; b < 3; b++)
                    for (int pad = 0; pad < 2; pad++)
                        for (int extra = 0; extra < (alphas[a] == 1.0f ? 3 : 1); extra++) {
                            seer_matmul_desc d = {
                                .trans_a = t & 1, .trans_b = t >> 1, .M = shapes[s][0],
                                .N = shapes[s][1], .K = shapes[s][2],
                                .ldc = shapes[s][1] + (size_t)pad * 3, .bf16 = bf16,
                                .bias = extra >= 1, .relu = extra == 2, .alpha = alphas[a],
                                .beta = betas[b]};
                            cr_assert(eq(int, run_case(&d, &r), 0));
                        }
}

Test(matmul, fp32_products_against_the_definition) { every_description(0); }

Test(matmul, bf16_products_against_the_definition_on_rounded_operands) {
    if (!seer_gemm_bf16_native()) cr_skip_test("no bf16 matmul on this CPU");
    every_description(1);
}

// More shapes than the cache holds, then the first ones again: each made again, each right.
Test(matmul, past_the_cache_every_shape_made_again) {
    seer_rng r;
    seer_rng_init(&r, 8);
    for (int round = 0; round < 2; round++)
        for (size_t n = 1; n <= 70; n++) {
            seer_matmul_desc d = {.M = 3, .N = n, .K = 5, .ldc = n, .alpha = 1.0f};
            cr_assert(eq(int, run_case(&d, &r), 0));
        }
}

// The same description made and run under 1 thread, then 2: right under both. (That a
// primitive is kept per thread count does not show in its results, only in its speed: oneDNN
// runs a primitive on the threads it was made for.)
Test(matmul, the_same_description_right_under_other_thread_counts) {
    seer_rng r;
    seer_rng_init(&r, 9);
    for (int threads = 1; threads <= 2; threads++) {
        seer_threads_set(threads);
        seer_matmul_desc d = {.M = 200, .N = 64, .K = 300, .ldc = 64, .alpha = 1.0f, .beta = 1.0f};
        cr_assert(eq(int, run_case(&d, &r), 0));
    }
    seer_threads_set(1);
}

typedef struct {
    int seed, done, busy, wrong;
} caller;

// Products on this thread until 50 are done, while three others make theirs: each is done and
// right, or told BUSY with its output untouched (a BUSY answer is at once, so a thread can meet
// thousands while another makes the primitive).
static void *call_many(void *arg) {
    caller *c = arg;
    seer_threads_set(1);
    enum { M = 16, N = 24, K = 32 };
    float A[M * K], B[K * N], C[M * N];
    seer_rng r;
    seer_rng_init(&r, (uint64_t)c->seed);
    fill(A, M * K, &r);
    fill(B, K * N, &r);
    seer_matmul_desc d = {.M = M, .N = N, .K = K, .ldc = N, .alpha = 1.0f};
    for (long i = 0; c->done < 50 && i < 100000000; i++) {
        for (size_t j = 0; j < M * N; j++) C[j] = SENTINEL;
        int st = seer_matmul(&d, A, B, NULL, C);
        if (st == SEER_MATMUL_BUSY) {
            c->busy++;
            for (size_t j = 0; j < M * N; j++) c->wrong += C[j] != SENTINEL;
            continue;
        }
        c->done += st == 0;
        for (size_t m = 0; m < M; m++)
            for (size_t n = 0; n < N; n++) {
                double z = 0;
                for (size_t k = 0; k < K; k++) z += (double)A[m * K + k] * B[k * N + n];
                c->wrong += fabs(C[m * N + n] - z) > 1e-5;
            }
    }
    return NULL;
}

Test(matmul, callers_on_four_threads_are_served_or_told_busy) {
    pthread_t t[4];
    caller c[4] = {{.seed = 1}, {.seed = 2}, {.seed = 3}, {.seed = 4}};
    for (int i = 0; i < 4; i++)
        cr_assert(eq(int, pthread_create(&t[i], NULL, call_many, &c[i]), 0));
    int busy = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_assert(eq(int, c[i].wrong, 0), "thread %d: %d wrong values", i, c[i].wrong);
        cr_assert(eq(int, c[i].done, 50), "thread %d: %d products done", i, c[i].done);
        busy += c[i].busy;
    }
    cr_log_info("%d calls told BUSY", busy);
}

// Under a limit on the address space with less than the headroom left, a description not made
// yet is declined (out of memory, C untouched) before oneDNN compiles anything: its JIT can
// fault, not fail, when it cannot map a code buffer.
Test(matmul, under_a_tight_address_space_limit_a_new_product_is_declined) {
    address_space_leave((size_t)4 << 20);
    enum { M = 8, N = 8, K = 8 };
    float A[M * K], B[K * N], C[M * N];
    for (size_t i = 0; i < M * K; i++) A[i] = B[i] = 1.0f;
    for (size_t i = 0; i < M * N; i++) C[i] = SENTINEL;
    seer_matmul_desc d = {.M = M, .N = N, .K = K, .ldc = N, .alpha = 1.0f};
    cr_assert(eq(int, seer_matmul(&d, A, B, NULL, C), dnnl_out_of_memory));
    for (size_t i = 0; i < M * N; i++) cr_assert(eq(flt, C[i], SENTINEL));
}
