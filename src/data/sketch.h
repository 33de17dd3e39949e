// Counting distinct values: an exact counter of 64-bit token hashes (for
// vocabularies) and a HyperLogLog sketch (for cardinality past the counter's cap).
#ifndef SEER_DATA_SKETCH_H
#define SEER_DATA_SKETCH_H

#include <stddef.h>
#include <stdint.h>

// Open-addressing map from a token hash to its count. Key 0 is reserved
// (callers map a zero hash to 1). Grows by doubling up to max_keys distinct
// keys; past that, new keys are not stored and overflow is set.
// Key and count share one 16-byte slot, so a lookup costs one cache miss.
typedef struct {
    uint64_t key;
    uint64_t count;
} seer_counter_slot;

typedef struct {
    seer_counter_slot *slots;  // (cap)
    size_t cap, n, max_keys;
    int overflow;
} seer_counter;

int seer_counter_init(seer_counter *c, size_t max_keys);
// Adds one occurrence. SEER_ENOMEM if growing fails.
int seer_counter_add(seer_counter *c, uint64_t key);
// A copy of src in dst (uninitialised before). SEER_ENOMEM.
int seer_counter_copy(seer_counter *dst, const seer_counter *src);
uint64_t seer_counter_get(const seer_counter *c, uint64_t key);
// Asks for key's slot ahead of seer_counter_add, so that the misses of many
// columns overlap instead of queueing.
static inline void seer_counter_prefetch(const seer_counter *c, uint64_t key) {
    __builtin_prefetch(&c->slots[(size_t)(key * 0x9e3779b97f4a7c15ULL) >> 20 & (c->cap - 1)]);
}
void seer_counter_free(seer_counter *c);

// HyperLogLog with 2^12 registers (about 1.6% standard error).
#define SEER_HLL_BITS 12
typedef struct {
    uint8_t reg[1 << SEER_HLL_BITS];
} seer_hll;

// Inline: the profile pass adds every field.
static inline void seer_hll_add(seer_hll *h, uint64_t hash) {
    size_t idx = hash >> (64 - SEER_HLL_BITS);
    uint64_t rest = hash << SEER_HLL_BITS | (1ULL << (SEER_HLL_BITS - 1));
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > h->reg[idx]) h->reg[idx] = rank;
}
double seer_hll_estimate(const seer_hll *h);

// A lookup table from token hash to a row id, built once (vocabularies at load).
typedef struct {
    uint64_t key;    // 0 = empty
    uint64_t id;
} seer_vocab_slot;

typedef struct {
    seer_vocab_slot *slots;  // (cap)
    size_t cap;
} seer_vocab_map;

int seer_vocab_map_init(seer_vocab_map *m, const uint64_t *keys, size_t n, uint32_t first_id);
// The id of key, or -1 if absent.
static inline long seer_vocab_map_get(const seer_vocab_map *m, uint64_t key) {
    if (!m->cap) return -1;
    size_t mask = m->cap - 1, i = (size_t)(key * 0x9e3779b97f4a7c15ULL) >> 20 & mask;
    for (;;) {
        if (m->slots[i].key == key) return (long)m->slots[i].id;
        if (m->slots[i].key == 0) return -1;
        i = (i + 1) & mask;
    }
}
static inline void seer_vocab_map_prefetch(const seer_vocab_map *m, uint64_t key) {
    if (m->cap)
        __builtin_prefetch(&m->slots[(size_t)(key * 0x9e3779b97f4a7c15ULL) >> 20 & (m->cap - 1)]);
}
void seer_vocab_map_free(seer_vocab_map *m);

#endif
