// The seer command: dispatch to one subcommand per file; help and version.
#define _GNU_SOURCE  // pthread_setattr_default_np
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli.h"
#include "rec_cli.h"

static const struct {
    const char *name;
    int (*run)(int, char **);
} cmds[] = {{"profile", seer_cmd_profile}, {"train", seer_cmd_train}, {"eval", seer_cmd_eval},
            {"predict", seer_cmd_predict}, {"demo", seer_cmd_demo}, {"serve", seer_cmd_serve},
            {"value", seer_cmd_value}, {"recommend", seer_cmd_recommend}};

// "unknown command 'x'" with the nearest command on the first line; exit 1.
static int unknown_command(const char *name) {
    const char *names[] = {"profile", "train", "eval", "predict", "serve", "demo", "value",
                           "recommend", "help", "version", NULL};
    const char *near = seer_cli_nearest(name, names);
    if (near) fprintf(stderr, "seer: unknown command '%s': did you mean '%s'?\n", name, near);
    else fprintf(stderr, "seer: unknown command '%s'\n", name);
    fputs("run 'seer help' for the commands\n", stderr);
    return 1;
}

// The stack every thread of the process may grow to: each thread it starts gets it, the main
// thread's soft limit is raised to it, and a command refuses a hard limit below it (see main).
// The deepest use is a sasrec user's forward, up to 1 MiB (rec/sasrec.h); beside it the
// deepest measured is a request body nested 999 levels, 64 to 128 KiB, and every command ran
// under `ulimit -s 128` but sasrec's recommend (default sasrec settings: 137 KiB more).
#define STACK_NEEDED ((size_t)2 << 20)

// Whether the main thread's stack may grow to STACK_NEEDED; said on stderr when not.
static int command_stack_ok(void) {
    struct rlimit stack;
    if (getrlimit(RLIMIT_STACK, &stack) != 0 || stack.rlim_cur >= STACK_NEEDED) return 1;
    fprintf(stderr, "seer: the stack size limit (ulimit -s) is %llu KiB, below the %llu KiB "
            "seer needs\n", (unsigned long long)stack.rlim_cur >> 10,
            (unsigned long long)STACK_NEEDED >> 10);
    return 0;
}

// seer help [COMMAND | --man]
static int help(int argc, char **argv) {
    if (argc > 3) return seer_cli_usage("usage: seer help [COMMAND | --man]");
    if (argc < 3) {
        seer_cli_overview(stdout);
        return 0;
    }
    if (strcmp(argv[2], "--man") == 0) {
        seer_cli_man(stdout);
        return 0;
    }
    const seer_cli_command *cmd = seer_cli_command_find(argv[2]);
    if (!cmd) return unknown_command(argv[2]);
    seer_cli_help(cmd, stdout);
    return 0;
}

int main(int argc, char **argv) {
    // The main thread's stack grows up to `ulimit -s`: below STACK_NEEDED it is raised to that
    // where the hard limit allows (under `ulimit -S -s 32` training and predict died with
    // SIGSEGV); a command refuses a hard limit below it (command_stack_ok).
    struct rlimit stack;
    if (getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_cur < STACK_NEEDED) {
        stack.rlim_cur = stack.rlim_max < STACK_NEEDED ? stack.rlim_max : STACK_NEEDED;
        setrlimit(RLIMIT_STACK, &stack);
    }
    // Spinning OpenMP barriers collapse when the other hardware thread is busy
    // (measured here: 2 threads at batch 32 ran 12k samples/s spinning, 161k
    // passive, 345k with one thread). The OpenMP runtime reads its settings
    // when it loads, before main, so the setting takes a fresh start of the
    // program with it in the environment; without one, run on as we are.
    // OpenBLAS (behind LAPACK, for ease) starts a pool of threads as it loads, which seer's
    // own --threads does not govern: one thread, unless the environment says otherwise.
    if (!getenv("OMP_WAIT_POLICY") || !getenv("OPENBLAS_NUM_THREADS")) {
        setenv("OMP_WAIT_POLICY", "passive", 0);
        setenv("OPENBLAS_NUM_THREADS", "1", 0);
        execv("/proc/self/exe", argv);
    }
    // Past the file size limit (ulimit -f) a write kills the process with SIGXFSZ; ignored,
    // it fails with EFBIG instead, which every writer reports as an I/O error (exit 3)
    // naming its file, and atomic writes leave nothing half-written.
    signal(SIGXFSZ, SIG_IGN);
    // Under a limit on the address space (ulimit -v), one malloc arena for every thread:
    // glibc gives each thread that allocates one of its own, 64 MiB of addresses reserved for
    // each, and under `ulimit -v 150000` a server's HTTP thread found no room left to parse a
    // 21 KB body. Set before any other thread exists; a program using libseer chooses its own.
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) mallopt(M_ARENA_MAX, 1);
    // Every thread started from here on (the server's, the learner's, the reader's, OpenMP's)
    // gets a stack of STACK_NEEDED, not `ulimit -s` (8 MiB by default): under a limit on the
    // address space each thread reserved 8 MiB, and under `ulimit -S -s 64` a server's thread
    // overflowed on a request nested 999 levels (SIGSEGV).
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) == 0) {
        if (pthread_attr_setstacksize(&attr, STACK_NEEDED) == 0) pthread_setattr_default_np(&attr);
        pthread_attr_destroy(&attr);
    }
    if (argc < 2) {
        seer_cli_overview(stderr);
        return 1;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help"))
        return help(argc, argv);
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("seer %s\n", SEER_VERSION);
        return 0;
    }
    if (name[0] == '-' && name[1] == '-') {
        const char *names[] = {"help", "version", NULL};
        const char *near = seer_cli_nearest(name + 2, names);
        fprintf(stderr, "seer: unknown option '%s'%s%s%s\n", name, near ? ": did you mean '--" : "",
                near ? near : "", near ? "'?" : "");
        fputs("run 'seer help' for the commands\n", stderr);
        return 1;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        if (strcmp(name, cmds[i].name)) continue;
        if (!command_stack_ok()) return 4;
        int sub_argc = argc - 1;
        char **sub_argv = argv + 1;
        int code = seer_cli_config(seer_cli_config_command(name, sub_argc, sub_argv), &sub_argc,
                                   &sub_argv);
        return code >= 0 ? code : cmds[i].run(sub_argc, sub_argv);
    }
    return unknown_command(name);
}
