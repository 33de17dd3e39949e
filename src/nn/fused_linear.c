// A linear layer's fp32 forward as one oneDNN matmul with its bias and ReLU as the primitive's
// own (fused_linear.h).
//
// The step's sgemm forward copies the bias into every output row, has sgemm add the product to
// it (reading the rows back) and passes over the rows again for the ReLU, and it multiplies by
// the weight as stored, (n_out, n_in): a transposed operand, which oneDNN's sgemm runs 10-20%
// slower at the models' widths. The matmul takes the weight as stored (format "ba" of the
// (n_in, n_out) operand), adds the bias and applies the ReLU as it writes each block of the
// output, so the rows are written once. Its sums run in another order than sgemm's, so scoring
// keeps sgemm: a model file scores as it always did.
//
// Primitives are cached by shape (creating one JIT-compiles kernels); a shape oneDNN cannot
// make is cached as failed, and its calls return 0 at once. The scratchpad is ours and grows.
// One caller at a time: a second one, meanwhile, is told 0 and multiplies another way.
#include "nn/fused_linear.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/error.h"
#include "base/threads.h"

#define FUSED_CACHE_SIZE 32

typedef struct {
    size_t B, n_in, n_out;
    int bf16, relu, threads, failed;  // bf16: x and w in bf16 (the product in fp32)  // threads: oneDNN fixes a primitive's threads when it makes it
    dnnl_primitive_t prim;
    dnnl_memory_t src, weights, bias, dst, scratchpad;  // no buffers of their own
    size_t scratchpad_bytes;
} fused_entry;

static struct {
    int started, broken;  // broken: no engine, so never again
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    fused_entry cache[FUSED_CACHE_SIZE];
    size_t n_cached, next_evict;
    void *scratchpad;
    size_t scratchpad_bytes;
    int allowed;  // 0 after seer_linear_fused_allow(0)
    size_t runs;
} fused = {.allowed = 1};
static atomic_flag fused_busy = ATOMIC_FLAG_INIT;

static void entry_destroy(fused_entry *e) {
    if (e->prim) dnnl_primitive_destroy(e->prim);
    dnnl_memory_t all[] = {e->src, e->weights, e->bias, e->dst, e->scratchpad};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i]) dnnl_memory_destroy(all[i]);
    *e = (fused_entry){0};
}

// The memory objects of e, without buffers.
static dnnl_status_t entry_memories(fused_entry *e, const dnnl_memory_desc_t *md,
                                    const dnnl_memory_desc_t *s_md) {
    dnnl_memory_t *mem[] = {&e->src, &e->weights, &e->bias, &e->dst};
    dnnl_status_t st = dnnl_success;
    for (size_t i = 0; i < 4 && st == dnnl_success; i++)
        st = dnnl_memory_create(mem[i], &md[i], fused.engine, DNNL_MEMORY_NONE);
    if (st == dnnl_success && e->scratchpad_bytes > 0)
        st = dnnl_memory_create(&e->scratchpad, s_md, fused.engine, DNNL_MEMORY_NONE);
    return st;
}

static dnnl_status_t entry_create(fused_entry *e) {
    dnnl_dim_t B = (dnnl_dim_t)e->B, K = (dnnl_dim_t)e->n_in, N = (dnnl_dim_t)e->n_out;
    dnnl_dims_t x_dims = {B, K}, w_dims = {K, N}, b_dims = {1, N}, y_dims = {B, N};
    dnnl_memory_desc_t md[4];  // src, weights, bias, dst
    dnnl_matmul_desc_t desc;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t post_ops = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_data_type_t in_type = e->bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_status_t st = dnnl_memory_desc_init_by_tag(&md[0], 2, x_dims, in_type, dnnl_ab);
    // The weight (n_out, n_in) row-major is the (n_in, n_out) operand in the layout "ba".
    if (st == dnnl_success) st = dnnl_memory_desc_init_by_tag(&md[1], 2, w_dims, in_type, dnnl_ba);
    if (st == dnnl_success) st = dnnl_memory_desc_init_by_tag(&md[2], 2, b_dims, dnnl_f32, dnnl_ab);
    if (st == dnnl_success) st = dnnl_memory_desc_init_by_tag(&md[3], 2, y_dims, dnnl_f32, dnnl_ab);
    if (st == dnnl_success) st = dnnl_matmul_desc_init(&desc, &md[0], &md[1], &md[2], &md[3]);
    if (st == dnnl_success) st = dnnl_primitive_attr_create(&attr);
    if (st == dnnl_success)
        st = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (st == dnnl_success && e->relu) {
        st = dnnl_post_ops_create(&post_ops);
        if (st == dnnl_success)
            st = dnnl_post_ops_append_eltwise(post_ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
        if (st == dnnl_success) st = dnnl_primitive_attr_set_post_ops(attr, post_ops);
    }
    if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &desc, attr, fused.engine, NULL);
    if (st == dnnl_success) st = dnnl_primitive_create(&e->prim, pd);
    if (st == dnnl_success) {
        const dnnl_memory_desc_t *s_md =
            dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
        e->scratchpad_bytes = dnnl_memory_desc_get_size(s_md);
        st = entry_memories(e, md, s_md);
    }
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return st;
}

