// Online learning in process: events move the served model toward their
// labels, counts, bad events, close and reopen (same bytes, Adam state kept),
// the replay of a log nobody applied (exactly once: the same bytes as
// training on the events directly), reload, and the log truncated behind
// snapshots. The model is trained in code on a generated table in a fresh
// directory under /tmp, removed afterwards.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/rng.h"
#include "io/checkpoint.h"
#include "io/model.h"
#include "serve/event.h"
#include "serve/online.h"
#include "serve/request.h"
#include "serve/wal.h"
#include "train/train.h"
#include "address_space.h"
#include "small_model.h"
#include "tmpdir.h"

static char dir[64];
static char paths[16][256];
static int npaths;

static void make_dir(void) {
    strcpy(dir, "/tmp/seer_test_online_XXXXXX");
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
    npaths = 0;
}

static void remove_dir(void) { remove_tree(dir); }

TestSuite(online, .init = make_dir, .fini = remove_dir, .timeout = 60);

static const char *sub(const char *name) {
    char *p = paths[npaths++ % 16];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

// The small model of small_model.h, trained with seed and first hidden width.
static void make_model(const char *path, uint64_t seed, size_t hidden) {
    cr_assert(eq(int, write_small_model(sub("train.csv"), path, seed, hidden), SEER_OK), "%s",
              seer_error_message());
}

// n events from seed, each the text of a JSON object; free with free_events.
typedef struct {
    size_t n;
    char **text;
    size_t *len;
} events;

static events make_events(size_t n, uint64_t seed) {
    events e = {n, calloc(n, sizeof(char *)), calloc(n, sizeof(size_t))};
    seer_rng r;
    seer_rng_init(&r, seed);
    for (size_t i = 0; i < n; i++) {
        char buf[128];
        int c = (int)seer_rng_below(&r, 3);
        double x = seer_rng_uniform(&r) * 4 - 2;
        int y = (int)seer_rng_below(&r, 2);
        e.len[i] = (size_t)snprintf(buf, sizeof buf, "{\"x\":%.3f,\"color\":\"%s\",\"label\":%d}",
                                    x, small_model_colors[c], y);
        e.text[i] = strdup(buf);
    }
    return e;
}

static void free_events(events *e) {
    for (size_t i = 0; i < e->n; i++) free(e->text[i]);
    free(e->text);
    free(e->len);
}

static float lr_option;  // 0: the model's training lr

static seer_online *open_online(seer_slot *slot, const char *model, const char *wal,
                                size_t batch, double snapshot_every_s) {
    seer_online_options o;
    seer_online_options_default(&o);
    o.lr = lr_option;
    o.model_path = model;
    o.wal_dir = wal;
    o.batch = batch;
    o.publish_every_s = 0.01;
    if (snapshot_every_s > 0) o.snapshot_every_s = snapshot_every_s;
    seer_online *on;
    cr_assert(eq(int, seer_online_open(&on, &o, slot), SEER_OK), "%s", seer_error_message());
    return on;
}

static void log_events(seer_online *on, const events *e, size_t from, size_t n) {
    cr_assert(eq(int, seer_online_log(on, (const char *const *)e->text + from, e->len + from, n),
                 SEER_OK), "%s", seer_error_message());
}

// Waits (up to 20 s) until the learner has applied `applied` events.
static void wait_applied(seer_online *on, uint64_t applied) {
    uint64_t l, a = 0;
    double t0 = seer_now();
    while (seer_now() - t0 < 20) {
        seer_online_counts(on, &l, &a);
        if (a >= applied) return;
        usleep(1000);
    }
    cr_assert(ge(u64, a, applied), "applied %llu of %llu events in 20 s", (unsigned long long)a,
              (unsigned long long)applied);
}

// The served model's probability for one event.
static float score(seer_slot *slot, const char *json) {
    seer_served *sv = seer_slot_acquire(slot);
    const seer_model *m = sv->model;
    size_t S = m->tf.n_slots > m->tf.n_fields ? m->tf.n_slots : m->tf.n_fields;
    uint32_t ids[64];
    float dense[64], y, p;
    cr_assert(le(sz, S, 64));
    cr_assert(eq(int, seer_request_encode_row(&m->tf, json, strlen(json), 0, ids, dense, &y),
                 SEER_OK), "%s", seer_error_message());
    seer_net view;
    cr_assert(eq(int, seer_net_init_view(&view, &m->net, 1), SEER_OK));
    seer_net_predict(&view, ids, dense, 1, &p);
    seer_net_free(&view);
    seer_slot_release(slot, sv);
    return p;
}

// The parameters of a model, to compare bytes: dense block, embedding table, wide table.
typedef struct {
    float *params, *emb;
    size_t n_params, n_emb;
    long step;
} params;

static params copy_params(const seer_model *m) {
    const seer_net *n = &m->net;
    params p = {NULL, NULL, n->n_params, n->cfg.emb_rows * n->D, n->step};
    p.params = malloc(p.n_params * sizeof(float));
    p.emb = malloc(p.n_emb * sizeof(float));
    memcpy(p.params, n->params, p.n_params * sizeof(float));
    memcpy(p.emb, n->emb, p.n_emb * sizeof(float));
    return p;
}

static params served_params(seer_slot *slot) {
    seer_served *sv = seer_slot_acquire(slot);
    params p = copy_params(sv->model);
    seer_slot_release(slot, sv);
    return p;
}

static void expect_same(const params *a, const params *b) {
    cr_assert(eq(sz, a->n_params, b->n_params));
    cr_assert(eq(sz, a->n_emb, b->n_emb));
    cr_assert(eq(long, a->step, b->step));
    cr_assert(eq(int, memcmp(a->params, b->params, a->n_params * sizeof(float)), 0),
              "the dense parameters differ");
    cr_assert(eq(int, memcmp(a->emb, b->emb, a->n_emb * sizeof(float)), 0),
              "the embedding table differs");
}

static void free_params(params *p) {
    free(p->params);
    free(p->emb);
}

static void expect_counts(seer_online *on, uint64_t logged, uint64_t applied) {
    uint64_t l, a;
    seer_online_counts(on, &l, &a);
    cr_assert(eq(u64, l, logged));
    cr_assert(eq(u64, a, applied));
}

// Waits (up to 5 s: the learner publishes at an interval) until the probe's
// score is above (sign 1) or below (sign -1) the bar; returns the score.
static float wait_score(seer_slot *slot, const char *probe, int sign, float bar) {
    float p = score(slot, probe);
    double t0 = seer_now();
    while ((sign > 0 ? p <= bar : p >= bar) && seer_now() - t0 < 5) {
        usleep(2000);
        p = score(slot, probe);
    }
    return p;
}

Test(online, events_move_scores_toward_labels) {
    const char *model = sub("m.seer");
    make_model(model, 1, 16);
    seer_slot slot;
    lr_option = 0.01f;  // twenty steps at the trained 1e-3 move a logit by a few hundredths
    seer_online *on = open_online(&slot, model, sub("wal"), 32, 0);
    lr_option = 0;
    const char *probe = "{\"x\":0.1,\"color\":\"green\"}";
    float before = score(&slot, probe);
    // 640 copies of the probe labelled 1, then as many labelled 0.
    static const char *text[640];
    static size_t len[640];
    for (int i = 0; i < 640; i++) {
        text[i] = "{\"x\":0.1,\"color\":\"green\",\"label\":1}";
        len[i] = strlen(text[i]);
    }
    cr_assert(eq(int, seer_online_log(on, text, len, 640), SEER_OK));
    wait_applied(on, 640);
    float up = wait_score(&slot, probe, 1, before + 0.1f);
    cr_assert(gt(flt, up, before + 0.1f), "score %g -> %g", before, up);
    for (int i = 0; i < 640; i++) {
        text[i] = "{\"x\":0.1,\"color\":\"green\",\"label\":0}";
        len[i] = strlen(text[i]);
    }
    cr_assert(eq(int, seer_online_log(on, text, len, 640), SEER_OK));
    wait_applied(on, 1280);
    float down = wait_score(&slot, probe, -1, up - 0.1f);
    cr_assert(lt(flt, down, up - 0.1f), "score %g -> %g", up, down);
    expect_counts(on, 1280, 1280);
    seer_online_close(on);
    seer_slot_free(&slot);
}

// An absurd learning rate makes the learner's model non-finite within a step or two: learning
// stops, the served model stays the last finite one published (so no score is NaN), and the
// events are still logged.
Test(online, a_diverging_learner_stops_and_keeps_serving) {
    const char *model = sub("m.seer");
    make_model(model, 1, 16);
    seer_slot slot;
    lr_option = 1e38f;
    seer_online *on = open_online(&slot, model, sub("wal"), 8, 0);
    lr_option = 0;
    cr_assert(eq(int, seer_online_learning(on), 1));
    events e = make_events(64, 3);
    log_events(on, &e, 0, 64);
    double t0 = seer_now();
    while (seer_online_learning(on) && seer_now() - t0 < 20) usleep(1000);
    cr_assert(eq(int, seer_online_learning(on), 0), "still learning after 20 s");
    usleep(50 * 1000);  // several publish intervals: nothing non-finite may be published
    seer_served *sv = seer_slot_acquire(&slot);
    cr_assert(eq(ptr, (void *)seer_net_nonfinite(&sv->model->net), NULL));
    seer_slot_release(&slot, sv);
    float p = score(&slot, "{\"x\":0.1,\"color\":\"green\"}");
    cr_assert(p >= 0 && p <= 1, "score %g", p);
    log_events(on, &e, 0, 8);
    uint64_t logged, applied;
    seer_online_counts(on, &logged, &applied);
    cr_assert(eq(u64, logged, 72));
    cr_assert(lt(u64, applied, 64));
    free_events(&e);
    seer_online_close(on);
    seer_slot_free(&slot);
}

Test(online, counts_and_a_bad_event) {
    const char *model = sub("m.seer");
    make_model(model, 1, 16);
    seer_slot slot;
    seer_online *on = open_online(&slot, model, sub("wal"), 16, 0);
    events e = make_events(30, 2);
    log_events(on, &e, 0, 10);
    log_events(on, &e, 10, 20);
    wait_applied(on, 30);
    expect_counts(on, 30, 30);
    // One bad event (a number that does not parse; no label) spoils the call: none is logged.
    const char *bad[3] = {e.text[0], "{\"x\":\"abc\",\"color\":\"red\",\"label\":1}", e.text[1]};
    size_t lens[3] = {e.len[0], strlen(bad[1]), e.len[1]};
    cr_assert(eq(int, seer_online_log(on, bad, lens, 3), SEER_EDATA));
    cr_assert(ne(ptr, strstr(seer_error_message(), "events[1]"), NULL), "%s",
              seer_error_message());
    bad[1] = "{\"x\":1,\"color\":\"red\"}";
    lens[1] = strlen(bad[1]);
    cr_assert(eq(int, seer_online_log(on, bad, lens, 3), SEER_EDATA));
    cr_assert(ne(ptr, strstr(seer_error_message(), "events[1]"), NULL), "%s",
              seer_error_message());
    bad[1] = "not json";
    lens[1] = strlen(bad[1]);
    cr_assert(eq(int, seer_online_log(on, bad, lens, 3), SEER_EDATA));
    expect_counts(on, 30, 30);
    cr_assert(eq(int, seer_online_log(on, bad, lens, 0), SEER_OK));
    seer_online_close(on);
    seer_slot_free(&slot);
    // The counts survive a restart.
    on = open_online(&slot, model, sub("wal"), 16, 0);
    expect_counts(on, 30, 30);
    seer_online_close(on);
    seer_slot_free(&slot);
    free_events(&e);
}

// Closing writes a snapshot that restores the counts and the parameters to the
// byte; with the Adam moments and step kept, learning continues as if there had
// been no restart.
Test(online, close_and_reopen_restores_the_same_bytes) {
    const char *model = sub("m.seer");
    make_model(model, 1, 16);
    events e = make_events(256, 3);
    seer_slot slot;
    // A: 128 events, close, reopen, 128 more.
    seer_online *on = open_online(&slot, model, sub("walA"), 32, 0);
    log_events(on, &e, 0, 128);
    wait_applied(on, 128);
    seer_online_close(on);
    params closed = served_params(&slot);
    seer_slot_free(&slot);
    on = open_online(&slot, model, sub("walA"), 32, 0);
    expect_counts(on, 128, 128);
    params reopened = served_params(&slot);
    expect_same(&closed, &reopened);
    log_events(on, &e, 128, 128);
    wait_applied(on, 256);
    seer_online_close(on);
    params a = served_params(&slot);
    seer_slot_free(&slot);
    // B: the same 256 without a restart.
    on = open_online(&slot, model, sub("walB"), 32, 0);
    log_events(on, &e, 0, 128);
    wait_applied(on, 128);
    log_events(on, &e, 128, 128);
    wait_applied(on, 256);
    seer_online_close(on);
    params b = served_params(&slot);
    seer_slot_free(&slot);
    expect_same(&a, &b);
    cr_assert(eq(long, a.step, 8));
    free_params(&closed);
    free_params(&reopened);
    free_params(&a);
    free_params(&b);
    free_events(&e);
}

// Trains base on the events directly, in batches of B in order, as the learner should.
static params train_directly(const char *model, const events *e, size_t B) {
    seer_model *m;
    cr_assert(eq(int, seer_model_load(&m, model, 1024), SEER_OK));
    size_t S = m->tf.n_slots > m->tf.n_fields ? m->tf.n_slots : m->tf.n_fields;
    size_t nd = m->tf.n_dense;
    uint32_t *ids = malloc(B * S * sizeof *ids);
    float *dense = malloc((B * nd + 1) * sizeof *dense), *y = malloc(B * sizeof *y);
    float lr = (float)seer_model_training_number(m, "lr", 1e-3);
    seer_adam_config adam = {lr, 0.9f, 0.999f, 1e-7f};
    for (size_t s = 0; s < e->n; s += B) {
        size_t b = e->n - s < B ? e->n - s : B;
        for (size_t i = 0; i < b; i++)
            cr_assert(eq(int, seer_request_encode_row(&m->tf, e->text[s + i], e->len[s + i], 1,
                                                      ids + i * S, dense + i * nd, y + i),
                         SEER_OK));
        seer_net_train_step(&m->net, ids, dense, y, b, &adam);
    }
    params p = copy_params(m);
    free(ids);
    free(dense);
    free(y);
    seer_model_free(m);
    return p;
}

// Opens the log in wal (its events unapplied), replays it, and checks the result is
// training on e directly in batches of 32; returns the directly trained parameters.
static params replay_matches_direct(const char *model, const events *e) {
    seer_slot slot;
    seer_online *on = open_online(&slot, model, sub("wal"), 32, 0);
    wait_applied(on, e->n);
    expect_counts(on, e->n, e->n);
    seer_online_close(on);
    params replayed = served_params(&slot);
    seer_slot_free(&slot);
    params direct = train_directly(model, e, 32);
    expect_same(&replayed, &direct);
    free_params(&replayed);
    return direct;
}

// Events in the log that no learner applied (a crash right after their
// acknowledgement): opening replays them once, in order, in full batches and
// then the rest, which is what training on them directly gives, to the byte.
// Reopening again applies nothing twice.
Test(online, replay_of_an_unapplied_log_matches_direct_training) {
    const char *model = sub("m.seer");
    make_model(model, 1, 16);
    events e = make_events(100, 4);
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("wal"), 0), SEER_OK));
    uint64_t last;
    cr_assert(eq(int, seer_wal_append(w, (const char *const *)e.text, e.len, 60, &last), SEER_OK));
    cr_assert(eq(int, seer_wal_append(w, (const char *const *)e.text + 60, e.len + 60, 40, &last),
                 SEER_OK));
    seer_wal_close(w);
    params direct = replay_matches_direct(model, &e);
    cr_assert(eq(long, direct.step, 4));

    seer_slot slot;
    seer_online *on = open_online(&slot, model, sub("wal"), 32, 0);
    usleep(50000);
    expect_counts(on, 100, 100);
    params again = served_params(&slot);
    expect_same(&again, &direct);
    seer_online_close(on);
    seer_slot_free(&slot);
    free_params(&direct);
    free_params(&again);
    free_events(&e);
}

