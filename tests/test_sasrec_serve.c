// A sasrec recommender in seer serve: POST /v1/recommend answers a user from its stored
// sequence and a new session from the request's recent items exactly as seer recommend
// --json does (unknown items skipped and counted, a list longer than maxlen scored by its
// last maxlen items, wrong types 400); POST /v1/events appends an item to a user's sequence
// (a known user's or a new one's) so that the next answer scores it, and a restart replays
// the log to the same answers. The model learns a ring (each user's items run i(s), i(s+1),
// ... mod 20), so the next item of a sequence is known. The server runs in this process;
// seer recommend is $SEER_BIN.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
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

static char dir[64], model[256], wal[256];
static seer_server *server;
static unsigned port;
static int first[60];   // each user's first item: u's items are first[u] + 0 .. 7, mod 20

static void write_ring(const char *path) {
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    for (int u = 0; u < 60; u++) {
        first[u] = (u * 7) % 20;
        fprintf(f, "u%d", u);
        for (int k = 0; k < 8; k++) fprintf(f, " i%d", (first[u] + k) % 20);
        fprintf(f, "\n");
    }
    fclose(f);
}

static void serve(void) {
    seer_server_config c;
    seer_server_config_default(&c);
    c.model_path = model;
    c.port = 0;
    c.threads = 2;
    c.wal_dir = wal;
    c.allow_unauthenticated_writes = 1;
    cr_assert(eq(int, seer_server_start(&server, &c), 0), "%s", seer_error_message());
    port = seer_server_port(server);
}

static void start(void) {
    snprintf(dir, sizeof dir, "/tmp/seer_sasrec_serve_XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
    char data[256];
    snprintf(data, sizeof data, "%s/ring.txt", dir);
    write_ring(data);
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, SEER_REC_SASREC);
    o.data = data;
    o.format = SEER_FORMAT_SEQ;
    o.dim = 16;
    o.maxlen = 6;
    o.epochs = 30;
    o.batch = 16;
    o.lr = 1e-2f;
    o.dropout = 0.1f;
    o.quiet = 1;
    seer_recommender *r;
    cr_assert(eq(int, seer_rec_train(&o, &r, NULL), 0), "%s", seer_error_message());
    snprintf(model, sizeof model, "%s/ring.seer", dir);
    cr_assert(eq(int, seer_rec_save(r, model), 0));
    seer_rec_free(r);
    snprintf(wal, sizeof wal, "%s/ring.seer.wal", dir);
    serve();
}

static void stop(void) {
    seer_server_stop(server);
    run_free_last();
    remove_tree(dir);
}

TestSuite(sasrec_serve, .init = start, .fini = stop, .timeout = 120);

static response post(const char *path, const char *body) {
    int fd = connect_to(port);
    response r;
    cr_assert(eq(int, send_request(fd, "POST", path, NULL, body, strlen(body)), 0));
    cr_assert(eq(int, read_response(fd, &r), 0), "no response to %s", body);
    close(fd);
    return r;
}

// The 200 answer to body, which the caller frees.
static char *recommend(const char *body) {
    response r = post("/v1/recommend", body);
    cr_assert(eq(int, r.status, 200), "%s: %d %s", body, r.status, r.body);
    char *s = strdup(r.body);
    response_free(&r);
    return s;
}

// seer recommend --json's line for a .. e (NULL ends them early), without
// its "ms", as the server writes it.
static void cli(const char *a, const char *b, const char *c, const char *d, const char *e,
                char *out, size_t cap) {
    cr_assert(eq(int, run_seer("recommend", model, "--json", a, b, c, d, e, NULL), 0), "%s",
              last.err);
    char *ms = strstr(last.out, ",\"ms\":");
    cr_assert(ms != NULL, "%s", last.out);
    cr_assert(lt(sz, (size_t)(ms - last.out) + 2, cap));
    snprintf(out, cap, "%.*s}", (int)(ms - last.out), last.out);
}

// The "items":[...] part of an answer.
static void items_of(const char *answer, char *out, size_t cap) {
    const char *a = strstr(answer, "\"items\":["), *b = a ? strchr(a, ']') : NULL;
    cr_assert(a && b, "%s", answer);
    snprintf(out, cap, "%.*s", (int)(b - a + 1), a);
}

// The id of the first item of an answer.
static void top_item(const char *answer, char *out, size_t cap) {
    const char *a = strstr(answer, "{\"item\":\"");
    cr_assert(a != NULL, "%s", answer);
    a += 9;
    snprintf(out, cap, "%.*s", (int)(strchr(a, '"') - a), a);
}

