// seer_gemm through oneDNN (dnnl_sgemm, JIT kernels for this CPU's AVX-512), seer_gemm_bf16
// through oneDNN's matmul primitive, and the plain reference loop. This is the only file that
// includes dnnl.h.
//
// seer_gemm_bf16: oneDNN 2.6 has no bf16 GEMM call that takes fp32 inputs, so each call rounds
// A and B into bf16 scratch copies and runs a matmul primitive (bf16 x bf16 -> f32 dst, fp32
// accumulation). The copies are dense and keep the caller's layout, so a transposed operand is
// the same buffer described with swapped strides:
//
//   op(A) (M,K):  trans_a = 0: A16 is (M,K), strides {K, 1}
//                 trans_a = 1: A16 is (K,M), strides {1, M}   (format tag "ba")
//   op(B) (K,N):  trans_b = 0: B16 is (K,N), strides {N, 1}
//                 trans_b = 1: B16 is (N,K), strides {1, K}
//   C     (M,N):  the caller's buffer, strides {ldc, 1}
//
// alpha is the primitive's output scale and beta a sum post-op: dst = alpha * A B + beta * dst.
// Creating a primitive JIT-compiles kernels (about a millisecond), so primitives are cached by
// (trans_a, trans_b, M, N, K, ldc, alpha, beta) in a small table; lda and ldb are not part of the
// key because the bf16 copies are dense. The scratchpad is ours (scratchpad_mode_user) and the
// memory objects are created without buffers and pointed at ours on each call, so a cached
// shape allocates nothing in seer. All this state is static: not thread-safe.
#include "nn/gemm.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

// The training loop uses a handful of shapes; more than this evicts round-robin.
#define MATMUL_CACHE_SIZE 64

#define DNNL_CHECK(call) SEER_ASSERT((call) == dnnl_success)

typedef struct {
    int trans_a, trans_b;
    size_t M, N, K, ldc;
    float alpha, beta;
    dnnl_primitive_t prim;
    dnnl_memory_t src, weights, dst, scratchpad;  // no buffers of their own
    size_t scratchpad_bytes;
} matmul_entry;

static struct {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    matmul_entry cache[MATMUL_CACHE_SIZE];
    size_t n_cached, next_evict;
    uint16_t *a16, *b16;  // bf16 copies of A and B
    size_t a16_bytes, b16_bytes;
    void *scratchpad;
    size_t scratchpad_bytes;
} bf16;
static atomic_flag bf16_busy = ATOMIC_FLAG_INIT;

// fp32 -> bf16, round to nearest even: add 0x7fff plus the lowest kept bit, then drop the low
// 16 bits (a finite value that rounds past the largest bf16 becomes infinity, as it should).
// A NaN could carry into infinity that way, so it is kept a (quiet) NaN instead.
static uint16_t to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// dst (rows, cols), dense = X (rows, cols) with row stride ld, rounded to bf16.
static void convert_bf16(uint16_t *dst, const float *X, size_t rows, size_t cols, size_t ld) {
    if (ld == cols) {  // dense: one long row, so the vector loop's scalar tail runs once
        cols *= rows;
        rows = 1;
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) dst[r * cols + c] = to_bf16(X[r * ld + c]);
}

// Makes *buf (64-byte aligned) hold at least bytes; the contents are not kept.
static void grow(void **buf, size_t *cap, size_t bytes) {
    if (bytes <= *cap) return;
    size_t rounded = (bytes + 63) / 64 * 64;
    free(*buf);
    *buf = aligned_alloc(64, rounded);
    SEER_ASSERT(*buf);
    *cap = rounded;
}