// A log holding both forms of record, the JSON text of an older seer and the values by
// column name of today's (event.h), replays as training on the events directly does.
Test(online, replay_of_old_and_new_records_matches_direct_training) {
    const char *model = sub("m.seer");
    make_model(model, 1, 16);
    events e = make_events(100, 6);
    seer_model *m;
    cr_assert(eq(int, seer_model_load(&m, model, 1), SEER_OK));
    uint32_t ids[64];
    float dense[64];
    seer_text rec = {0};
    size_t rec_len[40];
    const char *rec_at[40];
    for (size_t i = 0; i < 40; i++) {
        size_t before = rec.n;
        cr_assert(eq(int, seer_request_event_record(&m->tf, e.text[60 + i], e.len[60 + i], ids,
                                                    dense, &rec), SEER_OK));
        rec_len[i] = rec.n - before;
    }
    for (size_t i = 0, at = 0; i < 40; at += rec_len[i++]) rec_at[i] = rec.s + at;
    seer_model_free(m);
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("wal"), 0), SEER_OK));
    uint64_t last;
    cr_assert(eq(int, seer_wal_append(w, (const char *const *)e.text, e.len, 60, &last), SEER_OK));
    cr_assert(eq(int, seer_wal_append(w, rec_at, rec_len, 40, &last), SEER_OK));
    seer_wal_close(w);
    free(rec.s);
    params direct = replay_matches_direct(model, &e);
    free_params(&direct);
    free_events(&e);
}

