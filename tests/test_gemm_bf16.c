// Tests of seer_gemm_bf16 (oneDNN matmul, bf16 inputs, fp32 accumulation and output) against
// seer_gemm_ref, which works in double on the unrounded fp32 inputs. The emulated_* tests run
// the same cases through the emulation a CPU without bf16 gets (seer_gemm_bf16_emulate), and
// the avx2_* ones hold oneDNN to AVX2 so that the fallback itself is taken, on any machine.
//
// Tolerance, per element. bf16 keeps an 8-bit significand, so rounding to nearest moves each
// input by a relative 2^-8 at most and a product a'b' by (1 + 2^-8)^2 - 1 < 7.9e-3 of |ab|.
// The fp32 sum of K such products adds at most about K * 2^-24 of sum |a'b'| (2.6e-5 for the
// largest K here), and alpha, beta and the final additions a few fp32 roundings of each term.
// So with S = sum_k |a_ik b_kj|:
//
//   |got - ref| <= 1e-2 * |alpha| * S + 1e-6 * |beta * C_old|
//
// which is sound, not a statistical guess. A wrong index, stride or transpose moves an element by
// O(S / sqrt(K)) or more, far beyond 1e-2 S, so the bound still catches layout bugs.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <criterion/redirect.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "address_space.h"
#include "base/rng.h"
#include "nn/gemm.h"

#define BF16_RTOL 1e-2
#define BETA_RTOL 1e-6

static void fill(float *x, size_t n, seer_rng *r, double lo, double hi) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(lo + (hi - lo) * seer_rng_uniform(r));
}

static float *alloc_floats(size_t n) {
    float *x = malloc(n * sizeof *x);
    cr_assert(x != NULL);
    return x;
}

// C = alpha op(A) op(B) + beta C through seer_gemm_bf16 and through the reference, with the
// leading dimensions padded by pad (lda = cols + pad etc.); the padding must stay untouched.
static void bf16_case(int ta, int tb, size_t M, size_t N, size_t K, float alpha, float beta,
                      size_t pad) {
    seer_rng r;
    seer_rng_init(&r, 2000 + M * 7 + N * 3 + K + pad);
    size_t a_rows = ta ? K : M, a_cols = ta ? M : K, b_rows = tb ? N : K, b_cols = tb ? K : N;
    size_t lda = a_cols + pad, ldb = b_cols + pad, ldc = N + pad;
    float *A = alloc_floats(a_rows * lda), *Bm = alloc_floats(b_rows * ldb);
    float *C = alloc_floats(M * ldc), *C_old = alloc_floats(M * ldc), *R = alloc_floats(M * ldc);
    float *A_abs = alloc_floats(a_rows * lda), *B_abs = alloc_floats(b_rows * ldb);
    float *S = alloc_floats(M * ldc);
    fill(A, a_rows * lda, &r, -1, 1);
    fill(Bm, b_rows * ldb, &r, -1, 1);
    fill(C_old, M * ldc, &r, -1, 1);
    for (size_t i = 0; i < a_rows * lda; i++) A_abs[i] = fabsf(A[i]);
    for (size_t i = 0; i < b_rows * ldb; i++) B_abs[i] = fabsf(Bm[i]);
    memcpy(C, C_old, M * ldc * sizeof *C);
    memcpy(R, C_old, M * ldc * sizeof *R);

    seer_gemm_bf16(ta, tb, M, N, K, alpha, A, lda, Bm, ldb, beta, C, ldc);
    seer_gemm_ref(ta, tb, M, N, K, alpha, A, lda, Bm, ldb, beta, R, ldc);
    seer_gemm_ref(ta, tb, M, N, K, 1.0f, A_abs, lda, B_abs, ldb, 0.0f, S, ldc);
    for (size_t i = 0; i < M; i++) {
        for (size_t j = 0; j < ldc; j++) {
            size_t at = i * ldc + j;
            double got = C[at], want = j < N ? R[at] : C_old[at];
            double tol = j < N ? BF16_RTOL * fabs(alpha) * S[at] +
                                     BETA_RTOL * fabs((double)beta * C_old[at])
                               : 0.0;
            if (!(fabs(got - want) <= tol))
                cr_fatal("gemm_bf16 ta=%d tb=%d M=%zu N=%zu K=%zu alpha=%g beta=%g pad=%zu: "
                         "C[%zu][%zu] got %.9g want %.9g tol %.3g%s", ta, tb, M, N, K, alpha,
                         beta, pad, i, j, got, want, tol, j < N ? "" : " (padding was written)");
        }
    }
    free(A);
    free(Bm);
    free(C);
    free(C_old);
    free(R);
    free(A_abs);
    free(B_abs);
    free(S);
}

