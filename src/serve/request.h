// Rows of a request body, as JSON objects keyed by column name, encoded with
// a model's transform exactly as `seer predict` encodes a text row: a missing
// key or null is a missing value, a number or a string is the value's text,
// unseen values map as in predict. Only file that parses request JSON.
#ifndef SEER_SERVE_REQUEST_H
#define SEER_SERVE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "data/transform.h"

// Encodes one JSON object given as text (json, len bytes, need not be
// NUL-terminated) into ids (F), dense (n_dense) and *y (NAN when the object
// has no label key; need_label makes that an error). SEER_EDATA with a message
// naming the key on malformed JSON, a non-object, a wrong type (an array or
// object as a value, a bool outside the label), or a value the transform
// rejects.
int seer_request_encode_row(const seer_transform *t, const char *json, size_t len,
                            int need_label, uint32_t *ids, float *dense, float *y);

#endif
