// seer: value predictions and recommendations from behaviour data.
//
// The public API, small on purpose: train a model from a file, load a model,
// score rows of a file, evaluate. Every function returns 0 or a negative code
// (SEER_EINVAL -1, SEER_EDATA -2, SEER_EIO -3, SEER_ENOMEM -4,
// SEER_EINTERNAL -5) and records a message for seer_error_message().
#ifndef SEER_H
#define SEER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct seer_model seer_model;

// The message of the last error on this thread.
const char *seer_error_message(void);

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
