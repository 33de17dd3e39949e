// seer_gemm through oneDNN (dnnl_sgemm, JIT kernels for this CPU), seer_gemm_bf16 through
// oneDNN's matmul primitive where the CPU has one for bf16 (nn/matmul.c, which caches the
// primitives), and the plain reference loop. With matmul.c, the only oneDNN.
// seer_gemm_bf16_rounded runs the same cached primitives on operands the caller rounded once
// (the roofline's bf16 peak), and seer_gemm_u8s8s32 is oneDNN's integer GEMM (its int8 peak).
//
// seer_gemm_bf16: oneDNN 2.6 has no bf16 GEMM call that takes fp32 inputs, so each call rounds
// A and B into bf16 scratch copies and runs a matmul (bf16 x bf16 -> f32 dst, fp32
// accumulation). The copies are dense and keep the caller's layout, so a transposed operand is
// the same buffer read with swapped strides (matmul.h); lda and ldb do not reach the matmul. The
// copies are static: not thread-safe.
//
// The machine decides, not an assertion. oneDNN has no bf16 matmul below AVX-512
// (dnnl_unimplemented on an AVX2-only CPU or under DNNL_MAX_CPU_ISA=AVX2), so when a primitive
// cannot be made or run, seer_gemm_bf16 switches for good to the emulation: the same rounded
// values, kept as fp32 (a bf16 value is an fp32 one with the low 16 bits zero), through
// dnnl_sgemm. A product of two 8-bit significands is exact in fp32, so this computes what the
// bf16 hardware computes, up to the order of the fp32 additions. A product whose matmul finds no
// memory for its scratchpad, or finds another thread inside a matmul, is emulated alone. Where
// memory or oneDNN fails even for that, the plain loop below does the work (for the one
// product, when only memory for the copies was short). Each kind of fallback is said once on
// stderr. dnnl_invalid_arguments is the one status that means a bug here, and it still asserts.
// Under an address-space limit oneDNN 2.6 can also die inside its own calls (an uncaught
// std::bad_alloc, or a fault while it JIT-compiles), before it returns a status. So under such
// a limit oneDNN compiles only with room to: matmul.c makes a primitive only while 32 MiB more
// could be mapped (else out of memory: the bf16 products are emulated, the fused forward
// declines), and the first sgemm of each kind (sgemm_kind), which compiles kernels of its own,
// needs 24 MiB (SGEMM_HEADROOM; the plain loop until then). Both come from scans of ulimit -v
// (commits 820ec28 and ad4d11a): 8 MiB was too little for a matmul, and for a first product
// that compiles both the kernels of all (6 MB) and the small ones (11.5 MB, with AVX-512).
#include "nn/gemm.h"

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"
#include "base/error.h"
#include "base/mem.h"
#include "base/threads.h"
#include "nn/matmul.h"

static struct {
    int started;       // the engine and a first primitive were tried
    int cpu_has_bf16;  // oneDNN may use AVX512-BF16 or AMX instructions
    int emulate;       // no oneDNN bf16 matmul: round and multiply in fp32
    int forced;        // emulate set by seer_gemm_bf16_emulate, not by a failure
    void *a_copy, *b_copy;  // A and B rounded: bf16 (native) or fp32 (emulated)
    size_t a_copy_bytes, b_copy_bytes;
} bf16;
static atomic_flag bf16_busy = ATOMIC_FLAG_INIT;
// One warning per kind of fallback, so a later fallback of another kind is said too.
static atomic_flag warned_sgemm = ATOMIC_FLAG_INIT, warned_matmul = ATOMIC_FLAG_INIT,
                   warned_matmul_memory = ATOMIC_FLAG_INIT, warned_copies = ATOMIC_FLAG_INIT,
                   warned_sgemm_room = ATOMIC_FLAG_INIT;
// Bit k set once a dnnl_sgemm of kind k (sgemm_kind) has returned: its kernels are compiled.
static atomic_uint sgemm_compiled;
#define SGEMM_HEADROOM ((size_t)24 << 20)

// True when st is dnnl_success. Any status but dnnl_invalid_arguments (our bug) can come from
// the machine: no kernel for this ISA, out of memory, a JIT failure.
static int dnnl_ok(dnnl_status_t st) {
    SEER_ASSERT(st != dnnl_invalid_arguments);
    return st == dnnl_success;
}

// Once per process and kind (once), whichever thread sees the first failure.
static void warn_failure(atomic_flag *once, dnnl_status_t st, const char *what,
                         const char *fallback) {
    if (!atomic_flag_test_and_set(once))
        fprintf(stderr, "seer: warning: %s failed (%s); %s\n", what, dnnl_status2str(st),
                fallback);
}