Test(sasrec_serve, answers_as_the_cli) {
    char want[2048], body[512], item[16];
    for (int u = 0; u < 60; u += 11) {
        snprintf(body, sizeof body, "{\"user\":\"u%d\",\"k\":7}", u);
        char user[16];
        snprintf(user, sizeof user, "u%d", u);
        cli("--user", user, "-k", "7", NULL, want, sizeof want);
        char *got = recommend(body);
        cr_assert(eq(str, got, want));
        // The stored sequence: the ring's next item comes first.
        top_item(got, item, sizeof item);
        snprintf(user, sizeof user, "i%d", (first[u] + 8) % 20);
        cr_assert(eq(str, item, user), "u%d: %s", u, got);
        free(got);
    }
    // A new session: an unknown id skipped and counted.
    cli("--recent", "i3,i4,nope,i5", "-k", "5", NULL, want, sizeof want);
    cr_assert(strstr(want, "\"unknown_items\":1}") != NULL, "%s", want);
    char *got = recommend("{\"recent_items\":[\"i3\",\"i4\",\"nope\",\"i5\"],\"k\":5}");
    cr_assert(eq(str, got, want));
    top_item(got, item, sizeof item);
    cr_assert(eq(str, item, "i6"), "%s", got);
    free(got);
    // Integer ids are their digits: none is in the catalogue here.
    got = recommend("{\"recent_items\":[3,4],\"k\":2}");
    cr_assert(strstr(got, "\"source\":\"popularity\",\"unknown_items\":2}") != NULL, "%s", got);
    free(got);
    got = recommend("{\"recent_items\":[],\"k\":3}");
    cr_assert(strstr(got, "\"source\":\"popularity\"}") != NULL, "%s", got);
    free(got);
}

// A list longer than maxlen (6) scores as its last 6 items; the CLI agrees.
Test(sasrec_serve, long_list_keeps_the_last_maxlen) {
    char body[4096], tail[512], ids[2048], want[2048], a[2048], b[2048];
    size_t n = (size_t)sprintf(body, "{\"include_seen\":true,\"k\":20,\"recent_items\":[");
    size_t m = 0;
    for (int k = 0; k < 40; k++) {
        n += (size_t)sprintf(body + n, "%s\"i%d\"", k ? "," : "", (k * 3) % 20);
        m += (size_t)sprintf(ids + m, "%si%d", k ? "," : "", (k * 3) % 20);
    }
    sprintf(body + n, "]}");
    n = (size_t)sprintf(tail, "{\"include_seen\":true,\"k\":20,\"recent_items\":[");
    for (int k = 34; k < 40; k++) n += (size_t)sprintf(tail + n, "%s\"i%d\"", k > 34 ? "," : "", (k * 3) % 20);
    sprintf(tail + n, "]}");
    char *whole = recommend(body), *last6 = recommend(tail);
    items_of(whole, a, sizeof a);
    items_of(last6, b, sizeof b);
    cr_assert(eq(str, a, b));
    cli("--recent", ids, "-k", "20", "--include-seen", want, sizeof want);
    cr_assert(eq(str, whole, want));
    free(whole);
    free(last6);
}

Test(sasrec_serve, wrong_types_are_400) {
    const char *bad[] = {"{\"recent_items\":\"i1\"}", "{\"recent_items\":[null]}",
                         "{\"recent_items\":[[\"i1\"]]}", "{\"recent_items\":[true]}",
                         "{\"recent_items\":{\"a\":\"i1\"}}", "{\"k\":\"3\"}",
                         "{\"user\":[\"u1\"]}", "{\"recent_items\":[\"i1\"],\"k\":-1}", NULL};
    for (int i = 0; bad[i]; i++) {
        response r = post("/v1/recommend", bad[i]);
        cr_assert(eq(int, r.status, 400), "%s -> %d %s", bad[i], r.status, r.body);
        cr_assert(strncmp(r.body, "{\"error\":", 9) == 0, "%s", r.body);
        response_free(&r);
    }
    const char *bad_events[] = {"{\"events\":[{\"user\":\"u0\"}]}",
                                "{\"events\":[{\"item\":\"i1\"}]}",
                                "{\"events\":[{\"user\":\"u0\",\"item\":[\"i1\"]}]}",
                                "{\"events\":[{\"user\":\"\",\"item\":\"i1\"}]}",
                                "{\"events\":[{\"user\":1.5,\"item\":\"i1\"}]}",
                                "{\"events\":[{\"user\":\"u0\",\"item\":\"i1\",\"label\":1}]}",
                                "{\"events\":[{\"user\":\"u0\",\"item\":\"i1\",\"item\":\"i2\"}]}",
                                "{\"events\":{}}", "{\"events\":[1]}", "{\"events\":[]",
                                "{\"events\":[],\"x\":1}", "[]", NULL};
    for (int i = 0; bad_events[i]; i++) {
        response r = post("/v1/events", bad_events[i]);
        cr_assert(eq(int, r.status, 400), "%s -> %d %s", bad_events[i], r.status, r.body);
        response_free(&r);
    }
}

