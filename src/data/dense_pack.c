// Piecewise-linear blocks held as two floats (dense_pack.h).
#include "data/dense_pack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "base/error.h"

// Appends a run (a copy of len values unless ple) to p, merging copies that follow each other.
static void add_run(seer_dense_pack *p, size_t at, size_t len, int ple) {
    seer_pack_run *last = p->n_runs ? &p->run[p->n_runs - 1] : NULL;
    if (!ple && last && !last->ple && last->at + last->len == at) {
        last->len += (uint32_t)len;
        p->n_held += len;
        return;
    }
    p->run[p->n_runs++] = (seer_pack_run){(uint32_t)at, (uint32_t)p->n_held, (uint32_t)len,
                                          (uint16_t)ple,
                                          (uint16_t)(ple && at + (len + 7) / 8 * 8 <= p->n_dense)};
    p->n_held += ple ? 2 : len;
}

int seer_dense_pack_init(seer_dense_pack *p, size_t n_dense, const size_t *starts,
                         const size_t *lens, size_t n_blocks) {
    memset(p, 0, sizeof *p);
    size_t saved = 0;
    for (size_t i = 0; i < n_blocks; i++) saved += lens[i] > 2 ? lens[i] - 2 : 0;
    if (saved == 0 || n_dense > SEER_PACK_DENSE_MAX) return SEER_OK;
    p->run = malloc((2 * n_blocks + 1) * sizeof *p->run);
    if (!p->run) return seer_errorf(SEER_ENOMEM, "out of memory building the rows' layout");
    p->n_dense = n_dense;
    size_t at = 0;
    for (size_t i = 0; i < n_blocks; i++) {
        SEER_ASSERT(starts[i] >= at && starts[i] + lens[i] <= n_dense);
        if (starts[i] > at) add_run(p, at, starts[i] - at, 0);
        add_run(p, starts[i], lens[i], lens[i] > 2);
        at = starts[i] + lens[i];
    }
    if (n_dense > at) add_run(p, at, n_dense - at, 0);
    return SEER_OK;
}

void seer_dense_pack_free(seer_dense_pack *p) {
    free(p->run);
    memset(p, 0, sizeof *p);
}

void seer_dense_pack_row(const seer_dense_pack *p, const float *dense, float *held) {
    for (size_t r = 0; r < p->n_runs; r++) {
        const seer_pack_run *u = &p->run[r];
        const float *x = dense + u->at;
        float *out = held + u->held;
        if (!u->ple) {
            memcpy(out, x, u->len * sizeof *x);
            continue;
        }
        size_t ones = 0;
        while (ones < u->len && x[ones] == 1.0f) ones++;
        out[0] = (float)ones;
        out[1] = ones < u->len ? x[ones] : 0.0f;
        // The block is ones, one value, zeros (+0): else its values would not come back.
        for (size_t k = ones + 1; k < u->len; k++)
            SEER_ASSERT(x[k] == 0.0f && !signbit(x[k]));
    }
}

// A block of len values: ones 1s, then f, then 0s.
static inline void ple_out(float *x, size_t len, size_t ones, float f) {
    for (size_t k = 0; k < len; k++) x[k] = k < ones ? 1.0f : 0.0f;
    if (ones < len) x[ones] = f;
}

#ifdef __AVX2__
// The same, eight values a store, without a branch on ones (which differs row by row), writing
// up to 7 values past the block: only for a run marked wide. Plain stores: masked ones are
// slow on some CPUs.
static inline void ple_wide(float *x, size_t len, size_t ones, float f) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i o = _mm256_set1_epi32((int)ones);
    const __m256 one = _mm256_set1_ps(1.0f), value = _mm256_set1_ps(f);
    for (size_t k = 0; k < len; k += 8) {
        __m256i idx = _mm256_add_epi32(lane, _mm256_set1_epi32((int)k));
        __m256 v = _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(o, idx)), one);
        v = _mm256_blendv_ps(v, value, _mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, o)));
        _mm256_storeu_ps(x + k, v);
    }
}
#endif

void seer_dense_unpack_row(const seer_dense_pack *p, const float *held, float *dense) {
    for (size_t r = 0; r < p->n_runs; r++) {
        const seer_pack_run *u = &p->run[r];
        const float *in = held + u->held;
        float *x = dense + u->at;
        if (!u->ple) {
            // Mostly one value (a missing flag between two blocks): no call for those.
            if (u->len == 1) x[0] = in[0];
            else memcpy(x, in, u->len * sizeof *x);
            continue;
        }
        // Whatever the float (a row read back from a file), no write leaves the row, and the
        // values of the block are ones, a value and zeros.
        size_t ones = in[0] >= 1.0f ? (in[0] < (float)u->len ? (size_t)in[0] : u->len) : 0;
#ifdef __AVX2__
        if (u->wide) {
            ple_wide(x, u->len, ones, in[1]);
            continue;
        }
#endif
        ple_out(x, u->len, ones, in[1]);
    }
}