// Every size, with alpha 1 (what the training loop uses), beta 0 and 1, dense and padded.
static void bf16_sizes(int ta, int tb) {
    const size_t sizes[][3] = {{1, 1, 1},     {3, 17, 5},    {33, 65, 129},
                               {256, 441, 64}, {64, 441, 256}, {32, 64, 441}};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (size_t pad = 0; pad <= 3; pad += 3) {
            bf16_case(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 1.0f, 0.0f, pad);
            bf16_case(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 1.0f, 1.0f, pad);
        }
}

Test(gemm_bf16, vs_ref_nn) { bf16_sizes(0, 0); }
Test(gemm_bf16, vs_ref_nt) { bf16_sizes(0, 1); }
Test(gemm_bf16, vs_ref_tn) { bf16_sizes(1, 0); }
Test(gemm_bf16, vs_ref_tt) { bf16_sizes(1, 1); }

// Other alphas and betas go through the primitive's output scale and sum post-op.
Test(gemm_bf16, vs_ref_alpha_beta) {
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            bf16_case(ta, tb, 33, 65, 129, -0.5f, 0.0f, 3);
            bf16_case(ta, tb, 33, 65, 129, 2.0f, 0.25f, 3);
            bf16_case(ta, tb, 64, 441, 256, 0.5f, -2.0f, 0);
        }
}

// More shapes than the primitive cache holds (64): the evicted ones are rebuilt correctly.
Test(gemm_bf16, cache_eviction) {
    for (int round = 0; round < 2; round++)
        for (size_t m = 1; m <= 70; m++) bf16_case(0, 1, m, 5, 7, 1.0f, 1.0f, 0);
}

// The inputs are rounded to nearest even. With B = 1, C = bf16(A) exactly:
//   1 + 2^-8      halfway between 1 and 1 + 2^-7: to the even one, 1
//   1 + 3 * 2^-8  halfway between 1 + 2^-7 and 1 + 2^-6: to the even one, 1 + 2^-6
//   1 + 2^-8 + 2^-20  just above halfway: up, 1 + 2^-7
//   -(1 + 2^-9)   below halfway: -1
//   FLT_MAX       past the largest bf16: infinity
//   NaN with only low payload bits: stays NaN (a naive rounding carries it into infinity)
Test(gemm_bf16, rounds_to_nearest_even) {
    uint32_t nan_bits = 0x7f800001u;
    float nan_low;
    memcpy(&nan_low, &nan_bits, sizeof nan_low);
    const float A[6] = {1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, 1.0f + 0x1p-8f + 0x1p-20f,
                        -(1.0f + 0x1p-9f), 0x1.fffffep127f, nan_low};
    const float want[5] = {1.0f, 1.0f + 0x1p-6f, 1.0f + 0x1p-7f, -1.0f, INFINITY};
    const float one = 1.0f;
    float C[6];
    seer_gemm_bf16(0, 0, 6, 1, 1, 1.0f, A, 1, &one, 1, 0.0f, C, 1);
    for (int i = 0; i < 5; i++) cr_expect(eq(flt, C[i], want[i]), "A[%d] = %a", i, A[i]);
    cr_expect(isnan(C[5]), "NaN input gave %g", C[5]);
}

// beta = 0 does not read C: NaNs there do not leak into the result.
Test(gemm_bf16, beta_zero_ignores_c) {
    const float A[2] = {1, 2}, B[2] = {3, 4};  // (1,2) and (2,1)
    float C[1] = {NAN};
    seer_gemm_bf16(0, 0, 1, 1, 2, 1.0f, A, 2, B, 1, 0.0f, C, 1);
    cr_assert(eq(flt, C[0], 11.0f));
}

