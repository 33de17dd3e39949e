// The settings text of a training run (seer.h: seer_train_settings): what fixes the model,
// its training and its data, one "--option value" a line in seer train's words (DATA and
// --valid as their fingerprints). A checkpoint records it; a resumed run must have every line
// the same (seer_train_run names the first that differs). Left out, free to change: --threads,
// --checkpoint, --checkpoint-every, --max-steps, --cache, --json, -o. The text is compared
// with checkpoints written before, so it must not change by a byte.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/crc32c.h"
#include "base/error.h"
#include "seer/files.h"

// "A,B" of a list option; a long list, or one with a line break (the settings are lines), as
// its length and checksum.
static void list_text(char *buf, size_t cap, const char *const *names, size_t n) {
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && k < cap; i++) {
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? "," : "", names[i]);
        if (strchr(names[i], '\n')) k = cap;
    }
    if (k >= cap) {
        uint32_t crc = 0;
        for (size_t i = 0; i < n; i++) crc = seer_crc32c(crc, names[i], strlen(names[i]) + 1);
        snprintf(buf, cap, "%zu names, crc32c %08x", n, crc);
    }
}

static void widths_text(char *buf, size_t cap, const size_t *w, size_t n) {
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%zu", i ? "," : "", w[i]);
}

const char *const seer_cache_names[] = {"off", "on", "auto", NULL};
const char *const seer_precision_names[] = {"fp32", "bf16", NULL};
const char *const seer_optimiser_names[] = {"adam", "adagrad", NULL};
const char *const seer_early_stop_names[] = {"auc", "logloss", NULL};
const char *const seer_pooling_names[] = {"mean", "sum", NULL};
const char *const seer_bucket_encoding_names[] = {"embedding", "linear", NULL};
const char *const seer_dcn_structure_names[] = {"parallel", "stacked", NULL};
const char *const seer_calibration_names[] = {"none", "platt", "isotonic", NULL};
const char *const seer_task_names[] = {"binary", "regression", "ziln", NULL};