// fp32 -> bf16, round to nearest even: add 0x7fff plus the lowest kept bit, then drop the low
// 16 bits (a finite value that rounds past the largest bf16 becomes infinity, as it should).
// A NaN could carry into infinity that way, so it is kept a (quiet) NaN instead.
static uint16_t to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// x rounded to bf16 and widened back to fp32, exactly.
static float round_bf16(float x) {
    uint32_t u = (uint32_t)to_bf16(x) << 16;
    float r;
    memcpy(&r, &u, sizeof r);
    return r;
}

// dst (rows, cols), dense = X (rows, cols) with row stride ld, rounded to bf16: the loop that
// convert_bf16 compiles twice.
static inline __attribute__((always_inline)) void convert_rows(uint16_t *dst, const float *X,
                                                               size_t rows, size_t cols,
                                                               size_t ld) {
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) dst[r * cols + c] = to_bf16(X[r * ld + c]);
}

#if SEER_HAVE_AVX512_CLONES
// The same loop in 512-bit vectors, for the CPUs that have them (each bf16 CPU does).
SEER_TARGET_AVX512 static void
convert_rows_avx512(uint16_t *dst, const float *X, size_t rows, size_t cols, size_t ld) {
    convert_rows(dst, X, rows, cols, ld);
}
#define SEER_CONVERT_AVX512 1
#endif

// convert_rows in the widest vectors this CPU has: rounding is about a tenth of a bf16
// training step, and AVX-512 halves it. The build targets AVX2, so the choice is made here,
// at run time (an ifunc would do the same).
static void convert_bf16(uint16_t *dst, const float *X, size_t rows, size_t cols, size_t ld) {
    if (ld == cols) {  // dense: one long row, so the vector loop's scalar tail runs once
        cols *= rows;
        rows = 1;
    }
#ifdef SEER_CONVERT_AVX512
    if (seer_cpu_avx512()) {
        convert_rows_avx512(dst, X, rows, cols, ld);
        return;
    }
#endif
    convert_rows(dst, X, rows, cols, ld);
}

// dst (n) = the bf16 values src (n) as fp32, exactly.
static void widen_bf16(float *dst, const uint16_t *src, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)src[i] << 16;
        memcpy(&dst[i], &u, sizeof u);
    }
}

// The same, kept as fp32, for the emulation.
static void round_copy(float *dst, const float *X, size_t rows, size_t cols, size_t ld) {
    if (ld == cols) {
        cols *= rows;
        rows = 1;
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) dst[r * cols + c] = round_bf16(X[r * ld + c]);
}

// C = alpha op(A) op(B) + beta C, a plain loop with double sums; with round_inputs, A and B are
// rounded to bf16 first. The oracle, and the last resort when no buffer can be had.
static void loop_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                      const float *A, size_t lda, const float *B, size_t ldb, float beta,
                      float *C, size_t ldc, int round_inputs) {
    for (size_t i = 0; i < M; i++) {
        for (size_t j = 0; j < N; j++) {
            double acc = 0.0;
            for (size_t k = 0; k < K; k++) {
                float a = trans_a ? A[k * lda + i] : A[i * lda + k];
                float b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
                if (round_inputs) {
                    a = round_bf16(a);
                    b = round_bf16(b);
                }
                acc += (double)a * b;
            }
            float c = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
            C[i * ldc + j] = c + alpha * (float)acc;
        }
    }
}

// Makes *buf (64-byte aligned) hold at least bytes; the contents are not kept. Returns 0 when
// the memory cannot be had (and *buf is then empty).
static int grow(void **buf, size_t *cap, size_t bytes) {
    if (bytes <= *cap) return 1;
    size_t rounded = (bytes + 63) / 64 * 64;
    free(*buf);
    *buf = aligned_alloc(64, rounded);
    *cap = *buf ? rounded : 0;
    return *buf != NULL;
}

// The kinds of product whose kernels oneDNN compiles apart: the transposes, a single row or
// column (matrix-vector kernels), and 2 to 15 rows, for which oneDNN 2.6 compiles its small
// kernels at the first such product with B transposed (11.5 MB with AVX-512; found by a scan
// of shapes, each the first of a process after a 64 x 64 x 64 product: no other shape from 1 to
// 64 rows and columns in any arrangement grew the process by more than 300 KB).
static unsigned sgemm_kind(int trans_a, int trans_b, size_t M, size_t N) {
    return 1u << ((trans_a != 0) | (trans_b != 0) << 1 | (M == 1) << 2 | (N == 1) << 3 |
                  (M >= 2 && M <= 15) << 4);
}