// K = 0 is an empty sum: C = beta * C.
Test(gemm_bf16, empty_k) {
    float C[4] = {1, 2, 3, 4};
    seer_gemm_bf16(0, 0, 2, 2, 0, 1.0f, NULL, 1, NULL, 2, 0.5f, C, 2);
    const float want[4] = {0.5f, 1.0f, 1.5f, 2.0f};
    for (int i = 0; i < 4; i++) cr_expect(eq(flt, C[i], want[i]));
    seer_gemm_bf16(0, 0, 2, 2, 0, 1.0f, NULL, 1, NULL, 2, 0.0f, C, 2);
    for (int i = 0; i < 4; i++) cr_expect(eq(flt, C[i], 0.0f));
}

// The same call twice gives bit-identical results, for beta 0 and 1.
Test(gemm_bf16, deterministic) {
    const size_t M = 64, N = 441, K = 256;  // the MLP's first-layer weight gradient
    seer_rng r;
    seer_rng_init(&r, 7);
    float *A = alloc_floats(K * M), *Bm = alloc_floats(K * N), *C_old = alloc_floats(M * N);
    float *C1 = alloc_floats(M * N), *C2 = alloc_floats(M * N);
    fill(A, K * M, &r, -1, 1);
    fill(Bm, K * N, &r, -1, 1);
    fill(C_old, M * N, &r, -1, 1);
    for (int beta = 0; beta <= 1; beta++) {
        memcpy(C1, C_old, M * N * sizeof *C1);
        memcpy(C2, C_old, M * N * sizeof *C2);
        seer_gemm_bf16(1, 0, M, N, K, 1.0f, A, M, Bm, N, (float)beta, C1, N);
        seer_gemm_bf16(1, 0, M, N, K, 1.0f, A, M, Bm, N, (float)beta, C2, N);
        cr_assert(eq(int, memcmp(C1, C2, M * N * sizeof *C1), 0), "beta=%d", beta);
    }
    free(A);
    free(Bm);
    free(C_old);
    free(C1);
    free(C2);
}

// --- The emulation: bf16-rounded operands multiplied in fp32 (CPUs without bf16).

// x rounded to bf16 (nearest even), as a float: the product of 1 x 1 matrices with B = 1.
static float bf16_of(float x) {
    const float one = 1.0f;
    float c;
    seer_gemm_bf16(0, 0, 1, 1, 1, 1.0f, &x, 1, &one, 1, 0.0f, &c, 1);
    return c;
}

Test(gemm_bf16, emulated_vs_ref_nn) {
    seer_gemm_bf16_emulate(1);
    bf16_sizes(0, 0);
    cr_assert(eq(int, seer_gemm_bf16_native(), 0));
}
Test(gemm_bf16, emulated_vs_ref_nt) {
    seer_gemm_bf16_emulate(1);
    bf16_sizes(0, 1);
}
Test(gemm_bf16, emulated_vs_ref_tn) {
    seer_gemm_bf16_emulate(1);
    bf16_sizes(1, 0);
}
Test(gemm_bf16, emulated_vs_ref_tt) {
    seer_gemm_bf16_emulate(1);
    bf16_sizes(1, 1);
}

Test(gemm_bf16, emulated_vs_ref_alpha_beta) {
    seer_gemm_bf16_emulate(1);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            bf16_case(ta, tb, 33, 65, 129, -0.5f, 0.0f, 3);
            bf16_case(ta, tb, 33, 65, 129, 2.0f, 0.25f, 3);
        }
}

