// Tests of the dense kernels (linear, ReLU, sigmoid, BCE with logits), the
// GEMM wrapper and the embedding gather/scatter, and of the golden loader.
//
// Each kernel has a golden test against tests/golden/*.bin (written by
// tests/ref/make_golden.py in float64 from float32 inputs), a central finite
// difference gradient check, and a test that its backward adds into the d*
// buffers rather than overwriting them.
//
// Gradient checks: L = sum(r * out) with a fixed random r (so every output
// element matters with a different weight), accumulated in double. Each input
// x_i is moved to the float values nearest x_i +/- h, and the numerical
// derivative divides by the step actually taken. With h = 1e-2 the float
// rounding of L (about 1e-7 for these sizes) contributes about 5e-6 to the
// numerical value, and the truncation error of the smooth kernels is about
// h^2/6 * |f'''| < 1e-5; the worst measured is 6e-6. The gradients are
// O(0.1..1), so GC_TOL = 1e-4 * max(1, |analytic|) leaves a margin of over 10
// and still catches any wrong term, factor or index (those are O(0.01) at least).
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <criterion/redirect.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "address_space.h"
#include "base/error.h"
#include "base/rng.h"
#include "base/threads.h"
#include "golden.h"
#include "nn/embedding.h"
#include "nn/fused_linear.h"
#include "nn/gemm.h"
#include "nn/linalg.h"
#include "nn/layers.h"
#include "nn/loss.h"

#define GC_H 1e-2
#define GC_TOL 1e-4

#include "gradcheck.h"

// Golden comparisons: the kernels run in float on O(1) values, so a few ulps
// (rtol 1e-5) plus an absolute floor for results that cancel to near 0.
#define G_RTOL 1e-5
#define G_ATOL 1e-6

// Values with lo <= |x| < hi and a random sign: clear of the ReLU kink by more than GC_H.
static void fill_away_from_zero(float *x, size_t n, seer_rng *r, double lo, double hi) {
    fill(x, n, r, lo, hi);
    for (size_t i = 0; i < n; i++)
        if (seer_rng_uniform(r) < 0.5) x[i] = -x[i];
}

// The scalar whose gradient is checked, as a function of the current inputs.
typedef double (*loss_fn)(void *ctx);

// ---- golden ----------------------------------------------------------------

Test(layers, linear_golden) {
    golden g;
    open_golden(&g, "tests/golden/linear.bin");
    enum { B = 5, NI = 7, NO = 3 };
    cr_assert(eq(sz, golden_numel(&g, "x"), B * NI));
    cr_assert(eq(sz, golden_numel(&g, "w"), NO * NI));
    float y[B * NO], dx[B * NI] = {0}, dw[NO * NI] = {0}, db[NO] = {0};
    const float *x = golden_get(&g, "x"), *w = golden_get(&g, "w");
    seer_linear_forward(y, x, w, golden_get(&g, "b"), B, NI, NO, SEER_PRECISION_FP32);
    CHECK_GOLDEN(&g, "y", y, B * NO, G_RTOL, G_ATOL);
    seer_linear_backward(dx, dw, db, golden_get(&g, "dy"), x, w, B, NI, NO, SEER_PRECISION_FP32);
    CHECK_GOLDEN(&g, "dx", dx, B * NI, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "dw", dw, NO * NI, G_RTOL, G_ATOL);
    CHECK_GOLDEN(&g, "db", db, NO, G_RTOL, G_ATOL);
    golden_close(&g);
}

Test(layers, relu_golden) {
    golden g;
    open_golden(&g, "tests/golden/relu.bin");
    size_t n = golden_numel(&g, "x");
    float y[64], dx[64] = {0};
    cr_assert(le(sz, n, 64));
    seer_relu_forward(y, golden_get(&g, "x"), n);
    CHECK_GOLDEN(&g, "y", y, n, G_RTOL, 0.0);
    seer_relu_backward(dx, golden_get(&g, "dy"), y, n);
    CHECK_GOLDEN(&g, "dx", dx, n, G_RTOL, 0.0);
    golden_close(&g);
}

// The forward may run in place (y aliases x), as the mlp does.
Test(layers, relu_in_place) {
    golden g;
    open_golden(&g, "tests/golden/relu.bin");
    size_t n = golden_numel(&g, "x");
    float y[64];
    cr_assert(le(sz, n, 64));
    memcpy(y, golden_get(&g, "x"), n * sizeof *y);
    seer_relu_forward(y, y, n);
    CHECK_GOLDEN(&g, "y", y, n, 0.0, 0.0);
    golden_close(&g);
}

Test(layers, sigmoid_golden) {
    golden g;
    open_golden(&g, "tests/golden/sigmoid.bin");
    size_t n = golden_numel(&g, "z");
    float p[64], dz[64] = {0};
    cr_assert(le(sz, n, 64));
    seer_sigmoid_forward(p, golden_get(&g, "z"), n);
    CHECK_GOLDEN(&g, "p", p, n, G_RTOL, G_ATOL);
    seer_sigmoid_backward(dz, golden_get(&g, "dp"), p, n);
    CHECK_GOLDEN(&g, "dz", dz, n, G_RTOL, G_ATOL);
    golden_close(&g);
}

// Includes z = 30 and z = -40, where a naive log(sigmoid) overflows or loses all digits.
Test(layers, bce_golden) {
    golden g;
    open_golden(&g, "tests/golden/bce.bin");
    size_t B = golden_numel(&g, "z");
    float dz[16] = {0};
    cr_assert(le(sz, B, 16));
    const float *z = golden_get(&g, "z"), *y = golden_get(&g, "y");
    float loss = (float)seer_bce_logits_forward(z, y, B);
    CHECK_GOLDEN(&g, "loss", &loss, 1, G_RTOL, 0.0);
    seer_bce_logits_backward(dz, z, y, B);
    CHECK_GOLDEN(&g, "dz", dz, B, G_RTOL, G_ATOL);
    golden_close(&g);
}

// ---- gemm ------------------------------------------------------------------

