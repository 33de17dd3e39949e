// Dense linear algebra beyond products: the one wrapper around LAPACK (Debian's liblapack,
// OpenBLAS's by default), loaded at the first solve (linalg.c says why). Row-major symmetric
// matrices are their own transposes, so LAPACK's column-major routines take them as they are.
#ifndef SEER_NN_LINALG_H
#define SEER_NN_LINALG_H

#include <stddef.h>

// A (n, n), symmetric positive definite, replaced by its inverse (both triangles), through
// the Cholesky factorisation (dpotrf, dpotri). SEER_EDATA when A is not positive definite,
// SEER_EINVAL past the int range LAPACK takes, SEER_EIO when LAPACK cannot be loaded.
int seer_spd_inverse(double *A, size_t n);

#endif