// The emulation rounds exactly as the native path (the cases of rounds_to_nearest_even).
Test(gemm_bf16, emulated_rounds_to_nearest_even) {
    seer_gemm_bf16_emulate(1);
    uint32_t nan_bits = 0x7f800001u;
    float nan_low;
    memcpy(&nan_low, &nan_bits, sizeof nan_low);
    cr_expect(eq(flt, bf16_of(1.0f + 0x1p-8f), 1.0f));
    cr_expect(eq(flt, bf16_of(1.0f + 3 * 0x1p-8f), 1.0f + 0x1p-6f));
    cr_expect(eq(flt, bf16_of(1.0f + 0x1p-8f + 0x1p-20f), 1.0f + 0x1p-7f));
    cr_expect(eq(flt, bf16_of(-(1.0f + 0x1p-9f)), -1.0f));
    cr_expect(eq(flt, bf16_of(0x1.fffffep127f), INFINITY));
    cr_expect(isnan(bf16_of(nan_low)));
}

// x rounded to bf16 independently of seer's bit trick, for the expected values: to the
// nearest multiple of bf16's spacing at x's binade (8 significant bits; the spacing of the
// lowest normal binade below it), ties to even (the default rounding mode), past the largest
// bf16 to infinity.
static float ref_bf16(float x) {
    if (isnan(x) || isinf(x) || x == 0.0f) return x;
    int e = ilogb(x) < -126 ? -126 : ilogb(x);
    double step = ldexp(1.0, e - 7);
    double r = nearbyint((double)x / step) * step;
    return fabs(r) > 0x1.fep127 ? copysignf(INFINITY, x) : (float)r;
}

// .ci/run's second pass holds oneDNN to AVX2: then there is no bf16 matmul, and this line in
// ctest's log is its proof that the variable reached the tests (on any CPU, unlike the
// warning about a CPU without bf16, which an AVX2-only CPU prints in both passes).
Test(gemm_bf16, isa_cap_reaches_the_tests) {
    const char *cap = getenv("DNNL_MAX_CPU_ISA");
    if (!cap || strcasecmp(cap, "AVX2") != 0) cr_skip_test("DNNL_MAX_CPU_ISA is not AVX2");
    cr_assert(eq(int, seer_gemm_bf16_native(), 0));
    fprintf(stderr, "seer test: DNNL_MAX_CPU_ISA=AVX2 reached the tests: bf16 is emulated\n");
}

Test(gemm_bf16, ref_bf16_rounds_as_documented) {
    cr_expect(eq(flt, ref_bf16(1.0f + 0x1p-8f), 1.0f));
    cr_expect(eq(flt, ref_bf16(1.0f + 3 * 0x1p-8f), 1.0f + 0x1p-6f));
    cr_expect(eq(flt, ref_bf16(-(1.0f + 0x1p-9f)), -1.0f));
    cr_expect(eq(flt, ref_bf16(0x1.fffffep127f), INFINITY));
    cr_expect(eq(flt, ref_bf16(0x1.01p-100f), 0x1p-100f));  // a tie, to even
    cr_expect(eq(flt, ref_bf16(0x1.8p-133f), 0x1p-132f));   // subnormal: spacing 2^-133
}

