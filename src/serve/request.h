// Rows of a request body, as JSON objects keyed by column name, encoded with
// a model's transform exactly as `seer predict` encodes a text row: a missing
// key or null is a missing value, a number or a string is the value's text,
// unseen values map as in predict. Only file that parses request JSON.
//
// A number becomes the shortest text that reads back as the same double
// ("3" for 3, "0.5" for 0.5, "1e+21"), which is what a CSV holding that
// number says; integers beyond 2^53 lose digits in JSON parsing, so send such
// ids as strings. Keys that name no column are ignored, as extra CSV columns are.
#ifndef SEER_SERVE_REQUEST_H
#define SEER_SERVE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "data/transform.h"

// Encodes one JSON object given as text (json, len bytes, need not be
// NUL-terminated) into ids (n_slots), dense (n_dense) and *y (NAN when the object
// has no label key; need_label makes that an error). SEER_EDATA with a message
// naming the key on malformed JSON, a non-object, a wrong type (an array or
// object as a value, a bool outside the label), or a value the transform
// rejects. The label is the key named as the transform's label column, or
// "label"; it may be 0, 1, true or false.
int seer_request_encode_row(const seer_transform *t, const char *json, size_t len,
                            int need_label, uint32_t *ids, float *dense, float *y);

// Encoded rows of one request. Buffers grow as needed and may be reused for the
// next request by the same thread; zero it to start, seer_request_rows_free at the end.
typedef struct {
    size_t n;            // rows encoded
    size_t cap;          // rows of room in the buffers
    uint32_t *ids;       // (cap, n_slots)
    float *dense;        // (cap, n_dense)
    float *y;            // (cap) labels, NAN where absent
    int too_many;        // set with SEER_EDATA when the body held more than max_rows rows
} seer_request_rows;

void seer_request_rows_free(seer_request_rows *r);

// {"rows": [{...}, ...]}: each row encoded in order. SEER_EDATA naming the key
// or the row index ("rows[3]: ...") on a malformed body; more than max_rows rows
// is SEER_EDATA with out->too_many set. SEER_ENOMEM without memory.
int seer_request_predict(const seer_transform *t, const char *body, size_t len, size_t max_rows,
                         seer_request_rows *out);

// {"user": {...}, "candidates": [{...}, ...]}: one row per candidate, the
// user's keys merged with the candidate's (the candidate's win). "user" may be
// absent or null. Errors as seer_request_predict, naming "candidates[i]".
int seer_request_rank(const seer_transform *t, const char *body, size_t len, size_t max_rows,
                      seer_request_rows *out);

// The events of {"events": [{...}, ...]}, each as the unformatted JSON text of its object.
typedef struct {
    size_t n;
    char **text;   // (n) NUL-terminated, owned
    size_t *len;   // (n)
    int too_many;  // set with SEER_EDATA when the body held more than max_events events
} seer_request_events;

// Splits the body into the text of each event object (checked to be an object; the
// columns are checked by whoever encodes them). Errors as seer_request_predict.
int seer_request_events_parse(const char *body, size_t len, size_t max_events,
                              seer_request_events *out);
void seer_request_events_free(seer_request_events *e);

// The body of an admin reload: empty, {} or {"path": "..."}. *path is a copy the
// caller frees, or NULL when no path was given. SEER_EDATA on anything else.
int seer_request_reload_path(const char *body, size_t len, char **path);

#endif
