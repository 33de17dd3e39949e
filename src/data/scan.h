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
    uint32_t odd;   // what the fast path leaves to the full splitter: NUL, and '"' if quoting
} seer_scan_masks;

static inline seer_scan_masks seer_scan_block(const unsigned char *p, unsigned char sep,
                                              int quoting) {
    seer_scan_masks m;
#if defined(__AVX2__)
    __m256i v = _mm256_loadu_si256((const __m256i *)p);
    __m256i odd = _mm256_cmpeq_epi8(v, _mm256_setzero_si256());
    if (quoting) odd = _mm256_or_si256(odd, _mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')));
    m.sep = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8((char)sep)));
    m.nl = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')));
    m.odd = (uint32_t)_mm256_movemask_epi8(odd);
#elif defined(__SSE2__)
    m.sep = m.nl = m.odd = 0;
    for (int h = 0; h < 2; h++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * h));
        __m128i odd = _mm_cmpeq_epi8(v, _mm_setzero_si128());
        if (quoting) odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
        m.sep |= (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)sep)))
                 << (16 * h);
        m.nl |= (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))) << (16 * h);
        m.odd |= (uint32_t)_mm_movemask_epi8(odd) << (16 * h);
    }
#else
    m.sep = m.nl = m.odd = 0;
    for (int i = 0; i < SEER_SCAN_BLOCK; i++) {
        m.sep |= (uint32_t)(p[i] == sep) << i;
        m.nl |= (uint32_t)(p[i] == '\n') << i;
        m.odd |= (uint32_t)(p[i] == 0 || (quoting && p[i] == '"')) << i;
    }
#endif
    return m;
}

#endif
