// Little-endian integers in byte buffers: the one spelling of the on-disk byte
// order of the model file (io/modelfile.h) and the event log (serve/wal.h).
// Byte by byte, so that it holds on any host; compilers turn each into one load
// or store on a little-endian one.
#ifndef SEER_BASE_BYTES_H
#define SEER_BASE_BYTES_H

#include <stdint.h>

static inline void seer_put_le32(void *dst, uint32_t v) {
    unsigned char *p = dst;
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline void seer_put_le64(void *dst, uint64_t v) {
    unsigned char *p = dst;
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t seer_get_le32(const void *src) {
    const unsigned char *p = src;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static inline uint64_t seer_get_le64(const void *src) {
    const unsigned char *p = src;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#endif