// The log holds an event once, as its values by column name (event.h), not its JSON text.
Test(online, events_are_logged_as_values) {
    const char *model = sub("m.seer"), *wal = sub("wal");
    make_model(model, 1, 16);
    seer_slot slot;
    seer_online *on = open_online(&slot, model, wal, 16, 0);
    events e = make_events(4, 7);
    log_events(on, &e, 0, 4);
    wait_applied(on, 4);
    // The first segment's first record, read while the server runs (before any snapshot).
    DIR *d = opendir(wal);
    cr_assert(ne(ptr, d, NULL));
    char seg[512] = "";
    for (struct dirent *de; (de = readdir(d));)
        if (strncmp(de->d_name, "wal-", 4) == 0) snprintf(seg, sizeof seg, "%s/%s", wal,
                                                          de->d_name);
    closedir(d);
    FILE *f = fopen(seg, "rb");
    cr_assert(ne(ptr, f, NULL), "no segment in %s", wal);
    unsigned char head[SEER_WAL_HEADER + 1];
    cr_assert(eq(sz, fread(head, 1, sizeof head, f), sizeof head));
    fclose(f);
    cr_assert(eq(int, head[SEER_WAL_HEADER], SEER_EVENT_VALUES), "the record starts with '%c'",
              head[SEER_WAL_HEADER]);
    seer_online_close(on);
    seer_slot_free(&slot);
    free_events(&e);
}