int seer_train_settings(const seer_train_options *o, char *buf, size_t cap) {
    if (!o || !buf) return seer_errorf(SEER_EINVAL, "seer_train_settings: a NULL argument");
    const char *model = seer_model_kind_name(o->model), *label_name = o->label;
    if (!label_name && (o->format == SEER_FORMAT_CRITEO || o->format == SEER_FORMAT_LIBFM))
        label_name = "label";
    if (!model || !label_name || !o->data)
        return seer_errorf(SEER_EINVAL, "seer_train_settings: no %s given",
                           !model ? "model kind" : !label_name ? "label column" : "data file");
    char data[128], valid[128] = "none", label[512], hidden[256], hidden2[256], lists[4][512];
    int rc = seer_file_fingerprint(o->data, data, sizeof data);
    struct stat vs;
    // A --valid stream is read once and cannot be fingerprinted.
    if (o->valid_path && stat(o->valid_path, &vs) == 0 && !S_ISREG(vs.st_mode))
        snprintf(valid, sizeof valid, "a stream, not checked");
    else if (rc == SEER_OK && o->valid_path)
        rc = seer_file_fingerprint(o->valid_path, valid, sizeof valid);
    if (rc != SEER_OK) return rc;
    list_text(label, sizeof label, &label_name, 1);
    widths_text(hidden, sizeof hidden, o->hidden, o->n_hidden);
    widths_text(hidden2, sizeof hidden2, o->hidden2, o->n_hidden2);
    list_text(lists[0], sizeof lists[0], o->ignore, o->n_ignore);
    list_text(lists[1], sizeof lists[1], o->categorical, o->n_categorical);
    list_text(lists[2], sizeof lists[2], o->numeric, o->n_numeric);
    list_text(lists[3], sizeof lists[3], o->multi, o->n_multi);
    // The run's settings left to the data are "auto": chosen alike from the same data.
    char epochs[32] = "auto", batch[32] = "auto", lr[32] = "auto", patience[32] = "auto";
    if (o->epochs != SEER_AUTO) snprintf(epochs, sizeof epochs, "%zu", o->epochs);
    if (o->batch != SEER_AUTO) snprintf(batch, sizeof batch, "%zu", o->batch);
    if (o->lr != SEER_AUTO_REAL) snprintf(lr, sizeof lr, "%.7g", (double)o->lr);
    if (o->patience != SEER_AUTO) snprintf(patience, sizeof patience, "%zu", o->patience);
    int k = snprintf(buf, cap,
        "DATA %s\n--valid %s\n--label %s\n--format %s\n--skip-bad-rows %s\n--model %s\n"
        "--hidden %s\n--hidden2 %s\n--heads %zu\n--gate-hidden %zu\n--emb-dim %zu\n"
        "--cross-layers %zu\n--dcn-structure %s\n--dropout %.7g\n--epochs %s\n--batch %s\n"
        "--optim %s\n--lr %s\n--precision %s\n--seed %llu\n--valid-frac %.15g\n"
        "--patience %s\n--early-stop %s\n--ignore %s\n--categorical %s\n--numeric %s\n"
        "--multi %s\n--buckets %zu\n--min-count %zu\n--max-tokens %zu\n--pooling %s\n"
        "--hash-buckets %zu\n--hash-shared %s\n",
        data, valid, label, seer_format_names[o->format], o->skip_bad_rows ? "on" : "off",
        model, hidden, hidden2, o->heads, o->gate_hidden, o->emb_dim, o->cross_layers,
        seer_dcn_structure_names[o->stacked], (double)o->dropout, epochs, batch,
        seer_optimiser_names[o->adagrad], lr, seer_precision_names[o->bf16],
        (unsigned long long)o->seed, o->valid_path ? 0.0 : o->valid_frac, patience,
        seer_early_stop_names[o->stop_on_logloss], lists[0], lists[1], lists[2], lists[3],
        o->buckets, o->min_count, o->max_tokens, seer_pooling_names[o->pool_sum],
        o->hash_buckets, o->hash_shared ? "on" : "off");
    // Only a given --l2 has a line, so that the text of a run without one is as it was.
    if (k > 0 && (size_t)k < cap && o->l2 != SEER_AUTO_REAL)
        k += snprintf(buf + k, cap - (size_t)k, "--l2 %.7g\n", (double)o->l2);
    // Only another task than binary has a line, so that a binary run's text is as it was.
    if (k > 0 && (size_t)k < cap && o->task > SEER_TASK_BINARY && o->task <= SEER_TASK_ZILN)
        k += snprintf(buf + k, cap - (size_t)k, "--task %s\n", seer_task_names[o->task]);
    // Embedded buckets have no line, so a checkpoint of an older seer reads as it was; the
    // model's choice is "auto", which a resumed run takes from its checkpoint's transform.
    if (k > 0 && (size_t)k < cap && o->bucket_ple)
        k += snprintf(buf + k, cap - (size_t)k, "--bucket-encoding %s\n",
                      o->bucket_ple < 0 ? "auto" : seer_bucket_encoding_names[1]);
    // Only an --average other than the model's default has a line (the default: left to the
    // data for an mlp, none for the others), so that a checkpoint of an older seer reads as it
    // was; a resumed run without --average averages as its checkpoint did.
    int average_default = o->model == SEER_MODEL_MLP ? o->average_decay == SEER_AUTO_REAL
                                                     : o->average_decay == 0;
    if (k > 0 && (size_t)k < cap && !average_default)
        k += snprintf(buf + k, cap - (size_t)k, "--average %.7g\n", o->average_decay);
    if (k > 0 && (size_t)k < cap && o->pos_weight != 1)
        k += snprintf(buf + k, cap - (size_t)k, "--pos-weight %.7g\n", (double)o->pos_weight);
    SEER_ASSERT(k > 0);
    // Every list above is bounded, so SEER_CHECKPOINT_SETTINGS_MAX always holds the text.
    if ((size_t)k >= cap)
        return seer_errorf(SEER_EINVAL, "seer_train_settings: the text takes %d bytes, more "
                           "than the %zu given", k + 1, cap);
    return SEER_OK;
}