// C = alpha op(A) op(B) + beta C through oneDNN and through the reference loop,
// with padded leading dimensions (lda = rows + 3 etc.) whose padding must stay
// untouched. Sums of K products of values in [-1, 1] are compared with
// |diff| <= 1e-6 * (K + 1) + 1e-5 |ref|: float accumulation in either order.
static void gemm_case(int ta, int tb, size_t M, size_t N, size_t K, float alpha, float beta) {
    seer_rng r;
    seer_rng_init(&r, 1000 + M * 7 + N * 3 + K);
    size_t a_rows = ta ? K : M, a_cols = ta ? M : K, b_rows = tb ? N : K, b_cols = tb ? K : N;
    size_t lda = a_cols + 3, ldb = b_cols + 1, ldc = N + 2;
    float *A = malloc(a_rows * lda * sizeof *A), *Bm = malloc(b_rows * ldb * sizeof *Bm);
    float *C = malloc(M * ldc * sizeof *C), *Cr = malloc(M * ldc * sizeof *Cr);
    cr_assert(A && Bm && C && Cr);
    fill(A, a_rows * lda, &r, -1, 1);
    fill(Bm, b_rows * ldb, &r, -1, 1);
    fill(C, M * ldc, &r, -1, 1);
    memcpy(Cr, C, M * ldc * sizeof *C);
    seer_gemm(ta, tb, M, N, K, alpha, A, lda, Bm, ldb, beta, C, ldc);
    seer_gemm_ref(ta, tb, M, N, K, alpha, A, lda, Bm, ldb, beta, Cr, ldc);
    for (size_t i = 0; i < M; i++) {
        for (size_t j = 0; j < ldc; j++) {
            double got = C[i * ldc + j], want = Cr[i * ldc + j];
            double tol = j < N ? 1e-6 * (double)(K + 1) + 1e-5 * fabs(want) : 0.0;
            if (!(fabs(got - want) <= tol))
                cr_fatal("gemm ta=%d tb=%d M=%zu N=%zu K=%zu alpha=%g beta=%g: C[%zu][%zu] "
                         "got %.9g ref %.9g%s", ta, tb, M, N, K, alpha, beta, i, j, got, want,
                         j < N ? "" : " (padding was written)");
        }
    }
    free(A);
    free(Bm);
    free(C);
    free(Cr);
}

Test(layers, gemm_vs_ref) {
    const size_t sizes[][3] = {{1, 1, 1}, {3, 17, 5}, {33, 65, 129}, {7, 1, 12}, {1, 9, 4}};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                gemm_case(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 1.0f, 1.0f);
                gemm_case(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], -0.5f, 0.0f);
                gemm_case(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 2.0f, 0.25f);
            }
}

// The threads of this process now (OpenMP starts its workers at the first region that uses
// them, and keeps them).
static int threads_now(void) {
    FILE *f = fopen("/proc/self/status", "r");
    cr_assert(f != NULL);
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    fclose(f);
    cr_assert(n > 0);
    return n;
}

// On two threads, small products (sgemm in each arrangement, and the fused matmul of a
// training step's layer) run on the caller's thread alone: no OpenMP worker is started for
// them (base/threads.h); a product past the bound starts one. Each result as the reference's.
Test(layers, small_products_on_two_threads_wake_no_other) {
    seer_threads_set(2);
    if (seer_threads_get() != 2) cr_skip_test("no room for a second thread here");
    int before = threads_now();
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            gemm_case(ta, tb, 32, 64, 578, 1.0f, 1.0f);
            gemm_case(ta, tb, 256, 64, 578, 1.0f, 0.0f);
            gemm_case(ta, tb, 578, 64, 256, 1.0f, 1.0f);
        }
    size_t B = 256, in = 578, out = 64;
    float *x = malloc(B * in * sizeof *x), *w = malloc(out * in * sizeof *w);
    float *b = malloc(out * sizeof *b), *y = malloc(B * out * sizeof *y);
    cr_assert(x && w && b && y);
    seer_rng r;
    seer_rng_init(&r, 7);
    fill(x, B * in, &r, -1, 1);
    fill(w, out * in, &r, -1, 1);
    fill(b, out, &r, -1, 1);
    if (seer_linear_fused_forward(y, x, w, b, B, in, out, 1)) {
        for (size_t i = 0; i < B; i++)
            for (size_t j = 0; j < out; j++) {
                double want = b[j];
                for (size_t k = 0; k < in; k++) want += (double)x[i * in + k] * w[j * in + k];
                want = want > 0 ? want : 0;
                cr_assert(fabs(y[i * out + j] - want) <= 1e-4 * (1 + fabs(want)),
                          "fused [%zu][%zu] %g, want %g", i, j, y[i * out + j], want);
            }
    }
    free(x);
    free(w);
    free(b);
    free(y);
    cr_assert(eq(int, threads_now(), before), "a small product started OpenMP's other thread");
    gemm_case(0, 0, 512, 512, 256, 1.0f, 1.0f);  // 2^26 multiply-adds: split
    cr_assert(eq(int, threads_now(), before + 1), "the check cannot see OpenMP's worker");
    cr_assert(eq(int, seer_threads_get(), 2));
}

// oneDNN's kernels built on a thread of their own (seer_gemm_prepare) while this thread makes
// its first products (each test is a process of its own, so these are the first): the same
// results; waiting twice is harmless.
Test(layers, gemm_while_the_kernels_are_prepared) {
    seer_gemm_preparer p;
    seer_gemm_prepare(&p, 0);
    gemm_case(0, 0, 33, 65, 129, 1.0f, 1.0f);
    gemm_case(1, 1, 7, 1, 12, 2.0f, 0.25f);
    seer_gemm_prepared(&p);
    cr_assert(eq(int, p.started, 0));
    seer_gemm_prepared(&p);
    gemm_case(0, 1, 3, 17, 5, -0.5f, 0.0f);
}

// The kernel-building thread under a limit on the address space: started where the limit
// leaves room for it (256 MiB), as with no limit; not where it leaves less (its stack and
// malloc arena would take 72 MiB of what the work needs), and products still work. Each test
// is a process of its own.
static int prepare_started(void) {
    seer_gemm_preparer p;
    seer_gemm_prepare(&p, 0);
    int started = p.started;
    seer_gemm_prepared(&p);
    gemm_case(0, 0, 33, 65, 129, 1.0f, 1.0f);
    return started;
}

Test(layers, kernel_thread_by_the_room_a_limit_leaves, .init = cr_redirect_stderr) {
    // A limit that squeezes nothing (AddressSanitizer's shadow alone takes terabytes).
    struct rlimit as;
    cr_assert(eq(int, getrlimit(RLIMIT_AS, &as), 0));
    if (as.rlim_max == RLIM_INFINITY) {  // else the process is under a limit already
        as.rlim_cur = RLIM_INFINITY - 1;
        cr_assert(eq(int, setrlimit(RLIMIT_AS, &as), 0));
    }
    cr_assert(eq(int, prepare_started(), 1));
#if !defined(__SANITIZE_ADDRESS__)   // ASan reserves the address space an rlimit would measure
    address_space_leave((size_t)96 << 20);
    cr_assert(eq(int, seer_side_thread_allowed(), 0));
    cr_assert(eq(int, prepare_started(), 0));
#endif
}

