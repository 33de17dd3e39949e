// The records of a transaction or event log, held in memory: a user, a day, an amount and an
// event type each. Users and event types are interned (index = order of first appearance).
//
// The file is split at a separator without quoting (CDNOW's whitespace, a plain CSV); a line's
// fields must be exactly the columns named by --columns or the header. Event types are interned
// from the records on or before the cutoff only, so that the records after it change nothing
// the features see.
#ifndef SEER_VALUE_LOG_H
#define SEER_VALUE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "data/source.h"
#include "seer/value.h"

typedef struct {
    size_t n, cap;          // records
    uint32_t *user;         // (n) user index
    int32_t *day;           // (n) days since 1970
    double *amount;         // (n) >= 0 (1 without an amount column)
    int8_t *event;          // (n) event type index, -1 for none or one past the first ones
    size_t n_users, users_cap;
    char **user_names;      // (n_users) NUL-terminated
    uint32_t *slots;        // open-addressing table of user index + 1, 0 empty
    size_t n_slots;         // a power of two, kept at least twice n_users
    size_t n_events;        // <= SEER_VALUE_EVENTS_MAX
    char *event_names[SEER_VALUE_EVENTS_MAX];
    size_t lines;           // lines read, the header included
} seer_value_log;

// Reads o->path as o says (columns, sep, user, time, amount, event, cutoff for the event types),
// at most UINT32_MAX - 1 records.
// SEER_EDATA names file:line:column; an unknown column name is SEER_EINVAL.
int seer_value_log_read(seer_value_log *log, const seer_value_options *o);
// The same from an open source (o->path names it in messages); the caller closes src.
int seer_value_log_read_source(seer_value_log *log, seer_source *src,
                               const seer_value_options *o);
void seer_value_log_free(seer_value_log *log);

#endif
