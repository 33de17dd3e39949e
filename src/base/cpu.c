// Run-time choice of seer's 512-bit loops (cpu.h).
#include "base/cpu.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <strings.h>

#if SEER_HAVE_AVX512_CLONES
// DNNL_MAX_CPU_ISA's values are instruction-set names (oneDNN's documentation: SSE41, AVX,
// AVX2, AVX2_VNNI, AVX512_CORE, ..., ALL), case-insensitive: those from AVX512 up, ALL and
// unset or empty leave AVX-512 allowed.
static int isa_limit_allows_avx512(void) {
    const char *s = getenv("DNNL_MAX_CPU_ISA");
    if (!s || !*s) return 1;
    return strncasecmp(s, "AVX512", 6) == 0 || strcasecmp(s, "ALL") == 0;
}

static int detect(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && isa_limit_allows_avx512();
}
#else
static int detect(void) { return 0; }
#endif

int seer_cpu_avx512(void) {
    static atomic_int known = -1;  // -1 until decided; racing first calls decide the same
    int v = atomic_load_explicit(&known, memory_order_relaxed);
    if (v < 0) {
        v = detect();
        atomic_store_explicit(&known, v, memory_order_relaxed);
    }
    return v;
}