// A server's kernels, built at its start (every_shape), are those of every kind of product it
// meets: afterwards, with no room left to compile more, products of one row, a few and many, a
// single output column or several, in each arrangement, run in oneDNN (no plain loop said).
Test(layers, server_kernels_cover_every_kind, .init = cr_redirect_stderr) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("ASan reserves the address space an rlimit would measure");
#endif
    address_space_leave((size_t)64 << 20);   // no room for a side thread: built now, here
    seer_gemm_preparer p;
    seer_gemm_prepare(&p, 1);
    seer_gemm_prepared(&p);
    address_space_leave((size_t)4 << 20);    // under a kind's 24 MiB: nothing more compiles
    static const size_t rows[4] = {1, 6, 32, 300}, cols[3] = {1, 5, 40};
    for (int t = 0; t < 4; t++)
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++) gemm_case(t & 1, t >> 1, rows[i], cols[j], 17, 1.0f, 0.5f);
    fflush(stderr);
    char out[1024] = {0};
    fread(out, 1, sizeof out - 1, cr_get_redirected_stderr());
    cr_assert(eq(ptr, strstr(out, "plain loop"), NULL), "%s", out);
}

// The process's first product compiles oneDNN's sgemm kernels, and its JIT faults when it cannot
// map its code: under a limit on the address space that leaves less than that room, the
// products run in the plain loop (said once), right, and oneDNN's again once there is room.
// Each test is a process of its own, so these are its first products.
Test(layers, gemm_without_room_to_compile_loops_until_there_is, .init = cr_redirect_stderr) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("ASan reserves the address space an rlimit would measure");
#endif
    int threads = seer_threads_get();  // more than one: held to one under the limit
    address_space_leave((size_t)2 << 20);
    gemm_case(0, 0, 5, 7, 9, 1.0f, 0.0f);
    gemm_case(1, 1, 4, 3, 6, -0.5f, 1.0f);
    struct rlimit loose = {RLIM_INFINITY, RLIM_INFINITY};
    cr_assert(eq(int, setrlimit(RLIMIT_AS, &loose), 0));
    gemm_case(0, 1, 33, 65, 129, 1.0f, 1.0f);
    fflush(stderr);
    char out[1024] = {0};
    fread(out, 1, sizeof out - 1, cr_get_redirected_stderr());
    char want[1024];
    const char *sgemm = "seer: warning: compiling oneDNN's sgemm kernels failed (out_of_memory); "
                        "products use a plain loop until there is room under the address-space "
                        "limit\n";
    if (threads > 1)
        snprintf(want, sizeof want, "seer: the limit on the address space (ulimit -v) leaves "
                 "too little room for %d threads' stacks and allocators: parallel work runs on "
                 "one\n%s", threads, sgemm);
    else
        snprintf(want, sizeof want, "%s", sgemm);
    cr_assert(eq(str, out, want));
}

// The first product of each kind compiles kernels of its own (2 to 15 rows with B transposed:
// 11.5 MB more with AVX-512), and oneDNN's JIT faulted where the first had room and a later one
// had not (SIGSEGV: a run of these products under limits leaving 8-17 MiB; `seer eval` of a
// knowledge-tracing model under `ulimit -v 90000`). Under every limit from 4 to 40 MiB of room,
// in a process of its own, each arrangement of many rows, a few, one, and one column gives the
// reference's values.
static int products_right_under_room(size_t room_mib) {
    address_space_leave(room_mib << 20);
    // rows, columns, depth: 2 to 15 rows with B transposed compile oneDNN's small kernels, and
    // faulted where a product of many rows had compiled the others first
    static const size_t shapes[4][3] = {{33, 65, 17}, {4, 4, 4}, {1, 5, 3}, {6, 1, 2}};
    float A[33 * 65], B[65 * 65], C[33 * 65], R[33 * 65];
    for (size_t i = 0; i < sizeof A / sizeof *A; i++) A[i] = (float)((i * 7) % 11) - 5.0f;
    for (size_t i = 0; i < sizeof B / sizeof *B; i++) B[i] = (float)((i * 5) % 13) - 6.0f;
    static const int arrangements[4] = {2, 0, 1, 3};   // B transposed first: its first compiles all
    for (int s = 0; s < 4; s++)
        for (int a = 0; a < 4; a++) {
            size_t M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
            int ta = arrangements[a] & 1, tb = arrangements[a] >> 1;
            memset(C, 0, sizeof C);
            memset(R, 0, sizeof R);
            seer_gemm(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, C, N);
            seer_gemm_ref(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, R, N);
            if (memcmp(C, R, M * N * sizeof *C) != 0) return 0;   // small whole numbers: exact
        }
    return 1;
}

Test(layers, gemm_under_any_room_never_faults, .init = cr_redirect_stderr) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("ASan reserves the address space an rlimit would measure");
#endif
    for (size_t room = 4; room <= 40; room++) {
        pid_t pid = fork();
        cr_assert(ne(int, pid, -1));
        if (pid == 0) _exit(products_right_under_room(room) ? 0 : 1);
        int status = 0;
        cr_assert(eq(int, waitpid(pid, &status, 0), pid));
        int signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        cr_assert(eq(int, signal, 0), "%zu MiB of room: killed by signal %d", room, signal);
        cr_assert(eq(int, code, 0), "%zu MiB of room: wrong products", room);
    }
}

// LAPACK, loaded at the first solve (nn/linalg.c): a 2 x 2 inverse worked by hand,
// [[4, 2], [2, 3]]^-1 = [[3, -2], [-2, 4]] / 8, and a matrix that is not positive definite.
Test(layers, spd_inverse_by_hand) {
    double A[4] = {4, 2, 2, 3};
    cr_assert(eq(int, seer_spd_inverse(A, 2), SEER_OK), "%s", seer_error_message());
    const double want[4] = {0.375, -0.25, -0.25, 0.5};
    for (int i = 0; i < 4; i++)
        cr_assert(le(dbl, fabs(A[i] - want[i]), 1e-15), "A[%d] = %.17g, want %.17g", i, A[i],
                  want[i]);
    double N[4] = {1, 2, 2, 1};  // eigenvalues 3 and -1
    cr_assert(eq(int, seer_spd_inverse(N, 2), SEER_EDATA));
}

// Under a limit that leaves no room for OpenBLAS's 128 MiB buffer, a solve is out of memory (or
// LAPACK does not load), and returns: OpenBLAS retried its allocation for ever (`seer train
// --model ease` under `ulimit -v` 126,000-250,000 KB spun for minutes). With room again, it
// solves.
Test(layers, spd_inverse_without_room_returns, .timeout = 60) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("ASan reserves the address space an rlimit would measure");
#endif
    address_space_leave((size_t)100 << 20);
    double A[4] = {4, 2, 2, 3};
    int rc = seer_spd_inverse(A, 2);
    cr_assert(rc == SEER_ENOMEM || rc == SEER_EIO, "%d: %s", rc, seer_error_message());
    struct rlimit loose = {RLIM_INFINITY, RLIM_INFINITY};
    cr_assert(eq(int, setrlimit(RLIMIT_AS, &loose), 0));
    if (rc == SEER_EIO) return;   // LAPACK failed to load, and is not loaded again
    cr_assert(eq(int, seer_spd_inverse(A, 2), SEER_OK), "%s", seer_error_message());
    cr_assert(le(dbl, fabs(A[0] - 0.375), 1e-15));
}