static void event(const char *body, const char *answer) {
    response r = post("/v1/events", body);
    cr_assert(eq(int, r.status, 202), "%s: %d %s", body, r.status, r.body);
    cr_assert(eq(str, r.body, (char *)answer));
    response_free(&r);
}

// An event appends to u0's sequence: the ring's next item moves on, the posted item is left
// out, and the answer is the CLI's for the whole sequence given as recent items; a new user's
// events make a sequence of its own; a restart replays both.
Test(sasrec_serve, events_extend_the_sequence_and_survive_a_restart) {
    char next[16], after_next[16], item[16], body[256], seq[256], want[2048], a[2048], b[2048];
    snprintf(next, sizeof next, "i%d", (first[0] + 8) % 20);
    snprintf(after_next, sizeof after_next, "i%d", (first[0] + 9) % 20);
    char *before = recommend("{\"user\":\"u0\",\"k\":5}");
    top_item(before, item, sizeof item);
    cr_assert(eq(str, item, next), "%s", before);
    snprintf(body, sizeof body, "{\"events\":[{\"user\":\"u0\",\"item\":\"%s\"},"
             "{\"user\":\"u0\",\"item\":\"no-such-item\"}]}", next);
    event(body, "{\"accepted\":1,\"unknown_items\":1}");
    char *after = recommend("{\"user\":\"u0\",\"k\":5}");
    cr_assert(strcmp(after, before) != 0);
    cr_assert(strstr(after, next) == NULL, "%s left out: %s", next, after);
    top_item(after, item, sizeof item);
    cr_assert(eq(str, item, after_next), "%s", after);
    cr_assert(strstr(after, "\"source\":\"history\"") != NULL, "%s", after);
    // The same scores as the whole sequence given to the CLI.
    size_t n = 0;
    for (int k = 0; k < 8; k++) n += (size_t)sprintf(seq + n, "i%d,", (first[0] + k) % 20);
    sprintf(seq + n, "%s", next);
    char *all = recommend("{\"user\":\"u0\",\"k\":5,\"include_seen\":true}");
    cli("--recent", seq, "-k", "5", "--include-seen", want, sizeof want);
    items_of(all, a, sizeof a);
    items_of(want, b, sizeof b);
    cr_assert(eq(str, a, b));
    free(all);
    // A user the model does not know: its events are its history.
    event("{\"events\":[{\"user\":\"new1\",\"item\":\"i3\"},{\"user\":\"new1\",\"item\":4}]}",
          "{\"accepted\":1,\"unknown_items\":1}");
    event("{\"events\":[{\"user\":\"new1\",\"item\":\"i4\"}]}",
          "{\"accepted\":1,\"unknown_items\":0}");
    char *fresh = recommend("{\"user\":\"new1\",\"k\":5}");
    cr_assert(strstr(fresh, "\"source\":\"history\"") != NULL, "%s", fresh);
    cr_assert(strstr(fresh, "\"i3\"") == NULL && strstr(fresh, "\"i4\"") == NULL, "%s", fresh);
    top_item(fresh, item, sizeof item);
    cr_assert(eq(str, item, "i5"), "%s", fresh);
    // /metrics counts the events logged and applied: 3 (the unknown items are not logged).
    int fd = connect_to(port);
    response m;
    cr_assert(eq(int, send_request(fd, "GET", "/metrics", NULL, NULL, 0), 0));
    cr_assert(eq(int, read_response(fd, &m), 0));
    close(fd);
    cr_assert(ne(ptr, strstr(m.body, "seer_events_logged_total 3\n"), NULL), "%s", m.body);
    cr_assert(ne(ptr, strstr(m.body, "seer_events_applied_total 3\n"), NULL), "%s", m.body);
    response_free(&m);
    // The restart replays the log: the same answers, to the bit.
    seer_server_stop(server);
    serve();
    char *again = recommend("{\"user\":\"u0\",\"k\":5}");
    cr_assert(eq(str, again, after));
    char *fresh_again = recommend("{\"user\":\"new1\",\"k\":5}");
    cr_assert(eq(str, fresh_again, fresh));
    free(again);
    free(fresh_again);
    free(fresh);
    free(before);
    free(after);
}

