// The profile of a data file and the sparsity decision, printed as seer profile prints them
// (seer.h: seer_profile_file): one pass over the rows, the transform fitted with the
// default settings, its table.
#include <stdio.h>

#include "base/error.h"
#include "data/profile.h"
#include "data/transform.h"

int seer_profile_file(const char *path, seer_format format, const char *label, seer_task task,
                      int skip_bad_rows, FILE *out) {
    if (!path || !out) return seer_errorf(SEER_EINVAL, "seer_profile_file: a NULL argument");
    if ((unsigned)task > SEER_TASK_ZILN)
        return seer_errorf(SEER_EINVAL, "seer_profile_file: task %d unknown", (int)task);
    seer_transform_options to;
    seer_transform_options_default(&to);
    to.label = label;
    if (!to.label && (format == SEER_FORMAT_CRITEO || format == SEER_FORMAT_LIBFM))
        to.label = "label";
    seer_table_options topt = {format, skip_bad_rows};
    seer_table *tab;
    int rc = seer_table_open(&tab, path, &topt);
    if (rc != SEER_OK) return rc;
    seer_profile p;
    seer_transform t = {0};
    size_t rows_read = 0, skipped = 0;
    rc = seer_profile_pass(&p, tab, to.label, task, NULL, skip_bad_rows, &rows_read, &skipped,
                           NULL, 0);
    if (rc == SEER_OK) rc = seer_transform_fit(&t, &p, &to);
    if (rc == SEER_OK) {
        fprintf(out, "%s: %zu rows, %zu columns\n", path, p.rows, p.n_cols);
        seer_transform_print(&t, out);
        skipped += seer_table_bad_rows(tab);
        if (skipped) fprintf(out, "skipped %zu malformed rows\n", skipped);
    }
    seer_transform_free(&t);
    seer_profile_free(&p);
    seer_table_close(tab);
    return rc;
}
