// Error codes and the one place an error's detail is recorded.
//
// Data and environment failures return a negative code and record a message
// once, where they are detected (seer_errorf); callers pass the code up and
// add nothing. Bugs are SEER_ASSERT, always on. The message is thread-local.
#ifndef SEER_BASE_ERROR_H
#define SEER_BASE_ERROR_H

#include <stdio.h>
#include <stdlib.h>

#include "seer.h"

// X(name, code, description, process exit code). The codes themselves are the public enum
// seer_error (include/seer.h); error.c checks at compile time that the two agree.
#define SEER_ERRORS(X)                                   \
    X(SEER_OK, 0, "ok", 0)                               \
    X(SEER_EINVAL, -1, "invalid argument", 1)            \
    X(SEER_EDATA, -2, "bad input data", 2)               \
    X(SEER_EIO, -3, "input/output failure", 3)           \
    X(SEER_ENOMEM, -4, "out of memory", 4)               \
    X(SEER_EINTERNAL, -5, "internal error", 4)

// seer_errorf (seer.h) records the message for the calling thread and returns code.
void seer_error_clear(void);

#define SEER_ASSERT(cond)                                                              \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "seer: internal error at %s:%d: %s\n", __FILE__, __LINE__, \
                    #cond);                                                            \
            abort();                                                                   \
        }                                                                              \
    } while (0)

#endif