// dnnl_sgemm, or the plain loop where oneDNN reports a failure (out of memory for its packing
// buffers). Each thread of oneDNN allocates its own before it computes its block of C, so with
// beta != 0 and several threads a block could have been added already; that needs an
// allocation of a few hundred KiB to fail while the rest of training goes on, and is left so.
static void sgemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                  const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                  size_t ldc) {
    // oneDNN compiles sgemm's kernels at the process's first product, and more at the first
    // of each other kind; under a limit on the address space without room for that, its JIT
    // faults (`seer serve` of a small deepfm under `ulimit -v` 65,000-70,000 KB: SIGSEGV at the
    // third kind, after the first had room): the loop until there is room. There, too, the
    // product runs on one thread (base/threads.h says why).
    unsigned kind = sgemm_kind(trans_a, trans_b, M, N);
    unsigned compiled = atomic_load_explicit(&sgemm_compiled, memory_order_relaxed);
    int first = !(compiled & kind);
    if (!compiled) seer_threads_fit_limit();
    if (first && !seer_address_space_has(SGEMM_HEADROOM)) {
        warn_failure(&warned_sgemm_room, dnnl_out_of_memory, "compiling oneDNN's sgemm kernels",
                     "products use a plain loop until there is room under the address-space "
                     "limit");
        loop_gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 0);
        return;
    }
    int held = seer_threads_hold_small((double)M * (double)N * (double)K);
    dnnl_status_t st = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', (dnnl_dim_t)M,
                                  (dnnl_dim_t)N, (dnnl_dim_t)K, alpha, A, (dnnl_dim_t)lda, B,
                                  (dnnl_dim_t)ldb, beta, C, (dnnl_dim_t)ldc);
    seer_threads_release(held);
    if (dnnl_ok(st)) {
        if (first) atomic_fetch_or_explicit(&sgemm_compiled, kind, memory_order_relaxed);
        return;
    }
    warn_failure(&warned_sgemm, st, "oneDNN's sgemm",
                 "this product and any other that fails use a plain loop");
    loop_gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 0);
}

// The matmul of a bf16 product: op(A16) (M,K) by op(B16) (K,N), both dense.
static seer_matmul_desc bf16_desc(int trans_a, int trans_b, size_t M, size_t N, size_t K,
                                  float alpha, float beta, size_t ldc) {
    return (seer_matmul_desc){.trans_a = trans_a, .trans_b = trans_b, .M = M, .N = N, .K = K,
                              .ldc = ldc, .bf16 = 1, .alpha = alpha, .beta = beta};
}

// From now on seer_gemm_bf16 emulates. A CPU without bf16 was foreseen and said by start();
// any other cause is said here.
static void fall_back(dnnl_status_t st, const char *what) {
    bf16.emulate = 1;
    bf16.forced = 0;
    if (st == dnnl_unimplemented && !bf16.cpu_has_bf16) return;
    warn_failure(&warned_matmul, st, what,
                 "--precision bf16 is emulated from now on (fp32 products)");
}

