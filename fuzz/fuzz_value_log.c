// libFuzzer target for seer value's log reader (src/value/log.c) and the users built from it
// (src/value/users.c), with the value metrics over them (src/train/value_metrics.c).
//
// The input is read from memory, a few bytes at a time (the first byte picks the step, the
// separator and whether the columns are named or come from a header line). A log that reads
// is built into users, whose counts and spends are checked, and scored by the metrics.
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "data/source.h"
#include "value/log.h"
#include "train/value_metrics.h"
#include "value/users.h"

static void check_users(const seer_value_log *log, const seer_value_options *o) {
    seer_value_users u;
    if (seer_value_users_build(&u, log, o->cutoff, o->horizon, 0.5, 1) != SEER_OK) return;
    SEER_ASSERT(u.n >= 1 && u.n <= log->n_users);
    for (size_t i = 0; i < u.n; i++) {
        SEER_ASSERT(u.freq[i] >= 0 && u.T[i] >= u.t_x[i] && u.t_x[i] >= 0);
        SEER_ASSERT(u.cal_spend[i] >= 0 && u.hold_spend[i] >= 0 && isfinite(u.cal_spend[i]));
        for (size_t j = 0; j < u.F; j++) SEER_ASSERT(isfinite(u.x[i * u.F + j]));
    }
    double *scratch = malloc(3 * u.n * sizeof *scratch);
    if (scratch) {
        seer_value_decile d[10];
        double mape, top;
        seer_value_gini(u.hold_spend, u.cal_spend, u.n, (size_t *)scratch);
        seer_value_spearman(u.hold_spend, u.cal_spend, u.n, scratch);
        seer_value_deciles(u.hold_spend, u.cal_spend, u.n, (size_t *)scratch, d, &mape, &top);
    }
    free(scratch);
    seer_value_users_free(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    static const char *const cols[] = {"user", "date", "event", "amount"};
    static const char seps[] = {',', ' ', '\t', ';'};
    seer_value_options o;
    memset(&o, 0, sizeof o);
    o.path = "fuzz";
    o.sep = seps[(data[0] >> 4) & 3];
    if (data[0] & 0x40) o.columns = cols, o.n_columns = 4;
    o.user = "user", o.time = "date", o.amount = "amount";
    if (data[0] & 0x80) o.event = "event";
    o.cutoff = 10000;  // 1997-05-19
    o.horizon = 273;
    seer_source *src;
    if (seer_source_open_memory(&src, data + 1, size - 1, "fuzz", 1 + (data[0] & 15)) != SEER_OK)
        return 0;
    seer_value_log log;
    if (seer_value_log_read_source(&log, src, &o) == SEER_OK) {
        SEER_ASSERT(log.n >= 1 && log.n_users >= 1 && log.n_events <= SEER_VALUE_EVENTS_MAX);
        for (size_t i = 0; i < log.n; i++) SEER_ASSERT(log.user[i] < log.n_users);
        check_users(&log, &o);
        seer_value_log_free(&log);
    }
    seer_source_close(src);
    return 0;
}