// op(A) op(B) with A and B already rounded to bf16, by the reference loop (double) and by
// seer_gemm_bf16, which must then differ only by fp32 summation: |got - ref| <= (K + 4) 2^-23 S
// (a sum of K terms in fp32 is off by at most K 2^-24 of the sum of their magnitudes; twice
// that and a few roundings for alpha and beta, so the bound is sound with room). Multiplying
// the unrounded inputs would be off by about 2^-9 S / sqrt(K), which this catches for every K
// here.
static void rounded_case(int ta, int tb, size_t M, size_t N, size_t K, float alpha, float beta,
                         int compare_native) {
    seer_rng r;
    seer_rng_init(&r, 77 + M + N + K);
    size_t a_n = M * K, b_n = K * N;
    size_t lda = ta ? M : K, ldb = tb ? K : N;
    float *A = alloc_floats(a_n), *Bm = alloc_floats(b_n), *A16 = alloc_floats(a_n);
    float *B16 = alloc_floats(b_n), *C_old = alloc_floats(M * N), *R = alloc_floats(M * N);
    float *C = alloc_floats(M * N), *S = alloc_floats(M * N);
    fill(A, a_n, &r, -1, 1);
    fill(Bm, b_n, &r, -1, 1);
    fill(C_old, M * N, &r, -1, 1);
    for (size_t i = 0; i < a_n; i++) A16[i] = ref_bf16(A[i]);
    for (size_t i = 0; i < b_n; i++) B16[i] = ref_bf16(Bm[i]);
    memcpy(R, C_old, M * N * sizeof *R);
    if (compare_native) {
        // R from the native matmul instead of the loop: the two paths agree.
        seer_gemm_bf16_emulate(0);
        cr_assert(eq(int, seer_gemm_bf16_native(), 1));
        seer_gemm_bf16(ta, tb, M, N, K, alpha, A, lda, Bm, ldb, beta, R, N);
        seer_gemm_bf16_emulate(1);
    } else {
        seer_gemm_ref(ta, tb, M, N, K, alpha, A16, lda, B16, ldb, beta, R, N);
    }
    for (size_t i = 0; i < a_n; i++) A16[i] = fabsf(A16[i]);
    for (size_t i = 0; i < b_n; i++) B16[i] = fabsf(B16[i]);
    seer_gemm_ref(ta, tb, M, N, K, 1.0f, A16, lda, B16, ldb, 0.0f, S, N);
    memcpy(C, C_old, M * N * sizeof *C);
    cr_assert(eq(int, seer_gemm_bf16_native(), 0));
    seer_gemm_bf16(ta, tb, M, N, K, alpha, A, lda, Bm, ldb, beta, C, N);
    for (size_t i = 0; i < M * N; i++) {
        double tol = (K + 4) * 0x1p-23 * fabs(alpha) * S[i] + BETA_RTOL * fabs(beta * C_old[i]);
        if (!(fabs((double)C[i] - R[i]) <= tol))
            cr_fatal("emulated ta=%d tb=%d M=%zu N=%zu K=%zu: C[%zu] got %.9g, %s %.9g, tol %.3g",
                     ta, tb, M, N, K, i, C[i], compare_native ? "native" : "rounded ref", R[i],
                     tol);
    }
    free(A);
    free(Bm);
    free(A16);
    free(B16);
    free(C_old);
    free(R);
    free(C);
    free(S);
}

Test(gemm_bf16, emulated_matches_rounded_ref) {
    seer_gemm_bf16_emulate(1);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            rounded_case(ta, tb, 33, 65, 129, 1.0f, 0.0f, 0);
            rounded_case(ta, tb, 64, 441, 256, 1.0f, 1.0f, 0);
            rounded_case(ta, tb, 3, 17, 5, -0.5f, 0.25f, 0);
        }
}

// Where this CPU has oneDNN's bf16 matmul, the emulation gives its results to fp32 summation.
Test(gemm_bf16, emulated_matches_native) {
    if (!seer_gemm_bf16_native())
        cr_skip_test("no oneDNN bf16 matmul on this CPU: nothing to compare with");
    seer_gemm_bf16_emulate(1);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            rounded_case(ta, tb, 33, 65, 129, 1.0f, 0.0f, 1);
            rounded_case(ta, tb, 64, 441, 256, 1.0f, 1.0f, 1);
            rounded_case(ta, tb, 3, 17, 5, -0.5f, 0.25f, 1);
        }
}

// --- oneDNN held to AVX2, where it has no bf16 matmul: seer falls back instead of aborting.
// Each Criterion test is a process of its own, and oneDNN reads DNNL_MAX_CPU_ISA at its first
// use, so setting it before the test body holds oneDNN to AVX2 for this test alone.

static void hold_to_avx2(void) {
    setenv("DNNL_MAX_CPU_ISA", "AVX2", 1);
    cr_redirect_stderr();
}

Test(gemm_bf16, avx2_falls_back_to_emulation, .init = hold_to_avx2) {
    cr_assert(eq(int, seer_gemm_bf16_native(), 0));
    bf16_case(0, 0, 33, 65, 129, 1.0f, 1.0f, 3);
    bf16_case(1, 1, 64, 441, 256, 0.5f, -2.0f, 0);
    rounded_case(0, 1, 64, 441, 256, 1.0f, 1.0f, 0);
    cr_assert(eq(flt, bf16_of(1.0f + 3 * 0x1p-8f), 1.0f + 0x1p-6f));
}

