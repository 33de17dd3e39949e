// A small model for the serving tests and benchmarks: a table "label,x,color"
// of 2,000 rows where red rows and large x lean positive, written to csv, and
// an MLP (hidden, 8) trained on it for two epochs without a hold-out, saved to
// path. Returns 0 or the failing step's code (its message is recorded).
#ifndef SEER_TESTS_SMALL_MODEL_H
#define SEER_TESTS_SMALL_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "base/rng.h"
#include "io/model.h"
#include "train/train.h"

static const char *const small_model_colors[] = {"red", "green", "blue"};

static int write_small_model(const char *csv, const char *path, uint64_t seed, size_t hidden) {
    FILE *f = fopen(csv, "w");
    if (!f) return seer_errorf(SEER_EIO, "%s: cannot write", csv);
    fprintf(f, "label,x,color\n");
    seer_rng r;
    seer_rng_init(&r, 7);
    for (int i = 0; i < 2000; i++) {
        int c = (int)seer_rng_below(&r, 3);
        double x = seer_rng_uniform(&r) * 4 - 2;
        double p = (c == 0) ^ (x > 0.5) ? 0.8 : 0.2;
        fprintf(f, "%d,%.3f,%s\n", seer_rng_uniform(&r) < p, x, small_model_colors[c]);
    }
    fclose(f);
    seer_train_job o;
    seer_train_job_default(&o);
    o.data = csv;
    o.tf.label = "label";
    o.epochs = 2;
    o.valid_frac = 0;
    o.quiet = 1;
    o.seed = seed;
    o.net.n_hidden = 2;
    o.net.hidden[0] = hidden;
    o.net.hidden[1] = 8;
    seer_train_outcome res;
    seer_model *m;
    int rc = seer_train_run(&o, &res, &m);
    if (rc == SEER_OK) rc = seer_model_save(m, path);
    if (rc == SEER_OK) seer_model_free(m);
    return rc;
}

#endif
