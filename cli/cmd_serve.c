// seer serve MODEL [--host H] [--port P] [...]: the HTTP server (include/seer/serve.h).
//
// Signals are taken by sigwait in the main thread, never handled in a signal
// handler: they are blocked before any thread starts (so every thread inherits
// the mask), SIGHUP reloads the model file, SIGTERM and SIGINT stop the server
// (requests in flight are answered, online learning writes its snapshot) and
// exit 0.
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "seer.h"
#include "seer/recommend.h"
#include "seer/serve.h"

// Each open connection is a descriptor, and idle sockets are accepted well past the
// connection limit (serve/http.c takes what the descriptor limit leaves): raise the
// soft limit as far as the hard one allows, up to 65,536 plus the limit.
static void raise_fd_limit(unsigned connections) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0) return;
    rlim_t want = (rlim_t)connections + 65536;
    if (r.rlim_cur >= want) return;
    r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max > want ? want : r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
}

static int uint_opt(const char *opt, const char *s, unsigned *out, size_t max) {
    size_t v;
    if (seer_cli_size(opt, s, &v)) return 1;
    if (v > max) return seer_cli_usage("%s: at most %zu", opt, max);
    *out = (unsigned)v;
    return 0;
}

static const seer_cli_opt opts[] = {
    {"host", 1, 'H', "H", "the address to listen on (default 127.0.0.1)"},
    {"port", 1, 'p', "P", "the port (default 8080; 0 picks a free one)"},
    {"threads", 1, 't', "N", "worker threads"},
    {"wal", 1, 'w', "DIR", "the log of events posted to /v1/events, written before they are\n"
                           "acknowledged and learnt online (a sasrec recommender: appended\n"
                           "to its users' sequences) (default MODEL.wal)"},
    {"read-only", 0, 'r', NULL, "serve without learning (no log)"},
    {"wal-repair", 0, 'R', NULL, "start past damaged records in the log, dropping only them\n"
                                 "(else refused)"},
    {"token-file", 1, 'k', "F", "the write endpoints need 'Authorization: Bearer <F's first\n"
                                "line>' (later lines are ignored)"},
    {"allow-unauthenticated-writes", 0, 'A', NULL, "without --token-file, accept writes\n"
                                                   "(else 403; for local experiments)"},
    {"max-body", 1, 'b', "BYTES", "the largest request body"},
    {"max-batch", 1, 'n', "ROWS", "the most rows a request may score"},
    {"max-connections", 1, 'c', "N", "the most open connections"},
    {"timeout-s", 1, 'T', "S", "close a connection idle this many seconds"},
    {"model-dir", 1, 'M', "DIR", "a reload's {\"path\"} names a file under DIR (default: the\n"
                                 "model's directory)"},
    {"lenient", 0, 'L', NULL, "ignore request keys that name no column (else 400)"},
    {"micro-batch", 1, 'm', "ROWS", "score predicts of up to ROWS rows together on one thread,\n"
                                    "in products of exactly ROWS rows (default 4, at most 64;\n"
                                    "0: each on its own HTTP thread)"},
    {"micro-wait-us", 1, 'W', "US", "the longest a queued predict waits for others while\n"
                                    "requests stream in (default 100)"},
    {"help", 0, 'h', NULL, "this help"},
    {0}};

const seer_cli_command seer_cli_serve_command = {
    .name = "serve", .synopsis = "MODEL [--host H] [--port P] [--wal DIR | --read-only] [options]",
    .summary = "serve the model over HTTP/JSON", .shorts = "", .opts = opts,
    .notes = "Endpoints: POST /v1/predict, /v1/rank, /v1/recommend, /v1/events,\n"
             "/v1/admin/reload; GET /v1/model, /healthz, /metrics. SIGHUP reloads the model\n"
             "file; SIGTERM and SIGINT stop the server.\n"};

// One option c into cfg (or *read_only): 0, 1 after a usage error, or 2 after --help.
static int serve_option(seer_server_config *cfg, int c, int *read_only) {
    int bad = 0;
    switch (c) {
    case 'H': cfg->host = optarg; break;
    case 'p': bad = uint_opt("--port", optarg, &cfg->port, 65535); break;
    case 't':
        bad = uint_opt("--threads", optarg, &cfg->threads, 1024);
        if (!bad && cfg->threads == 0) bad = seer_cli_usage("--threads: at least 1");
        break;
    case 'w': cfg->wal_dir = optarg; break;
    case 'k': cfg->token_file = optarg; break;
    case 'b':
        bad = seer_cli_size("--max-body", optarg, &cfg->max_body);
        if (!bad && cfg->max_body == 0) bad = seer_cli_usage("--max-body: at least 1");
        break;
    case 'n':
        bad = seer_cli_size("--max-batch", optarg, &cfg->max_batch);
        if (!bad && cfg->max_batch == 0) bad = seer_cli_usage("--max-batch: at least 1");
        break;
    case 'c':
        bad = uint_opt("--max-connections", optarg, &cfg->max_connections, 1u << 20);
        if (!bad && cfg->max_connections == 0)
            bad = seer_cli_usage("--max-connections: at least 1");
        break;
    case 'T': bad = uint_opt("--timeout-s", optarg, &cfg->timeout_s, 86400); break;
    case 'r': *read_only = 1; break;
    case 'R': cfg->wal_repair = 1; break;
    case 'A': cfg->allow_unauthenticated_writes = 1; break;
    case 'M': cfg->model_dir = optarg; break;
    case 'L': cfg->lenient = 1; break;
    case 'm':
        bad = seer_cli_size("--micro-batch", optarg, &cfg->micro_batch);
        if (!bad && cfg->micro_batch > 64) bad = seer_cli_usage("--micro-batch: at most 64");
        break;
    case 'W': bad = uint_opt("--micro-wait-us", optarg, &cfg->micro_wait_us, 10000); break;
    case 'h': seer_cli_help(&seer_cli_serve_command, stdout); return 2;
    default: return 1;
    }
    return bad;
}

