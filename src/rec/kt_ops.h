// Knowledge tracing as a recommender model (rec/model.h): `seer train FILE --format kt
// --model sasrec` keeps a sasrec model whose setting "kt" is 1 and whose ops are
// seer_rec_kt_ops. The model's users are the students, its items the problems (ids as the
// file spells them), each user's history its problems in answer order; beside sasrec's
// "sasrec" parameter it holds "kt" (the head, rec/kt.h), "kt_skill" and "kt_answer" (1, the
// history's length: each answer's skill row and 0/1) and "kt_item_skill" (1, n_items: the
// skill row a problem had most often in training). Skill ids are rows below the setting
// "kt_skills" - 1; that last row stands for a skill training never saw, and problem row
// n_items for a problem it never saw (its difficulty 0: its skill's vector alone).
#ifndef SEER_REC_KT_OPS_H
#define SEER_REC_KT_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "rec/model.h"
#include "seer/kt.h"

#define SEER_KT_SKILL_MAX 100000u   // the largest skill id a model takes (tables are by id)

extern const seer_rec_ops seer_rec_kt_ops;

// 1 when m traces knowledge.
int seer_rec_is_kt_model(const seer_rec_model *m);
// Reads o->data (and o->valid) as `--format kt` files and trains m (kind sasrec, empty).
int seer_rec_kt_fit(seer_rec_model *m, const seer_rec_train_options *o, seer_rec_train_report *r);
// P(correct) of every answer of the file at path, and their AUC, accuracy and log loss.
int seer_rec_kt_eval(const seer_rec_model *m, const char *path, seer_kt_eval_report *out);
// The user's next exercises with P(correct) in [lo, hi] (kt.h of include/seer).
int seer_rec_kt_recommend(const seer_rec_model *m, long user, double lo, double hi, size_t k,
                          seer_kt_item *items, size_t *n, seer_kt_recommend_report *rep);

#endif