// The reference itself, on a 2x3 by 3x2 product worked by hand.
Test(layers, gemm_ref_by_hand) {
    const float A[6] = {1, 2, 3, 4, 5, 6};        // (2,3)
    const float B[6] = {7, 8, 9, 10, 11, 12};     // (3,2)
    float C[4] = {1, 1, 1, 1};
    seer_gemm_ref(0, 0, 2, 2, 3, 1.0f, A, 3, B, 2, 2.0f, C, 2);
    const float want[4] = {58 + 2, 64 + 2, 139 + 2, 154 + 2};
    CHECK_CLOSE(C, want, 4, 0.0, 0.0);
    float Ct[4] = {0};
    seer_gemm_ref(1, 1, 2, 2, 3, 1.0f, B, 2, A, 3, 0.0f, Ct, 2);  // B^T A^T = (A B)^T
    const float want_t[4] = {58, 139, 64, 154};
    CHECK_CLOSE(Ct, want_t, 4, 0.0, 0.0);
}

// ---- gradient checks -------------------------------------------------------

enum { LB = 4, LNI = 6, LNO = 5 };

typedef struct {
    float x[LB * LNI], w[LNO * LNI], b[LNO], r[LB * LNO];
} linear_ctx;

static double linear_loss(void *p) {
    linear_ctx *c = p;
    float y[LB * LNO];
    seer_linear_forward(y, c->x, c->w, c->b, LB, LNI, LNO, SEER_PRECISION_FP32);
    return dot(c->r, y, LB * LNO);
}

Test(layers, linear_gradcheck) {
    seer_rng r;
    seer_rng_init(&r, 11);
    linear_ctx c;
    fill(c.x, LB * LNI, &r, -1, 1);
    fill(c.w, LNO * LNI, &r, -1, 1);
    fill(c.b, LNO, &r, -1, 1);
    fill(c.r, LB * LNO, &r, -1, 1);
    float dx[LB * LNI] = {0}, dw[LNO * LNI] = {0}, db[LNO] = {0};
    // dL/dy = r.
    seer_linear_backward(dx, dw, db, c.r, c.x, c.w, LB, LNI, LNO, SEER_PRECISION_FP32);
    gradcheck("linear dx", c.x, dx, LB * LNI, linear_loss, &c);
    gradcheck("linear dw", c.w, dw, LNO * LNI, linear_loss, &c);
    gradcheck("linear db", c.b, db, LNO, linear_loss, &c);
}

// dx = NULL skips the input gradient and still gives dw and db.
Test(layers, linear_backward_no_dx) {
    seer_rng r;
    seer_rng_init(&r, 12);
    linear_ctx c;
    fill(c.x, LB * LNI, &r, -1, 1);
    fill(c.w, LNO * LNI, &r, -1, 1);
    fill(c.r, LB * LNO, &r, -1, 1);
    float dx[LB * LNI] = {0}, dw[LNO * LNI] = {0}, db[LNO] = {0};
    float dw2[LNO * LNI] = {0}, db2[LNO] = {0};
    seer_linear_backward(dx, dw, db, c.r, c.x, c.w, LB, LNI, LNO, SEER_PRECISION_FP32);
    seer_linear_backward(NULL, dw2, db2, c.r, c.x, c.w, LB, LNI, LNO, SEER_PRECISION_FP32);
    CHECK_CLOSE(dw2, dw, LNO * LNI, 0.0, 0.0);
    CHECK_CLOSE(db2, db, LNO, 0.0, 0.0);
}

enum { EN = 23 };

typedef struct {
    float x[EN], r[EN];
} elem_ctx;

static double relu_loss(void *p) {
    elem_ctx *c = p;
    float y[EN];
    seer_relu_forward(y, c->x, EN);
    return dot(c->r, y, EN);
}

static double sigmoid_loss(void *p) {
    elem_ctx *c = p;
    float y[EN];
    seer_sigmoid_forward(y, c->x, EN);
    return dot(c->r, y, EN);
}

Test(layers, relu_gradcheck) {
    seer_rng r;
    seer_rng_init(&r, 13);
    elem_ctx c;
    fill_away_from_zero(c.x, EN, &r, 0.1, 2.0);
    fill(c.r, EN, &r, -1, 1);
    float y[EN], dx[EN] = {0};
    seer_relu_forward(y, c.x, EN);
    seer_relu_backward(dx, c.r, y, EN);
    gradcheck("relu dx", c.x, dx, EN, relu_loss, &c);
}

// The fused ReLU and bias-gradient backward (seer_relu_bias_backward) over
// z (RB, RN) and a bias b (RN): L = sum(r * relu(z + b)). z keeps away from 0
// by more than |b| so that no step crosses the kink.
enum { RB = 5, RN = 7 };

typedef struct {
    float z[RB * RN], b[RN], r[RB * RN];
} relu_bias_ctx;

static double relu_bias_loss(void *p) {
    relu_bias_ctx *c = p;
    float y[RB * RN];
    for (size_t i = 0; i < RB * RN; i++) y[i] = c->z[i] + c->b[i % RN];
    seer_relu_forward(y, y, RB * RN);
    return dot(c->r, y, RB * RN);
}

Test(layers, relu_bias_backward_gradcheck) {
    seer_rng r;
    seer_rng_init(&r, 21);
    relu_bias_ctx c;
    fill_away_from_zero(c.z, RB * RN, &r, 0.2, 2.0);
    fill(c.b, RN, &r, -0.05, 0.05);
    fill(c.r, RB * RN, &r, -1, 1);
    float y[RB * RN], dz[RB * RN], db[RN] = {0};
    for (size_t i = 0; i < RB * RN; i++) y[i] = c.z[i] + c.b[i % RN];
    seer_relu_forward(y, y, RB * RN);
    for (size_t i = 0; i < RB * RN; i++) dz[i] = NAN;  // written whole, never read
    seer_relu_bias_backward(dz, db, c.r, y, 1.0f, RB, RN);
    gradcheck("relu_bias dz", c.z, dz, RB * RN, relu_bias_loss, &c);
    gradcheck("relu_bias db", c.b, db, RN, relu_bias_loss, &c);
}

