// The scores of a data file written as text, one line per input row (seer predict), to a
// file atomically or to stdout (seer.h: seer_predict_file).
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/atomic_file.h"
#include "base/error.h"
#include "train/predict.h"

typedef struct {
    FILE *f;
    const char *name;   // for messages: the -o path, or "stdout"
} score_out;

// One line per input row; a skipped row's line is empty, so the lines still line up.
static int write_scores(void *ctx, const float *p, const float *y, size_t n) {
    score_out *o = ctx;
    for (size_t i = 0; i < n; i++) {
        if (isnan(p[i])) fputc('\n', o->f);
        else fprintf(o->f, "%.7g\n", (double)p[i]);
    }
    if (ferror(o->f))
        return seer_errorf(SEER_EIO, "%s: writing scores failed: %s", o->name, strerror(errno));
    return SEER_OK;
}

int seer_predict_file(seer_model *m, const char *data, seer_format format, int skip_bad_rows,
                      const char *out, size_t *skipped) {
    if (!m || !data || !skipped)
        return seer_errorf(SEER_EINVAL, "seer_predict_file: a NULL argument");
    seer_table_options topt = {format, skip_bad_rows};
    seer_table *tab = NULL;
    seer_atomic_file af = {0};
    int rc = seer_table_open(&tab, data, &topt);
    if (rc == SEER_OK && out) rc = seer_atomic_open(&af, out);
    *skipped = 0;
    if (rc == SEER_OK)
        rc = seer_predict_table(m, tab, 0, skip_bad_rows ? SEER_SKIP_HOLD : 0, skipped,
                                write_scores,
                                &(score_out){out ? af.f : stdout, out ? out : "stdout"});
    if (out && af.f) {
        if (rc == SEER_OK) rc = seer_atomic_commit(&af);
        else seer_atomic_abort(&af);
    }
    if (tab) seer_table_close(tab);
    return rc;
}
