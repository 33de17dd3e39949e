// Whether seer's own loops may use 512-bit vectors on this CPU. The build's baseline is AVX2
// (x86-64-v3); a few loops that gain from AVX-512 are compiled a second time for it and chosen
// here, at run time, so one binary runs on either CPU.
#ifndef SEER_BASE_CPU_H
#define SEER_BASE_CPU_H

// 1 when the CPU has AVX-512 F, BW and VL and DNNL_MAX_CPU_ISA (oneDNN's limit on its own
// kernels) does not hold the process below AVX-512; else 0. One knob holds every kernel of the
// process to AVX2, seer's and oneDNN's: the test suite's second run uses it so that the AVX2
// loops are tested on a CPU that has AVX-512 too. Decided once, on the first call.
int seer_cpu_avx512(void);

// The attribute of a function compiled for AVX-512 beside the baseline (GCC and Clang on
// x86-64); SEER_HAVE_AVX512_CLONES says the compiler can.
// GCC also needs telling to fill 512-bit vectors when it vectorises; Clang refuses that option
// in the attribute (and then drops the whole attribute, which broke the int8 kernel's
// intrinsics), so under Clang the compiled loops keep 256-bit vectors: the same bits, not the
// speed. The release build is GCC's; Clang builds the fuzzers.
#if defined(__x86_64__) && defined(__clang__)
#define SEER_HAVE_AVX512_CLONES 1
#define SEER_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
#elif defined(__x86_64__) && defined(__GNUC__)
#define SEER_HAVE_AVX512_CLONES 1
#define SEER_TARGET_AVX512 \
    __attribute__((target("avx512f,avx512bw,avx512vl,prefer-vector-width=512")))
#else
#define SEER_HAVE_AVX512_CLONES 0
#define SEER_TARGET_AVX512
#endif

#endif