// The warning comes once, however many products, and says what happened.
Test(gemm_bf16, avx2_warns_once, .init = hold_to_avx2) {
    for (int i = 0; i < 3; i++) bf16_case(0, 1, 3, 17, 5, 1.0f, 0.0f, 0);
    fflush(stderr);
    char out[1024] = {0};
    size_t n = fread(out, 1, sizeof out - 1, cr_get_redirected_stderr());
    const char *want = "seer: warning: this CPU has no bf16 instructions: --precision bf16 "
                       "rounds to bf16 but multiplies in fp32, no faster than fp32\n";
    cr_assert(eq(str, out, (char *)want), "stderr (%zu bytes): %s", n, out);
}

// --- Out of memory: no assertion, a plain loop with the same rounding, said once.


// A and B of 4 Mi floats each, then an address-space limit 24 MiB above the process: the
// emulation's two 16 MiB copies cannot both be had, so the product falls to the loop.
Test(gemm_bf16, out_of_memory_uses_loop, .init = cr_redirect_stderr) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("ASan reserves the address space an rlimit would measure");
#endif
    const size_t K = (size_t)4 << 20;
    float *A = alloc_floats(K), *Bm = alloc_floats(K);
    for (size_t k = 0; k < K; k++) {
        A[k] = 1.0f + 0x1p-8f;  // rounds to 1
        Bm[k] = 1.0f;
    }
    seer_gemm_bf16_emulate(1);
    (void)seer_gemm_bf16_native();  // oneDNN's engine and first primitive, before the limit
    address_space_leave((size_t)24 << 20);
    float C = -1.0f;
    seer_gemm_bf16(0, 0, 1, 1, K, 1.0f, A, K, Bm, 1, 0.0f, &C, 1);
    seer_gemm_bf16(0, 0, 1, 1, K, 1.0f, A, K, Bm, 1, 0.0f, &C, 1);
    cr_assert(eq(flt, C, (float)K), "got %.1f", C);  // the loop sums in double: exact
    fflush(stderr);
    char out[1024] = {0};
    fread(out, 1, sizeof out - 1, cr_get_redirected_stderr());
    const char *want = "seer: warning: allocating the bf16 copies failed (out_of_memory); "
                       "a product without room for them uses a plain loop\n";
    // Once, after the word about a CPU without bf16 where that applies.
    const char *at = strstr(out, want);
    cr_assert(at != NULL && strstr(at + 1, want) == NULL, "stderr: %s", out);
    free(A);
    free(Bm);
}

// Where oneDNN has a bf16 matmul, a shortage of memory for the copies sends that one product
// to the loop and leaves the native path on: the emulation would need copies twice the size.
Test(gemm_bf16, native_out_of_memory_stays_native, .init = cr_redirect_stderr) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("ASan reserves the address space an rlimit would measure");
#endif
    if (!seer_gemm_bf16_native()) cr_skip_test("no oneDNN bf16 matmul on this CPU");
    const size_t K = (size_t)16 << 20;  // copies of 32 MiB each, over the limit below
    float *A = alloc_floats(K), *Bm = alloc_floats(K);
    for (size_t k = 0; k < K; k++) {
        A[k] = 1.0f + 0x1p-8f;  // rounds to 1
        Bm[k] = 1.0f;
    }
    address_space_leave((size_t)24 << 20);
    float C = -1.0f;
    seer_gemm_bf16(0, 0, 1, 1, K, 1.0f, A, K, Bm, 1, 0.0f, &C, 1);
    cr_assert(eq(flt, C, (float)K), "got %.1f", C);
    cr_assert(eq(int, seer_gemm_bf16_native(), 1), "one shortage switched bf16 to emulation");
    free(A);
    free(Bm);
}