// The events of a user past maxlen keep the latest maxlen: the sequence is then all events.
Test(sasrec_serve, events_past_maxlen_keep_the_latest) {
    char body[2048], want[2048], a[2048], b[2048];
    size_t n = (size_t)sprintf(body, "{\"events\":[");
    for (int k = 0; k < 9; k++)
        n += (size_t)sprintf(body + n, "%s{\"user\":\"u5\",\"item\":\"i%d\"}", k ? "," : "",
                             (k * 7) % 20);
    sprintf(body + n, "]}");
    event(body, "{\"accepted\":9,\"unknown_items\":0}");
    char *got = recommend("{\"user\":\"u5\",\"k\":8,\"include_seen\":true}");
    cli("--recent", "i1,i8,i15,i2,i9,i16", "-k", "8", "--include-seen", want, sizeof want);
    items_of(got, a, sizeof a);
    items_of(want, b, sizeof b);
    cr_assert(eq(str, a, b));
    free(got);
}

// ---- seer eval --format seq -------------------------------------------------------------------

static seer_rec_eval_report eval_seq(const seer_recommender *r, const char *path) {
    seer_rec_eval_options o;
    seer_rec_eval_options_default(&o);
    o.path = path;
    o.format = SEER_FORMAT_SEQ;
    seer_rec_eval_report rep;
    cr_assert(eq(int, seer_rec_eval(r, &o, &rep), SEER_OK), "%s", seer_error_message());
    return rep;
}

