// seer value: a value per user (future spend) from a transaction or event log.
//
// The log is cut at a date: every user with a transaction on or before the cutoff gets features
// from the records up to the cutoff only (recency, frequency, spend, tenure, gaps, trailing
// windows, event counts) and labels from the horizon after it (spend, transactions). All the
// records of a user on one day are one transaction; time is in weeks (days / 7), as the BG/NBD
// literature counts it. Users are split into training and test users by a hash of their id and
// the seed, so a user's side depends on nothing else. The learnt models (ZILN, MSE) train on the
// training users; BG/NBD with Gamma-Gamma spend, which uses no holdout data, is fitted on every
// user's calibration period; every model and the baseline "holdout spend = calibration spend"
// are scored on the test users.
#ifndef SEER_VALUE_H
#define SEER_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "seer.h"

typedef enum {
    SEER_VALUE_ZILN = 0,   // zero-inflated lognormal loss on an MLP (Wang, Liu and Miao 2019)
    SEER_VALUE_MSE = 1,    // squared error on the same MLP
    SEER_VALUE_BGNBD = 2,  // BG/NBD with Gamma-Gamma spend, by maximum likelihood
} seer_value_model;

// "ziln", "mse", "bgnbd"; NULL-terminated, indexed by seer_value_model.
extern const char *const seer_value_model_names[];

// The most distinct event types counted (the first ones met on or before the cutoff); the
// others are counted together as one more.
#define SEER_VALUE_EVENTS_MAX 16
// The largest amount a record may hold: sums over a user's records stay finite and exact
// enough in double.
#define SEER_VALUE_AMOUNT_MAX 1e12
// The most hidden layers of the MLP.
#define SEER_VALUE_HIDDEN_MAX 4

typedef struct {
    const char *path;              // the log: plain, gzip or zstd
    const char *const *columns;    // names of the file's columns when it has no header, or NULL:
    size_t n_columns;              // the first line is the header
    char sep;                      // ',' '\t', any byte; ' ' splits at runs of spaces and tabs
    const char *user, *time;       // the user and date columns (required)
    const char *amount;            // the spend column, or NULL: each transaction is worth 1
    const char *event;             // the event type column, or NULL
    int32_t cutoff;                // the last day of the calibration period (days since 1970)
    int32_t horizon;               // the days after it the labels are taken from (> 0)
    seer_value_model model;
    double test_frac;              // [0, 1): 0 scores every user (the learnt models in-sample)
    uint64_t seed;
    size_t epochs, batch;          // the MLP's training (defaults 60, 256)
    double lr;                     // Adam's step (1e-3)
    size_t hidden[SEER_VALUE_HIDDEN_MAX], n_hidden;  // (64, 32)
    const char *output;            // users.csv to write, or NULL
    // ziln, mse: the trained MLP written to save_model (atomically); or, with load_model, the
    // MLP of such a file scores every user of the log (all are test users), trained on none
    // (model, the training settings and test_frac are ignored: the file fixes the network).
    const char *save_model, *load_model;
} seer_value_options;

// The value of one decile of the test users by prediction, highest first.
typedef struct {
    size_t n;
    double mean_pred, mean_actual;
} seer_value_decile;

typedef struct {
    size_t records, transactions;            // records read; user-days up to the horizon's end
    size_t users, train_users, test_users;   // users active on or before the cutoff
    // Scored on the test users against their holdout spend.
    double normalized_gini, spearman, decile_mape, top_decile_capture, rmse, mae;
    double baseline_normalized_gini, baseline_spearman;   // prediction = calibration spend
    double total_pred, total_actual;
    seer_value_decile deciles[10];
    // BG/NBD (fitted on every user) and Gamma-Gamma; NaN for the other models.
    double r, alpha, a, b, bgnbd_ll;
    double p, q, gamma;
    seer_value_model model;   // the model that scored (a loaded file's)
    // The MLP: epochs run and the best validation loss.
    size_t epochs_run;
    double valid_loss;
} seer_value_report;

// The defaults above, for the given model.
void seer_value_options_default(seer_value_options *o);

// Runs o: reads the log, builds the users, fits the model, scores the test users into *r and
// writes o->output (user, value, repeat probability, segment, test) atomically. A malformed
// record is SEER_EDATA naming file:line:column; a bad option SEER_EINVAL; I/O SEER_EIO.
int seer_value_run(const seer_value_options *o, seer_value_report *r);

// "YYYYMMDD" or ISO 8601 ("YYYY-MM-DD", with an optional time after 'T' or ' ', ignored) as days
// since 1970-01-01 into *day. SEER_EDATA for anything else (the message quotes the text).
int seer_value_date_parse(const char *s, size_t len, int32_t *day);
// "39w" or "273d" (whole weeks or days, > 0, at most 100 years) as days. SEER_EINVAL otherwise.
int seer_value_horizon_parse(const char *s, int32_t *days);

#endif
