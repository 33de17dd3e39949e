// seer_gemm_prepare and seer_gemm_prepared; see gemm.h.
#include <pthread.h>
#include <sys/resource.h>

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
    // Under a limit on its address space a process keeps it for its own work: a second thread
    // takes its stack and a malloc arena of 64 MiB of addresses (a deepfm run on 7,200 rows
    // under `ulimit -v 150000` failed for lack of them).
    struct rlimit as;
    p->started = 0;
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) return;
    p->started = pthread_create(&p->thread, NULL, prepare, NULL) == 0;
}

void seer_gemm_prepared(seer_gemm_preparer *p) {
    if (p->started) pthread_join(p->thread, NULL);
    p->started = 0;
}