// The fused kernel gives the unfused path's bits: dropout's scale on dy, the ReLU's backward
// into a zeroed dz, then the bias sum over the rows (as seer_linear_backward took it), with
// and without dropout's scale, adding into a db that holds a value already.
Test(layers, relu_bias_backward_equals_unfused) {
    seer_rng r;
    seer_rng_init(&r, 22);
    float dy[RB * RN], y[RB * RN];
    fill(dy, RB * RN, &r, -1, 1);
    fill_away_from_zero(y, RB * RN, &r, 0.0, 2.0);
    seer_relu_forward(y, y, RB * RN);
    const float scales[] = {1.0f, 1.0f / (1.0f - 0.3f)};
    for (int k = 0; k < 2; k++) {
        float dz[RB * RN], db[RN], want_dz[RB * RN] = {0}, want_db[RN], scaled[RB * RN];
        for (size_t j = 0; j < RN; j++) db[j] = want_db[j] = 0.5f;
        for (size_t i = 0; i < RB * RN; i++) {
            dz[i] = NAN;
            scaled[i] = scales[k] != 1.0f ? dy[i] * scales[k] : dy[i];
        }
        seer_relu_backward(want_dz, scaled, y, RB * RN);
        for (size_t i = 0; i < RB; i++)
            for (size_t j = 0; j < RN; j++) want_db[j] += want_dz[i * RN + j];
        seer_relu_bias_backward(dz, db, dy, y, scales[k], RB, RN);
        cr_assert(eq(int, memcmp(dz, want_dz, sizeof dz), 0), "dz differs at scale %g", scales[k]);
        cr_assert(eq(int, memcmp(db, want_db, sizeof db), 0), "db differs at scale %g", scales[k]);
        // In place, as the stacks call it (models/stack.c): the same dz and db.
        float inplace[RB * RN], db2[RN];
        memcpy(inplace, dy, sizeof inplace);
        for (size_t j = 0; j < RN; j++) db2[j] = 0.5f;
        seer_relu_bias_backward(inplace, db2, inplace, y, scales[k], RB, RN);
        cr_assert(eq(int, memcmp(inplace, want_dz, sizeof inplace), 0), "in place: dz differs");
        cr_assert(eq(int, memcmp(db2, want_db, sizeof db2), 0), "in place: db differs");
    }
}

Test(layers, sigmoid_gradcheck) {
    seer_rng r;
    seer_rng_init(&r, 14);
    elem_ctx c;
    fill(c.x, EN, &r, -5, 5);
    fill(c.r, EN, &r, -1, 1);
    float p[EN], dz[EN] = {0};
    seer_sigmoid_forward(p, c.x, EN);
    seer_sigmoid_backward(dz, c.r, p, EN);
    gradcheck("sigmoid dz", c.x, dz, EN, sigmoid_loss, &c);
}

typedef struct {
    float z[9], y[9];
} bce_ctx;

// The loss is already a scalar; it is scaled by 9 (= B) so that its gradient,
// (p - y) / B, is O(0.1..1) like the others and GC_TOL means the same.
static double bce_loss(void *p) {
    bce_ctx *c = p;
    return 9.0 * seer_bce_logits_forward(c->z, c->y, 9);
}

Test(layers, bce_gradcheck) {
    seer_rng r;
    seer_rng_init(&r, 15);
    bce_ctx c;
    fill(c.z, 9, &r, -4, 4);
    c.z[7] = 30.0f;
    c.z[8] = -40.0f;
    for (int i = 0; i < 9; i++) c.y[i] = seer_rng_uniform(&r) < 0.5 ? 0.0f : 1.0f;
    c.y[3] = 0.3f;
    c.y[7] = 0.0f;  // z = 30, y = 0: the gradient is 1, the loss 30
    c.y[8] = 0.0f;  // z = -40, y = 0: both ~0
    float dz[9] = {0};
    seer_bce_logits_backward(dz, c.z, c.y, 9);
    for (int i = 0; i < 9; i++) dz[i] *= 9.0f;
    gradcheck("bce dz", c.z, dz, 9, bce_loss, &c);
}

// ---- embeddings ------------------------------------------------------------

enum { ROWS = 7, EB = 5, EF = 3, ED = 4, LD = EF * ED + 2 };

// Ids with repeats within a row and across rows; rows 4 and 6 never occur.
static const uint32_t emb_ids[EB * EF] = {0, 3, 0, 5, 1, 3, 2, 2, 2, 3, 0, 1, 5, 5, 3};

Test(layers, embedding_forward_strided) {
    seer_rng r;
    seer_rng_init(&r, 16);
    float table[ROWS * ED], out[EB * LD];
    fill(table, ROWS * ED, &r, -1, 1);
    for (size_t i = 0; i < EB * LD; i++) out[i] = 99.0f;
    seer_embedding_forward(out, LD, table, emb_ids, EB, EF, ED);
    for (size_t b = 0; b < EB; b++) {
        for (size_t f = 0; f < EF; f++)
            CHECK_CLOSE(out + b * LD + f * ED, table + emb_ids[b * EF + f] * ED, ED, 0.0, 0.0);
        for (size_t j = EF * ED; j < LD; j++)
            cr_assert(eq(flt, out[b * LD + j], 99.0f), "padding [%zu][%zu] was written", b, j);
    }
}

static void check_u32(const char *what, const uint32_t *got, const uint32_t *want, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) cr_fatal("%s[%zu] = %u, want %u", what, i, got[i], want[i]);
}

Test(layers, embedding_unique) {
    uint32_t marks[2 * ROWS] = {0}, uniq[EB * EF], slot[EB * EF];
    size_t n = seer_embedding_unique(uniq, slot, emb_ids, EB * EF, marks, 1);
    const uint32_t want[] = {0, 3, 5, 1, 2};  // first-seen order
    cr_assert(eq(sz, n, 5));
    check_u32("uniq", uniq, want, 5);
    for (size_t i = 0; i < EB * EF; i++)
        cr_assert(eq(u32, uniq[slot[i]], emb_ids[i]), "slot[%zu] = %u", i, slot[i]);
    // A later step reuses the scratch without clearing it.
    const uint32_t ids2[] = {6, 3, 6, 4};
    n = seer_embedding_unique(uniq, slot, ids2, 4, marks, 2);
    const uint32_t want2[] = {6, 3, 4}, want_slot2[] = {0, 1, 0, 2};
    cr_assert(eq(sz, n, 3));
    check_u32("uniq", uniq, want2, 3);
    check_u32("slot", slot, want_slot2, 4);
}

// Scatter through unique + backward, compared with the dense table gradient
// computed directly: dtable[ids[i]] += dout of occurrence i.
static void table_grad(float *dtable, const float *dout, const uint32_t *ids) {
    uint32_t marks[2 * ROWS] = {0}, uniq[EB * EF], slot[EB * EF];
    float drows[EB * EF * ED] = {0};
    size_t n = seer_embedding_unique(uniq, slot, ids, EB * EF, marks, 1);
    seer_embedding_backward(drows, slot, dout, LD, EB, EF, ED);
    memset(dtable, 0, ROWS * ED * sizeof *dtable);
    for (size_t u = 0; u < n; u++)
        memcpy(dtable + uniq[u] * ED, drows + u * ED, ED * sizeof(float));
}

