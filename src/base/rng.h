// Seeded pseudo-random numbers: xoshiro256** seeded through splitmix64.
//
// Every random choice in seer (initialisation, shuffling, splits, dropout, the
// demo generator) draws from one of these, so a seed fixes a run.
#ifndef SEER_BASE_RNG_H
#define SEER_BASE_RNG_H

#include <math.h>
#include <stdint.h>

#include "base/hash.h"

typedef struct {
    uint64_t s[4];
} seer_rng;

static inline void seer_rng_init(seer_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) {
        x += 0x9e3779b97f4a7c15ULL;
        r->s[i] = seer_mix64(x);
    }
}

static inline uint64_t seer_rng_next(seer_rng *r) {
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t out = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return out;
}

// Uniform in [0, 1) with 53 bits.
static inline double seer_rng_uniform(seer_rng *r) {
    return (double)(seer_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

// Uniform integer in [0, n), n > 0 (Lemire's multiply; bias below 2^-32 for n < 2^32).
static inline uint64_t seer_rng_below(seer_rng *r, uint64_t n) {
    return (uint64_t)(((unsigned __int128)seer_rng_next(r) * n) >> 64);
}

// Standard normal (Box-Muller; one value per call, the other discarded for simplicity).
static inline double seer_rng_normal(seer_rng *r) {
    double u = seer_rng_uniform(r), v = seer_rng_uniform(r);
    if (u < 1e-300) u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#endif
