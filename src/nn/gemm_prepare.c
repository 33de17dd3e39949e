// seer_gemm_prepare and seer_gemm_prepared; see gemm.h.
#include <pthread.h>

#include "base/threads.h"
#include "nn/gemm.h"

static void *prepare(void *unused) {
    (void)unused;
    seer_threads_set(1);  // this thread's own OpenMP setting; the caller's stays as it was
    float a[16] = {0}, b[16] = {0}, c[16];
    seer_gemm(0, 0, 4, 4, 4, 1.0f, a, 4, b, 4, 0.0f, c, 4);
    return NULL;
}

void seer_gemm_prepare(seer_gemm_preparer *p) {
    p->started = 0;
    if (!seer_side_thread_allowed()) return;
    p->started = pthread_create(&p->thread, NULL, prepare, NULL) == 0;
}

void seer_gemm_prepared(seer_gemm_preparer *p) {
    if (p->started) pthread_join(p->thread, NULL);
    p->started = 0;
}
