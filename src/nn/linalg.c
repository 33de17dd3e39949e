// The LAPACK wrapper (see linalg.h). LAPACK's Fortran symbols are declared here, so no other
// file sees them.
#include "nn/linalg.h"

#include <limits.h>

#include "base/error.h"

void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);

int seer_spd_inverse(double *A, size_t n) {
    if (n == 0) return SEER_OK;
    if (n > 46340) return seer_errorf(SEER_EINVAL, "a %zu x %zu matrix is past LAPACK's int", n, n);
    int ni = (int)n, info = 0;
    dpotrf_("U", &ni, A, &ni, &info);
    if (info > 0)
        return seer_errorf(SEER_EDATA, "the matrix is not positive definite (pivot %d)", info);
    if (info == 0) dpotri_("U", &ni, A, &ni, &info);
    if (info != 0) return seer_errorf(SEER_EINTERNAL, "LAPACK dpotri: info %d", info);
    // "U" in column-major is the lower triangle in row-major: copy it to the upper one.
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) A[i * n + j] = A[j * n + i];
    return SEER_OK;
}
