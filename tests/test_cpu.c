// Tests of the run-time choice of seer's 512-bit loops (base/cpu.h): DNNL_MAX_CPU_ISA holds
// them off as it holds oneDNN's kernels, and Adam's loops, compiled twice, give the same bits
// in either form. Each test runs in a process of its own
// (Criterion's), and the choice is made at the first call, so a test sets the variable first.
// On a CPU without AVX-512 both forms are the AVX2 one and the comparisons hold trivially.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cpu.h"
#include "base/rng.h"
#include "nn/adam.h"

static int cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
}

Test(cpu, a_limit_below_avx512_holds_the_wide_loops_off) {
    setenv("DNNL_MAX_CPU_ISA", "avx2", 1);  // oneDNN reads its values in either case
    cr_assert(eq(int, seer_cpu_avx512(), 0));
}

Test(cpu, sse41_holds_them_off_too) {
    setenv("DNNL_MAX_CPU_ISA", "SSE41", 1);
    cr_assert(eq(int, seer_cpu_avx512(), 0));
}

Test(cpu, no_limit_follows_the_cpu) {
    unsetenv("DNNL_MAX_CPU_ISA");
    cr_assert(eq(int, seer_cpu_avx512(), cpu_has_avx512()));
}

Test(cpu, an_avx512_limit_or_all_follows_the_cpu) {
    setenv("DNNL_MAX_CPU_ISA", "AVX512_CORE_BF16", 1);
    cr_assert(eq(int, seer_cpu_avx512(), cpu_has_avx512()));
}

Test(cpu, all_follows_the_cpu) {
    setenv("DNNL_MAX_CPU_ISA", "ALL", 1);
    cr_assert(eq(int, seer_cpu_avx512(), cpu_has_avx512()));
}

// Sizes that leave a vector loop's tail: 1,037 dense weights; rows of 16 (one 512-bit
// register) and of 7 (a tail only).
enum { N_DENSE = 1037, ROWS = 50, STEPS = 6, TOUCHED = 20 };

// Six Adam steps of the dense weights and of rows of width D on fixed random gradients, with
// averages following three of them; every float written into out (its length returned).
static size_t work(float *out, size_t D) {
    static float w[N_DENSE], m[N_DENSE], v[N_DENSE], g[N_DENSE], a[N_DENSE];
    static float tw[ROWS * 16], tm[ROWS * 16], tv[ROWS * 16], tg[TOUCHED * 16], ta[ROWS * 16];
    static float keep_rows[TOUCHED];
    static uint32_t rows[TOUCHED];
    seer_rng rng;
    seer_rng_init(&rng, 7);
    for (size_t i = 0; i < N_DENSE; i++) w[i] = (float)seer_rng_normal(&rng);
    for (size_t i = 0; i < ROWS * D; i++) tw[i] = (float)seer_rng_normal(&rng);
    memset(m, 0, sizeof m);
    memset(v, 0, sizeof v);
    memset(tm, 0, sizeof tm);
    memset(tv, 0, sizeof tv);
    memset(a, 0, sizeof a);
    memset(ta, 0, sizeof ta);
    const seer_adam_config c = {.lr = 1e-2f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    for (long t = 1; t <= STEPS; t++) {
        for (size_t i = 0; i < N_DENSE; i++) g[i] = (float)seer_rng_normal(&rng) * 1e-3f;
        for (size_t i = 0; i < TOUCHED; i++) rows[i] = (uint32_t)((i * 7 + (size_t)t) % ROWS);
        for (size_t i = 0; i < TOUCHED * D; i++) tg[i] = (float)seer_rng_normal(&rng);
        for (size_t i = 0; i < TOUCHED; i++) keep_rows[i] = (float)seer_rng_uniform(&rng);
        // Averages follow the updates of the odd steps (nn/adam.h's seer_follow).
        seer_follow fd = {a, 0.9f, NULL}, fr = {ta, 0, keep_rows};
        seer_adam_step(w, m, v, g, N_DENSE, &c, t, t % 2 ? &fd : NULL);
        seer_adam_rows_step(tw, tm, tv, rows, tg, TOUCHED, D, &c, t, t % 2 ? &fr : NULL);
    }
    size_t k = 0;
    const float *parts[] = {w, m, v, a, tw, tm, tv, ta};
    const size_t lens[] = {N_DENSE, N_DENSE, N_DENSE, N_DENSE,
                           ROWS * D, ROWS * D, ROWS * D, ROWS * D};
    for (size_t p = 0; p < 8; p++) {
        memcpy(out + k, parts[p], lens[p] * sizeof *out);
        k += lens[p];
    }
    return k;
}

// The work done in a child held to AVX2 and in this process, compared bit for bit.
static void same_bits_either_way(size_t D) {
    enum { MAX = 8 * N_DENSE + 8 * ROWS * 16 };
    static float mine[MAX], held[MAX];
    int fd[2];
    cr_assert(eq(int, pipe(fd), 0));
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        setenv("DNNL_MAX_CPU_ISA", "AVX2", 1);
        size_t k = work(held, D);
        ssize_t put = write(fd[1], held, k * sizeof *held);
        _exit(put == (ssize_t)(k * sizeof *held) ? 0 : 1);
    }
    close(fd[1]);
    size_t k = work(mine, D), got = 0;
    ssize_t r;
    while (got < k * sizeof *held &&
           (r = read(fd[0], (char *)held + got, k * sizeof *held - got)) > 0)
        got += (size_t)r;
    close(fd[0]);
    int status;
    cr_assert(eq(int, waitpid(pid, &status, 0), pid));
    cr_assert(eq(int, WIFEXITED(status) && WEXITSTATUS(status) == 0, 1));
    cr_assert(eq(sz, got, k * sizeof *held));
    cr_assert(eq(int, memcmp(mine, held, k * sizeof *held), 0),
              "the AVX2 and this CPU's loops differ (avx512 %d)", seer_cpu_avx512());
}

Test(cpu, adam_the_same_bits_in_either_form_rows_of_16) {
    unsetenv("DNNL_MAX_CPU_ISA");
    same_bits_either_way(16);
}

Test(cpu, adam_the_same_bits_in_either_form_rows_of_7) {
    unsetenv("DNNL_MAX_CPU_ISA");
    same_bits_either_way(7);
}
