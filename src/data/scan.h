// Byte-class masks over 32-byte blocks, for the table reader's fast row splitter: bit i of
// each mask is set when byte p[i] is of that class. AVX2 where the build allows it (the
// default x86-64-v3 build), two SSE2 halves on other x86-64, and a plain loop elsewhere; all
// three give the same masks.
//
// Reads 32 bytes at p whatever the caller's data length: the caller owns that slack and
// drops the bits past its data.
#ifndef SEER_DATA_SCAN_H
#define SEER_DATA_SCAN_H

#include <stdint.h>

#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#define SEER_SCAN_BLOCK 32

typedef struct {
    uint32_t sep;   // the field separator
    uint32_t nl;    // '\n'
    uint32_t quote; // '"' when quoting, else none
    uint32_t nul;   // NUL
} seer_scan_masks;

static inline seer_scan_masks seer_scan_block(const unsigned char *p, unsigned char sep,
                                              int quoting) {
    seer_scan_masks m;
#if defined(__AVX2__)
    __m256i v = _mm256_loadu_si256((const __m256i *)p);
    m.sep = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8((char)sep)));
    m.nl = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')));
    m.quote = quoting ? (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')))
                      : 0;
    m.nul = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_setzero_si256()));
#elif defined(__SSE2__)
    m.sep = m.nl = m.quote = m.nul = 0;
    for (int h = 0; h < 2; h++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * h));
        m.sep |= (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)sep)))
                 << (16 * h);
        m.nl |= (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))) << (16 * h);
        if (quoting)
            m.quote |= (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')))
                       << (16 * h);
        m.nul |= (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) << (16 * h);
    }
#else
    m.sep = m.nl = m.quote = m.nul = 0;
    for (int i = 0; i < SEER_SCAN_BLOCK; i++) {
        m.sep |= (uint32_t)(p[i] == sep) << i;
        m.nl |= (uint32_t)(p[i] == '\n') << i;
        m.quote |= (uint32_t)(quoting && p[i] == '"') << i;
        m.nul |= (uint32_t)(p[i] == 0) << i;
    }
#endif
    return m;
}

#endif
