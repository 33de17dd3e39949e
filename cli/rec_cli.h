// The recommender commands: seer train and seer eval hand over to them when the command line
// or the model file is a recommender's; seer recommend is theirs alone.
#ifndef SEER_CLI_REC_CLI_H
#define SEER_CLI_REC_CLI_H

#include <stddef.h>

#include "options.h"

// 1 when a seer train command line asks for a recommender (--model pop|mf|bpr|ease|twotower
// or --format movielens).
int seer_cli_is_rec_train(int argc, char **argv);
// 1 when the first operand of a command line is a recommender's model file.
int seer_cli_is_rec_model(int argc, char **argv);
int seer_cmd_train_rec(int argc, char **argv);
int seer_cmd_eval_rec(int argc, char **argv);
// Knowledge tracing (kt_cli.c): seer eval of a kt model on a --format kt file; --target's
// "LO-HI" into band (1 with a usage message when malformed); a learner's next exercises.
typedef struct seer_recommender seer_recommender;
int seer_cli_eval_kt(const seer_recommender *r, const char *path, int json);
int seer_cli_parse_band(const char *s, double band[2]);
int seer_cli_recommend_kt(const seer_recommender *r, const char *user, size_t k,
                          const double band[2], int json);
int seer_cmd_recommend(int argc, char **argv);

// A number or a count in [lo, hi], else a usage error naming opt (1).
int seer_cli_real_in(const char *opt, const char *s, double lo, double hi, double *out);
int seer_cli_count_in(const char *opt, const char *s, size_t lo, size_t hi, size_t *out);
// s as a JSON string on stdout.
void seer_cli_json_string(const char *s);

extern const seer_cli_command seer_cli_train_rec_command, seer_cli_eval_rec_command,
    seer_cli_recommend_command;

#endif
