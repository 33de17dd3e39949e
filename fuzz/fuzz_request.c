// libFuzzer target for request bodies (src/serve/request.c): the predict, rank
// and events parsers (a recommender's sequence events when the first byte has bit 32
// set), one-row encoding, and the admin reload body.
//
// The transform is fitted once, in memory, on a small generated table with a
// numeric column (with missing values), a count, a categorical column and a
// multi-valued one, so every column kind a request can reach is encoded. The
// first input byte picks the parser; the rest is the body. Every accepted row
// must give ids inside the embedding table (or SEER_NO_ID) and finite dense
// inputs; every event text split from a body must parse again as an object.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "data/dataset.h"
#include "data/table.h"
#include "data/transform.h"
#include "serve/event.h"
#include "serve/request.h"

#define MAX_ROWS 64

static seer_transform tf;

static void fit(void) {
    static char csv[1 << 16];
    size_t n = (size_t)snprintf(csv, sizeof csv, "label,x,n,color,tags\n");
    uint64_t s = 1;
    static const char *const colors[] = {"red", "green", "blue", "black"};
    static const char *const tags[] = {"a|b", "b", "c|a|d", "", "d|e"};
    for (int i = 0; i < 400; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t r = (uint32_t)(s >> 33);
        if (r % 9 == 0)
            n += (size_t)snprintf(csv + n, sizeof csv - n, "%u,,%u,%s,%s\n", r % 2, r % 40,
                                  colors[r % 4], tags[r % 5]);
        else
            n += (size_t)snprintf(csv + n, sizeof csv - n, "%u,%.3f,%u,%s,%s\n", r % 2,
                                  (r % 10000) / 997.0, r % 40, colors[r % 4], tags[r % 5]);
    }
    seer_table *tab;
    SEER_ASSERT(seer_table_open_memory(&tab, csv, n, "fuzz", 0, NULL) == SEER_OK);
    seer_profile p;
    size_t rows = 0;
    SEER_ASSERT(seer_profile_pass(&p, tab, "label", SEER_TASK_BINARY, NULL, 0, &rows, NULL, NULL,
                                  0) == SEER_OK);
    seer_transform_options o;
    seer_transform_options_default(&o);
    o.label = "label";
    o.min_count = 1;
    SEER_ASSERT(seer_transform_fit(&tf, &p, &o) == SEER_OK);
    seer_profile_free(&p);
    seer_table_close(tab);
}

static void check_row(const uint32_t *ids, const float *dense) {
    for (size_t k = 0; k < tf.n_slots; k++)
        SEER_ASSERT(ids[k] == SEER_NO_ID || ids[k] < tf.emb_rows);
    for (size_t k = 0; k < tf.n_dense; k++) SEER_ASSERT(isfinite(dense[k]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!tf.n_cols) fit();
    if (size == 0) return 0;
    int which = data[0] % 5;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    static uint32_t ids[MAX_ROWS * 256];
    static float dense[256], y;
    int rc;
    if (which == 0 || which == 1) {
        seer_request_rows rows = {0};
        rc = (which == 0 ? seer_request_predict : seer_request_rank)(&tf, body, len, MAX_ROWS,
                                                                      &rows);
        SEER_ASSERT(rc == SEER_OK || rc == SEER_EDATA);
        SEER_ASSERT(rc == SEER_OK || !rows.too_many || rc == SEER_EDATA);
        if (rc == SEER_OK) {
            SEER_ASSERT(rows.n <= MAX_ROWS && !rows.too_many);
            for (size_t i = 0; i < rows.n; i++)
                check_row(rows.ids + i * tf.n_slots, rows.dense + i * tf.n_dense);
        } else {
            SEER_ASSERT(seer_error_message()[0] != '\0');
        }
        seer_request_rows_free(&rows);
    } else if (which == 2 && (data[0] & 32)) {
        seer_request_seq_events ev;
        rc = seer_request_seq_events_parse(body, len, MAX_ROWS, &ev);
        SEER_ASSERT(rc == SEER_OK || rc == SEER_EDATA);
        // Every record logged reads back as one user and one item, non-empty, without NUL.
        for (size_t i = 0; rc == SEER_OK && i < ev.n; i++) {
            char *buf = malloc(ev.len[i] + 1);
            const char *user, *item;
            SEER_ASSERT(buf && seer_event_seq_read(ev.record[i], ev.len[i], buf, &user, &item) ==
                                   SEER_OK);
            SEER_ASSERT(*user && *item && strlen(user) <= 1024 && strlen(item) <= 1024);
            free(buf);
        }
        seer_request_seq_events_free(&ev);
    } else if (which == 2) {
        seer_request_events ev = {.lenient = data[0] & 16};
        rc = seer_request_events_parse(&tf, body, len, MAX_ROWS, &ev);
        SEER_ASSERT(rc == SEER_OK || rc == SEER_EDATA);
        // An event the request rules let through is one the learner can read back.
        seer_event_reader er = {0};
        for (size_t i = 0; rc == SEER_OK && i < ev.n; i++) {
            SEER_ASSERT(ev.len[i] > 0 && ev.record[i][0] == SEER_EVENT_VALUES);
            int r2 = seer_event_encode(&er, &tf, ev.record[i], ev.len[i], ids, dense, &y);
            SEER_ASSERT(r2 == SEER_OK);
            check_row(ids, dense);
            SEER_ASSERT(y == 0.0f || y == 1.0f);
        }
        seer_event_reader_free(&er);
        seer_request_events_free(&ev);
    } else if (which == 3) {
        rc = seer_request_encode_row(&tf, body, len, data[0] & 8, ids, dense, &y);
        SEER_ASSERT(rc == SEER_OK || rc == SEER_EDATA);
        if (rc == SEER_OK) check_row(ids, dense);
    } else {
        char *path;
        rc = seer_request_reload_path(body, len, &path);
        SEER_ASSERT(rc == SEER_OK || rc == SEER_EDATA);
        SEER_ASSERT(rc == SEER_OK || path == NULL);
        free(path);
    }
    return 0;
}
