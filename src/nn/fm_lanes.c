// The FM forward of eight rows at once, a row a vector lane; see fm_lanes.h.
//
// Each row's FM sum is one chain of nf * D dependent additions (sum_i e^2 in order), which a
// row at a time waits on: about 2,000 cycles a row of 39 fields of 16, 2% of a deepfm step.
// Eight rows' chains side by side run the same additions in the same order, so every row's
// score keeps its bits: an 8 x 8 block of the rows (eight rows, eight dimensions of a field)
// is transposed so that a vector holds one dimension of eight rows, and each row's sums
// proceed lane by lane exactly as seer_fm_forward's loop does for its one row.
//
// That loop, for D a multiple of 4, rounds every product before adding it: GCC vectorises its
// inner loops 8 (then 4) wide, squares in a vector and adds the squares in order one by one,
// and fuses a multiply-add only in the last D % 4 of a chunk (unoptimised builds fuse none).
// So this kernel rounds each square too, and takes D a multiple of 8 only; the products are
// kept apart from their sums by an empty asm, since GCC would fuse an intrinsic's multiply
// and add as it fuses plain ones. test_interaction checks the bits against one row at a time.
#include "nn/fm_lanes.h"

#include "nn/interaction.h"

#ifdef __AVX2__
#include <immintrin.h>

// a * b rounded to float, never fused with the addition it feeds.
static inline __m256 rounded_product(__m256 a, __m256 b) {
    __m256 p = _mm256_mul_ps(a, b);
    __asm__("" : "+x"(p));
    return p;
}

// r[k] lane j <- r[j] lane k.
static inline void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xee);
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xee);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}
// out[0..8) += the FM terms of rows e, e + ld, ..., e + 7 ld.
static void fm_rows8(float *out, const float *e, size_t ld, size_t nf, size_t D) {
    __m256 s[SEER_FM_DIM_MAX], q = _mm256_setzero_ps(), ss = _mm256_setzero_ps();
    for (size_t k = 0; k < D; k++) s[k] = _mm256_setzero_ps();
    for (size_t i = 0; i < nf; i++)
        for (size_t k0 = 0; k0 < D; k0 += 8) {
            __m256 v[8];
            for (size_t r = 0; r < 8; r++) v[r] = _mm256_loadu_ps(e + r * ld + i * D + k0);
            transpose8(v);
            for (size_t k = 0; k < 8; k++) {
                s[k0 + k] = _mm256_add_ps(s[k0 + k], v[k]);
                q = _mm256_add_ps(q, rounded_product(v[k], v[k]));
            }
        }
    for (size_t k = 0; k < D; k++) ss = _mm256_add_ps(ss, rounded_product(s[k], s[k]));
    // total = 0 + (ss - q) and out += 0.5 total, as the loop has them.
    __m256 total = _mm256_add_ps(_mm256_setzero_ps(), _mm256_sub_ps(ss, q));
    __m256 half = rounded_product(_mm256_set1_ps(0.5f), total);
    _mm256_storeu_ps(out, _mm256_add_ps(_mm256_loadu_ps(out), half));
}

size_t seer_fm_forward_lanes(float *out, const float *e, size_t ld, size_t B, size_t nf,
                             size_t D) {
    if (D == 0 || D % 8 != 0 || D > SEER_FM_DIM_MAX) return 0;
    size_t done = B / 8 * 8;
    for (size_t b = 0; b < done; b += 8) fm_rows8(out + b, e + b * ld, ld, nf, D);
    return done;
}
#else
size_t seer_fm_forward_lanes(float *out, const float *e, size_t ld, size_t B, size_t nf,
                             size_t D) {
    (void)out, (void)e, (void)ld, (void)B, (void)nf, (void)D;
    return 0;
}
#endif
