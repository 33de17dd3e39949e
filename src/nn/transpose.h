// Matrix transposes for the GEMMs' operands (transpose.c), and the 8 x 8 block they share
// with the kernels that turn rows into vector lanes.
#ifndef SEER_NN_TRANSPOSE_H
#define SEER_NN_TRANSPOSE_H

#include <stddef.h>

#ifdef __AVX2__
#include <immintrin.h>

// r[k] lane j <- r[j] lane k.
static inline void seer_transpose8(__m256 r[8]) {
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
#endif

// at (cols, rows) = a (rows, cols)^T, both dense. They must not overlap.
void seer_transpose(float *at, const float *a, size_t rows, size_t cols);

#endif
