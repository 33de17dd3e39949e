// POST /v1/recommend in seer serve for a recommender's model file: the same items and scores
// as seer recommend --json for every user of a sample and for unknown users, malformed bodies
// answered 400 (never a crash), the CTR endpoints refused on such a server, and a CTR model's
// refusal. The server runs in this process (seer/serve.h); seer recommend is $SEER_BIN.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_run.h"
#include "http_client.h"
#include "seer/recommend.h"
#include "seer/serve.h"
#include "tmpdir.h"

static char dir[64], model[256];
static seer_server *server;
static unsigned port;

static void start(void) {
    snprintf(dir, sizeof dir, "/tmp/seer_recs_XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
    char log[256];
    snprintf(log, sizeof log, "%s/log.data", dir);
    FILE *f = fopen(log, "w");
    for (int u = 0; u < 60; u++)
        for (int i = 0; i < 40; i++)
            if ((u * 7 + i * 3) % 5 < 2) fprintf(f, "u%d\ti%d\t%d\t%d\n", u, i, 1 + (u + i) % 5, i);
    fclose(f);
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, SEER_REC_MF);
    o.data = log;
    o.format = SEER_FORMAT_MOVIELENS;
    o.quiet = 1;
    o.epochs = 10;
    o.reg = 0.04f;
    seer_recommender *r;
    cr_assert(eq(int, seer_rec_train(&o, &r, NULL), 0), "%s", seer_error_message());
    snprintf(model, sizeof model, "%s/m.seer", dir);
    cr_assert(eq(int, seer_rec_save(r, model), 0));
    seer_rec_free(r);
    seer_server_config c;
    seer_server_config_default(&c);
    c.model_path = model;
    c.port = 0;
    c.threads = 2;
    char wal[256];   // seer serve's default: a recommender is served without online learning
    snprintf(wal, sizeof wal, "%s/m.seer.wal", dir);
    c.wal_dir = wal;
    cr_assert(eq(int, seer_server_start(&server, &c), 0), "%s", seer_error_message());
    port = seer_server_port(server);
}

static void stop(void) {
    seer_server_stop(server);
    run_free_last();
    remove_tree(dir);
}

TestSuite(rec_serve, .init = start, .fini = stop, .timeout = 120);

static response post(const char *path, const char *body) {
    int fd = connect_to(port);
    response r;
    cr_assert(eq(int, send_request(fd, "POST", path, NULL, body, strlen(body)), 0));
    cr_assert(eq(int, read_response(fd, &r), 0), "no response to %s", body);
    close(fd);
    return r;
}

// The server's answer for body equals seer recommend's JSON (without its "ms").
static void same_as_cli(const char *body, const char *const *args) {
    response r = post("/v1/recommend", body);
    cr_assert(eq(int, r.status, 200), "%s: %s", body, r.body);
    cr_assert(eq(int, run_seer("recommend", model, args[0], args[1], args[2], args[3], "--json",
                               NULL), 0), "%s", last.err);
    char *ms = strstr(last.out, ",\"ms\":");
    cr_assert(ms != NULL, "%s", last.out);
    size_t n = (size_t)(ms - last.out);
    cr_assert(eq(sz, r.len, n + 1), "server %s\ncli    %s", r.body, last.out);
    cr_assert(strncmp(r.body, last.out, n) == 0, "server %s\ncli    %s", r.body, last.out);
    response_free(&r);
}

Test(rec_serve, answers_as_the_cli_for_every_user) {
    char body[128], user[16];
    for (int u = 0; u < 60; u += 7) {
        snprintf(user, sizeof user, "u%d", u);
        snprintf(body, sizeof body, "{\"user\":\"%s\",\"k\":10}", user);
        const char *args[4] = {"--user", user, "-k", "10"};
        same_as_cli(body, args);
    }
    const char *unknown[4] = {"--user", "nobody", "-k", "5"};
    same_as_cli("{\"user\":\"nobody\",\"k\":5}", unknown);
    const char *recent[4] = {"--recent", "i3,i7,no-such", "-k", "4"};
    same_as_cli("{\"recent_items\":[\"i3\",\"i7\",\"no-such\"],\"k\":4}", recent);
}