static void matmul_create(matmul_entry *e) {
    dnnl_dim_t M = (dnnl_dim_t)e->M, N = (dnnl_dim_t)e->N, K = (dnnl_dim_t)e->K;
    dnnl_dims_t a_dims = {M, K}, a_strides = {e->trans_a ? 1 : K, e->trans_a ? M : 1};
    dnnl_dims_t b_dims = {K, N}, b_strides = {e->trans_b ? 1 : N, e->trans_b ? K : 1};
    dnnl_dims_t c_dims = {M, N}, c_strides = {(dnnl_dim_t)e->ldc, 1};
    dnnl_memory_desc_t a_md, b_md, c_md;
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(&a_md, 2, a_dims, dnnl_bf16, a_strides));
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(&b_md, 2, b_dims, dnnl_bf16, b_strides));
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(&c_md, 2, c_dims, dnnl_f32, c_strides));
    dnnl_matmul_desc_t desc;
    DNNL_CHECK(dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md));

    dnnl_primitive_attr_t attr;
    DNNL_CHECK(dnnl_primitive_attr_create(&attr));
    DNNL_CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
    if (e->alpha != 1.0f) DNNL_CHECK(dnnl_primitive_attr_set_output_scales(attr, 1, 0, &e->alpha));
    dnnl_post_ops_t post_ops = NULL;
    if (e->beta != 0.0f) {
        DNNL_CHECK(dnnl_post_ops_create(&post_ops));
        DNNL_CHECK(dnnl_post_ops_append_sum(post_ops, e->beta));
        DNNL_CHECK(dnnl_primitive_attr_set_post_ops(attr, post_ops));
    }
    dnnl_primitive_desc_t pd;
    DNNL_CHECK(dnnl_primitive_desc_create(&pd, &desc, attr, bf16.engine, NULL));
    DNNL_CHECK(dnnl_primitive_create(&e->prim, pd));

    const dnnl_memory_desc_t *s_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    e->scratchpad_bytes = dnnl_memory_desc_get_size(s_md);
    DNNL_CHECK(dnnl_memory_create(&e->src, &a_md, bf16.engine, DNNL_MEMORY_NONE));
    DNNL_CHECK(dnnl_memory_create(&e->weights, &b_md, bf16.engine, DNNL_MEMORY_NONE));
    DNNL_CHECK(dnnl_memory_create(&e->dst, &c_md, bf16.engine, DNNL_MEMORY_NONE));
    e->scratchpad = NULL;
    if (e->scratchpad_bytes > 0)
        DNNL_CHECK(dnnl_memory_create(&e->scratchpad, s_md, bf16.engine, DNNL_MEMORY_NONE));

    DNNL_CHECK(dnnl_primitive_desc_destroy(pd));
    if (post_ops) DNNL_CHECK(dnnl_post_ops_destroy(post_ops));
    DNNL_CHECK(dnnl_primitive_attr_destroy(attr));
}

static void matmul_destroy(matmul_entry *e) {
    DNNL_CHECK(dnnl_primitive_destroy(e->prim));
    DNNL_CHECK(dnnl_memory_destroy(e->src));
    DNNL_CHECK(dnnl_memory_destroy(e->weights));
    DNNL_CHECK(dnnl_memory_destroy(e->dst));
    if (e->scratchpad) DNNL_CHECK(dnnl_memory_destroy(e->scratchpad));
}

// The cached primitive for this shape, created on first use.
static matmul_entry *matmul_get(int trans_a, int trans_b, size_t M, size_t N, size_t K,
                                size_t ldc, float alpha, float beta) {
    for (size_t i = 0; i < bf16.n_cached; i++) {
        matmul_entry *e = &bf16.cache[i];
        if (e->trans_a == trans_a && e->trans_b == trans_b && e->M == M && e->N == N &&
            e->K == K && e->ldc == ldc && e->alpha == alpha && e->beta == beta)
            return e;
    }
    matmul_entry *e;
    if (bf16.n_cached < MATMUL_CACHE_SIZE) {
        e = &bf16.cache[bf16.n_cached++];
    } else {
        e = &bf16.cache[bf16.next_evict];
        bf16.next_evict = (bf16.next_evict + 1) % MATMUL_CACHE_SIZE;
        matmul_destroy(e);
    }
    *e = (matmul_entry){.trans_a = trans_a, .trans_b = trans_b, .M = M, .N = N, .K = K,
                        .ldc = ldc, .alpha = alpha, .beta = beta};
    matmul_create(e);
    return e;
}

