// seer_gemm_prepare and seer_gemm_prepared; see gemm.h.
#include <pthread.h>
#include <stdint.h>

#include "base/threads.h"
#include "nn/gemm.h"

// The first product: a small one, which builds the kernels of most products. With every_shape,
// one product of each kind gemm.c tells apart (one row, a few, many; one output column or
// several; each arrangement of transposes), since oneDNN builds some kinds' kernels apart and,
// under a limit on the address space, gemm.c runs a kind not built yet in its plain loop while
// there is no room to build it (a server's micro-batches of 16 rows and more did).
static void first_products(int every_shape) {
    static const size_t rows[3] = {4, 1, 16}, cols[2] = {4, 1};
    float a[64] = {0}, b[16] = {0}, c[64];
    for (int t = 0; t < (every_shape ? 4 : 1); t++)
        for (int i = 0; i < (every_shape ? 3 : 1); i++)
            for (int j = 0; j < (every_shape ? 2 : 1); j++) {
                size_t M = rows[i], N = cols[j], K = 4;
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
