// The floating-point operations of a training step a row (seer_net_flops: the plan's linear
// layers, 6 in out each, plus each model's own kernels), against numbers counted by hand for
// small configurations; the report of a training run carries them; the measured GEMM peak is
// a positive rate.
#include <criterion/criterion.h>
#include "criterion_fix.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "io/model.h"
#include "models/net.h"
#include "nn/gemm_peak.h"
#include "train/train.h"

// F = 3 fields, 2 dense values, D = 4: x0 is 3 * 4 + 2 = 14 wide; deep widths 8, 4.
static seer_net_config small(seer_model_kind kind) {
    seer_net_config c;
    seer_net_config_default(&c, kind);
    c.n_fields = 3;
    c.n_dense = 2;
    c.emb_dim = 4;
    c.emb_rows = 10;
    c.n_hidden = 2;
    c.hidden[0] = 8;
    c.hidden[1] = 4;
    c.hidden[2] = 0;
    c.batch_cap = 16;
    return c;
}

// Layers 14x8, 8x4, 4x1: 6 (112 + 32 + 4) = 888, nothing of its own.
Test(flops, mlp_counts_its_layers) {
    seer_net_config c = small(SEER_MODEL_MLP);
    cr_assert(eq(dbl, seer_net_flops(&c, 1024), 888.0));
}

// The deep part reads the 5 fields of 4 (20): 6 (160 + 32 + 4) = 1176; the wide part
// 2 * 3 + 4 * 2 = 14, the dense fields 3 * 2 * 4 = 24, the FM term 7 * 5 * 4 + 2 * 4 = 148.
Test(flops, deepfm_counts_fm_and_wide) {
    seer_net_config c = small(SEER_MODEL_DEEPFM);
    cr_assert(eq(dbl, seer_net_flops(&c, 1024), 1176.0 + 14 + 24 + 148));
}

// Two cross layers 14x14 (392), the deep part 14x8, 8x4 (144), the output over [x_2, deep]
// 18x1: 6 * 554 = 3324, and the cross layers' elementwise part 7 * 14 * 2 = 196.
Test(flops, dcnv2_counts_cross_layers) {
    seer_net_config c = small(SEER_MODEL_DCNV2);
    c.n_cross = 2;
    cr_assert(eq(dbl, seer_net_flops(&c, 1024), 3324.0 + 196));
    c.stacked = 1;  // the output reads the deep part's 4: 6 * 540 = 3240
    cr_assert(eq(dbl, seer_net_flops(&c, 1024), 3240.0 + 196));
}

// Gates 4x5 and 5x14 per stream, 6 * 180 = 1080 once a batch; streams 14x8, 8x4 and 14x6,
// 6 * 228 = 1368; gates applied 16 * 14 = 224; the fusion of H1 4 and H2 6 in 2 heads
// 6 * 4 * 6 / 2 + 6 * 4 + 9 * 6 = 150.
Test(flops, finalmlp_counts_gates_once_a_batch) {
    seer_net_config c = small(SEER_MODEL_FINALMLP);
    c.gate_hidden = 5;
    c.n_hidden2 = 1;
    c.hidden2[0] = 6;
    c.n_heads = 2;
    cr_assert(eq(dbl, seer_net_flops(&c, 1024), 1368.0 + 224 + 150 + 1080.0 / 1024));
    cr_assert(eq(dbl, seer_net_flops(&c, 1), 1368.0 + 224 + 150 + 1080.0));
}

// The report of a run gives the step's operations of the model it trained.
Test(flops, train_report_carries_flops_per_sample) {
    char dir[] = "/tmp/seer_test_flops_XXXXXX", path[128];
    cr_assert(ne(ptr, mkdtemp(dir), NULL));
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert(ne(ptr, f, NULL));
    fprintf(f, "y,x,c\n");
    for (int i = 0; i < 500; i++) fprintf(f, "%d,%.2f,k%d\n", i % 3 == 0, i * 0.01, i % 5);
    cr_assert(eq(int, fclose(f), 0));
    seer_train_job o;
    seer_train_job_default(&o);
    o.data = path;
    o.tf.label = "y";
    o.epochs = 1;
    o.valid_frac = 0;
    o.quiet = 1;
    seer_train_outcome r;
    seer_model *m;
    cr_assert(eq(int, seer_train_run(&o, &r, &m), SEER_OK), "%s", seer_error_message());
    double want = seer_net_flops(&m->net.cfg, r.batch);
    cr_assert(gt(dbl, want, 0.0));
    cr_assert(eq(dbl, r.flops_per_sample, want));
    seer_model_free(m);
    unlink(path);
    rmdir(dir);
}

Test(flops, peak_is_a_rate_and_bad_sizes_are_zero) {
    for (int cpu = 0; cpu < 2; cpu++) {
        double peak = seer_gemm_measure(256, 3, cpu);
        cr_assert(gt(dbl, peak, 0.0));
        cr_assert(lt(dbl, peak, 1e6), "%g GFLOP/s", peak);
        cr_assert(eq(dbl, seer_gemm_measure(0, 3, cpu), 0.0));
        cr_assert(eq(dbl, seer_gemm_measure(64, 0, cpu), 0.0));
        cr_assert(eq(dbl, seer_gemm_measure(64, 65, cpu), 0.0));
    }
}
