// One row per user from a log: features from the records on or before the cutoff only, labels
// from the horizon after it, the BG/NBD summary (x, t_x, T, m_x) and the user's side of the
// split.
//
// A transaction is a user's day: the records of one user on one day are summed into one. Time
// is in weeks (days / 7). The features (in this order; "log" is log(1 + v)):
//
//   0 log transactions        1 repeat transactions x     2 weeks since the last (recency)
//   3 weeks since the first   4 t_x: weeks first to last   5 log spend
//   6 log mean spend          7 log largest spend          8 log first spend
//   9 log last spend         10 mean gap (weeks)          11 gap standard deviation
//  12 last gap               13 gap trend: last - mean    14 x / weeks since the first
//  15 log records           16.. log transactions and log spend in the trailing 4, 13, 26 and
//  52 weeks (8 features), then with --event the log count of records of each event type and of
//  the other types (n_events + 1).
//
// A user's side of the split is a hash of the user id and the seed, so adding, removing or
// changing other users (or any record after the cutoff) moves no one.
#ifndef SEER_VALUE_USERS_H
#define SEER_VALUE_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "value/log.h"

#define SEER_VALUE_BASE_FEATURES 24

typedef struct {
    size_t n, F;             // users active on or before the cutoff; features
    uint32_t *log_user;      // (n) the user's index in the log
    float *x;                // (n, F) features
    double *cal_spend;       // (n) spend on or before the cutoff (the first transaction's too)
    double *hold_spend;      // (n) spend in (cutoff, cutoff + horizon]: the label
    double *hold_tx;         // (n) transactions in the horizon
    double *freq, *t_x, *T;  // (n) BG/NBD's x (repeat transactions), t_x and T in weeks
    double *m_x;             // (n) mean spend of the repeat transactions (0 without)
    uint8_t *test;           // (n) 1: a test user
    size_t transactions;     // user-days up to the horizon's end
} seer_value_users;

// Builds u from log. test_frac in [0, 1). SEER_ENOMEM, SEER_EDATA when no user is active on or
// before the cutoff.
int seer_value_users_build(seer_value_users *u, const seer_value_log *log, int32_t cutoff,
                           int32_t horizon, double test_frac, uint64_t seed);
void seer_value_users_free(seer_value_users *u);

// 1 when the hash of name and seed puts the user among the test users (frac in [0, 1)); salt
// draws an independent split of the same users (the MLP's validation users).
int seer_value_user_in(const char *name, uint64_t seed, uint64_t salt, double frac);

#endif
