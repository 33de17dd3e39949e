// The checksum in lanes (lane_hash.h).
#include "base/lane_hash.h"

#include <string.h>

#include "base/hash.h"

#define STEP 0x9e3779b97f4a7c15ULL

void seer_lane_hash_init(seer_lane_state *s, uint64_t n, uint64_t seed) {
    for (size_t i = 0; i < SEER_LANES; i++) s->h[i] = seed ^ (STEP * (n + 1 + i));
}

void seer_lane_hash_blocks(seer_lane_state *s, const void *p, size_t blocks) {
    const unsigned char *b = p;
    uint64_t h[SEER_LANES];
    memcpy(h, s->h, sizeof h);
    for (size_t k = 0; k < blocks; k++, b += SEER_LANE_BLOCK) {
        for (size_t i = 0; i < SEER_LANES; i++) {
            uint64_t w;
            memcpy(&w, b + 8 * i, 8);
            h[i] = seer_mix64(h[i] ^ w) + STEP;
        }
    }
    memcpy(s->h, h, sizeof h);
}

uint64_t seer_lane_hash_final(const seer_lane_state *s, const void *tail, size_t tail_n) {
    uint64_t r = STEP;
    for (size_t i = 0; i < SEER_LANES; i++) r = seer_mix64(r ^ s->h[i]) + STEP;
    return seer_hash_bytes(tail, tail_n, r);
}

uint64_t seer_lane_hash(const void *data, size_t n, uint64_t seed) {
    seer_lane_state s;
    seer_lane_hash_init(&s, n, seed);
    size_t blocks = n / SEER_LANE_BLOCK;
    seer_lane_hash_blocks(&s, data, blocks);
    return seer_lane_hash_final(&s, (const unsigned char *)data + blocks * SEER_LANE_BLOCK,
                                n % SEER_LANE_BLOCK);
}
