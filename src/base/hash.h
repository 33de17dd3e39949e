// 64-bit hashing of byte strings and integers: token ids, vocabularies, splits.
//
// Not cryptographic. Stable across platforms and versions: model files store
// hashed tokens, so changing these functions changes the model format.
#ifndef SEER_BASE_HASH_H
#define SEER_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

// Finaliser of splitmix64: a bijective mix of 64 bits.
static inline uint64_t seer_mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

// Hash of n bytes with a seed; reads 8 bytes at a time.
static inline uint64_t seer_hash_bytes(const void *data, size_t n, uint64_t seed) {
    const unsigned char *p = data;
    uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (n + 1));
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = seer_mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
    return seer_mix64(h ^ w ^ ((uint64_t)n << 56));
}

#endif
