// The roofline of the machine it runs on: the GEMM peaks (fp32 through seer's oneDNN sgemm and,
// where configured, OpenBLAS; bf16 through oneDNN's matmul on operands rounded once, outside the
// timing; int8 u8 x s8 -> s32) and the memory bandwidth (STREAM-like copy and triad on arrays
// of 4x the last-level cache), each with one thread and with all of them. A training step's
// GFLOP/s (seer train --json) is a fraction of the one-thread fp32 peak, the best of oneDNN's
// and OpenBLAS's. One line per figure, after the CPU's model and the flags that matter, read at
// run time.
//
//   build/roofline            (ROOFLINE_N=2048 the GEMM side, ROOFLINE_REPS=5 the products;
//                              OPENBLAS_CORETYPE=SkylakeX where OpenBLAS names an old core)
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef SEER_HAVE_OPENBLAS
#include <cblas.h>
#endif

#include "base/clock.h"
#include "base/rng.h"
#include "nn/gemm.h"
#include "nn/gemm_peak.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[n / 2];
}

// The CPU's model name and whether each flag of /proc/cpuinfo's first "flags" line is there.
static void print_cpu(void) {
    char line[8192], model[256] = "unknown", flags[8192] = "";
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon) continue;
        colon += colon[1] == ' ' ? 2 : 1;
        colon[strcspn(colon, "\n")] = 0;
        if (!strncmp(line, "model name", 10) && !strcmp(model, "unknown"))
            snprintf(model, sizeof model, "%s", colon);
        if (!strncmp(line, "flags", 5) && !flags[0]) snprintf(flags, sizeof flags, " %s ", colon);
    }
    if (f) fclose(f);
    printf("cpu %s, %ld online cpus\n", model, sysconf(_SC_NPROCESSORS_ONLN));
    static const char *const wanted[] = {"avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni",
                                         "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8"};
    printf("flags");
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++) {
        char w[32];
        snprintf(w, sizeof w, " %s ", wanted[i]);
        printf(" %s=%s", wanted[i], strstr(flags, w) ? "yes" : "no");
    }
    printf("\n");
}

static void fill(float *x, size_t n, uint64_t seed) {
    seer_rng r;
    seer_rng_init(&r, seed);
    for (size_t i = 0; i < n; i++) x[i] = (float)seer_rng_uniform(&r) - 0.5f;
}

#ifdef SEER_HAVE_OPENBLAS
static double openblas_sgemm(size_t n, int reps, int threads) {
    openblas_set_num_threads(threads);
    float *A = malloc(n * n * sizeof *A), *B = malloc(n * n * sizeof *B);
    float *C = malloc(n * n * sizeof *C);
    double rate[64] = {0}, flops = 2.0 * (double)n * n * n;
    for (int k = -1; A && B && C && k < reps; k++) {
        if (k < 0) {
            fill(A, n * n, 1);
            fill(B, n * n, 2);
        }
        double t0 = seer_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, A,
                    (int)n, B, (int)n, 0.0f, C, (int)n);
        if (k >= 0) rate[k] = flops / (seer_now() - t0) * 1e-9;
    }
    free(A);
    free(B);
    free(C);
    return median(rate, reps);
}
#endif

// The bf16 matmul's rate on operands rounded before the timing; *native 0 when oneDNN has no
// bf16 matmul here, and then the rate is seer_gemm_bf16's emulation (rounding included).
static double bf16_gemm(size_t n, int reps, int *native) {
    float *A = malloc(n * n * sizeof *A), *B = malloc(n * n * sizeof *B);
    float *C = malloc(n * n * sizeof *C);
    uint16_t *A16 = malloc(n * n * 2), *B16 = malloc(n * n * 2);
    double rate[64] = {0}, flops = 2.0 * (double)n * n * n;
    if (!A || !B || !C || !A16 || !B16) reps = 0;
    if (reps) fill(A, n * n, 1);
    if (reps) {
        fill(B, n * n, 2);
        seer_bf16_round(A16, A, n * n);
        seer_bf16_round(B16, B, n * n);
    }
    *native = reps && seer_gemm_bf16_native() &&
              seer_gemm_bf16_rounded(0, 0, n, n, n, 1.0f, A16, B16, 0.0f, C, n);
    for (int k = 0; k < reps; k++) {
        double t0 = seer_now();
        if (*native) seer_gemm_bf16_rounded(0, 0, n, n, n, 1.0f, A16, B16, 0.0f, C, n);
        else seer_gemm_bf16(0, 0, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
        rate[k] = flops / (seer_now() - t0) * 1e-9;
    }
    free(A);
    free(B);
    free(C);
    free(A16);
    free(B16);
    return reps ? median(rate, reps) : 0;
}

static double int8_gemm(size_t n, int reps) {
    uint8_t *A = malloc(n * n);
    int8_t *B = malloc(n * n);
    int32_t *C = malloc(n * n * sizeof *C);
    double rate[64] = {0}, ops = 2.0 * (double)n * n * n;
    int ok = A && B && C;
    for (size_t i = 0; ok && i < n * n; i++) {
        A[i] = (uint8_t)(i * 7 % 251);
        B[i] = (int8_t)(i * 13 % 255 - 127);
    }
    for (int k = -1; ok && k < reps; k++) {
        double t0 = seer_now();
        ok = seer_gemm_u8s8s32(n, n, n, A, B, C);
        if (k >= 0) rate[k] = ops / (seer_now() - t0) * 1e-9;
    }
    free(A);
    free(B);
    free(C);
    return ok ? median(rate, reps) : 0;
}

// The last-level cache in bytes (sysfs, the highest index of cpu0), 32 MiB when unknown.
static size_t llc_bytes(void) {
    size_t best = 0;
    for (int i = 0; i < 8; i++) {
        char path[96], text[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (fgets(text, sizeof text, f)) {
            char *end;
            double v = strtod(text, &end);
            size_t b = (size_t)(v * (*end == 'M' ? 1 << 20 : *end == 'K' ? 1 << 10 : 1));
            if (b > best) best = b;
        }
        fclose(f);
    }
    return best ? best : (size_t)32 << 20;
}

// STREAM's copy (c = b: 2 arrays moved) and triad (a = b + s c: 3) in GB/s, best of reps, on
// arrays of n floats, with the calling thread's OpenMP threads (first touch by them too).
static void stream(size_t n, int reps, double *copy, double *triad) {
    float *a = aligned_alloc(64, n * sizeof *a), *b = aligned_alloc(64, n * sizeof *b);
    float *c = aligned_alloc(64, n * sizeof *c);
    *copy = *triad = 0;
    if (!a || !b || !c) {
        free(a);
        free(b);
        free(c);
        return;
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) a[i] = 1.0f, b[i] = 2.0f, c[i] = 0.5f;
    double bytes = (double)n * sizeof(float);
    for (int k = 0; k < reps; k++) {
        double t0 = seer_now();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) c[i] = b[i];
        double t1 = seer_now();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) a[i] = b[i] + 3.0f * c[i];
        double t2 = seer_now();
        *copy = fmax(*copy, 2 * bytes / (t1 - t0) * 1e-9);
        *triad = fmax(*triad, 3 * bytes / (t2 - t1) * 1e-9);
    }
    if (a[n / 2] != 2.0f + 3.0f * 2.0f) fprintf(stderr, "roofline: triad computed %g\n", a[n / 2]);
    free(a);
    free(b);
    free(c);
}