Test(online, reload_swaps_the_base_and_keeps_the_counts) {
    const char *m1 = sub("m1.seer"), *m2 = sub("m2.seer");
    make_model(m1, 1, 16);
    make_model(m2, 5, 12);
    seer_model *base2;
    cr_assert(eq(int, seer_model_load(&base2, m2, 1), SEER_OK));
    params p2 = copy_params(base2);
    seer_model_free(base2);
    events e = make_events(96, 5);
    seer_slot slot;
    seer_online *on = open_online(&slot, m1, sub("wal"), 32, 0);
    log_events(on, &e, 0, 64);
    wait_applied(on, 64);
    // A model that does not load leaves the served one in place.
    uint64_t v = seer_slot_version(&slot);
    cr_assert(eq(int, seer_online_reload(on, sub("missing.seer")), SEER_EIO));
    cr_assert(eq(u64, seer_slot_version(&slot), v));
    cr_assert(eq(int, seer_online_reload(on, m2), SEER_OK), "%s", seer_error_message());
    cr_assert(gt(u64, seer_slot_version(&slot), v));
    params now = served_params(&slot);
    expect_same(&now, &p2);  // nothing was pending: the new base as it is
    expect_counts(on, 64, 64);
    log_events(on, &e, 64, 32);
    wait_applied(on, 96);
    seer_online_close(on);
    params after = served_params(&slot);
    seer_slot_free(&slot);
    cr_assert(eq(sz, after.n_params, p2.n_params));  // the new architecture learns on
    cr_assert(ne(int, memcmp(after.params, p2.params, p2.n_params * sizeof(float)), 0));
    // A restart with the first model's path serves the reloaded one (the snapshot is newer).
    on = open_online(&slot, m1, sub("wal"), 32, 0);
    expect_counts(on, 96, 96);
    params reopened = served_params(&slot);
    expect_same(&reopened, &after);
    seer_online_close(on);
    seer_slot_free(&slot);
    free_params(&p2);
    free_params(&now);
    free_params(&after);
    free_params(&reopened);
    free_events(&e);
}

