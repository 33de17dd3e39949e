// Rows of a request body, as JSON objects keyed by column name, encoded with
// a model's transform exactly as `seer predict` encodes a text row: a missing
// key or null is a missing value, a number or a string is the value's text,
// unseen values map as in predict. Only file that parses request JSON.
//
// A number becomes the shortest text that reads back as the same double
// ("3" for 3, "0.5" for 0.5, "1e+21"), which is what a CSV holding that
// number says; integers beyond 2^53 lose digits in JSON parsing, so send such
// ids as strings.
//
// The request rules (predict, rank, events; not seer_request_encode_row, which
// the online learner also uses to read back an older seer's log): a key that names no column
// of the model is refused, naming it (lenient: ignored, as extra CSV columns are),
// and so is a row with a value for none of the model's input columns. A row with
// some columns missing is scored as before, and counted (n_missing). A body is one
// JSON value with nothing after it but white space, and no string holds a NUL.
#ifndef SEER_SERVE_REQUEST_H
#define SEER_SERVE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/text.h"
#include "data/transform.h"

// Points cJSON's allocations at seer_arena_malloc and seer_arena_free (serve/arena.h), which
// are malloc and free outside a request's parse; once per process, before threads parse JSON
// (the server calls it at start; the parsers below call it too).
void seer_request_init(void);

// Encodes one JSON object given as text (json, len bytes, need not be
// NUL-terminated) into ids (n_slots), dense (n_dense) and *y (NAN when the object
// has no label key; need_label makes that an error). SEER_EDATA with a message
// naming the key on malformed JSON, a non-object, a wrong type (an array or
// object as a value, a bool outside the label), or a value the transform
// rejects. The label is the key named as the transform's label column, or
// "label"; it may be 0, 1, true or false.
int seer_request_encode_row(const seer_transform *t, const char *json, size_t len,
                            int need_label, uint32_t *ids, float *dense, float *y);

// Encodes one event given as JSON text like seer_request_encode_row with need_label, into
// ids and dense (its label is checked), and appends its log record (event.h) to record.
int seer_request_event_record(const seer_transform *t, const char *json, size_t len,
                              uint32_t *ids, float *dense, seer_text *record);

// Rewrites the transform's message ("path:line:column: what") as "where: what", the message
// of a row the transform rejected; SEER_EDATA.
int seer_request_transform_error(const char *where);

// Encoded rows of one request. Buffers grow as needed and may be reused for the
// next request by the same thread, whatever model it is for; zero it to start (then
// set lenient, if wanted), seer_request_rows_free at the end.
typedef struct {
    size_t n;            // rows encoded
    uint32_t *ids;       // (n, n_slots)
    float *dense;        // (n, n_dense)
    float *y;            // (n) labels, NAN where absent
    size_t ids_cap, dense_cap, y_cap;   // elements of room in each buffer
    int lenient;         // in: keys that name no column are ignored, not refused
    size_t n_missing;    // rows with no value in some of the model's input columns
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

// The events of {"events": [{...}, ...]}, each as its log record (event.h).
typedef struct {
    size_t n;
    char **record;     // (n) owned
    size_t *len;       // (n)
    int too_many;      // set with SEER_EDATA when the body held more than max_events events
    int lenient;       // in: keys that name no column are ignored, not refused
    size_t n_missing;  // events with a value missing in some input column
} seer_request_events;

// Checks every event object with the request rules and encodes it (with its label) for t,
// as it is parsed, then keeps its log record (its column values, event.h). SEER_EDATA
// naming "events[i]" and the key; otherwise errors as seer_request_predict. Set
// out->lenient before the call.
int seer_request_events_parse(const seer_transform *t, const char *body, size_t len,
                              size_t max_events, seer_request_events *out);
void seer_request_events_free(seer_request_events *e);

// The events of a recommender's {"events": [{"user": ID, "item": ID}, ...]} (an ID a string or
// an integer, its digits), each as its sequence record (event.h); records[i] owned.
typedef struct {
    size_t n;
    char **record;     // (n)
    size_t *len;       // (n)
    int too_many;      // set with SEER_EDATA past max_events
} seer_request_seq_events;

// SEER_EDATA naming "events[i]" and the key on a malformed event (a missing or empty id, a
// value of another type, another key), or as seer_request_predict; SEER_ENOMEM.
int seer_request_seq_events_parse(const char *body, size_t len, size_t max_events,
                                  seer_request_seq_events *out);
void seer_request_seq_events_free(seer_request_seq_events *e);

// A copy of the JSON object json (the model's training metadata) with every string
// value that holds a '/' cut to its last part: a path becomes a file name, so that a
// client learns no paths of the server's machine. NULL without memory or on bad JSON.
char *seer_request_names_only(const char *json);

// The body of an admin reload: empty, {} or {"path": "..."}. *path is a copy the
// caller frees, or NULL when no path was given. SEER_EDATA on anything else.
int seer_request_reload_path(const char *body, size_t len, char **path);

// A POST /v1/recommend body: {"user": ID, "k": 10, "include_seen": false,
// "recent_items": [ID, ..], "features": {"name": value, ..}}, every key optional; an ID is a
// string or an integer (its digits), a feature's value a string or a number (its text, as a
// CSV holds it). Any other key is refused, naming it. The texts point into the parsed
// document or into the struct; seer_request_recommend_free frees them.
#define SEER_REQUEST_RECENT_MAX 1024
#define SEER_REQUEST_FEATURES_MAX 256
typedef struct {
    void *doc;                                       // the parsed body (cJSON)
    const char *user;                                // NULL when not given
    size_t k;                                        // 10 when not given; 1 .. 10000
    int include_seen;
    const char *recent[SEER_REQUEST_RECENT_MAX];
    size_t n_recent;
    const char *names[SEER_REQUEST_FEATURES_MAX], *values[SEER_REQUEST_FEATURES_MAX];
    size_t n_features;
    char numbers[SEER_REQUEST_RECENT_MAX + SEER_REQUEST_FEATURES_MAX + 1][SEER_NUMBER_TEXT];
    size_t n_numbers;
} seer_request_rec;

// Parses body into *out (SEER_EDATA naming the key on a bad body; *out is freed then too).
int seer_request_recommend(const char *body, size_t len, seer_request_rec *out);
void seer_request_recommend_free(seer_request_rec *r);

#endif
