// Users from a log (users.h says which features and why the split is a hash).
#include "value/users.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"

typedef struct {
    uint32_t user;
    int32_t day;
    uint32_t rec;
} key;

// A user's transactions up to the cutoff, oldest first.
typedef struct {
    int32_t *day;    // (k)
    double *spend;   // (k)
    size_t k, records;
    double events[SEER_VALUE_EVENTS_MAX + 1];  // records per event type, the others last
} history;

static int by_user_day(const void *pa, const void *pb) {
    const key *a = pa, *b = pb;
    if (a->user != b->user) return a->user < b->user ? -1 : 1;
    if (a->day != b->day) return a->day < b->day ? -1 : 1;
    return (a->rec > b->rec) - (a->rec < b->rec);
}

int seer_value_user_in(const char *name, uint64_t seed, uint64_t salt, double frac) {
    uint64_t h = seer_hash_bytes(name, strlen(name), seer_mix64(seed) ^ salt);
    return (double)(h >> 11) * (1.0 / 9007199254740992.0) < frac;
}

static float lg(double v) { return (float)log1p(v); }

// Gaps between transactions: mean, standard deviation and last, in weeks (0 without).
static void gaps(const history *h, float *x) {
    double s = 0, s2 = 0, last = 0;
    size_t n = h->k ? h->k - 1 : 0;
    for (size_t i = 1; i < h->k; i++) {
        double g = (h->day[i] - h->day[i - 1]) / 7.0;
        s += g, s2 += g * g, last = g;
    }
    double mean = n ? s / (double)n : 0, var = n ? s2 / (double)n - mean * mean : 0;
    x[0] = (float)mean;
    x[1] = (float)sqrt(var > 0 ? var : 0);
    x[2] = (float)last;
    x[3] = (float)(last - mean);
}

// The features of users.h from h (k >= 1) into x (F).
static void features(float *x, const history *h, int32_t cutoff, size_t n_events) {
    double total = 0, max = 0;
    for (size_t i = 0; i < h->k; i++)
        total += h->spend[i], max = h->spend[i] > max ? h->spend[i] : max;
    double T = (cutoff - h->day[0]) / 7.0;
    x[0] = lg((double)h->k);
    x[1] = (float)(h->k - 1);
    x[2] = (float)((cutoff - h->day[h->k - 1]) / 7.0);
    x[3] = (float)T;
    x[4] = (float)((h->day[h->k - 1] - h->day[0]) / 7.0);
    x[5] = lg(total);
    x[6] = lg(total / (double)h->k);
    x[7] = lg(max);
    x[8] = lg(h->spend[0]);
    x[9] = lg(h->spend[h->k - 1]);
    gaps(h, x + 10);
    x[14] = (float)(T > 0 ? (double)(h->k - 1) / T : 0);
    x[15] = lg((double)h->records);
    static const int weeks[] = {4, 13, 26, 52};
    for (int w = 0; w < 4; w++) {
        double c = 0, s = 0;
        for (size_t i = 0; i < h->k; i++)
            if (h->day[i] > cutoff - 7 * weeks[w]) c++, s += h->spend[i];
        x[16 + 2 * w] = lg(c);
        x[17 + 2 * w] = lg(s);
    }
    for (size_t e = 0; n_events && e <= n_events; e++) x[24 + e] = lg(h->events[e]);
}

static int alloc_users(seer_value_users *u, size_t cap) {
    u->log_user = malloc(cap * sizeof *u->log_user);
    u->x = malloc(cap * u->F * sizeof *u->x);
    double **d[] = {&u->cal_spend, &u->hold_spend, &u->hold_tx, &u->freq, &u->t_x, &u->T,
                    &u->m_x};
    int ok = u->log_user && u->x;
    for (size_t i = 0; i < sizeof d / sizeof *d; i++)
        ok &= (*d[i] = malloc(cap * sizeof **d[i])) != 0;
    u->test = malloc(cap);
    return ok && u->test ? SEER_OK : seer_errorf(SEER_ENOMEM, "out of memory for %zu users", cap);
}