// Sets a file's access and modification times to t (seconds since the epoch).
static void set_mtime(const char *path, time_t t) {
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    cr_assert(eq(int, utimensat(AT_FDCWD, path, ts, 0), 0), "%s", path);
}

// Copies a file's bytes to a new file beside dst and renames it over dst (a deploy).
static void deploy(const char *src, const char *dst) {
    size_t n;
    FILE *f = fopen(src, "rb");
    cr_assert(ne(ptr, f, NULL));
    static char buf[1 << 20];
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.deploy", dst);
    FILE *g = fopen(tmp, "wb");
    cr_assert(ne(ptr, g, NULL));
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) cr_assert(eq(sz, fwrite(buf, 1, n, g), n));
    fclose(f);
    cr_assert(eq(int, fclose(g), 0));
    cr_assert(eq(int, rename(tmp, dst), 0));
}

// Runs open_online with stderr going to a file, whose text comes back in out.
static seer_online *open_online_logged(seer_slot *slot, const char *model, const char *wal,
                                       char *out, size_t cap) {
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(sub("stderr.txt"), "w+");
    cr_assert(ne(ptr, f, NULL));
    dup2(fileno(f), 2);
    seer_online *on = open_online(slot, model, wal, 32, 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
    return on;
}

// A new model deployed under the served path with an old modification time (cp -p,
// rsync -t, mv of an older file): the snapshot derives from another model, so the new
// one is served; the events the snapshot holds are not applied to it, the ones
// logged after the snapshot are, exactly once.
Test(online, new_model_with_an_old_mtime_is_chosen_by_content) {
    const char *model = sub("m.seer"), *next = sub("next.seer");
    make_model(model, 1, 16);
    make_model(next, 5, 12);
    events e = make_events(96, 7);
    seer_slot slot;
    seer_online *on = open_online(&slot, model, sub("wal"), 32, 0);
    log_events(on, &e, 0, 64);
    wait_applied(on, 64);
    seer_online_close(on);
    seer_slot_free(&slot);
    // 32 events logged and acknowledged after the snapshot, applied by nobody.
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("wal"), 64), SEER_OK), "%s", seer_error_message());
    uint64_t last;
    cr_assert(eq(int, seer_wal_append(w, (const char *const *)e.text + 64, e.len + 64, 32, &last),
                 SEER_OK));
    seer_wal_close(w);
    deploy(next, model);
    set_mtime(model, 1000000000);   // 2001, older than the snapshot
    char log[4096];
    on = open_online_logged(&slot, model, sub("wal"), log, sizeof log);
    cr_assert(ne(ptr, strstr(log, "is not the model"), NULL), "%s", log);
    wait_applied(on, 96);
    expect_counts(on, 96, 96);
    seer_online_close(on);
    params got = served_params(&slot);
    seer_slot_free(&slot);
    events tail = {32, e.text + 64, e.len + 64};
    params want = train_directly(next, &tail, 32);
    expect_same(&got, &want);
    // Reopened, the new snapshot derives from the new model: resumed, nothing applied again.
    on = open_online_logged(&slot, model, sub("wal"), log, sizeof log);
    cr_assert(ne(ptr, strstr(log, "resuming"), NULL), "%s", log);
    expect_counts(on, 96, 96);
    params again = served_params(&slot);
    expect_same(&again, &want);
    seer_online_close(on);
    seer_slot_free(&slot);
    free_params(&got);
    free_params(&want);
    free_params(&again);
    free_events(&e);
}

