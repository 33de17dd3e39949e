// The id map of an interaction log: user or item ids as the files spell them (strings, or
// integers as their text) to dense indices 0 .. n-1, in order of first appearance, and back.
//
// Every output of a recommender names ids as the files did: the map keeps each id's bytes
// (one arena of NUL-terminated names, offsets into it) and an open-addressing table of
// indices hashed by seer_hash_bytes. Ids are compared as bytes after trimming spaces, so
// "007" and "7" are two ids, as they are two strings in the file.
#ifndef SEER_DATA_IDMAP_H
#define SEER_DATA_IDMAP_H

#include <stddef.h>
#include <stdint.h>

// The most ids of one map (indices fit in uint32_t, with room for SEER_NO_ID).
#define SEER_IDMAP_MAX (1u << 30)
// The longest id, in bytes.
#define SEER_ID_LEN_MAX 1024

typedef struct {
    size_t n;            // ids
    char *names;         // (names_len) the ids, each NUL-terminated, in index order
    size_t names_len, names_cap;
    uint64_t *off;       // (n + 1) where id i starts in names; off[n] == names_len
    size_t off_cap;
    uint32_t *slots;     // (n_slots) index + 1, 0 for an empty slot; n_slots a power of two
    size_t n_slots;
} seer_idmap;

// An empty map; free with seer_idmap_free (also on a zeroed struct, a no-op).
void seer_idmap_init(seer_idmap *m);
void seer_idmap_free(seer_idmap *m);
// The index of id s[0, len) into *idx, added as the next index when new (*added 1; may be
// NULL). SEER_EDATA for an empty id, one longer than SEER_ID_LEN_MAX or holding a NUL, or
// past SEER_IDMAP_MAX ids (the message names the id; the caller adds file:line:column
// through seer_errorf's text); SEER_ENOMEM.
int seer_idmap_add(seer_idmap *m, const char *s, size_t len, uint32_t *idx, int *added);
// The index of s[0, len), or -1 when the map does not hold it.
long seer_idmap_find(const seer_idmap *m, const char *s, size_t len);
// The id of index i (< n), NUL-terminated; valid until the next add or free.
const char *seer_idmap_name(const seer_idmap *m, uint32_t i);
// A deep copy of src into dst (dst uninitialised). SEER_ENOMEM.
int seer_idmap_copy(seer_idmap *dst, const seer_idmap *src);
// Builds the map from names[0, names_len) holding n NUL-terminated ids (as a model file
// stores them). SEER_EDATA when the bytes do not hold exactly n distinct valid ids.
int seer_idmap_from_names(seer_idmap *m, const char *names, size_t names_len, size_t n);

#endif
