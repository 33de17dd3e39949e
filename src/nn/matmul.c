// oneDNN's matmul primitives, cached by description (matmul.h). With gemm.c, the only oneDNN.
//
// The operands are described by strides, so a transposed one is the same dense buffer with its
// strides swapped ("ba"): op(A) (M,K) is A (M,K), strides {K, 1}, or A (K,M), strides {1, M};
// op(B) likewise; C (M,N) has strides {ldc, 1}. alpha is the primitive's output scale, beta a sum
// post-op, the bias oneDNN's bias argument, the ReLU an eltwise post-op after the sum.
#include "nn/matmul.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/mem.h"
#include "base/threads.h"

#define MATMUL_CACHE_SIZE 64
// Under a limit on the address space (ulimit -v), oneDNN 2.6 can fault while it JIT-compiles a
// primitive whose code buffer it could not map, instead of returning a status. So under such a
// limit a primitive is made only while this much more could still be mapped.
#define MATMUL_HEADROOM ((size_t)32 << 20)

typedef struct {
    seer_matmul_desc desc;
    int threads;             // oneDNN fixes a primitive's threads when it makes it
    dnnl_status_t status;    // dnnl_success, or why it could not be made
    dnnl_primitive_t prim;
    dnnl_memory_t src, weights, bias, dst, scratchpad;  // no buffers of their own
    size_t scratchpad_bytes;
} matmul_entry;

static struct {
    int started;
    dnnl_status_t engine_status;  // the engine and stream, made once
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    matmul_entry cache[MATMUL_CACHE_SIZE];
    size_t n_cached, next_evict;
    void *scratchpad;
    size_t scratchpad_bytes;
} mm;
static atomic_flag mm_busy = ATOMIC_FLAG_INIT;

// dnnl_invalid_arguments is the one status that means a bug here; every other can come from the
// machine (no kernel for this ISA, out of memory, a JIT failure).
static dnnl_status_t checked(dnnl_status_t st) {
    SEER_ASSERT(st != dnnl_invalid_arguments);
    return st;
}

static int same_desc(const seer_matmul_desc *a, const seer_matmul_desc *b) {
    return a->trans_a == b->trans_a && a->trans_b == b->trans_b && a->M == b->M && a->N == b->N &&
           a->K == b->K && a->ldc == b->ldc && a->bf16 == b->bf16 && a->bias == b->bias &&
           a->relu == b->relu && a->alpha == b->alpha && a->beta == b->beta;
}

static void entry_destroy(matmul_entry *e) {
    if (e->prim) dnnl_primitive_destroy(e->prim);
    dnnl_memory_t all[] = {e->src, e->weights, e->bias, e->dst, e->scratchpad};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i]) dnnl_memory_destroy(all[i]);
    e->prim = NULL;
    e->src = e->weights = e->bias = e->dst = e->scratchpad = NULL;
}

// The attributes of d: a user scratchpad, alpha, the sum and the ReLU.
static dnnl_status_t make_attr(dnnl_primitive_attr_t *attr, const seer_matmul_desc *d) {
    dnnl_post_ops_t post_ops = NULL;
    dnnl_status_t st = dnnl_primitive_attr_create(attr);
    if (st == dnnl_success)
        st = dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_user);
    if (st == dnnl_success && d->alpha != 1.0f)
        st = dnnl_primitive_attr_set_output_scales(*attr, 1, 0, &d->alpha);
    if (st == dnnl_success && (d->beta != 0.0f || d->relu)) st = dnnl_post_ops_create(&post_ops);
    if (st == dnnl_success && d->beta != 0.0f) st = dnnl_post_ops_append_sum(post_ops, d->beta);
    if (st == dnnl_success && d->relu)
        st = dnnl_post_ops_append_eltwise(post_ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
    if (st == dnnl_success && post_ops) st = dnnl_primitive_attr_set_post_ops(*attr, post_ops);
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    return st;
}

// Makes e's primitive and memory objects from e->desc; on failure e holds none of them.
static dnnl_status_t entry_create(matmul_entry *e) {
    if (!seer_address_space_has(MATMUL_HEADROOM)) return dnnl_out_of_memory;
    const seer_matmul_desc *d = &e->desc;
    dnnl_dim_t M = (dnnl_dim_t)d->M, N = (dnnl_dim_t)d->N, K = (dnnl_dim_t)d->K;
    dnnl_dims_t a_dims = {M, K}, a_strides = {d->trans_a ? 1 : K, d->trans_a ? M : 1};
    dnnl_dims_t b_dims = {K, N}, b_strides = {d->trans_b ? 1 : N, d->trans_b ? K : 1};
    dnnl_dims_t c_dims = {M, N}, c_strides = {(dnnl_dim_t)d->ldc, 1};
    dnnl_dims_t bias_dims = {1, N}, bias_strides = {N, 1};
    dnnl_data_type_t in_type = d->bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_memory_desc_t md[4];  // src, weights, bias, dst
    dnnl_matmul_desc_t desc;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t st = dnnl_memory_desc_init_by_strides(&md[0], 2, a_dims, in_type, a_strides);
    if (st == dnnl_success)
        st = dnnl_memory_desc_init_by_strides(&md[1], 2, b_dims, in_type, b_strides);
    if (st == dnnl_success)
        st = dnnl_memory_desc_init_by_strides(&md[2], 2, bias_dims, dnnl_f32, bias_strides);
    if (st == dnnl_success)
        st = dnnl_memory_desc_init_by_strides(&md[3], 2, c_dims, dnnl_f32, c_strides);
    if (st == dnnl_success)
        st = dnnl_matmul_desc_init(&desc, &md[0], &md[1], d->bias ? &md[2] : NULL, &md[3]);
    if (st == dnnl_success) st = make_attr(&attr, d);
    // dnnl_unimplemented here: no such matmul on this CPU (bf16 below AVX-512, say).
    if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &desc, attr, mm.engine, NULL);
    if (st == dnnl_success) st = dnnl_primitive_create(&e->prim, pd);
    if (st == dnnl_success) {
        const dnnl_memory_desc_t *s_md =
            dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
        e->scratchpad_bytes = dnnl_memory_desc_get_size(s_md);
        dnnl_memory_t *mem[] = {&e->src, &e->weights, &e->bias, &e->dst};
        for (size_t i = 0; i < 4 && st == dnnl_success; i++)
            if (i != 2 || d->bias)
                st = dnnl_memory_create(mem[i], &md[i], mm.engine, DNNL_MEMORY_NONE);
        if (st == dnnl_success && e->scratchpad_bytes > 0)
            st = dnnl_memory_create(&e->scratchpad, s_md, mm.engine, DNNL_MEMORY_NONE);
    }
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success) entry_destroy(e);
    return checked(st);
}

