// The log record of one online event: the values of its columns by name, as the
// request parser read them, written once when the event is accepted and read back
// by the learner without JSON. Little-endian, lengths in bytes:
//
//    0  u8   kind: SEER_EVENT_VALUES
//    1  u32  label length, then the label's text ("1", "0", "0.25", ...)
//       u32  n, the values that follow; then n times:
//       u32  name length, the column's name, u32 value length, the value's text
//
// A value is the text the transform reads for the column: a string as sent, a number
// as its shortest round-tripping text, an array joined by the column's separator.
// Columns without a value, ignored columns and keys that name no column are left out.
//
// A record of an older seer is the event's JSON text, which starts with '{' or white
// space, never with the kind byte: it is read through seer_request_encode_row, so a log
// written before this form still replays.
//
// Key decision: raw values by column name, not encoded ids. A reload may swap in a model
// with another transform (other vocabularies, hash seeds, columns) between logging and
// learning; values by name are encoded by the learner's own transform whatever it is,
// where ids would be right only for the model they were encoded for. The learner's
// encoding is the one the event's JSON would get under the same transform, except that
// a column the logging model did not have is missing (the JSON text kept every key).
#ifndef SEER_SERVE_EVENT_H
#define SEER_SERVE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/text.h"
#include "data/transform.h"

// The first byte of a record of values (JSON never starts with it).
#define SEER_EVENT_VALUES 0x01
// The first byte of a sequence event of a recommender (sasrec): the user read an item.
//    0  u8   kind: SEER_EVENT_SEQ
//    1  u32  user length, the user's id, u32 item length, the item's id
#define SEER_EVENT_SEQ 0x02

// Appends the record of one row to out: field[j], len[j] are the texts of t's
// columns (empty: no value), the label's among them. out->failed on no memory.
void seer_event_write(seer_text *out, const seer_transform *t, char *const *field,
                      const size_t *len);

// Appends the record of a sequence event (user, item) to out. out->failed on no memory.
void seer_event_seq_write(seer_text *out, const char *user, size_t user_len, const char *item,
                          size_t item_len);
// The user and item of a sequence event's record rec[0..n), copied NUL-terminated into buf
// (room for n bytes): *user and *item point into it. SEER_EDATA naming the byte of a
// malformed record or an id holding a NUL.
int seer_event_seq_read(const char *rec, size_t n, char *buf, const char **user,
                        const char **item);

// What reading records needs, grown as needed; zero it to start.
typedef struct {
    long *map;          // (cap_cols)
    char **field;       // (cap_cols)
    size_t *len;        // (cap_cols)
    size_t cap_cols;
    seer_text values;   // the record's texts, each with its NUL
    size_t *at;         // (cap_cols) where a column's text starts in values
} seer_event_reader;

// Encodes the record rec[0..n) (either form) with t into ids (n_slots), dense (n_dense)
// and *y. SEER_EDATA naming the byte of a malformed record, or the key or value t
// rejects; SEER_ENOMEM.
int seer_event_encode(seer_event_reader *r, const seer_transform *t, const char *rec, size_t n,
                      uint32_t *ids, float *dense, float *y);
void seer_event_reader_free(seer_event_reader *r);

#endif
