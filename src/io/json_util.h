// The JSON helpers that the writers and readers of a model file's document
// share (transform_json.c, net_json.c, checkpoint.c, model.c): exact numbers
// out, typed keys and counts in. Private to io/, and its one include of cJSON
// (serve/request.c parses request bodies with its own).
#ifndef SEER_IO_JSON_UTIL_H
#define SEER_IO_JSON_UTIL_H

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>

// A number that reads back bit for bit. cJSON prints 15 digits when they come
// back within a relative 2^-52, so the last bit of a double can be lost: the
// transform's means, deviations and bucket edges, and a checkpoint's sums, must
// come back exactly (a value on a bucket edge would otherwise change bucket).
static inline cJSON *exact_number(double v) {
    char buf[40];
    if (!isfinite(v)) return cJSON_CreateNull();
    snprintf(buf, sizeof buf, "%.17g", v);
    return cJSON_CreateRaw(buf);
}

static inline void add_exact(cJSON *o, const char *key, double v) {
    cJSON_AddItemToObject(o, key, exact_number(v));
}

static inline double num(const cJSON *o, const char *key, int *ok) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v)) {
        *ok = 0;
        return 0;
    }
    return v->valuedouble;
}

static inline const char *str(const cJSON *o, const char *key, int *ok) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v)) {
        *ok = 0;
        return "";
    }
    return v->valuestring;
}

// Size of a count read from JSON: a whole number in [0, max], else -1.
static inline long count_of(double v, double max) {
    return v >= 0 && v <= max && v == floor(v) ? (long)v : -1;
}

#endif