// The whole decimal number of the environment variable name, fallback when it is not set, or
// -1 when it is set to anything else.
static long env_number(const char *name, long fallback) {
    const char *e = getenv(name);
    if (!e) return fallback;
    char *end;
    long v = strtol(e, &end, 10);
    return end == e || *end ? -1 : v;
}

// One figure, or why there is none: 0 means its buffers could not be allocated.
static void figure(int threads, const char *what, const char *unit, double v, const char *note) {
    if (v > 0)
        printf("roofline threads=%d %s %s=%.1f%s\n", threads, what, unit, v, note);
    else
        printf("roofline threads=%d %s not measured (out of memory or oneDNN failed)\n",
               threads, what);
}

static void run(int threads, size_t n, int reps, size_t stream_n) {
    omp_set_num_threads(threads);
    char what[96];
    snprintf(what, sizeof what, "sgemm_onednn n=%zu", n);
    figure(threads, what, "gflops", seer_gemm_measure(n, reps, 0), "");
    // With one thread, also in its CPU time, as seer train --json's gflops_peak: the rate
    // without the time other processes held the CPU.
    snprintf(what, sizeof what, "sgemm_onednn_thread_time n=%zu", n);
    if (threads == 1) figure(threads, what, "gflops", seer_gemm_measure(n, reps, 1), "");
#ifdef SEER_HAVE_OPENBLAS
    // OpenBLAS picks its kernels when it loads, by the CPU it knows: a CPU newer than the
    // library gets an old core's (0.3.21 runs Prescott's SSE3 kernels on a 2023 Xeon), and
    // only OPENBLAS_CORETYPE (SkylakeX, Cooperlake ...) set before the start changes that.
    char core[64];
    snprintf(core, sizeof core, " core=%s", openblas_get_corename());
    snprintf(what, sizeof what, "sgemm_openblas n=%zu", n);
    figure(threads, what, "gflops", openblas_sgemm(n, reps, threads), core);
#else
    printf("roofline threads=%d sgemm_openblas not built (no libopenblas at configure time)\n",
           threads);
#endif
    int native = 0;
    double bf = bf16_gemm(n, reps, &native);
    snprintf(what, sizeof what, "bf16_matmul n=%zu", n);
    figure(threads, what, "gflops", bf, native ? "" : " (not native: emulated, rounding included)");
    snprintf(what, sizeof what, "int8_gemm n=%zu", n);
    figure(threads, what, "gops", int8_gemm(n, reps),
           seer_gemm_int8_native() ? "" : " (not native: no VNNI)");
    double copy, triad;
    stream(stream_n, 5, &copy, &triad);
    snprintf(what, sizeof what, "stream_copy mib=%zu", stream_n * sizeof(float) >> 20);
    figure(threads, what, "gbs", copy, "");
    snprintf(what, sizeof what, "stream_triad mib=%zu", stream_n * sizeof(float) >> 20);
    figure(threads, what, "gbs", triad, "");
}

int main(void) {
    long n = env_number("ROOFLINE_N", SEER_GEMM_PEAK_N), reps = env_number("ROOFLINE_REPS", 5);
    if (n < 16 || n > 16384 || reps < 1 || reps > 64) {
        fprintf(stderr, "roofline: ROOFLINE_N must be 16..16384, ROOFLINE_REPS 1..64\n");
        return 1;
    }
    print_cpu();
    // Each STREAM array 4x the last-level cache, so that no pass is served from it.
    size_t llc = llc_bytes(), stream_n = 4 * llc / sizeof(float);
    printf("llc mib=%zu\n", llc >> 20);
    run(1, (size_t)n, (int)reps, stream_n);
    int all = omp_get_num_procs();
    if (all > 1) run(all, (size_t)n, (int)reps, stream_n);
    return 0;
}