// The precision seer_gemm multiplies in, set by a training step for its own
// thread: threads scoring at the same time (a server's) stay in fp32.
static _Thread_local int use_bf16;

void seer_gemm_precision(int bf16) { use_bf16 = bf16; }

void seer_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
               const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
               size_t ldc) {
    if (M == 0 || N == 0) return;
    if (use_bf16) {
        seer_gemm_bf16(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    dnnl_status_t st = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', (dnnl_dim_t)M,
                                  (dnnl_dim_t)N, (dnnl_dim_t)K, alpha, A, (dnnl_dim_t)lda, B,
                                  (dnnl_dim_t)ldb, beta, C, (dnnl_dim_t)ldc);
    SEER_ASSERT(st == dnnl_success);
}

void seer_gemm_bf16(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                    const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                    size_t ldc) {
    if (M == 0 || N == 0) return;
    if (K == 0) {
        // An empty product: C = beta * C. oneDNN gets this right only through its slow
        // reference matmul (ref:any, milliseconds), so it is done here.
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++)
                C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
        return;
    }
    SEER_ASSERT(!atomic_flag_test_and_set(&bf16_busy));
    if (!bf16.engine) {
        DNNL_CHECK(dnnl_engine_create(&bf16.engine, dnnl_cpu, 0));
        DNNL_CHECK(dnnl_stream_create(&bf16.stream, bf16.engine, dnnl_stream_default_flags));
    }
    matmul_entry *e = matmul_get(trans_a, trans_b, M, N, K, ldc, alpha, beta);

    size_t a_rows = trans_a ? K : M, a_cols = trans_a ? M : K;
    size_t b_rows = trans_b ? N : K, b_cols = trans_b ? K : N;
    grow((void **)&bf16.a16, &bf16.a16_bytes, a_rows * a_cols * sizeof *bf16.a16);
    grow((void **)&bf16.b16, &bf16.b16_bytes, b_rows * b_cols * sizeof *bf16.b16);
    grow(&bf16.scratchpad, &bf16.scratchpad_bytes, e->scratchpad_bytes);
    convert_bf16(bf16.a16, A, a_rows, a_cols, lda);
    convert_bf16(bf16.b16, B, b_rows, b_cols, ldb);

    DNNL_CHECK(dnnl_memory_set_data_handle(e->src, bf16.a16));
    DNNL_CHECK(dnnl_memory_set_data_handle(e->weights, bf16.b16));
    DNNL_CHECK(dnnl_memory_set_data_handle(e->dst, C));
    dnnl_exec_arg_t args[4] = {
        {DNNL_ARG_SRC, e->src},
        {DNNL_ARG_WEIGHTS, e->weights},
        {DNNL_ARG_DST, e->dst},
        {DNNL_ARG_SCRATCHPAD, e->scratchpad},
    };
    int n_args = e->scratchpad ? 4 : 3;
    if (e->scratchpad) DNNL_CHECK(dnnl_memory_set_data_handle(e->scratchpad, bf16.scratchpad));
    DNNL_CHECK(dnnl_primitive_execute(e->prim, bf16.stream, n_args, args));
    DNNL_CHECK(dnnl_stream_wait(bf16.stream));
    atomic_flag_clear(&bf16_busy);
}

void seer_gemm_ref(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha,
                   const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                   size_t ldc) {
    for (size_t i = 0; i < M; i++) {
        for (size_t j = 0; j < N; j++) {
            double acc = 0.0;
            for (size_t k = 0; k < K; k++) {
                float a = trans_a ? A[k * lda + i] : A[i * lda + k];
                float b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
                acc += (double)a * b;
            }
            float c = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
            C[i * ldc + j] = c + alpha * (float)acc;
        }
    }
}
