// seer_gemm_prepare and seer_gemm_prepared; see gemm.h.
#include <pthread.h>
#include <stdint.h>

#include "base/threads.h"
#include "nn/gemm.h"

// The first product: a small one, which builds the kernels of most products. With every_shape,
// also the matrix-vector ones of a single row or column (a served request's one row, a model's
// one output), whose kernels oneDNN builds apart, in each arrangement of transposes.
static void first_products(int every_shape) {
    static const size_t shapes[3][3] = {{4, 4, 4}, {1, 4, 4}, {4, 1, 4}};
    float a[16] = {0}, b[16] = {0}, c[16];
    for (int s = 0; s < (every_shape ? 3 : 1); s++)
        for (int t = 0; t < (every_shape ? 4 : 1); t++) {
            size_t M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
            int ta = t & 1, tb = t >> 1;
            seer_gemm(ta, tb, M, N, K, 1.0f, a, ta ? M : K, b, tb ? K : N, 0.0f, c, N);
        }
}

static void *prepare(void *every_shape) {
    seer_threads_set(1);  // this thread's own OpenMP setting; the caller's stays as it was
    first_products((int)(intptr_t)every_shape);
    return NULL;
}

void seer_gemm_prepare(seer_gemm_preparer *p, int every_shape) {
    p->started = 0;
    if (!seer_side_thread_allowed()) {
        if (every_shape) first_products(1);  // now, while the process is at its smallest
        return;
    }
    p->started = pthread_create(&p->thread, NULL, prepare, (void *)(intptr_t)every_shape) == 0;
}

void seer_gemm_prepared(seer_gemm_preparer *p) {
    if (p->started) pthread_join(p->thread, NULL);
    p->started = 0;
}