// Once, at the first bf16 product: a first (1,1,1) primitive, so
// that the choice between oneDNN and the emulation is made, and said, before any work. A CPU
// without bf16 instructions gets a word even where oneDNN has a kernel for it (AVX-512 without
// BF16, emulated inside oneDNN): either way there is no speed gain.
static void start(void) {
    bf16.started = 1;
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    bf16.cpu_has_bf16 = (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
    if (!bf16.cpu_has_bf16)
        fprintf(stderr, "seer: warning: this CPU has no bf16 instructions: --precision bf16 "
                        "rounds to bf16 but multiplies in fp32, no faster than fp32\n");
    seer_matmul_desc first = bf16_desc(0, 0, 1, 1, 1, 1.0f, 0.0f, 1);
    int r;
    while ((r = seer_matmul_make(&first)) == SEER_MATMUL_BUSY) {
        // another thread's matmul (a fused forward): it ends within milliseconds
    }
    if (r != 0) fall_back((dnnl_status_t)r, "oneDNN's bf16 matmul");
}

// The matmul of d on operands rounded to bf16: 1 when done. 0, C untouched, to emulate the
// product: for good when oneDNN failed; only this one when the matmul found no memory for its
// scratchpad or another thread inside.
static int matmul_bf16(const seer_matmul_desc *d, const uint16_t *A16, const uint16_t *B16,
                       float *C) {
    int r = seer_matmul(d, A16, B16, NULL, C);
    if (r == dnnl_out_of_memory)
        warn_failure(&warned_matmul_memory, dnnl_out_of_memory, "oneDNN's bf16 matmul",
                     "a product it has no memory for is emulated");
    else if (r != 0 && r != SEER_MATMUL_BUSY)
        fall_back((dnnl_status_t)r, "oneDNN's bf16 matmul");
    return r == 0;
}

// The bf16 product through oneDNN's matmul (or the loop when the copies find no memory); 0 when
// the matmul did not run and C is untouched.
static int native_bf16(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                       const float *A, size_t lda, const float *B, size_t ldb, float beta,
                       float *C, size_t ldc) {
    size_t a_rows = trans_a ? K : M, a_cols = trans_a ? M : K;
    size_t b_rows = trans_b ? N : K, b_cols = trans_b ? K : N;
    if (!grow(&bf16.a_copy, &bf16.a_copy_bytes, a_rows * a_cols * sizeof(uint16_t)) ||
        !grow(&bf16.b_copy, &bf16.b_copy_bytes, b_rows * b_cols * sizeof(uint16_t))) {
        // A shortage now, not a missing kernel: this product only goes to the loop (the
        // emulation would need copies twice the size), and the next one tries again.
        warn_failure(&warned_copies, dnnl_out_of_memory, "allocating the bf16 copies",
                     "a product without room for them uses a plain loop");
        loop_gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 1);
        return 1;
    }
    convert_bf16(bf16.a_copy, A, a_rows, a_cols, lda);
    convert_bf16(bf16.b_copy, B, b_rows, b_cols, ldb);
    seer_matmul_desc d = bf16_desc(trans_a, trans_b, M, N, K, alpha, beta, ldc);
    return matmul_bf16(&d, bf16.a_copy, bf16.b_copy, C);
}

// The same product with the rounded operands kept as fp32, through sgemm: the emulation.
static void emulated_bf16(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                          const float *A, size_t lda, const float *B, size_t ldb, float beta,
                          float *C, size_t ldc) {
    size_t a_rows = trans_a ? K : M, a_cols = trans_a ? M : K;
    size_t b_rows = trans_b ? N : K, b_cols = trans_b ? K : N;
    if (!grow(&bf16.a_copy, &bf16.a_copy_bytes, a_rows * a_cols * sizeof(float)) ||
        !grow(&bf16.b_copy, &bf16.b_copy_bytes, b_rows * b_cols * sizeof(float))) {
        warn_failure(&warned_copies, dnnl_out_of_memory, "allocating the bf16 copies",
                     "a product without room for them uses a plain loop");
        loop_gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 1);
        return;
    }
    round_copy(bf16.a_copy, A, a_rows, a_cols, lda);
    round_copy(bf16.b_copy, B, b_rows, b_cols, ldb);
    sgemm(trans_a, trans_b, M, N, K, alpha, bf16.a_copy, a_cols, bf16.b_copy, b_cols, beta, C,
          ldc);
}

// An empty product (K = 0): C = beta * C. oneDNN gets this right only through its slow
// reference matmul (ref:any, milliseconds), so it is done here.
static void scale_rows(size_t M, size_t N, float beta, float *C, size_t ldc) {
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
}

