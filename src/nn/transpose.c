// Matrix transposes; see transpose.h.
#include "nn/transpose.h"

// Blocks of this many rows and columns: a block's source and destination lines stay in L1
// while it is copied.
#define TILE 32

// The part of a tile that whole 8 x 8 blocks do not cover, one value at a time.
static void tile_scalar(float *at, const float *a, size_t rows, size_t cols, size_t r0,
                        size_t r1, size_t c0, size_t c1) {
    for (size_t r = r0; r < r1; r++)
        for (size_t c = c0; c < c1; c++) at[c * rows + r] = a[r * cols + c];
}

void seer_transpose(float *at, const float *a, size_t rows, size_t cols) {
    for (size_t r0 = 0; r0 < rows; r0 += TILE)
        for (size_t c0 = 0; c0 < cols; c0 += TILE) {
            size_t r1 = r0 + TILE < rows ? r0 + TILE : rows;
            size_t c1 = c0 + TILE < cols ? c0 + TILE : cols;
            size_t r8 = r0, c8 = c0;
#ifdef __AVX2__
            r8 = r0 + (r1 - r0) / 8 * 8;
            c8 = c0 + (c1 - c0) / 8 * 8;
            for (size_t r = r0; r < r8; r += 8)
                for (size_t c = c0; c < c8; c += 8) {
                    __m256 v[8];
                    for (size_t i = 0; i < 8; i++) v[i] = _mm256_loadu_ps(a + (r + i) * cols + c);
                    seer_transpose8(v);
                    for (size_t i = 0; i < 8; i++) _mm256_storeu_ps(at + (c + i) * rows + r, v[i]);
                }
#endif
            tile_scalar(at, a, rows, cols, r0, r8, c8, c1);  // right of the blocks
            tile_scalar(at, a, rows, cols, r8, r1, c0, c1);  // below them
        }
}