Test(layers, embedding_backward_dense) {
    seer_rng r;
    seer_rng_init(&r, 17);
    float dout[EB * LD], got[ROWS * ED], want[ROWS * ED] = {0};
    fill(dout, EB * LD, &r, -1, 1);
    table_grad(got, dout, emb_ids);
    for (size_t b = 0; b < EB; b++)
        for (size_t f = 0; f < EF; f++)
            for (size_t k = 0; k < ED; k++)
                want[emb_ids[b * EF + f] * ED + k] += dout[b * LD + f * ED + k];
    CHECK_CLOSE(got, want, ROWS * ED, 1e-6, 1e-6);
}

typedef struct {
    float table[ROWS * ED], r[EB * LD];
} emb_ctx;

static double embedding_loss(void *p) {
    emb_ctx *c = p;
    float out[EB * LD] = {0};
    seer_embedding_forward(out, LD, c->table, emb_ids, EB, EF, ED);
    return dot(c->r, out, EB * LD);
}

Test(layers, embedding_gradcheck) {
    seer_rng r;
    seer_rng_init(&r, 18);
    emb_ctx c;
    fill(c.table, ROWS * ED, &r, -1, 1);
    fill(c.r, EB * LD, &r, -1, 1);
    float dtable[ROWS * ED];
    table_grad(dtable, c.r, emb_ids);
    gradcheck("embedding dtable", c.table, dtable, ROWS * ED, embedding_loss, &c);
}

// ---- backward accumulates --------------------------------------------------

// Each backward run into buffers holding d0 must give d0 + (its result into
// zeros): the model sums several contributions into one gradient.
#define CHECK_ADDS(what, d0, once, twice, n)                                    \
    do {                                                                        \
        float sum_[64];                                                         \
        for (size_t i_ = 0; i_ < (n); i_++) sum_[i_] = (d0)[i_] + (once)[i_];   \
        CHECK_CLOSE(twice, sum_, n, 1e-6, 1e-6);                                \
    } while (0)

Test(layers, linear_backward_adds) {
    seer_rng r;
    seer_rng_init(&r, 19);
    linear_ctx c;
    fill(c.x, LB * LNI, &r, -1, 1);
    fill(c.w, LNO * LNI, &r, -1, 1);
    fill(c.r, LB * LNO, &r, -1, 1);
    float dx[LB * LNI] = {0}, dw[LNO * LNI] = {0}, db[LNO] = {0};
    float dx0[LB * LNI], dw0[LNO * LNI], db0[LNO], dx2[LB * LNI], dw2[LNO * LNI], db2[LNO];
    fill(dx0, LB * LNI, &r, -1, 1);
    fill(dw0, LNO * LNI, &r, -1, 1);
    fill(db0, LNO, &r, -1, 1);
    memcpy(dx2, dx0, sizeof dx0);
    memcpy(dw2, dw0, sizeof dw0);
    memcpy(db2, db0, sizeof db0);
    seer_linear_backward(dx, dw, db, c.r, c.x, c.w, LB, LNI, LNO, SEER_PRECISION_FP32);
    seer_linear_backward(dx2, dw2, db2, c.r, c.x, c.w, LB, LNI, LNO, SEER_PRECISION_FP32);
    CHECK_ADDS("dx", dx0, dx, dx2, LB * LNI);
    CHECK_ADDS("dw", dw0, dw, dw2, LNO * LNI);
    CHECK_ADDS("db", db0, db, db2, LNO);
}

Test(layers, elementwise_backward_adds) {
    seer_rng r;
    seer_rng_init(&r, 20);
    float x[EN], y[EN], dy[EN], d0[EN], once[EN], twice[EN];
    fill_away_from_zero(x, EN, &r, 0.1, 2.0);
    fill(dy, EN, &r, -1, 1);
    fill(d0, EN, &r, -1, 1);

    seer_relu_forward(y, x, EN);
    memset(once, 0, sizeof once);
    memcpy(twice, d0, sizeof d0);
    seer_relu_backward(once, dy, y, EN);
    seer_relu_backward(twice, dy, y, EN);
    CHECK_ADDS("relu", d0, once, twice, EN);

    seer_sigmoid_forward(y, x, EN);
    memset(once, 0, sizeof once);
    memcpy(twice, d0, sizeof d0);
    seer_sigmoid_backward(once, dy, y, EN);
    seer_sigmoid_backward(twice, dy, y, EN);
    CHECK_ADDS("sigmoid", d0, once, twice, EN);

    for (size_t i = 0; i < EN; i++) y[i] = seer_rng_uniform(&r) < 0.5 ? 0.0f : 1.0f;
    memset(once, 0, sizeof once);
    memcpy(twice, d0, sizeof d0);
    seer_bce_logits_backward(once, x, y, EN);
    seer_bce_logits_backward(twice, x, y, EN);
    CHECK_ADDS("bce", d0, once, twice, EN);
}

Test(layers, embedding_backward_adds) {
    seer_rng r;
    seer_rng_init(&r, 21);
    uint32_t marks[2 * ROWS] = {0}, uniq[EB * EF], slot[EB * EF];
    float dout[EB * LD], once[EB * EF * ED] = {0}, d0[EB * EF * ED], twice[EB * EF * ED];
    fill(dout, EB * LD, &r, -1, 1);
    fill(d0, EB * EF * ED, &r, -1, 1);
    memcpy(twice, d0, sizeof d0);
    size_t n = seer_embedding_unique(uniq, slot, emb_ids, EB * EF, marks, 1);
    seer_embedding_backward(once, slot, dout, LD, EB, EF, ED);
    seer_embedding_backward(twice, slot, dout, LD, EB, EF, ED);
    CHECK_ADDS("embedding", d0, once, twice, n * ED);
}

// ---- embedding bags (multi-valued fields) ----------------------------------

// bag.bin: B=4 rows of 6 slots over 3 fields of 1 (single), 3 (mean) and 2
// (sum) slots, -1 in unused ones; table (7, 3).
enum { BB = 4, BS = 6, BF = 3, BROWS = 7, BD = 3 };
static const uint32_t bag_slots[BF] = {1, 3, 2};
static const uint8_t bag_mean[BF] = {0, 1, 0};

typedef struct {
    uint32_t ids[BB * BS], bag_ids[BB * BS], off[BB * BF + 1];
    float w[BB * BS];
    size_t n;
    float table[BROWS * BD], r[BB * BF * BD];
} bag_ctx;

static void bag_load(bag_ctx *c, golden *g) {
    cr_assert(eq(int, golden_open(g, "tests/golden/bag.bin"), 0));
    cr_assert(eq(sz, golden_numel(g, "ids"), BB * BS));
    for (size_t i = 0; i < BB * BS; i++) {
        float v = golden_get(g, "ids")[i];
        c->ids[i] = v < 0 ? SEER_NO_ID : (uint32_t)v;
    }
    memcpy(c->table, golden_get(g, "table"), sizeof c->table);
    c->n = seer_embedding_bags(c->bag_ids, c->off, c->w, c->ids, BB, BS, BF, bag_slots, bag_mean);
}