// The cached entry of this shape, made on first use; NULL when it cannot be made.
static fused_entry *entry_get(size_t B, size_t n_in, size_t n_out, int bf16, int relu) {
    int threads = seer_threads_get();
    for (size_t i = 0; i < fused.n_cached; i++) {
        fused_entry *e = &fused.cache[i];
        if (e->B == B && e->n_in == n_in && e->n_out == n_out && e->bf16 == bf16 &&
            e->relu == relu && e->threads == threads)
            return e->failed ? NULL : e;
    }
    fused_entry *e;
    if (fused.n_cached < FUSED_CACHE_SIZE) {
        e = &fused.cache[fused.n_cached++];
    } else {
        e = &fused.cache[fused.next_evict];
        fused.next_evict = (fused.next_evict + 1) % FUSED_CACHE_SIZE;
        entry_destroy(e);
    }
    *e = (fused_entry){.B = B, .n_in = n_in, .n_out = n_out, .bf16 = bf16, .relu = relu,
                       .threads = threads};
    dnnl_status_t st = entry_create(e);
    SEER_ASSERT(st != dnnl_invalid_arguments);
    if (st == dnnl_success) return e;
    entry_destroy(e);
    *e = (fused_entry){.B = B, .n_in = n_in, .n_out = n_out, .bf16 = bf16, .relu = relu,
                       .threads = threads, .failed = 1};
    return NULL;
}

static int start(void) {
    fused.started = 1;
    dnnl_status_t st = dnnl_engine_create(&fused.engine, dnnl_cpu, 0);
    if (st == dnnl_success)
        st = dnnl_stream_create(&fused.stream, fused.engine, dnnl_stream_default_flags);
    fused.broken = st != dnnl_success;
    return !fused.broken;
}

// The scratchpad, 64-byte aligned as oneDNN's own are, at least bytes; 0 without memory.
static int grow_scratchpad(size_t bytes) {
    if (bytes <= fused.scratchpad_bytes) return 1;
    size_t rounded = (bytes + 63) / 64 * 64;
    free(fused.scratchpad);
    fused.scratchpad = aligned_alloc(64, rounded);
    fused.scratchpad_bytes = fused.scratchpad ? rounded : 0;
    return fused.scratchpad != NULL;
}

static int run(fused_entry *e, float *y, const void *x, const void *w, const float *b) {
    if (!grow_scratchpad(e->scratchpad_bytes)) return 0;
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, e->src},
                               {DNNL_ARG_WEIGHTS, e->weights},
                               {DNNL_ARG_BIAS, e->bias},
                               {DNNL_ARG_DST, e->dst},
                               {DNNL_ARG_SCRATCHPAD, e->scratchpad}};
    dnnl_status_t st = dnnl_memory_set_data_handle(e->src, (void *)x);
    if (st == dnnl_success) st = dnnl_memory_set_data_handle(e->weights, (void *)w);
    if (st == dnnl_success) st = dnnl_memory_set_data_handle(e->bias, (void *)b);
    if (st == dnnl_success) st = dnnl_memory_set_data_handle(e->dst, y);
    if (st == dnnl_success && e->scratchpad)
        st = dnnl_memory_set_data_handle(e->scratchpad, fused.scratchpad);
    // A matmul that fails at execution has not written y: its kernels run once all is set.
    if (st == dnnl_success)
        st = dnnl_primitive_execute(e->prim, fused.stream, e->scratchpad ? 5 : 4, args);
    if (st == dnnl_success) st = dnnl_stream_wait(fused.stream);
    SEER_ASSERT(st != dnnl_invalid_arguments);
    return st == dnnl_success;
}

static int forward(float *y, const void *x, const void *w, const float *b, size_t B, size_t n_in,
                   size_t n_out, int bf16, int relu) {
    if (B == 0 || n_in == 0 || n_out == 0) return 0;
    if (atomic_flag_test_and_set(&fused_busy)) return 0;
    int done = 0;
    if (fused.allowed && (fused.started || start()) && !fused.broken) {
        fused_entry *e = entry_get(B, n_in, n_out, bf16, relu != 0);
        done = e && run(e, y, x, w, b);
        fused.runs += (size_t)done;
    }
    atomic_flag_clear(&fused_busy);
    return done;
}

int seer_linear_fused_forward(float *y, const float *x, const float *w, const float *b, size_t B,
                              size_t n_in, size_t n_out, int relu) {
    return forward(y, x, w, b, B, n_in, n_out, 0, relu);
}

int seer_linear_fused_forward_bf16(float *y, const uint16_t *x16, const uint16_t *w16,
                                   const float *b, size_t B, size_t n_in, size_t n_out, int relu) {
    return forward(y, x16, w16, b, B, n_in, n_out, 1, relu);
}

void seer_linear_fused_allow(int on) {
    while (atomic_flag_test_and_set(&fused_busy)) {
    }
    fused.allowed = on != 0;
    atomic_flag_clear(&fused_busy);
}

size_t seer_linear_fused_runs(void) {
    while (atomic_flag_test_and_set(&fused_busy)) {
    }
    size_t runs = fused.runs;
    atomic_flag_clear(&fused_busy);
    return runs;
}
