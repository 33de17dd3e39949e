// The id map: ids as bytes to dense indices in order of first appearance, and back.
// Open addressing with linear probing over a power-of-two table kept at most half full.
#include "data/idmap.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"

#define HASH_SEED 0x1d3a9b5c7e2f4061ULL

void seer_idmap_init(seer_idmap *m) { memset(m, 0, sizeof *m); }

void seer_idmap_free(seer_idmap *m) {
    free(m->names);
    free(m->off);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

const char *seer_idmap_name(const seer_idmap *m, uint32_t i) {
    SEER_ASSERT(i < m->n);
    return m->names + m->off[i];
}

static size_t slot_of(const seer_idmap *m, const char *s, size_t len) {
    return (size_t)seer_hash_bytes(s, len, HASH_SEED) & (m->n_slots - 1);
}

// The slot holding s, or the empty slot where it would go.
static size_t probe(const seer_idmap *m, const char *s, size_t len) {
    size_t j = slot_of(m, s, len);
    for (;;) {
        uint32_t v = m->slots[j];
        if (!v) return j;
        uint64_t a = m->off[v - 1], b = m->off[v];
        if (b - a - 1 == len && memcmp(m->names + a, s, len) == 0) return j;
        j = (j + 1) & (m->n_slots - 1);
    }
}

long seer_idmap_find(const seer_idmap *m, const char *s, size_t len) {
    if (!m->n_slots) return -1;
    uint32_t v = m->slots[probe(m, s, len)];
    return v ? (long)v - 1 : -1;
}

static int rehash(seer_idmap *m, size_t n_slots) {
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots) return seer_errorf(SEER_ENOMEM, "id map: out of memory");
    free(m->slots);
    m->slots = slots;
    m->n_slots = n_slots;
    for (size_t i = 0; i < m->n; i++) {
        const char *s = m->names + m->off[i];
        m->slots[probe(m, s, (size_t)(m->off[i + 1] - m->off[i] - 1))] = (uint32_t)i + 1;
    }
    return SEER_OK;
}

// Room for one more id of len bytes.
static int reserve(seer_idmap *m, size_t len) {
    if (m->names_len + len + 1 > m->names_cap) {
        size_t cap = m->names_cap ? m->names_cap * 2 : 4096;
        while (cap < m->names_len + len + 1) cap *= 2;
        char *p = realloc(m->names, cap);
        if (!p) return seer_errorf(SEER_ENOMEM, "id map: out of memory");
        m->names = p;
        m->names_cap = cap;
    }
    if (m->n + 2 > m->off_cap) {
        size_t cap = m->off_cap ? m->off_cap * 2 : 256;
        uint64_t *p = realloc(m->off, cap * sizeof *p);
        if (!p) return seer_errorf(SEER_ENOMEM, "id map: out of memory");
        m->off = p;
        m->off_cap = cap;
        if (m->n == 0) m->off[0] = 0;
    }
    if (2 * (m->n + 1) > m->n_slots) return rehash(m, m->n_slots ? m->n_slots * 2 : 1024);
    return SEER_OK;
}

static int bad_id(const char *s, size_t len) {
    if (len == 0) return seer_errorf(SEER_EDATA, "an empty id");
    if (len > SEER_ID_LEN_MAX)
        return seer_errorf(SEER_EDATA, "an id of %zu bytes (the most is %d)", len,
                           SEER_ID_LEN_MAX);
    if (memchr(s, '\0', len)) return seer_errorf(SEER_EDATA, "an id holding a NUL byte");
    return SEER_OK;
}

int seer_idmap_add(seer_idmap *m, const char *s, size_t len, uint32_t *idx, int *added) {
    if (added) *added = 0;
    int rc = bad_id(s, len);
    if (rc != SEER_OK) return rc;
    long have = seer_idmap_find(m, s, len);
    if (have >= 0) {
        *idx = (uint32_t)have;
        return SEER_OK;
    }
    if (m->n >= SEER_IDMAP_MAX)
        return seer_errorf(SEER_EDATA, "more than %u distinct ids", SEER_IDMAP_MAX);
    if ((rc = reserve(m, len)) != SEER_OK) return rc;
    memcpy(m->names + m->names_len, s, len);
    m->names[m->names_len + len] = '\0';
    m->names_len += len + 1;
    m->off[m->n + 1] = m->names_len;
    m->slots[probe(m, s, len)] = (uint32_t)m->n + 1;
    *idx = (uint32_t)m->n++;
    if (added) *added = 1;
    return SEER_OK;
}

int seer_idmap_copy(seer_idmap *dst, const seer_idmap *src) {
    seer_idmap_init(dst);
    int rc = seer_idmap_from_names(dst, src->names, src->names_len, src->n);
    return rc == SEER_EDATA ? seer_errorf(SEER_EINTERNAL, "id map: copy failed") : rc;
}

int seer_idmap_from_names(seer_idmap *m, const char *names, size_t names_len, size_t n) {
    seer_idmap_init(m);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const char *end = at < names_len ? memchr(names + at, '\0', names_len - at) : NULL;
        uint32_t idx;
        int added, rc = end ? seer_idmap_add(m, names + at, (size_t)(end - names - at), &idx,
                                             &added) : SEER_EDATA;
        if (rc == SEER_OK && !added) rc = seer_errorf(SEER_EDATA, "id '%s' repeated", names + at);
        if (rc == SEER_EDATA && !end) seer_errorf(SEER_EDATA, "ids: %zu of %zu found", i, n);
        if (rc != SEER_OK) {
            seer_idmap_free(m);
            return rc;
        }
        at = (size_t)(end - names) + 1;
    }
    if (at != names_len) {
        seer_idmap_free(m);
        return seer_errorf(SEER_EDATA, "ids: %zu bytes after the last of %zu", names_len - at, n);
    }
    return SEER_OK;
}