// Each line's target ranked by seer_rec_recommend over its known inputs (another path: one
// user's dot products, not the batched GEMM) gives the expected metrics; unknown targets,
// too few known inputs and short lines as the protocol says.
Test(sasrec_serve, eval_seq_ranks_each_last_item) {
    char path[300];
    snprintf(path, sizeof path, "%s/test_seqs.txt", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    srand(7);
    static char lines[24][128];
    int n = 0;
    for (; n < 20; n++) {   // ring-like with a random tail: some hits, some misses
        int s = rand() % 20, len = 3 + rand() % 6, at = 0;
        at += sprintf(lines[n] + at, "t%d", n);
        for (int k = 0; k + 1 < len; k++) at += sprintf(lines[n] + at, " i%d", (s + k) % 20);
        sprintf(lines[n] + at, " i%d", rand() % 3 ? (s + len - 1) % 20 : rand() % 20);
    }
    snprintf(lines[n++], 128, "unknown_target i0 i1 i2 nope");   // a miss
    snprintf(lines[n++], 128, "one_known i0 nope i1");            // a miss
    snprintf(lines[n++], 128, "short i4 i5");                     // not counted
    for (int i = 0; i < n; i++) fprintf(f, "%s\n", lines[i]);
    fclose(f);
    seer_recommender *r;
    cr_assert(eq(int, seer_rec_load(&r, model), SEER_OK));
    double hr[3] = {0}, ndcg[3] = {0};
    static const size_t K[3] = {5, 10, 20};
    for (int i = 0; i < 20; i++) {
        const char *ids[16];
        char *save, *tok = strtok_r(lines[i], " ", &save);
        size_t m = 0;
        while ((tok = strtok_r(NULL, " ", &save))) ids[m++] = tok;
        seer_rec_request q = {.user = NULL, .k = 20, .include_seen = 1, .recent_items = ids,
                              .n_recent = m - 1};
        seer_rec_item out[20];
        size_t got;
        seer_rec_source src;
        cr_assert(eq(int, seer_rec_recommend(r, &q, out, &got, &src), SEER_OK));
        cr_assert(eq(sz, got, 20));
        size_t rank = 0;
        while (rank < 20 && strcmp(out[rank].item, ids[m - 1])) rank++;
        for (int k = 0; k < 3; k++)
            if (rank < K[k]) {
                hr[k] += 1;
                ndcg[k] += 1 / log2((double)rank + 2);
            }
    }
    seer_rec_eval_report rep = eval_seq(r, path);
    cr_assert(eq(sz, rep.users_evaluated, 22));
    cr_assert(eq(sz, rep.unknown_items, 2));
    for (int k = 0; k < 3; k++) {
        cr_assert(eq(sz, rep.cutoff[k], K[k]));
        cr_assert(ieee_ulp_eq(dbl, rep.hr[k] * 22, hr[k], 64), "hr@%zu %g vs %g", K[k],
                  rep.hr[k] * 22, hr[k]);
        cr_assert(ieee_ulp_eq(dbl, rep.ndcg[k] * 22, ndcg[k], 64), "ndcg@%zu %g vs %g", K[k],
                  rep.ndcg[k] * 22, ndcg[k]);
    }
    cr_assert(hr[0] > 0 && hr[0] < 20, "the case must hold hits and misses: %g", hr[0]);
    // The CLI's JSON has training's keys.
    cr_assert(eq(int, run_seer("eval", model, path, "--format", "seq", "--json", NULL), 0), "%s",
              last.err);
    cr_assert(strstr(last.out, "{\"hr@5\":") == last.out, "%s", last.out);
    cr_assert(strstr(last.out, "\"ndcg@20\":") && strstr(last.out, "\"test_users\":22,"), "%s",
              last.out);
    seer_rec_free(r);
}

// On its training file, eval gives training's own test metrics.
Test(sasrec_serve, eval_seq_on_the_training_file_is_the_training_test) {
    char path[300], m2[300];
    snprintf(path, sizeof path, "%s/noisy.txt", dir);
    snprintf(m2, sizeof m2, "%s/noisy.seer", dir);
    FILE *f = fopen(path, "w");
    srand(11);
    for (int u = 0; u < 80; u++) {
        int s = rand() % 30;
        fprintf(f, "n%d", u);
        for (int k = 0; k < 9; k++) fprintf(f, " i%d", rand() % 4 ? (s + k) % 30 : rand() % 30);
        fprintf(f, "\n");
    }
    fclose(f);
    seer_rec_train_options o;
    seer_rec_train_options_default(&o, SEER_REC_SASREC);
    o.data = path;
    o.format = SEER_FORMAT_SEQ;
    o.dim = 16;
    o.maxlen = 5;
    o.epochs = 8;
    o.batch = 16;
    o.lr = 1e-2f;
    o.quiet = 1;
    seer_recommender *r;
    seer_rec_train_report t;
    cr_assert(eq(int, seer_rec_train(&o, &r, &t), SEER_OK), "%s", seer_error_message());
    seer_rec_eval_report e = eval_seq(r, path);
    cr_assert(eq(sz, e.users_evaluated, t.test_users));
    for (int k = 0; k < 3; k++) {
        cr_assert(ieee_ulp_eq(dbl, e.hr[k], t.test_hr[k], 64), "hr %g %g", e.hr[k], t.test_hr[k]);
        cr_assert(ieee_ulp_eq(dbl, e.ndcg[k], t.test_ndcg[k], 64));
    }
    cr_assert(t.test_hr[1] > 0 && t.test_hr[0] < 1, "hr@5 %g hr@10 %g", t.test_hr[0],
              t.test_hr[1]);
    // Another kind is refused, naming it.
    cr_assert(eq(int, seer_rec_save(r, m2), SEER_OK));
    seer_rec_free(r);
    seer_rec_train_options_default(&o, SEER_REC_POP);
    o.data = path;
    o.format = SEER_FORMAT_SEQ;
    o.quiet = 1;
    cr_assert(eq(int, seer_rec_train(&o, &r, NULL), SEER_OK), "%s", seer_error_message());
    seer_rec_eval_options eo;
    seer_rec_eval_options_default(&eo);
    eo.path = path;
    eo.format = SEER_FORMAT_SEQ;
    seer_rec_eval_report rep;
    cr_assert(eq(int, seer_rec_eval(r, &eo, &rep), SEER_EINVAL));
    cr_assert(strstr(seer_error_message(), "this model is pop") != NULL, "%s",
              seer_error_message());
    seer_rec_free(r);
}

// A server started without a log (seer serve --read-only) says why it takes no events.
Test(sasrec_serve, read_only_server_says_events_are_off) {
    seer_server *ro;
    seer_server_config c;
    seer_server_config_default(&c);
    c.model_path = model;
    c.port = 0;
    c.allow_unauthenticated_writes = 1;
    cr_assert(eq(int, seer_server_start(&ro, &c), 0), "%s", seer_error_message());
    unsigned keep = port;
    port = seer_server_port(ro);
    response r = post("/v1/events", "{\"events\":[{\"user\":\"u0\",\"item\":\"i1\"}]}");
    cr_assert(eq(int, r.status, 400), "%s", r.body);
    cr_assert(strstr(r.body, "online learning is off") != NULL, "%s", r.body);
    response_free(&r);
    port = keep;
    seer_server_stop(ro);
}
