// seer: knowledge tracing. A recommender trained on `--format kt` answer sequences
// (seer_rec_train with format SEER_FORMAT_KT, kind SEER_REC_SASREC) predicts whether a
// learner answers an exercise correctly from the exercises and answers before it. These
// functions evaluate such a model (AUC over every answer of a file) and propose a learner's
// next exercises by the "desirable difficulty" rule. The generic recommender calls
// (seer_rec_recommend, seer_rec_eval) refuse a knowledge-tracing model.
#ifndef SEER_KT_H
#define SEER_KT_H

#include <stddef.h>
#include <stdint.h>

#include "seer.h"
#include "seer/recommend.h"

#ifdef __cplusplus
extern "C" {
#endif

// The width of a knowledge-tracing model that the command line trains when neither --dim nor
// --hidden is given (seer_rec_train_options' dim is the caller's to set; the recommenders'
// default of 64 is narrower than measured best for this task).
#define SEER_KT_DIM 96

// 1 when r traces knowledge (its model file's setting "kt"), else 0.
int seer_rec_is_kt(const seer_recommender *r);

typedef struct {
    size_t students, answers;        // of the file
    size_t unknown_problems;         // answers on problems training never saw
    size_t unknown_skills;
    double auc;                      // over every answer, each predicted from the answers
    double accuracy;                 // before it in its window of maxlen; P >= 0.5 as correct
    double logloss;
    double seconds;
} seer_kt_eval_report;

// Evaluates r on the `--format kt` file at path.
int seer_kt_eval(const seer_recommender *r, const char *path, seer_kt_eval_report *out);

typedef struct {
    const char *item;    // the problem's id, valid while the model lives
    unsigned long skill; // the skill it had most often in training (its id in the file)
    float p;             // predicted P(correct) as the user's next answer
} seer_kt_item;

typedef struct {
    size_t history;      // the user's answers in the model
    size_t mastered;     // skills mastered: the last 3 answers of the skill all correct
    size_t candidates;   // problems scored: not answered before, skill not mastered
    size_t in_band;      // of those, with P in the band
} seer_kt_recommend_report;

// Up to k (<= 10000) problems for user whose predicted success lies in [lo, hi] (0 <= lo <=
// hi <= 1), closest to the band's middle first; problems the user answered before and
// problems of mastered skills are left out. *n gets how many. SEER_EINVAL for an unknown
// user or a bad band.
int seer_kt_recommend(const seer_recommender *r, const char *user, double lo, double hi,
                      size_t k, seer_kt_item *items, size_t *n, seer_kt_recommend_report *rep);

#ifdef __cplusplus
}
#endif

#endif