// The config from the command line, the log in MODEL.wal unless told otherwise (wal has
// room for its name): -1 to go on, else the exit code.
static int parse_args(int argc, char **argv, seer_server_config *cfg, char *wal, size_t cap) {
    int read_only = 0;
    int c, more;
    const char *seen[SEER_CLI_OPTION_MAX] = {0};
    optind = 0;
    while ((more = seer_cli_next(&seer_cli_serve_command, argc, argv, &c, seen)) > 0) {
        int bad = serve_option(cfg, c, &read_only);
        if (bad) return bad == 2 ? 0 : 1;
    }
    if (more < 0) return 1;
    if (optind != argc - 1) return seer_cli_usage("usage: seer serve MODEL [--host H] [--port P]");
    cfg->model_path = argv[optind];
    if (read_only && cfg->wal_dir)
        return seer_cli_usage("--read-only and --wal do not go together");
    if (read_only && cfg->wal_repair)
        return seer_cli_usage("--read-only and --wal-repair do not go together");
    if (!read_only && !cfg->wal_dir) {
        if ((size_t)snprintf(wal, cap, "%s.wal", cfg->model_path) >= cap)
            return seer_cli_usage("the model path is too long");
        cfg->wal_dir = wal;
    }
    return -1;
}

static pthread_t main_thread;

// A stop or reload signal that lands on a thread not blocking it (a library's, started before
// main blocked them: OpenBLAS starts its pool when it loads) goes on to the main thread, which
// blocks it and takes it in sigwait; without this its default action killed the server.
static void forward_signal(int sig) {
    int saved = errno;
    pthread_kill(main_thread, sig);
    errno = saved;
}

// Until SIGTERM or SIGINT: SIGHUP reloads the model file.
static void serve_until_stopped(seer_server *s, const seer_server_config *cfg,
                                const sigset_t *sigs) {
    for (;;) {
        int sig;
        if (sigwait(sigs, &sig) != 0) continue;
        if (sig != SIGHUP) break;
        unsigned long long version;
        if (seer_server_reload(s, NULL, &version) == SEER_OK)
            fprintf(stderr, "seer serve: reloaded %s (version %llu)\n", cfg->model_path, version);
        else
            fprintf(stderr, "seer serve: reload failed, still serving version %llu: %s\n",
                    version, seer_error_message());
    }
}

int seer_cmd_serve(int argc, char **argv) {
    seer_server_config cfg;
    seer_server_config_default(&cfg);
    char wal[4096];
    int code = parse_args(argc, argv, &cfg, wal, sizeof wal);
    if (code >= 0) return code;

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    main_thread = pthread_self();
    struct sigaction forward = {.sa_handler = forward_signal};
    sigemptyset(&forward.sa_mask);
    sigaction(SIGINT, &forward, NULL);
    sigaction(SIGTERM, &forward, NULL);
    sigaction(SIGHUP, &forward, NULL);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit(cfg.max_connections);
    // The online learner publishes a fresh copy of the model every interval
    // and frees the old one. glibc would raise its mmap threshold past that
    // size after the first free and serve later copies from the heap, whose
    // freed pages it keeps: measured, 160-177 MB resident in a soak instead
    // of a steady 91 MB. A fixed threshold keeps large buffers mapped, and
    // returned when freed.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);

    seer_server *s;
    int rc = seer_server_start(&s, &cfg);
    if (rc != SEER_OK) return seer_cli_fail(rc);
    int v6 = strchr(cfg.host, ':') != NULL;
    // A recommender's server learns nothing online: no log is written for it.
    const char *events_log = seer_file_is_recommender(cfg.model_path) == 1 ? NULL : cfg.wal_dir;
    fprintf(stderr, "seer serve: listening on http://%s%s%s:%u model %s (%u thread%s%s%s)\n",
            v6 ? "[" : "", cfg.host, v6 ? "]" : "", seer_server_port(s), cfg.model_path,
            cfg.threads, cfg.threads == 1 ? "" : "s", events_log ? ", online learning in " : "",
            events_log ? events_log : "");
    serve_until_stopped(s, &cfg, &sigs);
    fprintf(stderr, "seer serve: stopping\n");
    seer_server_stop(s);
    return 0;
}