// The same model file touched, or copied over itself, after the snapshot: it is newer
// by modification time but the same bytes, so the snapshot (the learning) is resumed.
Test(online, same_model_with_a_new_mtime_resumes_the_snapshot) {
    const char *model = sub("m.seer"), *copy = sub("copy.seer");
    make_model(model, 1, 16);
    events e = make_events(64, 8);
    seer_slot slot;
    seer_online *on = open_online(&slot, model, sub("wal"), 32, 0);
    log_events(on, &e, 0, 64);
    wait_applied(on, 64);
    seer_online_close(on);
    params learnt = served_params(&slot);
    seer_slot_free(&slot);
    deploy(model, copy);
    deploy(copy, model);
    set_mtime(model, time(NULL) + 3600);
    char log[4096];
    on = open_online_logged(&slot, model, sub("wal"), log, sizeof log);
    cr_assert(ne(ptr, strstr(log, "resuming"), NULL), "%s", log);
    cr_assert(ne(ptr, strstr(log, "derives from"), NULL), "%s", log);
    expect_counts(on, 64, 64);
    params now = served_params(&slot);
    expect_same(&now, &learnt);
    seer_online_close(on);
    seer_slot_free(&slot);
    free_params(&learnt);
    free_params(&now);
    free_events(&e);
}

// A snapshot of an older seer records no model hash: the choice falls back to
// modification times, and the line says so.
Test(online, snapshot_without_a_hash_falls_back_to_mtime) {
    const char *model = sub("m.seer"), *next = sub("next.seer");
    make_model(model, 1, 16);
    make_model(next, 5, 12);
    events e = make_events(64, 9);
    seer_slot slot;
    seer_online *on = open_online(&slot, model, sub("wal"), 32, 0);
    log_events(on, &e, 0, 64);
    wait_applied(on, 64);
    seer_online_close(on);
    params learnt = served_params(&slot);
    seer_slot_free(&slot);
    // Rewrite the snapshot without the hashes.
    const char *snap = sub("wal/snapshot.seer");
    seer_model *m;
    seer_checkpoint_state st;
    float *bp, *be, *bw;
    cr_assert(eq(int, seer_checkpoint_read(&m, snap, 1024, &st, &bp, &be, &bw), SEER_OK));
    cr_assert(ne(u64, st.online_source, 0));
    st.online_source = st.online_at_path = 0;
    cr_assert(eq(int, seer_checkpoint_write(m, snap, &st, NULL, NULL, NULL), SEER_OK));
    seer_model_free(m);
    free(bp);
    free(be);
    free(bw);
    // Another model, but older than the snapshot: the old rule resumes the snapshot.
    deploy(next, model);
    set_mtime(model, 1000000000);
    char log[4096];
    on = open_online_logged(&slot, model, sub("wal"), log, sizeof log);
    cr_assert(ne(ptr, strstr(log, "by modification time, resuming"), NULL), "%s", log);
    params now = served_params(&slot);
    expect_same(&now, &learnt);
    seer_online_close(on);
    seer_slot_free(&slot);
    free_params(&learnt);
    free_params(&now);
    free_events(&e);
}

// A damaged event in the middle of the log: online learning refuses to start, and
// with wal_repair starts, learns every other event and skips the lost one.
Test(online, damaged_log_refused_then_repaired) {
    const char *model = sub("m.seer");
    make_model(model, 1, 16);
    events e = make_events(100, 10);
    seer_wal *w;
    cr_assert(eq(int, seer_wal_open(&w, sub("wal"), 0), SEER_OK));
    uint64_t last;
    cr_assert(eq(int, seer_wal_append(w, (const char *const *)e.text, e.len, 100, &last),
                 SEER_OK));
    seer_wal_close(w);
    const char *seg = sub("wal/wal-0000000000000001.log");
    FILE *f = fopen(seg, "r+b");
    cr_assert(ne(ptr, f, NULL));
    long off = 0;
    for (size_t i = 0; i < 49; i++) off += SEER_WAL_HEADER + (long)e.len[i];
    cr_assert(eq(int, fseek(f, off + SEER_WAL_HEADER + 3, SEEK_SET), 0));
    int c = fgetc(f);
    cr_assert(eq(int, fseek(f, off + SEER_WAL_HEADER + 3, SEEK_SET), 0));
    fputc(c ^ 0x20, f);   // a byte of event 50
    fclose(f);
    seer_online_options o;
    seer_online_options_default(&o);
    o.model_path = model;
    o.wal_dir = sub("wal");
    o.batch = 32;
    o.publish_every_s = 0.01;
    seer_slot slot;
    seer_online *on;
    cr_assert(eq(int, seer_online_open(&on, &o, &slot), SEER_EDATA));
    cr_assert(ne(ptr, strstr(seer_error_message(), "record 50 at offset"), NULL), "%s",
              seer_error_message());
    o.wal_repair = 1;
    cr_assert(eq(int, seer_online_open(&on, &o, &slot), SEER_OK), "%s", seer_error_message());
    wait_applied(on, 99);
    expect_counts(on, 100, 99);
    log_events(on, &e, 0, 1);   // and it goes on learning
    wait_applied(on, 100);
    seer_online_close(on);
    seer_slot_free(&slot);
    free_events(&e);
}