// The user whose sorted records are k[0, n): appended to u when active by the cutoff.
static void add_user(seer_value_users *u, const seer_value_log *log, const key *k, size_t n,
                     int32_t cutoff, int32_t horizon, history *h) {
    h->k = h->records = 0;
    memset(h->events, 0, sizeof h->events);
    double hold = 0, hold_tx = 0;
    for (size_t i = 0; i < n; i++) {
        double a = log->amount[k[i].rec];
        int new_day = i == 0 || k[i].day != k[i - 1].day;
        u->transactions += new_day && k[i].day <= cutoff + horizon;
        if (k[i].day > cutoff) {
            if (k[i].day <= cutoff + horizon) hold += a, hold_tx += new_day;
            continue;
        }
        if (new_day) h->day[h->k] = k[i].day, h->spend[h->k++] = 0;
        h->spend[h->k - 1] += a;
        h->records++;
        int e = log->event[k[i].rec];
        h->events[e < 0 ? log->n_events : (size_t)e]++;
    }
    if (h->k == 0) return;
    size_t j = u->n++;
    u->log_user[j] = k[0].user;
    features(u->x + j * u->F, h, cutoff, log->n_events);
    double rep = 0;
    for (size_t i = 1; i < h->k; i++) rep += h->spend[i];
    u->cal_spend[j] = rep + h->spend[0];
    u->hold_spend[j] = hold;
    u->hold_tx[j] = hold_tx;
    u->freq[j] = (double)(h->k - 1);
    u->t_x[j] = (h->day[h->k - 1] - h->day[0]) / 7.0;
    u->T[j] = (cutoff - h->day[0]) / 7.0;
    u->m_x[j] = h->k > 1 ? rep / (double)(h->k - 1) : 0;
}

int seer_value_users_build(seer_value_users *u, const seer_value_log *log, int32_t cutoff,
                           int32_t horizon, double test_frac, uint64_t seed) {
    memset(u, 0, sizeof *u);
    u->F = SEER_VALUE_BASE_FEATURES + (log->n_events ? log->n_events + 1 : 0);
    key *k = malloc(log->n * sizeof *k);
    history h = {malloc(log->n * sizeof *h.day), malloc(log->n * sizeof *h.spend), 0, 0, {0}};
    int rc = k && h.day && h.spend
                 ? alloc_users(u, log->n_users)
                 : seer_errorf(SEER_ENOMEM, "out of memory for %zu records", log->n);
    for (size_t i = 0; !rc && i < log->n; i++)
        k[i] = (key){log->user[i], log->day[i], (uint32_t)i};
    if (!rc) qsort(k, log->n, sizeof *k, by_user_day);
    for (size_t b = 0, e; !rc && b < log->n; b = e) {
        for (e = b + 1; e < log->n && k[e].user == k[b].user;) e++;
        add_user(u, log, k + b, e - b, cutoff, horizon, &h);
    }
    for (size_t i = 0; !rc && i < u->n; i++)
        u->test[i] =
            (uint8_t)seer_value_user_in(log->user_names[u->log_user[i]], seed, 0, test_frac);
    if (!rc && u->n == 0)
        rc = seer_errorf(SEER_EDATA, "no user has a record on or before the cutoff");
    free(k);
    free(h.day);
    free(h.spend);
    if (rc) seer_value_users_free(u);
    return rc;
}

void seer_value_users_free(seer_value_users *u) {
    free(u->log_user);
    free(u->x);
    free(u->cal_spend);
    free(u->hold_spend);
    free(u->hold_tx);
    free(u->freq);
    free(u->t_x);
    free(u->T);
    free(u->m_x);
    free(u->test);
    memset(u, 0, sizeof *u);
}
