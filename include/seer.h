// seer: value predictions and recommendations from behaviour data.
//
// The public API, small on purpose: train a model from a file, load a model,
// score rows of a file, evaluate. Every function that can fail returns SEER_OK (0) or a
// negative seer_error and records a message for seer_error_message().
#ifndef SEER_H
#define SEER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// The codes every function returns. The values are stable.
typedef enum {
    SEER_OK = 0,
    SEER_EINVAL = -1,     // invalid argument (an option, a name, a NULL handle)
    SEER_EDATA = -2,      // bad input data (a malformed row, a value a column cannot take)
    SEER_EIO = -3,        // input/output failure (a missing file, a full disk)
    SEER_ENOMEM = -4,     // out of memory
    SEER_EINTERNAL = -5,  // internal error
} seer_error;

// The message of the last error on this thread: what failed and where (file:line:column,
// the option, the key), "" when none was recorded.
const char *seer_error_message(void);
// A short description of the code: "invalid argument", "bad input data", ...; "unknown error"
// for a value that is no seer_error.
const char *seer_strerror(int rc);
// The exit status a command-line program gives for rc: 0 for SEER_OK, 1 invalid argument,
// 2 bad data, 3 I/O failure, 4 out of memory, internal error or an unknown code.
int seer_error_exit_code(int rc);

// The layouts of data files. The values are stored in model files: append, never renumber.
typedef enum {
    SEER_FORMAT_AUTO,    // CSV or TSV, the separator sniffed from the header line: tab if it
                         // has one, else comma, else ';', else '|', else comma (one column)
    SEER_FORMAT_CSV,     // comma separated, header line, RFC 4180 quoting
    SEER_FORMAT_TSV,     // tab separated, header line, RFC 4180 quoting
    SEER_FORMAT_CRITEO,  // tab separated, no header: label, I1..I13, C1..C26; no quoting
    SEER_FORMAT_LIBFM,   // libFM / NFM: "label idx:val idx:val ...", each pair one
                         // categorical field F1 .. Fk; every value must be 1
} seer_format;

// The networks seer trains (README, "Using seer", Models).
typedef enum {
    SEER_MODEL_LR,        // logistic regression
    SEER_MODEL_MLP,       // embeddings and a ReLU stack
    SEER_MODEL_FM,        // factorisation machine
    SEER_MODEL_WDL,       // wide and deep
    SEER_MODEL_DEEPFM,
    SEER_MODEL_DCNV2,     // deep and cross network v2
    SEER_MODEL_FINALMLP,  // two gated MLP streams and a bilinear fusion
} seer_model_kind;

typedef struct seer_model seer_model;

// Loads a model file for scoring up to batch_cap rows at a time (0: 1024).
int seer_model_load(seer_model **out, const char *path, size_t batch_cap);
int seer_model_save(const seer_model *m, const char *path);
void seer_model_free(seer_model *m);

// Scores every row of a CSV/TSV file (format 0 = sniff, 3 = Criteo layout)
// into scores, which the caller frees; *n gets the row count.
int seer_model_score_file(seer_model *m, const char *path, int format, float **scores, size_t *n);

#ifdef __cplusplus
}
#endif

#endif