static size_t wal_files(const char *d) {
    DIR *h = opendir(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(h)))
        if (strncmp(e->d_name, "wal-", 4) == 0) n++;
    closedir(h);
    return n;
}

// Snapshots at a short interval: the log keeps at most the current segment and
// the one before it, and a restart still has every event.
Test(online, snapshots_truncate_the_log) {
    const char *model = sub("m.seer");
    make_model(model, 1, 16);
    events e = make_events(400, 6);
    seer_slot slot;
    const char *wal = sub("wal");
    seer_online *on = open_online(&slot, model, wal, 16, 0.02);
    for (int round = 0; round < 8; round++) {
        log_events(on, &e, (size_t)round * 50, 50);
        wait_applied(on, (uint64_t)(round + 1) * 50);
        usleep(30000);
        cr_assert(le(sz, wal_files(wal), 2), "round %d: %zu segments", round, wal_files(wal));
    }
    struct stat st;
    cr_assert(eq(int, stat(sub("wal/snapshot.seer"), &st), 0));
    seer_online_close(on);
    seer_slot_free(&slot);
    on = open_online(&slot, model, wal, 16, 0);
    expect_counts(on, 400, 400);
    seer_online_close(on);
    seer_slot_free(&slot);
    free_events(&e);
}

// Waits (up to 10 s) until the learner has failed to publish (publishes) or to snapshot
// (snapshots) at least once; returns both counts.
static void wait_failures(seer_online *on, int snapshots, uint64_t *pub, uint64_t *snap) {
    double t0 = seer_now();
    do {
        usleep(2000);
        seer_online_failures(on, pub, snap);
    } while ((snapshots ? *snap : *pub) == 0 && seer_now() - t0 < 10);
}

// A snapshot that cannot be written (a directory holding a file where it goes: the rename over
// it fails) is counted, and learning goes on, the events kept in the log.
Test(online, snapshot_failures_are_counted) {
    const char *model = sub("m.seer");
    make_model(model, 1, 16);
    seer_slot slot;
    const char *wal = sub("wal");
    seer_online *on = open_online(&slot, model, wal, 16, 0.02);
    uint64_t pub, snap;
    seer_online_failures(on, &pub, &snap);
    cr_assert(eq(u64, pub + snap, 0));
    const char *snap_path = sub("wal/snapshot.seer");
    unlink(snap_path);
    cr_assert(eq(int, mkdir(snap_path, 0700), 0));
    FILE *f = fopen(sub("wal/snapshot.seer/keep"), "w");
    cr_assert(ne(ptr, f, NULL));
    fclose(f);
    events e = make_events(64, 5);
    log_events(on, &e, 0, 64);
    wait_applied(on, 64);
    wait_failures(on, 1, &pub, &snap);
    cr_assert(gt(u64, snap, 0), "no failed snapshot counted in 10 s");
    cr_assert(eq(u64, pub, 0));
    cr_assert(eq(int, seer_online_learning(on), 1));
    expect_counts(on, 64, 64);
    cr_assert(ge(sz, wal_files(wal), 1));
    seer_online_close(on);
    seer_slot_free(&slot);
    free_events(&e);
}

// A publish without room for the copy it swaps in is counted, learning goes on, and with room
// again publishes swap the learnt model in. No room: a limit on the address space, while a
// reader holds the model served (so each publish needs a copy's memory afresh). The server's
// log says so once a run of failures, and again when a publish succeeds after them.
Test(online, publish_failures_are_counted) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("ASan reserves the address space an rlimit would measure");
#endif
    struct rlimit as;
    cr_assert(eq(int, getrlimit(RLIMIT_AS, &as), 0));
    if (as.rlim_cur != RLIM_INFINITY) cr_skip_test("this process already runs under a limit");
    const char *model = sub("m.seer");
    make_model(model, 1, 4096);  // 173,000 dense weights: a copy needs fresh pages
    seer_slot slot;
    seer_online *on = open_online(&slot, model, sub("wal"), 16, 3600);
    events e = make_events(96, 5);
    log_events(on, &e, 0, 32);
    wait_applied(on, 32);
    uint64_t pub, snap;
    const char *log_path = sub("stderr.txt");
    int saved = dup(2), log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(saved >= 0 && log_fd >= 0);
    cr_assert(eq(int, dup2(log_fd, 2), 2));
    seer_served *held = seer_slot_acquire(&slot);
    malloc_trim(0);
    address_space_leave((size_t)64 << 10);
    for (size_t i = 32; i < 64; i += 4) {  // a step and a publish each
        log_events(on, &e, i, 4);
        wait_applied(on, i + 4);
        usleep(20000);
    }
    wait_failures(on, 0, &pub, &snap);
    as.rlim_cur = RLIM_INFINITY;
    cr_assert(eq(int, setrlimit(RLIMIT_AS, &as), 0));
    seer_slot_release(&slot, held);
    cr_assert(gt(u64, pub, 0), "no failed publish counted in 10 s");
    cr_assert(eq(u64, snap, 0));
    usleep(100000);  // any publish still due is done (every 10 ms)
    uint64_t version = seer_slot_version(&slot);
    log_events(on, &e, 64, 32);
    wait_applied(on, 96);
    double t0 = seer_now();
    while (seer_slot_version(&slot) == version && seer_now() - t0 < 10) usleep(2000);
    cr_assert(gt(u64, seer_slot_version(&slot), version), "not published after the limit");
    cr_assert(eq(int, seer_online_learning(on), 1));
    seer_online_failures(on, &pub, &snap);
    seer_online_close(on);
    seer_slot_free(&slot);
    free_events(&e);
    dup2(saved, 2);
    close(saved);
    close(log_fd);
    FILE *f = fopen(log_path, "r");
    cr_assert(f != NULL);
    char line[1024];
    int failing = 0, again = 0;
    while (fgets(line, sizeof line, f)) {
        failing += strstr(line, "could not publish the updated model") != NULL;
        again += strstr(line, "is published again, after") != NULL;
    }
    fclose(f);
    cr_assert(ge(int, failing, 1));
    cr_assert(eq(int, again, failing), "%d runs of failures said, %d ends", failing, again);
    cr_assert(le(u64, (uint64_t)failing, pub));
}