Test(rec_serve, source_and_seen_items) {
    response r = post("/v1/recommend", "{\"user\":\"nobody\"}");
    cr_assert(eq(int, r.status, 200));
    cr_assert(strstr(r.body, "\"source\":\"popularity\"") != NULL, "%s", r.body);
    response_free(&r);
    r = post("/v1/recommend", "{\"recent_items\":[\"i1\"],\"k\":39}");
    cr_assert(strstr(r.body, "\"source\":\"features\"") && !strstr(r.body, "\"i1\""), "%s", r.body);
    response_free(&r);
    r = post("/v1/recommend", "{\"recent_items\":[\"i1\"],\"k\":40,\"include_seen\":true}");
    cr_assert(strstr(r.body, "\"i1\"") != NULL, "%s", r.body);
    response_free(&r);
}

Test(rec_serve, malformed_bodies_are_400) {
    const char *bad[] = {"", "{", "[]", "{\"user\":{}}", "{\"k\":0}", "{\"k\":10001}",
                         "{\"k\":2.5}", "{\"k\":\"10\"}", "{\"user\":\"1\",\"x\":1}",
                         "{\"recent_items\":\"i1\"}", "{\"recent_items\":[{}]}",
                         "{\"features\":[]}", "{\"features\":{\"a\":[1]}}",
                         "{\"include_seen\":1}", "{\"user\":\"1\"} trailing", NULL};
    for (int i = 0; bad[i]; i++) {
        response r = post("/v1/recommend", bad[i]);
        cr_assert(eq(int, r.status, 400), "%s -> %d %s", bad[i], r.status, r.body);
        cr_assert(strncmp(r.body, "{\"error\":", 9) == 0, "%s", r.body);
        response_free(&r);
    }
    char *big = malloc(1100 * 8 + 64);   // more recent items than a request may give
    size_t n = (size_t)sprintf(big, "{\"recent_items\":[");
    for (int i = 0; i < 1100; i++) n += (size_t)sprintf(big + n, "%s\"i%d\"", i ? "," : "", i % 40);
    sprintf(big + n, "]}");
    response r = post("/v1/recommend", big);
    cr_assert(eq(int, r.status, 400), "%s", r.body);
    response_free(&r);
    free(big);
    r = post("/v1/recommend", "{\"user\":7,\"k\":3}");   // an integer id: its digits
    cr_assert(eq(int, r.status, 200), "%s", r.body);
    cr_assert(strncmp(r.body, "{\"user\":\"7\"", 11) == 0, "%s", r.body);
    response_free(&r);
}

Test(rec_serve, ctr_endpoints_refused) {
    response r = post("/v1/predict", "{\"rows\":[{}]}");
    cr_assert(eq(int, r.status, 400), "%s", r.body);
    cr_assert(strstr(r.body, "/v1/recommend") != NULL, "%s", r.body);
    response_free(&r);
    // Each refusal names the path asked for and what the server answers instead.
    int fd = connect_to(port);
    cr_assert(eq(int, send_request(fd, "GET", "/v1/model", NULL, NULL, 0), 0));
    cr_assert(eq(int, read_response(fd, &r), 0));
    cr_assert(eq(int, r.status, 400), "%s", r.body);
    cr_assert(strstr(r.body, "/v1/model is not served for a recommender: this server answers "
                             "POST /v1/recommend, GET /healthz and GET /metrics") != NULL,
              "%s", r.body);
    close(fd);
    response_free(&r);
    fd = connect_to(port);
    cr_assert(eq(int, send_request(fd, "GET", "/healthz", NULL, NULL, 0), 0));
    cr_assert(eq(int, read_response(fd, &r), 0));
    cr_assert(eq(int, r.status, 200));
    close(fd);
    response_free(&r);
}