// seer_bf16_round (the vector loop: AVX-512 where the CPU has it) rounds as ref_bf16 does, to the
// bit, over every kind of value (ties both ways, subnormals, the largest finite values, the
// infinities; a NaN stays a NaN of its sign) and at lengths that end inside a vector.
Test(gemm_bf16, round_matches_ref_at_every_length) {
    const float special[] = {0.0f,          -0.0f,          1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f,
                             -(1.0f + 0x1p-9f), 0x1.fffffep127f, -0x1.fffffep127f, 0x1.01p-100f,
                             0x1.8p-133f,   0x1p-149f,      INFINITY,       -INFINITY,
                             NAN,           -NAN,           0x1.fefffep127f, 0x1.ff8p127f};
    size_t n_special = sizeof special / sizeof *special;
    seer_rng r;
    seer_rng_init(&r, 41);
    for (size_t n = 0; n <= 100; n++) {
        float *x = alloc_floats(n + 1);
        uint16_t *got = malloc((n + 1) * sizeof *got);
        cr_assert(got != NULL);
        for (size_t i = 0; i < n; i++) {
            uint32_t bits = (uint32_t)seer_rng_next(&r);
            memcpy(&x[i], &bits, sizeof bits);  // any bit pattern, NaNs included
            if (i % 3 == 0) x[i] = special[(n + i) % n_special];
        }
        seer_bf16_round(got, x, n);
        for (size_t i = 0; i < n; i++) {
            uint32_t u = (uint32_t)got[i] << 16;
            float g;
            memcpy(&g, &u, sizeof g);
            if (isnan(x[i])) {
                cr_assert(isnan(g) && signbit(g) == signbit(x[i]), "n=%zu i=%zu: NaN lost", n, i);
                continue;
            }
            float want = ref_bf16(x[i]);
            cr_assert(memcmp(&g, &want, sizeof g) == 0, "n=%zu i=%zu: %a rounded to %a, not %a",
                      n, i, (double)x[i], (double)g, (double)want);
        }
        free(x);
        free(got);
    }
}

// seer_gemm_bf16_pre on operands rounded once gives what seer_gemm_bf16 gives on the fp32
// operands, bit for bit: native (where the CPU has it) and emulated, every transposition,
// alpha and beta, an empty K.
static void pre_case(int ta, int tb, size_t M, size_t N, size_t K, float alpha, float beta) {
    seer_rng r;
    seer_rng_init(&r, 5 + M + N + K);
    size_t a_n = M * K, b_n = K * N;
    float *A = alloc_floats(a_n + 1), *Bm = alloc_floats(b_n + 1);
    float *C = alloc_floats(M * N), *P = alloc_floats(M * N);
    uint16_t *A16 = malloc((a_n + 1) * sizeof *A16), *B16 = malloc((b_n + 1) * sizeof *B16);
    cr_assert(A16 && B16);
    fill(A, a_n, &r, -2, 2);
    fill(Bm, b_n, &r, -2, 2);
    fill(C, M * N, &r, -1, 1);
    memcpy(P, C, M * N * sizeof *P);
    seer_bf16_round(A16, A, a_n);
    seer_bf16_round(B16, Bm, b_n);
    seer_gemm_bf16(ta, tb, M, N, K, alpha, A, ta ? M : K, Bm, tb ? K : N, beta, C, N);
    seer_gemm_bf16_pre(ta, tb, M, N, K, alpha, A16, B16, beta, P, N);
    cr_assert(memcmp(C, P, M * N * sizeof *C) == 0,
              "ta=%d tb=%d M=%zu N=%zu K=%zu: the product of operands rounded once differs", ta,
              tb, M, N, K);
    free(A);
    free(Bm);
    free(C);
    free(P);
    free(A16);
    free(B16);
}

static void pre_cases(void) {
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            pre_case(ta, tb, 33, 65, 129, 1.0f, 0.0f);
            pre_case(ta, tb, 64, 441, 256, 1.0f, 1.0f);
            pre_case(ta, tb, 3, 17, 5, -0.5f, 0.25f);
            pre_case(ta, tb, 7, 9, 0, 1.0f, 0.5f);
        }
}

Test(gemm_bf16, pre_rounded_equals_rounding_each_call) { pre_cases(); }

Test(gemm_bf16, pre_rounded_equals_rounding_each_call_emulated) {
    seer_gemm_bf16_emulate(1);
    pre_cases();
}
