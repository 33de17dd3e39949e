// The seer command: dispatch to one subcommand per file.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: seer COMMAND [options]\n"
    "\n"
    "  profile DATA [--label COL] [--format F]                 columns and the sparsity decision\n"
    "  train   DATA --label COL [--model M] -o MODEL             train a model (lr, mlp, fm, wdl,\n"
    "                                                            deepfm, dcnv2, finalmlp)\n"
    "  eval    MODEL DATA [--json]                               AUC, log loss, accuracy\n"
    "  predict MODEL DATA [-o OUT]                               one score per row\n"
    "  serve   MODEL [--host H] [--port P] [--wal DIR]           the HTTP/JSON server\n"
    "  demo                                                      the main job on built-in data\n"
    "\n"
    "seer COMMAND --help lists the options of a command.\n";

int main(int argc, char **argv) {
    // Spinning OpenMP barriers collapse when the other hardware thread is busy
    // (measured here: 2 threads at batch 32 ran 12k samples/s spinning, 161k
    // passive, 345k with one thread). The OpenMP runtime reads its settings
    // when it loads, before main, so the setting takes a fresh start of the
    // program with it in the environment; without one, run on as we are.
    if (!getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "passive", 0);
        execv("/proc/self/exe", argv);
    }
    // Past the file size limit (ulimit -f) a write kills the process with SIGXFSZ; ignored,
    // it fails with EFBIG instead, which every writer reports as an I/O error (exit 3)
    // naming its file, and atomic writes leave nothing half-written.
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    const char *cmd = argv[1];
    struct {
        const char *name;
        int (*run)(int, char **);
    } cmds[] = {{"profile", seer_cmd_profile}, {"train", seer_cmd_train}, {"eval", seer_cmd_eval},
                {"predict", seer_cmd_predict}, {"demo", seer_cmd_demo}, {"serve", seer_cmd_serve}};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (strcmp(cmd, cmds[i].name) == 0) return cmds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "seer: unknown command '%s'\n\n%s", cmd, usage);
    return 1;
}