// Copies the log's segments from one directory into a new one, and the ends of the learner's
// partial steps when with_ends: what a crash leaves on disk (no snapshot is written between).
static void copy_log(const char *from, const char *to, int with_ends) {
    cr_assert(eq(int, mkdir(to, 0755), 0));
    DIR *h = opendir(from);
    cr_assert(ne(ptr, h, NULL));
    struct dirent *e;
    while ((e = readdir(h))) {
        if (strncmp(e->d_name, "wal-", 4) != 0 && !(with_ends && !strcmp(e->d_name, "steps")))
            continue;
        char a[512], b[512], buf[65536];
        snprintf(a, sizeof a, "%s/%s", from, e->d_name);
        snprintf(b, sizeof b, "%s/%s", to, e->d_name);
        FILE *in = fopen(a, "rb"), *out = fopen(b, "wb");
        cr_assert(in && out);
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, in)) > 0) cr_assert(eq(sz, fwrite(buf, 1, k, out), k));
        fclose(in);
        fclose(out);
    }
    closedir(h);
}

// The served model once the learner has published its last step (publishes every 10 ms).
static params settled_params(seer_online *on, seer_slot *slot, uint64_t applied) {
    wait_applied(on, applied);
    usleep(100000);
    return served_params(slot);
}

// A trickle of events is cut into steps by when it arrives: 10 events, then 50 at once (a
// batch of 32 and 18 at the next publish), 5, and 40 (32 and 8). A crash then (the log copied
// while the learner runs, with no snapshot) replays to the live model's bytes, step count
// and all; without the recorded ends the replay steps on 32, 32, 32 and 9 events and reaches
// another model.
Test(online, a_crash_replay_steps_where_the_live_learner_did) {
    const char *model = sub("m.seer");
    make_model(model, 1, 16);
    events e = make_events(105, 9);
    seer_slot slot;
    seer_online *on = open_online(&slot, model, sub("live"), 32, 0);
    size_t cut[] = {10, 50, 5, 40}, from = 0;
    for (size_t i = 0; i < 4; i++) {
        log_events(on, &e, from, cut[i]);
        from += cut[i];
        wait_applied(on, from);
    }
    params live = settled_params(on, &slot, 105);
    copy_log(sub("live"), sub("crashed"), 1);
    copy_log(sub("live"), sub("no_ends"), 0);
    seer_online_close(on);
    seer_slot_free(&slot);

    on = open_online(&slot, model, sub("crashed"), 32, 0);
    params replayed = settled_params(on, &slot, 105);
    expect_counts(on, 105, 105);
    seer_online_close(on);
    seer_slot_free(&slot);
    expect_same(&live, &replayed);

    on = open_online(&slot, model, sub("no_ends"), 32, 0);
    params full = settled_params(on, &slot, 105);
    seer_online_close(on);
    seer_slot_free(&slot);
    cr_assert(eq(long, full.step, live.step - 2), "4 steps instead of 6");
    cr_assert(ne(int, memcmp(full.params, live.params, live.n_params * sizeof(float)), 0));
    free_params(&live);
    free_params(&replayed);
    free_params(&full);
    free_events(&e);
}

Test(online, a_missing_model_is_an_error) {
    seer_online_options o;
    seer_online_options_default(&o);
    o.model_path = sub("none.seer");
    o.wal_dir = sub("wal");
    seer_slot slot;
    seer_online *on;
    cr_assert(eq(int, seer_online_open(&on, &o, &slot), SEER_EIO));
    cr_assert(ne(ptr, strstr(seer_error_message(), "none.seer"), NULL), "%s",
              seer_error_message());
}