// The cached entry of d for this thread count, made on first use (its status says whether it
// could be).
static matmul_entry *entry_get(const seer_matmul_desc *d) {
    int threads = seer_threads_get();
    for (size_t i = 0; i < mm.n_cached; i++)
        if (mm.cache[i].threads == threads && same_desc(&mm.cache[i].desc, d)) return &mm.cache[i];
    matmul_entry *e;
    if (mm.n_cached < MATMUL_CACHE_SIZE) {
        e = &mm.cache[mm.n_cached++];
    } else {
        e = &mm.cache[mm.next_evict];
        mm.next_evict = (mm.next_evict + 1) % MATMUL_CACHE_SIZE;
        entry_destroy(e);
    }
    *e = (matmul_entry){.desc = *d, .threads = threads};
    e->status = entry_create(e);
    return e;
}

static dnnl_status_t start(void) {
    if (mm.started) return mm.engine_status;
    mm.started = 1;
    seer_threads_fit_limit();  // one thread under a limit on the address space (threads.h)
    dnnl_status_t st = dnnl_engine_create(&mm.engine, dnnl_cpu, 0);
    if (st == dnnl_success)
        st = dnnl_stream_create(&mm.stream, mm.engine, dnnl_stream_default_flags);
    mm.engine_status = checked(st);
    return st;
}

// The scratchpad, 64-byte aligned as oneDNN's own are, at least bytes; 0 without memory.
static int grow_scratchpad(size_t bytes) {
    if (bytes <= mm.scratchpad_bytes) return 1;
    size_t rounded = (bytes + 63) / 64 * 64;
    free(mm.scratchpad);
    mm.scratchpad = aligned_alloc(64, rounded);
    mm.scratchpad_bytes = mm.scratchpad ? rounded : 0;
    return mm.scratchpad != NULL;
}

static dnnl_status_t run(matmul_entry *e, const void *A, const void *B, const float *bias,
                         float *C) {
    if (!grow_scratchpad(e->scratchpad_bytes)) return dnnl_out_of_memory;
    dnnl_exec_arg_t args[5];
    int n = 0;
    dnnl_status_t st = dnnl_success;
    struct {
        int arg;
        dnnl_memory_t mem;
        void *data;
    } bind[] = {{DNNL_ARG_SRC, e->src, (void *)A},
                {DNNL_ARG_WEIGHTS, e->weights, (void *)B},
                {DNNL_ARG_BIAS, e->bias, (void *)bias},
                {DNNL_ARG_DST, e->dst, C},
                {DNNL_ARG_SCRATCHPAD, e->scratchpad, mm.scratchpad}};
    for (size_t i = 0; i < sizeof bind / sizeof *bind && st == dnnl_success; i++) {
        if (!bind[i].mem) continue;
        st = dnnl_memory_set_data_handle(bind[i].mem, bind[i].data);
        args[n++] = (dnnl_exec_arg_t){bind[i].arg, bind[i].mem};
    }
    // A matmul that fails at execution has not written C: its kernels run once all is set.
    if (st == dnnl_success) st = dnnl_primitive_execute(e->prim, mm.stream, n, args);
    if (st == dnnl_success) st = dnnl_stream_wait(mm.stream);
    return checked(st);
}

// seer_matmul's work once inside; run: 0 only makes the primitive.
static int product(const seer_matmul_desc *d, int run_it, const void *A, const void *B,
                   const float *bias, float *C) {
    SEER_ASSERT(d->M > 0 && d->N > 0 && d->K > 0 && d->ldc >= d->N);
    SEER_ASSERT(!d->bias || d->alpha == 1.0f);
    dnnl_status_t st = start();
    if (st != dnnl_success) return (int)st;
    // A small product's primitive is made and run for one thread (base/threads.h).
    int held = seer_threads_hold_small((double)d->M * (double)d->N * (double)d->K);
    matmul_entry *e = entry_get(d);
    int r = (int)e->status;
    if (r == 0 && run_it) r = (int)run(e, A, B, bias, C);
    seer_threads_release(held);
    return r;
}

int seer_matmul(const seer_matmul_desc *d, const void *A, const void *B, const float *bias,
                float *C) {
    if (atomic_flag_test_and_set(&mm_busy)) return SEER_MATMUL_BUSY;
    int r = product(d, 1, A, B, bias, C);
    atomic_flag_clear(&mm_busy);
    return r;
}

int seer_matmul_make(const seer_matmul_desc *d) {
    if (atomic_flag_test_and_set(&mm_busy)) return SEER_MATMUL_BUSY;
    int r = product(d, 0, NULL, NULL, NULL, NULL);
    atomic_flag_clear(&mm_busy);
    return r;
}
