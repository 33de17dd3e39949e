// The LAPACK wrapper (see linalg.h). LAPACK is loaded when a solve first needs it, not linked:
// Debian's liblapack.so.3 is OpenBLAS's by default, whose load (with libgfortran's) took 6 ms
// of every process's start, started a thread per further CPU with 128 MiB of buffers mapped,
// and under `ulimit -v 100000` stopped the process with its own message (BENCHMARKS.md,
// "LAPACK loaded when used"); and only ease solves anything.
#include "nn/linalg.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "base/error.h"
#include "base/mem.h"

// OpenBLAS, behind Debian's LAPACK, maps a 128 MiB buffer at its first routine and, where it
// cannot, retries for ever (`seer train --model ease` under `ulimit -v` 126,000 KB spun in
// blas_memory_alloc for 10 minutes): under a limit on the address space a solve needs room for
// that buffer and some to spare, or it is out of memory. Once it has the buffer it keeps it.
#define LAPACK_HEADROOM ((size_t)136 << 20)
static atomic_int has_buffer;

typedef void (*lapack_fn)(const char *uplo, const int *n, double *a, const int *lda, int *info);

static pthread_once_t loaded = PTHREAD_ONCE_INIT;
static lapack_fn dpotrf, dpotri;
static char load_error[256];

static void load(void) {
    // The run-time name of Debian's LAPACK (any of its alternatives), then the unversioned one.
    void *h = dlopen("liblapack.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("liblapack.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "%s", why ? why : "not found");
        return;
    }
    // POSIX's way from a dlsym result to a function pointer.
    *(void **)&dpotrf = dlsym(h, "dpotrf_");
    *(void **)&dpotri = dlsym(h, "dpotri_");
    if (!dpotrf || !dpotri) {
        snprintf(load_error, sizeof load_error, "liblapack.so.3 has no dpotrf_ or dpotri_");
        dpotrf = dpotri = NULL;
    }
}

int seer_spd_inverse(double *A, size_t n) {
    if (n == 0) return SEER_OK;
    if (n > 46340) return seer_errorf(SEER_EINVAL, "a %zu x %zu matrix is past LAPACK's int", n, n);
    pthread_once(&loaded, load);
    if (!dpotrf)
        return seer_errorf(SEER_EIO, "LAPACK could not be loaded (%s); ease needs "
                           "liblapack.so.3 (Debian's liblapack3 or libopenblas0)", load_error);
    if (!atomic_load(&has_buffer) && !seer_address_space_has(LAPACK_HEADROOM))
        return seer_errorf(SEER_ENOMEM, "out of memory: LAPACK's buffers (128 MiB of addresses) "
                           "do not fit under the limit on the address space (ulimit -v)");
    int ni = (int)n, info = 0;
    dpotrf("U", &ni, A, &ni, &info);
    atomic_store(&has_buffer, 1);
    if (info > 0)
        return seer_errorf(SEER_EDATA, "the matrix is not positive definite (pivot %d)", info);
    if (info == 0) dpotri("U", &ni, A, &ni, &info);
    if (info != 0) return seer_errorf(SEER_EINTERNAL, "LAPACK dpotri: info %d", info);
    // "U" in column-major is the lower triangle in row-major: copy it to the upper one.
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) A[i * n + j] = A[j * n + i];
    return SEER_OK;
}
