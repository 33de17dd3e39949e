// seer_fm_forward's rows eight at a time in vector lanes, with the same bits (fm_lanes.c).
#ifndef SEER_NN_FM_LANES_H
#define SEER_NN_FM_LANES_H

#include <stddef.h>

// Adds the FM terms of the first rows of e (B rows of stride ld, nf fields of D) to out, as
// seer_fm_forward does, and returns how many rows it took: a multiple of 8, 0 where it takes
// none (D not a multiple of 8, D over SEER_FM_DIM_MAX, or a build without AVX2).
size_t seer_fm_forward_lanes(float *out, const float *e, size_t ld, size_t B, size_t nf,
                             size_t D);

#endif
