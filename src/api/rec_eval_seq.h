// seer_rec_eval's path for `--format seq` files (rec_eval_seq.c): leave-one-out next-item
// metrics of a sasrec model on the file's sequences.
#ifndef SEER_API_REC_EVAL_SEQ_H
#define SEER_API_REC_EVAL_SEQ_H

#include "rec/model.h"

// out's hr, ndcg (recall = hr: one relevant item a user), cutoffs, users_evaluated,
// interactions, unknown_items and skipped; mrr NAN. SEER_EINVAL for another kind; SEER_EDATA
// for a bad file or one without a user of 3 items; SEER_EIO; SEER_ENOMEM.
int seer_rec_eval_seq(const seer_rec_model *m, const seer_rec_eval_options *o,
                      seer_rec_eval_report *out);

#endif
