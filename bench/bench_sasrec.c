// bench_sasrec: SASRec on a `--format seq` file, leave-one-out, as bench/torch_sasrec.py runs
// it, with the same option names, so that the two print comparable figures side by side:
//
//     build/bench/bench_sasrec Beauty.txt [--maxlen 50] [--hidden 64] [--blocks 2] [--heads 1]
//         [--batch 128] [--epochs 200] [--patience 10] [--lr 1e-3] [--dropout 0.5]
//         [--loss softmax|sampled] [--negatives 1024] [--threads 1] [--seed 1] [--no-eval]
//         [--max-seconds S]
//
// One JSON line: the test metrics of the epoch kept, seconds_per_epoch (training alone, as
// the script counts it), the FLOPs of an epoch's GEMMs and their rate.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "data/sequences.h"
#include "rec/sasrec_train.h"

static int parse(seer_sasrec_options *o, int argc, char **argv) {
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-eval")) {
            o->no_eval = 1;
            continue;
        }
        if (!v) return fprintf(stderr, "%s needs a value\n", a), 1;
        i++;
        if (!strcmp(a, "--maxlen")) o->net.maxlen = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--hidden")) o->net.dim = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--blocks")) o->net.blocks = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--heads")) o->net.heads = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--dropout")) o->net.dropout = strtof(v, NULL);
        else if (!strcmp(a, "--batch")) o->batch = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--epochs")) o->epochs = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--patience")) o->patience = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--lr")) o->lr = strtof(v, NULL);
        else if (!strcmp(a, "--negatives")) o->negatives = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--threads")) o->threads = atoi(v);
        else if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--max-seconds")) o->max_seconds = strtod(v, NULL);
        else if (!strcmp(a, "--loss"))
            o->loss = !strcmp(v, "sampled") ? SEER_SASREC_LOSS_SAMPLED : SEER_SASREC_LOSS_SOFTMAX;
        else return fprintf(stderr, "unknown option %s\n", a), 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) return fprintf(stderr, "usage: bench_sasrec FILE [options]\n"), 1;
    seer_idmap users, items;
    seer_idmap_init(&users);
    seer_idmap_init(&items);
    seer_interactions x;
    uint64_t *off = NULL;
    uint32_t *seq = NULL;
    int rc = seer_sequences_read(&x, argv[1], 0, &users, &items);
    if (rc == SEER_OK) rc = seer_sequences_csr(&x, users.n, &off, &seq);
    if (rc != SEER_OK) return fprintf(stderr, "%s\n", seer_error_message()), 2;
    seer_sasrec_options o;
    seer_sasrec_options_default(&o, items.n);
    if (parse(&o, argc, argv)) return 1;
    float *item = malloc(items.n * o.net.dim * sizeof(float));
    float *rest = malloc(seer_sasrec_rest_size(&o.net) * sizeof(float));
    seer_sasrec_report r;
    rc = item && rest ? seer_sasrec_train(item, rest, &o, off, seq, users.n, &r) : SEER_ENOMEM;
    if (rc != SEER_OK) return fprintf(stderr, "%s\n", seer_error_message()), 2;
    printf("{\"model\": \"sasrec\", \"users\": %zu, \"items\": %zu, \"interactions\": %zu, "
           "\"train_positions\": %zu, \"maxlen\": %zu, \"hidden\": %zu, \"blocks\": %zu, "
           "\"heads\": %zu, \"batch\": %zu, \"threads\": %d, \"loss\": \"%s\", "
           "\"epochs_run\": %zu, \"best_epoch\": %zu, \"train_seconds\": %.2f, "
           "\"seconds_per_epoch\": %.3f, \"cpu_seconds_per_epoch\": %.3f, "
           "\"eval_seconds\": %.2f, \"flops_per_epoch\": %.4g, "
           "\"gflops\": %.2f, \"valid_ndcg@10\": %.5f, \"excluded_seen\": false",
           users.n, items.n, x.n, r.train_positions, o.net.maxlen, o.net.dim, o.net.blocks,
           o.net.heads, o.batch, o.threads, o.loss ? "sampled" : "softmax", r.epochs_run,
           r.best_epoch, r.train_seconds, r.seconds_per_epoch,
           r.train_cpu_seconds / (double)r.epochs_run, r.eval_seconds,
           r.flops_per_epoch, r.flops_per_epoch * r.epochs_run / r.train_cpu_seconds * 1e-9,
           r.valid_ndcg10);
    for (int k = 0; k < SEER_SASREC_CUTOFFS; k++)
        printf(", \"hr@%zu\": %.5f, \"ndcg@%zu\": %.5f", r.cutoff[k], r.hr[k], r.cutoff[k],
               r.ndcg[k]);
    printf("}\n");
    free(item);
    free(rest);
    free(off);
    free(seq);
    seer_interactions_free(&x);
    seer_idmap_free(&users);
    seer_idmap_free(&items);
    return 0;
}