void seer_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
               const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
               size_t ldc) {
    if (M == 0 || N == 0) return;
    sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void seer_gemm_in(seer_precision prec, int trans_a, int trans_b, size_t M, size_t N, size_t K,
                  float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
                  float *C, size_t ldc) {
    if (prec == SEER_PRECISION_BF16)
        seer_gemm_bf16(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    else
        seer_gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// Whether a product has terms to sum: none when M or N is 0, and C only scaled by beta when K
// is 0 (done here).
static int has_terms(size_t M, size_t N, size_t K, float beta, float *C, size_t ldc) {
    if (M == 0 || N == 0) return 0;
    if (K == 0) scale_rows(M, N, beta, C, ldc);
    return K > 0;
}

// A bf16 product's start: one at a time (they share the scratchpad and the rounded copies), the
// kernels chosen at the first.
static void bf16_enter(void) {
    SEER_ASSERT(!atomic_flag_test_and_set(&bf16_busy));
    if (!bf16.started) start();
}

void seer_gemm_bf16(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                    const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                    size_t ldc) {
    if (!has_terms(M, N, K, beta, C, ldc)) return;
    bf16_enter();
    if (bf16.emulate ||
        !native_bf16(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))
        emulated_bf16(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    atomic_flag_clear(&bf16_busy);
}

// loop_gemm on operands rounded already (dense, in op's layout): for seer_gemm_bf16_pre when
// there is no memory for widened copies.
static float bf16_value(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void loop_gemm16(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                        const uint16_t *A16, const uint16_t *B16, float beta, float *C,
                        size_t ldc) {
    for (size_t i = 0; i < M; i++) {
        for (size_t j = 0; j < N; j++) {
            double acc = 0.0;
            for (size_t k = 0; k < K; k++) {
                float a = bf16_value(trans_a ? A16[k * M + i] : A16[i * K + k]);
                float b = bf16_value(trans_b ? B16[j * K + k] : B16[k * N + j]);
                acc += (double)a * b;
            }
            float c = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
            C[i * ldc + j] = c + alpha * (float)acc;
        }
    }
}

// The emulation on operands rounded already: widened to fp32 (exact), then as emulated_bf16.
static void emulated_pre(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                         const uint16_t *A16, const uint16_t *B16, float beta, float *C,
                         size_t ldc) {
    if (!grow(&bf16.a_copy, &bf16.a_copy_bytes, M * K * sizeof(float)) ||
        !grow(&bf16.b_copy, &bf16.b_copy_bytes, K * N * sizeof(float))) {
        warn_failure(&warned_copies, dnnl_out_of_memory, "allocating the bf16 copies",
                     "a product without room for them uses a plain loop");
        loop_gemm16(trans_a, trans_b, M, N, K, alpha, A16, B16, beta, C, ldc);
        return;
    }
    widen_bf16(bf16.a_copy, A16, M * K);
    widen_bf16(bf16.b_copy, B16, K * N);
    sgemm(trans_a, trans_b, M, N, K, alpha, bf16.a_copy, trans_a ? M : K, bf16.b_copy,
          trans_b ? K : N, beta, C, ldc);
}

void seer_gemm_bf16_pre(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                        const uint16_t *A16, const uint16_t *B16, float beta, float *C,
                        size_t ldc) {
    if (!has_terms(M, N, K, beta, C, ldc)) return;
    bf16_enter();
    seer_matmul_desc d = bf16_desc(trans_a, trans_b, M, N, K, alpha, beta, ldc);
    if (bf16.emulate || !matmul_bf16(&d, A16, B16, C))
        emulated_pre(trans_a, trans_b, M, N, K, alpha, A16, B16, beta, C, ldc);
    atomic_flag_clear(&bf16_busy);
}

int seer_gemm_bf16_native(void) {
    bf16_enter();
    int native = !bf16.emulate;
    atomic_flag_clear(&bf16_busy);
    return native;
}

void seer_gemm_bf16_emulate(int on) {
    SEER_ASSERT(!atomic_flag_test_and_set(&bf16_busy));
    if (on && !bf16.emulate) {
        bf16.emulate = bf16.forced = 1;
    } else if (!on && bf16.forced) {
        bf16.emulate = bf16.forced = 0;
    }
    atomic_flag_clear(&bf16_busy);
}

void seer_gemm_ref(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                   const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                   size_t ldc) {
    loop_gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 0);
}

void seer_bf16_round(uint16_t *dst, const float *x, size_t n) { convert_bf16(dst, x, 1, n, n); }

int seer_gemm_bf16_rounded(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                           const uint16_t *A16, const uint16_t *B16, float beta, float *C,
                           size_t ldc) {
    if (M == 0 || N == 0 || K == 0) return 0;
    bf16_enter();
    seer_matmul_desc d = bf16_desc(trans_a, trans_b, M, N, K, alpha, beta, ldc);
    int done = !bf16.emulate && seer_matmul(&d, A16, B16, NULL, C) == 0;
    atomic_flag_clear(&bf16_busy);
    return done;
}

int seer_gemm_int8_native(void) {
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    return (isa & dnnl_cpu_isa_avx512_core_vnni) == dnnl_cpu_isa_avx512_core_vnni ||
           (isa & dnnl_cpu_isa_avx2_vnni) == dnnl_cpu_isa_avx2_vnni;
}

int seer_gemm_u8s8s32(size_t M, size_t N, size_t K, const uint8_t *A, const int8_t *B,
                      int32_t *C) {
    const int32_t zero = 0;
    dnnl_status_t st = dnnl_gemm_u8s8s32('N', 'N', 'F', (dnnl_dim_t)M, (dnnl_dim_t)N,
                                         (dnnl_dim_t)K, 1.0f, A, (dnnl_dim_t)K, 0, B,
                                         (dnnl_dim_t)N, 0, 0.0f, C, (dnnl_dim_t)N, &zero);
    return dnnl_ok(st);
}