// Scatter through unique + bag backward into a dense table gradient.
static void bag_table_grad(float *dtable, const bag_ctx *c, const float *dout) {
    uint32_t marks[2 * BROWS] = {0}, uniq[BB * BS], slot[BB * BS];
    float drows[BB * BS * BD] = {0};
    size_t n = seer_embedding_unique(uniq, slot, c->bag_ids, c->n, marks, 1);
    seer_embedding_bag_backward(drows, slot, c->off, c->w, dout, BF * BD, BB, BF, BD);
    memset(dtable, 0, BROWS * BD * sizeof *dtable);
    for (size_t u = 0; u < n; u++)
        memcpy(dtable + uniq[u] * BD, drows + u * BD, BD * sizeof(float));
}

Test(layers, embedding_bags_layout) {
    // Rows of ids by hand: field 0 one id, field 1 two of three slots (mean),
    // field 2 both slots (sum); then field 1 full, field 2 one slot.
    const uint32_t N = SEER_NO_ID;
    const uint32_t ids[2 * BS] = {4, 1, 2, N, 0, 3, 5, 6, 6, 6, 2, N};
    uint32_t bag_ids[2 * BS], off[2 * BF + 1];
    float w[2 * BS];
    size_t n = seer_embedding_bags(bag_ids, off, w, ids, 2, BS, BF, bag_slots, bag_mean);
    const uint32_t want_ids[] = {4, 1, 2, 0, 3, 5, 6, 6, 6, 2}, want_off[] = {0, 1, 3, 5, 6, 9, 10};
    const float want_w[] = {1, 0.5f, 0.5f, 1, 1, 1, 1.0f / 3, 1.0f / 3, 1.0f / 3, 1};
    cr_assert(eq(sz, n, 10));
    check_u32("bag_ids", bag_ids, want_ids, n);
    check_u32("off", off, want_off, 2 * BF + 1);
    CHECK_CLOSE(w, want_w, n, 0.0, 0.0);
}

Test(layers, embedding_bag_golden) {
    golden g;
    bag_ctx c;
    bag_load(&c, &g);
    float out[BB * BF * BD], dtable[BROWS * BD];
    seer_embedding_bag_forward(out, BF * BD, c.table, c.bag_ids, c.off, c.w, BB, BF, BD);
    CHECK_GOLDEN(&g, "out", out, BB * BF * BD, G_RTOL, G_ATOL);
    bag_table_grad(dtable, &c, golden_get(&g, "dout"));
    CHECK_GOLDEN(&g, "dtable", dtable, BROWS * BD, G_RTOL, G_ATOL);
    golden_close(&g);
}

static double bag_loss(void *p) {
    bag_ctx *c = p;
    float out[BB * BF * BD];
    seer_embedding_bag_forward(out, BF * BD, c->table, c->bag_ids, c->off, c->w, BB, BF, BD);
    return dot(c->r, out, BB * BF * BD);
}

Test(layers, embedding_bag_gradcheck) {
    golden g;
    bag_ctx c;
    bag_load(&c, &g);
    golden_close(&g);
    seer_rng r;
    seer_rng_init(&r, 22);
    fill(c.r, BB * BF * BD, &r, -1, 1);
    float dtable[BROWS * BD];
    bag_table_grad(dtable, &c, c.r);
    gradcheck("embedding bag dtable", c.table, dtable, BROWS * BD, bag_loss, &c);
}

Test(layers, embedding_bag_backward_adds) {
    golden g;
    bag_ctx c;
    bag_load(&c, &g);
    golden_close(&g);
    seer_rng r;
    seer_rng_init(&r, 23);
    uint32_t marks[2 * BROWS] = {0}, uniq[BB * BS], slot[BB * BS];
    float dout[BB * BF * BD], once[BB * BS * BD] = {0}, d0[BB * BS * BD], twice[BB * BS * BD];
    fill(dout, BB * BF * BD, &r, -1, 1);
    fill(d0, BB * BS * BD, &r, -1, 1);
    memcpy(twice, d0, sizeof d0);
    size_t n = seer_embedding_unique(uniq, slot, c.bag_ids, c.n, marks, 1);
    seer_embedding_bag_backward(once, slot, c.off, c.w, dout, BF * BD, BB, BF, BD);
    seer_embedding_bag_backward(twice, slot, c.off, c.w, dout, BF * BD, BB, BF, BD);
    CHECK_ADDS("embedding bag", d0, once, twice, n * BD);
}

// ---- the golden loader -----------------------------------------------------

static char tmp_path[64];

static void write_tmp(const void *bytes, size_t n) {
    strcpy(tmp_path, "/tmp/seer_test_golden_XXXXXX");
    int fd = mkstemp(tmp_path);
    cr_assert(ge(int, fd, 0));
    cr_assert(eq(long, (long)write(fd, bytes, n), (long)n));
    close(fd);
}

// One tensor "ab" of shape (2) = {1.5, -2}.
static const unsigned char good_file[] = {
    'S', 'G', 'L', 'D', 1, 0, 0, 0,       // magic, count
    2, 0, 0, 0, 'a', 'b', 1, 0, 0, 0,     // name, ndim
    2, 0, 0, 0,                           // dims
    0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0,      // 1.5f, -2.0f
};

Test(golden, reads_by_hand) {
    write_tmp(good_file, sizeof good_file);
    golden g;
    cr_assert(eq(int, golden_open(&g, tmp_path), 0));
    cr_assert(eq(sz, golden_numel(&g, "ab"), 2));
    const float want[2] = {1.5f, -2.0f};
    CHECK_CLOSE(golden_get(&g, "ab"), want, 2, 0.0, 0.0);
    cr_assert(eq(ptr, (void *)golden_find(&g, "a"), NULL));
    golden_close(&g);
    unlink(tmp_path);
}

Test(golden, bad_magic) {
    unsigned char bytes[sizeof good_file];
    memcpy(bytes, good_file, sizeof bytes);
    bytes[3] = 'X';
    write_tmp(bytes, sizeof bytes);
    golden g;
    cr_assert(eq(int, golden_open(&g, tmp_path), -1));
    golden_close(&g);
    unlink(tmp_path);
}

// Every proper prefix of a valid file is rejected, and so is a trailing byte.
Test(golden, truncated_or_trailing) {
    unsigned char bytes[sizeof good_file + 1];
    memcpy(bytes, good_file, sizeof good_file);
    bytes[sizeof good_file] = 0;
    for (size_t n = 0; n <= sizeof bytes; n++) {
        if (n == sizeof good_file) continue;
        write_tmp(bytes, n);
        golden g;
        cr_assert(eq(int, golden_open(&g, tmp_path), -1), "accepted %zu of %zu bytes", n,
                  sizeof good_file);
        golden_close(&g);
        unlink(tmp_path);
    }
}

