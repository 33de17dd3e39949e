// A clear refusal on a CPU the build cannot run on, instead of a SIGILL somewhere later.
//
// The default build targets x86-64-v3 (AVX2, FMA, BMI2), so the compiler may use those
// instructions anywhere, main included. This check runs before main as a constructor and is
// itself compiled for the plain x86-64 baseline, so it can run on any x86-64 to say so.
#if defined(__x86_64__) && defined(__AVX2__)
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor, target("arch=x86-64"))) static void seer_cpu_check(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("bmi2"))
        return;
    fputs("seer: this CPU lacks AVX2, FMA or BMI2, which this build of seer needs; "
          "build it on this machine with cmake -DSEER_NATIVE=ON\n", stderr);
    exit(4);
}
#endif
