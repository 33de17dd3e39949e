// The reading passes of seer train alone, on one thread: the table reader splitting every row
// into fields (seer_table_next), then the profile pass (reader + statistics), then reader +
// the fitted transform encoding every row (seer_dataset_load), each timed over the whole
// file; MB/s are of the file's bytes. The best of REPEAT runs, one line per pass. The
// seconds are this thread's CPU time (a loaded machine stretches wall time, not CPU time);
// wall= gives the wall seconds of the same run. Then the one-pass form seer train uses: the
// profile pass keeping every row's words (data/raw_rows.h) and the encoding from those words,
// checked to give the same rows byte for byte:
//
//   bench_parse FILE [FORMAT [LABEL [REPEAT]]]      (defaults: criteo, label, 3)
//   bench parse_split file=F MB=245.9 rows=1000000 s=0.62 MB_per_s=397 wall=0.70
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/clock.h"
#include "base/error.h"
#include "data/dataset.h"
#include "data/encode.h"
#include "data/profile.h"
#include "data/table.h"
#include "data/transform.h"

static int fail(void) {
    fprintf(stderr, "bench_parse: %s\n", seer_error_message());
    return 1;
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// The best run of a pass: least CPU time, and the wall time of that run.
typedef struct {
    double cpu, wall, c0, w0;
} pass_time;

static void pass_start(pass_time *p) {
    p->c0 = cpu_now();
    p->w0 = seer_now();
}

static void pass_stop(pass_time *p) {
    double c = cpu_now() - p->c0, w = seer_now() - p->w0;
    if (c < p->cpu) {
        p->cpu = c;
        p->wall = w;
    }
}

static void line(const char *what, const char *path, double mb, size_t rows,
                 const pass_time *p) {
    printf("bench %s file=%s MB=%.1f rows=%zu s=%.3f MB_per_s=%.0f wall=%.3f\n", what, path, mb,
           rows, p->cpu, mb / p->cpu, p->wall);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_parse FILE [FORMAT [LABEL [REPEAT]]]\n");
        return 1;
    }
    const char *path = argv[1], *label = argc > 3 ? argv[3] : "label";
    int fmt = SEER_FORMAT_CRITEO, repeat = argc > 4 ? atoi(argv[4]) : 3;
    for (int k = 0; argc > 2 && seer_format_names[k]; k++)
        if (strcmp(argv[2], seer_format_names[k]) == 0) fmt = k;
    struct stat st;
    if (stat(path, &st) != 0) return perror(path), 1;
    double mb = (double)st.st_size / 1e6;
    seer_table_options topt = {(seer_format)fmt, 0};
    pass_time best[5];
    for (int k = 0; k < 5; k++) best[k] = (pass_time){1e30, 0, 0, 0};
    size_t rows = 0;
    for (int r = 0; r < repeat; r++) {
        seer_table *t;
        seer_row row;
        if (seer_table_open(&t, path, &topt) != SEER_OK) return fail();
        pass_start(&best[0]);
        rows = 0;
        int rc;
        while ((rc = seer_table_next(t, &row)) == 1) rows++;
        if (rc < 0) return fail();
        pass_stop(&best[0]);
        // The profile pass and the fit, then the encoding pass, as seer train runs them.
        seer_profile prof;
        seer_split split = {0.0, 1};
        size_t read = 0;
        if (seer_table_rewind(t) != SEER_OK) return fail();
        pass_start(&best[1]);
        if (seer_profile_pass(&prof, t, label, SEER_TASK_BINARY, &split, 0, &read, NULL, NULL,
                              0) != SEER_OK)
            return fail();
        pass_stop(&best[1]);
        seer_transform tf;
        seer_transform_options o;
        seer_transform_options_default(&o);
        o.label = label;
        if (seer_transform_fit(&tf, &prof, &o) != SEER_OK) return fail();
        seer_profile_free(&prof);
        seer_dataset tr;
        seer_dataset_init(&tr, tf.n_slots, tf.n_dense);
        size_t skipped = 0;
        if (seer_dataset_reserve(&tr, read + 1) != SEER_OK) return fail();
        if (seer_table_rewind(t) != SEER_OK) return fail();
        pass_start(&best[2]);
        if (seer_dataset_load(&tr, NULL, t, &tf, NULL, 1, 0, &skipped, NULL) != SEER_OK)
            return fail();
        pass_stop(&best[2]);
        // The one-pass form: the profile keeps the words, the encoding reads no text.
        seer_raw_rows raw;
        if (seer_table_rewind(t) != SEER_OK) return fail();
        pass_start(&best[3]);
        if (seer_profile_pass(&prof, t, label, SEER_TASK_BINARY, &split, 0, &read, NULL, &raw,
                              SEER_RAW_ROWS_MAX_BYTES) != SEER_OK)
            return fail();
        pass_stop(&best[3]);
        seer_profile_free(&prof);
        if (!seer_transform_takes_words(&tf, &raw)) {
            fprintf(stderr, "bench_parse: the words cannot encode this file's rows\n");
            return 1;
        }
        seer_dataset tw;
        seer_dataset_init(&tw, tf.n_slots, tf.n_dense);
        if (seer_dataset_reserve(&tw, read + 1) != SEER_OK) return fail();
        pass_start(&best[4]);
        if (seer_dataset_load_words(&tw, NULL, &raw, &tf, NULL, NULL) != SEER_OK) return fail();
        pass_stop(&best[4]);
        if (tw.rows != tr.rows || memcmp(tw.ids, tr.ids, tr.rows * tr.S * 4) ||
            memcmp(tw.dense, tr.dense, tr.rows * tr.n_dense * 4) ||
            memcmp(tw.y, tr.y, tr.rows * 4)) {
            fprintf(stderr, "bench_parse: the rows from the words differ from the text's\n");
            return 1;
        }
        seer_raw_rows_free(&raw);
        seer_dataset_free(&tw);
        seer_dataset_free(&tr);
        seer_transform_free(&tf);
        seer_table_close(t);
    }
    line("parse_split", path, mb, rows, &best[0]);
    line("profile_pass", path, mb, rows, &best[1]);
    line("encode_pass", path, mb, rows, &best[2]);
    line("profile_keep", path, mb, rows, &best[3]);
    line("encode_words", path, mb, rows, &best[4]);
    return 0;
}