Test(golden, missing_file) {
    golden g;
    cr_assert(eq(int, golden_open(&g, "/nonexistent/seer.bin"), -1));
    golden_close(&g);
}

// CHECK_CLOSE's arithmetic: the tolerance, the first mismatch, NaN.
Test(golden, compare) {
    const float want[4] = {1.0f, -2.0f, 0.0f, 4.0f};
    const float got[4] = {1.0f, -2.1f, 1e-7f, NAN};
    golden_diff d = golden_compare(got, want, 3, 1e-3, 1e-6);
    cr_assert(eq(sz, d.n_bad, 1));
    cr_assert(eq(sz, d.first, 1));
    cr_assert(ieee_ulp_eq(dbl, d.max_abs, (double)(2.1f - 2.0f), 4));
    d = golden_compare(got, want, 3, 0.1, 1e-6);
    cr_assert(eq(sz, d.n_bad, 0));
    d = golden_compare(got, want, 4, 1.0, 1.0);
    cr_assert(eq(sz, d.n_bad, 1));
    cr_assert(eq(sz, d.first, 3));
}

// A bf16 training step's Linear that rounds each operand once (seer_linear_forward_bf16 and
// seer_linear_backward_bf16) gives what the pair rounding at every product gives, to the bit:
// y, and dx, dw, db added into what they held; without dx too. Native where the CPU has a bf16
// matmul, and emulated.
static void linear_bf16_case(size_t B, size_t n_in, size_t n_out, int with_dx) {
    seer_rng r;
    seer_rng_init(&r, 9 + B + n_in + n_out);
    size_t nx = B * n_in, nw = n_out * n_in, ny = B * n_out;
    float *x = calloc(nx, sizeof *x), *w = calloc(nw, sizeof *w), *b = calloc(n_out, sizeof *b);
    float *dy = calloc(ny, sizeof *dy), *y[2], *dx[2], *dw[2], *db[2];
    uint16_t *x16 = calloc(nx, 2), *w16 = calloc(nw, 2), *dy16 = calloc(ny, 2);
    cr_assert(x && w && b && dy && x16 && w16 && dy16);
    fill(x, nx, &r, -1, 1);
    fill(w, nw, &r, -1, 1);
    fill(b, n_out, &r, -1, 1);
    fill(dy, ny, &r, -1, 1);
    for (int k = 0; k < 2; k++) {
        y[k] = calloc(ny, sizeof *y[k]);
        dx[k] = calloc(nx, sizeof *dx[k]);
        dw[k] = calloc(nw, sizeof *dw[k]);
        db[k] = calloc(n_out, sizeof *db[k]);
        cr_assert(y[k] && dx[k] && dw[k] && db[k]);
        seer_rng_init(&r, 3);  // the same gradients so far in both
        fill(dx[k], nx, &r, -1, 1);
        fill(dw[k], nw, &r, -1, 1);
        fill(db[k], n_out, &r, -1, 1);
    }
    seer_linear_forward(y[0], x, w, b, B, n_in, n_out, SEER_PRECISION_BF16);
    seer_linear_backward(with_dx ? dx[0] : NULL, dw[0], db[0], dy, x, w, B, n_in, n_out,
                         SEER_PRECISION_BF16);
    seer_linear_forward_bf16(y[1], x, w, b, B, n_in, n_out, x16, w16);
    seer_linear_backward_bf16(with_dx ? dx[1] : NULL, dw[1], db[1], dy, dy16, x16, w16, B, n_in,
                              n_out);
    cr_assert(memcmp(y[0], y[1], ny * sizeof(float)) == 0, "y differs (B=%zu)", B);
    cr_assert(memcmp(dx[0], dx[1], nx * sizeof(float)) == 0, "dx differs (B=%zu)", B);
    cr_assert(memcmp(dw[0], dw[1], nw * sizeof(float)) == 0, "dw differs (B=%zu)", B);
    cr_assert(memcmp(db[0], db[1], n_out * sizeof(float)) == 0, "db differs (B=%zu)", B);
    for (int k = 0; k < 2; k++) {
        free(y[k]);
        free(dx[k]);
        free(dw[k]);
        free(db[k]);
    }
    free(x);
    free(w);
    free(b);
    free(dy);
    free(x16);
    free(w16);
    free(dy16);
}

static void linear_bf16_cases(void) {
    linear_bf16_case(64, 129, 33, 1);
    linear_bf16_case(1, 40, 7, 1);
    linear_bf16_case(37, 65, 1, 0);
}

Test(layers, linear_bf16_rounding_once_equals_each_product) { linear_bf16_cases(); }

Test(layers, linear_bf16_rounding_once_equals_each_product_emulated) {
    seer_gemm_bf16_emulate(1);
    linear_bf16_cases();
}


// The fused forward (nn/fused_linear.h) against the definition in double, with and without its
// ReLU, at shapes from a single value to the models' widths; it writes every output (the rows
// start as NaN) and runs on every machine (oneDNN has an fp32 matmul on every x86-64).
Test(layers, fused_linear_forward_against_the_definition) {
    static const size_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {64, 300, 256}, {100, 649, 17},
                                       {17, 33, 400}};
    seer_rng r;
    seer_rng_init(&r, 41);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int relu = 0; relu < 2; relu++) {
            size_t B = shapes[s][0], in = shapes[s][1], out = shapes[s][2];
            float *x = malloc(B * in * sizeof *x), *w = malloc(in * out * sizeof *w);
            float *b = malloc(out * sizeof *b), *y = malloc(B * out * sizeof *y);
            cr_assert(x && w && b && y);
            for (size_t i = 0; i < B * in; i++) x[i] = (float)(seer_rng_uniform(&r) * 2 - 1);
            for (size_t i = 0; i < in * out; i++) w[i] = (float)(seer_rng_uniform(&r) * 2 - 1);
            for (size_t i = 0; i < out; i++) b[i] = (float)(seer_rng_uniform(&r) * 2 - 1);
            for (size_t i = 0; i < B * out; i++) y[i] = NAN;
            cr_assert(eq(int, seer_linear_fused_forward(y, x, w, b, B, in, out, relu), 1));
            for (size_t i = 0; i < B; i++)
                for (size_t o = 0; o < out; o++) {
                    double z = b[o], mag = fabs(b[o]);
                    for (size_t k = 0; k < in; k++) {
                        z += (double)x[i * in + k] * w[o * in + k];
                        mag += fabs((double)x[i * in + k] * w[o * in + k]);
                    }
                    if (relu && z < 0) z = 0;
                    cr_assert(le(dbl, fabs(y[i * out + o] - z), 1e-6 * mag + 1e-7),
                              "%zu x %zu -> %zu, relu %d: (%zu, %zu) is %.9g, not %.9g", B, in,
                              out, relu, i, o, y[i * out + o], z);
                }
            free(x);
            free(w);
            free(b);
            free(y);
        }
}
